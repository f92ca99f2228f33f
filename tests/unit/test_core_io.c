/* Core utilities: error messages, RNG determinism and ranges, bounded text, atomic writes, safetensors. */
#include "al_test.h"
#include "audiolottery/al.h"

#include <unistd.h>

static void test_error_messages(void) {
    al_status st = al_error(AL_ERR_IO, "%s: cannot open", "a.flac");
    CHECK(st == AL_ERR_IO);
    CHECK(strcmp(al_last_error(), "a.flac: cannot open") == 0);
    al_error_prefix(st, "while loading corpus: ");
    CHECK(strcmp(al_last_error(), "while loading corpus: a.flac: cannot open") == 0);
    CHECK(strcmp(al_status_str(AL_ERR_FORMAT), "malformed input") == 0);
}

static void test_rng(void) {
    al_rng a, b;
    al_rng_seed(&a, 42);
    al_rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 1000; i++) same &= al_rng_u64(&a) == al_rng_u64(&b);
    CHECK(same);
    al_rng_seed_stream(&a, 42, 1);
    al_rng_seed_stream(&b, 42, 2);
    CHECK(al_rng_u64(&a) != al_rng_u64(&b));
    /* below(n) stays in range and hits every value; uniform mean is ~0.5; normal has var ~1. */
    int hits[7] = {0};
    double sum = 0, sq = 0;
    for (int i = 0; i < 70000; i++) {
        uint64_t v = al_rng_below(&a, 7);
        CHECK(v < 7);
        hits[v < 7 ? v : 0]++;
        double u = al_rng_uniform(&a);
        CHECK(u >= 0 && u < 1);
        sum += u;
        double g = al_rng_normal(&a);
        sq += g * g;
    }
    for (int i = 0; i < 7; i++) CHECK(hits[i] > 9000 && hits[i] < 11000);
    CHECK_NEAR(sum / 70000, 0.5, 0.01);
    CHECK_NEAR(sq / 70000, 1.0, 0.03);
    size_t perm[50];
    for (size_t i = 0; i < 50; i++) perm[i] = i;
    al_rng_shuffle_size(&a, perm, 50);
    int seen[50] = {0}, moved = 0;
    for (size_t i = 0; i < 50; i++) {
        seen[perm[i]]++;
        moved += perm[i] != i;
    }
    for (int i = 0; i < 50; i++) CHECK(seen[i] == 1);
    CHECK(moved > 30);
}

