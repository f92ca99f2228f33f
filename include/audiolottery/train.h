/* audiolottery training, evaluation and checkpoints, for every model family (audiolottery/model.h).
 *
 * Usage:
 *   al_train_opts o = al_train_defaults();      // the seed paper's recipe
 *   o.train_path = "corpus/default/train"; o.dev_path = "corpus/default/dev"; o.out_dir = "runs/x";
 *   if (al_train(&o) != AL_OK) fprintf(stderr, "%s\n", al_last_error());
 *
 * A run directory holds config.json, start.safetensors (the starting weights, mask applied),
 * metrics.csv (one row per epoch), last.safetensors (written every checkpoint_every steps and at
 * each epoch's end) and best.safetensors (lowest dev WER, or CER with select_by).
 * Running the same command again resumes from last.safetensors and ends bit-identical to an
 * uninterrupted run with the same seed and thread count: batch order, SpecAugment and noise draws
 * come from per-(seed, epoch, batch, utterance) random streams, so no RNG state is carried.
 *
 * Checkpoints are safetensors: the model's tensors under its family's PyTorch names (BatchNorm
 * num_batches_tracked included, so torch's load_state_dict(strict=True) accepts them), optimizer
 * moments as "optimizer.exp_avg.<name>" / "optimizer.exp_avg_sq.<name>", and in __metadata__
 * the model and training config (JSON), labels, epoch, step, learning rate and best dev score.
 */
#ifndef AUDIOLOTTERY_TRAIN_H
#define AUDIOLOTTERY_TRAIN_H

#include "audiolottery/audio.h"
#include "audiolottery/beam.h"
#include "audiolottery/data.h"
#include "audiolottery/metrics.h"
#include "audiolottery/model.h"
#include "audiolottery/optim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- batches ------------------------------------------------------------------------------ */
/* Turns utterances into a padded model input: audio read and resampled, optionally augmented,
 * the features the model asks for (al_model_input), optionally SpecAugment. Parallel over utterances
 * (one featurizer per thread); utterance i of batch b in epoch e draws from the random stream
 * (seed, e, b, i). */
typedef struct {
    const al_corpus *corpus;
    const al_alphabet *alphabet;
    const al_augmenter *augment;       /* NULL: none */
    const al_specaugment_opts *specaug; /* NULL: none */
    const al_units *units;             /* targets: NULL, the alphabet's characters; else these units' classes */
    uint64_t seed;
} al_batch_source;

typedef struct {
    int N, T;            /* utterances, frames of the longest */
    al_input_spec input; /* the features computed */
    float *x;            /* (N, bins, T) zero-padded */
    int *lengths;        /* (N) frames */
    int *targets;        /* concatenated label indices (no blanks) */
    int *target_lengths; /* (N) */
    int max_batch, max_frames, max_labels; /* capacity */
    /* scratch, sized once: one featurizer per thread, per-utterance results */
    struct al_featurizer **featurizers;
    int n_featurizers;
    float **feats;
    int *frames;
    al_status *status;
    char (*messages)[512];
} al_batch;

al_status al_batch_alloc(al_batch *b, const al_input_spec *input, int max_batch, int max_frames, int max_labels);
void al_batch_free(al_batch *b);
/* Fills b with utterances items[0..n) of the source's corpus. Errors name the utterance's file. */
al_status al_batch_load(al_batch *b, const al_batch_source *src, const size_t *items, int n, int epoch, int batch_index);

/* ---- checkpoints -------------------------------------------------------------------------- */
typedef struct {
    int epoch;            /* epochs completed */
    int step_in_epoch;    /* batches of the current epoch already trained */
    int64_t global_step;  /* optimizer steps (batches skipped for non-finite loss excluded) */
    int64_t skipped;      /* batches skipped for a non-finite loss */
    double lr;
    double best_dev;      /* the selected dev metric (WER or CER, %) at best_epoch; 1e9 when no dev
                             evaluation yet */
    int best_epoch;
    double loss_sum;      /* sum of the current epoch's batch losses so far */
    int64_t loss_count;   /* batches in loss_sum */
    char config_json[4096]; /* the resolved training config */
} al_ckpt_state;

