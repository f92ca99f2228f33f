/* Conv2d: the tiled sgemm kernels against plain double-precision loops (forward and backward, odd
 * sizes, strides 1 to 3, padding, tiles of several rows or of part of a row, 1 and 2 threads), gradients
 * against central finite differences, sequence masking, determinism, errors, and (when the fixture
 * exists) the DS2 conv block against PyTorch. */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/io.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/seqmask.h"

/* ---- plain reference loops (double) ------------------------------------------------------ */

/* y (n, c_out, d_out, t_out) = conv(x (n, c_in, d, t), w (c_out, c_in, kh, kw)) + b (c_out or NULL) */
static void conv_ref(double *y, const double *x, const double *w, const double *b, const al_conv2d_cfg *g, int n,
                     int d, int t) {
    int d_out = al_conv_out_len(d, g->kh, g->stride_h, g->pad_h), t_out = al_conv_out_len(t, g->kw, g->stride_w, g->pad_w);
    for (int s = 0; s < n; s++)
        for (int co = 0; co < g->c_out; co++)
            for (int od = 0; od < d_out; od++)
                for (int ot = 0; ot < t_out; ot++) {
                    double acc = b ? b[co] : 0.0;
                    for (int ci = 0; ci < g->c_in; ci++)
                        for (int ki = 0; ki < g->kh; ki++)
                            for (int kj = 0; kj < g->kw; kj++) {
                                int id = od * g->stride_h - g->pad_h + ki, it = ot * g->stride_w - g->pad_w + kj;
                                if (id < 0 || id >= d || it < 0 || it >= t) continue;
                                acc += w[((co * g->c_in + ci) * g->kh + ki) * g->kw + kj] *
                                       x[((s * g->c_in + ci) * d + id) * t + it];
                            }
                    y[((s * g->c_out + co) * d_out + od) * t_out + ot] = acc;
                }
}

/* dx, dw, db += the gradients of conv_ref for dy (n, c_out, d_out, t_out) */
static void conv_ref_backward(double *dx, double *dw, double *db, const double *dy, const double *x, const double *w,
                              const al_conv2d_cfg *g, int n, int d, int t) {
    int d_out = al_conv_out_len(d, g->kh, g->stride_h, g->pad_h), t_out = al_conv_out_len(t, g->kw, g->stride_w, g->pad_w);
    for (int s = 0; s < n; s++)
        for (int co = 0; co < g->c_out; co++)
            for (int od = 0; od < d_out; od++)
                for (int ot = 0; ot < t_out; ot++) {
                    double gy = dy[((s * g->c_out + co) * d_out + od) * t_out + ot];
                    db[co] += gy;
                    for (int ci = 0; ci < g->c_in; ci++)
                        for (int ki = 0; ki < g->kh; ki++)
                            for (int kj = 0; kj < g->kw; kj++) {
                                int id = od * g->stride_h - g->pad_h + ki, it = ot * g->stride_w - g->pad_w + kj;
                                if (id < 0 || id >= d || it < 0 || it >= t) continue;
                                size_t wi = ((co * g->c_in + ci) * g->kh + ki) * g->kw + kj;
                                size_t xi = ((s * g->c_in + ci) * d + id) * t + it;
                                dw[wi] += gy * x[xi];
                                dx[xi] += gy * w[wi];
                            }
                }
}

/* ---- helpers --------------------------------------------------------------------------------- */

static void fill(float *f, double *dbl, size_t count, al_rng *rng, double scale) {
    for (size_t i = 0; i < count; i++) {
        f[i] = (float)(scale * al_rng_range(rng, -1.0, 1.0));
        if (dbl) dbl[i] = f[i];
    }
}

static double *to_double(const float *f, size_t count) {
    double *d = malloc(count * sizeof *d);
    for (size_t i = 0; i < count; i++) d[i] = f[i];
    return d;
}

/* max over i of |a - b| / (atol + rtol |b|); <= 1 passes */
static double worst(const float *a, const double *b, size_t count, double atol, double rtol) {
    double w = 0.0;
    for (size_t i = 0; i < count; i++) {
        double e = fabs(a[i] - b[i]) / (atol + rtol * fabs(b[i]));
        if (!(e <= w)) w = e; /* NaN makes it fail */
    }
    return w;
}

