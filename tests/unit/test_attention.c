/* Multi-head self-attention: output and every gradient against PyTorch nn.MultiheadAttention
 * with a key_padding_mask (tools/attention_fixture.py), forward against a plain double-precision
 * reference written from the definition (dropout draws included), gradients against central
 * differences of that reference (with and without dropout), key padding, dropout determinism
 * (seeds, thread counts), accumulation, NULL gradients, argument checks, and a timing line. */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/io.h"
#include "nn/attention.h"

/* One test problem. Parameters are kept flat: w_in (3d, d) | b_in (3d) | w_out (d, d) | b_out (d). */
typedef struct {
    int N, T, d, heads;
    const int *lengths;
} dims;

static int n_params(const dims *s) { return 3 * s->d * s->d + 3 * s->d + s->d * s->d + s->d; }
static int n_x(const dims *s) { return s->N * s->T * s->d; }

typedef struct {
    float *w_in, *b_in, *w_out, *b_out;
} views;

static views view(float *p, const dims *s) {
    const int d = s->d;
    views v = {p, p + 3 * d * d, p + 3 * d * d + 3 * d, p + 4 * d * d + 3 * d};
    return v;
}

/* y (N, T, d) by the definition in double: in-projection, per head softmax over the valid keys of
 * (q / sqrt(dh)) k^T, dropout drawn as attention.h specifies, context, out-projection. */
static void ref_forward(double *y, const double *x, const double *prm, const dims *s, float p, uint64_t seed) {
    const int N = s->N, T = s->T, d = s->d, H = s->heads, dh = d / H;
    const double *w_in = prm, *b_in = w_in + 3 * d * d, *w_out = b_in + 3 * d, *b_out = w_out + d * d;
    double *qkv = malloc(sizeof(double) * T * 3 * d), *ctx = malloc(sizeof(double) * T * d);
    double *P = malloc(sizeof(double) * T * T);
    for (int n = 0; n < N; n++) {
        const int len = s->lengths[n];
        const double *xn = x + (size_t)n * T * d;
        for (int t = 0; t < T; t++)
            for (int o = 0; o < 3 * d; o++) {
                double acc = b_in[o];
                for (int i = 0; i < d; i++) acc += w_in[o * d + i] * xn[t * d + i];
                qkv[t * 3 * d + o] = acc;
            }
        for (int h = 0; h < H; h++) {
            al_rng rng;
            al_rng_seed_stream(&rng, seed, (uint64_t)n * H + h);
            for (int i = 0; i < T; i++) {
                double m = -INFINITY, sum = 0;
                for (int j = 0; j < len; j++) {
                    double sc = 0;
                    for (int c = 0; c < dh; c++)
                        sc += qkv[i * 3 * d + h * dh + c] / sqrt((double)dh) * qkv[j * 3 * d + d + h * dh + c];
                    P[i * T + j] = sc;
                    m = fmax(m, sc);
                }
                for (int j = 0; j < len; j++) sum += (P[i * T + j] = exp(P[i * T + j] - m));
                for (int j = 0; j < len; j++) P[i * T + j] /= sum;
                for (int j = len; j < T; j++) P[i * T + j] = 0;
            }
            if (p > 0)
                for (int i = 0; i < T * T; i++) P[i] = al_rng_uniform(&rng) < (double)p ? 0 : P[i] / (1.0 - (double)p);
            for (int i = 0; i < T; i++)
                for (int c = 0; c < dh; c++) {
                    double acc = 0;
                    for (int j = 0; j < T; j++) acc += P[i * T + j] * qkv[j * 3 * d + 2 * d + h * dh + c];
                    ctx[i * d + h * dh + c] = acc;
                }
        }
        for (int t = 0; t < T; t++)
            for (int o = 0; o < d; o++) {
                double acc = b_out[o];
                for (int i = 0; i < d; i++) acc += w_out[o * d + i] * ctx[t * d + i];
                y[((size_t)n * T + t) * d + o] = acc;
            }
    }
    free(qkv);
    free(ctx);
    free(P);
}