static void test_atomic_write_keeps_old_on_abort(void) {
    char path[1200];
    snprintf(path, sizeof path, "%s/atomic.txt", al_test_tmpdir());
    CHECK_OK(al_write_file_atomic(path, "first", 5));
    al_atomic_file af;
    CHECK_OK(al_atomic_open(&af, path));
    fputs("second, never committed", af.fp);
    al_atomic_abort(&af);
    char *data;
    size_t n;
    CHECK_OK(al_read_file(path, &data, &n));
    CHECK(n == 5 && memcmp(data, "first", 5) == 0);
    free(data);
    CHECK(al_read_file("/nonexistent/x", &data, &n) == AL_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(al_last_error(), "/nonexistent/x");
}

static void test_safetensors_roundtrip(void) {
    char path[1200];
    snprintf(path, sizeof path, "%s/t.safetensors", al_test_tmpdir());
    float a[6] = {1, 2, 3, 4, 5, 6};
    uint8_t m[3] = {1, 0, 1};
    int64_t sa[2] = {2, 3}, sm[1] = {3};
    al_st_writer *w = al_st_writer_new();
    CHECK_OK(al_st_writer_add(w, "layer.weight", AL_DT_F32, 2, sa, a));
    CHECK_OK(al_st_writer_add(w, "layer.weight_mask", AL_DT_U8, 1, sm, m));
    CHECK(al_st_writer_add(w, "layer.weight", AL_DT_F32, 2, sa, a) == AL_ERR_INVALID);
    CHECK_OK(al_st_writer_meta(w, "labels", "_'ABC "));
    CHECK_OK(al_st_writer_save(w, path));
    al_st_writer_free(w);

    al_st_file *f;
    CHECK_OK(al_st_open(path, &f));
    if (!f) return;
    CHECK(al_st_count(f) == 2);
    const al_st_tensor *t = al_st_find(f, "layer.weight");
    CHECK(t && t->dtype == AL_DT_F32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 && t->numel == 6);
    if (t) CHECK(memcmp(t->data, a, sizeof a) == 0);
    t = al_st_find(f, "layer.weight_mask");
    CHECK(t && t->dtype == AL_DT_U8 && t->nbytes == 3);
    CHECK(al_st_find(f, "nope") == NULL);
    CHECK(strcmp(al_st_metadata(f, "labels"), "_'ABC ") == 0);
    CHECK(strcmp(al_st_get(f, 0)->name, "layer.weight") == 0); /* file order */
    al_st_close(f);
}

/* Corrupt files: truncated data, garbage, a header that lies about sizes. */
static void test_safetensors_rejects_corrupt(void) {
    char path[1200], bad[1200];
    snprintf(path, sizeof path, "%s/t.safetensors", al_test_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.safetensors", al_test_tmpdir());
    char *data;
    size_t n;
    CHECK_OK(al_read_file(path, &data, &n));
    al_st_file *f;
    CHECK_OK(al_write_file_atomic(bad, data, n - 4)); /* truncated */
    CHECK(al_st_open(bad, &f) == AL_ERR_FORMAT && f == NULL);
    CHECK_STR_CONTAINS(al_last_error(), bad);
    CHECK_OK(al_write_file_atomic(bad, "garbage!garbage!", 16));
    CHECK(al_st_open(bad, &f) == AL_ERR_FORMAT);
    CHECK_OK(al_write_file_atomic(bad, "abc", 3));
    CHECK(al_st_open(bad, &f) == AL_ERR_FORMAT);
    /* Header claims a 2x3 F32 tensor but data_offsets cover only 8 bytes. */
    const char *hdr = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,8]}}";
    size_t hl = strlen(hdr);
    char buf[256] = {0};
    buf[0] = (char)hl;
    memcpy(buf + 8, hdr, hl);
    CHECK_OK(al_write_file_atomic(bad, buf, 8 + hl + 8));
    CHECK(al_st_open(bad, &f) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "'x'");
    free(data);
}

static void test_utf8(void) {
    CHECK(al_utf8_valid("abc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    CHECK(!al_utf8_valid("caf\xe9", 4));         /* Latin-1 */
    CHECK(!al_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!al_utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
    CHECK(!al_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!al_utf8_valid("\xe2\x82", 2));         /* cut short */
    CHECK(al_utf8_sequence("\xe2\x82\xac", 3) == 3 && al_utf8_sequence("\xe2\x82\xac", 2) == 0);
}

static void test_bounded_text(void) {
    char buf[64];
    al_text t;
    al_text_init(&t, buf, sizeof buf);
    al_text_printf(&t, "{\"path\":");
    al_text_json_string(&t, "a\"b\\c\nd");
    al_text_printf(&t, ",\"n\":%d}", 7);
    CHECK(!t.overflow && !strcmp(buf, "{\"path\":\"a\\\"b\\\\c\\u000ad\",\"n\":7}"));
    CHECK(t.len == strlen(buf));
    /* appends past the end are cut, flagged, and never write beyond the buffer */
    char small[8 + 4];
    memset(small, 'X', sizeof small);
    al_text_init(&t, small, 8);
    al_text_printf(&t, "%s", "0123456789");
    al_text_printf(&t, "%s", "more");
    al_text_json_string(&t, "x");
    CHECK(t.overflow && !strcmp(small, "0123456") && t.len == 7);
    CHECK(small[8] == 'X' && small[11] == 'X');
}

AL_TEST_MAIN(test_error_messages, test_rng, test_utf8, test_bounded_text, test_atomic_write_keeps_old_on_abort,
             test_safetensors_roundtrip,
             test_safetensors_rejects_corrupt)
