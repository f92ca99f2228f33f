/* Sparse training kernels (refresh, transposed products, SDDMM weight gradients, scatter) against
 * double-precision references on the masked dense weight. */
#include "al_test.h"

#include "audiolottery/sparse_train.h"

enum { MASK_RANDOM, MASK_EMPTY_ROWS, MASK_ZERO, MASK_FULL };

typedef struct {
    int rows, cols;
    float *w;      /* (rows, cols) masked: pruned entries are exactly 0, as the trainer keeps them */
    uint8_t *mask; /* (rows, cols) 1 = kept */
} case_t;

static void fill_normal(float *a, size_t len, al_rng *r) {
    for (size_t i = 0; i < len; i++) a[i] = (float)al_rng_normal(r);
}

/* New values for the kept entries of c (the optimizer's step), pruned ones 0. */
static void new_values(case_t *c, al_rng *r) {
    for (int i = 0; i < c->rows * c->cols; i++) c->w[i] = c->mask[i] ? (float)al_rng_normal(r) : 0.0f;
}

static case_t make_case(int rows, int cols, int kind, double density, uint64_t seed) {
    case_t c = {rows, cols, malloc(sizeof(float) * rows * cols), malloc((size_t)rows * cols)};
    al_rng r;
    al_rng_seed(&r, seed);
    for (int i = 0; i < rows * cols; i++) {
        c.mask[i] = kind == MASK_FULL ? 1 : kind == MASK_ZERO ? 0 : al_rng_uniform(&r) < density;
        if (kind == MASK_EMPTY_ROWS && (i / cols <= 8 || i / cols == rows - 1)) c.mask[i] = 0;
    }
    new_values(&c, &r);
    return c;
}

static void free_case(case_t *c) {
    free(c->w);
    free(c->mask);
}

/* |got - (ref + beta y0)| <= 1e-5 (scale + beta |y0|) for len values; y0 NULL: nothing added. */
static int close_to(const float *got, const float *y0, const double *ref, const double *scale, size_t len, float beta) {
    int bad = 0;
    for (size_t i = 0; i < len && bad < 3; i++) {
        double add = beta != 0.0f && y0 ? y0[i] : 0.0;
        double tol = 1e-5 * (scale[i] + fabs(add)) + 1e-30;
        if (!(fabs(got[i] - (ref[i] + add)) <= tol)) {
            fprintf(stderr, "  [%zu] = %.9g, want %.9g\n", i, got[i], ref[i] + add);
            bad++;
        }
    }
    return !bad;
}

/* Input gradient references: xt 0: dX (cols, n) = W^T dY, dY (rows, n); xt 1: dX (n, cols) = dY W,
 * dY (n, rows). scale: sum of |terms| per output (the size of float rounding). */
static void ref_input(const case_t *c, const float *dy, int n, int xt, double *ref, double *scale) {
    for (int j = 0; j < c->cols; j++)
        for (int t = 0; t < n; t++) {
            double s = 0.0, a = 0.0;
            for (int r = 0; r < c->rows; r++) {
                double p = (double)c->w[(size_t)r * c->cols + j] * (xt ? dy[(size_t)t * c->rows + r] : dy[(size_t)r * n + t]);
                s += p, a += fabs(p);
            }
            size_t o = xt ? (size_t)t * c->cols + j : (size_t)j * n + t;
            ref[o] = s, scale[o] = a;
        }
}

/* Weight gradient reference at every stored value of m (dval layout); padding rows 0. */
static void ref_weight(const al_sparse *m, const float *dy, const float *x, int n, int xt, double *ref, double *scale) {
    for (int br = 0; br < m->block_rows; br++)
        for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++)
            for (int i = 0; i < m->k; i++) {
                int r = br * m->k + i, j = m->col[b];
                double s = 0.0, a = 0.0;
                for (int t = 0; t < n && r < m->rows; t++) {
                    double p = xt ? (double)dy[(size_t)t * m->rows + r] * x[(size_t)t * m->cols + j]
                                  : (double)dy[(size_t)r * n + t] * x[(size_t)j * n + t];
                    s += p, a += fabs(p);
                }
                ref[b * m->k + i] = s, scale[b * m->k + i] = a;
            }
}