static double ref_loss(const double *x, const double *prm, const double *R, const dims *s, float p, uint64_t seed,
                       double *y) {
    ref_forward(y, x, prm, s, p, seed);
    double loss = 0;
    for (int i = 0; i < n_x(s); i++) loss += y[i] * R[i];
    return loss;
}

static void fill_normal(al_rng *rng, float *v, int n, double scale) {
    for (int i = 0; i < n; i++) v[i] = (float)(scale * al_rng_normal(rng));
}

static void to_double(double *out, const float *in, int n) {
    for (int i = 0; i < n; i++) out[i] = in[i];
}

/* Forward and backward of the library layer (fresh cache): y; gradients += into dx and gp
 * (either may be NULL: then no gradient is asked for). */
static void run_layer(float *y, float *dx, float *gp, const float *x, float *prm, const float *dy, const dims *s,
                      float p, uint64_t seed) {
    al_mhsa a;
    CHECK_OK(al_mhsa_init(&a, s->d, s->heads, s->N, s->T));
    views w = view(prm, s);
    CHECK_OK(al_mhsa_forward(&a, y, x, s->lengths, w.w_in, w.b_in, w.w_out, w.b_out, s->N, s->T, p, seed));
    if (dx || gp) {
        views g = gp ? view(gp, s) : (views){NULL, NULL, NULL, NULL};
        CHECK_OK(al_mhsa_backward(&a, dx, g.w_in, g.b_in, g.w_out, g.b_out, dy, x, w.w_in, w.w_out));
    }
    al_mhsa_free(&a);
}

/* ---- PyTorch parity ---- */

static int fixture_get(const al_st_file *f, const char *name, float *out, int n) {
    const al_st_tensor *t = al_st_find(f, name);
    CHECK_MSG(t && t->dtype == AL_DT_F32 && t->numel == n, "fixture tensor %s missing or not %d F32", name, n);
    if (!t || t->dtype != AL_DT_F32 || t->numel != n) return 0;
    memcpy(out, t->data, sizeof(float) * n);
    return 1;
}

static void test_matches_pytorch(void) {
    enum { N = 3, T = 6, D = 8, HEADS = 2, NX = N * T * D, NP = 4 * D * D + 4 * D };
    char path[1024];
    snprintf(path, sizeof path, "%s/layers/attention.safetensors", al_test_data());
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(path, &f));
    if (!f) return;
    int lengths[N];
    const al_st_tensor *lt = al_st_find(f, "lengths");
    CHECK(lt && lt->dtype == AL_DT_I32 && lt->numel == N);
    if (!lt || lt->dtype != AL_DT_I32 || lt->numel != N) {
        al_st_close(f);
        return;
    }
    memcpy(lengths, lt->data, sizeof lengths);
    const dims s = {N, T, D, HEADS, lengths};
    static float x[NX], R[NX], prm[NP], want_y[NX], want_dx[NX], want_gp[NP], y[NX], dx[NX], gp[NP];
    views w = view(prm, &s), wg = view(want_gp, &s);
    int ok = fixture_get(f, "x", x, NX) && fixture_get(f, "R", R, NX) && fixture_get(f, "y", want_y, NX) &&
             fixture_get(f, "x.grad", want_dx, NX) && fixture_get(f, "in_proj_weight", w.w_in, 3 * D * D) &&
             fixture_get(f, "in_proj_bias", w.b_in, 3 * D) && fixture_get(f, "out_proj.weight", w.w_out, D * D) &&
             fixture_get(f, "out_proj.bias", w.b_out, D) &&
             fixture_get(f, "in_proj_weight.grad", wg.w_in, 3 * D * D) &&
             fixture_get(f, "in_proj_bias.grad", wg.b_in, 3 * D) &&
             fixture_get(f, "out_proj.weight.grad", wg.w_out, D * D) &&
             fixture_get(f, "out_proj.bias.grad", wg.b_out, D);
    al_st_close(f);
    if (!ok) return;
    memset(dx, 0, sizeof dx);
    memset(gp, 0, sizeof gp);
    run_layer(y, dx, gp, x, prm, R, &s, 0.0f, 0);
    views g = view(gp, &s);
    const struct {
        const char *what;
        const float *got, *want;
        int n;
    } cmp[6] = {{"y", y, want_y, NX},
                {"x.grad", dx, want_dx, NX},
                {"in_proj_weight.grad", g.w_in, wg.w_in, 3 * D * D},
                {"in_proj_bias.grad", g.b_in, wg.b_in, 3 * D},
                {"out_proj.weight.grad", g.w_out, wg.w_out, D * D},
                {"out_proj.bias.grad", g.b_out, wg.b_out, D}};
    for (int k = 0; k < 6; k++) {
        double rel = al_test_rel_diff(cmp[k].got, cmp[k].want, cmp[k].n);
        fprintf(stderr, "attention %s vs PyTorch: relative error %.2e\n", cmp[k].what, rel);
        CHECK_MSG(rel < 1e-5, "%s: relative error %.3g", cmp[k].what, rel);
    }
}

