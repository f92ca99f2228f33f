/* Sparse eval-mode inference (al_ds2_sparsify) against the dense forward on the same pruned weights. */
#include "al_test.h"

#include "audiolottery/ds2.h"
#include "audiolottery/prune.h"
#include "nn/lstm.h"

enum { UNSTRUCTURED, BLOCKS }; /* mask kinds: independent entries, or whole 8 x 1 blocks */
enum { T_MAX = 60, N_MAX = 3 };

static const int LENGTHS[N_MAX] = {60, 41, 23}; /* frames of the batch-3 utterances */

/* Keeps each entry of every prunable tensor (viewed as (shape[0], rest)) with probability
 * density, or each block of 8 consecutive rows in one column; zeroes the pruned weights. */
static uint8_t *make_mask(al_ds2 *m, int kind, double density, uint64_t seed) {
    al_param_table *t = al_ds2_params(m);
    uint8_t *mask = al_mask_new(t);
    al_rng r;
    al_rng_seed(&r, seed);
    for (int p = 0; p < t->n; p++) {
        const al_param *e = &t->params[p];
        if (!(e->flags & AL_PARAM_PRUNABLE)) continue;
        const size_t rows = e->shape[0], cols = e->numel / rows, k = kind == BLOCKS ? 8 : 1;
        for (size_t r0 = 0; r0 < rows; r0 += k)
            for (size_t c = 0; c < cols; c++) {
                uint8_t keep = al_rng_uniform(&r) < density;
                for (size_t i = r0; i < r0 + k && i < rows; i++) mask[e->offset + i * cols + c] = keep;
            }
    }
    for (size_t i = 0; i < t->total; i++)
        if (!mask[i]) t->data[i] = 0.0f;
    return mask;
}

static al_ds2 *tiny_model(uint64_t seed) {
    al_ds2_config cfg;
    al_ds2 *m = NULL;
    if (al_ds2_preset("ds2-tiny", &cfg) != AL_OK || al_ds2_new(&cfg, N_MAX, T_MAX, &m) != AL_OK) return NULL;
    al_ds2_init_weights(m, seed);
    /* running statistics away from (0, 1) so that eval BatchNorm does something */
    al_param_table *t = al_ds2_params(m);
    for (int p = 0; p < t->n; p++)
        if (strstr(t->params[p].name, "running_var"))
            for (size_t i = 0; i < t->params[p].numel; i++) al_param_data(t, p)[i] = 0.5f + 0.01f * (float)i;
    return m;
}

/* x (N, 1, 161, T_MAX) */
static float *make_input(int N, uint64_t seed) {
    float *x = malloc(sizeof(float) * N * AL_DS2_BINS * T_MAX);
    al_rng r;
    al_rng_seed(&r, seed);
    for (int i = 0; i < N * AL_DS2_BINS * T_MAX; i++) x[i] = (float)al_rng_normal(&r);
    return x;
}

/* Eval logits (T_out, N, 29) of m into out; returns T_out. */
static int run(al_ds2 *m, const float *x, int N, float *out) {
    int lengths[N_MAX], out_len[N_MAX];
    for (int n = 0; n < N; n++) lengths[n] = N == 1 ? T_MAX : LENGTHS[n];
    return al_ds2_forward(m, 0, x, lengths, N, T_MAX, out, out_len);
}

/* Sparse against dense logits for every mask kind, density, forced or automatic format, batch. */
static void test_matches_dense(void) {
    static const double dens[] = {1.0, 0.5, 0.2, 0.1, 0.05};
    static const al_weight_format fmts[] = {AL_WEIGHT_FORMAT_AUTO, AL_WEIGHT_FORMAT_CSR, AL_WEIGHT_FORMAT_BSR8};
    const size_t cap = (size_t)al_ds2_output_length(T_MAX) * N_MAX * AL_DS2_CLASSES;
    float *dense = malloc(sizeof(float) * cap), *sparse = malloc(sizeof(float) * cap);
    for (int kind = 0; kind < 2; kind++)
        for (size_t di = 0; di < sizeof dens / sizeof *dens; di++) {
            al_ds2 *m = tiny_model(7 + di);
            uint8_t *mask = make_mask(m, kind, dens[di], 100 + di);
            for (int N = 1; N <= N_MAX; N += 2) {
                float *x = make_input(N, 3 + N);
                int T1 = run(m, x, N, dense);
                CHECK(T1 > 0);
                for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++) {
                    al_sparse_report r;
                    CHECK_OK(al_ds2_sparsify(m, mask, fmts[f], &r));
                    CHECK(r.n == 2 + 4 * al_ds2_cfg(m)->hidden_layers);
                    CHECK(run(m, x, N, sparse) == T1);
                    double d = al_test_rel_diff(sparse, dense, (size_t)T1 * N * AL_DS2_CLASSES);
                    CHECK_MSG(d <= 1e-5, "kind %d density %.2f N %d format %s: rel diff %.3g", kind, dens[di], N,
                              al_weight_format_name(fmts[f]), d);
                }
                al_ds2_densify(m);
                CHECK(run(m, x, N, sparse) == T1);
                CHECK(memcmp(dense, sparse, sizeof(float) * T1 * N * AL_DS2_CLASSES) == 0); /* dense again */
                free(x);
            }
            free(mask);
            al_ds2_free(m); /* frees the last sparsify's matrices */
        }
    free(dense);
    free(sparse);
}

