/* Vectorised LSTM cell: GCC vector types, compiled for AVX-512, AVX2 + FMA and baseline x86-64 and
 * picked at load time (see lstm_cell.h). */
#include "nn/lstm_cell.h"

#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

/* The helpers below take and return vectors but are always inlined: no call ever uses the vector
 * ABI that GCC warns about for the baseline clone. */
#pragma GCC diagnostic ignored "-Wpsabi"

enum { VW = 16 }; /* floats per vector: one AVX-512 register, two AVX2 ones */
typedef float vf __attribute__((vector_size(VW * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(VW * sizeof(float))));

INLINE vf load(const float *p) {
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
INLINE void store(float *p, vf v) { memcpy(p, &v, sizeof v); }
INLINE vf splat(float s) { return (vf){0} + s; }
/* m ? a : b per element, m from a comparison (all bits set or clear) */
INLINE vf select(vi m, vf a, vf b) { return (vf)((m & (vi)a) | (~m & (vi)b)); }
INLINE vf clamp(vf x, float lo, float hi) {
    x = select(x < lo, splat(lo), x);
    return select(x > hi, splat(hi), x);
}

/* e^x, relative error below 3e-7, for x clamped to [-87, 88] (normal results, no overflow):
 * x = n ln2 + r with |r| <= ln2 / 2, e^r by its Taylor series to r^7 (the next term is below 6e-9
 * of it), 2^n written into the exponent bits. */
INLINE vf vexp(vf x) {
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits */
    x = clamp(x, -87.0f, 88.0f);
    vf t = x * 1.44269504f + round_magic;
    vf n = t - round_magic;
    /* ln2 in two parts, the first with 9 significant bits so that n * it is exact */
    vf r = x - n * 0.693359375f + n * 2.12194440e-4f;
    vf p = splat(1.0f / 5040.0f);
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    vi e = ((vi)t - 0x4B400000 + 127) << 23; /* t's bits are those of 1.5 * 2^23 plus n */
    return p * (vf)e;
}

INLINE vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }

/* tanh: (1 - e) / (1 + e) with e = e^(-2|x|), sign restored; below |x| 0.3, where 1 - e would
 * lose digits, the odd Taylor series to x^9 (the next term is below 6e-8 of it). */
INLINE vf vtanh(vf x) {
    const vi sign = (vi){0} + INT32_MIN;
    vf a = (vf)((vi)x & ~sign);
    vf e = vexp(-2.0f * a);
    vf big = (vf)((vi)((1.0f - e) / (1.0f + e)) | ((vi)x & sign));
    vf x2 = x * x;
    vf q = splat(62.0f / 2835.0f);
    q = q * x2 - 17.0f / 315.0f;
    q = q * x2 + 2.0f / 15.0f;
    q = q * x2 - 1.0f / 3.0f;
    vf small = x + x * x2 * q;
    return select(a < 0.3f, small, big);
}

/* VW elements of the cell starting at k of each H-long row. */
INLINE void cell(float *g, const float *b, const float *cp, float *c, float *h, int H, int k) {
    vf ig = vsigmoid(load(g + k) + load(b + k)), fg = vsigmoid(load(g + H + k) + load(b + H + k));
    vf gg = vtanh(load(g + 2 * H + k) + load(b + 2 * H + k)), og = vsigmoid(load(g + 3 * H + k) + load(b + 3 * H + k));
    store(g + k, ig);
    store(g + H + k, fg);
    store(g + 2 * H + k, gg);
    store(g + 3 * H + k, og);
    vf cn = fg * load(cp + k) + ig * gg;
    store(c + k, cn);
    store(h + k, og * vtanh(cn));
}

CLONES void al_lstm_cell(float *gates, const float *bias, const float *c_prev, float *c, float *h, int H) {
    int k = 0;
    for (; k + VW <= H; k += VW) cell(gates, bias, c_prev, c, h, H, k);
    if (k == H) return;
    /* the last H % VW elements through padded copies: g, b (4, VW), cp, c, h (VW) */
    float g[4 * VW] = {0}, b[4 * VW] = {0}, cp[VW] = {0}, cn[VW], hn[VW];
    const int rest = H - k;
    for (int q = 0; q < 4; q++) {
        memcpy(g + q * VW, gates + q * H + k, rest * sizeof(float));
        memcpy(b + q * VW, bias + q * H + k, rest * sizeof(float));
    }
    memcpy(cp, c_prev + k, rest * sizeof(float));
    cell(g, b, cp, cn, hn, VW, 0);
    for (int q = 0; q < 4; q++) memcpy(gates + q * H + k, g + q * VW, rest * sizeof(float));
    memcpy(c + k, cn, rest * sizeof(float));
    memcpy(h + k, hn, rest * sizeof(float));
}

/* f over n floats in place, the last n % VW through a padded copy */
#define APPLY(f, v, n)                                                                                                 \
    do {                                                                                                               \
        int k_ = 0;                                                                                                    \
        for (; k_ + VW <= (n); k_ += VW) store((v) + k_, f(load((v) + k_)));                                          \
        if (k_ < (n)) {                                                                                                \
            float tmp_[VW] = {0};                                                                                      \
            memcpy(tmp_, (v) + k_, ((n) - k_) * sizeof(float));                                                        \
            store(tmp_, f(load(tmp_)));                                                                                \
            memcpy((v) + k_, tmp_, ((n) - k_) * sizeof(float));                                                        \
        }                                                                                                              \
    } while (0)

void al_sigmoid_approx(float *v, int n) { APPLY(vsigmoid, v, n); }
void al_tanh_approx(float *v, int n) { APPLY(vtanh, v, n); }
