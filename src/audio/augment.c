/* Training-time waveform augmentation: speed and gain perturbation, additive noise from a set of
 * noise files decoded once. */
#include "audiolottery/audio.h"

#include <math.h>
#include <string.h>

struct al_augmenter {
    al_augment_opts o; /* noise_files not kept (NULL) */
    al_audio *noises;  /* (n_noises) decoded at o.sample_rate */
    int n_noises;
};

al_augment_opts al_augment_defaults(void) {
    return (al_augment_opts){.noise_mode = AL_NOISE_SNR,
                             .noise_lo = 10.0,
                             .noise_hi = 30.0,
                             .noise_prob = 0.4,
                             .speed_lo = 1.0,
                             .speed_hi = 1.0,
                             .gain_lo_db = 0.0,
                             .gain_hi_db = 0.0,
                             .sample_rate = AL_SAMPLE_RATE};
}

static al_status check_range(const char *name, double lo, double hi, double min) {
    if (!(isfinite(lo) && isfinite(hi) && lo <= hi && lo >= min))
        return al_error(AL_ERR_INVALID, "augment: %s range [%g, %g] must be finite, ordered and >= %g", name, lo, hi,
                        min);
    return AL_OK;
}

static al_status check_opts(const al_augment_opts *o) {
    if (o->sample_rate < 1) return al_error(AL_ERR_INVALID, "augment: sample_rate %d must be >= 1", o->sample_rate);
    if (o->n_noise_files < 0 || (o->n_noise_files > 0 && !o->noise_files))
        return al_error(AL_ERR_INVALID, "augment: bad noise file list (%d files)", o->n_noise_files);
    if (o->noise_mode != AL_NOISE_SNR && o->noise_mode != AL_NOISE_LEVEL)
        return al_error(AL_ERR_INVALID, "augment: bad noise mode %d", (int)o->noise_mode);
    if (!(o->noise_prob >= 0.0 && o->noise_prob <= 1.0))
        return al_error(AL_ERR_INVALID, "augment: noise_prob %g must be in [0, 1]", o->noise_prob);
    al_status st = check_range("noise", o->noise_lo, o->noise_hi, o->noise_mode == AL_NOISE_LEVEL ? 0.0 : -INFINITY);
    if (st == AL_OK) st = check_range("speed", o->speed_lo, o->speed_hi, 0.1);
    if (st == AL_OK) st = check_range("gain (dB)", o->gain_lo_db, o->gain_hi_db, -INFINITY);
    return st;
}

void al_augmenter_free(al_augmenter *aug) {
    if (!aug) return;
    for (int i = 0; i < aug->n_noises; i++) al_audio_free(&aug->noises[i]);
    al_free(aug->noises);
    al_free(aug);
}

al_status al_augmenter_new(const al_augment_opts *opts, al_augmenter **out) {
    *out = NULL;
    al_status st = check_opts(opts);
    if (st != AL_OK) return st;
    al_augmenter *aug = al_calloc(1, sizeof *aug);
    if (aug) aug->noises = al_calloc((size_t)opts->n_noise_files, sizeof(al_audio));
    if (!aug || !aug->noises) {
        al_augmenter_free(aug);
        return al_error(AL_ERR_NOMEM, "augment: out of memory");
    }
    aug->o = *opts;
    aug->o.noise_files = NULL;
    al_audio_read_opts ro = al_audio_read_defaults();
    ro.target_rate = opts->sample_rate;
    for (int i = 0; i < opts->n_noise_files; i++) {
        const char *path = opts->noise_files[i];
        st = al_audio_read(path, &ro, &aug->noises[i]);
        if (st != AL_OK) {
            al_augmenter_free(aug);
            return al_error_prefix(st, "augment: noise file: ");
        }
        aug->n_noises = i + 1;
    }
    *out = aug;
    return AL_OK;
}

/* Plays a s times faster: resampled as if recorded at rate·s. a->samples is replaced. */
static al_status speed_perturb(al_audio *a, double s) {
    int rate_in = (int)lround(a->sample_rate * s);
    if (rate_in == a->sample_rate || a->n < 1) return AL_OK;
    float *y;
    int64_t ny;
    al_status st = al_resample(a->samples, a->n, rate_in, a->sample_rate, &y, &ny);
    if (st != AL_OK) return al_error_prefix(st, "augment: speed %g: ", s);
    al_free(a->samples);
    a->samples = y;
    a->n = ny;
    return AL_OK;
}

al_status al_augment_apply(const al_augmenter *aug, al_audio *a, al_rng *rng) {
    const al_augment_opts *o = &aug->o;
    if (a->sample_rate != o->sample_rate)
        return al_error(AL_ERR_INVALID, "augment: audio is at %d Hz, augmenter expects %d Hz", a->sample_rate,
                        o->sample_rate);
    if (o->speed_lo != 1.0 || o->speed_hi != 1.0) {
        al_status st = speed_perturb(a, al_rng_range(rng, o->speed_lo, o->speed_hi));
        if (st != AL_OK) return st;
    }
    if (o->gain_lo_db != 0.0 || o->gain_hi_db != 0.0) {
        float g = (float)pow(10.0, al_rng_range(rng, o->gain_lo_db, o->gain_hi_db) / 20.0);
        for (int64_t i = 0; i < a->n; i++) a->samples[i] *= g;
    }
    if (aug->n_noises == 0 || !(al_rng_uniform(rng) < o->noise_prob)) return AL_OK;
    const al_audio *nz = &aug->noises[al_rng_below(rng, (uint64_t)aug->n_noises)];
    double amount = al_rng_range(rng, o->noise_lo, o->noise_hi);
    if (o->noise_mode == AL_NOISE_SNR) return al_mix_noise_snr(a->samples, a->n, nz->samples, nz->n, amount, rng);
    return al_mix_noise_level(a->samples, a->n, nz->samples, nz->n, amount, rng);
}
