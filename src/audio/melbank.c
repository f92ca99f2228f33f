/* HTK mel filterbank (torchaudio melscale_fbanks with norm=None), sparse storage. */
#include "audio/melbank.h"

#include <math.h>
#include <string.h>

static double hz_to_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }
static double mel_to_hz(double m) { return 700.0 * (pow(10.0, m / 2595.0) - 1.0); }

/* Weight of filter m at frequency f: the triangle through f_pts[m], f_pts[m+1], f_pts[m+2]. */
static double triangle(const double *f_pts, int m, double f) {
    double down = (f_pts[m + 2] - f) / (f_pts[m + 2] - f_pts[m + 1]);
    double up = (f - f_pts[m]) / (f_pts[m + 1] - f_pts[m]);
    double v = down < up ? down : up;
    return v > 0.0 ? v : 0.0;
}

void al_melbank_free(al_melbank *mb) {
    al_free(mb->start);
    al_free(mb->len);
    al_free(mb->off);
    al_free(mb->w);
    memset(mb, 0, sizeof *mb);
}

al_status al_melbank_build(al_melbank *mb, int n_freq, int sample_rate, double f_min, double f_max, int n_mels) {
    memset(mb, 0, sizeof *mb);
    mb->n_mels = n_mels;
    mb->n_freq = n_freq;
    double *f_pts = al_malloc(sizeof(double) * (size_t)(n_mels + 2)); /* (n_mels + 2) */
    mb->start = al_calloc((size_t)n_mels, sizeof(int));
    mb->len = al_calloc((size_t)n_mels, sizeof(int));
    mb->off = al_calloc((size_t)n_mels, sizeof(int));
    mb->w = al_malloc(sizeof(float) * (size_t)n_mels * (size_t)n_freq); /* upper bound */
    if (!f_pts || !mb->start || !mb->len || !mb->off || !mb->w) {
        al_free(f_pts);
        al_melbank_free(mb);
        return al_error(AL_ERR_NOMEM, "mel filterbank: out of memory");
    }
    double m_min = hz_to_mel(f_min), m_max = hz_to_mel(f_max);
    for (int i = 0; i < n_mels + 2; i++) f_pts[i] = mel_to_hz(m_min + (m_max - m_min) * i / (n_mels + 1));
    double nyquist = (double)(sample_rate / 2); /* torchaudio: linspace(0, sample_rate // 2, n_freqs) */
    int off = 0;
    for (int m = 0; m < n_mels; m++) {
        int first = -1, last = -1;
        for (int k = 0; k < n_freq; k++) {
            if (triangle(f_pts, m, nyquist * k / (n_freq - 1)) > 0.0) {
                if (first < 0) first = k;
                last = k;
            }
        }
        mb->off[m] = off;
        if (first < 0) continue; /* an empty filter (too many mels for n_fft) contributes 0 */
        mb->start[m] = first;
        mb->len[m] = last - first + 1;
        for (int k = first; k <= last; k++) mb->w[off++] = (float)triangle(f_pts, m, nyquist * k / (n_freq - 1));
    }
    al_free(f_pts);
    return AL_OK;
}

void al_melbank_apply(const al_melbank *mb, const float *power, float *mel) {
    for (int m = 0; m < mb->n_mels; m++) {
        const float *w = mb->w + mb->off[m], *p = power + mb->start[m];
        float acc = 0.0f;
        for (int k = 0; k < mb->len[m]; k++) acc += w[k] * p[k];
        mel[m] = acc;
    }
}
