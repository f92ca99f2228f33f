/* Vectorised LSTM cell and its activations against double precision: relative error over the
 * whole float range that matters, odd lengths (the padded tail), extremes. */
#include "al_test.h"
#include "audiolottery/core.h"
#include "nn/lstm_cell.h"

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* Largest relative error of f over n points spread over [-lo, lo], densely near 0. */
static double max_rel_error(void (*f)(float *, int), double (*ref)(double), double lo, int n) {
    float *v = malloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) {
        double u = -1.0 + 2.0 * i / (n - 1);
        v[i] = (float)(lo * u * u * u); /* cubed: many points near 0, where tanh's branches meet */
    }
    float *in = malloc(sizeof(float) * n);
    memcpy(in, v, sizeof(float) * n);
    f(v, n);
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        double want = ref(in[i]), err = fabs(v[i] - want) / (fabs(want) + 1e-37);
        if (err > worst) worst = err;
    }
    free(v);
    free(in);
    return worst;
}

static void test_activation_accuracy(void) {
    static const int ns[] = {1, 15, 17, 100001};
    for (int i = 0; i < 4; i++) {
        double es = max_rel_error(al_sigmoid_approx, sigmoid, 87.0, ns[i]);
        double et = max_rel_error(al_tanh_approx, tanh, 20.0, ns[i]);
        CHECK_MSG(es < 1e-6, "sigmoid: relative error %.3g (n %d)", es, ns[i]);
        CHECK_MSG(et < 1e-6, "tanh: relative error %.3g (n %d)", et, ns[i]);
    }
}

static void test_activation_extremes(void) {
    float v[6] = {-1e30f, -200.0f, 0.0f, 200.0f, 1e30f, -0.0f}, w[6];
    memcpy(w, v, sizeof v);
    al_sigmoid_approx(v, 6);
    al_tanh_approx(w, 6);
    CHECK(v[0] >= 0.0f && v[0] < 1e-37f && v[1] >= 0.0f && v[1] < 1e-37f);
    CHECK(v[2] == 0.5f && v[3] == 1.0f && v[4] == 1.0f);
    CHECK(w[0] == -1.0f && w[1] == -1.0f && w[2] == 0.0f && w[3] == 1.0f && w[4] == 1.0f && w[5] == 0.0f);
}

/* The cell on odd H against double: gates (bias added), c and h. */
static void test_cell_matches_reference(void) {
    static const int hs[] = {1, 5, 16, 37, 256};
    al_rng r;
    al_rng_seed(&r, 3);
    for (int hi = 0; hi < 5; hi++) {
        const int H = hs[hi];
        float *g = malloc(sizeof(float) * 4 * H), *g0 = malloc(sizeof(float) * 4 * H), *b = malloc(sizeof(float) * 4 * H);
        float *cp = malloc(sizeof(float) * H), *c = malloc(sizeof(float) * H), *h = malloc(sizeof(float) * H);
        for (int k = 0; k < 4 * H; k++) {
            g[k] = (float)(4.0 * al_rng_normal(&r));
            b[k] = (float)al_rng_normal(&r);
            g0[k] = g[k] + b[k]; /* the pre-activation as the cell computes it */
        }
        for (int k = 0; k < H; k++) cp[k] = (float)(2.0 * al_rng_normal(&r));
        al_lstm_cell(g, b, cp, c, h, H);
        int bad = 0;
        for (int k = 0; k < H; k++) {
            double ig = sigmoid(g0[k]), fg = sigmoid(g0[H + k]), gg = tanh(g0[2 * H + k]), og = sigmoid(g0[3 * H + k]);
            double cn = fg * cp[k] + ig * gg, hn = og * tanh(cn);
            double scale = fabs(fg * cp[k]) + fabs(ig * gg);
            bad += fabs(g[k] - ig) > 1e-6 * ig || fabs(g[H + k] - fg) > 1e-6 * fg;
            bad += fabs(g[2 * H + k] - gg) > 1e-6 * fabs(gg) || fabs(g[3 * H + k] - og) > 1e-6 * og;
            bad += fabs(c[k] - cn) > 2e-6 * scale + 1e-30 || fabs(h[k] - hn) > 2e-6 * (og * scale + fabs(hn)) + 1e-30;
        }
        CHECK_MSG(bad == 0, "H %d: %d elements off", H, bad);
        free(g), free(g0), free(b), free(cp), free(c), free(h);
    }
}

AL_TEST_MAIN(test_activation_accuracy, test_activation_extremes, test_cell_matches_reference)
