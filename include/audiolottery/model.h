/* audiolottery model interface: one API for every model family (DeepSpeech2 and Conformer-CTC; the
 * RNN-Transducer next; a test family in tests/).
 *
 * Usage:
 *   al_model *m;
 *   al_model_new_preset("ds2-small", &m);               // or al_model_load(path, &m)
 *   al_model_init_weights(m, seed);                       // the family's PyTorch-default initialisation
 *   al_model_state *s;
 *   al_model_state_new(m, max_batch, max_frames, &s);   // activations and workspaces of one thread
 *   al_input_spec in = al_model_input(m);               // features the model wants (al_batch_alloc)
 *   int T_out = al_model_forward(s, 1, x, lengths, N, T, out, out_lengths);   // training mode
 *   al_param_zero_grad(al_model_params(m));
 *   al_model_backward(s, dout);                         // gradients into the parameter table
 *   al_model_state_free(s);
 *   al_model_free(m);
 *
 * A model (al_model) is the family, its config, its parameter table (weights, gradients, the
 * BatchNorm buffers), its output units (characters or BPE pieces) and its eval-mode sparse matrices
 * (al_model_sparsify). A state
 * (al_model_state) holds what one forward/backward needs: activations, layer caches, workspaces
 * sized for max_batch x max_frames, and its own training-mode sparse matrices. Eval-mode forwards
 * (train 0) read the model only, so one model serves several states on several threads; a
 * training-mode forward updates BatchNorm running statistics and its backward adds into the
 * table's gradient block, so training uses one state at a time.
 *
 * Outputs by head kind: AL_HEAD_CTC forwards write per-frame scores (T_out, N, classes), time-major,
 * unnormalised (the CTC loss and the decoders apply the log-softmax), decoded by the CTC decoders
 * (greedy; prefix beam search with an LM for character units).
 * AL_HEAD_TRANSDUCER is declared for the RNN-Transducer: its hooks are in al_transducer_ops below
 * and no family provides them yet (training and decoding refuse such a model).
 *
 * Families are found by preset name ("ds2-small") and by a checkpoint's metadata "arch" ("ds2").
 * The built-in families are listed in src/model/registry.c; al_model_register adds one (tests).
 *
 * Ownership: the model owns its table and sparse matrices; a state refers to its model, which must
 * outlive it. Not thread-safe: registration, sparsify/densify and weight changes need exclusive use.
 */
#ifndef AUDIOLOTTERY_MODEL_H
#define AUDIOLOTTERY_MODEL_H

#include "audiolottery/audio.h"
#include "audiolottery/param.h"
#include "audiolottery/prune.h"
#include "audiolottery/sparse.h"
#include "audiolottery/units.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    AL_HEAD_CTC = 0,        /* per-frame log-probabilities, blank 0 */
    AL_HEAD_TRANSDUCER = 1, /* encoder frames + prediction network + joint (al_transducer_ops) */
} al_head_kind;

/* The input a model wants: x (N, bins, T) zero-padded features computed with `features`. */
typedef struct {
    al_feature_opts features;
    int bins;
} al_input_spec;

/* Input frames of `seconds` of audio at the spec's sample rate and hop (1 + samples / hop). */
int al_input_frames(const al_input_spec *in, double seconds);

/* ---- sparse weights ------------------------------------------------------------------------
 * al_weight_format (audiolottery/sparse.h) names how a prunable weight's products run; a family's
 * sparsify / sparse_train report their per-weight choices here. */
#define AL_SPARSE_REPORT_MAX 520 /* weights a report holds: a 64-layer Conformer declares 514 */

typedef struct {
    int param;            /* index in the parameter table */
    char name[AL_PARAM_NAME_MAX];
    int rows, cols;       /* the product's matrix (a family may repack a weight, e.g. DS2's convs) */
    int n;                /* product width the choice assumed (1: matrix-vector products) */
    double kept;          /* kept weights / weights of the tensor */
    double stored;        /* values the chosen format stores / (rows x cols): the share of dense work */
    al_weight_format format; /* the choice */
} al_weight_choice;

