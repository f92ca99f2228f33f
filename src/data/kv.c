/* "KEY VALUE" line files (Kaldi wav.scp/text/segments/utt2spk, LibriSpeech trans.txt): file
 * order kept for iteration, a sorted index for lookup, duplicate keys reported and dropped. */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

static _Thread_local const al_kv *tl_base;

static int idx_cmp(const void *a, const void *b) {
    const al_kv *x = &tl_base[*(const size_t *)a], *y = &tl_base[*(const size_t *)b];
    int k = strcmp(x->key, y->key);
    return k ? k : (x->line > y->line) - (x->line < y->line);
}

al_status al_kv_read(al_corpus *c, const char *path, al_kv_table *t) {
    memset(t, 0, sizeof *t);
    if (!(t->file = al_data_source(c, path))) return al_error(AL_ERR_NOMEM, "out of memory");
    al_lines lines;
    al_status st = al_lines_open(&lines, path);
    if (st != AL_OK) return st;
    size_t cap = 0;
    char *s;
    while ((s = al_lines_next(&lines))) {
        s = al_trim(s);
        if (!*s) continue;
        char *v = s + strcspn(s, " \t");
        if (*v) *v++ = '\0';
        if (t->n == cap) {
            cap = cap ? cap * 2 : 256;
            al_kv *ne = realloc(t->e, cap * sizeof *ne);
            if (!ne) goto nomem;
            t->e = ne;
        }
        al_kv *kv = &t->e[t->n];
        kv->key = strdup(s);
        kv->value = strdup(al_trim(v));
        kv->line = lines.line;
        t->n++;
        if (!kv->key || !kv->value) goto nomem;
    }
    al_lines_close(&lines);
    if (!(t->sorted = malloc((t->n + 1) * sizeof(size_t)))) goto nomem_closed;
    for (size_t i = 0; i < t->n; i++) t->sorted[i] = i;
    tl_base = t->e;
    qsort(t->sorted, t->n, sizeof(size_t), idx_cmp);
    /* Drop duplicates (keep the first line), then rebuild the file-ordered array. */
    bool *drop = calloc(t->n + 1, 1);
    if (!drop) goto nomem_closed;
    size_t n_drop = 0, first = 0; /* first: the kept (earliest) entry of the current run of equal keys */
    for (size_t i = 1; i < t->n; i++) {
        const al_kv *a = &t->e[t->sorted[first]], *b = &t->e[t->sorted[i]];
        if (strcmp(a->key, b->key)) {
            first = i;
            continue;
        }
        drop[t->sorted[i]] = true;
        n_drop++;
        st = al_data_skip(c, path, b->line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "duplicate id '%s' (first on line %d)",
                          b->key, a->line);
        if (st != AL_OK) {
            free(drop);
            al_kv_free(t);
            return st;
        }
    }
    if (n_drop) {
        size_t k = 0;
        for (size_t i = 0; i < t->n; i++) {
            if (drop[i]) {
                free(t->e[i].key);
                free(t->e[i].value);
            } else {
                t->e[k++] = t->e[i];
            }
        }
        t->n = k;
        for (size_t i = 0; i < t->n; i++) t->sorted[i] = i;
        tl_base = t->e;
        qsort(t->sorted, t->n, sizeof(size_t), idx_cmp);
    }
    free(drop);
    return AL_OK;
nomem:
    al_lines_close(&lines);
nomem_closed:
    al_kv_free(t);
    return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
}

const al_kv *al_kv_find(const al_kv_table *t, const char *key) {
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int k = strcmp(t->e[t->sorted[mid]].key, key);
        if (k == 0) return &t->e[t->sorted[mid]];
        if (k < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

void al_kv_free(al_kv_table *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].value);
    }
    free(t->e);
    free(t->sorted);
    memset(t, 0, sizeof *t);
}