/* ---- the double reference: forward, and gradients by central differences ---- */

static const int LEN_A[4] = {7, 3, 5, 1};

/* A random problem: N 4, T 7, d 12, 3 heads (dh 4), lengths 7, 3, 5, 1. */
static void random_problem(dims *s, float **x, float **prm, float **R, uint64_t seed) {
    *s = (dims){4, 7, 12, 3, LEN_A};
    al_rng rng;
    al_rng_seed(&rng, seed);
    *x = malloc(sizeof(float) * n_x(s));
    *prm = malloc(sizeof(float) * n_params(s));
    *R = malloc(sizeof(float) * n_x(s));
    fill_normal(&rng, *x, n_x(s), 1.0);
    fill_normal(&rng, *prm, n_params(s), 0.4);
    fill_normal(&rng, *R, n_x(s), 1.0);
}

static void test_forward_matches_reference(void) {
    dims s;
    float *x, *prm, *R;
    random_problem(&s, &x, &prm, &R, 11);
    const int nx = n_x(&s), np = n_params(&s);
    float *y = malloc(sizeof(float) * nx), *yref = malloc(sizeof(float) * nx);
    double *xd = malloc(sizeof(double) * nx), *pd = malloc(sizeof(double) * np), *yd = malloc(sizeof(double) * nx);
    to_double(xd, x, nx);
    to_double(pd, prm, np);
    const float ps[3] = {0.0f, 0.3f, 0.75f};
    for (int k = 0; k < 3; k++) {
        run_layer(y, NULL, NULL, x, prm, NULL, &s, ps[k], 42);
        ref_forward(yd, xd, pd, &s, ps[k], 42);
        for (int i = 0; i < nx; i++) yref[i] = (float)yd[i];
        double rel = al_test_rel_diff(y, yref, nx);
        fprintf(stderr, "attention forward (p %.2f) vs double reference: relative error %.2e\n", ps[k], rel);
        CHECK_MSG(rel < 2e-6, "p %g: relative error %.3g", ps[k], rel);
    }
    free(y);
    free(yref);
    free(xd);
    free(pd);
    free(yd);
    free(x);
    free(prm);
    free(R);
}

/* Analytic gradients of sum(y * R) against central differences of the double reference at a few
 * entries of each tensor: |got - fd| <= 1e-5 * max |fd| over the tensor's checked entries + 1e-6. */