typedef struct {
    int n;
    al_weight_choice w[AL_SPARSE_REPORT_MAX];
} al_sparse_report;

/* ---- models ------------------------------------------------------------------------------- */
typedef struct al_model al_model;
typedef struct al_model_state al_model_state;
typedef struct al_model_family al_model_family;

/* The family of a preset ("ds2-small") or of a checkpoint's arch ("ds2"); NULL when none. */
const al_model_family *al_model_family_for_preset(const char *preset);
const al_model_family *al_model_family_find(const char *arch);
/* Adds a family (its name and presets must be new). AL_ERR_INVALID otherwise. */
al_status al_model_register(const al_model_family *f);
/* Every preset of every family, ", "-separated, into buf. */
void al_model_preset_names(char *buf, size_t n);

/* A model of a preset with zero weights. An unknown preset is AL_ERR_INVALID listing the presets. */
al_status al_model_new_preset(const char *preset, al_model **out);
/* A model of family f with config cfg (f's config struct, checked). */
al_status al_model_new(const al_model_family *f, const void *cfg, al_model **out);
/* A preset with `classes` output classes instead of its own (BPE units); AL_ERR_UNSUPPORTED for a
 * family that cannot change them. */
al_status al_model_new_preset_classes(const char *preset, int classes, al_model **out);
/* A model from the JSON a checkpoint keeps under "model" (its "arch" picks the family; no arch is
 * DeepSpeech2, as in the first checkpoints), or inferred from a bare state dict's tensor names
 * (tried by each family in turn). path is used in messages. */
al_status al_model_new_from_json(const char *json, const char *path, al_model **out);
al_status al_model_new_inferred(const al_st_file *f, const char *path, al_model **out);
void al_model_free(al_model *m);

const al_model_family *al_model_family_of(const al_model *m);
const char *al_model_arch(const al_model *m);
const void *al_model_config(const al_model *m); /* the family's config struct */
al_param_table *al_model_params(al_model *m);
/* The config as the JSON checkpoints keep under "model" ({"arch":..., sizes}). */
al_status al_model_config_json(const al_model *m, char *buf, size_t n);
/* One line for people: "ds2, conv channels 32, 3 bidirectional LSTM layers of 256, ...". */
void al_model_describe(const al_model *m, char *buf, size_t n);
void al_model_init_weights(al_model *m, uint64_t seed);
/* Output units for --structure channel (see prune.h); AL_ERR_UNSUPPORTED when the family has none. */
al_status al_model_units(al_model *m, al_prune_units *u);

/* What the output classes stand for: characters (the default) or BPE pieces. The model owns them;
 * model files keep them in their metadata ("units", "units_model"). set takes ownership of u, whose
 * classes must be the model's. */
const al_units *al_model_output_units(const al_model *m);
al_status al_model_set_output_units(al_model *m, al_units *u);

al_input_spec al_model_input(const al_model *m);
int al_model_classes(const al_model *m);                 /* output labels, blank included */
int al_model_output_length(const al_model *m, int frames); /* output frames of `frames` input frames */
double al_model_seconds_per_frame(const al_model *m);    /* audio seconds per output frame */
al_head_kind al_model_head(const al_model *m);
/* The shortest audio (seconds) that gives at least `outputs` output frames: for one, 0 for DeepSpeech2
 * and 0.06 for a Conformer (7 input frames through its subsampling). Training asks for two (a
 * Conformer's BatchNorm needs two frames of a one-utterance batch) and skips shorter utterances. */
double al_model_min_seconds(const al_model *m, int outputs);

