/* LSTM layer: forward against a plain double-precision reference, gradients against central
 * differences of that reference, independence of each utterance from the rest of the batch and
 * from padding, and parity with PyTorch's nn.LSTM on a packed batch (tools/lstm_fixture.py). */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/io.h"
#include "nn/lstm.h"

enum { MAX_H = 8 };

/* Sizes of one test problem; one direction's parameters are stored flat as
 * w_ih (4H, In), w_hh (4H, H), b_ih (4H), b_hh (4H): dir_size() values. */
typedef struct {
    int T, N, In, H, dirs;
    const int *lengths;
} dims;

static int dir_size(const dims *s) { return 4 * s->H * (s->In + s->H + 2); }

static al_lstm_dir dir_view(float *p, const dims *s) {
    float *w_hh = p + 4 * s->H * s->In, *b_ih = w_hh + 4 * s->H * s->H;
    return (al_lstm_dir){p, w_hh, b_ih, b_ih + 4 * s->H};
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* y (T, N, H) = sum over directions of the LSTM of each utterance on its own, in double;
 * p holds dirs * dir_size() parameters. Padded outputs are 0. */
static void ref_forward(double *y, const double *x, const double *p, const dims *s) {
    const int N = s->N, In = s->In, H = s->H;
    memset(y, 0, sizeof(double) * s->T * N * H);
    for (int d = 0; d < s->dirs; d++) {
        const double *w_ih = p + d * dir_size(s), *w_hh = w_ih + 4 * H * In, *b_ih = w_hh + 4 * H * H;
        const double *b_hh = b_ih + 4 * H;
        for (int b = 0; b < N; b++) {
            double h[MAX_H] = {0}, c[MAX_H] = {0}, a[4 * MAX_H];
            const int len = s->lengths[b];
            for (int step = 0; step < len; step++) {
                int t = d ? len - 1 - step : step;
                const double *xt = x + (t * N + b) * In;
                for (int r = 0; r < 4 * H; r++) {
                    a[r] = b_ih[r] + b_hh[r];
                    for (int k = 0; k < In; k++) a[r] += w_ih[r * In + k] * xt[k];
                    for (int k = 0; k < H; k++) a[r] += w_hh[r * H + k] * h[k];
                }
                for (int k = 0; k < H; k++) {
                    c[k] = sigmoid(a[H + k]) * c[k] + sigmoid(a[k]) * tanh(a[2 * H + k]);
                    h[k] = sigmoid(a[3 * H + k]) * tanh(c[k]);
                    y[(t * N + b) * H + k] += h[k];
                }
            }
        }
    }
}

static double ref_loss(const double *x, const double *p, const double *R, const dims *s, double *y) {
    ref_forward(y, x, p, s);
    double loss = 0;
    for (int i = 0; i < s->T * s->N * s->H; i++) loss += y[i] * R[i];
    return loss;
}

static void fill_normal(al_rng *rng, float *v, int n, double scale) {
    for (int i = 0; i < n; i++) v[i] = (float)(scale * al_rng_normal(rng));
}

static void to_double(double *out, const float *in, int n) {
    for (int i = 0; i < n; i++) out[i] = in[i];
}

/* Runs forward and backward of the library layer: y (T, N, H); grads += into gp and dx. */
static void run_layer(float *y, float *dx, float *gp, const float *x, float *p, const float *dy, const dims *s,
                      int t_max, int n_max) {
    al_lstm_cache c;
    CHECK_OK(al_lstm_cache_init(&c, s->In, s->H, s->dirs - 1, t_max, n_max));
    al_lstm_dir w[2], g[2];
    for (int d = 0; d < s->dirs; d++) {
        w[d] = dir_view(p + d * dir_size(s), s);
        g[d] = dir_view(gp + d * dir_size(s), s);
    }
    CHECK_OK(al_lstm_forward(y, &c, x, s->lengths, w, s->T, s->N));
    CHECK_OK(al_lstm_backward(dx, g, &c, dy, x, w));
    al_lstm_cache_free(&c);
}

/* Forward vs the double reference, and every gradient (weights, biases, input) vs central
 * differences of the reference loss sum(y * R). R and x are nonzero at padded positions too. The
 * layer's cache is larger than the batch, and gradients start at 1 to check that backward adds. */
static void check_against_reference(int dirs) {
    enum { T = 7, N = 3, In = 5, H = 4, NX = T * N * In, NY = T * N * H, NP = 2 * 4 * H * (In + H + 2) };
    const int lengths[N] = {7, 3, 5};
    const dims s = {T, N, In, H, dirs, lengths};
    const int np = dirs * dir_size(&s);
    float x[NX], p[NP], R[NY], y[NY], dx[NX], gp[NP];
    al_rng rng;
    al_rng_seed(&rng, 11 + dirs);
    fill_normal(&rng, x, NX, 1.0);
    fill_normal(&rng, p, np, 0.5);
    fill_normal(&rng, R, NY, 1.0);
    for (int i = 0; i < NX; i++) dx[i] = 1.0f;
    for (int i = 0; i < np; i++) gp[i] = 1.0f;
    run_layer(y, dx, gp, x, p, R, &s, T + 2, N + 1);

    double xd[NX], pd[NP], Rd[NY], yd[NY], scratch[NY];
    to_double(xd, x, NX);
    to_double(pd, p, np);
    to_double(Rd, R, NY);
    ref_forward(yd, xd, pd, &s);
    double worst = 0;
    for (int i = 0; i < NY; i++) {
        int t = i / (N * H), b = i / H % N;
        if (t >= lengths[b]) CHECK_MSG(y[i] == 0.0f, "padded output t %d b %d is %g", t, b, y[i]);
        worst = fmax(worst, fabs(y[i] - yd[i]));
    }
    fprintf(stderr, "lstm %s forward: max abs diff to the double reference %.2e\n", dirs == 2 ? "bi" : "uni", worst);
    CHECK(worst <= 1e-5);

    const double h = 1e-4;
    double worst_rel = 0;
    for (int i = 0; i < np + NX; i++) {
        double *v = i < np ? &pd[i] : &xd[i - np], saved = *v;
        *v = saved + h;
        double lp = ref_loss(xd, pd, Rd, &s, scratch);
        *v = saved - h;
        double lm = ref_loss(xd, pd, Rd, &s, scratch);
        *v = saved;
        double fd = (lp - lm) / (2 * h), an = (i < np ? gp[i] : dx[i - np]) - 1.0;
        double err = fabs(an - fd);
        worst_rel = fmax(worst_rel, err / (1e-3 + fabs(fd)));
        CHECK_MSG(err <= 1e-4 + 1e-3 * fabs(fd), "%s %d: analytic %.8f, finite difference %.8f",
                  i < np ? "parameter" : "input", i < np ? i : i - np, an, fd);
        if (i >= np) {
            int t = (i - np) / (N * In), b = (i - np) / In % N;
            if (t >= lengths[b]) CHECK_MSG(dx[i - np] == 1.0f, "padded dx t %d b %d changed", t, b);
        }
    }
    fprintf(stderr, "lstm %s gradients vs finite differences: worst relative error %.2e\n", dirs == 2 ? "bi" : "uni",
            worst_rel);
}

static void test_bidirectional_matches_reference(void) { check_against_reference(2); }
static void test_unidirectional_matches_reference(void) { check_against_reference(1); }

/* Each utterance run alone (N 1, T its length, no padding) gives the same outputs and dx as in a
 * padded batch (T 11 > every length), and the per-utterance weight gradients sum to the batch's. */
static void test_utterances_are_independent(void) {
    enum { T = 11, N = 4, In = 6, H = 5, NX = T * N * In, NY = T * N * H, NP = 2 * 4 * H * (In + H + 2) };
    const int lengths[N] = {9, 2, 6, 6};
    const dims s = {T, N, In, H, 2, lengths};
    float x[NX], p[NP], R[NY], y[NY], dx[NX] = {0}, gp[NP] = {0}, gsum[NP] = {0};
    al_rng rng;
    al_rng_seed(&rng, 5);
    fill_normal(&rng, x, NX, 1.0);
    fill_normal(&rng, p, NP, 0.5);
    fill_normal(&rng, R, NY, 1.0);
    run_layer(y, dx, gp, x, p, R, &s, T, N);

    double worst = 0;
    for (int b = 0; b < N; b++) {
        const int len = lengths[b];
        const dims one = {len, 1, In, H, 2, &lengths[b]};
        float xb[T * In], Rb[T * H], yb[T * H], dxb[T * In] = {0};
        for (int t = 0; t < len; t++) {
            memcpy(xb + t * In, x + (t * N + b) * In, sizeof(float) * In);
            memcpy(Rb + t * H, R + (t * N + b) * H, sizeof(float) * H);
        }
        run_layer(yb, dxb, gsum, xb, p, Rb, &one, T, N);
        for (int t = 0; t < T; t++) {
            for (int k = 0; k < H; k++) {
                float yv = y[(t * N + b) * H + k];
                if (t >= len) CHECK(yv == 0.0f);
                else worst = fmax(worst, fabs(yv - yb[t * H + k]));
            }
            for (int k = 0; k < In; k++) {
                float dv = dx[(t * N + b) * In + k];
                if (t >= len) CHECK(dv == 0.0f);
                else worst = fmax(worst, fabs(dv - dxb[t * In + k]));
            }
        }
    }
    for (int i = 0; i < NP; i++) worst = fmax(worst, fabs(gp[i] - gsum[i]) / (1.0 + fabs(gsum[i])));
    fprintf(stderr, "lstm batch vs one utterance at a time: max diff %.2e\n", worst);
    CHECK(worst <= 1e-5);
}

/* A batch big enough for the threaded paths (directions side by side, split gate loops): two
 * runs on 2 threads are bitwise equal, and agree with 1 thread up to rounding. */
static void test_threads_agree(void) {
    enum { T = 12, N = 8, In = 16, H = 256, NX = T * N * In, NY = T * N * H, NP = 2 * 4 * H * (In + H + 2) };
    const int lengths[N] = {12, 3, 7, 12, 1, 9, 9, 5};
    static float x[NX], p[NP], R[NY], y[3][NY], dx[3][NX], gp[3][NP];
    al_rng rng;
    al_rng_seed(&rng, 3);
    fill_normal(&rng, x, NX, 1.0);
    fill_normal(&rng, p, NP, 0.1);
    fill_normal(&rng, R, NY, 1.0);
    for (int dirs = 1; dirs <= 2; dirs++) {
        const dims s = {T, N, In, H, dirs, lengths};
        const int np = dirs * dir_size(&s);
        memset(dx, 0, sizeof dx);
        memset(gp, 0, sizeof gp);
        for (int run = 0; run < 3; run++) {
            al_set_threads(run == 0 ? 1 : 2);
            run_layer(y[run], dx[run], gp[run], x, p, R, &s, T, N);
        }
        CHECK(memcmp(y[1], y[2], sizeof y[1]) == 0 && memcmp(dx[1], dx[2], sizeof dx[1]) == 0 &&
              memcmp(gp[1], gp[2], sizeof gp[1]) == 0);
        double worst = 0;
        for (int i = 0; i < NY; i++) worst = fmax(worst, fabs(y[0][i] - y[1][i]));
        for (int i = 0; i < NX; i++) worst = fmax(worst, fabs(dx[0][i] - dx[1][i]));
        for (int i = 0; i < np; i++) worst = fmax(worst, fabs(gp[0][i] - gp[1][i]) / (1.0 + fabs(gp[0][i])));
        fprintf(stderr, "lstm %s 1 vs 2 threads: max diff %.2e\n", dirs == 2 ? "bi" : "uni", worst);
        CHECK(worst <= 1e-5);
    }
}

static void test_bad_sizes_are_rejected(void) {
    al_lstm_cache c;
    CHECK(al_lstm_cache_init(&c, 0, 4, 1, 5, 2) == AL_ERR_INVALID);
    CHECK(al_lstm_cache_init(&c, 3, 4, 2, 5, 2) == AL_ERR_INVALID);
    CHECK_OK(al_lstm_cache_init(&c, 3, 4, 0, 5, 2));
    float p[4 * 4 * (3 + 4 + 2)] = {0}, gp[4 * 4 * (3 + 4 + 2)] = {0}, x[6 * 2 * 3] = {0}, y[6 * 2 * 4] = {0},
          dx[6 * 2 * 3] = {0};
    const dims s = {0, 0, 3, 4, 1, NULL};
    al_lstm_dir w = dir_view(p, &s), g = dir_view(gp, &s);
    CHECK(al_lstm_backward(dx, &g, &c, y, x, &w) == AL_ERR_INVALID); /* no forward yet */
    CHECK_STR_CONTAINS(al_last_error(), "lstm:");
    int ok[2] = {5, 1}, zero[2] = {5, 0}, long_[2] = {5, 6};
    CHECK(al_lstm_forward(y, &c, x, ok, &w, 6, 2) == AL_ERR_INVALID); /* T > t_max */
    CHECK(al_lstm_forward(y, &c, x, ok, &w, 5, 3) == AL_ERR_INVALID); /* N > n_max */
    CHECK(al_lstm_forward(y, &c, x, zero, &w, 5, 2) == AL_ERR_INVALID);
    CHECK(al_lstm_forward(y, &c, x, long_, &w, 5, 2) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "length 6 of utterance 1");
    CHECK_OK(al_lstm_forward(y, &c, x, ok, &w, 5, 2));
    CHECK_OK(al_lstm_backward(dx, &g, &c, y, x, &w));
    CHECK(al_lstm_backward(dx, &g, &c, y, x, &w) == AL_ERR_INVALID); /* backward consumed the cache */
    al_lstm_cache_free(&c);
}

/* Copies an F32 tensor of n floats from the fixture (its data may be unaligned). */
static int fixture_get(const al_st_file *f, const char *name, float *out, int n) {
    const al_st_tensor *t = al_st_find(f, name);
    CHECK_MSG(t && t->dtype == AL_DT_F32 && t->numel == n, "fixture tensor %s missing or not %d F32", name, n);
    if (!t || t->dtype != AL_DT_F32 || t->numel != n) return 0;
    memcpy(out, t->data, sizeof(float) * n);
    return 1;
}

/* y and every gradient of sum(y * R) against PyTorch nn.LSTM on a packed, unsorted batch. */
static void check_pytorch_parity(const al_st_file *f, const char *model, int dirs) {
    enum { T = 9, N = 4, In = 6, H = 5, NX = T * N * In, NY = T * N * H, NP = 2 * 4 * H * (In + H + 2) };
    static const char *names[4] = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"};
    const int sizes[4] = {4 * H * In, 4 * H * H, 4 * H, 4 * H};
    int lengths[N];
    const dims s = {T, N, In, H, dirs, lengths};
    float x[NX], R[NY], p[NP], want_y[NY], want_dx[NX], want_gp[NP], y[NY], dx[NX] = {0}, gp[NP] = {0};
    const al_st_tensor *lt = al_st_find(f, "lengths");
    CHECK(lt && lt->dtype == AL_DT_I32 && lt->numel == N);
    if (!lt || lt->dtype != AL_DT_I32 || lt->numel != N) return;
    memcpy(lengths, lt->data, sizeof lengths);
    int ok = fixture_get(f, "x", x, NX) && fixture_get(f, "R", R, NY);
    char name[96];
    for (int d = 0, off = 0; d < dirs; d++)
        for (int i = 0; i < 4; off += sizes[i++]) {
            snprintf(name, sizeof name, "%s.%s%s", model, names[i], d ? "_reverse" : "");
            ok = ok && fixture_get(f, name, p + off, sizes[i]);
            snprintf(name, sizeof name, "%s.grad.%s%s", model, names[i], d ? "_reverse" : "");
            ok = ok && fixture_get(f, name, want_gp + off, sizes[i]);
        }
    snprintf(name, sizeof name, "%s.y", model);
    ok = ok && fixture_get(f, name, want_y, NY);
    snprintf(name, sizeof name, "%s.grad.x", model);
    ok = ok && fixture_get(f, name, want_dx, NX);
    if (!ok) return;
    run_layer(y, dx, gp, x, p, R, &s, T, N);
    const struct { const char *what; const float *got, *want; int n; } cmp[3] = {
        {"y", y, want_y, NY}, {"dx", dx, want_dx, NX}, {"parameter gradients", gp, want_gp, dirs * dir_size(&s)}};
    for (int k = 0; k < 3; k++) {
        double worst = 0;
        for (int i = 0; i < cmp[k].n; i++) {
            double err = fabs(cmp[k].got[i] - cmp[k].want[i]);
            worst = fmax(worst, err);
            CHECK_MSG(err <= 1e-5 || err <= 1e-4 * fabs(cmp[k].want[i]), "%s %s[%d]: %.8g, PyTorch %.8g", model,
                      cmp[k].what, i, cmp[k].got[i], cmp[k].want[i]);
        }
        fprintf(stderr, "lstm %s %s vs PyTorch: max abs diff %.2e\n", model, cmp[k].what, worst);
    }
}

static void test_matches_pytorch(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/lstm/reference.safetensors", al_test_data());
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(path, &f));
    if (!f) return;
    check_pytorch_parity(f, "bi", 2);
    check_pytorch_parity(f, "uni", 1);
    al_st_close(f);
}

AL_TEST_MAIN(test_bidirectional_matches_reference, test_unidirectional_matches_reference,
             test_utterances_are_independent, test_threads_agree, test_bad_sizes_are_rejected, test_matches_pytorch)
