/* HTK mel filterbank (torchaudio melscale_fbanks with norm=None), sparse storage.
 *
 * torchaudio builds the filterbank in float32 (torch.linspace, pow, differences of nearby
 * frequencies), which moves weights on a filter's skirt by up to ~5e-6 from the exact triangle; a
 * strong tone on a skirt turns that into ~7e-5 in the log-mel. The same float arithmetic here
 * matches torchaudio's weights to about an ulp. */
#include "audio/melbank.h"

#include <math.h>
#include <string.h>

/* The float formulas must not be contracted into FMAs, which torch's scalar reference does not use. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif

/* In double, as torchaudio's _hz_to_mel on Python floats. */
static double hz_to_mel(double f) { return 2595.0 * log10(1.0 + f / 700.0); }

/* Element i of torch.linspace(start, end, steps) for float32 on the CPU. */
static float linspace_f(float start, float end, int steps, int i) {
    float step = (end - start) / (float)(steps - 1);
    return i < steps / 2 ? start + step * (float)i : end - step * (float)(steps - 1 - i);
}

/* Weight of filter m at frequency f: torchaudio's _create_triangular_filterbank on the float
 * points f_pts[m], f_pts[m+1], f_pts[m+2]. */
static float triangle(const float *f_pts, int m, float f) {
    float up = -1.0f * (f_pts[m] - f) / (f_pts[m + 1] - f_pts[m]);
    float down = (f_pts[m + 2] - f) / (f_pts[m + 2] - f_pts[m + 1]);
    float v = down < up ? down : up;
    return v > 0.0f ? v : 0.0f;
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
    float *f_pts = al_malloc(sizeof(float) * (size_t)(n_mels + 2)); /* (n_mels + 2) */
    mb->start = al_calloc((size_t)n_mels, sizeof(int));
    mb->len = al_calloc((size_t)n_mels, sizeof(int));
    mb->off = al_calloc((size_t)n_mels, sizeof(int));
    mb->w = al_malloc(sizeof(float) * (size_t)n_mels * (size_t)n_freq); /* upper bound */
    if (!f_pts || !mb->start || !mb->len || !mb->off || !mb->w) {
        al_free(f_pts);
        al_melbank_free(mb);
        return al_error(AL_ERR_NOMEM, "mel filterbank: out of memory");
    }
    const float m_min = (float)hz_to_mel(f_min), m_max = (float)hz_to_mel(f_max);
    for (int i = 0; i < n_mels + 2; i++) /* 700 (10^(m / 2595) - 1) on the float tensor */
        f_pts[i] = 700.0f * (powf(10.0f, linspace_f(m_min, m_max, n_mels + 2, i) / 2595.0f) - 1.0f);
    const float nyquist = (float)(sample_rate / 2); /* torchaudio: linspace(0, sample_rate // 2, n_freqs) */
    int off = 0;
    for (int m = 0; m < n_mels; m++) {
        int first = -1, last = -1;
        for (int k = 0; k < n_freq; k++) {
            if (triangle(f_pts, m, linspace_f(0.0f, nyquist, n_freq, k)) > 0.0f) {
                if (first < 0) first = k;
                last = k;
            }
        }
        mb->off[m] = off;
        if (first < 0) continue; /* an empty filter (too many mels for n_fft) contributes 0 */
        mb->start[m] = first;
        mb->len[m] = last - first + 1;
        for (int k = first; k <= last; k++) mb->w[off++] = triangle(f_pts, m, linspace_f(0.0f, nyquist, n_freq, k));
    }
    al_free(f_pts);
    return AL_OK;
}
