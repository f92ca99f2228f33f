/* Sparse formats and kernels against a naive double-precision reference. */
#include "al_test.h"

#include "audiolottery/sparse.h"

enum { MASK_RANDOM, MASK_EMPTY_ROWS, MASK_ZERO, MASK_FULL, MASK_NULL };

typedef struct {
    int rows, cols;
    float *w;      /* (rows, cols) */
    uint8_t *mask; /* (rows, cols), NULL for MASK_NULL (W's nonzeros are kept) */
} case_t;

static int is_kept(const case_t *c, size_t i) { return c->mask ? c->mask[i] != 0 : c->w[i] != 0.0f; }

/* W with about 1 in 4 entries exactly 0 (so that MASK_NULL differs from a full mask). */
static case_t make_case(int rows, int cols, int kind, double density, uint64_t seed) {
    case_t c = {rows, cols, malloc(sizeof(float) * rows * cols), NULL};
    al_rng r;
    al_rng_seed(&r, seed);
    for (int i = 0; i < rows * cols; i++) c.w[i] = al_rng_uniform(&r) < 0.25 ? 0.0f : (float)al_rng_normal(&r);
    if (kind == MASK_NULL) return c;
    c.mask = malloc((size_t)rows * cols);
    for (int i = 0; i < rows * cols; i++)
        c.mask[i] = kind == MASK_FULL ? 1 : kind == MASK_ZERO ? 0 : al_rng_uniform(&r) < density;
    if (kind == MASK_EMPTY_ROWS) { /* rows 0..8 (a whole block row for k <= 8) and the last row */
        for (int i = 0; i < rows * cols; i++)
            if (i / cols <= 8 || i / cols == rows - 1) c.mask[i] = 0;
    }
    return c;
}

static void free_case(case_t *c) {
    free(c->w);
    free(c->mask);
}

/* Naive reference, transposed or not: ref (rows, n) = W X, or ref (n, rows) = X W^T; also the
 * sum of |w x| per output as the scale of float rounding. */
static void reference(const case_t *c, const float *x, int n, int xt, double *ref, double *scale) {
    for (int r = 0; r < c->rows; r++)
        for (int t = 0; t < n; t++) {
            double s = 0.0, a = 0.0;
            for (int j = 0; j < c->cols; j++) {
                size_t i = (size_t)r * c->cols + j;
                double xv = xt ? x[(size_t)t * c->cols + j] : x[(size_t)j * n + t];
                if (is_kept(c, i)) s += (double)c->w[i] * xv, a += fabs((double)c->w[i] * xv);
            }
            size_t o = xt ? (size_t)t * c->rows + r : (size_t)r * n + t;
            ref[o] = s;
            scale[o] = a;
        }
}

/* y0: Y's content before the call; beta 1 adds it, beta 0 must ignore it (NaN). */
static int close_to(const float *y, const float *y0, const double *ref, const double *scale, size_t len, float beta) {
    int bad = 0;
    for (size_t i = 0; i < len && bad < 3; i++) {
        double want = ref[i] + (beta != 0.0f ? y0[i] : 0.0);
        double tol = 1e-5 * (scale[i] + (beta != 0.0f ? fabs(y0[i]) : 0.0)) + 1e-30;
        if (!(fabs(y[i] - want) <= tol)) {
            fprintf(stderr, "  y[%zu] = %.9g, want %.9g\n", i, y[i], want);
            bad++;
        }
    }
    return !bad;
}

static const char *fmt_name(al_sparse_format f) { return f == AL_SPARSE_CSR ? "csr" : "bsr"; }