static void check_fd(float p) {
    dims s;
    float *x, *prm, *R;
    random_problem(&s, &x, &prm, &R, 23);
    const int nx = n_x(&s), np = n_params(&s), d = s.d, T = s.T;
    float *y = malloc(sizeof(float) * nx), *dx = calloc(nx, sizeof(float)), *gp = calloc(np, sizeof(float));
    run_layer(y, dx, gp, x, prm, R, &s, p, 99);
    double *xd = malloc(sizeof(double) * nx), *pd = malloc(sizeof(double) * np), *Rd = malloc(sizeof(double) * nx);
    double *yd = malloc(sizeof(double) * nx);
    to_double(xd, x, nx);
    to_double(pd, prm, np);
    to_double(Rd, R, nx);
    /* entries: x at valid positions, at padded positions (utterances 1 and 3: their own padded
       queries), w_in rows of q, k and v, b_in of q, k (exactly 0 in theory) and v, w_out, b_out */
    const int xi[6] = {0 * T * d + 2 * d + 1,   1 * T * d + 1 * d + 5, 1 * T * d + 5 * d + 7,
                       2 * T * d + 4 * d + 11,  3 * T * d + 0 * d + 3, 3 * T * d + 6 * d + 0};
    const int o_bin = 3 * d * d, o_wout = o_bin + 3 * d, o_bout = o_wout + d * d;
    const int pi[11] = {0 * d * d + 5,        1 * d * d + 7 * d + 2, 2 * d * d + 11 * d + 9, 3 * d * d - 1,
                        o_bin + 2,            o_bin + d + 4,         o_bin + 2 * d + 10,     o_wout + 3,
                        o_wout + d * d - 5,   o_bout,                o_bout + d - 1};
    const char *pname[11] = {"w_in q", "w_in k", "w_in v", "w_in v last", "b_in q", "b_in k", "b_in v",
                             "w_out", "w_out", "b_out", "b_out"};
    const double h = 1e-5;
    double worst = 0;
    for (int k = 0; k < 6 + 11; k++) {
        double *v = k < 6 ? &xd[xi[k]] : &pd[pi[k - 6]];
        const float got = k < 6 ? dx[xi[k]] : gp[pi[k - 6]];
        const double keep = *v;
        *v = keep + h;
        const double lp = ref_loss(xd, pd, Rd, &s, p, 99, yd);
        *v = keep - h;
        const double lm = ref_loss(xd, pd, Rd, &s, p, 99, yd);
        *v = keep;
        const double fd = (lp - lm) / (2 * h);
        const double err = fabs(got - fd) / (fabs(fd) + 1.0);
        worst = fmax(worst, err);
        CHECK_MSG(err < 1e-5, "p %g %s [%d]: layer %.8g, finite differences %.8g", p, k < 6 ? "x" : pname[k - 6],
                  k < 6 ? xi[k] : pi[k - 6], got, fd);
    }
    fprintf(stderr, "attention gradients (p %.2f) vs central differences: max |got - fd| / (|fd| + 1) %.2e\n", p,
            worst);
    free(y);
    free(dx);
    free(gp);
    free(xd);
    free(pd);
    free(Rd);
    free(yd);
    free(x);
    free(prm);
    free(R);
}

static void test_gradients_finite_differences(void) { check_fd(0.0f); }
static void test_gradients_finite_differences_dropout(void) { check_fd(0.4f); }

/* ---- key padding ---- */

/* Changing x at padded positions of utterance n changes no output at n's valid positions (nor any
 * output of the other utterances), while its padded queries' outputs do change (unless n has one
 * valid key: then every query's context is that key's v); changing a valid
 * position changes valid outputs (the check is not vacuous). With and without dropout. */
