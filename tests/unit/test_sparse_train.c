/* Sparse training (al_conv2d_backward_sparse, al_lstm_backward_sparse, al_ds2_sparse_train): the
 * conv and LSTM backwards on sparse weights against the dense backwards on odd sizes, and AdamW
 * steps of ds2-tiny with a pruned mask (convs and LSTMs sparse) on the sparse path against the
 * dense path. */
#include "al_test.h"

#include "audiolottery/ds2.h"
#include "audiolottery/loss.h"
#include "audiolottery/optim.h"
#include "audiolottery/prune.h"
#include "nn/conv2d.h"
#include "nn/lstm.h"

enum { UNSTRUCTURED, BLOCKS }; /* masks: independent entries, or 8 consecutive rows of one column */

/* mask (rows, cols): keeps entries (or 8 x 1 blocks along rows) with probability density. */
static void random_mask(uint8_t *mask, size_t rows, size_t cols, int kind, double density, al_rng *r) {
    const size_t k = kind == BLOCKS ? 8 : 1;
    for (size_t r0 = 0; r0 < rows; r0 += k)
        for (size_t c = 0; c < cols; c++) {
            uint8_t keep = al_rng_uniform(r) < density;
            for (size_t i = r0; i < rows && i < r0 + k; i++) mask[i * cols + c] = keep;
        }
}

static float *randn(size_t n, al_rng *r) {
    float *v = al_malloc(sizeof(float) * n);
    for (size_t i = 0; i < n; i++) v[i] = (float)al_rng_normal(r);
    return v;
}

/* ---- conv backward ---------------------------------------------------------------------------- */

/* Copy of n floats. */
static float *dup(const float *v, size_t n) {
    float *c = al_malloc(sizeof(float) * n);
    memcpy(c, v, sizeof(float) * n);
    return c;
}

/* One config: sparse forward and backward (CSR and BSR 8 x 1) against the dense ones on masked w,
 * gradients accumulating onto a random start; a second sparse backward gives the same bits. */
