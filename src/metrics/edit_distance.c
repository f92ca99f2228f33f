/* Edit-distance alignment of word or character sequences with sclite's costs and tie-breaking
 * (see metrics.h), the alignment pairs and their counts. */
#include "audiolottery/metrics.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;
    int len;
} token;

static int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of the UTF-8 code point at p: its lead byte and the continuation bytes that follow (at
 * most 3), so that a stray continuation byte or a truncated sequence still makes one token. */
static int code_point_len(const char *p) {
    int len = 1;
    while (len < 4 && ((unsigned char)p[len] & 0xC0) == 0x80) len++;
    return len;
}

/* Splits text into tokens: words (runs of non-whitespace) or code points. Returns the count, or
 * -1 when out of memory. *out is malloc'd (may be NULL when there are no tokens). */
static int tokenize(const char *text, al_token_unit unit, token **out) {
    size_t cap = 0, n = 0;
    token *t = NULL;
    for (const char *p = text; *p;) {
        if (is_space((unsigned char)*p)) {
            p++;
            continue;
        }
        int len = 0;
        if (unit == AL_UNIT_CHARS) len = code_point_len(p);
        else
            while (p[len] && !is_space((unsigned char)p[len])) len++;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            token *bigger = n < INT32_MAX / 2 ? realloc(t, sizeof *t * cap) : NULL;
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
    return (int)n;
}

static int same(const token *a, const token *b) { return a->len == b->len && !memcmp(a->s, b->s, (size_t)a->len); }

enum { BACK_DIAG = 0, BACK_DEL = 1, BACK_INS = 2 };

/* Fills back[(nr + 1) x (nh + 1)] with each cell's best predecessor (sctk net_dp.c
 * calculate_internal_cells): the diagonal when it costs no more than deletion and insertion,
 * else deletion when strictly cheaper than insertion, else insertion. */
static void fill(const token *r, int nr, const token *h, int nh, int ins_cost, int del_cost, int sub_cost,
                 int64_t *prev, int64_t *cur, unsigned char *back) {
    size_t w = (size_t)nh + 1;
    prev[0] = 0;
    for (int j = 1; j <= nh; j++) {
        prev[j] = prev[j - 1] + ins_cost;
        back[j] = BACK_INS;
    }
    for (int i = 1; i <= nr; i++) {
        unsigned char *row = back + (size_t)i * w;
        cur[0] = prev[0] + del_cost;
        row[0] = BACK_DEL;
        for (int j = 1; j <= nh; j++) {
            int64_t diag = prev[j - 1] + (same(&r[i - 1], &h[j - 1]) ? 0 : sub_cost);
            int64_t del = prev[j] + del_cost, ins = cur[j - 1] + ins_cost;
            if (diag <= del && diag <= ins) {
                cur[j] = diag;
                row[j] = BACK_DIAG;
            } else if (del < ins) {
                cur[j] = del;
                row[j] = BACK_DEL;
            } else {
                cur[j] = ins;
                row[j] = BACK_INS;
            }
        }
        int64_t *swap = prev;
        prev = cur;
        cur = swap;
    }
}

/* Walks back from (nr, nh) and writes the pairs in text order. */
static void trace(const token *r, int nr, const token *h, int nh, const unsigned char *back, al_alignment *a) {
    size_t w = (size_t)nh + 1, k = (size_t)nr + (size_t)nh;
    int i = nr, j = nh;
    while (i > 0 || j > 0) {
        al_align_pair p = {0};
        switch (back[(size_t)i * w + (size_t)j]) {
        case BACK_DIAG:
            i--, j--;
            p = (al_align_pair){r[i].s, r[i].len, h[j].s, h[j].len, same(&r[i], &h[j]) ? 'C' : 'S'};
            break;
        case BACK_DEL:
            i--;
            p = (al_align_pair){r[i].s, r[i].len, NULL, 0, 'D'};
            break;
        default:
            j--;
            p = (al_align_pair){NULL, 0, h[j].s, h[j].len, 'I'};
            break;
        }
        a->pairs[--k] = p;
        a->cor += p.op == 'C';
        a->sub += p.op == 'S';
        a->del += p.op == 'D';
        a->ins += p.op == 'I';
    }
    a->n = (size_t)nr + (size_t)nh - k;
    memmove(a->pairs, a->pairs + k, sizeof *a->pairs * a->n);
}

al_status al_align(const char *ref, const char *hyp, al_token_unit unit, al_align_cost cost, al_alignment *out) {
    memset(out, 0, sizeof *out);
    if ((unit != AL_UNIT_WORDS && unit != AL_UNIT_CHARS) || (cost != AL_COST_SCLITE && cost != AL_COST_LEVENSHTEIN))
        return al_error(AL_ERR_INVALID, "al_align: unknown token unit %d or cost %d", (int)unit, (int)cost);
    token *r = NULL, *h = NULL;
    int nr = tokenize(ref, unit, &r), nh = tokenize(hyp, unit, &h);
    size_t w = (size_t)nh + 1, cells = ((size_t)nr + 1) * w;
    int too_big = nr < 0 || nh < 0 || cells / w != (size_t)nr + 1;
    int64_t *prev = too_big ? NULL : malloc(sizeof *prev * w), *cur = too_big ? NULL : malloc(sizeof *cur * w);
    unsigned char *back = too_big ? NULL : malloc(cells);
    out->pairs = too_big ? NULL : malloc(sizeof *out->pairs * ((size_t)nr + (size_t)nh + 1));
    al_status st = AL_OK;
    if (!prev || !cur || !back || !out->pairs) {
        st = al_error(AL_ERR_NOMEM, "alignment: out of memory (%d x %d tokens)", nr, nh);
        free(out->pairs);
        memset(out, 0, sizeof *out);
    } else {
        int sclite = cost == AL_COST_SCLITE;
        fill(r, nr, h, nh, sclite ? 3 : 1, sclite ? 3 : 1, sclite ? 4 : 1, prev, cur, back);
        trace(r, nr, h, nh, back, out);
        out->ref_tokens = nr;
        out->hyp_tokens = nh;
    }
    free(r), free(h), free(prev), free(cur), free(back);
    return st;
}

void al_alignment_free(al_alignment *a) {
    free(a->pairs);
    memset(a, 0, sizeof *a);
}

void al_error_counts_add(al_error_counts *acc, const al_alignment *a) {
    acc->ref += a->ref_tokens;
    acc->ins += a->ins;
    acc->del += a->del;
    acc->sub += a->sub;
    acc->utts++;
    acc->utts_with_errors += a->ins + a->del + a->sub > 0;
}

static al_status score(const char *ref, const char *hyp, al_token_unit unit, al_error_counts *acc) {
    al_alignment a;
    al_status st = al_align(ref, hyp, unit, AL_COST_SCLITE, &a);
    if (st != AL_OK) return st;
    al_error_counts_add(acc, &a);
    al_alignment_free(&a);
    return AL_OK;
}

al_status al_score_words(const char *ref, const char *hyp, al_error_counts *acc) {
    return score(ref, hyp, AL_UNIT_WORDS, acc);
}
al_status al_score_chars(const char *ref, const char *hyp, al_error_counts *acc) {
    return score(ref, hyp, AL_UNIT_CHARS, acc);
}
