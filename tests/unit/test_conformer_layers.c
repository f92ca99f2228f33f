/* The Conformer's element layers: LayerNorm, SiLU, GLU, depthwise Conv1d (channel-last) and BatchNorm with
 * masked statistics. Each output and gradient against PyTorch (tests/data/layers/conformer_layers.safetensors,
 * made by tools/conformer_layers_fixture.py), each backward against central finite differences of a
 * double-precision reference, += semantics of the backward, NULL gradients, thread-count independence, and
 * keep == NULL against the unmasked BatchNorm bit for bit.
 *
 * Errors are max |got - want| / max |want| over a tensor (al_test_rel_diff). Tolerances: PyTorch parity
 * 1e-5 for every layer; finite differences 1e-5 (h = 1e-5 in double: truncation ~1e-10, so what remains is
 * the float rounding of the analytic gradient). */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/io.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dwconv1d.h"
#include "nn/glu.h"
#include "nn/layernorm.h"

#include <stdint.h>

#define TOL_TORCH 1e-5
#define TOL_FD 1e-5
#define GRAD_FILL 0.5f /* gradient buffers start here: the backward must add, not overwrite */

/* ---- helpers ---- */

static al_st_file *open_fixture(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/layers/conformer_layers.safetensors", al_test_data());
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(path, &f));
    return f;
}

/* A copy of a float32 fixture tensor of count values (zeros and a failed check if absent). */
static float *fx(const al_st_file *f, const char *name, size_t count) {
    const al_st_tensor *t = f ? al_st_find(f, name) : NULL;
    int ok = t && t->dtype == AL_DT_F32 && (size_t)t->numel == count;
    CHECK_MSG(ok, "fixture tensor %s (%zu values)", name, count);
    float *v = calloc(count, sizeof(float));
    if (ok) memcpy(v, t->data, count * sizeof(float));
    return v;
}

static float *filled(size_t n, float v) {
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = v;
    return p;
}

static double *to_double(const float *f, size_t n) {
    double *d = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) d[i] = f ? f[i] : 1.0;
    return d;
}

static void fill(float *f, size_t n, al_rng *rng, double lo, double hi) {
    for (size_t i = 0; i < n; i++) f[i] = (float)al_rng_range(rng, lo, hi);
}

/* got (after GRAD_FILL is taken off when filled) against want; prints the error for the record. */
static double expect_close(const char *what, const float *got, const float *want, size_t n, int was_filled,
                           double tol) {
    float *g = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) g[i] = was_filled ? got[i] - GRAD_FILL : got[i];
    double e = al_test_rel_diff(g, want, n);
    fprintf(stderr, "  %-28s rel %.2e\n", what, e);
    CHECK_MSG(e < tol, "%s: relative error %.3g >= %.3g", what, e, tol);
    free(g);
    return e;
}

