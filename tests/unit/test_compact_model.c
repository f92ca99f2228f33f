/* Compact model files (al_compact_save / al_model_load): kept weights back exactly, pruned
 * ones 0, the block each tensor is stored with, and clear errors for damaged files. */
#include "al_test.h"

#include "audiolottery/compact.h"
#include "audiolottery/prune.h"
#include "audiolottery/train.h"

static al_model *tiny_model(void) {
    al_model *m = NULL;
    if (al_model_new_preset("ds2-tiny", &m) != AL_OK) return NULL;
    al_model_init_weights(m, 7);
    return m;
}

/* Per prunable tensor, in table order: keep all; whole 8 x 1 blocks; 1 x 4 blocks; single
 * weights; nothing; then again. Masked weights stay nonzero in the model: the file must drop them. */
static uint8_t *mixed_mask(al_param_table *t) {
    uint8_t *mask = al_mask_new(t);
    al_rng r;
    al_rng_seed(&r, 3);
    int k = 0;
    for (int p = 0; p < t->n; p++) {
        const al_param *e = &t->params[p];
        if (!(e->flags & AL_PARAM_PRUNABLE)) continue;
        const size_t rows = e->shape[0], cols = e->numel / rows;
        int kind = k++ % 5, bh = kind == 1 ? 8 : 1, bw = kind == 2 ? 4 : 1;
        for (size_t r0 = 0; r0 < rows; r0 += bh)
            for (size_t c0 = 0; c0 < cols; c0 += bw) {
                uint8_t keep = kind == 0 ? 1 : kind == 4 ? 0 : al_rng_uniform(&r) < 0.3;
                for (size_t i = r0; i < r0 + bh && i < rows; i++)
                    for (size_t j = c0; j < c0 + bw && j < cols; j++) mask[e->offset + i * cols + j] = keep;
            }
    }
    return mask;
}

static int32_t stored_block(const char *path, const char *name, int which) {
    al_st_file *f;
    if (al_st_open(path, &f) != AL_OK) return -1;
    char key[256];
    snprintf(key, sizeof key, "%s.block", name);
    const al_st_tensor *x = al_st_find(f, key);
    int32_t v = -1;
    if (x) memcpy(&v, (const char *)x->data + 4 * which, 4);
    al_st_close(f);
    return v;
}

static void test_roundtrip(void) {
    al_model *m = tiny_model();
    CHECK(m != NULL);
    if (!m) return;
    al_param_table *t = al_model_params(m);
    uint8_t *mask = mixed_mask(t);
    char path[1200];
    snprintf(path, sizeof path, "%s/ticket.safetensors", al_test_tmpdir());
    al_compact_stats s;
    CHECK_OK(al_compact_save(path, m, mask, &s));
    int64_t kept = 0, prunable = 0;
    for (int p = 0; p < t->n; p++)
        if (t->params[p].flags & AL_PARAM_PRUNABLE)
            for (size_t j = 0; j < t->params[p].numel; j++) kept += mask[t->params[p].offset + j], prunable++;
    CHECK(s.kept == kept && s.prunable == prunable);
    CHECK_MSG(s.bytes > 0 && s.bytes < s.dense_bytes, "compact %lld bytes, dense %lld", (long long)s.bytes,
              (long long)s.dense_bytes);

    al_model *back = NULL;
    CHECK_OK(al_model_load(path, &back));
    if (back) {
        const al_param_table *tb = al_model_params(back);
        size_t wrong = 0;
        for (int p = 0; p < t->n; p++)
            for (size_t j = 0; j < t->params[p].numel; j++) {
                size_t o = t->params[p].offset + j;
                float want = mask[o] ? t->data[o] : 0.0f;
                wrong += memcmp(&tb->data[o], &want, sizeof want) != 0;
            }
        CHECK_MSG(wrong == 0, "%zu values differ", wrong);
        al_model_free(back);
    }
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(path, &f));
    for (int p = 0; f && p < t->n; p++) {
        const al_param *e = &t->params[p];
        int64_t want = 0;
        for (size_t j = 0; j < e->numel; j++) want += e->flags & AL_PARAM_PRUNABLE ? mask[e->offset + j] : 1;
        CHECK_MSG(al_compact_kept(f, e->name, (int64_t)e->numel) == want, "%s: kept count", e->name);
    }
    CHECK(f && al_compact_kept(f, "no.such.tensor", 10) == -1);
    al_st_close(f);
    /* blocks: ds2-tiny's first prunable tensors are the conv weights (4 filters: no 8 x 1 blocks fit) */
    int k = 0;
    for (int p = 0; p < t->n; p++) {
        const al_param *e = &t->params[p];
        if (!(e->flags & AL_PARAM_PRUNABLE)) continue;
        int kind = k++ % 5;
        int32_t bh = stored_block(path, e->name, 0), bw = stored_block(path, e->name, 1);
        if (kind == 0) CHECK_MSG(bh == -1, "%s kept whole but stored as blocks", e->name);
        if (kind == 1 && e->shape[0] % 8 == 0) CHECK_MSG(bh == 8 && bw == 1, "%s: block %dx%d", e->name, bh, bw);
        if (kind == 2 && (e->numel / e->shape[0]) % 4 == 0)
            CHECK_MSG(bh == 1 && bw == 4, "%s: block %dx%d", e->name, bh, bw);
        if (kind == 4) CHECK_MSG(bh >= 1, "%s: all pruned, stored whole", e->name);
    }
    free(mask);
    al_model_free(m);
}

