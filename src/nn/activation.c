/* Hardtanh, SiLU. */
#include "nn/activation.h"
#include "nn/fast_exp.h"
#include "nn/simd.h"

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

/* sigmoid(x) = 1 / (1 + exp(-x)) with fast_exp.h's exp */
AL_NN_CLONES static void silu_chunk(float *y, const float *x, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + al_expf_fast(-x[i]));
}

AL_NN_CLONES static void silu_backward_chunk(float *dx, const float *dy, const float *x, size_t n) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        float v = x[i], s = 1.0f / (1.0f + al_expf_fast(-v));
        dx[i] += dy[i] * (s * (1.0f + v * (1.0f - s)));
    }
}

void al_silu_forward(float *y, const float *x, size_t count) {
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < count; c += AL_NN_CHUNK)
        silu_chunk(y + c, x + c, count - c < AL_NN_CHUNK ? count - c : AL_NN_CHUNK);
}

void al_silu_backward(float *dx, const float *dy, const float *x, size_t count) {
#pragma omp parallel for schedule(static)
    for (size_t c = 0; c < count; c += AL_NN_CHUNK)
        silu_backward_chunk(dx + c, dy + c, x + c, count - c < AL_NN_CHUNK ? count - c : AL_NN_CHUNK);
}
