/* Batched real FFT: AL_FFT_BATCH frames transformed at once, the frame index the innermost,
 * contiguous dimension, so every butterfly is a plain loop over frames that the compiler
 * vectorises. Internal to the feature extractor.
 *
 *   al_fft_batch *p;
 *   if (al_fft_batch_new(320, AL_FFT_ISA_AUTO, &p) != AL_OK) ...
 *   in[i * AL_FFT_BATCH + f] = sample i of frame f                  // in: (n, B)
 *   al_fft_batch_forward(p, in, out);                               // out: (n/2 + 1, 2, B)
 *   out[(2 * k) * B + f], out[(2 * k + 1) * B + f] = Re, Im of bin k of frame f
 *   al_fft_batch_free(p);
 *
 * Method: the real input of size n is read as a complex sequence z[j] = x[2j] + i x[2j+1] of
 * size m = n/2, transformed by a self-sorting (Stockham) mixed-radix FFT with radix-4, 2, 3 and 5
 * butterflies (and a generic O(r^2) butterfly for any other prime factor r, slow for large r),
 * then split into the n/2 + 1 bins of the real transform. Twiddles are computed in double and
 * stored as float. Any even n >= 2 works.
 *
 * Every frame (lane) is computed with the same operations in the same order whichever
 * instruction set runs (no FMA contraction, no reassociation), so all paths give bit-identical
 * results, and lanes never mix (garbage in unused lanes does not affect the others).
 *
 * Thread-safety: a plan holds scratch space; use one plan per thread. */
#ifndef AL_AUDIO_FFT_BATCH_H
#define AL_AUDIO_FFT_BATCH_H

#include "audiolottery/core.h"

enum { AL_FFT_BATCH = 16 }; /* frames per transform (B) */

typedef enum {
    AL_FFT_ISA_AUTO = 0,    /* the best the CPU supports */
    AL_FFT_ISA_DEFAULT = 1, /* baseline x86-64 (SSE2) or whatever the build targets */
    AL_FFT_ISA_AVX2 = 2,
    AL_FFT_ISA_AVX512 = 3,
} al_fft_isa;

typedef struct al_fft_batch al_fft_batch;

/* Plan for real transforms of size n (even, >= 2). isa forces a code path (tests compare them);
 * AL_ERR_UNSUPPORTED when this CPU or build lacks it, AL_ERR_INVALID for a bad n. */
al_status al_fft_batch_new(int n, al_fft_isa isa, al_fft_batch **out);
void al_fft_batch_free(al_fft_batch *p);

/* The code path a plan runs (never AL_FFT_ISA_AUTO). */
al_fft_isa al_fft_batch_isa(const al_fft_batch *p);

/* in: (n, B) real frames, frame index innermost; out: (n/2 + 1, 2, B), per bin B real parts then
 * B imaginary parts. Unnormalised forward transform X[k] = sum_t x[t] exp(-2 pi i k t / n).
 * in and out must not overlap; in is left unchanged. 64-byte aligned buffers (al_malloc) are fastest. */
void al_fft_batch_forward(al_fft_batch *p, const float *in, float *out);

#endif
