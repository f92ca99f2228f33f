/* audiolottery data: corpus readers, the model alphabet and transcript normalisation, batching.
 *
 * Usage:
 *   al_corpus_opts o = al_corpus_defaults();            // auto-detect, default alphabet
 *   o.max_duration = 16.0;
 *   al_corpus *c;
 *   if (al_corpus_load("LibriSpeech/train-clean-100", &o, &c) != AL_OK) ... al_last_error() ...
 *   for (size_t i = 0; i < c->n; i++) ... c->utts[i].audio_path, .offset, .duration, .text ...
 *   for (size_t i = 0; i < c->n_skips; i++)
 *       fprintf(stderr, "%s:%d: %s\n", c->skips[i].file, c->skips[i].line, c->skips[i].detail);
 *
 *   al_batch_opts bo = al_batch_defaults();             // batch 20, sorted, seed 0
 *   al_batcher *b;  al_batcher_new(c, &bo, &b);
 *   al_batches e;   al_batcher_epoch(b, epoch, &e);     // batch j = e.items[e.offsets[j] .. e.offsets[j+1])
 *   al_batches_free(&e); al_batcher_free(b); al_corpus_free(c);
 *
 * Supported layouts (al_corpus_type): LibriSpeech directories, NeMo JSON-lines manifests,
 * deepspeech.pytorch CSV manifests, Common Voice, TED-LIUM (sph + stm), Kaldi data dirs.
 * Bad entries (missing or unreadable audio, empty transcripts, broken manifest lines, ...) are
 * skipped and reported in the corpus (count per reason + file:line list); only whole-corpus
 * problems (path missing, unknown layout, unreadable manifest) make al_corpus_load fail.
 *
 * Ownership: an al_corpus owns every string it points to; all stay valid until al_corpus_free.
 * Thread-safety: a loaded corpus, an alphabet and a batcher are read-only and may be shared by
 * threads; al_corpus_load uses OpenMP internally (header reads) and is reentrant.
 */
#ifndef AUDIOLOTTERY_DATA_H
#define AUDIOLOTTERY_DATA_H

#include <stdint.h>

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- alphabet ------------------------------------------------------------------------- */
#define AL_ALPHABET_MAX 128

/* Single-byte labels. index[c] is the label index of byte c, or -1 when c is not a label. */
typedef struct {
    int n;                        /* number of labels, blank included */
    int blank;                    /* index of the CTC blank */
    char labels[AL_ALPHABET_MAX]; /* labels[i] is the character of label i */
    int16_t index[256];
} al_alphabet;

/* deepspeech.pytorch's English labels: "_'ABCDEFGHIJKLMNOPQRSTUVWXYZ " with blank "_" at 0. */
al_alphabet al_alphabet_default(void);
/* labels: one byte per label, no duplicates, 2..AL_ALPHABET_MAX of them; blank: its index. */
al_status al_alphabet_init(al_alphabet *a, const char *labels, int blank);

typedef enum {
    AL_OOV_DROP = 0, /* characters outside the alphabet are removed */
    AL_OOV_SKIP = 1, /* an utterance with such characters is skipped */
} al_oov_policy;

/* Normalises a raw transcript to the alphabet: uppercase (ASCII; lowercase where only the lowercase
 * letter is a label), tabs/newlines/runs of spaces
 * become one space, trimmed. Characters outside the alphabet (the blank included; a multi-byte
 * UTF-8 character counts as one) are dropped or, with AL_OOV_SKIP, make the call fail with
 * AL_ERR_UNSUPPORTED naming the first one. An empty result fails with AL_ERR_EMPTY.
 * On success *out is malloc'd (free with free()); on failure *out is NULL. */
al_status al_text_normalise(const al_alphabet *a, const char *raw, al_oov_policy oov, char **out);

/* ---- corpus --------------------------------------------------------------------------- */
typedef enum {
    AL_CORPUS_AUTO = 0,
    AL_CORPUS_LIBRISPEECH,
    AL_CORPUS_NEMO,
    AL_CORPUS_CSV,
    AL_CORPUS_COMMONVOICE,
    AL_CORPUS_TEDLIUM,
    AL_CORPUS_KALDI,
} al_corpus_type;

const char *al_corpus_type_name(al_corpus_type t); /* "auto", "librispeech", "nemo", "csv", ... */
al_status al_corpus_type_parse(const char *name, al_corpus_type *t);

/* Detects the layout of path: dir with wav.scp -> kaldi; dir with sph/ and stm/ -> tedlium;
 * dir with clips/ and *.tsv -> commonvoice; *.json / *.jsonl -> nemo; *.csv -> csv;
 * dir with * / * / *.trans.txt (a split) or * / * / * / *.trans.txt (a parent of splits) ->
 * librispeech. Fails with AL_ERR_NOT_FOUND (path missing) or AL_ERR_FORMAT (unknown layout). */
al_status al_corpus_detect(const char *path, al_corpus_type *t);

