/* Leading/trailing silence trimming by frame energy relative to the loudest frame. */
#include "audiolottery/synth.h"

#include <math.h>
#include <string.h>

al_status al_synth_trim(al_audio *a, double threshold_db, double margin_s) {
    int frame = a->sample_rate / 100 > 0 ? a->sample_rate / 100 : 1;
    int64_t n_frames = (a->n + frame - 1) / frame;
    double peak = 0;
    int64_t first = -1, last = -1;
    for (int pass = 0; pass < 2; pass++) {
        double limit = peak * pow(10.0, threshold_db / 10.0); /* energies: dB / 10 */
        for (int64_t f = 0; f < n_frames; f++) {
            int64_t lo = f * frame, hi = lo + frame < a->n ? lo + frame : a->n;
            double e = 0;
            for (int64_t i = lo; i < hi; i++) e += (double)a->samples[i] * a->samples[i];
            e /= (double)(hi - lo);
            if (pass == 0) {
                if (e > peak) peak = e;
            } else if (e > limit) {
                if (first < 0) first = f;
                last = f;
            }
        }
        if (peak <= 1e-12) return al_error(AL_ERR_EMPTY, "trim: the signal is silent (below -120 dB)");
    }
    int64_t margin = (int64_t)llround(margin_s * a->sample_rate);
    int64_t start = first * frame - margin, end = (last + 1) * frame + margin;
    if (start < 0) start = 0;
    if (end > a->n) end = a->n;
    if (start > 0) memmove(a->samples, a->samples + start, (size_t)(end - start) * sizeof *a->samples);
    a->n = end - start;
    return AL_OK;
}