/* Every kernel (sparse, and dense on W x mask) on one case, for n and beta 0 / 1. */
static void check_case(const case_t *c, al_sparse_format f, int k, const char *what) {
    al_sparse *m = NULL;
    CHECK_OK(al_sparse_from_dense(f, k, c->w, c->mask, c->rows, c->cols, &m));
    if (!m) return;
    size_t rc = (size_t)c->rows * c->cols;
    float *wd = malloc(sizeof(float) * rc); /* (rows, cols) round trip */
    CHECK_OK(al_sparse_to_dense(m, wd));
    int same = 1;
    int64_t kept = 0;
    for (size_t i = 0; i < rc; i++) {
        same &= wd[i] == (is_kept(c, i) ? c->w[i] : 0.0f);
        kept += is_kept(c, i);
    }
    CHECK_MSG(same, "%s %s k=%d %dx%d: round trip differs", what, fmt_name(f), k, c->rows, c->cols);
    int64_t stored = 0; /* stored values on real rows: kept entries (CSR) or whole blocks (BSR) */
    int kb = f == AL_SPARSE_CSR ? 1 : k;
    for (int r0 = 0; r0 < c->rows; r0 += kb) {
        int kk = c->rows - r0 < kb ? c->rows - r0 : kb;
        for (int j = 0; j < c->cols; j++) {
            int any = 0;
            for (int i = 0; i < kk; i++) any |= is_kept(c, (size_t)(r0 + i) * c->cols + j);
            stored += any * kk;
        }
    }
    CHECK_NEAR(al_sparse_density(m), (double)stored / rc, 1e-12);
    if (f == AL_SPARSE_CSR) CHECK(m->n_stored == kept);

    /* W X in tiles of 32, 8 and 1 columns (43); X W^T for BSR 8 x 1 in tiles of 16 rows of X:
     * none (8: two of 4), one (16), with rows left over in tiles of 1 (17) or 4 and 1 (43) */
    static const int ns[] = {1, 3, 5, 8, 16, 17, 43};
    al_rng r;
    al_rng_seed(&r, 7);
    for (int ni = 0; ni < 7; ni++) {
        int n = ns[ni];
        size_t len = (size_t)c->rows * n;
        float *x = malloc(sizeof(float) * c->cols * n), *y = malloc(sizeof(float) * len),
              *y0 = malloc(sizeof(float) * len);
        double *ref = malloc(sizeof(double) * len), *scale = malloc(sizeof(double) * len);
        for (int i = 0; i < c->cols * n; i++) x[i] = (float)al_rng_normal(&r);
        for (size_t i = 0; i < len; i++) y0[i] = (float)al_rng_normal(&r);
        for (int xt = 0; xt < 2; xt++) {
            reference(c, x, n, xt, ref, scale);
            for (int bi = 0; bi < 2; bi++) {
                float beta = (float)bi;
                for (size_t i = 0; i < len; i++) y[i] = beta != 0.0f ? y0[i] : NAN;
                CHECK_OK(xt ? al_sparse_mm_xt(m, x, n, beta, y) : al_sparse_mm(m, x, n, beta, y));
                CHECK_MSG(close_to(y, y0, ref, scale, len, beta), "%s %s k=%d %dx%d n=%d xt=%d beta=%g", what,
                          fmt_name(f), k, c->rows, c->cols, n, xt, (double)beta);
                for (size_t i = 0; i < len; i++) y[i] = beta != 0.0f ? y0[i] : NAN;
                CHECK_OK(xt ? al_dense_mm_xt(wd, c->rows, c->cols, x, n, beta, y)
                            : al_dense_mm(wd, c->rows, c->cols, x, n, beta, y));
                CHECK_MSG(close_to(y, y0, ref, scale, len, beta), "dense %s %dx%d n=%d xt=%d beta=%g", what,
                          c->rows, c->cols, n, xt, (double)beta);
            }
        }
        free(x), free(y), free(y0), free(ref), free(scale);
    }
    free(wd);
    al_sparse_free(m);
}

static void check_all_formats(const case_t *c, const char *what) {
    check_case(c, AL_SPARSE_CSR, 0, what);
    static const int ks[] = {1, 3, 4, 8};
    for (int i = 0; i < 4; i++) check_case(c, AL_SPARSE_BSR, ks[i], what);
}

static void test_densities(void) {
    static const double d[] = {0.01, 0.1, 0.5};
    static const int shapes[][2] = {{37, 53}, {1, 1}, {13, 7}, {64, 40}, {9, 100}};
    for (int s = 0; s < 5; s++)
        for (int i = 0; i < 3; i++) {
            case_t c = make_case(shapes[s][0], shapes[s][1], MASK_RANDOM, d[i], 100 + s * 3 + i);
            check_all_formats(&c, "random");
            free_case(&c);
        }
}

static void test_special_masks(void) {
    static const struct { int kind; const char *name; } kinds[] = {
        {MASK_EMPTY_ROWS, "empty rows"}, {MASK_ZERO, "all zero"}, {MASK_FULL, "full"}, {MASK_NULL, "nonzeros"}};
    for (int i = 0; i < 4; i++) {
        case_t c = make_case(37, 53, kinds[i].kind, 0.3, 200 + i);
        check_all_formats(&c, kinds[i].name);
        free_case(&c);
    }
}