static double dot(const double *a, const double *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* The loss being differentiated: sum(ref(params) * R) in double, over the parameters in g_fd's arrays. */
typedef double (*loss_fn)(void);

/* grad (n floats, GRAD_FILL taken off when filled) against central differences of loss over v (n doubles). */
static void fd_check(const char *what, loss_fn loss, double *v, const float *grad, size_t n, int was_filled) {
    const double h = 1e-5;
    double dmax = 0.0, smax = 1e-30;
    size_t worst = 0;
    for (size_t i = 0; i < n; i++) {
        double v0 = v[i];
        v[i] = v0 + h;
        double lp = loss();
        v[i] = v0 - h;
        double lm = loss();
        v[i] = v0;
        double fd = (lp - lm) / (2 * h), an = was_filled ? (double)(grad[i] - GRAD_FILL) : grad[i];
        if (fabs(an - fd) > dmax) dmax = fabs(an - fd), worst = i;
        smax = fmax(smax, fabs(fd));
    }
    fprintf(stderr, "  %-28s fd rel %.2e\n", what, dmax / smax);
    CHECK_MSG(dmax / smax < TOL_FD, "%s: finite differences differ by %.3g (relative, worst index %zu)", what,
              dmax / smax, worst);
}

/* Parameters and sizes of the reference the loss functions read. */
static struct {
    double *x, *w, *b, *R, *y, *rm, *rv;
    const uint8_t *keep;
    int rows, d, outer, C, inner, N, T, k, training;
    size_t ny;
} g_fd;

/* ---- LayerNorm ---- */

static void ln_ref(double *y, const double *x, const double *w, const double *b, int rows, int d, double eps) {
    for (int r = 0; r < rows; r++) {
        const double *xr = x + (size_t)r * d;
        double mu = 0, var = 0;
        for (int j = 0; j < d; j++) mu += xr[j];
        mu /= d;
        for (int j = 0; j < d; j++) var += (xr[j] - mu) * (xr[j] - mu);
        var /= d;
        for (int j = 0; j < d; j++) y[(size_t)r * d + j] = (xr[j] - mu) / sqrt(var + eps) * w[j] + b[j];
    }
}

static double ln_loss(void) {
    ln_ref(g_fd.y, g_fd.x, g_fd.w, g_fd.b, g_fd.rows, g_fd.d, 1e-5);
    return dot(g_fd.y, g_fd.R, g_fd.ny);
}

static void test_layernorm(void) {
    al_st_file *f = open_fixture();
    enum { ROWS = 7, D = 6, N = ROWS * D };
    float *x = fx(f, "ln.x", N), *w = fx(f, "ln.weight", D), *b = fx(f, "ln.bias", D), *R = fx(f, "ln.R", N);
    float *want_y = fx(f, "ln.y", N), *want_dx = fx(f, "ln.x.grad", N), *want_dw = fx(f, "ln.weight.grad", D),
          *want_db = fx(f, "ln.bias.grad", D);
    float y[N], *dx = filled(N, GRAD_FILL), *dw = filled(D, GRAD_FILL), *db = filled(D, GRAD_FILL);
    al_layernorm ln;
    CHECK_OK(al_layernorm_init(&ln, D, ROWS + 3, 1e-5f));
    CHECK_OK(al_layernorm_forward(&ln, y, x, w, b, ROWS));
    CHECK_OK(al_layernorm_backward(&ln, dx, dw, db, R, x, w, ROWS));
    expect_close("layernorm y", y, want_y, N, 0, TOL_TORCH);
    expect_close("layernorm x.grad", dx, want_dx, N, 1, TOL_TORCH);
    expect_close("layernorm weight.grad", dw, want_dw, D, 1, TOL_TORCH);
    expect_close("layernorm bias.grad", db, want_db, D, 1, TOL_TORCH);
    /* finite differences of the double reference */
    g_fd.x = to_double(x, N), g_fd.w = to_double(w, D), g_fd.b = to_double(b, D), g_fd.R = to_double(R, N);
    g_fd.y = malloc(N * sizeof(double)), g_fd.rows = ROWS, g_fd.d = D, g_fd.ny = N;
    fd_check("layernorm dx", ln_loss, g_fd.x, dx, N, 1);
    fd_check("layernorm dw", ln_loss, g_fd.w, dw, D, 1);
    fd_check("layernorm db", ln_loss, g_fd.b, db, D, 1);
    /* NULL weight and bias: 1 and 0; dx alone (dw, db NULL) equals the full call's dx */
    float y1[N], dx1[N] = {0}, dx2[N] = {0}, ones[D], zeros[D] = {0};
    for (int j = 0; j < D; j++) ones[j] = 1.0f;
    CHECK_OK(al_layernorm_forward(&ln, y1, x, NULL, NULL, ROWS));
    CHECK_OK(al_layernorm_backward(&ln, dx1, NULL, NULL, R, x, NULL, ROWS));
    CHECK_OK(al_layernorm_forward(&ln, y, x, ones, zeros, ROWS));
    CHECK_OK(al_layernorm_backward(&ln, dx2, NULL, NULL, R, x, ones, ROWS));
    int same = 1;
    for (int i = 0; i < N; i++) same &= y1[i] == y[i] && dx1[i] == dx2[i];
    CHECK_MSG(same, "layernorm: NULL weight/bias differ from ones/zeros");
    /* errors */
    CHECK(al_layernorm_forward(&ln, y, x, w, b, ROWS + 4) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "layernorm");
    CHECK(al_layernorm_backward(&ln, dx1, NULL, NULL, R, x, w, -1) == AL_ERR_INVALID);
    al_layernorm_free(&ln);
    al_layernorm bad;
    CHECK(al_layernorm_init(&bad, 0, 4, 1e-5f) == AL_ERR_INVALID);
    CHECK(al_layernorm_init(&bad, 4, 0, 1e-5f) == AL_ERR_INVALID);
    CHECK(al_layernorm_forward(&bad, y, x, w, b, 1) == AL_ERR_INVALID); /* not initialised */
    free(g_fd.x), free(g_fd.w), free(g_fd.b), free(g_fd.R), free(g_fd.y);
    float *all[] = {x, w, b, R, want_y, want_dx, want_dw, want_db, dx, dw, db};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    al_st_close(f);
}

/* ---- SiLU ---- */

static double silu_loss(void) {
    for (size_t i = 0; i < g_fd.ny; i++) g_fd.y[i] = g_fd.x[i] / (1.0 + exp(-g_fd.x[i]));
    return dot(g_fd.y, g_fd.R, g_fd.ny);
}

static void test_silu(void) {
    al_st_file *f = open_fixture();
    enum { N = 40 };
    float *x = fx(f, "silu.x", N), *R = fx(f, "silu.R", N), *want_y = fx(f, "silu.y", N);
    float *want_dx = fx(f, "silu.x.grad", N), y[N], *dx = filled(N, GRAD_FILL);
    al_silu_forward(y, x, N);
    al_silu_backward(dx, R, x, N);
    expect_close("silu y", y, want_y, N, 0, TOL_TORCH);
    expect_close("silu x.grad", dx, want_dx, N, 1, TOL_TORCH);
    g_fd.x = to_double(x, N), g_fd.R = to_double(R, N), g_fd.y = malloc(N * sizeof(double)), g_fd.ny = N;
    fd_check("silu dx", silu_loss, g_fd.x, dx, N, 1);
    free(g_fd.x), free(g_fd.R), free(g_fd.y);
    /* in place; the saturated ends: silu(-100) = -0 (no NaN), silu'(100) = 1 */
    float v[3] = {-100.0f, 0.0f, 100.0f}, v0[3] = {-100.0f, 0.0f, 100.0f}, dv[3] = {0};
    al_silu_forward(v, v, 3);
    CHECK(v[0] == 0.0f && v[1] == 0.0f && v[2] == 100.0f);
    const float ones[3] = {1, 1, 1};
    al_silu_backward(dv, ones, v0, 3);
    CHECK(dv[0] == 0.0f && dv[1] == 0.5f && dv[2] == 1.0f);
    free(x), free(R), free(want_y), free(want_dx), free(dx);
    al_st_close(f);
}

/* ---- GLU ---- */

static double glu_loss(void) {
    const int C = g_fd.C, inner = g_fd.inner;
    for (int o = 0; o < g_fd.outer; o++)
        for (int i = 0; i < C * inner; i++) {
            double a = g_fd.x[(size_t)o * 2 * C * inner + i], b = g_fd.x[((size_t)o * 2 + 1) * C * inner + i];
            g_fd.y[(size_t)o * C * inner + i] = a / (1.0 + exp(-b));
        }
    return dot(g_fd.y, g_fd.R, g_fd.ny);
}

static void test_glu(void) {
    al_st_file *f = open_fixture();
    enum { OUTER = 2, C = 4, INNER = 3, NX = OUTER * 2 * C * INNER, NY = OUTER * C * INNER };
    float *x = fx(f, "glu.x", NX), *R = fx(f, "glu.R", NY), *want_y = fx(f, "glu.y", NY);
    float *want_dx = fx(f, "glu.x.grad", NX), y[NY], *dx = filled(NX, GRAD_FILL);
    al_glu_forward(y, x, OUTER, C, INNER);
    al_glu_backward(dx, R, x, OUTER, C, INNER);
    expect_close("glu y", y, want_y, NY, 0, TOL_TORCH);
    expect_close("glu x.grad", dx, want_dx, NX, 1, TOL_TORCH);
    g_fd.x = to_double(x, NX), g_fd.R = to_double(R, NY), g_fd.y = malloc(NY * sizeof(double));
    g_fd.outer = OUTER, g_fd.C = C, g_fd.inner = INNER, g_fd.ny = NY;
    fd_check("glu dx", glu_loss, g_fd.x, dx, NX, 1);
    free(g_fd.x), free(g_fd.R), free(g_fd.y);
    free(x), free(R), free(want_y), free(want_dx), free(dx);
    al_st_close(f);
}

/* ---- depthwise Conv1d, channel-last ---- */

static void dw_ref(double *y, const double *x, const double *w, const double *b, int N, int T, int C, int k) {
    const int p = (k - 1) / 2;
    for (int n = 0; n < N; n++)
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++) {
                double s = b ? b[c] : 0.0;
                for (int j = 0; j < k; j++) {
                    int u = t + j - p;
                    if (u >= 0 && u < T) s += w[(size_t)c * k + j] * x[((size_t)n * T + u) * C + c];
                }
                y[((size_t)n * T + t) * C + c] = s;
            }
}