static const char *fmt_name(al_sparse_format f) { return f == AL_SPARSE_CSR ? "csr" : "bsr"; }

/* Refresh with new values: the stored values are W's, padding stays 0. */
static void check_refresh(al_sparse *m, case_t *c, al_rng *r, const char *what) {
    new_values(c, r);
    CHECK_OK(al_sparse_refresh(m, c->w));
    size_t rc = (size_t)c->rows * c->cols;
    float *wd = malloc(sizeof(float) * rc); /* (rows, cols) */
    CHECK_OK(al_sparse_to_dense(m, wd));
    CHECK_MSG(memcmp(wd, c->w, sizeof(float) * rc) == 0, "%s %s k=%d: refreshed values differ", what,
              fmt_name(m->format), m->k);
    int pad_zero = 1;
    int lastr = m->block_rows - 1, kk = c->rows - lastr * m->k;
    for (int64_t b = m->ptr[lastr]; b < m->ptr[lastr + 1]; b++)
        for (int i = kk; i < m->k; i++) pad_zero &= m->val[b * m->k + i] == 0.0f;
    CHECK_MSG(pad_zero, "%s: padding is not 0 after refresh", what);
    free(wd);
}

static void check_case(case_t *c, al_sparse_format f, int k, const char *what) {
    al_sparse *m = NULL;
    /* built from other values: refresh must bring the current ones */
    float *w0 = malloc(sizeof(float) * c->rows * c->cols);
    for (int i = 0; i < c->rows * c->cols; i++) w0[i] = c->mask[i] ? 1.0f + (float)(i % 7) : 0.0f;
    CHECK_OK(al_sparse_from_dense(f, k, w0, c->mask, c->rows, c->cols, &m));
    free(w0);
    if (!m) return;
    al_rng r;
    al_rng_seed(&r, 11);
    check_refresh(m, c, &r, what);

    al_sparse_ws ws = {NULL, al_sparse_ws_bytes(m, 2)};
    ws.buf = al_malloc(ws.bytes);
    size_t nv = (size_t)m->n_blocks * m->k + 1; /* dval (n_blocks * k); + 1: never 0 bytes */
    static const int ns[] = {1, 3, 17, 64, 300}; /* 300: several tiles and weight-gradient chunks */
    for (int ni = 0; ni < 5; ni++) {
        int n = ns[ni];
        size_t lx = (size_t)c->cols * n, ly = (size_t)c->rows * n, lmax = lx > nv ? lx : nv;
        float *dy = malloc(sizeof(float) * ly), *x = malloc(sizeof(float) * lx); /* either layout */
        float *out = malloc(sizeof(float) * lmax), *out0 = malloc(sizeof(float) * lmax);
        double *ref = malloc(sizeof(double) * lmax), *scale = malloc(sizeof(double) * lmax);
        fill_normal(dy, ly, &r);
        fill_normal(x, lx, &r);
        fill_normal(out0, lmax, &r);
        for (int kernel = 0; kernel < 4; kernel++) { /* mm_t, mm_xt_t, grad_w, grad_w_xt */
            int xt = kernel & 1, grad = kernel >> 1;
            size_t len = grad ? nv - 1 : lx;
            if (grad) ref_weight(m, dy, x, n, xt, ref, scale);
            else ref_input(c, dy, n, xt, ref, scale);
            for (int bi = 0; bi < 2; bi++) {
                float beta = (float)bi;
                for (size_t i = 0; i < len; i++) out[i] = beta != 0.0f ? out0[i] : NAN;
                al_status st = kernel == 0   ? al_sparse_mm_t(m, dy, n, beta, out)
                               : kernel == 1 ? al_sparse_mm_xt_t(m, dy, n, beta, out, &ws)
                               : kernel == 2 ? al_sparse_grad_w(m, dy, x, n, beta, out)
                                             : al_sparse_grad_w_xt(m, dy, x, n, beta, out, &ws);
                CHECK_OK(st);
                CHECK_MSG(close_to(out, out0, ref, scale, len, beta), "%s %s k=%d %dx%d n=%d kernel %d beta %g", what,
                          fmt_name(f), k, c->rows, c->cols, n, kernel, (double)beta);
            }
        }
        /* scatter: the last dval (grad_w_xt, beta 1) into a random dense gradient */
        size_t rc = (size_t)c->rows * c->cols;
        float *dw = malloc(sizeof(float) * rc), *want = malloc(sizeof(float) * rc);
        fill_normal(dw, rc, &r);
        memcpy(want, dw, sizeof(float) * rc);
        for (int br = 0; br < m->block_rows; br++)
            for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++)
                for (int i = 0; i < m->k && br * m->k + i < c->rows; i++)
                    want[(size_t)(br * m->k + i) * c->cols + m->col[b]] += out[b * m->k + i];
        CHECK_OK(al_sparse_scatter_grad(m, out, dw));
        CHECK_MSG(memcmp(dw, want, sizeof(float) * rc) == 0, "%s %s k=%d n=%d: scatter differs", what, fmt_name(f), k, n);
        free(dw), free(want);
        free(dy), free(x), free(out), free(out0), free(ref), free(scale);
    }
    al_free(ws.buf);
    al_sparse_free(m);
}