/* Eval-mode sparse matrices for every weight the family multiplies by, each in the fastest format
 * (AUTO) or the one forced, chosen for forwards of up to max_batch x max_frames. mask: one byte per
 * float of the table, NULL keeps the nonzeros. Only eval-mode forwards use them: after a change of
 * the weights call it again or al_model_densify. r (may be NULL) receives the choices. On failure
 * the model keeps what it had. AL_ERR_UNSUPPORTED when the family has no sparse kernels. */
al_status al_model_sparsify(al_model *m, const uint8_t *mask, al_weight_format format, int max_batch, int max_frames,
                            al_sparse_report *r);
void al_model_densify(al_model *m);

/* ---- model files ---------------------------------------------------------------------------
 * Opens a checkpoint (ours: train's, a lottery's, a compact file of 'export'), or a bare PyTorch
 * state dict in safetensors with a family's names and no metadata: the model from the metadata's
 * "model" config or, without it, from the tensor names and shapes; then the weights and buffers.
 * Labels other than the default alphabet are refused. Errors name the file. */
al_status al_model_load(const char *path, al_model **model);
/* al_model_load plus a state for batches of up to max_batch x max_frames. */
al_status al_model_load_with_state(const char *path, int max_batch, int max_frames, al_model **model,
                                   al_model_state **state);
/* The model's tensors under their names (F32), and a num_batches_tracked (I64 scalar) beside every
 * BatchNorm's running statistics (PyTorch's load_state_dict(strict=True) wants them). */
al_status al_model_write_tensors(al_model *m, al_st_writer *w, int64_t num_batches_tracked);
/* __metadata__ "format", "model" (al_model_config_json) and "labels". */
al_status al_model_write_meta(const al_model *m, al_st_writer *w, const char *format);

/* ---- states ------------------------------------------------------------------------------- */
al_status al_model_state_new(al_model *m, int max_batch, int max_frames, al_model_state **out);
void al_model_state_free(al_model_state *s);
al_model *al_model_state_model(al_model_state *s);

/* Forward pass. train 1: batch statistics, running statistics updated, dropout on, what backward
 * needs kept; 0: eval mode (an utterance's output does not depend on the rest of the batch).
 * x (N, bins, T) zero-padded; lengths (N) in 1..T; writes out (T_out, N, classes) for CTC heads
 * and out_lengths (N). Returns T_out (> 0) or a negative al_status. */
int al_model_forward(al_model_state *s, int train, const float *x, const int *lengths, int N, int T, float *out,
                     int *out_lengths);
/* Backward of the last training forward: dout like out; ADDS into the table's gradient block. */
al_status al_model_backward(al_model_state *s, const float *dout);
/* The seed of the next training forward's random draws (dropout), so that a run draws the same
 * after a resume: the trainer gives one per (run seed, epoch, batch). Nothing for a family without
 * random draws. */
void al_model_state_set_seed(al_model_state *s, uint64_t seed);

/* Training-mode sparse matrices of this state (a lottery level: the mask is fixed for the run and
 * masked weights stay exactly 0): weights whose training step is faster sparse train on them.
 * After EVERY change of the weights call al_model_sparse_refresh. Steps equal dense training up to
 * float rounding. A family without sparse training kernels keeps training dense (AL_OK, r->n 0). */
al_status al_model_sparse_train(al_model_state *s, const uint8_t *mask, al_weight_format format,
                                al_sparse_report *r);
al_status al_model_sparse_refresh(al_model_state *s);
void al_model_sparse_train_off(al_model_state *s);

/* ---- for family authors --------------------------------------------------------------------
 * A family fills one al_model_family with these functions (weights: the family's model object;
 * state: its per-thread object) and registers it (built-ins: src/model/registry.c). Optional
 * entries may be NULL. */
/* The hooks a transducer family adds (declared for the RNN-Transducer issue, which may refine them;
 * no family provides them yet). Its forward then writes encoder frames (T_out, N, enc_dim) instead
 * of CTC logits; the prediction network and the joint network run through these. */
