/* Triangular mel filterbank as torchaudio.functional.melscale_fbanks(mel_scale="htk", norm=None),
 * stored sparsely: filter m covers frequency bins [start[m], start[m] + len[m]) with weights
 * w[off[m] .. off[m] + len[m]): mel[m] = sum_k w[off[m] + k] · power[start[m] + k]. Internal to the
 * feature extractor, which applies it to a batch of frames. */
#ifndef AL_AUDIO_MELBANK_H
#define AL_AUDIO_MELBANK_H

#include "audiolottery/core.h"

typedef struct {
    int n_mels;
    int n_freq;
    int *start; /* (n_mels) */
    int *len;   /* (n_mels) */
    int *off;   /* (n_mels) */
    float *w;   /* (sum of len) */
} al_melbank;

/* n_freq = n_fft/2 + 1 bins spanning [0, sample_rate/2]; n_mels filters between f_min and f_max. */
al_status al_melbank_build(al_melbank *mb, int n_freq, int sample_rate, double f_min, double f_max, int n_mels);
void al_melbank_free(al_melbank *mb);

#endif