static void check_all_formats(case_t *c, const char *what) {
    check_case(c, AL_SPARSE_CSR, 0, what);
    static const int ks[] = {1, 3, 4, 8};
    for (int i = 0; i < 4; i++) check_case(c, AL_SPARSE_BSR, ks[i], what);
}

static void test_random_masks(void) {
    static const int shapes[][2] = {{37, 53}, {1, 1}, {13, 7}, {9, 101}};
    static const double d[] = {0.05, 0.4};
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < 2; i++) {
            case_t c = make_case(shapes[s][0], shapes[s][1], MASK_RANDOM, d[i], 100 + s * 2 + i);
            check_all_formats(&c, "random");
            free_case(&c);
        }
}

static void test_special_masks(void) {
    static const struct { int kind; const char *name; } kinds[] = {
        {MASK_EMPTY_ROWS, "empty rows"}, {MASK_ZERO, "all zero"}, {MASK_FULL, "full"}};
    for (int i = 0; i < 3; i++) {
        case_t c = make_case(37, 53, kinds[i].kind, 0.3, 200 + i);
        check_all_formats(&c, kinds[i].name);
        free_case(&c);
    }
}

/* Every kernel gives the same bits on 1 and 2 threads. */
static void test_threads_deterministic(void) {
    int rows = 203, cols = 150, n = 300, before = al_threads();
    case_t c = make_case(rows, cols, MASK_RANDOM, 0.3, 400);
    size_t len = (size_t)(rows > cols ? rows : cols) * n;
    float *dy = malloc(sizeof(float) * len), *x = malloc(sizeof(float) * len);
    float *out[2] = {malloc(sizeof(float) * len), malloc(sizeof(float) * len)};
    al_rng r;
    al_rng_seed(&r, 1);
    fill_normal(dy, len, &r);
    fill_normal(x, len, &r);
    for (int f = 0; f < 2; f++) {
        al_sparse *m = NULL;
        CHECK_OK(al_sparse_from_dense(f ? AL_SPARSE_BSR : AL_SPARSE_CSR, 8, c.w, c.mask, rows, cols, &m));
        if (!m) continue;
        al_sparse_ws ws = {NULL, al_sparse_ws_bytes(m, 2)};
        ws.buf = al_malloc(ws.bytes);
        for (int kernel = 0; kernel < 4; kernel++) {
            size_t bytes = sizeof(float) * (kernel < 2 ? (size_t)cols * n : (size_t)m->n_blocks * m->k);
            for (int th = 0; th < 2; th++) {
                al_set_threads(th + 1);
                memcpy(out[th], x, bytes); /* beta 1 over the same start */
                al_status st = kernel == 0   ? al_sparse_mm_t(m, dy, n, 1.0f, out[th])
                               : kernel == 1 ? al_sparse_mm_xt_t(m, dy, n, 1.0f, out[th], &ws)
                               : kernel == 2 ? al_sparse_grad_w(m, dy, x, n, 1.0f, out[th])
                                             : al_sparse_grad_w_xt(m, dy, x, n, 1.0f, out[th], &ws);
                CHECK_OK(st);
            }
            CHECK_MSG(memcmp(out[0], out[1], bytes) == 0, "%s kernel %d differs on 1 and 2 threads", f ? "bsr" : "csr",
                      kernel);
        }
        al_free(ws.buf);
        al_sparse_free(m);
    }
    al_set_threads(before);
    free(dy), free(x), free(out[0]), free(out[1]);
    free_case(&c);
}

