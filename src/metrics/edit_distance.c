/* Levenshtein alignment of token sequences with error-type counts. */
#include "audiolottery/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    int len;
} token;

/* Splits text into tokens: words (runs of non-spaces) or single non-space characters. */
static int tokenize(const char *text, int chars, token **out) {
    int cap = 16, n = 0;
    token *t = malloc(sizeof *t * cap);
    if (!t) return -1;
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        int len = 1;
        if (!chars)
            while (p[len] && p[len] != ' ') len++;
        if (n == cap) {
            token *bigger = realloc(t, sizeof *t * (cap *= 2));
            if (!bigger) {
                free(t);
                return -1;
            }
            t = bigger;
        }
        t[n++] = (token){p, len};
        p += len;
    }
    *out = t;
    return n;
}

static int same(const token *a, const token *b) { return a->len == b->len && !memcmp(a->s, b->s, a->len); }

/* Dynamic programme over (nr + 1) x (nh + 1) cells keeping (cost, ins, del, sub) of the best path;
 * equal costs prefer substitution, then deletion, then insertion. */
static al_status score(const char *ref, const char *hyp, int chars, al_error_counts *acc) {
    token *r = NULL, *h = NULL;
    int nr = tokenize(ref, chars, &r), nh = tokenize(hyp, chars, &h);
    typedef struct { int cost, ins, del, sub; } cell;
    cell *prev = malloc(sizeof(cell) * (nh + 1)), *cur = malloc(sizeof(cell) * (nh + 1));
    if (nr < 0 || nh < 0 || !prev || !cur) {
        free(r), free(h), free(prev), free(cur);
        return al_error(AL_ERR_NOMEM, "scoring: out of memory");
    }
    for (int j = 0; j <= nh; j++) prev[j] = (cell){j, j, 0, 0};
    for (int i = 1; i <= nr; i++) {
        cur[0] = (cell){i, 0, i, 0};
        for (int j = 1; j <= nh; j++) {
            int match = same(&r[i - 1], &h[j - 1]);
            cell diag = prev[j - 1], up = prev[j], left = cur[j - 1];
            cell best = diag;
            best.cost += !match;
            best.sub += !match;
            if (up.cost + 1 < best.cost) best = (cell){up.cost + 1, up.ins, up.del + 1, up.sub};
            if (left.cost + 1 < best.cost) best = (cell){left.cost + 1, left.ins + 1, left.del, left.sub};
            cur[j] = best;
        }
        cell *swap = prev;
        prev = cur;
        cur = swap;
    }
    cell end = prev[nh];
    acc->ref += nr;
    acc->ins += end.ins;
    acc->del += end.del;
    acc->sub += end.sub;
    acc->utts++;
    acc->utts_with_errors += end.cost > 0;
    free(r), free(h), free(prev), free(cur);
    return AL_OK;
}

al_status al_score_words(const char *ref, const char *hyp, al_error_counts *acc) { return score(ref, hyp, 0, acc); }
al_status al_score_chars(const char *ref, const char *hyp, al_error_counts *acc) { return score(ref, hyp, 1, acc); }

double al_error_rate(const al_error_counts *c) {
    int64_t e = c->ins + c->del + c->sub;
    if (c->ref == 0) return e ? 100.0 : 0.0;
    return 100.0 * (double)e / (double)c->ref;
}

void al_format_kaldi(const al_error_counts *c, const char *label, char *buf, size_t n) {
    snprintf(buf, n, "%%%s %.2f [ %lld / %lld, %lld ins, %lld del, %lld sub ]", label, al_error_rate(c),
             (long long)(c->ins + c->del + c->sub), (long long)c->ref, (long long)c->ins, (long long)c->del,
             (long long)c->sub);
}
