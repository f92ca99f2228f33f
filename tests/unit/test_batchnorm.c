/* BatchNorm (2d and sequence-wise 1d layouts): gradients against central finite differences of a
 * double-precision reference, running statistics against hand-computed values, train vs eval,
 * thread-count independence, errors, and (when the fixture exists) parity with PyTorch for
 * sequence-wise BatchNorm1d + Linear(bias=False). */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/io.h"
#include "nn/batchnorm.h"
#include "nn/linear.h"

/* y (outer, C, inner) in double: training uses the batch mean and biased variance, eval rm/rv. */
static void bn_ref(double *y, const double *x, const double *w, const double *b, const double *rm, const double *rv,
                   int training, int outer, int C, int inner) {
    double m = (double)outer * inner;
    for (int c = 0; c < C; c++) {
        double mean = 0, var = 0;
        if (training) {
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++) mean += x[((size_t)o * C + c) * inner + i];
            mean /= m;
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++) {
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
                y[k] = (x[k] - mean) / sqrt(var + 1e-5) * w[c] + b[c];
            }
    }
}

static void fill(float *f, double *d, size_t n, al_rng *rng, double lo, double hi) {
    for (size_t i = 0; i < n; i++) {
        f[i] = (float)al_rng_range(rng, lo, hi);
        if (d) d[i] = f[i];
    }
}

/* Every gradient element (x, weight, bias) of the backward against central differences of
 * loss = sum(bn_ref(x) * R), in the given mode and layout. */
static void gradcheck(int training, int outer, int C, int inner) {
    size_t n = (size_t)outer * C * inner;
    al_rng rng;
    al_rng_seed(&rng, 7 + training + inner);
    float *x = malloc(n * 4), *y = malloc(n * 4), *R = malloc(n * 4), *dx = calloc(n, 4);
    float *w = malloc(C * 4), *b = malloc(C * 4), *rm = malloc(C * 4), *rv = malloc(C * 4), *dw = calloc(C, 4),
          *db = calloc(C, 4);
    double *xd = malloc(n * 8), *yd = malloc(n * 8), *Rd = malloc(n * 8), *wd = malloc(C * 8), *bd = malloc(C * 8),
           *rmd = malloc(C * 8), *rvd = malloc(C * 8);
    fill(x, xd, n, &rng, -2, 3), fill(R, Rd, n, &rng, -1, 1), fill(w, wd, C, &rng, 0.5, 1.5);
    fill(b, bd, C, &rng, -1, 1), fill(rm, rmd, C, &rng, -0.5, 0.5), fill(rv, rvd, C, &rng, 0.5, 2);
    al_batchnorm bn;
    CHECK_OK(al_batchnorm_init(&bn, C));
    CHECK_OK(al_batchnorm_forward(&bn, y, training ? NULL : rm, training ? NULL : rv, x, w, b, training, outer, inner));
    CHECK_OK(al_batchnorm_backward(&bn, dx, dw, db, R, x, w, outer, inner));
    al_batchnorm_free(&bn);
    bn_ref(yd, xd, wd, bd, rmd, rvd, training, outer, C, inner);
    int bad_y = 0;
    for (size_t i = 0; i < n; i++) bad_y += fabs(y[i] - yd[i]) > 1e-5 * (1 + fabs(yd[i]));
    CHECK_MSG(bad_y == 0, "%d outputs differ from the reference (training %d inner %d)", bad_y, training, inner);
    struct { double *v; const float *grad; size_t count; const char *name; } ps[] = {
        {xd, dx, n, "x"}, {wd, dw, C, "weight"}, {bd, db, C, "bias"}};
    const double h = 1e-4;
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < ps[p].count; i++) {
            double keep = ps[p].v[i], lp = 0, lm = 0;
            ps[p].v[i] = keep + h;
            bn_ref(yd, xd, wd, bd, rmd, rvd, training, outer, C, inner);
            for (size_t j = 0; j < n; j++) lp += yd[j] * Rd[j];
            ps[p].v[i] = keep - h;
            bn_ref(yd, xd, wd, bd, rmd, rvd, training, outer, C, inner);
            for (size_t j = 0; j < n; j++) lm += yd[j] * Rd[j];
            ps[p].v[i] = keep;
            double fd = (lp - lm) / (2 * h), an = ps[p].grad[i];
            CHECK_MSG(fabs(an - fd) <= 1e-4 || fabs(an - fd) <= 1e-3 * fabs(fd),
                      "training %d inner %d d%s[%zu]: analytic %.8g fd %.8g", training, inner, ps[p].name, i, an, fd);
        }
    free(x), free(y), free(R), free(dx), free(w), free(b), free(rm), free(rv), free(dw), free(db);
    free(xd), free(yd), free(Rd), free(wd), free(bd), free(rmd), free(rvd);
}

static void test_gradients_2d_training(void) { gradcheck(1, 2, 3, 12); }
static void test_gradients_1d_training(void) { gradcheck(1, 7, 5, 1); }
static void test_gradients_eval(void) {
    gradcheck(0, 2, 3, 12);
    gradcheck(0, 7, 5, 1);
}

