/* audiolottery DeepSpeech2 CNN-LSTM (deepspeech.pytorch's DeepSpeech, the seed paper's backbone).
 *
 * Usage:
 *   al_ds2_config cfg;
 *   al_ds2_preset("ds2-small", &cfg);
 *   al_ds2 *m;
 *   al_ds2_new(&cfg, max_batch, max_frames, &m);        // parameter table + all workspaces
 *   al_ds2_init_weights(m, seed);                      // PyTorch's default initialisation
 *   int T_out = al_ds2_forward(m, 1, x, lengths, N, T, logits, out_lengths);   // training mode
 *   al_param_zero_grad(al_ds2_params(m));
 *   al_ds2_backward(m, dlogits);                       // gradients into the parameter table
 *   al_ds2_free(m);
 *
 * Architecture, with C conv channels, L layers of H hidden units, 161 input bins, 29 classes:
 *   conv.seq_module.0  Conv2d(1 -> C, (41, 11), stride (2, 2), padding (20, 5)) + BatchNorm2d (.1)
 *                      + Hardtanh(0, 20); conv.seq_module.3 Conv2d(C -> C, (21, 11), stride (2, 1),
 *                      padding (10, 5)) + BatchNorm2d (.4) + Hardtanh; positions past each
 *                      utterance's output length are zeroed after every one of these (MaskConv)
 *   rnns.0.rnn         bidirectional LSTM(C * 41 -> H), directions summed
 *   rnns.k             sequence-wise BatchNorm1d(H) (rnns.k.batch_norm.module) + LSTM(H -> H)
 *   fc.0.module.0/1    sequence-wise BatchNorm1d(H) + Linear(H -> 29, no bias)
 * Training-mode BatchNorm statistics include the zeroed padded positions, as in PyTorch.
 * Output lengths follow the conv formula: out = (in - 1) / 2 + 1 for these kernels.
 *
 * Layout: x (N, 1, 161, T) zero-padded normalised spectrograms; logits (T_out, N, 29) time-major.
 *
 * This is DeepSpeech2's own API, one set of weights with one state (the tests and benchmarks of the
 * model use it); everything else reaches DeepSpeech2 through audiolottery/model.h (family "ds2",
 * src/model/ds2/ds2_family.c), which keeps weights and per-thread states apart.
 *
 * Ownership: the model owns its parameter table and workspaces; a model belongs to one thread at
 * a time (its calls parallelise internally with OpenMP).
 */
#ifndef AUDIOLOTTERY_DS2_H
#define AUDIOLOTTERY_DS2_H

#include "audiolottery/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_DS2_BINS 161
#define AL_DS2_CLASSES 29
/* Upper bounds of a config read from a file: far above any real DS2 (the paper's is 32 channels,
 * 5 x 1024), low enough that every size product fits in an int. */
#define AL_DS2_MAX_CHANNELS 1024
#define AL_DS2_MAX_LAYERS 64
#define AL_DS2_MAX_HIDDEN 16384

typedef struct {
    int conv_channels; /* C: 32 in deepspeech.pytorch */
    int hidden_layers; /* L */
    int hidden_size;   /* H */
    int n_bins;        /* input frequency bins (161) */
    int n_classes;     /* output labels, blank included (29) */
} al_ds2_config;

/* "ds2-paper" (C 32, 5 x 1024: 86,618,400 parameters), "ds2-small" (32, 3 x 256: 5,580,832),
 * "ds2-demo" (8, 2 x 128: the README's few-minute lottery demo), "ds2-tiny" (4, 2 x 16: tests). */
al_status al_ds2_preset(const char *name, al_ds2_config *cfg);
/* "ds2-paper, ds2-small, ds2-demo, ds2-tiny" */
const char *al_ds2_preset_names(void);

/* AL_OK when every field is in range (bins 161, classes 2..AL_ALPHABET_MAX, the rest 1..the
 * AL_DS2_MAX_* bounds); otherwise AL_ERR_INVALID naming the field. al_ds2_new checks it. */
al_status al_ds2_config_check(const al_ds2_config *cfg);

/* Infers the architecture from tensor names and shapes of a state dict (e.g. written by
 * PyTorch): conv channels from conv.seq_module.0.weight, hidden size and layer count from the
 * rnns.k.rnn tensors, classes from fc.0.module.1.weight. Errors name what is missing or
 * inconsistent (a layer missing between others, a shape that disagrees, a DataParallel "module."
 * prefix). AL_ERR_NOT_FOUND when f has no conv.seq_module.0.weight (not a DeepSpeech2 at all). */
al_status al_ds2_config_infer(const al_st_file *f, const char *path, al_ds2_config *cfg);

/* Frames after the two convolutions for an input of `frames` frames. */
int al_ds2_output_length(int frames);

typedef struct al_ds2 al_ds2;

/* Builds the parameter table (PyTorch names, prunable: conv weights, every LSTM weight, the
 * output linear; BatchNorm running statistics are buffers) and workspaces for batches of up to
 * max_batch utterances of up to max_frames frames. Weights start at zero: call
 * al_ds2_init_weights or load them. */
al_status al_ds2_new(const al_ds2_config *cfg, int max_batch, int max_frames, al_ds2 **out);
void al_ds2_free(al_ds2 *m);