static void check_key_padding(float p) {
    dims s;
    float *x, *prm, *R;
    random_problem(&s, &x, &prm, &R, 5);
    const int nx = n_x(&s), d = s.d, T = s.T;
    float *y0 = malloc(sizeof(float) * nx), *y1 = malloc(sizeof(float) * nx), *x1 = malloc(sizeof(float) * nx);
    run_layer(y0, NULL, NULL, x, prm, NULL, &s, p, 3);
    for (int n = 0; n < s.N; n++) {
        const int len = s.lengths[n];
        if (len == T) continue;
        memcpy(x1, x, sizeof(float) * nx);
        for (int t = len; t < T; t++)
            for (int i = 0; i < d; i++) x1[((size_t)n * T + t) * d + i] += 3.0f + (float)i;
        run_layer(y1, NULL, NULL, x1, prm, NULL, &s, p, 3);
        int same_valid = 1, padded_changed = 0;
        for (int m = 0; m < s.N; m++)
            for (int t = 0; t < T; t++)
                for (int i = 0; i < d; i++) {
                    const size_t at = ((size_t)m * T + t) * d + i;
                    if (m == n && t >= len) padded_changed |= y1[at] != y0[at];
                    else same_valid &= y1[at] == y0[at];
                }
        CHECK_MSG(same_valid, "p %g utterance %d: padded x changed outputs at valid positions", p, n);
        /* with one valid key every query's context is that key's v, whatever the query */
        if (len > 1) CHECK_MSG(padded_changed, "p %g utterance %d: padded queries' outputs did not change", p, n);
        else CHECK_MSG(!padded_changed, "p %g utterance %d: one valid key, yet padded outputs changed", p, n);
        /* control: a valid position of n changes its valid outputs */
        memcpy(x1, x, sizeof(float) * nx);
        x1[((size_t)n * T + len - 1) * d] += 1.0f;
        run_layer(y1, NULL, NULL, x1, prm, NULL, &s, p, 3);
        int changed = 0;
        for (int i = 0; i < d; i++) changed |= y1[(size_t)n * T * d + i] != y0[(size_t)n * T * d + i];
        CHECK_MSG(changed, "p %g utterance %d: a valid key did not change query 0", p, n);
    }
    free(y0);
    free(y1);
    free(x1);
    free(x);
    free(prm);
    free(R);
}

static void test_key_padding_masks(void) {
    check_key_padding(0.0f);
    check_key_padding(0.2f);
}

/* ---- dropout ---- */

static int same(const float *a, const float *b, int n) { return memcmp(a, b, sizeof(float) * n) == 0; }

static void test_dropout_deterministic(void) {
    dims s;
    float *x, *prm, *R;
    random_problem(&s, &x, &prm, &R, 17);
    const int nx = n_x(&s), np = n_params(&s), threads = al_threads();
    float *y[4], *dx[2], *gp[2];
    for (int k = 0; k < 4; k++) y[k] = malloc(sizeof(float) * nx);
    for (int k = 0; k < 2; k++) {
        dx[k] = calloc(nx, sizeof(float));
        gp[k] = calloc(np, sizeof(float));
    }
    /* one thread, then two (a cache sized at init for two threads) */
    al_set_threads(1);
    run_layer(y[0], dx[0], gp[0], x, prm, R, &s, 0.3f, 1234);
    al_set_threads(2);
    run_layer(y[1], dx[1], gp[1], x, prm, R, &s, 0.3f, 1234);
    double ry = al_test_rel_diff(y[1], y[0], nx), rx = al_test_rel_diff(dx[1], dx[0], nx);
    double rp = al_test_rel_diff(gp[1], gp[0], np);
    fprintf(stderr, "attention dropout 1 vs 2 threads: y %.2e, dx %.2e, parameter gradients %.2e%s\n", ry, rx, rp,
            same(y[0], y[1], nx) && same(dx[0], dx[1], nx) && same(gp[0], gp[1], np) ? " (bit-identical)" : "");
    CHECK(ry <= 1e-6 && rx <= 1e-6 && rp <= 1e-6);
    /* same seed: same bits; another seed: another result; no dropout: another result */
    run_layer(y[2], NULL, NULL, x, prm, NULL, &s, 0.3f, 1234);
    CHECK(same(y[1], y[2], nx));
    run_layer(y[2], NULL, NULL, x, prm, NULL, &s, 0.3f, 1235);
    CHECK(al_test_rel_diff(y[2], y[1], nx) > 1e-2);
    run_layer(y[3], NULL, NULL, x, prm, NULL, &s, 0.0f, 1234);
    CHECK(al_test_rel_diff(y[3], y[1], nx) > 1e-2);
    /* p 0 ignores the seed */
    run_layer(y[2], NULL, NULL, x, prm, NULL, &s, 0.0f, 777);
    CHECK(same(y[2], y[3], nx));
    al_set_threads(threads);
    for (int k = 0; k < 4; k++) free(y[k]);
    for (int k = 0; k < 2; k++) {
        free(dx[k]);
        free(gp[k]);
    }
    free(x);
    free(prm);
    free(R);
}

