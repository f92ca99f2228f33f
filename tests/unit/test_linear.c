/* Linear: forward and backward against plain double loops, gradients against central finite
 * differences of the double forward (with and without bias), accumulation, NULL gradients,
 * determinism and errors. */
#include "al_test.h"
#include "audiolottery/core.h"
#include "nn/linear.h"

/* y (rows, out) = x (rows, in) w (out, in)^T + b (out or NULL), in double */
static void linear_ref(double *y, const double *x, const double *w, const double *b, int rows, int in, int out) {
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) {
            double s = b ? b[o] : 0.0;
            for (int i = 0; i < in; i++) s += x[(size_t)r * in + i] * w[(size_t)o * in + i];
            y[(size_t)r * out + o] = s;
        }
}

static void fill(float *f, double *d, size_t n, al_rng *rng) {
    for (size_t i = 0; i < n; i++) {
        f[i] = (float)al_rng_range(rng, -1, 1);
        if (d) d[i] = f[i];
    }
}

/* Analytic gradients (accumulated onto pre-filled buffers) against central differences of
 * loss = sum(linear_ref(x) * R); the forward against linear_ref. */
static void gradcheck(int rows, int in, int out, int with_bias) {
    size_t nx = (size_t)rows * in, nw = (size_t)out * in, ny = (size_t)rows * out;
    al_rng rng;
    al_rng_seed(&rng, rows * 100 + in * 10 + out);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(out * 4), *y = malloc(ny * 4), *R = malloc(ny * 4);
    float *dx = malloc(nx * 4), *dw = malloc(nw * 4), *db = malloc(out * 4);
    float *dx0 = malloc(nx * 4), *dw0 = malloc(nw * 4), *db0 = malloc(out * 4);
    double *xd = malloc(nx * 8), *wd = malloc(nw * 8), *bd = malloc(out * 8), *yd = malloc(ny * 8), *Rd = malloc(ny * 8);
    fill(x, xd, nx, &rng), fill(w, wd, nw, &rng), fill(b, bd, out, &rng), fill(R, Rd, ny, &rng);
    fill(dx0, NULL, nx, &rng), fill(dw0, NULL, nw, &rng), fill(db0, NULL, out, &rng);
    memcpy(dx, dx0, nx * 4), memcpy(dw, dw0, nw * 4), memcpy(db, db0, out * 4);
    CHECK_OK(al_linear_forward(y, x, w, with_bias ? b : NULL, rows, in, out));
    CHECK_OK(al_linear_backward(dx, dw, with_bias ? db : NULL, R, x, w, rows, in, out));
    linear_ref(yd, xd, wd, with_bias ? bd : NULL, rows, in, out);
    int bad = 0;
    for (size_t i = 0; i < ny; i++) bad += !(fabs(y[i] - yd[i]) <= 1e-5 * (1 + fabs(yd[i])));
    CHECK_MSG(bad == 0, "%d outputs differ (rows %d in %d out %d)", bad, rows, in, out);
    if (!with_bias) CHECK(memcmp(db, db0, out * 4) == 0);
    struct { double *v; const float *grad, *pre; size_t count; const char *name; } ps[] = {
        {xd, dx, dx0, nx, "x"}, {wd, dw, dw0, nw, "w"}, {bd, db, db0, with_bias ? out : 0, "b"}};
    const double h = 1e-3;
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < ps[p].count; i++) {
            double keep = ps[p].v[i], lp = 0, lm = 0;
            ps[p].v[i] = keep + h;
            linear_ref(yd, xd, wd, with_bias ? bd : NULL, rows, in, out);
            for (size_t j = 0; j < ny; j++) lp += yd[j] * Rd[j];
            ps[p].v[i] = keep - h;
            linear_ref(yd, xd, wd, with_bias ? bd : NULL, rows, in, out);
            for (size_t j = 0; j < ny; j++) lm += yd[j] * Rd[j];
            ps[p].v[i] = keep;
            double fd = (lp - lm) / (2 * h), an = (double)ps[p].grad[i] - ps[p].pre[i];
            CHECK_MSG(fabs(an - fd) <= 1e-4 || fabs(an - fd) <= 1e-3 * fabs(fd), "d%s[%zu]: analytic %.8g fd %.8g",
                      ps[p].name, i, an, fd);
        }
    free(x), free(w), free(b), free(y), free(R), free(dx), free(dw), free(db), free(dx0), free(dw0), free(db0);
    free(xd), free(wd), free(bd), free(yd), free(Rd);
}

static void test_gradients_without_bias(void) {
    gradcheck(7, 5, 3, 0);
    gradcheck(12, 17, 29, 0); /* DS2 output: 29 characters */
}

static void test_gradients_with_bias(void) {
    gradcheck(1, 1, 1, 1);
    gradcheck(9, 13, 6, 1);
}

/* A large product (OpenBLAS threads it) gives bit-identical results on repeated runs, and only
 * the requested gradients are written. */
static void test_deterministic_and_null_gradients(void) {
    enum { ROWS = 301, IN = 257, OUT = 129 };
    float *x = malloc(ROWS * IN * 4), *w = malloc(OUT * IN * 4), *dy = malloc(ROWS * OUT * 4);
    float *dw[2] = {calloc(OUT * IN, 4), calloc(OUT * IN, 4)}, *dx = calloc(ROWS * IN, 4);
    al_rng rng;
    al_rng_seed(&rng, 4);
    fill(x, NULL, ROWS * IN, &rng), fill(w, NULL, OUT * IN, &rng), fill(dy, NULL, ROWS * OUT, &rng);
    for (int run = 0; run < 2; run++) CHECK_OK(al_linear_backward(NULL, dw[run], NULL, dy, x, w, ROWS, IN, OUT));
    CHECK(memcmp(dw[0], dw[1], OUT * IN * 4) == 0);
    CHECK_OK(al_linear_backward(dx, NULL, NULL, dy, x, w, ROWS, IN, OUT));
    CHECK(memcmp(dw[0], dw[1], OUT * IN * 4) == 0);
    double s = 0; /* dx[0][0] = sum_o dy[0][o] w[o][0] */
    for (int o = 0; o < OUT; o++) s += (double)dy[o] * w[(size_t)o * IN];
    CHECK_NEAR(dx[0], s, 1e-4);
    free(x), free(w), free(dy), free(dw[0]), free(dw[1]), free(dx);
}

static void test_bad_sizes_are_errors(void) {
    float v[4] = {0};
    CHECK(al_linear_forward(v, v, v, NULL, 1, 0, 1) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "linear");
    CHECK(al_linear_backward(v, v, v, v, v, v, -1, 1, 1) == AL_ERR_INVALID);
    CHECK_OK(al_linear_forward(v, v, v, NULL, 0, 2, 2)); /* no rows: nothing to do */
}

AL_TEST_MAIN(test_gradients_without_bias, test_gradients_with_bias, test_deterministic_and_null_gradients,
             test_bad_sizes_are_errors)