static double dw_loss(void) {
    dw_ref(g_fd.y, g_fd.x, g_fd.w, g_fd.b, g_fd.N, g_fd.T, g_fd.C, g_fd.k);
    return dot(g_fd.y, g_fd.R, g_fd.ny);
}

static void test_dwconv1d(void) {
    al_st_file *f = open_fixture();
    enum { N = 2, T = 9, C = 5, K = 7, NX = N * T * C, NW = C * K };
    float *x = fx(f, "dw.x", NX), *w = fx(f, "dw.weight", NW), *b = fx(f, "dw.bias", C), *R = fx(f, "dw.R", NX);
    float *want_y = fx(f, "dw.y", NX), *want_dx = fx(f, "dw.x.grad", NX), *want_dw = fx(f, "dw.weight.grad", NW),
          *want_db = fx(f, "dw.bias.grad", C);
    float y[NX], *dx = filled(NX, GRAD_FILL), *dw = filled(NW, GRAD_FILL), *db = filled(C, GRAD_FILL);
    CHECK_OK(al_dwconv1d_forward(y, x, w, b, N, T, C, K));
    CHECK_OK(al_dwconv1d_backward(dx, dw, db, R, x, w, N, T, C, K));
    expect_close("dwconv1d y", y, want_y, NX, 0, TOL_TORCH);
    expect_close("dwconv1d x.grad", dx, want_dx, NX, 1, TOL_TORCH);
    expect_close("dwconv1d weight.grad", dw, want_dw, NW, 1, TOL_TORCH);
    expect_close("dwconv1d bias.grad", db, want_db, C, 1, TOL_TORCH);
    g_fd.x = to_double(x, NX), g_fd.w = to_double(w, NW), g_fd.b = to_double(b, C), g_fd.R = to_double(R, NX);
    g_fd.y = malloc(NX * sizeof(double)), g_fd.N = N, g_fd.T = T, g_fd.C = C, g_fd.k = K, g_fd.ny = NX;
    fd_check("dwconv1d dx", dw_loss, g_fd.x, dx, NX, 1);
    fd_check("dwconv1d dw", dw_loss, g_fd.w, dw, NW, 1);
    fd_check("dwconv1d db", dw_loss, g_fd.b, db, C, 1);
    free(g_fd.x), free(g_fd.w), free(g_fd.b), free(g_fd.R), free(g_fd.y);
    /* NULL bias: y - b; errors */
    float y0[NX];
    CHECK_OK(al_dwconv1d_forward(y0, x, w, NULL, N, T, C, K));
    int ok = 1;
    for (int i = 0; i < NX; i++) ok &= fabsf(y0[i] + b[i % C] - y[i]) <= 1e-6f * (1 + fabsf(y[i]));
    CHECK_MSG(ok, "dwconv1d: NULL bias");
    CHECK(al_dwconv1d_forward(y0, x, w, b, N, T, C, 6) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "odd");
    CHECK(al_dwconv1d_backward(dx, dw, db, R, x, w, N, T, 0, K) == AL_ERR_INVALID);
    float *all[] = {x, w, b, R, want_y, want_dx, want_dw, want_db, dx, dw, db};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    al_st_close(f);
}

