/* Mutation fuzzing of the ARPA reader: thousands of mutated copies of a valid file (byte flips,
 * insertions, deletions, duplicated or swapped lines, odd numbers, truncation; some gzip-compressed,
 * some with a corrupted gzip stream), each loaded from a temp file. Every load must either succeed
 * with a usable LM or fail cleanly: a status, no LM, and a message naming the file. */
#include <zlib.h>

#include "al_test.h"
#include "fuzz_buf.h"
#include "audiolottery/io.h"
#include "audiolottery/lm.h"

enum { ITERATIONS = 3000, MAX_LEN = 1 << 14 };

typedef fuzz_buf buf;

static size_t line_start(const buf *x, size_t i) {
    size_t s, e;
    fuzz_line(x, i, &s, &e);
    return s;
}

static size_t line_end(const buf *x, size_t i) {
    size_t s, e;
    fuzz_line(x, i, &s, &e);
    return e;
}

static void mutate(al_rng *r, buf *x) {
    static const char *tokens[] = {"\n", " ", "\t", "\\", "-99", "1e40", "nan", "-inf", "0x1p3", "ngram 2=",
                                   "\\end\\", "\\data\\", "\\2-grams:", "\\9-grams:", "<s>", "</s>", "<unk>",
                                   "=", "99999999999999999999", "-0.5 the cat", "\r", "\0"};
    if (!x->n) return;
    size_t at = al_rng_below(r, x->n);
    switch (al_rng_below(r, 8)) {
    case 0: x->b[at] ^= (unsigned char)(1u << al_rng_below(r, 8)); break;              /* bit flip */
    case 1: x->b[at] = (unsigned char)al_rng_below(r, 256); break;                     /* byte */
    case 2: {                                                                           /* token */
        const char *t = tokens[al_rng_below(r, sizeof tokens / sizeof *tokens)];
        fuzz_insert(x, at, t, *t ? strlen(t) : 1);
        break;
    }
    case 3: fuzz_erase(x, at, al_rng_below(r, x->n - at < 16 ? x->n - at : 16) + (at < x->n)); break;
    case 4: { /* duplicate a line */
        size_t s = line_start(x, at), e = line_end(x, at);
        unsigned char tmp[MAX_LEN];
        memcpy(tmp, x->b + s, e - s);
        fuzz_insert(x, e, tmp, e - s);
        break;
    }
    case 5: { /* delete a line */
        size_t s = line_start(x, at);
        fuzz_erase(x, s, line_end(x, at) - s);
        break;
    }
    case 6: { /* swap a line with the next */
        size_t s = line_start(x, at), e = line_end(x, at), e2 = line_end(x, e);
        if (e2 > e) {
            unsigned char tmp[MAX_LEN];
            memcpy(tmp, x->b + s, e - s);
            memmove(x->b + s, x->b + e, e2 - e);
            memcpy(x->b + s + (e2 - e), tmp, e - s);
        }
        break;
    }
    default: x->n = at; break; /* truncate */
    }
}

/* Scores every word after every word: no crash, no NaN. */
static int lm_usable(const al_lm *lm) {
    int ok = al_lm_order(lm) >= 1 && al_lm_vocab_size(lm) >= 1;
    al_lm_state s, t;
    for (int32_t v = 0; v < al_lm_vocab_size(lm); v++) {
        al_lm_begin(lm, &s);
        float a = al_lm_score(lm, &s, v, &t);
        for (int32_t w = 0; w < al_lm_vocab_size(lm); w++) {
            al_lm_state u;
            float b = al_lm_score(lm, &t, w, &u);
            ok &= !isnan(b) && !isnan(al_lm_final(lm, &u));
        }
        ok &= !isnan(a) && al_lm_word(lm, v) != NULL;
    }
    return ok;
}

/* A plain write: no fsync, thousands of these must take no time. The old file is removed first:
 * truncating a just-written file makes ext4 flush it (auto_da_alloc). */
static void write_plain(const char *path, const void *p, size_t n) {
    remove(path);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(p, 1, n, f) == n);
    CHECK(fclose(f) == 0);
}

static void write_file(const char *path, const buf *x, int gz, al_rng *r) {
    if (!gz) {
        write_plain(path, x->b, x->n);
        return;
    }
    remove(path);
    gzFile f = gzopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    if (x->n) CHECK(gzwrite(f, x->b, (unsigned)x->n) == (int)x->n);
    CHECK(gzclose(f) == Z_OK);
    if (gz == 2) { /* corrupt the compressed stream past the 10-byte gzip header */
        char *data;
        size_t n;
        CHECK_OK(al_read_file(path, &data, &n));
        if (n > 12) data[10 + al_rng_below(r, n - 10)] ^= (char)(1 + al_rng_below(r, 255));
        write_plain(path, data, n);
        free(data);
    }
}

static void test_mutations(void) {
    char src[1024], path[1100];
    snprintf(src, sizeof src, "%s/lm/tiny.arpa", al_test_data());
    snprintf(path, sizeof path, "%s/fuzz.arpa", al_test_tmpdir());
    char *base;
    size_t base_len;
    CHECK_OK(al_read_file(src, &base, &base_len));
    if (!base) return;
    static unsigned char storage[MAX_LEN];
    al_rng r;
    al_rng_seed(&r, 20240611);
    al_log_set_level(AL_LOG_ERROR); /* missing contexts are warnings */
    int loaded = 0, failed = 0, bad_failures = 0, unusable = 0;
    double t0 = al_time_now();
    for (int it = 0; it < ITERATIONS; it++) {
        buf x = {storage, base_len, MAX_LEN};
        memcpy(storage, base, base_len);
        int n = 1 + (int)al_rng_below(&r, 4);
        for (int m = 0; m < n; m++) mutate(&r, &x);
        int gz = it % 10 == 0 ? 1 : it % 10 == 5 ? 2 : 0;
        write_file(path, &x, gz, &r);
        al_lm *lm = (al_lm *)1;
        al_status st = al_lm_load(path, NULL, &lm);
        if (st == AL_OK) {
            loaded++;
            unusable += !lm || !lm_usable(lm);
            al_lm_free(lm);
        } else {
            failed++;
            const char *msg = al_last_error();
            int clean = lm == NULL && (st == AL_ERR_FORMAT || st == AL_ERR_UNSUPPORTED) && !strncmp(msg, path, strlen(path));
            if (!clean && bad_failures++ < 5) fprintf(stderr, "iteration %d: status %d, message '%s'\n", it, st, msg);
        }
    }
    al_log_set_level(AL_LOG_INFO);
    fprintf(stderr, "%d mutations: %d loaded, %d rejected, %.2f s\n", ITERATIONS, loaded, failed, al_time_now() - t0);
    CHECK(bad_failures == 0);
    CHECK(unusable == 0);
    CHECK(loaded > 50 && failed > ITERATIONS / 2); /* both outcomes are exercised */
    free(base);
}

AL_TEST_MAIN(test_mutations)
