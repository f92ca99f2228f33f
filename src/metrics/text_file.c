/* Transcript files for scoring: Kaldi text ("<id> <text>") and sclite .trn ("<text> (<id>)"),
 * read whole, indexed by id, paired reference to hypothesis. */
#include "audiolottery/io.h"
#include "audiolottery/metrics.h"

#include <stdlib.h>
#include <string.h>

static const char *format_names[] = {"auto", "kaldi", "trn"};

const char *al_text_format_name(al_text_format f) {
    return f >= AL_TEXT_AUTO && f <= AL_TEXT_TRN ? format_names[f] : "?";
}

al_status al_text_format_parse(const char *name, al_text_format *f) {
    for (int i = AL_TEXT_AUTO; i <= AL_TEXT_TRN; i++)
        if (!strcmp(name, format_names[i])) {
            *f = (al_text_format)i;
            return AL_OK;
        }
    return al_error(AL_ERR_INVALID, "unknown transcript format '%s' (auto, kaldi, trn)", name);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* Trims s in place (a line: no '\n' inside). */
static char *trim(char *s) {
    while (is_space(*s)) s++;
    size_t n = strlen(s);
    while (n && is_space(s[n - 1])) s[--n] = '\0';
    return s;
}

static int ends_with_id(const char *line) {
    size_t n = strlen(line);
    return n && line[n - 1] == ')' && strchr(line, '(');
}

/* Splits a trimmed, non-blank line into id and text (both pointing into line). */
static al_status split_line(const char *path, int lineno, char *line, al_text_format f, char **id, char **text) {
    if (f == AL_TEXT_KALDI) {
        char *p = line;
        while (*p && !is_space(*p)) p++;
        if (*p) *p++ = '\0';
        *id = line;
        *text = trim(p);
        return AL_OK;
    }
    char *open = strrchr(line, '(');
    if (!ends_with_id(line))
        return al_error(AL_ERR_FORMAT, "%s:%d: no utterance id: a .trn line ends with \"(id)\"", path, lineno);
    line[strlen(line) - 1] = '\0';
    *open = '\0';
    *id = open + 1;
    *text = trim(line);
    if (!**id) return al_error(AL_ERR_FORMAT, "%s:%d: empty utterance id \"()\"", path, lineno);
    for (char *p = *id; *p; p++)
        if (is_space(*p) || *p == ')')
            return al_error(AL_ERR_FORMAT, "%s:%d: utterance id \"(%s)\" contains whitespace or ')'", path, lineno,
                            *id);
    return AL_OK;
}

static int by_id(const void *a, const void *b, void *ctx) {
    const al_text_entry *items = ctx, *x = &items[*(const size_t *)a], *y = &items[*(const size_t *)b];
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static al_status index_ids(al_text_file *t) {
    t->by_id_ = malloc(sizeof *t->by_id_ * (t->n ? t->n : 1));
    if (!t->by_id_) return al_error(AL_ERR_NOMEM, "%s: out of memory", t->path);
    for (size_t i = 0; i < t->n; i++) t->by_id_[i] = i;
    qsort_r(t->by_id_, t->n, sizeof *t->by_id_, by_id, t->items);
    for (size_t k = 1; k < t->n; k++) {
        const al_text_entry *a = &t->items[t->by_id_[k - 1]], *b = &t->items[t->by_id_[k]];
        if (!strcmp(a->id, b->id))
            return al_error(AL_ERR_FORMAT, "%s:%d: duplicate utterance id '%s' (first at line %d)", t->path, b->line,
                            b->id, a->line);
    }
    return AL_OK;
}

static al_status add(al_text_file *t, size_t *cap, const char *id, const char *text, int line) {
    if (t->n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        al_text_entry *bigger = realloc(t->items, sizeof *bigger * c);
        if (!bigger) return al_error(AL_ERR_NOMEM, "%s: out of memory", t->path);
        t->items = bigger;
        *cap = c;
    }
    al_text_entry *it = &t->items[t->n];
    it->id = strdup(id);
    it->text = strdup(text);
    it->line = line;
    t->n++;
    if (!it->id || !it->text) return al_error(AL_ERR_NOMEM, "%s: out of memory", t->path);
    return AL_OK;
}

al_status al_text_file_read(const char *path, al_text_format format, al_text_file *out) {
    memset(out, 0, sizeof *out);
    char *buf = NULL;
    al_status st = al_read_text_file(path, &buf);
    if (st != AL_OK) return st;
    out->path = strdup(path);
    if (!out->path) st = al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    size_t cap = 0;
    int lineno = 0;
    for (char *s = buf, *next; st == AL_OK && s; s = next) {
        char *nl = strchr(s, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        lineno++;
        char *line = trim(s), *id = NULL, *text = NULL;
        if (!*line) continue;
        if (format == AL_TEXT_AUTO) format = ends_with_id(line) ? AL_TEXT_TRN : AL_TEXT_KALDI;
        st = split_line(path, lineno, line, format, &id, &text);
        if (st == AL_OK) st = add(out, &cap, id, text, lineno);
    }
    free(buf);
    out->format = format == AL_TEXT_AUTO ? AL_TEXT_KALDI : format;
    if (st == AL_OK) st = index_ids(out);
    if (st != AL_OK) al_text_file_free(out);
    return st;
}

const al_text_entry *al_text_file_find(const al_text_file *t, const char *id) {
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, t->items[t->by_id_[mid]].id);
        if (!c) return &t->items[t->by_id_[mid]];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

void al_text_file_free(al_text_file *t) {
    for (size_t i = 0; i < t->n; i++) {
        free(t->items[i].id);
        free(t->items[i].text);
    }
    free(t->items);
    free(t->by_id_);
    free(t->path);
    memset(t, 0, sizeof *t);
}

al_status al_text_file_pair(const al_text_file *ref, const al_text_file *hyp, ptrdiff_t **hyp_of_ref) {
    *hyp_of_ref = NULL;
    for (size_t j = 0; j < hyp->n; j++)
        if (!al_text_file_find(ref, hyp->items[j].id))
            return al_error(AL_ERR_FORMAT, "%s:%d: utterance '%s' is not in the reference %s", hyp->path,
                            hyp->items[j].line, hyp->items[j].id, ref->path);
    ptrdiff_t *m = malloc(sizeof *m * (ref->n ? ref->n : 1));
    if (!m) return al_error(AL_ERR_NOMEM, "%s: out of memory", hyp->path);
    for (size_t i = 0; i < ref->n; i++) {
        const al_text_entry *h = al_text_file_find(hyp, ref->items[i].id);
        m[i] = h ? h - hyp->items : -1;
    }
    *hyp_of_ref = m;
    return AL_OK;
}
