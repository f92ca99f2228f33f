/* A float's bits, and a branch-free select on them, for the vectorisable math helpers
 * (src/audio/fastmath.h, src/nn/fast_exp.h). A float select (`c ? a : b`) would let the compiler
 * speculate arithmetic that may trap, which stops vectorisation inside `#pragma omp simd` loops;
 * a select on the bits does not. Internal to the library. */
#ifndef AL_CORE_FLOAT_BITS_H
#define AL_CORE_FLOAT_BITS_H

#include <stdint.h>
#include <string.h>

static inline uint32_t al_f2u_(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline float al_u2f_(uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* mask ? a : b with mask all ones or all zeros */
static inline float al_select_(uint32_t mask, float a, float b) {
    return al_u2f_((al_f2u_(a) & mask) | (al_f2u_(b) & ~mask));
}

/* cond ? a : b, cond 0 or 1 */
static inline float al_select_if_(int cond, float a, float b) { return al_select_(0u - (uint32_t)cond, a, b); }

#endif
