/* Branch-free float log and sqrt that the compiler can vectorise inside `#pragma omp simd` loops
 * (libm's sqrtf/logf keep errno handling, which blocks vectorisation at -O2). Internal to the
 * feature extractor. Accuracy: a few ulp for finite positive normal inputs. */
#ifndef AL_AUDIO_FASTMATH_H
#define AL_AUDIO_FASTMATH_H

#include "core/float_bits.h"

/* Natural log for finite x > 0 (normal). Cephes logf: x = m·2^e with m in [sqrt(1/2), sqrt(2)),
 * log(m) from a degree-9 polynomial, log(2)·e split into two parts for precision. */
static inline float al_fast_logf(float x) {
    uint32_t u = al_f2u_(x);
    int32_t e = (int32_t)((u >> 23) & 0xff) - 126;
    float m = al_u2f_((u & 0x807fffffu) | 0x3f000000u); /* [0.5, 1) */
    uint32_t small = 0u - (uint32_t)(m < 0.707106781186547524f);
    e -= (int32_t)(small & 1u);
    m = m + al_select_(small, m, 0.0f) - 1.0f; /* [sqrt(1/2) - 1, sqrt(2) - 1) */
    float z = m * m;
    float y = 7.0376836292e-2f;
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    float fe = (float)e;
    y += -2.12194440e-4f * fe;
    y += -0.5f * z;
    return m + y + 0.693359375f * fe;
}

/* log(1 + x) for finite x >= 0: log(u)·x/(u - 1) with u = 1 + x cancels the rounding of u
 * (and is x itself where u rounds to 1). */
static inline float al_fast_log1pf(float x) {
    float u = 1.0f + x;
    float d = u - 1.0f;
    uint32_t tiny = 0u - (uint32_t)(d == 0.0f);
    float l = al_fast_logf(u) * (x / al_select_(tiny, 1.0f, d));
    return al_select_(tiny, x, l);
}

/* sqrt for finite p >= 0: bit-trick estimate of 1/sqrt(p) refined by three Newton steps
 * (relative error ~1e-7), times p. sqrt(0) = 0. */
static inline float al_fast_sqrtf(float p) {
    float y = al_u2f_(0x5f375a86u - (al_f2u_(p) >> 1));
    float h = 0.5f * p;
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    y = y * (1.5f - h * y * y);
    return p * y;
}

#endif
