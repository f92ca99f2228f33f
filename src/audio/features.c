/* Feature extraction: DeepSpeech2 spectrogram (log1p |STFT|) and torchaudio-style log-mel, with
 * optional per-utterance normalisation. One featurizer per thread; window, FFT plan, filterbank
 * and scratch buffers are built once and reused.
 *
 * Frames are processed in blocks of BLOCK: each frame is windowed and transformed, its magnitude
 * (or mel power) goes into a (BLOCK, bins) scratch, the log runs vectorised over the whole block,
 * then the block is written transposed into the (bins, frames) output. */
#include "audiolottery/audio.h"

#include <kiss_fftr.h>
#include <math.h>
#include <string.h>

#include "audio/fastmath.h"
#include "audio/melbank.h"

enum { BLOCK = 128 };

/* The per-frame element-wise loops also get AVX-512 and AVX2 clones chosen at run time. They have
 * no reductions and FMA contraction is off, so every clone gives bit-identical results. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AL_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), optimize("fp-contract=off")))
#else
#define AL_SIMD_CLONES
#endif

struct al_featurizer {
    al_feature_opts o;
    int n_freq;           /* n_fft/2 + 1 */
    int bins;             /* n_freq or n_mels */
    int win_off;          /* first non-zero window sample inside n_fft: (n_fft - win_length) / 2 */
    kiss_fftr_cfg fft;
    float *window;        /* (win_length) */
    float *frame;         /* (n_fft) windowed frame, zero outside [win_off, win_off + win_length) */
    kiss_fft_cpx *spec;   /* (n_freq) */
    float *power;         /* (n_freq) logmel: |X|^2 of one frame */
    float *block;         /* (BLOCK, bins) per-frame features before transposition */
    al_melbank mel;       /* logmel only */
};

al_feature_opts al_feature_defaults(al_feature_type type) {
    al_feature_opts o = {.type = type, .sample_rate = AL_SAMPLE_RATE, .hop_length = 160};
    if (type == AL_FEAT_LOGMEL) {
        o.n_fft = 512;
        o.win_length = 400;
        o.window = AL_WINDOW_HANN;
        o.n_mels = 80;
        o.f_min = 0.0;
        o.f_max = AL_SAMPLE_RATE / 2;
        o.log_offset = 1e-9f;
        o.normalize = 0;
    } else {
        o.n_fft = 320;
        o.win_length = 320;
        o.window = AL_WINDOW_HAMMING;
        o.normalize = 1;
    }
    return o;
}

const char *al_feature_type_name(al_feature_type type) {
    return type == AL_FEAT_LOGMEL ? "logmel" : "spectrogram";
}

al_status al_feature_type_parse(const char *name, al_feature_type *type) {
    if (strcmp(name, "spectrogram") == 0) *type = AL_FEAT_SPECTROGRAM;
    else if (strcmp(name, "logmel") == 0) *type = AL_FEAT_LOGMEL;
    else return al_error(AL_ERR_INVALID, "unknown feature type '%s' (spectrogram, logmel)", name);
    return AL_OK;
}

static al_status check_opts(const al_feature_opts *o) {
    if (o->type != AL_FEAT_SPECTROGRAM && o->type != AL_FEAT_LOGMEL)
        return al_error(AL_ERR_INVALID, "features: bad type %d", (int)o->type);
    if (o->n_fft < 2 || o->n_fft % 2)
        return al_error(AL_ERR_INVALID, "features: n_fft %d must be even and >= 2", o->n_fft);
    if (o->win_length < 1 || o->win_length > o->n_fft)
        return al_error(AL_ERR_INVALID, "features: win_length %d must be in [1, n_fft = %d]", o->win_length, o->n_fft);
    if (o->hop_length < 1) return al_error(AL_ERR_INVALID, "features: hop_length %d must be >= 1", o->hop_length);
    if (o->window != AL_WINDOW_HAMMING && o->window != AL_WINDOW_HANN)
        return al_error(AL_ERR_INVALID, "features: bad window %d", (int)o->window);
    if (o->type == AL_FEAT_LOGMEL) {
        if (o->sample_rate < 1) return al_error(AL_ERR_INVALID, "features: sample_rate %d must be >= 1", o->sample_rate);
        if (o->n_mels < 1) return al_error(AL_ERR_INVALID, "features: n_mels %d must be >= 1", o->n_mels);
        if (!(o->f_min >= 0.0 && o->f_min < o->f_max && o->f_max <= o->sample_rate / 2))
            return al_error(AL_ERR_INVALID, "features: need 0 <= f_min (%g) < f_max (%g) <= sample_rate/2", o->f_min,
                            o->f_max);
        if (!(o->log_offset > 0.0f)) return al_error(AL_ERR_INVALID, "features: log_offset %g must be > 0", o->log_offset);
    }
    return AL_OK;
}