static void conv_case(const al_conv2d_cfg *cfg, int n, int d, int t, int kind, double density, int threads) {
    al_set_threads(threads);
    al_conv2d c;
    CHECK_OK(al_conv2d_init(&c, cfg));
    int d_out, t_out;
    CHECK_OK(al_conv2d_out_size(cfg, d, t, &d_out, &t_out));
    al_rng r;
    al_rng_seed(&r, 17 + (uint64_t)kind);
    const int rows = c.kws * cfg->c_out;
    const size_t nw = (size_t)cfg->c_out * cfg->c_in * cfg->kh * cfg->kw, nx = (size_t)n * cfg->c_in * d * t,
                 ny = (size_t)n * cfg->c_out * d_out * t_out, nr = (size_t)rows * c.kr, nb = cfg->c_out;
    float *w = randn(nw, &r), *b = randn(nb, &r), *x = randn(nx, &r), *dy = randn(ny, &r);
    float *dx0 = randn(nx, &r), *dw0 = randn(nw, &r), *db0 = randn(nb, &r); /* gradient starts */
    uint8_t *mask = malloc(nw), *mr = malloc(nr);
    random_mask(mask, cfg->c_out, nw / cfg->c_out, kind, density, &r);
    float *mf = al_malloc(sizeof(float) * nw), *mfr = al_malloc(sizeof(float) * nr), *wr = al_malloc(sizeof(float) * nr);
    for (size_t i = 0; i < nw; i++) {
        if (!mask[i]) w[i] = 0.0f;
        mf[i] = mask[i];
    }
    al_conv2d_repack(&c, w, wr);
    al_conv2d_repack(&c, mf, mfr);
    for (size_t i = 0; i < nr; i++) mr[i] = mfr[i] != 0.0f;
    float *y = al_malloc(sizeof(float) * ny), *dx = dup(dx0, nx), *dw = dup(dw0, nw), *db = dup(db0, nb);
    CHECK_OK(al_conv2d_forward(&c, y, x, w, b, n, d, t));
    CHECK_OK(al_conv2d_backward(&c, dx, dw, db, dy, x, w, n, d, t));
    for (int f = 0; f < 2; f++) {
        al_sparse *s = NULL;
        CHECK_OK(al_sparse_from_dense(f ? AL_SPARSE_BSR : AL_SPARSE_CSR, 8, wr, mr, rows, c.kr, &s));
        float *ws = al_malloc(sizeof(float) * al_conv2d_backward_sparse_ws(&c, s));
        float *ys = al_malloc(sizeof(float) * ny), *dxs = dup(dx0, nx), *dws = dup(dw0, nw), *dbs = dup(db0, nb);
        CHECK_OK(al_conv2d_forward_sparse(&c, s, ys, x, b, n, d, t));
        CHECK_OK(al_conv2d_backward_sparse(&c, s, ws, dxs, dws, dbs, dy, x, n, d, t));
        const char *fmt = f ? "bsr" : "csr";
        CHECK_MSG(al_test_rel_diff(ys, y, ny) <= 1e-5, "%s y %g", fmt, al_test_rel_diff(ys, y, ny));
        CHECK_MSG(al_test_rel_diff(dxs, dx, nx) <= 1e-5, "%s dx %g", fmt, al_test_rel_diff(dxs, dx, nx));
        CHECK_MSG(al_test_rel_diff(dbs, db, nb) <= 1e-5, "%s db %g", fmt, al_test_rel_diff(dbs, db, nb));
        /* kept entries: the dense gradient; pruned ones: untouched, or (stored in a BSR block) dense */
        double scale = 1e-30, worst = 0.0;
        for (size_t i = 0; i < nw; i++) scale = fmax(scale, fabs((double)dw[i]));
        for (size_t i = 0; i < nw; i++) {
            double e = fabs((double)dws[i] - dw[i]) / scale;
            if (!mask[i] && dws[i] == dw0[i]) continue;
            worst = fmax(worst, e);
        }
        CHECK_MSG(worst <= 1e-5, "%s dw %g", fmt, worst);
        if (!f) /* CSR stores kept entries only */
            for (size_t i = 0; i < nw; i++) CHECK(mask[i] || dws[i] == dw0[i]);
        float *dx2 = dup(dx0, nx), *dw2 = dup(dw0, nw), *db2 = dup(db0, nb);
        CHECK_OK(al_conv2d_backward_sparse(&c, s, ws, dx2, dw2, db2, dy, x, n, d, t));
        CHECK(!memcmp(dx2, dxs, sizeof(float) * nx) && !memcmp(dw2, dws, sizeof(float) * nw) &&
              !memcmp(db2, dbs, sizeof(float) * nb));
        al_free(dx2), al_free(dw2), al_free(db2);
        al_free(ys), al_free(dxs), al_free(dws), al_free(dbs), al_free(ws);
        al_sparse_free(s);
    }
    al_free(y), al_free(dx), al_free(dw), al_free(db), al_free(dx0), al_free(dw0), al_free(db0);
    al_free(w), al_free(b), al_free(x), al_free(dy), al_free(mf), al_free(mfr), al_free(wr);
    free(mask), free(mr);
    al_conv2d_free(&c);
    al_set_threads(1);
}

/* Odd sizes: strides 1 to 3 (phase split with padding kernel columns), a short last BSR block row
 * (kws * c_out not a multiple of 8), small tiles (several per sample), 1 and 2 threads. */
static void test_conv_backward(void) {
    const al_conv2d_cfg cfgs[] = {
        {.c_in = 3, .c_out = 5, .kh = 4, .kw = 5, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 2, .tile = 16},
        {.c_in = 2, .c_out = 8, .kh = 3, .kw = 7, .stride_h = 1, .stride_w = 3, .pad_h = 2, .pad_w = 1},
        {.c_in = 4, .c_out = 3, .kh = 5, .kw = 3, .stride_h = 2, .stride_w = 1, .pad_h = 2, .pad_w = 1, .tile = 9},
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof *cfgs; i++)
        for (int kind = 0; kind < 2; kind++)
            for (int threads = 1; threads <= 2; threads++) conv_case(&cfgs[i], 3, 11, 13, kind, 0.3, threads);
}

/* ---- LSTM forward and backward ------------------------------------------------------------------ */

/* One direction's tensors (4H x In, 4H x H, 4H, 4H) in one block: w_ih, w_hh, b_ih, b_hh. */
static al_lstm_dir dir_view(float *block, int in, int hidden) {
    const size_t G = 4 * (size_t)hidden;
    return (al_lstm_dir){block, block + G * in, block + G * (in + hidden), block + G * (in + hidden + 1)};
}