typedef struct {
    al_conv2d_cfg g;
    int n, d, t;
} conv_case;

static const conv_case cases[] = {
    {{.c_in = 3, .c_out = 4, .kh = 5, .kw = 3, .stride_h = 2, .stride_w = 1, .pad_h = 2, .pad_w = 1, .tile = 7}, 2, 9, 8},
    {{.c_in = 2, .c_out = 5, .kh = 4, .kw = 5, .stride_h = 2, .stride_w = 2, .pad_h = 3, .pad_w = 2}, 3, 11, 13},
    /* DS2 conv1 geometry on a small input, tile 16 */
    {{.c_in = 1, .c_out = 3, .kh = 41, .kw = 11, .stride_h = 2, .stride_w = 2, .pad_h = 20, .pad_w = 5, .tile = 16}, 2, 45, 17},
    /* DS2 conv2 geometry, fewer channels */
    {{.c_in = 3, .c_out = 2, .kh = 21, .kw = 11, .stride_h = 2, .stride_w = 1, .pad_h = 10, .pad_w = 5, .tile = 50}, 2, 23, 12},
    /* no padding, stride 3x2, kernel columns that see no input for some outputs */
    {{.c_in = 2, .c_out = 3, .kh = 3, .kw = 7, .stride_h = 3, .stride_w = 2, .pad_h = 0, .pad_w = 1, .tile = 4}, 1, 10, 5},
    /* stride_w 2 with the time axis split into 3 chunks of 4 outputs */
    {{.c_in = 2, .c_out = 3, .kh = 3, .kw = 5, .stride_h = 1, .stride_w = 2, .pad_h = 1, .pad_w = 2, .tile = 6}, 2, 6, 23},
    /* padding larger than the kernel reach (all-zero rows and columns of output) */
    {{.c_in = 1, .c_out = 2, .kh = 2, .kw = 2, .stride_h = 1, .stride_w = 3, .pad_h = 3, .pad_w = 4, .tile = 5}, 2, 3, 4},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

/* Runs case cs with `threads` threads and bias on/off, compares forward and backward (accumulating
 * into pre-filled gradients) with the reference loops. */
static void run_case(const conv_case *cs, int threads, int with_bias, int with_dx) {
    const al_conv2d_cfg *g = &cs->g;
    int n = cs->n, d = cs->d, t = cs->t, d_out, t_out;
    CHECK_OK(al_conv2d_out_size(g, d, t, &d_out, &t_out));
    size_t nx = (size_t)n * g->c_in * d * t, nw = (size_t)g->c_out * g->c_in * g->kh * g->kw;
    size_t ny = (size_t)n * g->c_out * d_out * t_out;
    al_rng rng;
    al_rng_seed(&rng, 1234 + threads);
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(g->c_out * 4), *y = malloc(ny * 4), *dy = malloc(ny * 4);
    float *dx = malloc(nx * 4), *dw = malloc(nw * 4), *db = malloc(g->c_out * 4);
    double *xd = malloc(nx * 8), *wd = malloc(nw * 8), *bd = malloc(g->c_out * 8), *yd = malloc(ny * 8);
    double *dyd = malloc(ny * 8), *dxd = malloc(nx * 8), *dwd = malloc(nw * 8), *dbd = malloc(g->c_out * 8);
    fill(x, xd, nx, &rng, 1.0);
    fill(w, wd, nw, &rng, 0.5);
    fill(b, bd, g->c_out, &rng, 1.0);
    fill(dy, dyd, ny, &rng, 1.0);
    fill(dx, dxd, nx, &rng, 1.0); /* pre-filled: backward must add */
    fill(dw, dwd, nw, &rng, 1.0);
    fill(db, dbd, g->c_out, &rng, 1.0);

    al_set_threads(threads);
    al_conv2d conv;
    CHECK_OK(al_conv2d_init(&conv, g));
    CHECK_OK(al_conv2d_forward(&conv, y, x, w, with_bias ? b : NULL, n, d, t));
    CHECK_OK(al_conv2d_backward(&conv, with_dx ? dx : NULL, dw, with_bias ? db : NULL, dy, x, w, n, d, t));
    al_conv2d_free(&conv);

    conv_ref(yd, xd, wd, with_bias ? bd : NULL, g, n, d, t);
    float *dx0 = malloc(nx * 4), db0[8];
    memcpy(dx0, dx, nx * 4), memcpy(db0, db, g->c_out * 4);
    conv_ref_backward(dxd, dwd, dbd, dyd, xd, wd, g, n, d, t);
    double ey = worst(y, yd, ny, 1e-5, 1e-5), edw = worst(dw, dwd, nw, 1e-5, 1e-5);
    /* skipped gradients stay untouched */
    double edx = with_dx ? worst(dx, dxd, nx, 1e-5, 1e-5) : memcmp(dx, dx0, nx * 4) == 0 ? 0 : 2;
    double edb = with_bias ? worst(db, dbd, g->c_out, 1e-5, 1e-5) : memcmp(db, db0, g->c_out * 4) == 0 ? 0 : 2;
    CHECK_MSG(ey <= 1 && edw <= 1 && edx <= 1 && edb <= 1,
              "case %dx%d s%dx%d p%dx%d tile %d threads %d bias %d dx %d: y %.3g dw %.3g dx %.3g db %.3g", g->kh, g->kw,
              g->stride_h, g->stride_w, g->pad_h, g->pad_w, g->tile, threads, with_bias, with_dx, ey, edw, edx, edb);
    free(x), free(w), free(b), free(y), free(dy), free(dx), free(dw), free(db);
    free(xd), free(wd), free(bd), free(yd), free(dyd), free(dxd), free(dwd), free(dbd), free(dx0);
}

static void test_fast_matches_reference(void) {
    int threads0 = al_threads();
    for (int i = 0; i < NCASES; i++)
        for (int threads = 1; threads <= 2; threads++) {
            run_case(&cases[i], threads, 1, 1);
            run_case(&cases[i], threads, 0, 0);
        }
    al_set_threads(threads0);
}

/* Scratch sized for 2 threads, called with 1 (the single-thread path inside a 2-thread layer). */
static void test_fewer_threads_at_call_time(void) {
    int threads0 = al_threads();
    al_set_threads(2);
    const al_conv2d_cfg g = {.c_in = 2, .c_out = 3, .kh = 3, .kw = 3, .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1};
    int n = 2, d = 5, t = 6;
    al_conv2d conv;
    CHECK_OK(al_conv2d_init(&conv, &g));
    CHECK(conv.nthreads == 2);
    al_set_threads(1);
    float x[120], w[54], y[180], yr[180], dy[180], dw1[54] = {0}, dw2[54] = {0};
    al_rng rng;
    al_rng_seed(&rng, 5);
    fill(x, NULL, 120, &rng, 1), fill(w, NULL, 54, &rng, 1), fill(dy, NULL, 180, &rng, 1);
    CHECK_OK(al_conv2d_forward(&conv, y, x, w, NULL, n, d, t));
    CHECK_OK(al_conv2d_backward(&conv, NULL, dw1, NULL, dy, x, w, n, d, t));
    al_set_threads(2);
    CHECK_OK(al_conv2d_forward(&conv, yr, x, w, NULL, n, d, t));
    CHECK_OK(al_conv2d_backward(&conv, NULL, dw2, NULL, dy, x, w, n, d, t));
    for (int i = 0; i < 180; i++) CHECK_NEAR(y[i], yr[i], 1e-5);
    for (int i = 0; i < 54; i++) CHECK_NEAR(dw1[i], dw2[i], 1e-4);
    al_conv2d_free(&conv);
    al_set_threads(threads0);
}

/* loss = sum(conv(x) * R) in double; every gradient element of the fast backward against
 * central differences of the double forward. */
static void gradcheck(const al_conv2d_cfg *g, int n, int d, int t) {
    int d_out, t_out;
    CHECK_OK(al_conv2d_out_size(g, d, t, &d_out, &t_out));
    size_t nx = (size_t)n * g->c_in * d * t, nw = (size_t)g->c_out * g->c_in * g->kh * g->kw, nb = g->c_out;
    size_t ny = (size_t)n * g->c_out * d_out * t_out;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), *b = malloc(nb * 4), *R = malloc(ny * 4), *y = malloc(ny * 4);
    float *dx = calloc(nx, 4), *dw = calloc(nw, 4), *db = calloc(nb, 4);
    double *xd = malloc(nx * 8), *wd = malloc(nw * 8), *bd = malloc(nb * 8), *Rd = malloc(ny * 8), *yd = malloc(ny * 8);
    al_rng rng;
    al_rng_seed(&rng, 99);
    fill(x, xd, nx, &rng, 1), fill(w, wd, nw, &rng, 1), fill(b, bd, nb, &rng, 1), fill(R, Rd, ny, &rng, 1);
    al_conv2d conv;
    CHECK_OK(al_conv2d_init(&conv, g));
    CHECK_OK(al_conv2d_forward(&conv, y, x, w, b, n, d, t));
    CHECK_OK(al_conv2d_backward(&conv, dx, dw, db, R, x, w, n, d, t));
    al_conv2d_free(&conv);
    struct { double *v; const float *grad; size_t count; const char *name; } ps[] = {
        {xd, dx, nx, "x"}, {wd, dw, nw, "w"}, {bd, db, nb, "b"}};
    const double h = 1e-3;
    for (int p = 0; p < 3; p++)
        for (size_t i = 0; i < ps[p].count; i++) {
            double keep = ps[p].v[i], lp = 0, lm = 0;
            ps[p].v[i] = keep + h;
            conv_ref(yd, xd, wd, bd, g, n, d, t);
            for (size_t j = 0; j < ny; j++) lp += yd[j] * Rd[j];
            ps[p].v[i] = keep - h;
            conv_ref(yd, xd, wd, bd, g, n, d, t);
            for (size_t j = 0; j < ny; j++) lm += yd[j] * Rd[j];
            ps[p].v[i] = keep;
            double fd = (lp - lm) / (2 * h), an = ps[p].grad[i];
            CHECK_MSG(fabs(an - fd) <= 1e-4 || fabs(an - fd) <= 1e-3 * fabs(fd), "stride_w %d d%s[%zu]: analytic %.8g fd %.8g",
                      g->stride_w, ps[p].name, i, an, fd);
        }
    free(x), free(w), free(b), free(R), free(y), free(dx), free(dw), free(db), free(xd), free(wd), free(bd), free(Rd), free(yd);
}

