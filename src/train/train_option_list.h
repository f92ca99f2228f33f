/* The training options (al_train_opts) as one option table (see option_table.h). Each row declares an
 * option once: its flag, field, default, range, --help line and config.json entry. train and lottery
 * parse and document from it (src/cli/train_options.c); al_train_defaults and al_train_config_json read it.
 *
 * Adding an option: its field in al_train_opts (include/audiolottery/train.h), and one row here:
 *   X(ROW, "flag", "META", KIND, AL_TRAIN_AT(field), .def.i = 8, .lo.i = 1, .hi.i = 64, .config = "key",
 *     .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 55, .help = "what it does ({})")
 * ROW becomes AL_TRAIN_OPT_ROW, the row's index (its getopt value is code0 + index); KIND is an
 * al_opt_kind without AL_OPT_; the rest are al_opt's fields by name, those left out zero.
 * Where the row goes: the rows are in config.json's key order, which never changes (a run directory
 * compares its config.json byte for byte, al_run_dir_claim), so a new key goes after the last one and is
 * written AL_CONFIG_UNLESS_DEFAULT, which keeps the config of older run directories; a row without a key
 * may go anywhere (getopt lists the candidates of an ambiguous abbreviation in table order). .help_rank
 * places its line in --help (ranks go in tens). Rows with a NULL flag are config.json entries that are no
 * option. A row's .check names a function of train_option_list.c. --lr, --weight-decay and --momentum have no
 * default of their own: the OPTIMIZER row's
 * al_optim_defaults gives them (al_cli_train_end says how --optimizer changes them). */
#ifndef AL_TRAIN_TRAIN_OPTION_LIST_H
#define AL_TRAIN_TRAIN_OPTION_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "audiolottery/train.h"
#include "train/option_table.h"

#define AL_TRAIN_AT(field) .at = offsetof(al_train_opts, field)

