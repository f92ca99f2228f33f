/* Inverted dropout with reproducible masks (see dropout.h). */
#include "nn/dropout.h"

#include "audiolottery/core.h"

void al_dropout_mask(uint8_t *mask, int rows, int dim, float p, uint64_t seed, uint64_t stream) {
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
        al_rng rng;
        al_rng_seed_stream(&rng, seed, stream + (uint64_t)r);
        uint8_t *m = mask + (size_t)r * dim;
        for (int j = 0; j < dim; j++) m[j] = al_rng_uniform(&rng) >= p;
    }
}

void al_dropout_forward(float *y, const float *x, const uint8_t *mask, size_t count, float p) {
    const float scale = 1.0f / (1.0f - p);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++) y[i] = mask[i] ? x[i] * scale : 0.0f;
}

void al_dropout_backward(float *dx, const float *dy, const uint8_t *mask, size_t count, float p) {
    const float scale = 1.0f / (1.0f - p);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        if (mask[i]) dx[i] += dy[i] * scale;
}
