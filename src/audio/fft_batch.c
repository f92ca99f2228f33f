/* Batched real FFT (see fft_batch.h). Buffers of complex elements are (count, 2, B): element e
 * has its B real parts at buf + 2Be and its B imaginary parts right after. Every kernel's
 * innermost loop runs over the B frames with constant trip count, which the compiler turns into
 * whole vectors.
 *
 * Stockham stage of radix r on sub-transforms of length l = r·ml with stride s (m = l·s):
 *   y[q + s(r·j + k)] = w_l^(j·k) · sum_t x[q + s(j + t·ml)] · w_r^(t·k),   j < ml, q < s, k < r
 * with w_l = exp(-2 pi i / l). The first stage has s = 1, the last ml = 1; the result comes out
 * in natural order without a bit-reversal pass. */
#include "audio/fft_batch.h"

#include <math.h>
#include <string.h>

/* Contraction into FMA would differ between the code paths (only some have FMA). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AL_FFT_X86 1
#endif

#define AL_INLINE static inline __attribute__((always_inline))

enum { B = AL_FFT_BATCH, MAX_STAGES = 32 };

typedef struct {
    int r;  /* radix */
    int ml; /* sub-transforms after this stage have length ml; l = r·ml */
    int s;  /* stride: m / l */
    int tw; /* offset (complex) into twiddles: (ml, r - 1) values w_l^(j·k), k >= 1 */
    int rt; /* r > 5: offset (complex) into roots: (r) values w_r^t */
} stage;

typedef void (*forward_fn)(const al_fft_batch *p, const float *in, float *out);

struct al_fft_batch {
    int n, m;          /* real size, complex size n/2 */
    int n_stages;
    stage st[MAX_STAGES];
    float *tw;         /* (sum over stages of ml·(r - 1), 2) */
    float *roots;      /* (sum of r over stages with r > 5, 2) */
    int n_roots;
    float *post;       /* (m/2 + 1, 2): exp(-2 pi i k / n) */
    float *scratch;    /* (m, 2, B) */
    al_fft_isa isa;
    forward_fn forward;
};

#define RE(buf, e) ((buf) + (size_t)(e) * 2 * B)
#define IM(buf, e) ((buf) + (size_t)(e) * 2 * B + B)

/* y = c (twiddle 0) or c · w. */
AL_INLINE void put(float *yr, float *yi, float cr, float ci, float wr, float wi, int twiddle) {
    if (twiddle) {
        *yr = cr * wr - ci * wi;
        *yi = cr * wi + ci * wr;
    } else {
        *yr = cr;
        *yi = ci;
    }
}

/* One (j, q) butterfly of each radix over B frames: input t is the element at x + t·xs, output k
 * the element at y + k·ys (xs, ys in floats); w: (r - 1, 2) twiddles, used when twiddle is 1. */
AL_INLINE void bfly2(const float *x, size_t xs, float *y, size_t ys, const float *w, int twiddle) {
    const float *restrict x0 = x, *restrict x1 = x + xs;
    float *restrict y0 = y, *restrict y1 = y + ys;
    const float w1r = w[0], w1i = w[1];
#pragma omp simd
    for (int f = 0; f < B; f++) {
        float ar = x0[f], ai = x0[B + f], br = x1[f], bi = x1[B + f];
        y0[f] = ar + br;
        y0[B + f] = ai + bi;
        put(&y1[f], &y1[B + f], ar - br, ai - bi, w1r, w1i, twiddle);
    }
}

AL_INLINE void bfly3(const float *x, size_t xs, float *y, size_t ys, const float *w, int twiddle) {
    const float *restrict x0 = x, *restrict x1 = x + xs, *restrict x2 = x + 2 * xs;
    float *restrict y0 = y, *restrict y1 = y + ys, *restrict y2 = y + 2 * ys;
    const float s3 = 0.866025403784438646763723f; /* sin(2 pi / 3) */
    const float w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3];
