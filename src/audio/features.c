/* Feature extraction: DeepSpeech2 spectrogram (log1p |STFT|) and torchaudio-style log-mel, with
 * optional per-utterance normalisation. One featurizer per thread; window, FFT plan, filterbank
 * and scratch buffers are built once and reused.
 *
 * Frames are processed in batches of B = AL_FFT_BATCH with the frame index innermost: the batch is
 * windowed while it is gathered into (n_fft, B), transformed at once by the batched real FFT into
 * (n_freq, 2, B), and every later step (magnitude or mel power, log, sums for the normalisation)
 * is a loop over the B frames of one bin, written straight into row `bin` of the (bins, frames)
 * output. */
#include "audiolottery/audio.h"

#include <math.h>
#include <string.h>

#include "audio/fastmath.h"
#include "audio/fft_batch.h"
#include "audio/melbank.h"

enum { B = AL_FFT_BATCH };

/* The per-batch loops also get AVX-512 and AVX2 clones chosen at run time. Their results are
 * element-wise (the only reductions, in check_samples, are flags) and FMA contraction is off, so
 * every clone gives bit-identical results. */
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
    al_fft_batch *fft;
    float *window;        /* (win_length) */
    float *in;            /* (n_fft, B) windowed frames, zero outside rows [win_off, win_off + win_length) */
    float *spec;          /* (n_freq, 2, B) their spectra */
    float *power;         /* (n_freq, B) logmel: |X|^2 */
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
    al_fft_batch_free(f->fft);
    al_free(f->window);
    al_free(f->in);
    al_free(f->spec);
    al_free(f->power);
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
    st = al_fft_batch_new(opts->n_fft, AL_FFT_ISA_AUTO, &f->fft);
    if (st != AL_OK) {
        al_featurizer_free(f);
        return st;
    }
    f->window = al_malloc(sizeof(float) * (size_t)opts->win_length);
    /* Zeroed: the padding rows stay zero, and lanes past the last frame always hold finite values. */
    f->in = al_calloc((size_t)opts->n_fft * B, sizeof(float));
    f->spec = al_malloc(sizeof(float) * (size_t)f->n_freq * 2 * B);
    f->power = al_malloc(sizeof(float) * (size_t)f->n_freq * B);
    if (!f->window || !f->in || !f->spec || !f->power) {
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

/* Windows frames t0 .. t0 + nj - 1 (nj <= B) of the reflect-padded signal into rows
 * [win_off, win_off + win_length) of f->in (n_fft, B), frame j in lane j. Lanes >= nj keep
 * earlier frames (or zeros); their results are never used. x: (n), n > n_fft/2. */
AL_SIMD_CLONES static void gather(al_featurizer *f, const float *x, int64_t n, int64_t t0, int nj) {
    const int wl = f->o.win_length, hop = f->o.hop_length;
    const float *w = f->window;
    const int64_t s0 = t0 * hop - f->o.n_fft / 2 + f->win_off; /* signal index of frame t0's first row */
    if (nj == B && s0 >= 0 && s0 + (int64_t)(B - 1) * hop + wl <= n) { /* no reflection: strided loads */
        float *dst = f->in + (size_t)f->win_off * B;
        const float *src = x + s0;
        for (int i = 0; i < wl; i++) {
#pragma omp simd
            for (int j = 0; j < B; j++) dst[(size_t)i * B + j] = src[(size_t)j * hop + i] * w[i];
        }
        return;
    }
    for (int j = 0; j < nj; j++) {
        float *dst = f->in + (size_t)f->win_off * B + j; /* column j, stride B */
        int64_t s = s0 + (int64_t)j * hop; /* signal index of dst[0] */
        if (s >= 0 && s + wl <= n) {
            const float *src = x + s;
            for (int i = 0; i < wl; i++) dst[(size_t)i * B] = src[i] * w[i];
            continue;
        }
        for (int i = 0; i < wl; i++) {
            int64_t k = s + i;
            if (k < 0) k = -k;
            if (k >= n) k = 2 * (n - 1) - k;
            dst[(size_t)i * B] = x[k] * w[i];
        }
    }
}

/* dst[0 .. nj) = v[0 .. nj); a full batch as a constant-size copy, which the compiler inlines. */
static inline void put_row(float *dst, const float *v, int nj) {
    if (nj == B) memcpy(dst, v, sizeof(float) * B);
    else memcpy(dst, v, sizeof(float) * (size_t)nj);
}

/* Features of the transformed batch f->spec (n_freq, 2, B) into columns [t0, t0 + nj) of
 * y (bins, nt); adds each frame's sum and sum of squares over its bins to *sum, *sumsq. */
AL_SIMD_CLONES static void batch_features(al_featurizer *f, float *y, int64_t nt, int64_t t0, int nj, double *sum,
                                          double *sumsq) {
    const int nf = f->n_freq, nb = f->bins;
    float acc[B] = {0}, acc2[B] = {0}, v[B];
    if (f->o.type == AL_FEAT_SPECTROGRAM) {
        for (int k = 0; k < nf; k++) {
            const float *re = f->spec + (size_t)k * 2 * B, *im = re + B;
#pragma omp simd
            for (int j = 0; j < B; j++) {
                v[j] = al_fast_log1pf(al_fast_sqrtf(re[j] * re[j] + im[j] * im[j]));
                acc[j] += v[j];
                acc2[j] += v[j] * v[j];
            }
            put_row(y + (size_t)k * nt + t0, v, nj);
        }
    } else {
        float *p = f->power; /* (n_freq, B) */
        for (int k = 0; k < nf; k++) {
            const float *re = f->spec + (size_t)k * 2 * B, *im = re + B;
#pragma omp simd
            for (int j = 0; j < B; j++) p[k * B + j] = re[j] * re[j] + im[j] * im[j];
        }
        const al_melbank *mb = &f->mel;
        const float off = f->o.log_offset;
        for (int m = 0; m < nb; m++) {
            const float *w = mb->w + mb->off[m], *pm = p + (size_t)mb->start[m] * B;
#pragma omp simd
            for (int j = 0; j < B; j++) v[j] = 0.0f;
            for (int k = 0; k < mb->len[m]; k++) {
#pragma omp simd
                for (int j = 0; j < B; j++) v[j] += w[k] * pm[k * B + j];
            }
#pragma omp simd
            for (int j = 0; j < B; j++) {
                v[j] = al_fast_logf(v[j] + off);
                acc[j] += v[j];
                acc2[j] += v[j] * v[j];
            }
            put_row(y + (size_t)m * nt + t0, v, nj);
        }
    }
    for (int j = 0; j < nj; j++) {
        *sum += acc[j];
        *sumsq += acc2[j];
    }
}

/* Rejects NaN/Inf samples and amplitudes whose squared spectra would overflow float. x: (n). */
AL_SIMD_CLONES static al_status check_samples(const float *x, int64_t n) {
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
AL_SIMD_CLONES static al_status normalize(float *out, int64_t cells, double sum, double sumsq) {
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
    for (int64_t t0 = 0; t0 < nt; t0 += B) {
        int nj = nt - t0 < B ? (int)(nt - t0) : B;
        gather(f, samples, n, t0, nj);
        al_fft_batch_forward(f->fft, f->in, f->spec);
        batch_features(f, y, nt, t0, nj, &sum, &sumsq);
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
