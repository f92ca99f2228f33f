/* Hardtanh, SiLU. */
#include "nn/activation.h"

#include <math.h>

void al_hardtanh_forward(float *y, const float *x, float min_val, float max_val, size_t count) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < count; i++) {
        float v = x[i];
        y[i] = v < min_val ? min_val : v > max_val ? max_val : v; /* NaN compares false: kept */
    }
}

void al_hardtanh_backward(float *dx, const float *dy, const float *v, float min_val, float max_val, size_t count) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < count; i++) dx[i] += (v[i] > min_val && v[i] < max_val) ? dy[i] : 0.0f;
}

/* sigmoid(x) = 1 / (1 + exp(-x)): exp overflows to inf for x < -88, giving 0 as it should. */
void al_silu_forward(float *y, const float *x, size_t count) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < count; i++) {
        float v = x[i];
        y[i] = v / (1.0f + expf(-v));
    }
}

void al_silu_backward(float *dx, const float *dy, const float *x, size_t count) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < count; i++) {
        float v = x[i], s = 1.0f / (1.0f + expf(-v));
        dx[i] += dy[i] * (s * (1.0f + v * (1.0f - s)));
    }
}