/* stride_w 2 (two phases, a zero-padded kernel column) and stride_w 1 with tiles of 1 row x 4
 * columns and of 2 whole rows */
static void test_gradients_match_finite_differences(void) {
    const al_conv2d_cfg s2 = {.c_in = 2, .c_out = 3, .kh = 3, .kw = 4, .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 2, .tile = 5};
    const al_conv2d_cfg s1 = {.c_in = 2, .c_out = 3, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 1, .pad_h = 1, .pad_w = 1, .tile = 6};
    al_conv2d_cfg s1_rows = s1;
    s1_rows.tile = 24;
    gradcheck(&s2, 2, 7, 6);
    gradcheck(&s1, 2, 7, 9);
    gradcheck(&s1_rows, 2, 7, 9);
}

/* Two samples of different lengths: after the mask, frames >= out_len are exactly zero and the
 * others equal the unmasked output; masking the gradient zeroes the same frames. */
static void test_mask_zeroes_padding_exactly(void) {
    const al_conv2d_cfg g = {.c_in = 1, .c_out = 2, .kh = 5, .kw = 11, .stride_h = 2, .stride_w = 2, .pad_h = 2, .pad_w = 5};
    int n = 2, d = 9, t = 20, d_out, t_out, len[2] = {20, 13}, out_len[2];
    CHECK_OK(al_conv2d_out_size(&g, d, t, &d_out, &t_out));
    for (int i = 0; i < n; i++) out_len[i] = al_conv_out_len(len[i], g.kw, g.stride_w, g.pad_w);
    CHECK(out_len[0] == t_out && out_len[0] == 10 && out_len[1] == 7);
    size_t nx = (size_t)n * d * t, ny = (size_t)n * g.c_out * d_out * t_out;
    float *x = malloc(nx * 4), w[110], *y = malloc(ny * 4), *ym = malloc(ny * 4);
    al_rng rng;
    al_rng_seed(&rng, 3);
    fill(x, NULL, nx, &rng, 1), fill(w, NULL, 110, &rng, 1);
    al_conv2d conv;
    CHECK_OK(al_conv2d_init(&conv, &g));
    CHECK_OK(al_conv2d_forward(&conv, y, x, w, NULL, n, d, t));
    memcpy(ym, y, ny * 4);
    CHECK_OK(al_seqmask(ym, out_len, n, g.c_out * d_out, t_out));
    int bad = 0;
    for (int s = 0; s < n; s++)
        for (int r = 0; r < g.c_out * d_out; r++)
            for (int f = 0; f < t_out; f++) {
                size_t i = ((size_t)s * g.c_out * d_out + r) * t_out + f;
                bad += f >= out_len[s] ? ym[i] != 0.0f : ym[i] != y[i];
            }
    CHECK(bad == 0);
    int too_long[2] = {10, 11};
    CHECK(al_seqmask(ym, too_long, n, g.c_out * d_out, t_out) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "seqmask");
    al_conv2d_free(&conv);
    free(x), free(y), free(ym);
}