/* One channel, x = 1 2 3 4: mean 2.5, biased variance 1.25, unbiased 5/3. */
static void test_running_stats_by_hand(void) {
    al_batchnorm bn;
    CHECK_OK(al_batchnorm_init(&bn, 1));
    float x[4] = {1, 2, 3, 4}, y[4], rm = 0.0f, rv = 1.0f, w = 2.0f, b = 0.5f;
    CHECK_OK(al_batchnorm_forward(&bn, y, &rm, &rv, x, &w, &b, 1, 1, 4));
    CHECK_NEAR(rm, 0.25, 1e-7);
    CHECK_NEAR(rv, 0.9 + 0.1 * 5.0 / 3.0, 1e-7);
    for (int i = 0; i < 4; i++) CHECK_NEAR(y[i], (x[i] - 2.5) / sqrt(1.25 + 1e-5) * 2.0 + 0.5, 1e-6);
    /* a second step moves the running values on from the first */
    CHECK_OK(al_batchnorm_forward(&bn, y, &rm, &rv, x, &w, &b, 1, 1, 4));
    CHECK_NEAR(rm, 0.9 * 0.25 + 0.25, 1e-7);
    CHECK_NEAR(rv, 0.9 * (0.9 + 0.1 * 5.0 / 3.0) + 0.1 * 5.0 / 3.0, 1e-6);
    /* eval: running statistics, which stay unchanged */
    float rm0 = rm, rv0 = rv;
    CHECK_OK(al_batchnorm_forward(&bn, y, &rm, &rv, x, &w, &b, 0, 1, 4));
    CHECK(rm == rm0 && rv == rv0);
    for (int i = 0; i < 4; i++) CHECK_NEAR(y[i], (x[i] - rm0) / sqrt(rv0 + 1e-5) * 2.0 + 0.5, 1e-6);
    /* NULL weight and bias mean 1 and 0; y may be x */
    CHECK_OK(al_batchnorm_forward(&bn, x, NULL, NULL, x, NULL, NULL, 1, 1, 4));
    for (int i = 0; i < 4; i++) CHECK_NEAR(x[i], (i + 1 - 2.5) / sqrt(1.25 + 1e-5), 1e-6);
    al_batchnorm_free(&bn);
}

/* Zero-padded positions count in the statistics (deepspeech.pytorch): the mean of {2, 4, 0, 0}
 * is 1.5, not 3. */
static void test_padding_counts_in_statistics(void) {
    al_batchnorm bn;
    CHECK_OK(al_batchnorm_init(&bn, 1));
    float x[4] = {2, 4, 0, 0}, y[4], rm = 0, rv = 1;
    CHECK_OK(al_batchnorm_forward(&bn, y, &rm, &rv, x, NULL, NULL, 1, 4, 1));
    CHECK_NEAR(rm, 0.15, 1e-7);
    CHECK_NEAR(y[2], -1.5 / sqrt(2.75 + 1e-5), 1e-6);
    al_batchnorm_free(&bn);
}

static void test_same_result_on_1_and_2_threads(void) {
    int threads0 = al_threads();
    enum { OUTER = 37, C = 130, N = OUTER * C };
    static float x[N], dy[N], y[2][N], dx[2][N], w[C], b[C], rm[2][C], rv[2][C], dw[2][C], db[2][C];
    al_rng rng;
    al_rng_seed(&rng, 21);
    fill(x, NULL, N, &rng, -3, 3), fill(dy, NULL, N, &rng, -1, 1), fill(w, NULL, C, &rng, 0.5, 1.5),
        fill(b, NULL, C, &rng, -1, 1);
    for (int run = 0; run < 2; run++) {
        al_set_threads(run + 1);
        al_batchnorm bn;
        CHECK_OK(al_batchnorm_init(&bn, C));
        CHECK_OK(al_batchnorm_forward(&bn, y[run], rm[run], rv[run], x, w, b, 1, OUTER, 1));
        CHECK_OK(al_batchnorm_backward(&bn, dx[run], dw[run], db[run], dy, x, w, OUTER, 1));
        al_batchnorm_free(&bn);
    }
    CHECK(memcmp(y[0], y[1], sizeof y[0]) == 0 && memcmp(dx[0], dx[1], sizeof dx[0]) == 0);
    CHECK(memcmp(rm[0], rm[1], sizeof rm[0]) == 0 && memcmp(rv[0], rv[1], sizeof rv[0]) == 0);
    CHECK(memcmp(dw[0], dw[1], sizeof dw[0]) == 0 && memcmp(db[0], db[1], sizeof db[0]) == 0);
    al_set_threads(threads0);
}