/* Dropped fraction over many draws: about p (a wrong comparison or scale shows here). The mean
 * over kept and dropped entries of P' / P is 1 (inverted dropout). */
static void test_dropout_rate(void) {
    enum { N = 4, T = 32, D = 8, H = 2 };
    int lengths[N] = {T, T, T, T};
    const dims s = {N, T, D, H, lengths};
    al_mhsa a;
    CHECK_OK(al_mhsa_init(&a, D, H, N, T));
    float *x = calloc(N * T * D, sizeof(float)), *prm = calloc(n_params(&s), sizeof(float));
    float *y = malloc(sizeof(float) * N * T * D);
    views w = view(prm, &s);
    CHECK_OK(al_mhsa_forward(&a, y, x, lengths, w.w_in, w.b_in, w.w_out, w.b_out, N, T, 0.25f, 8));
    size_t dropped = 0, total = (size_t)N * H * T * T;
    for (size_t i = 0; i < total; i++) dropped += !a.keep[i];
    const double frac = (double)dropped / total;
    fprintf(stderr, "attention dropout 0.25: dropped fraction %.4f of %zu\n", frac, total);
    CHECK_NEAR(frac, 0.25, 0.02);
    al_mhsa_free(&a);
    free(x);
    free(prm);
    free(y);
}

/* The cache's probabilities (before dropout), as attention.h documents them: every row sums to 1
 * over the valid keys and is exactly 0 at padded keys; the dropout mask covers all T * T entries. */
static void test_cache_probabilities(void) {
    dims s;
    float *x, *prm, *R;
    random_problem(&s, &x, &prm, &R, 41);
    float *y = malloc(sizeof(float) * n_x(&s));
    al_mhsa a;
    CHECK_OK(al_mhsa_init(&a, s.d, s.heads, s.N, s.T));
    views w = view(prm, &s);
    const int full[4] = {s.T, s.T, s.T, s.T}; /* first a batch without padding: stale values in the cache */
    CHECK_OK(al_mhsa_forward(&a, y, x, full, w.w_in, w.b_in, w.w_out, w.b_out, s.N, s.T, 0.5f, 9));
    CHECK_OK(al_mhsa_forward(&a, y, x, s.lengths, w.w_in, w.b_in, w.w_out, w.b_out, s.N, s.T, 0.5f, 9));
    const int T = s.T;
    double worst_sum = 0;
    int padded_nonzero = 0, kept_beyond_len = 0, dropped_beyond_len = 0;
    for (int n = 0; n < s.N; n++)
        for (int h = 0; h < s.heads; h++)
            for (int i = 0; i < T; i++) {
                const size_t row = (((size_t)n * s.heads + h) * T + i) * T;
                double sum = 0;
                for (int j = 0; j < T; j++) {
                    if (j < s.lengths[n]) sum += a.probs[row + j];
                    else {
                        padded_nonzero += a.probs[row + j] != 0.0f;
                        kept_beyond_len += a.keep[row + j] == 1;
                        dropped_beyond_len += a.keep[row + j] == 0;
                    }
                }
                worst_sum = fmax(worst_sum, fabs(sum - 1.0));
            }
    CHECK_MSG(worst_sum < 1e-6, "probability rows sum to 1 within %.3g", worst_sum);
    CHECK(padded_nonzero == 0);
    CHECK(kept_beyond_len > 0 && dropped_beyond_len > 0); /* padded keys get draws too */
    al_mhsa_free(&a);
    free(y);
    free(x);
    free(prm);
    free(R);
}

/* ---- accumulation, NULL gradients, repeated backward, argument checks ---- */