/*  row               flag                meta       kind        the rest */
#define AL_TRAIN_OPTIONS(X)                                                                                           \
    X(MODEL,          "model",            "PRESET",  PRESET,     AL_TRAIN_AT(model), .def.s = "ds2-small",            \
      .config = "model", .help_rank = 40, .help = "{}\n({presets})")                                                  \
    X(TRAIN,          "train",            "CORPUS",  STRING,     AL_TRAIN_AT(train_path), .config = "train",          \
      .help_rank = 10, .help = "training corpus (required; any layout 'audiolottery corpus' reads)")                  \
    X(DEV,            "dev",              "CORPUS",  STRING,     AL_TRAIN_AT(dev_path), .config = "dev",              \
      .help_rank = 20, .help = "dev corpus for model selection (recommended; never the test set)")                    \
    X(EPOCHS,         "epochs",           "N",       INT,        AL_TRAIN_AT(epochs), .def.i = 16, .lo.i = 1,         \
      .hi.i = 100000, .config = "epochs", .help_rank = 50, .help = "{}")                                              \
    X(BATCH_SIZE,     "batch-size",       "N",       INT,        AL_TRAIN_AT(batch_size), .def.i = 32, .lo.i = 1,     \
      .hi.i = 4096, .config = "batch_size", .help_rank = 60, .help = "{}")                                            \
    X(OPTIMIZER,      "optimizer",        "NAME",    OPTIMIZER,  AL_TRAIN_AT(optim), .def.i = AL_OPTIM_ADAMW,         \
      .config = "optimizer", .help_rank = 70, .help = "adamw | adam | sgd ({})")                                      \
    X(LR,             "lr",               "X",       DOUBLE,     AL_TRAIN_AT(optim.lr), .lo.d = 1e-12, .hi.d = 10,    \
      .config = "lr", .help_rank = 80, .help = "learning rate ({})")                                                  \
    X(BETA1,          "beta1",            "X",       DOUBLE,     AL_TRAIN_AT(optim.beta1), .lo.d = 0, .hi.d = 0.999999, \
      .config = "beta1", .help_rank = 81, .help = "Adam(W) first-moment decay ({})")                                  \
    X(BETA2,          "beta2",            "X",       DOUBLE,     AL_TRAIN_AT(optim.beta2), .lo.d = 0, .hi.d = 0.999999, \
      .config = "beta2", .help_rank = 82, .help = "Adam(W) second-moment decay ({})")                                 \
    X(EPS,            "eps",              "X",       DOUBLE,     AL_TRAIN_AT(optim.eps), .lo.d = 1e-30, .hi.d = 1,    \
      .config = "eps", .help_rank = 83, .help = "Adam(W) epsilon ({})")                                               \
    X(MOMENTUM,       "momentum",         "X",       DOUBLE,     AL_TRAIN_AT(optim.momentum), .lo.d = 0,              \
      .hi.d = 0.999999, .config = "momentum", .help_rank = 100, .help = "SGD Nesterov momentum (0.9)")                \
    X(NESTEROV,       NULL,               NULL,      INT,        AL_TRAIN_AT(optim.nesterov), .config = "nesterov")   \
    X(WEIGHT_DECAY,   "weight-decay",     "X",       DOUBLE,     AL_TRAIN_AT(optim.weight_decay), .lo.d = 0,          \
      .hi.d = 10, .config = "weight_decay", .help_rank = 90, .help = "{} (AdamW: decoupled)")                         \
    X(ANNEAL,         "anneal",           "X",       DOUBLE,     AL_TRAIN_AT(anneal), .def.d = 1.01, .lo.d = 1e-6,    \
      .hi.d = 1e6, .config = "anneal", .help_rank = 110, .help = "divide the lr by X after every epoch ({})")         \
    X(CLIP,           "clip",             "X",       DOUBLE,     AL_TRAIN_AT(clip), .def.d = 400, .lo.d = 1e-12,      \
      .hi.d = 1e12, .config = "clip", .help_rank = 120, .help = "global gradient-norm clipping ({})")                 \
    X(SEED,           "seed",             "N",       U64,        AL_TRAIN_AT(seed), .def.u = 1, .lo.i = 0,            \
      .hi.i = INT64_MAX, .config = "seed", .help_rank = 130, .help = "{}")                                            \
    X(MIN_DURATION,   "min-duration",     "S",       DOUBLE,     AL_TRAIN_AT(min_duration), .lo.d = 0, .hi.d = 1e6,   \
      .config = "min_duration", .help_rank = 150, .help = "skip shorter training utterances ({}: none)")              \
    X(MAX_DURATION,   "max-duration",     "S",       DOUBLE,     AL_TRAIN_AT(max_duration), .def.d = 20, .lo.d = 0,   \
      .hi.d = 1e6, .config = "max_duration", .help_rank = 160, .help = "skip longer training utterances ({})")        \
    X(SPEC_AUGMENT,   "spec-augment",     "[=P]",    SPECAUG,    AL_TRAIN_AT(spec_augment), .config = "spec_augment", \
      .help_rank = 170, .help = "SpecAugment: ds2 (the flag alone): 1 frequency mask <= 27 bins, 1 time\n"            \
      "mask <= 70 frames; nemo: 2 <= 27 bins, 10 <= 5% of the frames; off ({})")                                      \
    X(THREADS,        "threads",          "N",       THREADS,    .lo.i = 1, .hi.i = 1024, .config = "threads",        \
      .help_rank = 140, .help = "OpenMP threads (all cores: {})")                                                     \
    X(INIT_FROM,      NULL,               NULL,      STRING,     AL_TRAIN_AT(init_from), .config = "init_from")       \
    X(INIT_SEED,      NULL,               NULL,      U64,        AL_TRAIN_AT(init_seed), .config = "init_seed")       \
    X(MASK,           NULL,               NULL,      STRING,     AL_TRAIN_AT(mask_path), .config = "mask")            \
    X(CAPTURE_STEP,   NULL,               NULL,      I64,        AL_TRAIN_AT(capture_step), .config = "capture_step") \
    X(DENSE_TRAIN,    "dense-train",      NULL,      FLAG,       AL_TRAIN_AT(dense_train), .config = "dense_train",   \
      .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 190,                                                      \
      .help = "masked runs: dense kernels only (default: conv and LSTM weights train\n"                               \
              "on sparse kernels where that is faster)")                                                              \
    X(SELECT_BY,      "select-by",        "METRIC",  SELECT,     AL_TRAIN_AT(select_by), .def.i = AL_SELECT_WER,      \
      .config = "select_by", .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 30,                                \
      .help = "wer | cer: the greedy dev metric whose minimum is best.safetensors ({};\n"                             \
              "cer still ranks models whose WER saturates near 100%)")                                                \
    X(SCHEDULE,       "schedule",         "S",       SCHEDULE,   AL_TRAIN_AT(schedule), .def.i = AL_SCHEDULE_ANNEAL,  \
      .config = "schedule", .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 105,                                \
      .help = "anneal (lr / --anneal after every epoch) | noam (warm-up to --lr, then\n"                               \
              "1 / sqrt(step), per step) ({})")                                                                       \
    X(WARMUP_STEPS,   "warmup-steps",     "N",       INT,        AL_TRAIN_AT(warmup_steps), .def.i = 25000, .lo.i = 1, \
      .hi.i = INT32_MAX, .config = "warmup_steps", .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 106,        \
      .help = "noam: optimizer steps to the peak lr ({})")                                                            \
    X(UNITS,          "units",            "U",       STRING,     AL_TRAIN_AT(units), .def.s = "chars", .check = units_check,\
      .config = "units", .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 45,                                  \
      .help = "output units: chars | bpe:N (N SentencePiece BPE pieces trained on the\n"                          \
              "training transcripts) ({})")                                                                           \
    X(ZERO_INFINITY,  "zero-infinity",    "0|1",     INT,        AL_TRAIN_AT(zero_infinity), .lo.i = 0, .hi.i = 1,    \
      .config = "zero_infinity", .config_when = AL_CONFIG_UNLESS_DEFAULT, .help_rank = 125,                           \
      .help = "CTC: an utterance too short for its transcript adds 0 loss instead of\n"                              \
              "skipping its batch ({})")                                                                              \
    X(CHECKPOINT_EVERY, "checkpoint-every", "N",     INT,        AL_TRAIN_AT(checkpoint_every), .def.i = 100,         \
      .lo.i = 0, .hi.i = INT32_MAX, .help_rank = 180, .help = "write last.safetensors every N batches ({})")          \
    X(QUIET,          "quiet",            NULL,      FLAG,       AL_TRAIN_AT(quiet), .help_rank = 200,                \
      .help = "no progress bar")

#define AL_TRAIN_OPT_ROW_ID(row, ...) AL_TRAIN_OPT_##row,
typedef enum { AL_TRAIN_OPTIONS(AL_TRAIN_OPT_ROW_ID) AL_TRAIN_OPT_COUNT } al_train_opt_row;
#undef AL_TRAIN_OPT_ROW_ID
_Static_assert(AL_TRAIN_OPT_COUNT <= 64, "the mask of given options (AL_OPT_BIT) has 64 bits");

extern const al_opt_table al_train_option_table;

#endif