/* deepspeech.pytorch get_seq_lens: int(float(len + 2p - k) / s + 1) */
static void test_output_lengths(void) {
    CHECK(al_conv_out_len(161, 41, 2, 20) == 81); /* DS2 conv1, 161 frequency bins */
    CHECK(al_conv_out_len(81, 21, 2, 10) == 41);  /* conv2 */
    CHECK(al_conv_out_len(400, 11, 2, 5) == 200);
    CHECK(al_conv_out_len(200, 11, 1, 5) == 200);
    for (int len = 0; len < 40; len++)
        CHECK(al_conv_out_len(len, 11, 2, 5) == (int)((double)(len + 10 - 11) / 2 + 1));
}

static void test_deterministic_across_runs(void) {
    int threads0 = al_threads();
    al_set_threads(2);
    const al_conv2d_cfg g = {.c_in = 4, .c_out = 4, .kh = 5, .kw = 3, .stride_h = 2, .stride_w = 1, .pad_h = 2, .pad_w = 1, .tile = 13};
    int n = 5, d = 15, t = 21, d_out, t_out;
    CHECK_OK(al_conv2d_out_size(&g, d, t, &d_out, &t_out));
    size_t nx = (size_t)n * 4 * d * t, ny = (size_t)n * 4 * d_out * t_out, nw = 4 * 4 * 5 * 3;
    float *x = malloc(nx * 4), *w = malloc(nw * 4), b[4], *dy = malloc(ny * 4);
    float *out[2][4];
    al_rng rng;
    al_rng_seed(&rng, 11);
    fill(x, NULL, nx, &rng, 1), fill(w, NULL, nw, &rng, 1), fill(b, NULL, 4, &rng, 1), fill(dy, NULL, ny, &rng, 1);
    for (int run = 0; run < 2; run++) {
        out[run][0] = malloc(ny * 4), out[run][1] = calloc(nx, 4), out[run][2] = calloc(nw, 4), out[run][3] = calloc(4, 4);
        al_conv2d conv;
        CHECK_OK(al_conv2d_init(&conv, &g));
        CHECK_OK(al_conv2d_forward(&conv, out[run][0], x, w, b, n, d, t));
        CHECK_OK(al_conv2d_backward(&conv, out[run][1], out[run][2], out[run][3], dy, x, w, n, d, t));
        al_conv2d_free(&conv);
    }
    CHECK(memcmp(out[0][0], out[1][0], ny * 4) == 0);
    CHECK(memcmp(out[0][1], out[1][1], nx * 4) == 0);
    CHECK(memcmp(out[0][2], out[1][2], nw * 4) == 0);
    CHECK(memcmp(out[0][3], out[1][3], 4 * 4) == 0);
    for (int run = 0; run < 2; run++)
        for (int k = 0; k < 4; k++) free(out[run][k]);
    free(x), free(w), free(dy);
    al_set_threads(threads0);
}

