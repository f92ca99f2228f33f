/* A branch-free expf that the compiler vectorises inside `#pragma omp simd` loops (libm's expf is a
 * call per element, a tenth of a Conformer's inference time in SiLU alone). The algorithm of
 * lstm_cell.c's vexp, on scalars: relative error below 3e-7 on [-87, 88]; beyond, +inf above and 0
 * below, as expf's overflow and underflow (so sigmoids saturate to exactly 0 and 1); the denormal
 * range of expf's results is not reproduced. Selects are done on the bits
 * (core/float_bits.h). Internal to src/nn. */
#ifndef AL_NN_FAST_EXP_H
#define AL_NN_FAST_EXP_H

#include "core/float_bits.h"

static inline float al_expf_fast(float in) {
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer in the low bits */
    float x = al_select_if_(in < -87.0f, -87.0f, al_select_if_(in > 88.0f, 88.0f, in));
    float t = x * 1.44269504f + round_magic;
    float n = t - round_magic;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f; /* ln2 in two parts: n * the first is exact */
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const float y = p * al_u2f_((al_f2u_(t) - 0x4B400000u + 127u) << 23); /* t's bits: 1.5 * 2^23 + n */
    return al_select_if_(in > 88.72f, al_u2f_(0x7f800000u), al_select_if_(in < -87.34f, 0.0f, y));
}

#endif
