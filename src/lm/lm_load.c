/* ARPA file parsing: \data\ header counts, \N-grams: sections, \end\. */
#include "lm/lm_internal.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    al_lm *lm;
    al_lm_reader r;
    char *line;
    size_t len;
    char *fold; /* a folded word (line length + 1 bytes) */
    size_t fold_cap;
    size_t placeholders;
} parser;

#define FAIL(p, ...) al_error(AL_ERR_FORMAT, "%s:%ld: " __VA_ARGS__)
#define WHERE(p) (p)->r.path, (p)->r.lineno

static int is_blank(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return *s == 0;
}

static void trim_right(char *s, size_t *len) {
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t')) s[--*len] = 0;
}

/* The next non-blank line (trailing blanks removed); NULL at end of file. */
static al_status next_nonblank(parser *p) {
    for (;;) {
        al_status st = al_lm_reader_next(&p->r, &p->line, &p->len);
        if (st != AL_OK || !p->line) return st;
        if (!is_blank(p->line)) {
            trim_right(p->line, &p->len);
            return AL_OK;
        }
    }
}

/* A log10 value: a finite number that a float holds (1e39 would become +inf and then NaN scores);
 * <= -99 is log 0. */
static int parse_log10(const char *s, float *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v) || v > FLT_MAX ||
        !(isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '.'))
        return -1;
    *out = v <= -99 ? -INFINITY : (float)v;
    return 0;
}