#pragma omp simd
    for (int f = 0; f < B; f++) {
        float br = x1[f] + x2[f], bi = x1[B + f] + x2[B + f];
        float dr = x1[f] - x2[f], di = x1[B + f] - x2[B + f];
        float tr = x0[f] - 0.5f * br, ti = x0[B + f] - 0.5f * bi;
        float ur = s3 * dr, ui = s3 * di;
        y0[f] = x0[f] + br;
        y0[B + f] = x0[B + f] + bi;
        put(&y1[f], &y1[B + f], tr + ui, ti - ur, w1r, w1i, twiddle); /* t - i u */
        put(&y2[f], &y2[B + f], tr - ui, ti + ur, w2r, w2i, twiddle); /* t + i u */
    }
}

AL_INLINE void bfly4(const float *x, size_t xs, float *y, size_t ys, const float *w, int twiddle) {
    const float *restrict x0 = x, *restrict x1 = x + xs, *restrict x2 = x + 2 * xs, *restrict x3 = x + 3 * xs;
    float *restrict y0 = y, *restrict y1 = y + ys, *restrict y2 = y + 2 * ys, *restrict y3 = y + 3 * ys;
    const float w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3], w3r = w[4], w3i = w[5];
#pragma omp simd
    for (int f = 0; f < B; f++) {
        float t0r = x0[f] + x2[f], t0i = x0[B + f] + x2[B + f];
        float t1r = x0[f] - x2[f], t1i = x0[B + f] - x2[B + f];
        float t2r = x1[f] + x3[f], t2i = x1[B + f] + x3[B + f];
        float t3r = x1[B + f] - x3[B + f], t3i = x3[f] - x1[f]; /* -i (x1 - x3) */
        y0[f] = t0r + t2r;
        y0[B + f] = t0i + t2i;
        put(&y1[f], &y1[B + f], t1r + t3r, t1i + t3i, w1r, w1i, twiddle);
        put(&y2[f], &y2[B + f], t0r - t2r, t0i - t2i, w2r, w2i, twiddle);
        put(&y3[f], &y3[B + f], t1r - t3r, t1i - t3i, w3r, w3i, twiddle);
    }
}

AL_INLINE void bfly5(const float *x, size_t xs, float *y, size_t ys, const float *w, int twiddle) {
    const float *restrict x0 = x, *restrict x1 = x + xs, *restrict x2 = x + 2 * xs, *restrict x3 = x + 3 * xs,
                         *restrict x4 = x + 4 * xs;
    float *restrict y0 = y, *restrict y1 = y + ys, *restrict y2 = y + 2 * ys, *restrict y3 = y + 3 * ys,
                   *restrict y4 = y + 4 * ys;
    const float c1 = 0.309016994374947424102293f;  /* cos(2 pi / 5) */
    const float c2 = -0.809016994374947424102293f; /* cos(4 pi / 5) */
    const float s1 = 0.951056516295153572116439f;  /* sin(2 pi / 5) */
    const float s2 = 0.587785252292473129168706f;  /* sin(4 pi / 5) */
    const float w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3], w3r = w[4], w3i = w[5], w4r = w[6], w4i = w[7];
