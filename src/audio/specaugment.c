/* SpecAugment frequency and time masking (Park et al. 2019; deepspeech.pytorch defaults). */
#include "audiolottery/audio.h"

al_specaugment_opts al_specaugment_defaults(void) {
    return (al_specaugment_opts){.freq_masks = 1, .freq_width = 27, .time_masks = 1, .time_width = 70, .value = 0.0f};
}

al_specaugment_opts al_specaugment_nemo(void) {
    return (al_specaugment_opts){
        .freq_masks = 2, .freq_width = 27, .time_masks = 10, .time_ratio = 0.05, .value = 0.0f};
}

/* Draws a mask [start, start + width) inside [0, size): width uniform in [0, min(max_width, size)]. */
static void draw_mask(al_rng *rng, int size, int max_width, int *start, int *width) {
    int cap = max_width < size ? max_width : size;
    *width = (int)al_rng_below(rng, (uint64_t)cap + 1);
    *start = (int)al_rng_below(rng, (uint64_t)(size - *width) + 1);
}

al_status al_specaugment(float *spec, int bins, int frames, const al_specaugment_opts *o, al_rng *rng) {
    if (bins < 1 || frames < 1)
        return al_error(AL_ERR_INVALID, "specaugment: bad spectrogram shape (%d, %d)", bins, frames);
    if (o->freq_masks < 0 || o->freq_width < 0 || o->time_masks < 0 || o->time_width < 0 || !(o->time_ratio >= 0))
        return al_error(AL_ERR_INVALID, "specaugment: negative mask count or width (%d x %d freq, %d x %d time)",
                        o->freq_masks, o->freq_width, o->time_masks, o->time_width);
    /* spec: (bins, frames) */
    for (int m = 0; m < o->freq_masks; m++) {
        int f0, w;
        draw_mask(rng, bins, o->freq_width, &f0, &w);
        for (int b = f0; b < f0 + w; b++)
            for (int t = 0; t < frames; t++) spec[(size_t)b * frames + t] = o->value;
    }
    for (int m = 0; m < o->time_masks; m++) {
        int t0, w;
        draw_mask(rng, frames, o->time_ratio > 0 ? (int)(o->time_ratio * frames) : o->time_width, &t0, &w);
        for (int b = 0; b < bins; b++)
            for (int t = t0; t < t0 + w; t++) spec[(size_t)b * frames + t] = o->value;
    }
    return AL_OK;
}