void al_featurizer_free(al_featurizer *f) {
    if (!f) return;
    kiss_fftr_free(f->fft);
    al_free(f->window);
    al_free(f->frame);
    al_free(f->spec);
    al_free(f->power);
    al_free(f->block);
    al_melbank_free(&f->mel);
    al_free(f);
}

al_status al_featurizer_new(const al_feature_opts *opts, al_featurizer **out) {
    *out = NULL;
    al_status st = check_opts(opts);
    if (st != AL_OK) return st;
    al_featurizer *f = al_calloc(1, sizeof *f);
    if (!f) return al_error(AL_ERR_NOMEM, "features: out of memory");
    f->o = *opts;
    f->n_freq = opts->n_fft / 2 + 1;
    f->bins = opts->type == AL_FEAT_LOGMEL ? opts->n_mels : f->n_freq;
    f->win_off = (opts->n_fft - opts->win_length) / 2;
    f->fft = kiss_fftr_alloc(opts->n_fft, 0, NULL, NULL);
    f->window = al_malloc(sizeof(float) * (size_t)opts->win_length);
    f->frame = al_calloc((size_t)opts->n_fft, sizeof(float));
    f->spec = al_malloc(sizeof(kiss_fft_cpx) * (size_t)f->n_freq);
    f->power = al_malloc(sizeof(float) * (size_t)f->n_freq);
    f->block = al_malloc(sizeof(float) * BLOCK * (size_t)f->bins);
    if (!f->fft || !f->window || !f->frame || !f->spec || !f->power || !f->block) {
        al_featurizer_free(f);
        return al_error(AL_ERR_NOMEM, "features: out of memory");
    }
    /* Periodic windows as torch.hamming_window / torch.hann_window(periodic=True). */
    double a0 = opts->window == AL_WINDOW_HAMMING ? 0.54 : 0.5;
    for (int i = 0; i < opts->win_length; i++)
        f->window[i] = (float)(a0 - (1.0 - a0) * cos(2.0 * M_PI * i / opts->win_length));
    if (opts->type == AL_FEAT_LOGMEL) {
        st = al_melbank_build(&f->mel, f->n_freq, opts->sample_rate, opts->f_min, opts->f_max, opts->n_mels);
        if (st != AL_OK) {
            al_featurizer_free(f);
            return st;
        }
    }
    *out = f;
    return AL_OK;
}

const al_feature_opts *al_featurizer_opts(const al_featurizer *f) { return &f->o; }
int al_featurizer_bins(const al_featurizer *f) { return f->bins; }
int64_t al_featurizer_frames(const al_featurizer *f, int64_t n) { return 1 + n / f->o.hop_length; }

/* Windows frame t of the reflect-padded signal into f->frame. x: (n), n > n_fft/2. */
static void load_frame(al_featurizer *f, const float *x, int64_t n, int64_t t) {
    const int wl = f->o.win_length;
    const float *w = f->window;
    float *dst = f->frame + f->win_off;
    int64_t s = t * f->o.hop_length - f->o.n_fft / 2 + f->win_off; /* signal index of dst[0] */
    if (s >= 0 && s + wl <= n) {
        const float *src = x + s;
#pragma omp simd
        for (int i = 0; i < wl; i++) dst[i] = src[i] * w[i];
        return;
    }
    for (int i = 0; i < wl; i++) {
        int64_t j = s + i;
        if (j < 0) j = -j;
        if (j >= n) j = 2 * (n - 1) - j;
        dst[i] = x[j] * w[i];
    }
}

