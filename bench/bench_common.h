/* Helpers shared by the kernel benchmarks: medians and random masks. */
#ifndef AL_BENCH_COMMON_H
#define AL_BENCH_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include "audiolottery/core.h"

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of t (n values; sorted in place). */
static inline double bench_median(double *t, int n) {
    qsort(t, n, sizeof *t, bench_cmp_double);
    return t[n / 2];
}

/* mask (rows, cols): each entry kept with probability d (block 1), or each k x 1 block (block k). */
static inline void bench_random_mask(uint8_t *mask, int rows, int cols, int block, double d, al_rng *r) {
    for (int r0 = 0; r0 < rows; r0 += block)
        for (int c = 0; c < cols; c++) {
            uint8_t keep = al_rng_uniform(r) < d;
            for (int i = r0; i < r0 + block && i < rows; i++) mask[(size_t)i * cols + c] = keep;
        }
}

#endif