/* The automatic choice follows the measured crossovers: dense when everything is kept, CSR for an
 * unstructured 10% input projection, BSR for 8 x 1 blocks on the recurrent step. */
static void test_auto_choice(void) {
    al_ds2 *m = tiny_model(1);
    al_sparse_report r;
    CHECK_OK(al_ds2_sparsify(m, NULL, AL_WEIGHT_FORMAT_AUTO, &r));
    for (int i = 0; i < r.n; i++) CHECK_MSG(r.w[i].format == AL_WEIGHT_FORMAT_DENSE, "%s", r.w[i].name);
    uint8_t *mask = make_mask(m, UNSTRUCTURED, 0.1, 5);
    CHECK_OK(al_ds2_sparsify(m, mask, AL_WEIGHT_FORMAT_AUTO, &r));
    CHECK(!strcmp(r.w[2].name, "rnns.0.rnn.weight_ih_l0") && r.w[2].format == AL_WEIGHT_FORMAT_CSR);
    CHECK(r.w[2].kept > 0.05 && r.w[2].kept < 0.15 && fabs(r.w[2].stored - r.w[2].kept) < 1e-12);
    free(mask);
    mask = make_mask(m, BLOCKS, 0.1, 6);
    CHECK_OK(al_ds2_sparsify(m, mask, AL_WEIGHT_FORMAT_AUTO, &r));
    CHECK(!strcmp(r.w[3].name, "rnns.0.rnn.weight_hh_l0") && r.w[3].format == AL_WEIGHT_FORMAT_BSR8 && r.w[3].n == 1);
    free(mask);
    al_ds2_free(m);
}

/* A tensor with nothing kept, and a second sparsify after the weights changed. */
static void test_empty_tensor_and_resparsify(void) {
    const size_t cap = (size_t)al_ds2_output_length(T_MAX) * N_MAX * AL_DS2_CLASSES;
    float *dense = malloc(sizeof(float) * cap), *sparse = malloc(sizeof(float) * cap), *x = make_input(N_MAX, 9);
    al_ds2 *m = tiny_model(2);
    al_param_table *t = al_ds2_params(m);
    uint8_t *mask = make_mask(m, UNSTRUCTURED, 0.3, 11);
    const char *empty[] = {"rnns.1.rnn.weight_hh_l0_reverse", "conv.seq_module.3.weight", "rnns.0.rnn.weight_ih_l0"};
    for (int i = 0; i < 3; i++) {
        int p = al_param_find(t, empty[i]);
        memset(mask + t->params[p].offset, 0, t->params[p].numel);
        memset(al_param_data(t, p), 0, sizeof(float) * t->params[p].numel);
    }
    for (int f = AL_WEIGHT_FORMAT_AUTO; f <= AL_WEIGHT_FORMAT_BSR8; f++) {
        int T1 = run(m, x, N_MAX, dense);
        CHECK_OK(al_ds2_sparsify(m, mask, (al_weight_format)f, NULL));
        CHECK(run(m, x, N_MAX, sparse) == T1);
        CHECK_MSG(al_test_rel_diff(sparse, dense, (size_t)T1 * N_MAX * AL_DS2_CLASSES) <= 1e-5, "format %d", f);
    }
    /* new weights: the old matrices are stale until the next sparsify */
    for (int q = 0; q < t->n; q++)
        if (t->params[q].flags & AL_PARAM_PRUNABLE)
            for (size_t i = 0; i < t->params[q].numel; i++) al_param_data(t, q)[i] *= -0.5f;
    int T1 = run(m, x, N_MAX, sparse); /* still the old sparse weights */
    al_ds2_densify(m);
    CHECK(run(m, x, N_MAX, dense) == T1);
    CHECK(al_test_rel_diff(sparse, dense, (size_t)T1 * N_MAX * AL_DS2_CLASSES) > 1e-3);
    CHECK_OK(al_ds2_sparsify(m, mask, AL_WEIGHT_FORMAT_AUTO, NULL));
    CHECK_OK(al_ds2_sparsify(m, NULL, AL_WEIGHT_FORMAT_AUTO, NULL)); /* twice; NULL mask: the nonzeros */
    CHECK(run(m, x, N_MAX, sparse) == T1);
    CHECK(al_test_rel_diff(sparse, dense, (size_t)T1 * N_MAX * AL_DS2_CLASSES) <= 1e-5);
    CHECK(al_ds2_sparsify(m, mask, (al_weight_format)9, NULL) == AL_ERR_INVALID);
    CHECK(run(m, x, N_MAX, sparse) == T1); /* the failed call left the matrices in place */
    CHECK(al_test_rel_diff(sparse, dense, (size_t)T1 * N_MAX * AL_DS2_CLASSES) <= 1e-5);
    free(mask);
    free(x);
    free(dense);
    free(sparse);
    al_ds2_free(m);
}