#pragma omp simd
    for (int f = 0; f < B; f++) {
        float ar = x0[f], ai = x0[B + f];
        float b1r = x1[f] + x4[f], b1i = x1[B + f] + x4[B + f];
        float b2r = x2[f] + x3[f], b2i = x2[B + f] + x3[B + f];
        float d1r = x1[f] - x4[f], d1i = x1[B + f] - x4[B + f];
        float d2r = x2[f] - x3[f], d2i = x2[B + f] - x3[B + f];
        float t1r = ar + c1 * b1r + c2 * b2r, t1i = ai + c1 * b1i + c2 * b2i;
        float t2r = ar + c2 * b1r + c1 * b2r, t2i = ai + c2 * b1i + c1 * b2i;
        float u1r = s1 * d1r + s2 * d2r, u1i = s1 * d1i + s2 * d2i;
        float u2r = s2 * d1r - s1 * d2r, u2i = s2 * d1i - s1 * d2i;
        y0[f] = ar + b1r + b2r;
        y0[B + f] = ai + b1i + b2i;
        put(&y1[f], &y1[B + f], t1r + u1i, t1i - u1r, w1r, w1i, twiddle); /* t1 - i u1 */
        put(&y4[f], &y4[B + f], t1r - u1i, t1i + u1r, w4r, w4i, twiddle); /* t1 + i u1 */
        put(&y2[f], &y2[B + f], t2r + u2i, t2i - u2r, w2r, w2i, twiddle);
        put(&y3[f], &y3[B + f], t2r - u2i, t2i + u2r, w3r, w3i, twiddle);
    }
}

/* Any radix r: y[k] = w_l^(j·k) · sum_t x[t] · w_r^(t·k), O(r^2). roots: (r, 2) w_r^t. */
AL_INLINE void bfly_generic(const float *restrict x, size_t x_step, float *restrict y, size_t y_step, int r,
                            const float *roots, const float *w, int twiddle) {
    for (int k = 0; k < r; k++) {
        float *restrict yr = y + k * y_step, *restrict yi = yr + B;
#pragma omp simd
        for (int f = 0; f < B; f++) {
            yr[f] = x[f];
            yi[f] = x[B + f];
        }
        for (int t = 1; t < r; t++) {
            const float *restrict xt = x + t * x_step;
            const int e = (int)((long)t * k % r);
            const float cr = roots[2 * e], ci = roots[2 * e + 1];
#pragma omp simd
            for (int f = 0; f < B; f++) {
                yr[f] += xt[f] * cr - xt[B + f] * ci;
                yi[f] += xt[f] * ci + xt[B + f] * cr;
            }
        }
        if (twiddle && k > 0) {
            const float wr = w[2 * (k - 1)], wi = w[2 * (k - 1) + 1];
#pragma omp simd
            for (int f = 0; f < B; f++) {
                float re = yr[f], im = yi[f];
                yr[f] = re * wr - im * wi;
                yi[f] = re * wi + im * wr;
            }
        }
    }
}

/* One Stockham stage x (m, 2, B) -> y (m, 2, B). */
AL_INLINE void run_stage(const al_fft_batch *p, const stage *sg, const float *restrict x, float *restrict y) {
    const int r = sg->r, ml = sg->ml, s = sg->s;
    const size_t xs = (size_t)ml * s * 2 * B, ys = (size_t)s * 2 * B; /* element steps between t, k */
    for (int j = 0; j < ml; j++) {
        const float *w = p->tw + 2 * ((size_t)sg->tw + (size_t)j * (r - 1));
        for (int q = 0; q < s; q++) {
            const float *a = RE(x, q + (size_t)s * j);
            float *c = RE(y, q + (size_t)s * r * j);
            switch (r) { /* j = 0: all twiddles are 1 */
            case 2: j ? bfly2(a, xs, c, ys, w, 1) : bfly2(a, xs, c, ys, w, 0); break;
            case 3: j ? bfly3(a, xs, c, ys, w, 1) : bfly3(a, xs, c, ys, w, 0); break;
            case 4: j ? bfly4(a, xs, c, ys, w, 1) : bfly4(a, xs, c, ys, w, 0); break;
            case 5: j ? bfly5(a, xs, c, ys, w, 1) : bfly5(a, xs, c, ys, w, 0); break;
            default:
                bfly_generic(a, xs, c, ys, r, p->roots + 2 * sg->rt, w, j != 0);
                break;
            }
        }
    }
}

/* In place on z (m + 1, 2, B) holding Z = FFT_m(x[2j] + i x[2j+1]) in its first m elements:
 * X[k] = E[k] + W^k O[k] with E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i,
 * W = exp(-2 pi i / n), and X[m-k] = conj(E[k] - W^k O[k]). */