static void test_bad_sizes_are_errors(void) {
    al_conv2d conv;
    al_conv2d_cfg g = {.c_in = 1, .c_out = 2, .kh = 3, .kw = 3, .stride_h = 0, .stride_w = 1};
    CHECK(al_conv2d_init(&conv, &g) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "conv2d");
    g.stride_h = 1;
    g.pad_w = -1;
    CHECK(al_conv2d_init(&conv, &g) == AL_ERR_INVALID);
    g.pad_w = 0;
    g.tile = 2; /* stride_w 1: a tile must hold one kernel width */
    CHECK(al_conv2d_init(&conv, &g) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "tile 2");
    g.tile = 0;
    CHECK_OK(al_conv2d_init(&conv, &g));
    float x[8] = {0}, w[18] = {0}, y[8];
    CHECK(al_conv2d_forward(&conv, y, x, w, NULL, 1, 2, 4) == AL_ERR_INVALID); /* 2 rows < kernel 3 */
    CHECK_STR_CONTAINS(al_last_error(), "smaller than kernel");
    CHECK(al_conv2d_backward(&conv, NULL, y, NULL, y, x, w, 0, 3, 3) == AL_ERR_INVALID);
    al_conv2d_free(&conv);
}

/* ---- PyTorch parity: Conv2d + BatchNorm2d + Hardtanh(0, 20) under MaskConv ------------------ */