al_param_table *al_ds2_params(al_ds2 *m);
const al_ds2_config *al_ds2_cfg(const al_ds2 *m);

/* PyTorch's default initialisation: conv, linear and LSTM weights and biases uniform in
 * +-1/sqrt(fan_in) (LSTM: +-1/sqrt(H)), BatchNorm weight 1, bias 0, running mean 0, var 1. */
void al_ds2_init_weights(al_ds2 *m, uint64_t seed);

/* The output units for --structure channel (see prune.h), in table order: each conv output
 * channel (its filter; consumers: the next conv's input channel, or for conv.seq_module.3 its 41
 * columns of both directions' rnns.0 input weights, the conv output being flattened channel-major)
 * and each LSTM hidden unit (its 4 gate rows of both weights of both directions; consumers: its
 * column of both recurrent weights and of the next layer's input weights or the output layer).
 * The output layer's rows (classes) are never units. Free with al_prune_units_free. */
al_status al_ds2_units(al_ds2 *m, al_prune_units *u);

/* Forward pass. train: 1 uses batch statistics and updates the BatchNorm running statistics
 * (momentum 0.1) and keeps what backward needs; 0 uses running statistics (an utterance's
 * logits then do not depend on the rest of the batch). x (N, 1, n_bins, T); lengths (N) in
 * 1..T; writes logits (T_out, N, n_classes) and out_lengths (N). Returns T_out (> 0) or a
 * negative al_status. */
int al_ds2_forward(al_ds2 *m, int train, const float *x, const int *lengths, int N, int T, float *logits,
                   int *out_lengths);

/* Backward pass for the last training forward: dlogits (T_out, N, n_classes); ADDS the
 * parameter gradients into the table's gradient block. */
al_status al_ds2_backward(al_ds2 *m, const float *dlogits);

/* ---- sparse inference (ds2_sparse.c) ------------------------------------------------------
 * Usage (a pruned checkpoint: masked weights are exactly zero):
 *   al_sparse_report r;
 *   st = al_ds2_sparsify(m, mask, AL_WEIGHT_FORMAT_AUTO, &r); // mask NULL: keep the nonzeros
 *   al_ds2_forward(m, 0, ...);                                // eval mode now runs sparse
 *   al_ds2_densify(m);                                        // back to dense (al_ds2_free also frees)
 * sparsify copies the conv and LSTM weights as they are now into sparse matrices, each in the
 * format that is fastest for its mask structure, density and product width (thresholds measured
 * by bench_sparse, see src/infer/weight_format.c), chosen for the model's batch and frame capacity;
 * the output linear (classes x H, under 1% of the work) stays dense. Only eval-mode forwards
 * (train = 0) use them: change the weights afterwards only together with another al_ds2_sparsify
 * (which replaces the matrices) or al_ds2_densify. Logits equal the dense path's up to float
 * rounding (summation order). The report has 2 + 4 L entries: the convs, then per layer and
 * direction W_ih, W_hh. mask: one byte per float of the parameter table (audiolottery/prune.h).
 * format: AUTO chooses per weight, another value forces it for every weight. On failure the model
 * keeps what it had. */
al_status al_ds2_sparsify(al_ds2 *m, const uint8_t *mask, al_weight_format format, al_sparse_report *r);
void al_ds2_densify(al_ds2 *m);

/* ---- sparse training (ds2_sparse_train.c) -------------------------------------------------
 * Usage (a lottery level: the mask is fixed for the run and the optimizer keeps masked weights at 0):
 *   st = al_ds2_sparse_train(m, mask, AL_WEIGHT_FORMAT_AUTO, &r);  // after the weights are loaded
 *   per step: al_ds2_forward(m, 1, ...); al_ds2_backward(m, ...); al_optim_step(opt, t, mask);
 *             st = al_ds2_sparse_refresh(m);                       // after EVERY change of the weights
 *   al_ds2_sparse_train_off(m);                                    // back to dense (al_ds2_free also frees)
 * Copies the conv and LSTM weights into sparse matrices, each in the format that makes its
 * training step fastest (AUTO; thresholds in ds2_sparse_train.c) or
 * the one forced; training-mode forwards and backwards then run on them. Separate from the eval-mode
 * matrices of al_ds2_sparsify. mask (required, one byte per float of the table): masked weights
 * must be exactly 0 now and after every step. The backward then leaves the weight gradient of
 * masked entries a sparse format does not store at 0 instead of the dense product's value, which
 * the trainer zeroes before clipping anyway (masked weights get no gradient, as with PyTorch's
 * weight_orig * mask): steps equal dense training up to float rounding. With AUTO, when every weight
 * trains faster dense nothing is kept (al_ds2_sparse_training gives 0). On failure the model keeps what
 * it had. */
al_status al_ds2_sparse_train(al_ds2 *m, const uint8_t *mask, al_weight_format format, al_sparse_report *r);
/* Copies the current weights into the sparse matrices (O(stored values)); nothing when dense. */
al_status al_ds2_sparse_refresh(al_ds2 *m);
void al_ds2_sparse_train_off(al_ds2 *m);
/* 1 when some weight trains on a sparse matrix. */
int al_ds2_sparse_training(al_ds2 *m);

#ifdef __cplusplus
}
#endif
#endif