AL_INLINE void split_real(const al_fft_batch *p, float *restrict z) {
    const int m = p->m;
    float *restrict z0r = RE(z, 0), *restrict z0i = IM(z, 0), *restrict zmr = RE(z, m), *restrict zmi = IM(z, m);
#pragma omp simd
    for (int f = 0; f < B; f++) {
        float a = z0r[f], b = z0i[f];
        z0r[f] = a + b;
        z0i[f] = 0.0f;
        zmr[f] = a - b;
        zmi[f] = 0.0f;
    }
    for (int k = 1; 2 * k < m; k++) {
        const float wr = p->post[2 * k], wi = p->post[2 * k + 1];
        float *restrict ar = RE(z, k), *restrict ai = IM(z, k);
        float *restrict br = RE(z, m - k), *restrict bi = IM(z, m - k);
#pragma omp simd
        for (int f = 0; f < B; f++) {
            float er = 0.5f * (ar[f] + br[f]), ei = 0.5f * (ai[f] - bi[f]);
            float or_ = 0.5f * (ai[f] + bi[f]), oi = -0.5f * (ar[f] - br[f]);
            float gr = or_ * wr - oi * wi, gi = or_ * wi + oi * wr;
            ar[f] = er + gr;
            ai[f] = ei + gi;
            br[f] = er - gr;
            bi[f] = gi - ei;
        }
    }
    if (m % 2 == 0 && m > 1) { /* X[m/2] = conj Z[m/2], exactly */
        float *restrict hi = IM(z, m / 2);
#pragma omp simd
        for (int f = 0; f < B; f++) hi[f] = -hi[f];
    }
}

/* Stages ping-pong between out and scratch so that the last one lands in out. */
AL_INLINE void forward_body(const al_fft_batch *p, const float *in, float *out) {
    const int ns = p->n_stages;
    const float *src = in;
    for (int i = 0; i < ns; i++) {
        float *dst = (ns - i) % 2 ? out : p->scratch;
        run_stage(p, &p->st[i], src, dst);
        src = dst;
    }
    if (ns == 0) memcpy(out, in, sizeof(float) * 2 * B);
    split_real(p, out);
}

static void forward_default(const al_fft_batch *p, const float *in, float *out) { forward_body(p, in, out); }
#ifdef AL_FFT_X86
__attribute__((target("avx2"))) static void forward_avx2(const al_fft_batch *p, const float *in, float *out) {
    forward_body(p, in, out);
}
__attribute__((target("avx512f"))) static void forward_avx512(const al_fft_batch *p, const float *in, float *out) {
    forward_body(p, in, out);
}
#endif

void al_fft_batch_forward(al_fft_batch *p, const float *in, float *out) { p->forward(p, in, out); }

al_fft_isa al_fft_batch_isa(const al_fft_batch *p) { return p->isa; }

void al_fft_batch_free(al_fft_batch *p) {
    if (!p) return;
    al_free(p->tw);
    al_free(p->roots);
    al_free(p->post);
    al_free(p->scratch);
    al_free(p);
}

/* Picks the code path; AL_ERR_UNSUPPORTED when isa is unavailable here. */
static al_status pick_isa(al_fft_batch *p, al_fft_isa isa) {
#ifdef AL_FFT_X86
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f"), avx2 = __builtin_cpu_supports("avx2");
    if (isa == AL_FFT_ISA_AUTO) isa = avx512 ? AL_FFT_ISA_AVX512 : avx2 ? AL_FFT_ISA_AVX2 : AL_FFT_ISA_DEFAULT;
    if ((isa == AL_FFT_ISA_AVX512 && !avx512) || (isa == AL_FFT_ISA_AVX2 && !avx2))
        return al_error(AL_ERR_UNSUPPORTED, "fft: instruction set %d not supported by this CPU", (int)isa);
    p->forward = isa == AL_FFT_ISA_AVX512 ? forward_avx512 : isa == AL_FFT_ISA_AVX2 ? forward_avx2 : forward_default;
#else
    if (isa == AL_FFT_ISA_AUTO) isa = AL_FFT_ISA_DEFAULT;
    if (isa != AL_FFT_ISA_DEFAULT)
        return al_error(AL_ERR_UNSUPPORTED, "fft: instruction set %d not built for this target", (int)isa);
    p->forward = forward_default;
#endif
    p->isa = isa;
    return AL_OK;
}

