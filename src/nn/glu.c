/* GLU: element-wise over (C, inner) blocks of each outer index. */
#include "nn/glu.h"
#include "nn/fast_exp.h"
#include "nn/simd.h"

#include <math.h>
#include <stddef.h>

/* one outer index: y (n) = a (n) * sigmoid(b (n)) */
AL_NN_CLONES static void glu_block(float *y, const float *a, const float *b, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) y[i] = a[i] / (1.0f + al_expf_fast(-b[i]));
}

AL_NN_CLONES static void glu_backward_block(float *da, float *db, const float *g, const float *a, const float *b,
                                            size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        const float s = 1.0f / (1.0f + al_expf_fast(-b[i]));
        da[i] += g[i] * s;
        db[i] += g[i] * a[i] * s * (1.0f - s);
    }
}

void al_glu_forward(float *y, const float *x, int outer, int channels, int inner) {
    const size_t half = (size_t)channels * inner; /* values of a (or b) per outer index */
#pragma omp parallel for schedule(static)
    for (int o = 0; o < outer; o++) {
        const float *a = x + (size_t)o * 2 * half;
        glu_block(y + (size_t)o * half, a, a + half, half);
    }
}

void al_glu_backward(float *dx, const float *dy, const float *x, int outer, int channels, int inner) {
    const size_t half = (size_t)channels * inner;
#pragma omp parallel for schedule(static)
    for (int o = 0; o < outer; o++) {
        const float *a = x + (size_t)o * 2 * half;
        float *da = dx + (size_t)o * 2 * half;
        glu_backward_block(da, da + half, dy + (size_t)o * half, a, a + half, half);
    }
}