/* A kernel longer than the sequence (taps past both ends), against the double reference and finite
 * differences, with a channel count that is not a multiple of the reduction block. */
static void test_dwconv1d_long_kernel(void) {
    enum { N = 3, T = 5, C = 37, K = 11, NX = N * T * C, NW = C * K };
    al_rng rng;
    al_rng_seed(&rng, 5);
    float x[NX], w[NW], b[C], R[NX], y[NX], dx[NX] = {0}, dw[NW] = {0}, db[C] = {0};
    fill(x, NX, &rng, -2, 2), fill(w, NW, &rng, -1, 1), fill(b, C, &rng, -1, 1), fill(R, NX, &rng, -1, 1);
    CHECK_OK(al_dwconv1d_forward(y, x, w, b, N, T, C, K));
    CHECK_OK(al_dwconv1d_backward(dx, dw, db, R, x, w, N, T, C, K));
    g_fd.x = to_double(x, NX), g_fd.w = to_double(w, NW), g_fd.b = to_double(b, C), g_fd.R = to_double(R, NX);
    g_fd.y = malloc(NX * sizeof(double)), g_fd.N = N, g_fd.T = T, g_fd.C = C, g_fd.k = K, g_fd.ny = NX;
    dw_ref(g_fd.y, g_fd.x, g_fd.w, g_fd.b, N, T, C, K);
    float yr[NX];
    for (int i = 0; i < NX; i++) yr[i] = (float)g_fd.y[i];
    expect_close("dwconv1d k > T y", y, yr, NX, 0, 1e-6);
    fd_check("dwconv1d k > T dx", dw_loss, g_fd.x, dx, NX, 0);
    fd_check("dwconv1d k > T dw", dw_loss, g_fd.w, dw, NW, 0);
    fd_check("dwconv1d k > T db", dw_loss, g_fd.b, db, C, 0);
    free(g_fd.x), free(g_fd.w), free(g_fd.b), free(g_fd.R), free(g_fd.y);
}