/* "ngram N=COUNT" */
static al_status parse_count(parser *p, int expect) {
    const char *s = p->line;
    if (strncmp(s, "ngram", 5) || (s[5] != ' ' && s[5] != '\t'))
        return FAIL(p, "expected 'ngram %d=COUNT' or '\\1-grams:', got '%.40s'", WHERE(p), expect, s);
    char *end;
    errno = 0;
    long n = strtol(s + 6, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (errno || n != expect || *end != '=') return FAIL(p, "expected 'ngram %d=COUNT', got '%.40s'", WHERE(p), expect, s);
    errno = 0;
    const char *c = end + 1;
    while (*c == ' ' || *c == '\t') c++;
    long long count = strtoll(c, &end, 10);
    if (errno || end == c || *end || count < 0 || count >= AL_LM_NONE - 1 || (expect == 1 && count == 0))
        return FAIL(p, "bad count in '%.40s'", WHERE(p), s);
    if (expect > AL_LM_MAX_ORDER)
        return al_error(AL_ERR_UNSUPPORTED, "%s:%ld: order above %d is not supported", WHERE(p), AL_LM_MAX_ORDER);
    p->lm->counts[expect] = count;
    p->lm->order = expect;
    return AL_OK;
}

static al_status read_header(parser *p) {
    al_status st;
    do { /* text before \data\ is allowed (SRILM) */
        st = next_nonblank(p);
        if (st == AL_OK && !p->line) return FAIL(p, "no \\data\\ line", WHERE(p));
    } while (st == AL_OK && strcmp(p->line, "\\data\\"));
    for (int n = 1; st == AL_OK; n++) {
        st = next_nonblank(p);
        if (st != AL_OK) return st;
        if (!p->line) return FAIL(p, "end of file in the \\data\\ section", WHERE(p));
        if (n > 1 && !strcmp(p->line, "\\1-grams:")) return AL_OK;
        st = parse_count(p, n);
    }
    return st;
}

static al_status fold_word(parser *p, const char *w, size_t len) {
    if (len + 1 > p->fold_cap) {
        char *f = realloc(p->fold, len + 1);
        if (!f) return al_error(AL_ERR_NOMEM, "%s: out of memory", p->r.path);
        p->fold = f;
        p->fold_cap = len + 1;
    }
    al_lm_fold(p->fold, w, len);
    return AL_OK;
}

/* The word id of field w (folded), which must be a 1-gram. */
static al_status known_word(parser *p, const char *w, uint32_t *id) {
    size_t len = strlen(w);
    al_status st = fold_word(p, w, len);
    if (st != AL_OK) return st;
    int32_t i = al_lm_vocab_find(p->lm, p->fold, len);
    if (i < 0) return FAIL(p, "word '%.40s' is not a 1-gram", WHERE(p), w);
    *id = (uint32_t)i;
    return AL_OK;
}

static al_status add_unigram(parser *p, const char *w, float prob, float bow) {
    al_lm *lm = p->lm;
    size_t len = strlen(w);
    al_status st = fold_word(p, w, len);
    if (st != AL_OK) return st;
    if (al_lm_vocab_find(lm, p->fold, len) >= 0)
        return FAIL(p, "duplicate 1-gram '%.40s' (words are upper-cased on load)", WHERE(p), w);
    int32_t id = al_lm_vocab_add(lm, p->fold, len);
    if (id < 0 || al_lm_add(lm, AL_LM_NONE, (uint32_t)id, prob, bow) != (uint32_t)id)
        return al_error(AL_ERR_NOMEM, "%s: out of memory", p->r.path);
    if (!strcmp(p->fold, "<s>")) lm->bos = id;
    if (!strcmp(p->fold, "</s>")) lm->eos = id;
    if (!strcmp(p->fold, "<unk>")) lm->unk = id;
    return AL_OK;
}

/* Adds an n-gram of order n >= 2 given its words' ids; missing contexts become context-only entries. */
static al_status add_ngram(parser *p, const uint32_t *ids, int n, float prob, float bow) {
    al_lm *lm = p->lm;
    uint32_t ctx = ids[0];
    for (int j = 1; j < n - 1; j++) {
        uint32_t next = al_lm_find(lm, ctx, ids[j]);
        if (next == AL_LM_NONE) {
            next = al_lm_add(lm, ctx, ids[j], NAN, 0.0f);
            if (next == AL_LM_NONE) return al_error(AL_ERR_NOMEM, "%s: out of memory", p->r.path);
            p->placeholders++;
        }
        ctx = next;
    }
    uint32_t old = al_lm_find(lm, ctx, ids[n - 1]);
    if (old != AL_LM_NONE) return FAIL(p, "duplicate %d-gram (words are upper-cased on load)", WHERE(p), n);
    if (al_lm_add(lm, ctx, ids[n - 1], prob, bow) == AL_LM_NONE)
        return al_error(AL_ERR_NOMEM, "%s: out of memory", p->r.path);
    return AL_OK;
}

static al_status parse_ngram(parser *p, int n) {
    char *f[AL_LM_MAX_ORDER + 3];
    int nf = 0;
    char *save = NULL;
    for (char *t = strtok_r(p->line, " \t", &save); t && nf < n + 3; t = strtok_r(NULL, " \t", &save)) f[nf++] = t;
    int with_bow = n < p->lm->order;
    if (nf != n + 1 && !(with_bow && nf == n + 2))
        return FAIL(p, "a %d-gram line has a log10 probability, %d word%s%s; got %d fields", WHERE(p), n, n,
                    n > 1 ? "s" : "", with_bow ? " and an optional back-off weight" : "", nf);
    float prob, bow = 0.0f;
    if (parse_log10(f[0], &prob) || prob > 0)
        return FAIL(p, "bad log10 probability '%.40s'", WHERE(p), f[0]);
    if (nf == n + 2 && parse_log10(f[n + 1], &bow)) return FAIL(p, "bad back-off weight '%.40s'", WHERE(p), f[n + 1]);
    if (n == 1) return add_unigram(p, f[1], prob, bow);
    uint32_t ids[AL_LM_MAX_ORDER];
    for (int j = 0; j < n; j++) {
        al_status st = known_word(p, f[1 + j], &ids[j]);
        if (st != AL_OK) return st;
    }
    return add_ngram(p, ids, n, prob, bow);
}

/* Section n, its "\n-grams:" line already read. Leaves the line after the section in p->line. */
static al_status read_section(parser *p, int n) {
    al_lm *lm = p->lm;
    /* room for the declared count, but no more than the file can hold (a line is >= 2n + 2 bytes) */
    uint64_t bound = al_lm_reader_bound(&p->r), room = bound == UINT64_MAX ? 1 << 20 : bound / (uint64_t)(2 * n + 2);
    uint64_t hint = (uint64_t)lm->counts[n] < room ? (uint64_t)lm->counts[n] : room;
    if (al_lm_reserve(lm, (size_t)hint, n == 1 ? (size_t)hint : 0))
        return al_error(AL_ERR_NOMEM, "%s: out of memory for %lld %d-grams", p->r.path, (long long)lm->counts[n], n);
    int64_t got = 0;
    for (;;) {
        al_status st = al_lm_reader_next(&p->r, &p->line, &p->len);
        if (st != AL_OK) return st;
        if (!p->line || is_blank(p->line) || p->line[0] == '\\') break;
        if (got == lm->counts[n])
            return FAIL(p, "more %d-grams than the %lld declared in \\data\\", WHERE(p), n, (long long)lm->counts[n]);
        if ((st = parse_ngram(p, n)) != AL_OK) return st;
        got++;
    }
    if (got != lm->counts[n])
        return FAIL(p, "%lld %d-grams, but \\data\\ declares %lld", WHERE(p), (long long)got, n,
                    (long long)lm->counts[n]);
    if (p->line && is_blank(p->line)) return next_nonblank(p);
    if (p->line) trim_right(p->line, &p->len);
    return AL_OK;
}

static al_status parse(parser *p) {
    al_status st = read_header(p);
    for (int n = 1; st == AL_OK && n <= p->lm->order; n++) {
        char want[32];
        snprintf(want, sizeof want, "\\%d-grams:", n);
        if (!p->line) return FAIL(p, "end of file: expected '%s'", WHERE(p), want);
        if (strcmp(p->line, want)) return FAIL(p, "expected '%s', got '%.40s'", WHERE(p), want, p->line);
        st = read_section(p, n);
    }
    if (st != AL_OK) return st;
    if (!p->line) return FAIL(p, "end of file: missing \\end\\", WHERE(p));
    if (strcmp(p->line, "\\end\\")) return FAIL(p, "expected '\\end\\', got '%.40s'", WHERE(p), p->line);
    return AL_OK;
}

al_lm_opts al_lm_defaults(void) { return (al_lm_opts){.oov_log10 = -10.0f, .use_unk = 1}; }

al_status al_lm_load(const char *path, const al_lm_opts *opts, al_lm **out) {
    *out = NULL;
    al_lm_opts o = opts ? *opts : al_lm_defaults();
    al_lm *lm = calloc(1, sizeof *lm);
    if (!lm) return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    lm->oov_log10 = o.oov_log10;
    lm->bos = lm->eos = lm->unk = -1;
    parser p = {.lm = lm};
    al_status st = al_lm_reader_open(&p.r, path);
    if (st == AL_OK) st = parse(&p);
    if (st == AL_OK && al_lm_spell_build(lm)) st = al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    lm->oov = o.use_unk ? lm->unk : -1;
    if (st == AL_OK && p.placeholders)
        al_log(AL_LOG_WARN, "%s: %zu n-grams lack their context n-gram; added as context-only entries", path,
               p.placeholders);
    al_lm_reader_close(&p.r);
    free(p.fold);
    if (st != AL_OK) {
        al_lm_free(lm);
        return st;
    }
    *out = lm;
    return AL_OK;
}

void al_lm_free(al_lm *lm) {
    if (!lm) return;
    free(lm->pool);
    free(lm->word_off);
    free(lm->vocab_slots);
    free(lm->e);
    free(lm->slots);
    free(lm->spell);
    free(lm->spell_slots);
    free(lm);
}
