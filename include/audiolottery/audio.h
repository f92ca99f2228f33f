/* audiolottery audio front end: read/write audio, resample, features, augmentation, noise.
 *
 * Usage:
 *   al_audio_read_opts o = al_audio_read_defaults();        // mono, 16 kHz, whole file
 *   al_audio a;
 *   if (al_audio_read("x.flac", &o, &a) != AL_OK) ... al_last_error() ...
 *   ... a.samples[0 .. a.n) ...
 *   al_audio_free(&a);
 *
 * Features (DeepSpeech2 spectrogram or 80-bin log-mel), one featurizer per thread:
 *   al_feature_opts fo = al_feature_defaults(AL_FEAT_SPECTROGRAM);
 *   al_featurizer *fz;
 *   if (al_featurizer_new(&fo, &fz) != AL_OK) ...
 *   float *feat; int bins, frames;                               // feat: (bins, frames)
 *   if (al_featurizer_compute(fz, a.samples, a.n, &feat, &bins, &frames) != AL_OK) ...
 *   al_specaugment_opts so = al_specaugment_defaults();          // training only
 *   al_specaugment(feat, bins, frames, &so, &rng);
 *   al_free(feat);
 *   al_featurizer_free(fz);
 *
 * Sample convention: float samples scaled as deepspeech.pytorch does, int16 value / 32767
 * (so int16 full scale is ~1.0). Sources with other sample formats are converted to that
 * scale (libsndfile's float / 32768 * 32768 / 32767).
 *
 * Thread-safety: every function here is reentrant; objects belong to one thread at a time.
 */
#ifndef AUDIOLOTTERY_AUDIO_H
#define AUDIOLOTTERY_AUDIO_H

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_SAMPLE_RATE 16000

/* Mono audio. samples is owned by the struct (al_malloc'd); free with al_audio_free. */
typedef struct {
    float *samples;
    int64_t n;
    int sample_rate;
} al_audio;

typedef struct {
    int sample_rate;
    int channels;
    int64_t frames;  /* per channel */
    double duration; /* seconds */
    char format[32]; /* "WAV", "FLAC", "OGG", "MP3", "NIST", "RAW" */
} al_audio_info;

typedef struct {
    int target_rate;  /* resample to this rate; 0 keeps the file's rate. Default 16000. */
    double offset;    /* seconds from the start; seeks where the format allows. Default 0. */
    double duration;  /* seconds to read; <= 0 reads to the end. Default 0. */
    int raw_rate;     /* > 0: the file is headerless 16-bit little-endian PCM at this rate */
    int raw_channels; /* channels of a headerless file (default 1) */
} al_audio_read_opts;

al_audio_read_opts al_audio_read_defaults(void);

/* Header only (no decoding): rate, channels, length. raw_rate/raw_channels as in opts
 * (pass NULL opts for files with a header). */
al_status al_audio_info_read(const char *path, const al_audio_read_opts *opts, al_audio_info *info);

/* Reads, downmixes to mono (channel mean), cuts [offset, offset + duration), resamples.
 * Errors name the file: missing, not audio, truncated/corrupt, empty, offset past the end. */
al_status al_audio_read(const char *path, const al_audio_read_opts *opts, al_audio *out);

void al_audio_free(al_audio *a);

typedef enum { AL_AUDIO_WAV16 = 0, AL_AUDIO_FLAC16 = 1 } al_audio_file_format;

/* Writes mono 16-bit audio atomically (temp file + rename). Samples are clipped to int16. */
al_status al_audio_write(const char *path, const al_audio *a, al_audio_file_format fmt);

/* Resamples in[0..n_in) from rate_in to rate_out with libsamplerate (SRC_SINC_MEDIUM_QUALITY).
 * *out is al_malloc'd. */
al_status al_resample(const float *in, int64_t n_in, int rate_in, int rate_out, float **out, int64_t *n_out);


/* ---- features ---------------------------------------------------------------------------- */
typedef enum {
    AL_FEAT_SPECTROGRAM = 0, /* deepspeech.pytorch: log1p(|STFT|), Hamming, 161 bins */
    AL_FEAT_LOGMEL = 1,      /* torchaudio MelSpectrogram (htk, no norm), log(x + 1e-9), 80 mels */
} al_feature_type;

typedef enum { AL_WINDOW_HAMMING = 0, AL_WINDOW_HANN = 1 } al_window; /* periodic windows */

/* Defaults from al_feature_defaults(type), "spectrogram / logmel":
 *   sample_rate 16000 / 16000, n_fft 320 / 512, win_length 320 / 400, hop_length 160 / 160,
 *   window Hamming / Hann, n_mels - / 80, f_min - / 0, f_max - / sample_rate/2,
 *   log_offset - / 1e-9, normalize 1 / 0.
 * STFT: centred (reflect padding of n_fft/2 each side), window zero-padded centred in n_fft,
 * frames = 1 + n / hop_length. Normalisation is per utterance over the whole (bins, frames)
 * matrix: (x - mean) / std with the unbiased (N-1) std. */
typedef struct {
    al_feature_type type;
    int sample_rate;  /* only used for the mel filterbank and reported in metadata */
    int n_fft;        /* even, >= 2 */
    int win_length;   /* <= n_fft */
    int hop_length;   /* >= 1 */
    al_window window;
    int n_mels;       /* AL_FEAT_LOGMEL only */
    double f_min, f_max;
    float log_offset; /* AL_FEAT_LOGMEL: log(mel power + log_offset) */
    int normalize;    /* 1: per-utterance mean/std normalisation */
} al_feature_opts;