static void test_bad_use_is_an_error(void) {
    al_batchnorm bn;
    CHECK(al_batchnorm_init(&bn, 0) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "batchnorm");
    CHECK_OK(al_batchnorm_init(&bn, 2));
    float x[2] = {1, 2}, y[2];
    CHECK(al_batchnorm_forward(&bn, y, NULL, NULL, x, NULL, NULL, 1, 1, 1) == AL_ERR_INVALID); /* one value */
    CHECK_STR_CONTAINS(al_last_error(), "more than 1 value");
    CHECK(al_batchnorm_forward(&bn, y, NULL, NULL, x, NULL, NULL, 0, 1, 1) == AL_ERR_INVALID); /* eval, no stats */
    CHECK(al_batchnorm_forward(&bn, y, NULL, NULL, x, NULL, NULL, 1, 0, 1) == AL_ERR_INVALID);
    al_batchnorm_free(&bn);
}

/* ---- PyTorch parity: sequence-wise BatchNorm1d(5) + Linear(5, 4, bias=False) on (6, 2, 5) ---- */

static float *fixture(const al_st_file *f, const char *name, size_t count) {
    const al_st_tensor *t = al_st_find(f, name);
    CHECK_MSG(t && t->dtype == AL_DT_F32 && (size_t)t->numel == count, "fixture tensor %s", name);
    if (!t || t->dtype != AL_DT_F32 || (size_t)t->numel != count) return calloc(count, 4);
    float *v = malloc(count * 4);
    memcpy(v, t->data, count * 4);
    return v;
}

static void check_close(const float *a, const float *b, size_t n, double atol, double rtol, const char *what) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) bad += !(fabs(a[i] - b[i]) <= atol + rtol * fabs(b[i]));
    CHECK_MSG(bad == 0, "%s: %d of %zu values differ", what, bad, n);
}

static void test_sequence_bn_linear_match_pytorch(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/layers/layers.safetensors", al_test_data());
    al_st_file *f;
    CHECK_OK(al_st_open(path, &f));
    if (!f) return;
    enum { T = 6, N = 2, F = 5, O = 4, ROWS = T * N };
    float *x = fixture(f, "seq.x", ROWS * F), *w = fixture(f, "seq.bn.weight", F), *b = fixture(f, "seq.bn.bias", F);
    float *rm = fixture(f, "seq.bn.running_mean.before", F), *rv = fixture(f, "seq.bn.running_var.before", F);
    float *fw = fixture(f, "seq.fc.weight", O * F), *R = fixture(f, "seq.R", ROWS * O);
    float *want_y = fixture(f, "seq.y", ROWS * O), *want_rm = fixture(f, "seq.bn.running_mean", F);
    float *want_rv = fixture(f, "seq.bn.running_var", F), *want_dx = fixture(f, "seq.x.grad", ROWS * F);
    float *want_dw = fixture(f, "seq.bn.weight.grad", F), *want_db = fixture(f, "seq.bn.bias.grad", F);
    float *want_dfw = fixture(f, "seq.fc.weight.grad", O * F), *want_eval = fixture(f, "seq.y_eval", ROWS * O);
    float h[ROWS * F], y[ROWS * O], dh[ROWS * F] = {0}, dx[ROWS * F] = {0}, dw[F] = {0}, db[F] = {0}, dfw[O * F] = {0};
    al_batchnorm bn;
    CHECK_OK(al_batchnorm_init(&bn, F));
    CHECK_OK(al_batchnorm_forward(&bn, h, rm, rv, x, w, b, 1, ROWS, 1)); /* (T, N, F) as (T * N, F) */
    CHECK_OK(al_linear_forward(y, h, fw, NULL, ROWS, F, O));
    check_close(y, want_y, ROWS * O, 1e-5, 1e-4, "y");
    check_close(rm, want_rm, F, 1e-6, 1e-5, "running_mean");
    check_close(rv, want_rv, F, 1e-6, 1e-5, "running_var");
    CHECK_OK(al_linear_backward(dh, dfw, NULL, R, h, fw, ROWS, F, O));
    CHECK_OK(al_batchnorm_backward(&bn, dx, dw, db, dh, x, w, ROWS, 1));
    check_close(dx, want_dx, ROWS * F, 1e-5, 1e-3, "x.grad");
    check_close(dw, want_dw, F, 1e-5, 1e-3, "bn.weight.grad");
    check_close(db, want_db, F, 1e-5, 1e-3, "bn.bias.grad");
    check_close(dfw, want_dfw, O * F, 1e-5, 1e-3, "fc.weight.grad");
    CHECK_OK(al_batchnorm_forward(&bn, h, rm, rv, x, w, b, 0, ROWS, 1));
    CHECK_OK(al_linear_forward(y, h, fw, NULL, ROWS, F, O));
    check_close(y, want_eval, ROWS * O, 1e-5, 1e-4, "y_eval");
    al_batchnorm_free(&bn);
    float *all[] = {x, w, b, rm, rv, fw, R, want_y, want_rm, want_rv, want_dx, want_dw, want_db, want_dfw, want_eval};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    al_st_close(f);
}

AL_TEST_MAIN(test_gradients_2d_training, test_gradients_1d_training, test_gradients_eval, test_running_stats_by_hand,
             test_padding_counts_in_statistics, test_same_result_on_1_and_2_threads, test_bad_use_is_an_error,
             test_sequence_bn_linear_match_pytorch)