typedef enum {
    AL_SKIP_BAD_LINE = 0,     /* manifest line malformed: bad JSON, missing column, duplicate id */
    AL_SKIP_MISSING_AUDIO,    /* audio file does not exist */
    AL_SKIP_NOT_AUDIO,        /* not audio, corrupt or truncated header */
    AL_SKIP_EMPTY_AUDIO,      /* zero frames */
    AL_SKIP_BAD_RATE,         /* sample rate below 8000 Hz or unreadable */
    AL_SKIP_UNSUPPORTED,      /* valid but unsupported entry (piped wav.scp command) */
    AL_SKIP_BAD_SEGMENT,      /* segment outside the audio (offset + duration past its end) */
    AL_SKIP_NO_TRANSCRIPT,    /* no transcript for the audio / transcript file missing */
    AL_SKIP_EMPTY_TRANSCRIPT, /* transcript empty after normalisation */
    AL_SKIP_OOV,              /* characters outside the alphabet (AL_OOV_SKIP) */
    AL_SKIP_IGNORED_SEGMENT,  /* TED-LIUM ignore_time_segment_in_scoring */
    AL_SKIP_TOO_SHORT,        /* duration < min_duration */
    AL_SKIP_TOO_LONG,         /* duration > max_duration */
    AL_SKIP_N
} al_skip_reason;

const char *al_skip_reason_str(al_skip_reason r); /* "missing audio file", ... static string */

typedef struct {
    char *id;         /* unique within its source, e.g. "19-198-0001" */
    char *audio_path; /* resolved: absolute, usable from any working directory */
    double offset;    /* seconds from the start of the audio file */
    double duration;  /* seconds (from the manifest, else from the audio header) */
    char *text_raw;   /* transcript as in the corpus */
    char *text;       /* normalised to the alphabet (never empty) */
    char *speaker;    /* speaker id ("" when the corpus has none) */
    const char *source; /* manifest/transcript file the entry came from (owned by the corpus) */
    int line;           /* line in source (1-based; 0 when not line-based) */
} al_utterance;

typedef struct {
    const char *file; /* owned by the corpus */
    int line;         /* 1-based; 0 when the entry is a file rather than a line */
    al_skip_reason reason;
    al_status status; /* e.g. AL_ERR_UNSUPPORTED for a piped wav.scp entry */
    char *detail;     /* "<file>:<line>: <reason>: <specifics>" */
} al_skip;

typedef struct {
    al_corpus_type type; /* as detected (never AUTO) */
    char *root;          /* the corpus path, absolute */
    al_utterance *utts;  /* in corpus order (sorted directory listings, manifest line order) */
    size_t n;
    al_skip *skips; /* sorted by file, then line */
    size_t n_skips;
    size_t skip_count[AL_SKIP_N];
    /* internal: interned source file names */
    char **sources_;
    size_t n_sources_, cap_sources_;
    size_t cap_utts_, cap_skips_;
} al_corpus;

typedef struct {
    al_corpus_type type;         /* AL_CORPUS_AUTO (default) detects it */
    const char *split;           /* Common Voice tsv name ("train" when NULL); LibriSpeech parent:
                                    load only splits whose name starts with it (all when NULL);
                                    other layouts: PATH/SPLIT is used when PATH itself is not one */
    double min_duration;         /* seconds; 0: no limit */
    double max_duration;         /* seconds; 0: no limit */
    al_oov_policy oov;           /* default AL_OOV_DROP */
    const al_alphabet *alphabet; /* NULL: al_alphabet_default() */
} al_corpus_opts;

al_corpus_opts al_corpus_defaults(void);

/* Loads a corpus. Returns AL_OK with (*out)->n possibly 0 when every entry was skipped (check
 * n and the skip report). Whole-corpus errors return non-zero with *out NULL. */
al_status al_corpus_load(const char *path, const al_corpus_opts *opts, al_corpus **out);
void al_corpus_free(al_corpus *c);

/* Total audio seconds and the number of distinct speakers. */
double al_corpus_seconds(const al_corpus *c);
size_t al_corpus_speakers(const al_corpus *c);

/* ---- batching ------------------------------------------------------------------------- */
typedef enum {
    /* deepspeech.pytorch DSRandomSampler: sort by duration, cut into consecutive batches,
     * shuffle the order of the batches per epoch with seed + epoch. Batches never change. */
    AL_BATCH_SORTED = 0,
    /* Sort by duration, group into buckets of bucket_batches batches of similar duration,
     * shuffle utterances within each bucket and then the batch order per epoch (seed + epoch):
     * batch contents vary between epochs while padding stays low. */
    AL_BATCH_BUCKET = 1,
} al_batch_mode;

typedef struct {
    size_t batch_size;     /* default 20 */
    al_batch_mode mode;    /* default AL_BATCH_SORTED */
    size_t bucket_batches; /* AL_BATCH_BUCKET: batches per bucket, default 8 */
    uint64_t seed;         /* default 0 */
} al_batch_opts;

al_batch_opts al_batch_defaults(void);

/* An epoch's batches: batch j holds utterance indices items[offsets[j] .. offsets[j + 1]).
 * Every utterance appears exactly once; only the last batch of a bucket/corpus may be short. */
typedef struct {
    size_t n_batches;
    size_t *offsets; /* n_batches + 1 */
    size_t *items;   /* offsets[n_batches] == number of utterances */
} al_batches;

typedef struct al_batcher al_batcher;

/* Copies the durations it needs: the batcher does not refer to c afterwards. */
al_status al_batcher_new(const al_corpus *c, const al_batch_opts *o, al_batcher **out);
size_t al_batcher_n_batches(const al_batcher *b);
/* The batches of an epoch (deterministic for seed and epoch). out is filled; free it with
 * al_batches_free. */
al_status al_batcher_epoch(const al_batcher *b, uint64_t epoch, al_batches *out);
void al_batcher_free(al_batcher *b);
void al_batches_free(al_batches *e);

/* Fraction of the padded batch area that is padding: sum over batches of
 * (len * max duration - sum of durations) / sum over batches of (len * max duration). */
double al_batches_padding_ratio(const al_batches *e, const al_corpus *c);

#ifdef __cplusplus
}
#endif
#endif