al_feature_opts al_feature_defaults(al_feature_type type);

/* Name of a feature type ("spectrogram", "logmel"); parses it back (AL_ERR_INVALID if unknown). */
const char *al_feature_type_name(al_feature_type type);
al_status al_feature_type_parse(const char *name, al_feature_type *type);

/* A featurizer holds the window, the FFT plan, the mel filterbank and scratch buffers. Create
 * one per thread and reuse it; it is not thread-safe. */
typedef struct al_featurizer al_featurizer;

/* Validates opts (AL_ERR_INVALID naming the bad field) and builds the featurizer. */
al_status al_featurizer_new(const al_feature_opts *opts, al_featurizer **out);
void al_featurizer_free(al_featurizer *f);

const al_feature_opts *al_featurizer_opts(const al_featurizer *f); /* owned by f */
int al_featurizer_bins(const al_featurizer *f);                    /* n_fft/2 + 1, or n_mels */
int64_t al_featurizer_frames(const al_featurizer *f, int64_t n);    /* 1 + n / hop_length */

/* samples[0..n) -> *out (bins, frames) row-major, al_malloc'd, caller frees with al_free.
 * Errors: AL_ERR_INVALID when n <= n_fft/2 (too short for reflect padding), or a sample is not
 * finite or exceeds 1e12 in magnitude; AL_ERR_EMPTY when normalising a constant (e.g. all-silent)
 * input (std 0). */
al_status al_featurizer_compute(al_featurizer *f, const float *samples, int64_t n, float **out, int *bins,
                                int *frames);

/* ---- SpecAugment -------------------------------------------------------------------------- */
/* Defaults (deepspeech.pytorch): 1 frequency mask of width up to 27 bins, 1 time mask of width
 * up to 70 frames, masked value 0 (the mean of a normalised spectrogram). NeMo's Conformer
 * (al_specaugment_nemo): 2 frequency masks up to 27 bins, 10 time masks each up to 5% of the
 * utterance's frames. */
typedef struct {
    int freq_masks; /* number of frequency masks */
    int freq_width; /* each mask's width is drawn uniformly from [0, freq_width] (clipped to bins) */
    int time_masks;
    int time_width; /* each mask's width is drawn uniformly from [0, time_width] (clipped to frames) */
    double time_ratio; /* > 0: time masks up to floor(time_ratio * frames) wide instead of time_width */
    float value;    /* written into masked cells */
} al_specaugment_opts;

al_specaugment_opts al_specaugment_defaults(void);
al_specaugment_opts al_specaugment_nemo(void);

/* Masks spec (bins, frames) in place: per mask a width w and a start s in [0, size - w] drawn from
 * rng, frequency masks first. Masks may overlap. */
al_status al_specaugment(float *spec, int bins, int frames, const al_specaugment_opts *opts, al_rng *rng);

/* ---- noise ------------------------------------------------------------------------------ */
/* Adds noise to speech in place at a true signal-to-noise ratio: the noise is looped and read
 * from a random start offset (drawn from rng), and scaled so that
 * 20·log10(rms(speech) / rms(noise segment)) = snr_db. Silent speech or noise is left as is. */
al_status al_mix_noise_snr(float *speech, int64_t n, const float *noise, int64_t n_noise, double snr_db,
                           al_rng *rng);

/* The seed paper's mode: speech += level · noise segment (looped, random start offset). */
al_status al_mix_noise_level(float *speech, int64_t n, const float *noise, int64_t n_noise, double level,
                             al_rng *rng);

/* ---- augmentation for training ------------------------------------------------------------ */
typedef enum {
    AL_NOISE_SNR = 0,   /* al_mix_noise_snr with an SNR drawn uniformly from [noise_lo, noise_hi] dB */
    AL_NOISE_LEVEL = 1, /* al_mix_noise_level with a level drawn uniformly from [noise_lo, noise_hi] */
} al_noise_mode;

/* Defaults: no noise files (noise off), AL_NOISE_SNR, [10, 30] dB, noise_prob 0.4
 * (deepspeech.pytorch), speed 1..1 (off), gain 0..0 dB (off), sample_rate 16000.
 * Per utterance, in this order: speed factor s from [speed_lo, speed_hi] (the audio is resampled
 * so that it plays s times faster: n -> ~n / s), gain g from [gain_lo_db, gain_hi_db] dB, and
 * with probability noise_prob a noise file drawn uniformly, mixed in per noise_mode. */
typedef struct {
    const char *const *noise_files; /* read (and resampled to sample_rate) by al_augmenter_new */
    int n_noise_files;
    al_noise_mode noise_mode;
    double noise_lo, noise_hi;
    double noise_prob;
    double speed_lo, speed_hi;
    double gain_lo_db, gain_hi_db;
    int sample_rate;
} al_augment_opts;

al_augment_opts al_augment_defaults(void);

/* Holds the decoded noises; read-only after creation, so one augmenter may serve all threads
 * (each with its own rng). */
typedef struct al_augmenter al_augmenter;

/* Validates opts and loads every noise file once. Errors name the bad file or field. */
al_status al_augmenter_new(const al_augment_opts *opts, al_augmenter **out);
void al_augmenter_free(al_augmenter *aug);

/* Augments inout in place (its samples may be reallocated by speed perturbation). inout's
 * sample_rate must equal opts.sample_rate. */
al_status al_augment_apply(const al_augmenter *aug, al_audio *inout, al_rng *rng);

#ifdef __cplusplus
}
#endif
#endif