/* Sparse forward and backward (format f for every matrix but the reverse direction's W_ih, left
 * dense to mix the two) against the dense ones on masked weights, gradients accumulating onto a
 * random start. */
static void lstm_case(int in, int hidden, int T, int N, const int *lengths, int kind, al_sparse_format f,
                      int threads) {
    al_set_threads(threads);
    al_rng r;
    al_rng_seed(&r, 23 + (uint64_t)kind);
    const int G = 4 * hidden;
    const size_t nd = (size_t)G * (in + hidden + 2), nx = (size_t)T * N * in, ny = (size_t)T * N * hidden;
    float *w = randn(2 * nd, &r), *x = randn(nx, &r), *dy = randn(ny, &r), *g0 = randn(2 * nd, &r),
          *dx0 = randn(nx, &r);
    uint8_t *mask = malloc(2 * nd); /* over w: weights masked, biases kept */
    memset(mask, 1, 2 * nd);
    for (int d = 0; d < 2; d++) {
        random_mask(mask + d * nd, G, in, kind, 0.3, &r);
        random_mask(mask + d * nd + (size_t)G * in, G, hidden, kind, 0.3, &r);
    }
    for (size_t i = 0; i < 2 * nd; i++)
        if (!mask[i]) w[i] = 0.0f;
    al_lstm_dir wd[2] = {dir_view(w, in, hidden), dir_view(w + nd, in, hidden)};
    al_lstm_cache c;
    CHECK_OK(al_lstm_cache_init(&c, in, hidden, 1, T, N));
    float *y = al_malloc(sizeof(float) * ny), *dx = dup(dx0, nx), *g = dup(g0, 2 * nd);
    al_lstm_dir gd[2] = {dir_view(g, in, hidden), dir_view(g + nd, in, hidden)};
    CHECK_OK(al_lstm_forward(y, &c, x, lengths, wd, T, N));
    CHECK_OK(al_lstm_backward(dx, gd, &c, dy, x, wd));

    al_sparse *m[2][2] = {{NULL, NULL}, {NULL, NULL}}; /* (direction, ih / hh) */
    al_lstm_sparse_train s;
    memset(&s, 0, sizeof s);
    for (int d = 0; d < 2; d++)
        for (int hh = 0; hh < 2; hh++) {
            if (d == 1 && !hh) continue;
            const size_t off = d * nd + (hh ? (size_t)G * in : 0);
            CHECK_OK(al_sparse_from_dense(f, 8, w + off, mask + off, G, hh ? hidden : in, &m[d][hh]));
            const size_t dv = (size_t)m[d][hh]->n_blocks * m[d][hh]->k, wsb = al_sparse_ws_bytes(m[d][hh], 0);
            if (dv > s.dval_floats) s.dval_floats = dv;
            if (wsb > s.ws[0].bytes) s.ws[0].bytes = s.ws[1].bytes = wsb;
        }
    for (int d = 0; d < 2; d++) {
        s.fwd.w_ih[d] = m[d][0];
        s.fwd.w_hh[d] = m[d][1];
        size_t need = al_lstm_sparse_scratch(&c, m[d][0], m[d][1]);
        if (need > s.fwd.ws_floats) s.fwd.ws_floats = need;
    }
    for (int d = 0; d < 2; d++) {
        s.fwd.ws[d] = al_malloc(sizeof(float) * (s.fwd.ws_floats + 1));
        s.ws[d].buf = al_malloc(s.ws[d].bytes);
    }
    s.dval = al_malloc(sizeof(float) * s.dval_floats);
    float *ys = al_malloc(sizeof(float) * ny), *dxs = dup(dx0, nx), *gs = dup(g0, 2 * nd);
    al_lstm_dir gsd[2] = {dir_view(gs, in, hidden), dir_view(gs + nd, in, hidden)};
    CHECK_OK(al_lstm_forward_sparse(ys, &c, x, lengths, wd, &s.fwd, T, N));
    CHECK_OK(al_lstm_backward_sparse(dxs, gsd, &c, dy, x, wd, &s));
    const char *fmt = f == AL_SPARSE_BSR ? "bsr" : "csr";
    CHECK_MSG(al_test_rel_diff(ys, y, ny) <= 1e-5, "%s %d threads: y %g", fmt, threads, al_test_rel_diff(ys, y, ny));
    CHECK_MSG(al_test_rel_diff(dxs, dx, nx) <= 1e-5, "%s %d threads: dx %g", fmt, threads, al_test_rel_diff(dxs, dx, nx));
    /* per tensor: kept entries (and biases) the dense gradient; pruned ones untouched, or (stored in
     * a BSR block) the dense value */
    for (int d = 0; d < 2; d++)
        for (int part = 0; part < 4; part++) {
            const size_t off = d * nd + (part ? (size_t)G * in : 0) + (part > 1 ? (size_t)G * hidden : 0) +
                               (part > 2 ? (size_t)G : 0);
            const size_t n = part == 0 ? (size_t)G * in : part == 1 ? (size_t)G * hidden : (size_t)G;
            double scale = 1e-30, worst = 0.0;
            for (size_t i = off; i < off + n; i++) scale = fmax(scale, fabs((double)g[i]));
            for (size_t i = off; i < off + n; i++) {
                if (!mask[i] && gs[i] == g0[i]) continue;
                worst = fmax(worst, fabs((double)gs[i] - g[i]) / scale);
            }
            CHECK_MSG(worst <= 1e-5, "%s %d threads: direction %d tensor %d gradient %g", fmt, threads, d, part, worst);
            if (f == AL_SPARSE_CSR && part < 2 && !(d == 1 && part == 0)) /* CSR stores kept entries only */
                for (size_t i = off; i < off + n; i++) CHECK(mask[i] || gs[i] == g0[i]);
        }
    /* a workspace too small is refused before anything is added */
    al_lstm_sparse_train bad = s;
    bad.dval_floats = 0;
    float *gb = dup(g0, 2 * nd);
    al_lstm_dir gbd[2] = {dir_view(gb, in, hidden), dir_view(gb + nd, in, hidden)};
    CHECK_OK(al_lstm_forward_sparse(ys, &c, x, lengths, wd, &s.fwd, T, N));
    CHECK(al_lstm_backward_sparse(dxs, gbd, &c, dy, x, wd, &bad) == AL_ERR_INVALID);
    CHECK(!memcmp(gb, g0, sizeof(float) * 2 * nd));
    al_free(gb);
    for (int d = 0; d < 2; d++) {
        al_free(s.fwd.ws[d]);
        al_free(s.ws[d].buf);
        al_sparse_free(m[d][0]);
        al_sparse_free(m[d][1]);
    }
    al_free(s.dval);
    al_free(ys), al_free(dxs), al_free(gs), al_free(y), al_free(dx), al_free(g);
    al_free(w), al_free(x), al_free(dy), al_free(g0), al_free(dx0);
    free(mask);
    al_lstm_cache_free(&c);
    al_set_threads(1);
}