static void test_accumulates_and_null(void) {
    dims s;
    float *x, *prm, *R;
    random_problem(&s, &x, &prm, &R, 31);
    const int nx = n_x(&s), np = n_params(&s);
    float *y = malloc(sizeof(float) * nx), *dx1 = calloc(nx, sizeof(float)), *gp1 = calloc(np, sizeof(float));
    float *dx2 = malloc(sizeof(float) * nx), *gp2 = malloc(sizeof(float) * np);
    run_layer(y, dx1, gp1, x, prm, R, &s, 0.1f, 5);
    for (int i = 0; i < nx; i++) dx2[i] = 1.5f;
    for (int i = 0; i < np; i++) gp2[i] = -0.5f;
    al_mhsa a;
    CHECK_OK(al_mhsa_init(&a, s.d, s.heads, s.N + 2, s.T + 3)); /* capacity above the batch */
    views w = view(prm, &s), g = view(gp2, &s), g1 = view(gp1, &s);
    CHECK(al_mhsa_backward(&a, dx2, g.w_in, g.b_in, g.w_out, g.b_out, R, x, w.w_in, w.w_out) == AL_ERR_INVALID);
    CHECK_OK(al_mhsa_forward(&a, y, x, s.lengths, w.w_in, w.b_in, w.w_out, w.b_out, s.N, s.T, 0.1f, 5));
    /* twice: backward keeps the cache, so the gradients add up twice */
    for (int rep = 0; rep < 2; rep++)
        CHECK_OK(al_mhsa_backward(&a, dx2, g.w_in, g.b_in, g.w_out, g.b_out, R, x, w.w_in, w.w_out));
    double worst = 0;
    for (int i = 0; i < nx; i++) worst = fmax(worst, fabs((dx2[i] - 1.5f) - 2 * dx1[i]));
    for (int i = 0; i < np; i++) worst = fmax(worst, fabs((gp2[i] + 0.5f) - 2 * gp1[i]));
    CHECK_MSG(worst < 1e-5, "accumulated gradients off by %.3g", worst);
    /* NULL: each gradient alone equals its value in the full backward */
    float *only = calloc(np > nx ? np : nx, sizeof(float));
    float *const slots[5] = {g1.w_in, g1.b_in, g1.w_out, g1.b_out, dx1};
    const int sizes[5] = {3 * s.d * s.d, 3 * s.d, s.d * s.d, s.d, nx};
    for (int k = 0; k < 5; k++) {
        memset(only, 0, sizeof(float) * (np > nx ? np : nx));
        float *o[5] = {NULL, NULL, NULL, NULL, NULL};
        o[k] = only;
        CHECK_OK(al_mhsa_backward(&a, o[4], o[0], o[1], o[2], o[3], R, x, w.w_in, w.w_out));
        CHECK_MSG(al_test_rel_diff(only, slots[k], sizes[k]) < 1e-6, "gradient %d alone differs", k);
    }
    CHECK_OK(al_mhsa_backward(&a, NULL, NULL, NULL, NULL, NULL, R, x, w.w_in, w.w_out));
    al_mhsa_free(&a);
    free(only);
    free(y);
    free(dx1);
    free(gp1);
    free(dx2);
    free(gp2);
    free(x);
    free(prm);
    free(R);
}

static void test_bad_arguments(void) {
    al_mhsa a;
    CHECK(al_mhsa_init(&a, 10, 3, 2, 4) == AL_ERR_INVALID); /* d % heads */
    CHECK(al_mhsa_init(&a, 0, 1, 2, 4) == AL_ERR_INVALID);
    CHECK(al_mhsa_init(&a, 4, 2, 0, 4) == AL_ERR_INVALID);
    CHECK(al_mhsa_init(&a, 4, 2, 2, 0) == AL_ERR_INVALID);
    CHECK_OK(al_mhsa_init(&a, 4, 2, 2, 4));
    float x[2 * 5 * 4] = {0}, y[2 * 5 * 4], prm[4 * 16 + 16] = {0};
    const dims s = {2, 4, 4, 2, NULL};
    views w = view(prm, &s);
    int ok_len[2] = {4, 1}, zero[2] = {4, 0}, over[2] = {5, 1};
    CHECK(al_mhsa_forward(&a, y, x, zero, w.w_in, w.b_in, w.w_out, w.b_out, 2, 4, 0, 0) == AL_ERR_INVALID);
    CHECK(al_mhsa_forward(&a, y, x, over, w.w_in, w.b_in, w.w_out, w.b_out, 2, 4, 0, 0) == AL_ERR_INVALID);
    CHECK(al_mhsa_forward(&a, y, x, over, w.w_in, w.b_in, w.w_out, w.b_out, 2, 5, 0, 0) == AL_ERR_INVALID); /* t_max */
    CHECK(al_mhsa_forward(&a, y, x, ok_len, w.w_in, w.b_in, w.w_out, w.b_out, 3, 4, 0, 0) == AL_ERR_INVALID);
    CHECK(al_mhsa_forward(&a, y, x, ok_len, w.w_in, w.b_in, w.w_out, w.b_out, 2, 4, 1.0f, 0) == AL_ERR_INVALID);
    CHECK(al_mhsa_forward(&a, y, x, ok_len, w.w_in, w.b_in, w.w_out, w.b_out, 2, 4, -0.1f, 0) == AL_ERR_INVALID);
    CHECK(al_mhsa_forward(&a, y, x, ok_len, w.w_in, w.b_in, w.w_out, w.b_out, 2, 4, NAN, 0) == AL_ERR_INVALID);
    CHECK_OK(al_mhsa_forward(&a, y, x, ok_len, w.w_in, w.b_in, w.w_out, w.b_out, 2, 4, 0, 0));
    for (int i = 0; i < 2 * 4 * 4; i++) CHECK(y[i] == 0.0f); /* zero weights and biases */
    al_mhsa_free(&a);
}