static void test_nonzeros_without_mask(void) {
    al_model *m = tiny_model();
    if (!m) return;
    al_param_table *t = al_model_params(m);
    int w = al_param_find(t, "rnns.0.rnn.weight_ih_l0");
    float *d = al_param_data(t, w);
    for (size_t j = 0; j < t->params[w].numel; j += 3) d[j] = 0.0f;
    char path[1200];
    snprintf(path, sizeof path, "%s/nz.safetensors", al_test_tmpdir());
    al_compact_stats s;
    CHECK_OK(al_compact_save(path, m, NULL, &s));
    CHECK(s.sparse_tensors == 1);
    CHECK(stored_block(path, "rnns.0.rnn.weight_ih_l0", 0) == 1);
    al_model *back = NULL;
    CHECK_OK(al_model_load(path, &back));
    if (back) CHECK(memcmp(al_param_data(al_model_params(back), w), d, t->params[w].numel * sizeof(float)) == 0);
    al_model_free(back);
    al_model_free(m);
}

/* Rewrites src into dst with tensor `name` replaced by (dtype, n values of data). */
static al_status rewrite(const char *src, const char *dst, const char *name, al_dtype dt, int64_t n, const void *data) {
    al_st_file *f;
    al_status st = al_st_open(src, &f);
    if (st != AL_OK) return st;
    al_st_writer *w = al_st_writer_new();
    for (int i = 0; st == AL_OK && i < al_st_count(f); i++) {
        const al_st_tensor *x = al_st_get(f, i);
        if (!strcmp(x->name, name)) st = al_st_writer_add(w, name, dt, 1, (int64_t[]){n}, data);
        else st = al_st_writer_add(w, x->name, x->dtype, x->ndim, x->shape, x->data);
    }
    const char *keys[] = {"format", "model", "labels"};
    for (int k = 0; st == AL_OK && k < 3; k++) st = al_st_writer_meta(w, keys[k], al_st_metadata(f, keys[k]));
    if (st == AL_OK) st = al_st_writer_save(w, dst);
    al_st_writer_free(w);
    al_st_close(f);
    return st;
}

static void expect_error(const char *path, const char *needle) {
    al_model *m = NULL;
    CHECK(al_model_load(path, &m) != AL_OK);
    CHECK(m == NULL);
    CHECK_STR_CONTAINS(al_last_error(), needle);
}

static void test_damaged_files(void) {
    al_model *m = tiny_model();
    if (!m) return;
    al_param_table *t = al_model_params(m);
    uint8_t *mask = al_mask_new(t);
    const char *name = "rnns.1.rnn.weight_hh_l0";
    int w = al_param_find(t, name);
    for (size_t j = 0; j < t->params[w].numel; j += 2) mask[t->params[w].offset + j] = 0;
    char good[1200], bad[1200];
    snprintf(good, sizeof good, "%s/good.safetensors", al_test_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.safetensors", al_test_tmpdir());
    al_compact_stats s;
    CHECK_OK(al_compact_save(good, m, mask, &s));
    float few[3] = {1, 2, 3};
    CHECK_OK(rewrite(good, bad, "rnns.1.rnn.weight_hh_l0.values", AL_DT_F32, 3, few));
    expect_error(bad, "rnns.1.rnn.weight_hh_l0.values' holds 3 values");
    uint8_t short_bits[1] = {0xff};
    CHECK_OK(rewrite(good, bad, "rnns.1.rnn.weight_hh_l0.kept", AL_DT_U8, 1, short_bits));
    expect_error(bad, "rnns.1.rnn.weight_hh_l0.kept' holds 1 bytes");
    int32_t odd_block[2] = {3, 1}; /* 64 rows are not a multiple of 3 */
    CHECK_OK(rewrite(good, bad, "rnns.1.rnn.weight_hh_l0.block", AL_DT_I32, 2, odd_block));
    expect_error(bad, "does not divide");
    CHECK_OK(rewrite(good, bad, "rnns.1.rnn.weight_hh_l0.block", AL_DT_F32, 2, few));
    expect_error(bad, "'rnns.1.rnn.weight_hh_l0' is missing");
    CHECK_STR_CONTAINS(al_last_error(), bad);
    free(mask);
    al_model_free(m);
}

AL_TEST_MAIN(test_roundtrip, test_nonzeros_without_mask, test_damaged_files)