/* Odd sizes (4H not a multiple of 8: a short last BSR block row), unsorted variable lengths, a batch
 * under and over the kernels' wide-product threshold (8 rows), 1 and 2 threads. */
static void test_lstm_sparse(void) {
    static const int len_a[5] = {9, 4, 7, 1, 9}, len_b[11] = {6, 2, 5, 6, 1, 3, 6, 4, 5, 2, 6};
    for (int kind = 0; kind < 2; kind++)
        for (int f = 0; f < 2; f++)
            for (int threads = 1; threads <= 2; threads++) {
                const al_sparse_format fmt = f ? AL_SPARSE_BSR : AL_SPARSE_CSR;
                lstm_case(13, 11, 9, 5, len_a, kind, fmt, threads);
                lstm_case(20, 9, 6, 11, len_b, kind, fmt, threads);
            }
}

/* ---- ds2-tiny training steps -------------------------------------------------------------------- */

enum { N = 3, T = 60, STEPS = 3, LABELS = 5 };

static al_ds2 *tiny(void) {
    al_ds2_config cfg;
    al_ds2 *m = NULL;
    if (al_ds2_preset("ds2-tiny", &cfg) != AL_OK || al_ds2_new(&cfg, N, T, &m) != AL_OK) return NULL;
    al_ds2_init_weights(m, 5);
    return m;
}

