/* GLU: element-wise over (C, inner) blocks of each outer index. */
#include "nn/glu.h"

#include <math.h>
#include <stddef.h>

void al_glu_forward(float *y, const float *x, int outer, int channels, int inner) {
    const size_t half = (size_t)channels * inner; /* values of a (or b) per outer index */
#pragma omp parallel for schedule(static)
    for (int o = 0; o < outer; o++) {
        const float *a = x + (size_t)o * 2 * half, *b = a + half;
        float *ys = y + (size_t)o * half;
        for (size_t i = 0; i < half; i++) ys[i] = a[i] / (1.0f + expf(-b[i]));
    }
}

void al_glu_backward(float *dx, const float *dy, const float *x, int outer, int channels, int inner) {
    const size_t half = (size_t)channels * inner;
#pragma omp parallel for schedule(static)
    for (int o = 0; o < outer; o++) {
        const float *a = x + (size_t)o * 2 * half, *b = a + half, *g = dy + (size_t)o * half;
        float *da = dx + (size_t)o * 2 * half, *db = da + half;
        for (size_t i = 0; i < half; i++) {
            const float s = 1.0f / (1.0f + expf(-b[i]));
            da[i] += g[i] * s;
            db[i] += g[i] * a[i] * s * (1.0f - s);
        }
    }
}