/* ---- timing (informational): N 16, T 100, d 176, 4 heads, no dropout and p 0.1 ---- */

static void test_timing(void) {
    enum { N = 16, T = 100, D = 176, H = 4 };
    int lengths[N];
    for (int n = 0; n < N; n++) lengths[n] = T - 3 * n; /* sorted batch, 100 .. 55 frames */
    const dims s = {N, T, D, H, lengths};
    const int nx = n_x(&s), np = n_params(&s);
    al_rng rng;
    al_rng_seed(&rng, 1);
    float *x = malloc(sizeof(float) * nx), *prm = malloc(sizeof(float) * np), *dy = malloc(sizeof(float) * nx);
    float *y = malloc(sizeof(float) * nx), *dx = calloc(nx, sizeof(float)), *gp = calloc(np, sizeof(float));
    fill_normal(&rng, x, nx, 1.0);
    fill_normal(&rng, prm, np, 0.05);
    fill_normal(&rng, dy, nx, 1.0);
    al_mhsa a;
    CHECK_OK(al_mhsa_init(&a, D, H, N, T));
    views w = view(prm, &s), g = view(gp, &s);
    const float ps[2] = {0.0f, 0.1f};
    for (int k = 0; k < 2; k++) {
        enum { REPS = 5 };
        double best_f = 1e9, best_b = 1e9;
        for (int r = 0; r < REPS + 1; r++) {
            double t0 = al_time_now();
            CHECK_OK(al_mhsa_forward(&a, y, x, lengths, w.w_in, w.b_in, w.w_out, w.b_out, N, T, ps[k], 7));
            double t1 = al_time_now();
            CHECK_OK(al_mhsa_backward(&a, dx, g.w_in, g.b_in, g.w_out, g.b_out, dy, x, w.w_in, w.w_out));
            double t2 = al_time_now();
            if (r) { /* the first is a warm-up */
                best_f = fmin(best_f, t1 - t0);
                best_b = fmin(best_b, t2 - t1);
            }
        }
        fprintf(stderr,
                "attention timing N %d T %d d %d heads %d p %.1f, %d threads: forward %.2f ms, backward %.2f ms "
                "(best of %d)\n",
                N, T, D, H, ps[k], al_threads(), 1e3 * best_f, 1e3 * best_b, REPS);
    }
    al_mhsa_free(&a);
    free(x);
    free(prm);
    free(dy);
    free(y);
    free(dx);
    free(gp);
}

AL_TEST_MAIN(test_matches_pytorch, test_forward_matches_reference, test_gradients_finite_differences,
             test_gradients_finite_differences_dropout, test_key_padding_masks, test_dropout_deterministic,
             test_dropout_rate, test_cache_probabilities, test_accumulates_and_null, test_bad_arguments, test_timing)