static float *fixture(const al_st_file *f, const char *name, size_t count) {
    const al_st_tensor *t = al_st_find(f, name);
    CHECK_MSG(t && t->dtype == AL_DT_F32 && (size_t)t->numel == count, "fixture tensor %s", name);
    if (!t || t->dtype != AL_DT_F32 || (size_t)t->numel != count) return NULL;
    float *v = malloc(count * 4);
    memcpy(v, t->data, count * 4);
    return v;
}

static double worst_f(const float *a, const float *b, size_t count, double atol, double rtol) {
    double *bd = to_double(b, count), e = worst(a, bd, count, atol, rtol);
    free(bd);
    return e;
}

static void test_conv_block_matches_pytorch(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/layers/layers.safetensors", al_test_data());
    al_st_file *f;
    CHECK_OK(al_st_open(path, &f));
    if (!f) return;
    const al_conv2d_cfg g = {.c_in = 2, .c_out = 3, .kh = 5, .kw = 3, .stride_h = 2, .stride_w = 1, .pad_h = 2, .pad_w = 1};
    int n = 2, d = 9, t = 10, d_out, t_out, len[2] = {10, 7}, out_len[2];
    CHECK_OK(al_conv2d_out_size(&g, d, t, &d_out, &t_out));
    for (int i = 0; i < n; i++) out_len[i] = al_conv_out_len(len[i], g.kw, g.stride_w, g.pad_w);
    size_t nx = (size_t)n * 2 * d * t, nw = 3 * 2 * 5 * 3, ny = (size_t)n * 3 * d_out * t_out, rows = 3 * d_out;
    float *x = fixture(f, "block.x", nx), *w = fixture(f, "block.conv.weight", nw), *b = fixture(f, "block.conv.bias", 3);
    float *bw = fixture(f, "block.bn.weight", 3), *bb = fixture(f, "block.bn.bias", 3);
    float *rm = fixture(f, "block.bn.running_mean.before", 3), *rv = fixture(f, "block.bn.running_var.before", 3);
    float *R = fixture(f, "block.R", ny), *want_y = fixture(f, "block.y", ny);
    float *want_rm = fixture(f, "block.bn.running_mean", 3), *want_rv = fixture(f, "block.bn.running_var", 3);
    float *want_dx = fixture(f, "block.x.grad", nx), *want_dw = fixture(f, "block.conv.weight.grad", nw);
    float *want_db = fixture(f, "block.conv.bias.grad", 3), *want_dbw = fixture(f, "block.bn.weight.grad", 3);
    float *want_dbb = fixture(f, "block.bn.bias.grad", 3);
    if (x && w && b && bw && bb && rm && rv && R && want_y && want_rm && want_rv && want_dx && want_dw && want_db &&
        want_dbw && want_dbb) {
        float *c = malloc(ny * 4), *z = malloc(ny * 4), *y = malloc(ny * 4), *g1 = calloc(ny, 4), *g2 = calloc(ny, 4);
        float *dx = calloc(nx, 4), *dw = calloc(nw, 4), db[3] = {0}, dbw[3] = {0}, dbb[3] = {0};
        al_conv2d conv;
        al_batchnorm bn;
        CHECK_OK(al_conv2d_init(&conv, &g));
        CHECK_OK(al_batchnorm_init(&bn, 3));
        /* forward: conv, mask, bn, mask, hardtanh, mask */
        CHECK_OK(al_conv2d_forward(&conv, c, x, w, b, n, d, t));
        CHECK_OK(al_seqmask(c, out_len, n, rows, t_out));
        CHECK_OK(al_batchnorm_forward(&bn, z, rm, rv, c, bw, bb, 1, n, d_out * t_out));
        CHECK_OK(al_seqmask(z, out_len, n, rows, t_out));
        al_hardtanh_forward(y, z, 0.0f, 20.0f, ny);
        CHECK_OK(al_seqmask(y, out_len, n, rows, t_out));
        CHECK_MSG(worst_f(y, want_y, ny, 1e-5, 1e-4) <= 1, "y: %.3g", worst_f(y, want_y, ny, 1e-5, 1e-4));
        CHECK(worst_f(rm, want_rm, 3, 1e-6, 1e-5) <= 1);
        CHECK(worst_f(rv, want_rv, 3, 1e-6, 1e-5) <= 1);
        /* backward of loss = sum(y * R) */
        memcpy(g2, R, ny * 4);
        CHECK_OK(al_seqmask(g2, out_len, n, rows, t_out));
        al_hardtanh_backward(g1, g2, y, 0.0f, 20.0f, ny);
        CHECK_OK(al_seqmask(g1, out_len, n, rows, t_out));
        memset(g2, 0, ny * 4);
        CHECK_OK(al_batchnorm_backward(&bn, g2, dbw, dbb, g1, c, bw, n, d_out * t_out));
        CHECK_OK(al_seqmask(g2, out_len, n, rows, t_out));
        CHECK_OK(al_conv2d_backward(&conv, dx, dw, db, g2, x, w, n, d, t));
        CHECK_MSG(worst_f(dx, want_dx, nx, 1e-5, 1e-3) <= 1, "dx: %.3g", worst_f(dx, want_dx, nx, 1e-5, 1e-3));
        CHECK_MSG(worst_f(dw, want_dw, nw, 1e-5, 1e-3) <= 1, "dw: %.3g", worst_f(dw, want_dw, nw, 1e-5, 1e-3));
        CHECK_MSG(worst_f(db, want_db, 3, 1e-5, 1e-3) <= 1, "db: %.3g", worst_f(db, want_db, 3, 1e-5, 1e-3));
        CHECK_MSG(worst_f(dbw, want_dbw, 3, 1e-5, 1e-3) <= 1, "dbn.w: %.3g", worst_f(dbw, want_dbw, 3, 1e-5, 1e-3));
        CHECK_MSG(worst_f(dbb, want_dbb, 3, 1e-5, 1e-3) <= 1, "dbn.b: %.3g", worst_f(dbb, want_dbb, 3, 1e-5, 1e-3));
        al_conv2d_free(&conv);
        al_batchnorm_free(&bn);
        free(c), free(z), free(y), free(g1), free(g2), free(dx), free(dw);
    }
    float *all[] = {x, w, b, bw, bb, rm, rv, R, want_y, want_rm, want_rv, want_dx, want_dw, want_db, want_dbw, want_dbb};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    al_st_close(f);
}

AL_TEST_MAIN(test_fast_matches_reference, test_fewer_threads_at_call_time, test_gradients_match_finite_differences,
             test_mask_zeroes_padding_exactly, test_output_lengths, test_deterministic_across_runs,
             test_bad_sizes_are_errors, test_conv_block_matches_pytorch)