/* ---- BatchNorm with masked statistics ---- */

/* y (outer, C, inner) in double; statistics over kept positions (training) or rm, rv (eval); 0 where not kept. */
static void bnm_ref(double *y, const double *x, const double *w, const double *b, const double *rm, const double *rv,
                    const uint8_t *keep, int training, int outer, int C, int inner) {
    double m = 0;
    for (size_t i = 0; i < (size_t)outer * inner; i++) m += keep[i] != 0;
    for (int c = 0; c < C; c++) {
        double mean = 0, var = 0;
        if (training) {
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    if (keep[(size_t)o * inner + i]) mean += x[((size_t)o * C + c) * inner + i];
            mean /= m;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                    if (keep[(size_t)o * inner + i]) {
                        double v = x[((size_t)o * C + c) * inner + i] - mean;
                        var += v * v;
                    }
            var /= m;
        } else {
            mean = rm[c];
            var = rv[c];
        }
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++) {
                size_t k = ((size_t)o * C + c) * inner + i;
                y[k] = keep[(size_t)o * inner + i] ? (x[k] - mean) / sqrt(var + 1e-5) * w[c] + b[c] : 0.0;
            }
    }
}

static double bnm_loss(void) {
    bnm_ref(g_fd.y, g_fd.x, g_fd.w, g_fd.b, g_fd.rm, g_fd.rv, g_fd.keep, g_fd.training, g_fd.outer, g_fd.C,
            g_fd.inner);
    return dot(g_fd.y, g_fd.R, g_fd.ny);
}

enum { BN_N = 2, BN_C = 4, BN_T = 6, BN_NX = BN_N * BN_C * BN_T };

/* (N, C, T) -> channel-last (N * T, C) rows */
static void to_rows(float *dst, const float *src) {
    for (int n = 0; n < BN_N; n++)
        for (int c = 0; c < BN_C; c++)
            for (int t = 0; t < BN_T; t++)
                dst[((size_t)n * BN_T + t) * BN_C + c] = src[((size_t)n * BN_C + c) * BN_T + t];
}

/* One layout of the fixture's masked BatchNorm1d(4): rows == 0: (N, C, T) as outer N, inner T;
 * rows == 1: channel-last (N * T, C) as outer N * T, inner 1. Training step, then eval, against PyTorch and
 * finite differences. */