/* Writes model tensors (al_model_write_tensors), (optionally) optimizer moments and the state,
 * atomically. al_model_load reads the model back. */
al_status al_ckpt_save(const char *path, al_model *m, const al_optim *opt, const al_ckpt_state *s);

/* Resuming: loads weights, optimizer moments (and step) and the state into an existing model and
 * optimizer built with the same config. Errors name the file and what does not match. */
al_status al_ckpt_restore(const char *path, al_model *m, al_optim *opt, al_ckpt_state *state);

/* ---- evaluation --------------------------------------------------------------------------- */
typedef struct {
    al_error_counts words, chars;
    double seconds; /* audio evaluated */
} al_eval_result;

/* Decodes every utterance in corpus with state s's model (eval mode), batches of batch_size sorted by
 * duration: greedy when beam is NULL, else CTC prefix beam search with beam's options (LM, alpha,
 * beta). hyp_out: NULL, or receives corpus->n malloc'd strings (caller frees each and the array).
 * The state must have capacity for batch_size x the corpus's longest utterance. CTC heads only. */
al_status al_evaluate(al_model_state *s, const al_corpus *corpus, const al_alphabet *a, int batch_size,
                      const al_beam_opts *beam, al_eval_result *r, char ***hyp_out);

/* The two steps of al_evaluate, so that decoding can be repeated without the model (tune-lm):
 * per-utterance logits (T, C) in corpus order, then decoding (OpenMP over utterances, one beam
 * workspace per thread; deterministic) and scoring. */
typedef struct {
    float *logits; /* (T, C), al_malloc'd */
    int T;
} al_utt_logits;

al_status al_corpus_logits(al_model_state *s, const al_corpus *corpus, const al_alphabet *a, int batch_size,
                           al_utt_logits **out);
void al_utt_logits_free(al_utt_logits *l, size_t n);
/* units: NULL or characters decode with a (greedy or beam); BPE units decode greedily through their
 * model (beam search needs character units for now: AL_ERR_UNSUPPORTED). */
al_status al_decode_and_score(const al_utt_logits *l, const al_corpus *corpus, int C, const al_alphabet *a,
                              const al_units *units, const al_beam_opts *beam, al_eval_result *r, char ***hyp_out);

/* ---- training ----------------------------------------------------------------------------- */
/* The greedy dev metric whose minimum picks best.safetensors. WER is the seed's; CER still ranks
 * models when WER saturates near 100% (short or early training). */
typedef enum { AL_SELECT_WER, AL_SELECT_CER } al_select_metric;

/* The learning-rate schedule: divide by `anneal` after every epoch (deepspeech.pytorch), or Noam
 * (warm-up to the peak lr, then 1 / sqrt(step); al_noam_lr) per optimizer step (ESPnet's Conformer). */
typedef enum { AL_SCHEDULE_ANNEAL = 0, AL_SCHEDULE_NOAM = 1 } al_lr_schedule;
const char *al_lr_schedule_name(al_lr_schedule s); /* "anneal" | "noam" */
al_status al_lr_schedule_parse(const char *s, al_lr_schedule *out);

/* SpecAugment policies of al_train_opts.spec_augment. */
enum {
    AL_SPECAUG_OFF = 0,
    AL_SPECAUG_DS2 = 1, /* al_specaugment_defaults */
    AL_SPECAUG_NEMO = 2 /* al_specaugment_nemo */
};
const char *al_specaug_policy_name(int policy); /* "off" | "ds2" | "nemo" */
al_status al_specaug_policy_parse(const char *s, int *out);

const char *al_select_metric_name(al_select_metric m); /* "wer" | "cer" */
al_status al_select_metric_parse(const char *s, al_select_metric *m);

/* A training run's options. Those with a command-line flag or a config.json key are also rows of the
 * training option table (src/train/train_option_list.h), which holds their defaults, ranges, --help
 * lines and config keys: a new option is a field here and a row there. */
