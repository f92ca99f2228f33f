/* Additive noise at a true SNR or at a fixed level; the noise is looped from a random offset. */
#include "audiolottery/audio.h"

#include <math.h>

static al_status check_args(const char *what, const float *speech, int64_t n, const float *noise, int64_t n_noise,
                            double amount) {
    if (n < 0 || (n > 0 && !speech)) return al_error(AL_ERR_INVALID, "%s: bad speech buffer (%lld samples)", what, (long long)n);
    if (n_noise < 1 || !noise)
        return al_error(AL_ERR_INVALID, "%s: noise is empty (%lld samples)", what, (long long)n_noise);
    if (!isfinite(amount)) return al_error(AL_ERR_INVALID, "%s: amount %g is not finite", what, amount);
    return AL_OK;
}

/* speech[i] += gain · noise[(start + i) mod n_noise], i in [0, n). */
static void add_looped(float *speech, int64_t n, const float *noise, int64_t n_noise, int64_t start, double gain) {
    int64_t j = start;
    for (int64_t i = 0; i < n; i++) {
        speech[i] = (float)(speech[i] + gain * noise[j]);
        if (++j == n_noise) j = 0;
    }
}

al_status al_mix_noise_snr(float *speech, int64_t n, const float *noise, int64_t n_noise, double snr_db,
                           al_rng *rng) {
    al_status st = check_args("noise mix (snr)", speech, n, noise, n_noise, snr_db);
    if (st != AL_OK) return st;
    int64_t start = (int64_t)al_rng_below(rng, (uint64_t)n_noise);
    double es = 0.0, en = 0.0; /* energies of speech and of the noise segment */
    int64_t j = start;
    for (int64_t i = 0; i < n; i++) {
        es += (double)speech[i] * speech[i];
        en += (double)noise[j] * noise[j];
        if (++j == n_noise) j = 0;
    }
    if (es == 0.0 || en == 0.0) return AL_OK; /* silent speech or noise: nothing to scale against */
    add_looped(speech, n, noise, n_noise, start, sqrt(es / en) * pow(10.0, -snr_db / 20.0));
    return AL_OK;
}

al_status al_mix_noise_level(float *speech, int64_t n, const float *noise, int64_t n_noise, double level,
                             al_rng *rng) {
    al_status st = check_args("noise mix (level)", speech, n, noise, n_noise, level);
    if (st != AL_OK) return st;
    add_looped(speech, n, noise, n_noise, (int64_t)al_rng_below(rng, (uint64_t)n_noise), level);
    return AL_OK;
}