/* m as radix-4 stages, then 2, 3, 5 and any other primes (ascending). */
static al_status factor(al_fft_batch *p) {
    int rest = p->m, ns = 0, ntw = 0;
    int l = p->m; /* sub-transform length before the stage */
    while (rest > 1) {
        int r = rest % 4 == 0 ? 4 : rest % 2 == 0 ? 2 : 0;
        for (int d = 3; !r; d += 2)
            if (rest % d == 0) r = d;
        if (ns == MAX_STAGES) return al_error(AL_ERR_UNSUPPORTED, "fft: size %d has too many factors", p->n);
        stage *sg = &p->st[ns++];
        sg->r = r;
        sg->ml = l / r;
        sg->s = p->m / l;
        sg->tw = ntw;
        ntw += sg->ml * (r - 1);
        sg->rt = p->n_roots;
        if (r > 5) p->n_roots += r;
        rest /= r;
        l /= r;
    }
    p->n_stages = ns;
    p->tw = al_malloc(sizeof(float) * 2 * (size_t)(ntw > 0 ? ntw : 1));
    return p->tw ? AL_OK : al_error(AL_ERR_NOMEM, "fft: out of memory");
}

al_status al_fft_batch_new(int n, al_fft_isa isa, al_fft_batch **out) {
    *out = NULL;
    if (n < 2 || n % 2) return al_error(AL_ERR_INVALID, "fft: size %d must be even and >= 2", n);
    al_fft_batch *p = al_calloc(1, sizeof *p);
    if (!p) return al_error(AL_ERR_NOMEM, "fft: out of memory");
    p->n = n;
    p->m = n / 2;
    al_status st = pick_isa(p, isa);
    if (st == AL_OK) st = factor(p);
    if (st != AL_OK) {
        al_fft_batch_free(p);
        return st;
    }
    p->post = al_malloc(sizeof(float) * 2 * (size_t)(p->m / 2 + 1));
    p->scratch = al_malloc(sizeof(float) * 2 * B * (size_t)p->m);
    if (p->n_roots) p->roots = al_malloc(sizeof(float) * 2 * (size_t)p->n_roots);
    if (!p->post || !p->scratch || (p->n_roots && !p->roots)) {
        al_fft_batch_free(p);
        return al_error(AL_ERR_NOMEM, "fft: out of memory");
    }
    for (int i = 0; i < p->n_stages; i++) {
        const stage *sg = &p->st[i];
        const int l = sg->r * sg->ml;
        for (int j = 0; j < sg->ml; j++)
            for (int k = 1; k < sg->r; k++) {
                double a = -2.0 * M_PI * (double)j * k / l;
                float *w = p->tw + 2 * ((size_t)sg->tw + (size_t)j * (sg->r - 1) + (k - 1));
                w[0] = (float)cos(a);
                w[1] = (float)sin(a);
            }
        for (int t = 0; sg->r > 5 && t < sg->r; t++) {
            p->roots[2 * (sg->rt + t)] = (float)cos(-2.0 * M_PI * t / sg->r);
            p->roots[2 * (sg->rt + t) + 1] = (float)sin(-2.0 * M_PI * t / sg->r);
        }
    }
    for (int k = 0; k <= p->m / 2; k++) {
        p->post[2 * k] = (float)cos(-2.0 * M_PI * k / n);
        p->post[2 * k + 1] = (float)sin(-2.0 * M_PI * k / n);
    }
    *out = p;
    return AL_OK;
}