static void bn_masked_layout(const al_st_file *f, int rows) {
    const char *lay = rows ? "rows" : "nct";
    const int outer = rows ? BN_N * BN_T : BN_N, inner = rows ? 1 : BN_T;
    const char *names[] = {"bn.x", "bn.R", "bn.y", "bn.x.grad", "bn.eval.y", "bn.eval.R", "bn.eval.x.grad"};
    float *t[7];
    for (int i = 0; i < 7; i++) {
        t[i] = fx(f, names[i], BN_NX);
        if (rows) {
            float tmp[BN_NX];
            to_rows(tmp, t[i]);
            memcpy(t[i], tmp, sizeof tmp);
        }
    }
    float *x = t[0], *R = t[1], *want_y = t[2], *want_dx = t[3], *want_ye = t[4], *Re = t[5], *want_dxe = t[6];
    float *keepf = fx(f, "bn.keep", BN_N * BN_T), *w = fx(f, "bn.weight", BN_C), *b = fx(f, "bn.bias", BN_C);
    float *rm = fx(f, "bn.running_mean.before", BN_C), *rv = fx(f, "bn.running_var.before", BN_C);
    float *want_rm = fx(f, "bn.running_mean", BN_C), *want_rv = fx(f, "bn.running_var", BN_C);
    float *want_dw = fx(f, "bn.weight.grad", BN_C), *want_db = fx(f, "bn.bias.grad", BN_C);
    float *want_dwe = fx(f, "bn.eval.weight.grad", BN_C), *want_dbe = fx(f, "bn.eval.bias.grad", BN_C);
    uint8_t keep[BN_N * BN_T]; /* (N, T): the same index o * inner + i in both layouts */
    for (int i = 0; i < BN_N * BN_T; i++) keep[i] = keepf[i] != 0.0f;
    char what[64];
    for (int training = 1; training >= 0; training--) {
        const char *mode = training ? "train" : "eval";
        float y[BN_NX], rm0[BN_C], rv0[BN_C];
        memcpy(rm0, rm, sizeof rm0), memcpy(rv0, rv, sizeof rv0);
        float *dx = filled(BN_NX, GRAD_FILL), *dw = filled(BN_C, GRAD_FILL), *db = filled(BN_C, GRAD_FILL);
        al_batchnorm bn;
        CHECK_OK(al_batchnorm_init(&bn, BN_C));
        /* eval uses the running statistics the training step left in rm, rv */
        CHECK_OK(al_batchnorm_forward_masked(&bn, y, rm, rv, x, w, b, training, outer, inner, keep));
        const float *gy = training ? R : Re;
        CHECK_OK(al_batchnorm_backward_masked(&bn, dx, dw, db, gy, x, w, outer, inner, keep));
        al_batchnorm_free(&bn);
#define CLOSE(name, got, want, n, filled_)                                                                   \
    snprintf(what, sizeof what, "bn %s %s %s", lay, mode, name), expect_close(what, got, want, n, filled_, TOL_TORCH)
        CLOSE("y", y, training ? want_y : want_ye, BN_NX, 0);
        CLOSE("x.grad", dx, training ? want_dx : want_dxe, BN_NX, 1);
        CLOSE("weight.grad", dw, training ? want_dw : want_dwe, BN_C, 1);
        CLOSE("bias.grad", db, training ? want_db : want_dbe, BN_C, 1);
        if (training) {
            CLOSE("running_mean", rm, want_rm, BN_C, 0);
            CLOSE("running_var", rv, want_rv, BN_C, 0);
        } else {
            CHECK(memcmp(rm, rm0, sizeof rm0) == 0 && memcmp(rv, rv0, sizeof rv0) == 0); /* eval: unchanged */
        }
#undef CLOSE
        int pad_ok = 1;
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < BN_C; c++)
                for (int i = 0; i < inner; i++) {
                    size_t k = ((size_t)o * BN_C + c) * inner + i;
                    if (!keep[(size_t)o * inner + i]) pad_ok &= y[k] == 0.0f && dx[k] == GRAD_FILL;
                }
        CHECK_MSG(pad_ok, "bn %s %s: padded positions not 0 or given a gradient", lay, mode);
        /* finite differences of the double reference, with the statistics the forward used */
        g_fd.x = to_double(x, BN_NX), g_fd.w = to_double(w, BN_C), g_fd.b = to_double(b, BN_C);
        g_fd.R = to_double(gy, BN_NX), g_fd.rm = to_double(rm, BN_C), g_fd.rv = to_double(rv, BN_C);
        g_fd.y = malloc(BN_NX * sizeof(double)), g_fd.keep = keep, g_fd.training = training;
        g_fd.outer = outer, g_fd.C = BN_C, g_fd.inner = inner, g_fd.ny = BN_NX;
        snprintf(what, sizeof what, "bn %s %s dx", lay, mode), fd_check(what, bnm_loss, g_fd.x, dx, BN_NX, 1);
        snprintf(what, sizeof what, "bn %s %s dw", lay, mode), fd_check(what, bnm_loss, g_fd.w, dw, BN_C, 1);
        snprintf(what, sizeof what, "bn %s %s db", lay, mode), fd_check(what, bnm_loss, g_fd.b, db, BN_C, 1);
        free(g_fd.x), free(g_fd.w), free(g_fd.b), free(g_fd.R), free(g_fd.rm), free(g_fd.rv), free(g_fd.y);
        free(dx), free(dw), free(db);
    }
    for (int i = 0; i < 7; i++) free(t[i]);
    float *all[] = {keepf, w, b, rm, rv, want_rm, want_rv, want_dw, want_db, want_dwe, want_dbe};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