static void test_errors(void) {
    float w[6] = {1, 2, 0, 4, 5, 6}, dy[4] = {1, 1, 1, 1}, x[6] = {1, 1, 1, 1, 1, 1}, out[16]; /* out: dval of up to 3 blocks of 4 */
    al_sparse *m = NULL;
    CHECK_OK(al_sparse_from_dense(AL_SPARSE_BSR, 4, w, NULL, 2, 3, &m));
    if (!m) return;
    al_sparse_ws ws = {NULL, al_sparse_ws_bytes(m, 1)};
    ws.buf = al_malloc(ws.bytes);
    CHECK(al_sparse_ws_bytes(NULL, 1) == 0);
    CHECK(al_sparse_refresh(NULL, w) == AL_ERR_INVALID);
    CHECK(al_sparse_refresh(m, NULL) == AL_ERR_INVALID);
    CHECK(al_sparse_mm_t(NULL, dy, 1, 0.0f, out) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "NULL matrix");
    CHECK(al_sparse_mm_t(m, NULL, 1, 0.0f, out) == AL_ERR_INVALID);
    CHECK(al_sparse_mm_t(m, dy, -1, 0.0f, out) == AL_ERR_INVALID);
    CHECK(al_sparse_mm_t(m, dy, 1, 0.5f, out) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "beta");
    CHECK(al_sparse_mm_xt_t(m, dy, 1, 0.0f, NULL, &ws) == AL_ERR_INVALID);
    CHECK(al_sparse_mm_xt_t(m, dy, 1, 0.0f, out, NULL) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "workspace");
    al_sparse_ws tiny = {ws.buf, 4}, small = {ws.buf, ws.bytes - 4};
    CHECK(al_sparse_mm_xt_t(m, dy, 1, 0.0f, out, &tiny) == AL_ERR_INVALID);
    CHECK(al_sparse_grad_w_xt(m, dy, x, 1, 0.0f, out, &small) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "workspace");
    CHECK(al_sparse_grad_w(m, dy, NULL, 1, 0.0f, out) == AL_ERR_INVALID);
    CHECK(al_sparse_grad_w(m, dy, x, 1, 2.0f, out) == AL_ERR_INVALID);
    CHECK(al_sparse_grad_w(m, NULL, NULL, 0, 0.0f, NULL) == AL_ERR_INVALID);
    CHECK(al_sparse_grad_w_xt(NULL, dy, x, 1, 0.0f, out, &ws) == AL_ERR_INVALID);
    CHECK(al_sparse_scatter_grad(m, NULL, out) == AL_ERR_INVALID);
    CHECK(al_sparse_scatter_grad(m, out, NULL) == AL_ERR_INVALID);
    /* an empty batch: the transposed products do nothing, the weight gradient is an empty sum */
    CHECK_OK(al_sparse_mm_t(m, NULL, 0, 0.0f, NULL));
    CHECK_OK(al_sparse_mm_xt_t(m, NULL, 0, 0.0f, NULL, &ws));
    for (int i = 0; i < 16; i++) out[i] = NAN;
    CHECK_OK(al_sparse_grad_w(m, NULL, NULL, 0, 0.0f, out));
    int zero = 1;
    for (int i = 0; i < m->n_blocks * m->k; i++) zero &= out[i] == 0.0f;
    CHECK(zero);
    al_free(ws.buf);
    al_sparse_free(m);
}

AL_TEST_MAIN(test_random_masks, test_special_masks, test_threads_deterministic, test_errors)