/* One frame's features into row (bins). */
AL_SIMD_CLONES static void frame_features(al_featurizer *f, float *row) {
    kiss_fftr(f->fft, f->frame, f->spec);
    const int nf = f->n_freq;
    const kiss_fft_cpx *c = f->spec;
    if (f->o.type == AL_FEAT_SPECTROGRAM) {
#pragma omp simd
        for (int k = 0; k < nf; k++) row[k] = al_fast_log1pf(al_fast_sqrtf(c[k].r * c[k].r + c[k].i * c[k].i));
        return;
    }
    float *p = f->power;
#pragma omp simd
    for (int k = 0; k < nf; k++) p[k] = c[k].r * c[k].r + c[k].i * c[k].i;
    al_melbank_apply(&f->mel, p, row);
    const float off = f->o.log_offset;
    const int nm = f->bins;
#pragma omp simd
    for (int m = 0; m < nm; m++) row[m] = al_fast_logf(row[m] + off);
}

/* Rejects NaN/Inf samples and amplitudes whose squared spectra would overflow float. x: (n). */
static al_status check_samples(const float *x, int64_t n) {
    float probe = 0.0f;
    int big = 0;
#pragma omp simd reduction(+ : probe) reduction(| : big)
    for (int64_t i = 0; i < n; i++) {
        probe += x[i] - x[i]; /* NaN for NaN or Inf */
        big |= fabsf(x[i]) > 1e12f;
    }
    if (probe != 0.0f) return al_error(AL_ERR_INVALID, "features: input has non-finite samples (NaN or Inf)");
    if (big) return al_error(AL_ERR_INVALID, "features: a sample's magnitude exceeds 1e12 (out of range)");
    return AL_OK;
}

/* out (bins, frames) -> (out - mean) / std over all cells, std unbiased. sum, sumsq: of all cells,
 * from float partial sums (relative error ~1e-7), so a variance below 1e-5·mean² is a constant
 * matrix seen through rounding. */
static al_status normalize(float *out, int64_t cells, double sum, double sumsq) {
    if (cells < 2) return al_error(AL_ERR_INVALID, "features: cannot normalise a single value");
    double mean = sum / cells;
    double var = (sumsq - sum * mean) / (cells - 1);
    if (!(var > 1e-5 * mean * mean))
        return al_error(AL_ERR_EMPTY, "features: constant input (e.g. silence): std is 0, cannot normalise");
    const float m = (float)mean, inv = (float)(1.0 / sqrt(var));
#pragma omp simd
    for (int64_t i = 0; i < cells; i++) out[i] = (out[i] - m) * inv;
    return AL_OK;
}

al_status al_featurizer_compute(al_featurizer *f, const float *samples, int64_t n, float **out, int *bins,
                                int *frames) {
    *out = NULL;
    *bins = *frames = 0;
    const int half = f->o.n_fft / 2;
    if (n <= half)
        return al_error(AL_ERR_INVALID, "features: input has %lld samples, needs more than %d (n_fft/2) for reflect padding",
                        (long long)n, half);
    al_status st = check_samples(samples, n);
    if (st != AL_OK) return st;
    const int nb = f->bins;
    const int64_t nt = al_featurizer_frames(f, n);
    if (nt > INT32_MAX || (int64_t)nb * nt > INT64_MAX / (int64_t)sizeof(float))
        return al_error(AL_ERR_INVALID, "features: input of %lld samples is too long", (long long)n);
    float *y = al_malloc(sizeof(float) * (size_t)nb * (size_t)nt); /* (bins, frames) */
    if (!y) return al_error(AL_ERR_NOMEM, "features: out of memory for %d x %lld features", nb, (long long)nt);
    double sum = 0.0, sumsq = 0.0;
    for (int64_t t0 = 0; t0 < nt; t0 += BLOCK) {
        int nj = nt - t0 < BLOCK ? (int)(nt - t0) : BLOCK;
        for (int j = 0; j < nj; j++) {
            float *row = f->block + (size_t)j * nb; /* (bins) */
            load_frame(f, samples, n, t0 + j);
            frame_features(f, row);
            float s = 0.0f, s2 = 0.0f;
#pragma omp simd reduction(+ : s, s2)
            for (int k = 0; k < nb; k++) {
                s += row[k];
                s2 += row[k] * row[k];
            }
            sum += s;
            sumsq += s2;
        }
        for (int k = 0; k < nb; k++) {
            float *dst = y + (size_t)k * nt + t0;
            for (int j = 0; j < nj; j++) dst[j] = f->block[(size_t)j * nb + k];
        }
    }
    if (f->o.normalize) {
        st = normalize(y, (int64_t)nb * nt, sum, sumsq);
        if (st != AL_OK) {
            al_free(y);
            return st;
        }
    }
    *out = y;
    *bins = nb;
    *frames = (int)nt;
    return AL_OK;
}