static void test_batchnorm_masked(void) {
    al_st_file *f = open_fixture();
    bn_masked_layout(f, 0);
    bn_masked_layout(f, 1);
    al_st_close(f);
}

/* keep == NULL is the unmasked BatchNorm bit for bit (and so is a keep of all ones), in both modes and layouts. */
static void test_batchnorm_keep_null_is_unmasked(void) {
    enum { OUTER = 9, C = 70, INNER = 5, NMAX = OUTER * C * INNER };
    static float x[NMAX], dy[NMAX], w[C], b[C], y[3][NMAX], dx[3][NMAX], rm[3][C], rv[3][C], dw[3][C], db[3][C];
    static uint8_t ones[OUTER * INNER];
    memset(ones, 1, sizeof ones);
    al_rng rng;
    al_rng_seed(&rng, 11);
    fill(x, NMAX, &rng, -2, 3), fill(dy, NMAX, &rng, -1, 1), fill(w, C, &rng, 0.5, 1.5), fill(b, C, &rng, -1, 1);
    const int layouts[2][2] = {{OUTER, INNER}, {OUTER * INNER, 1}};
    for (int l = 0; l < 2; l++)
        for (int training = 1; training >= 0; training--) {
            const int outer = layouts[l][0], inner = layouts[l][1];
            for (int v = 0; v < 3; v++) { /* 0: unmasked, 1: keep NULL, 2: keep all ones */
                al_batchnorm bn;
                CHECK_OK(al_batchnorm_init(&bn, C));
                for (int c = 0; c < C; c++) rm[v][c] = 0.1f * c, rv[v][c] = 1.0f + 0.01f * c;
                for (int i = 0; i < C; i++) dw[v][i] = db[v][i] = 0.25f;
                for (int i = 0; i < NMAX; i++) dx[v][i] = 0.25f;
                if (v == 0) {
                    CHECK_OK(al_batchnorm_forward(&bn, y[v], rm[v], rv[v], x, w, b, training, outer, inner));
                    CHECK_OK(al_batchnorm_backward(&bn, dx[v], dw[v], db[v], dy, x, w, outer, inner));
                } else {
                    const uint8_t *keep = v == 1 ? NULL : ones;
                    CHECK_OK(al_batchnorm_forward_masked(&bn, y[v], rm[v], rv[v], x, w, b, training, outer, inner,
                                                         keep));
                    CHECK_OK(al_batchnorm_backward_masked(&bn, dx[v], dw[v], db[v], dy, x, w, outer, inner, keep));
                }
                al_batchnorm_free(&bn);
            }
            for (int v = 1; v < 3; v++) {
                int same = !memcmp(y[0], y[v], sizeof y[0]) && !memcmp(dx[0], dx[v], sizeof dx[0]) &&
                           !memcmp(rm[0], rm[v], sizeof rm[0]) && !memcmp(rv[0], rv[v], sizeof rv[0]) &&
                           !memcmp(dw[0], dw[v], sizeof dw[0]) && !memcmp(db[0], db[v], sizeof db[0]);
                CHECK_MSG(same, "layout %d training %d: keep %s differs from the unmasked BatchNorm", l, training,
                          v == 1 ? "NULL" : "all ones");
            }
        }
}