typedef struct {
    const char *model;      /* preset of any family (al_model_preset_names), default "ds2-small" */
    const char *train_path; /* any corpus layout al_corpus_load reads */
    const char *dev_path;   /* for model selection (never test) */
    al_select_metric select_by; /* AL_SELECT_WER */
    const char *out_dir;
    int epochs;             /* 16 */
    int batch_size;         /* 32 */
    al_optim_opts optim;    /* AdamW lr 3e-4, betas 0.9/0.999, eps 1e-8, wd 1e-5 */
    double anneal;          /* lr divided by this after every epoch: 1.01 */
    double clip;            /* global gradient-norm clipping: 400 */
    uint64_t seed;          /* 1 */
    double min_duration, max_duration; /* seconds; 0 = no limit. Default 0 / 20 */
    int spec_augment;       /* AL_SPECAUG_*: off (deepspeech.pytorch's default), ds2, nemo */
    int checkpoint_every;   /* steps between last.safetensors writes (and at epoch ends): 100 */
    int64_t stop_after_steps; /* > 0: stop (as if killed) after this many steps of this call; tests */
    int quiet;              /* no progress bar */
    /* Starting point and masks (the lottery's levels and branches are train runs with these): */
    const char *init_from;  /* safetensors holding every model tensor (weights and BatchNorm buffers) to
                               start from: theta0, a rewind point, trained weights. NULL: fresh
                               initialisation seeded with init_seed */
    uint64_t init_seed;     /* seed of the fresh initialisation (default: the same as seed) */
    const char *mask_path;  /* safetensors with <name>_mask U8 tensors: masked weights start at zero and
                               stay exactly zero (weights, gradients and optimizer moments) */
    int64_t capture_step;   /* > 0: after this many optimizer steps write the weights to capture_path
                               (a late-rewinding point) */
    const char *capture_path;
    const char *units;      /* output units: "chars" (default) or "bpe:N", N SentencePiece BPE pieces trained
                               on the training transcripts (kept in the run directory and the checkpoints) */
    int zero_infinity;      /* 1: an utterance whose transcript cannot align with its output frames adds 0 to
                               the loss and no gradient (torch's zero_infinity, NeMo's Conformer); 0 (default):
                               its batch is skipped, as the seed does */
    al_lr_schedule schedule; /* AL_SCHEDULE_ANNEAL */
    int warmup_steps;       /* Noam: optimizer steps to the peak (optim.lr): 25000 */
    int dense_train;        /* 1: train a masked run on dense sgemm only. 0 (default): conv weights whose
                               mask makes a sparse format faster train on it (al_model_sparse_train); equal
                               results up to float rounding */
} al_train_opts;

al_train_opts al_train_defaults(void);
/* al_train_defaults with the recipe of preset's model family applied (al_train_recipe), model set to
 * preset; an unknown preset gives al_train_defaults. */
al_train_opts al_train_defaults_for(const char *preset);

typedef struct {
    int best_epoch;          /* 0 without a dev set */
    double best_dev;         /* the selected dev metric at best_epoch */
    double train_seconds;    /* wall time of the training steps run by this call */
    double audio_seconds;    /* audio trained on by this call */
} al_train_result;

/* The resolved config of a training run as JSON: everything that changes its result. An error when
 * it does not fit in n bytes. */
al_status al_train_config_json(const al_train_opts *o, char *buf, size_t n);

/* Ties a run directory to its config: writes DIR/config.json the first time; later, a different
 * config is an error telling the user to use a new directory or the same options to resume. */
al_status al_run_dir_claim(const char *dir, const char *config_json);

/* Trains as configured; r (may be NULL) receives the summary. */
al_status al_train(const al_train_opts *o, al_train_result *r);

/* The starting point of a run: weights from init_from (or a fresh seeded initialisation) with the
 * mask applied. *mask_out (may be NULL) receives the mask (table->total bytes, malloc'd), or NULL
 * when the run has none. Used by al_train and by tests of the lottery's rewinding. */
al_status al_train_initial_weights(const al_train_opts *o, al_model *m, uint8_t **mask_out);

#ifdef __cplusplus
}
#endif
#endif