/* A mask over every prunable tensor (rows = shape[0]) with the weights it prunes zeroed. */
static uint8_t *prune(al_ds2 *m, int kind, double density) {
    al_param_table *t = al_ds2_params(m);
    uint8_t *mask = al_mask_new(t);
    al_rng r;
    al_rng_seed(&r, 99);
    for (int p = 0; p < t->n; p++) {
        const al_param *e = &t->params[p];
        if (e->flags & AL_PARAM_PRUNABLE)
            random_mask(mask + e->offset, e->shape[0], e->numel / e->shape[0], kind, density, &r);
    }
    al_apply_mask(t, t->data, mask);
    return mask;
}

/* STEPS AdamW steps on a fixed batch; losses (STEPS) out. */
static void train(al_ds2 *m, const uint8_t *mask, int sparse, double *losses) {
    al_param_table *t = al_ds2_params(m);
    al_rng r;
    al_rng_seed(&r, 3);
    float *x = randn((size_t)N * AL_DS2_BINS * T, &r);
    const int lengths[N] = {60, 47, 31}, target_lengths[N] = {LABELS, LABELS - 1, LABELS - 2};
    int targets[N * LABELS], out_len[N], nt = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < target_lengths[i]; k++) targets[nt++] = 1 + (int)al_rng_below(&r, AL_DS2_CLASSES - 1);
    const int T1 = al_ds2_output_length(T);
    const size_t nl = (size_t)T1 * N * AL_DS2_CLASSES;
    float *logits = malloc(sizeof(float) * nl), *dlogits = malloc(sizeof(float) * nl);
    double l[N];
    al_ctc_workspace *ctc;
    al_optim *opt;
    al_optim_opts oo = al_optim_defaults(AL_OPTIM_ADAMW);
    oo.lr = 1e-2; /* large steps, so that the weights move visibly */
    CHECK_OK(al_ctc_workspace_new(T1, LABELS, N, &ctc));
    CHECK_OK(al_optim_new(t, &oo, &opt));
    for (int s = 0; s < STEPS; s++) {
        CHECK(al_ds2_forward(m, 1, x, lengths, N, T, logits, out_len) == T1);
        CHECK_OK(al_ctc_loss(ctc, logits, T1, N, AL_DS2_CLASSES, out_len, targets, target_lengths, 0, l, dlogits));
        losses[s] = (l[0] + l[1] + l[2]) / N;
        for (size_t i = 0; i < nl; i++) dlogits[i] /= (float)N;
        al_param_zero_grad(t);
        CHECK_OK(al_ds2_backward(m, dlogits));
        al_apply_mask(t, t->grad, mask); /* as the trainer does: clipping sees the kept weights only */
        CHECK(al_clip_grad_norm(t, 1.0) > 1.0); /* clipping engages */
        al_optim_step(opt, t, mask);
        if (sparse) CHECK_OK(al_ds2_sparse_refresh(m));
    }
    al_optim_free(opt);
    al_ctc_workspace_free(ctc);
    free(logits), free(dlogits);
    al_free(x);
}

/* Dense and sparse training of the same pruned model, forced CSR and BSR and the automatic choice. */
static void test_ds2_steps(void) {
    static const al_weight_format fmts[] = {AL_WEIGHT_FORMAT_CSR, AL_WEIGHT_FORMAT_BSR8, AL_WEIGHT_FORMAT_AUTO};
    for (int kind = 0; kind < 2; kind++)
        for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++) {
            al_ds2 *a = tiny(), *b = tiny();
            /* AUTO, unstructured: under CSR's crossover (conv2 at 20% trains faster dense) */
            const double density = kind == BLOCKS ? 0.1 : fmts[f] == AL_WEIGHT_FORMAT_AUTO ? 0.05 : 0.2;
            uint8_t *mask = prune(a, kind, density);
            free(prune(b, kind, density));
            al_sparse_report r;
            CHECK_OK(al_ds2_sparse_train(b, mask, fmts[f], &r));
            CHECK(r.n == 2 + 4 * al_ds2_cfg(b)->hidden_layers);
            /* AUTO: BSR for block masks, CSR for unstructured ones at 5%, every weight sparse */
            const al_weight_format want = fmts[f] != AL_WEIGHT_FORMAT_AUTO ? fmts[f]
                                       : kind == BLOCKS                ? AL_WEIGHT_FORMAT_BSR8
                                                                       : AL_WEIGHT_FORMAT_CSR;
            CHECK(al_ds2_sparse_training(b));
            for (int i = 1; i < r.n; i++)
                CHECK_MSG(r.w[i].format == want, "kind %d format %s: %s is %s", kind, al_weight_format_name(fmts[f]),
                          r.w[i].name, al_weight_format_name(r.w[i].format));
            double la[STEPS], lb[STEPS];
            train(a, mask, 0, la);
            train(b, mask, 1, lb);
            for (int s = 0; s < STEPS; s++)
                CHECK_MSG(fabs(la[s] - lb[s]) <= 1e-4 * fabs(la[s]), "kind %d format %s step %d: loss %.9g vs %.9g",
                          kind, al_weight_format_name(fmts[f]), s, la[s], lb[s]);
            al_param_table *ta = al_ds2_params(a), *tb = al_ds2_params(b);
            for (int p = 0; p < ta->n; p++) {
                const al_param *e = &ta->params[p];
                double d = al_test_rel_diff(al_param_data(tb, p), al_param_data(ta, p), e->numel);
                CHECK_MSG(d <= 1e-4, "kind %d format %s %s: rel diff %g", kind, al_weight_format_name(fmts[f]), e->name, d);
            }
            for (size_t i = 0; i < tb->total; i++)
                if (!mask[i] && tb->data[i] != 0.0f) {
                    CHECK_MSG(0, "masked weight %zu is %g", i, (double)tb->data[i]);
                    break;
                }
            al_ds2_sparse_train_off(b);
            CHECK(!al_ds2_sparse_training(b));
            free(mask);
            al_ds2_free(a);
            al_ds2_free(b);
        }
}