static void test_batchnorm_masked_errors(void) {
    al_batchnorm bn;
    CHECK_OK(al_batchnorm_init(&bn, 2));
    float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[8], rm[2] = {0}, rv[2] = {1, 1};
    const uint8_t one[4] = {0, 1, 0, 0}, none[4] = {0};
    CHECK(al_batchnorm_forward_masked(&bn, y, rm, rv, x, NULL, NULL, 1, 1, 4, one) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "kept");
    CHECK(al_batchnorm_forward_masked(&bn, y, NULL, NULL, x, NULL, NULL, 0, 1, 4, one) == AL_ERR_INVALID);
    /* eval with nothing kept: all zeros, no gradient */
    float dx[8] = {0}, dw[2] = {0}, db[2] = {0}, dy[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_OK(al_batchnorm_forward_masked(&bn, y, rm, rv, x, NULL, NULL, 0, 1, 4, none));
    CHECK_OK(al_batchnorm_backward_masked(&bn, dx, dw, db, dy, x, NULL, 1, 4, none));
    int zero = 1;
    for (int i = 0; i < 8; i++) zero &= y[i] == 0.0f && dx[i] == 0.0f;
    CHECK(zero && dw[0] == 0.0f && db[1] == 0.0f);
    al_batchnorm_free(&bn);
}

/* ---- the same bits on 1 and 3 threads ---- */

static void test_same_result_on_1_and_3_threads(void) {
    int threads0 = al_threads();
    enum { N = 3, T = 41, C = 150, K = 15, NX = N * T * C, NW = C * K };
    static float x[NX], dy[NX], w[NW], b[C], y[2][NX], dx[2][NX], dw[2][NW], db[2][C], rm[2][C], rv[2][C];
    static float ly[2][NX], ldx[2][NX], ldw[2][C], ldb[2][C], by[2][NX], bdx[2][NX], bdw[2][C], bdb[2][C];
    static uint8_t keep[N * T];
    al_rng rng;
    al_rng_seed(&rng, 3);
    fill(x, NX, &rng, -2, 2), fill(dy, NX, &rng, -1, 1), fill(w, NW, &rng, -1, 1), fill(b, C, &rng, -1, 1);
    for (int i = 0; i < N * T; i++) keep[i] = (i % T) < T - 7 * (i / T);
    for (int run = 0; run < 2; run++) {
        al_set_threads(run ? 3 : 1);
        CHECK_OK(al_dwconv1d_forward(y[run], x, w, b, N, T, C, K));
        CHECK_OK(al_dwconv1d_backward(dx[run], dw[run], db[run], dy, x, w, N, T, C, K));
        al_layernorm ln;
        CHECK_OK(al_layernorm_init(&ln, C, N * T, 1e-5f));
        CHECK_OK(al_layernorm_forward(&ln, ly[run], x, b, b, N * T));
        CHECK_OK(al_layernorm_backward(&ln, ldx[run], ldw[run], ldb[run], dy, x, b, N * T));
        al_layernorm_free(&ln);
        al_batchnorm bn;
        CHECK_OK(al_batchnorm_init(&bn, C));
        CHECK_OK(al_batchnorm_forward_masked(&bn, by[run], rm[run], rv[run], x, b, b, 1, N * T, 1, keep));
        CHECK_OK(al_batchnorm_backward_masked(&bn, bdx[run], bdw[run], bdb[run], dy, x, b, N * T, 1, keep));
        al_batchnorm_free(&bn);
    }
    al_set_threads(threads0);
    CHECK(!memcmp(y[0], y[1], sizeof y[0]) && !memcmp(dx[0], dx[1], sizeof dx[0]));
    CHECK(!memcmp(dw[0], dw[1], sizeof dw[0]) && !memcmp(db[0], db[1], sizeof db[0]));
    CHECK(!memcmp(ly[0], ly[1], sizeof ly[0]) && !memcmp(ldx[0], ldx[1], sizeof ldx[0]));
    CHECK(!memcmp(ldw[0], ldw[1], sizeof ldw[0]) && !memcmp(ldb[0], ldb[1], sizeof ldb[0]));
    CHECK(!memcmp(by[0], by[1], sizeof by[0]) && !memcmp(bdx[0], bdx[1], sizeof bdx[0]));
    CHECK(!memcmp(bdw[0], bdw[1], sizeof bdw[0]) && !memcmp(bdb[0], bdb[1], sizeof bdb[0]));
    CHECK(!memcmp(rm[0], rm[1], sizeof rm[0]) && !memcmp(rv[0], rv[1], sizeof rv[0]));
}

AL_TEST_MAIN(test_layernorm, test_silu, test_glu, test_dwconv1d, test_dwconv1d_long_kernel, test_batchnorm_masked,
             test_batchnorm_keep_null_is_unmasked, test_batchnorm_masked_errors, test_same_result_on_1_and_3_threads)