/* A ds2-small-sized bidirectional LSTM layer (In 1312, H 256), 10% kept, on a batch of 9 so that
 * the recurrent step runs both narrow (n < 8, from the scratch-free kernel) and wide (CSR from
 * scratch, BSR 8 x 1 on tiles of rows without any). */
static void test_small_lstm_layer(void) {
    enum { IN = 1312, H = 256, T = 6, N = 9, G = 4 * H };
    const int lengths[N] = {6, 6, 5, 6, 4, 6, 3, 6, 1};
    al_lstm_cache c;
    CHECK_OK(al_lstm_cache_init(&c, IN, H, 1, T, N));
    al_rng r;
    al_rng_seed(&r, 42);
    float *w = malloc(sizeof(float) * 2 * ((size_t)G * IN + (size_t)G * H + 2 * G));
    uint8_t *mask = malloc((size_t)G * IN);
    al_lstm_dir dirs[2];
    float *p = w;
    for (int d = 0; d < 2; d++) {
        dirs[d] = (al_lstm_dir){p, p + (size_t)G * IN, p + (size_t)G * (IN + H), p + (size_t)G * (IN + H) + G};
        p += (size_t)G * (IN + H) + 2 * G;
    }
    for (float *q = w; q < p; q++) *q = (float)al_rng_range(&r, -0.0625, 0.0625);
    float *x = malloc(sizeof(float) * T * N * IN), *y0 = malloc(sizeof(float) * T * N * H),
          *y1 = malloc(sizeof(float) * T * N * H);
    for (int i = 0; i < T * N * IN; i++) x[i] = (float)al_rng_normal(&r);
    CHECK_OK(al_lstm_forward(y0, &c, x, lengths, dirs, T, N));
    for (int fmt = 0; fmt < 2; fmt++) {
        al_sparse *m[2][2] = {{NULL}};
        al_lstm_sparse s = {.ws_floats = 0};
        for (int d = 0; d < 2; d++)
            for (int hh = 0; hh < 2; hh++) {
                const int cols = hh ? H : IN;
                float *wt = hh ? dirs[d].w_hh : dirs[d].w_ih;
                for (int i = 0; i < G * cols; i++) mask[i] = al_rng_uniform(&r) < 0.1;
                CHECK_OK(al_sparse_from_dense(fmt ? AL_SPARSE_BSR : AL_SPARSE_CSR, 8, wt, mask, G, cols, &m[d][hh]));
                CHECK_OK(al_sparse_to_dense(m[d][hh], wt)); /* the dense path on the same pruned weights */
            }
        for (int d = 0; d < 2; d++) {
            s.w_ih[d] = m[d][0];
            s.w_hh[d] = m[d][1];
            size_t need = al_lstm_sparse_scratch(&c, m[d][0], m[d][1]);
            if (need > s.ws_floats) s.ws_floats = need;
        }
        s.ws[0] = al_malloc(sizeof(float) * s.ws_floats);
        s.ws[1] = al_malloc(sizeof(float) * s.ws_floats);
        CHECK_OK(al_lstm_forward(y0, &c, x, lengths, dirs, T, N));
        CHECK_OK(al_lstm_forward_sparse(y1, &c, x, lengths, dirs, &s, T, N));
        CHECK_MSG(al_test_rel_diff(y1, y0, (size_t)T * N * H) <= 1e-5, "format %d: %.3g", fmt, al_test_rel_diff(y1, y0, (size_t)T * N * H));
        if (fmt) CHECK(s.ws_floats == 0);
        else {
            s.ws_floats--; /* too little scratch is an error, not an overrun */
            CHECK(al_lstm_forward_sparse(y1, &c, x, lengths, dirs, &s, T, N) == AL_ERR_INVALID);
        }
        al_free(s.ws[0]);
        al_free(s.ws[1]);
        for (int d = 0; d < 2; d++)
            for (int hh = 0; hh < 2; hh++) al_sparse_free(m[d][hh]);
    }
    al_lstm_cache_free(&c);
    free(w);
    free(mask);
    free(x);
    free(y0);
    free(y1);
}

AL_TEST_MAIN(test_matches_dense, test_auto_choice, test_empty_tensor_and_resparsify, test_small_lstm_layer)