/* The all-zero mask stores nothing and every output is 0 (beta 0) whatever Y held. */
static void test_all_zero_is_empty(void) {
    case_t c = make_case(37, 53, MASK_ZERO, 0.0, 300);
    al_sparse *m = NULL;
    CHECK_OK(al_sparse_from_dense(AL_SPARSE_BSR, 8, c.w, c.mask, 37, 53, &m));
    if (m) {
        CHECK(m->n_blocks == 0 && al_sparse_density(m) == 0.0);
        float x[53 * 2] = {0}, y[37 * 2];
        for (int i = 0; i < 37 * 2; i++) y[i] = NAN;
        CHECK_OK(al_sparse_mm_xt(m, x, 2, 0.0f, y));
        int zero = 1;
        for (int i = 0; i < 37 * 2; i++) zero &= y[i] == 0.0f;
        CHECK(zero);
    }
    al_sparse_free(m);
    free_case(&c);
}

/* Results do not depend on the thread count (bitwise). */
static void test_threads_deterministic(void) {
    case_t c = make_case(203, 150, MASK_RANDOM, 0.3, 400);
    int n = 9, before = al_threads();
    float *x = malloc(sizeof(float) * 150 * n), *y1 = malloc(sizeof(float) * 203 * n), *y2 = malloc(sizeof(float) * 203 * n);
    al_rng r;
    al_rng_seed(&r, 1);
    for (int i = 0; i < 150 * n; i++) x[i] = (float)al_rng_normal(&r);
    for (int f = 0; f < 2; f++)
        for (int xt = 0; xt < 2; xt++) {
            al_sparse *m = NULL;
            CHECK_OK(al_sparse_from_dense(f ? AL_SPARSE_BSR : AL_SPARSE_CSR, 8, c.w, c.mask, 203, 150, &m));
            if (!m) continue;
            al_set_threads(1);
            CHECK_OK(xt ? al_sparse_mm_xt(m, x, n, 0.0f, y1) : al_sparse_mm(m, x, n, 0.0f, y1));
            al_set_threads(2);
            CHECK_OK(xt ? al_sparse_mm_xt(m, x, n, 0.0f, y2) : al_sparse_mm(m, x, n, 0.0f, y2));
            CHECK(memcmp(y1, y2, sizeof(float) * 203 * n) == 0);
            al_sparse_free(m);
        }
    al_set_threads(before);
    free(x), free(y1), free(y2);
    free_case(&c);
}

static void test_errors(void) {
    float w[6] = {1, 2, 3, 4, 5, 6}, x[3] = {1, 1, 1}, y[2];
    al_sparse *m = NULL;
    CHECK(al_sparse_from_dense((al_sparse_format)7, 4, w, NULL, 2, 3, &m) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "sparse: unknown format");
    CHECK(al_sparse_from_dense(AL_SPARSE_BSR, 0, w, NULL, 2, 3, &m) == AL_ERR_INVALID);
    CHECK(al_sparse_from_dense(AL_SPARSE_BSR, AL_SPARSE_MAX_K + 1, w, NULL, 2, 3, &m) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "block height");
    CHECK(al_sparse_from_dense(AL_SPARSE_CSR, 0, NULL, NULL, 2, 3, &m) == AL_ERR_INVALID);
    CHECK(al_sparse_from_dense(AL_SPARSE_CSR, 0, w, NULL, 0, 3, &m) == AL_ERR_INVALID);
    CHECK(m == NULL);
    CHECK_OK(al_sparse_from_dense(AL_SPARSE_CSR, 0, w, NULL, 2, 3, &m));
    CHECK(al_sparse_mm(m, x, 1, 0.5f, y) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "beta");
    CHECK(al_sparse_mm_xt(m, x, -1, 0.0f, y) == AL_ERR_INVALID);
    CHECK(al_sparse_mm(m, NULL, 1, 0.0f, y) == AL_ERR_INVALID);
    CHECK(al_sparse_mm(NULL, x, 1, 0.0f, y) == AL_ERR_INVALID);
    CHECK(al_dense_mm(w, 2, 3, x, 1, 2.0f, y) == AL_ERR_INVALID);
    CHECK_OK(al_sparse_mm(m, NULL, 0, 0.0f, NULL)); /* an empty batch is a no-op */
    al_sparse_free(m);
    al_sparse_free(NULL);
}

AL_TEST_MAIN(test_densities, test_special_masks, test_all_zero_is_empty, test_threads_deterministic, test_errors)
