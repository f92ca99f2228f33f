/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
#include "audiolottery/core.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void al_rng_seed(al_rng *rng, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
}

void al_rng_seed_stream(al_rng *rng, uint64_t seed, uint64_t stream) {
    uint64_t x = seed;
    uint64_t mixed = splitmix64(&x) ^ (stream * 0xd1b54a32d192ed03ULL);
    al_rng_seed(rng, mixed);
}

uint64_t al_rng_u64(al_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double al_rng_uniform(al_rng *rng) { return (double)(al_rng_u64(rng) >> 11) * 0x1.0p-53; }

double al_rng_range(al_rng *rng, double lo, double hi) { return lo + (hi - lo) * al_rng_uniform(rng); }

uint64_t al_rng_below(al_rng *rng, uint64_t n) {
    /* Rejection sampling: draws above the largest multiple of n are redrawn. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = al_rng_u64(rng); while (x >= limit);
    return x % n;
}

double al_rng_normal(al_rng *rng) {
    /* Box-Muller; one value per call keeps the stream position simple to reason about. */
    double u1 = al_rng_uniform(rng), u2 = al_rng_uniform(rng);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void al_rng_shuffle_size(al_rng *rng, size_t *a, size_t n) {
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)al_rng_below(rng, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}