/* AUTO with the recurrent weights unpruned: W_ih sparse, W_hh dense in the same layer (the forward
 * scratch must still cover the sparse input projection). */
static void test_ds2_mixed(void) {
    al_ds2 *a = tiny(), *b = tiny();
    uint8_t *mask = prune(a, UNSTRUCTURED, 0.05);
    free(prune(b, UNSTRUCTURED, 0.05));
    al_param_table *ta = al_ds2_params(a), *tb = al_ds2_params(b);
    for (int p = 0; p < ta->n; p++)
        if (strstr(ta->params[p].name, "weight_hh")) memset(mask + ta->params[p].offset, 1, ta->params[p].numel);
    al_sparse_report r;
    CHECK_OK(al_ds2_sparse_train(b, mask, AL_WEIGHT_FORMAT_AUTO, &r));
    for (int i = 2; i < r.n; i++)
        CHECK_MSG(r.w[i].format == (strstr(r.w[i].name, "weight_hh") ? AL_WEIGHT_FORMAT_DENSE : AL_WEIGHT_FORMAT_CSR),
                  "%s is %s", r.w[i].name, al_weight_format_name(r.w[i].format));
    double la[STEPS], lb[STEPS];
    train(a, mask, 0, la);
    train(b, mask, 1, lb);
    for (int s = 0; s < STEPS; s++)
        CHECK_MSG(fabs(la[s] - lb[s]) <= 1e-4 * fabs(la[s]), "step %d: loss %.9g vs %.9g", s, la[s], lb[s]);
    for (int p = 0; p < ta->n; p++) {
        double d = al_test_rel_diff(al_param_data(tb, p), al_param_data(ta, p), ta->params[p].numel);
        CHECK_MSG(d <= 1e-4, "%s: rel diff %g", ta->params[p].name, d);
    }
    free(mask);
    al_ds2_free(a);
    al_ds2_free(b);
}

/* Nothing to gain: AUTO keeps a dense model dense; a missing mask is an error. */
static void test_auto_dense(void) {
    al_ds2 *m = tiny();
    uint8_t *mask = al_mask_new(al_ds2_params(m));
    al_sparse_report r;
    CHECK_OK(al_ds2_sparse_train(m, mask, AL_WEIGHT_FORMAT_AUTO, &r));
    CHECK(!al_ds2_sparse_training(m) && r.w[0].format == AL_WEIGHT_FORMAT_DENSE && r.w[1].format == AL_WEIGHT_FORMAT_DENSE);
    CHECK_OK(al_ds2_sparse_refresh(m)); /* nothing to do */
    CHECK(al_ds2_sparse_train(m, NULL, AL_WEIGHT_FORMAT_AUTO, &r) != AL_OK);
    free(mask);
    al_ds2_free(m);
}

AL_TEST_MAIN(test_conv_backward, test_lstm_sparse, test_ds2_steps, test_ds2_mixed, test_auto_dense)