typedef struct {
    int enc_dim, pred_dim;
    /* prediction network over the label prefixes: labels (N, U) with lengths (N), blank-prefixed;
     * pred (N, U + 1, pred_dim); train as in forward */
    int (*predict)(void *state, int train, const int *labels, const int *label_lengths, int N, int U, float *pred);
    /* joint logits (N, T, U + 1, classes) of enc (T, N, enc_dim) and pred (N, U + 1, pred_dim) */
    al_status (*joint)(void *state, const float *enc, const float *pred, int N, int T, int U, float *logits);
    /* backward of joint then predict: d logits in, gradients into the table, d enc out (+=) */
    al_status (*joint_backward)(void *state, const float *dlogits, float *denc);
    al_status (*predict_backward)(void *state);
} al_transducer_ops;

/* A family's own training recipe: the trainer's defaults for its presets (al_train_defaults_for);
 * zero / NULL fields keep the trainer's. Options given by the user override it. */
typedef struct {
    const char *optimizer;     /* "adam" | "adamw" | "sgd" (that optimiser's defaults, then the fields below) */
    double lr, beta1, beta2, eps, weight_decay, clip;
    const char *schedule;      /* "anneal" | "noam" */
    int warmup_steps;          /* noam */
    const char *spec_augment;  /* "off" | "ds2" | "nemo" */
    int zero_infinity;         /* 1: CTC's impossible alignments add 0 instead of skipping the batch */
} al_train_recipe;

struct al_model_family {
    const char *name;             /* checkpoint "arch", e.g. "ds2" */
    const al_train_recipe *recipe; /* NULL: the trainer's defaults (deepspeech.pytorch's recipe) */
    const char *const *presets;   /* NULL-terminated */
    size_t config_size;           /* bytes of the family's config struct */
    al_head_kind head;
    const al_transducer_ops *transducer; /* AL_HEAD_TRANSDUCER only */

    al_status (*preset)(const char *name, void *cfg);
    al_status (*config_check)(const void *cfg);
    void (*set_classes)(void *cfg, int classes); /* optional: output classes other than the preset's */
    al_status (*config_to_json)(const void *cfg, char *buf, size_t n); /* {"arch":name, ...} */
    al_status (*config_from_json)(const char *json, const char *path, void *cfg);
    /* AL_ERR_NOT_FOUND when f is not a state dict of this family (another family is tried) */
    al_status (*config_infer)(const al_st_file *f, const char *path, void *cfg);
    void (*describe)(const void *cfg, char *buf, size_t n);
    al_input_spec (*input)(const void *cfg);
    int (*classes)(const void *cfg);
    int (*output_length)(const void *cfg, int frames);
    double (*seconds_per_frame)(const void *cfg);

    al_status (*weights_new)(const void *cfg, void **weights, al_param_table **table);
    void (*weights_free)(void *weights);
    void (*init_weights)(void *weights, uint64_t seed);
    al_status (*units)(void *weights, al_prune_units *u); /* optional */
    al_status (*sparsify)(void *weights, const uint8_t *mask, al_weight_format format, int max_batch,
                          int max_frames, al_sparse_report *r); /* optional */
    void (*densify)(void *weights);                           /* optional (with sparsify) */

    al_status (*state_new)(void *weights, int max_batch, int max_frames, void **state);
    void (*state_free)(void *state);
    int (*forward)(void *state, int train, const float *x, const int *lengths, int N, int T, float *out,
                   int *out_lengths);
    al_status (*backward)(void *state, const float *dout);
    void (*set_seed)(void *state, uint64_t seed);          /* optional (families with dropout) */
    al_status (*sparse_train)(void *state, const uint8_t *mask, al_weight_format format,
                              al_sparse_report *r);        /* optional */
    al_status (*sparse_refresh)(void *state);              /* optional (with sparse_train) */
    void (*sparse_train_off)(void *state);                 /* optional (with sparse_train) */
};

#ifdef __cplusplus
}
#endif
#endif
