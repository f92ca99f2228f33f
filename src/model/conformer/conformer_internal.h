/* Conformer-CTC behind the model interface (internal): ESPnet's Conv2dSubsampling (no positional
 * encoding), torchaudio.models.Conformer 0.13's layers, a Linear head; CTC with blank 0.
 *
 * Shapes (N utterances, T input frames, F = 80 log-mel bins, C = d model dimension, f FFN units,
 * h heads, k depthwise kernel, V classes; rows are batch-major (n, t)):
 *   x      (N, F, T)          input features, zero-padded
 *   sub0   (N, 1, T, F)       x transposed (Conv2d's (time, frequency) image)
 *   c1     (N, C, T1, F1)     subsampling.conv.0 + ReLU        T1 = (T - 1) / 2, F1 = (F - 1) / 2 = 39
 *   c2     (N, C, T2, F2)     subsampling.conv.2 + ReLU        T2 = (T1 - 1) / 2, F2 = 19
 *   flat   (N, T2, C * F2)    c2 with (channel, frequency) flattened per frame
 *   x0     (N, T2, d)         subsampling.out (Linear)         = the first layer's input
 *   per layer (rows = N * T2), see conformer_state.c; output (N, T2, d)
 *   logits (T2, N, V)         head, time-major as CTC takes it
 * Valid output frames of an utterance of L input frames: ((L - 1) / 2 - 1) / 2; 40 ms each. */
#ifndef AL_MODEL_CONFORMER_INTERNAL_H
#define AL_MODEL_CONFORMER_INTERNAL_H

#include "audiolottery/model.h"
#include "audiolottery/sparse_train.h"
#include "nn/attention.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/layernorm.h"
#include "model/sparse_weights.h"

#define AL_CONFORMER_BINS 80
#define AL_CONFORMER_MAX_DIM 4096
#define AL_CONFORMER_MAX_LAYERS 64

typedef struct {
    int d;          /* model dimension, also the subsampling's channels */
    int heads;
    int ffn;        /* hidden units of each feed-forward module */
    int layers;
    int kernel;     /* depthwise convolution kernel (odd) */
    int n_bins;     /* 80 */
    int n_classes;  /* output labels, blank included */
    float dropout;  /* training-mode dropout of attention, feed-forward and convolution modules */
} al_conformer_config;

/* Parameter indices of one feed-forward module: LayerNorm, Linear(d, f), Linear(f, d). */
typedef struct {
    int ln_w, ln_b, w1, b1, w2, b2;
} al_conformer_ffn_params;

typedef struct {
    al_conformer_ffn_params ffn1, ffn2;
    int att_ln_w, att_ln_b, in_w, in_b, out_w, out_b;     /* self_attn_layer_norm, self_attn */
    int cv_ln_w, cv_ln_b, pw1_w, pw1_b, dw_w, dw_b;       /* conv_module.layer_norm, sequential.0, .2 */
    int bn_w, bn_b, bn_mean, bn_var, pw2_w, pw2_b;        /* sequential.3 (BatchNorm1d), .5 */
    int fin_ln_w, fin_ln_b;                               /* final_layer_norm */
} al_conformer_layer_params;

typedef struct {
    al_conformer_config cfg;
    al_param_table t;
    int sub_w[2], sub_b[2], sub_out_w, sub_out_b, head_w, head_b;
    al_conformer_layer_params *layer; /* (layers) */
    al_sparse_weights *sparse;        /* eval-mode sparse matrices of the prunable weights; NULL: dense */
} al_conformer_weights;

/* What one feed-forward module keeps for backward (rows, ...). */
typedef struct {
    al_layernorm ln;
    float *x_ln;      /* (rows, d) LayerNorm output */
    float *h;         /* (rows, f) Linear 1 output (SiLU input) */
    float *a;         /* (rows, f) SiLU output after dropout (Linear 2 input) */
    uint8_t *drop_a;  /* (rows, f) dropout mask after SiLU; NULL without dropout */
    uint8_t *drop_o;  /* (rows, d) dropout mask of the module output */
} al_conformer_ffn_cache;

typedef struct {
    float *x0;                 /* (rows, d) layer input (owned by the previous layer's output) */
    al_conformer_ffn_cache ffn1, ffn2;
    float *x1;                 /* (rows, d) x0 + 0.5 ffn1 */
    al_layernorm att_ln;
    float *att_in;             /* (rows, d) self_attn_layer_norm output */
    al_mhsa att;
    uint8_t *drop_att;         /* (rows, d) self_attn_dropout mask */
    float *x2;                 /* (rows, d) x1 + attention */
    al_layernorm cv_ln;
    float *cv_in;              /* (rows, d) conv_module.layer_norm output */
    float *pw1;                /* (rows, 2d) pointwise conv 1 output (GLU input) */
    float *glu;                /* (rows, d) GLU output, padded frames zeroed (depthwise input) */
    float *dw;                 /* (rows, d) depthwise output (BatchNorm input) */
    al_batchnorm bn;
    float *bn_out;             /* (rows, d) BatchNorm output (SiLU input), padded frames 0 */
    float *act;                /* (rows, d) SiLU output (pointwise conv 2 input) */
    uint8_t *drop_cv;          /* (rows, d) conv module dropout mask */
    float *x3;                 /* (rows, d) x2 + conv module */
    float *x4;                 /* (rows, d) x3 + 0.5 ffn2 (final LayerNorm input) */
    al_layernorm fin_ln;
    float *out;                /* (rows, d) the layer's output (the next layer's x0) */
} al_conformer_layer_cache;

typedef struct {
    al_conformer_weights *w;
    int max_batch, max_frames, max_rows; /* max_rows = max_batch * T2 of max_frames */
    al_conv2d conv[2];
    float *sub0, *c1, *c2, *flat, *x0;   /* shapes above */
    float *head;                         /* (rows, V) head output, batch-major */
    al_conformer_layer_cache *layer;     /* (layers) */
    /* gradient scratch: g_r1, g_r2 the size of c1; g_flat of flat; g_head of head; g_cur (the
     * gradient flowing down the layers), g_d, g_c, g_e (rows, d); g_f1, g_f2 (rows, f); g_p2
     * (rows, 2d). The forward uses g_c for a module's output before its residual. */
    float *g_r1, *g_r2, *g_flat, *g_head, *g_cur, *g_d, *g_c, *g_e, *g_f1, *g_f2, *g_p2;
    uint8_t *keep;                       /* (max_rows) 1 for a valid output frame */
    int *len;                            /* (max_batch) valid output frames */
    int N, T, T1, T2, trained;
    uint64_t seed;                       /* dropout draws of the next training forward */
    /* training-mode sparse matrices (a lottery level's fixed mask) and their backward scratch */
    al_sparse_weights *strain;
    al_sparse_ws ws;
    float *dval;                         /* weight gradient at the stored positions, one matrix at a time */
} al_conformer_state;

/* conformer_config.c */
al_status al_conformer_preset(const char *name, al_conformer_config *cfg);
al_status al_conformer_config_check(const al_conformer_config *c);
int al_conformer_output_length(int frames);
/* frequency bins after the two subsampling convolutions (19 for 80) */
int al_conformer_sub_bins(const al_conformer_config *c, int stage);

/* conformer_weights.c */
al_status al_conformer_weights_new(const al_conformer_config *cfg, al_conformer_weights **out);
void al_conformer_weights_free(al_conformer_weights *w);
void al_conformer_weights_init(al_conformer_weights *w, uint64_t seed);

/* conformer_units.c: --structure channel units (feed-forward units, attention heads, conv channels) */
al_status al_conformer_weights_units(const al_conformer_weights *w, al_prune_units *u);

/* conformer_sparse.c: every prunable weight (a Linear or pointwise conv, multiplied as X W^T over the
 * batch's frames) in its fastest format for eval-mode forwards of up to max_batch x max_frames */
al_status al_conformer_sparsify(al_conformer_weights *w, const uint8_t *mask, al_weight_format format, int max_batch,
                                int max_frames, al_sparse_report *r);
void al_conformer_densify(al_conformer_weights *w);
/* Training-mode matrices of the same weights, chosen for a training step (X W^T forward, dX = dY W,
 * dW at the stored positions); refresh after every optimizer step. */
al_status al_conformer_sparse_train(al_conformer_state *s, const uint8_t *mask, al_weight_format format,
                                    al_sparse_report *r);
al_status al_conformer_sparse_refresh(al_conformer_state *s);
void al_conformer_sparse_train_off(al_conformer_state *s);
/* y (rows, out) = x (rows, in) W^T + b with weight param, on its matrix in set when it has one
 * (set: the state's training matrices in training, the weights' eval ones in eval mode, or NULL);
 * b may be NULL */
al_status al_conformer_linear(const al_conformer_weights *w, const al_sparse_weights *set, float *y, const float *x,
                              int param, int bias, int rows, int in, int out);
/* Backward of al_conformer_linear in training: dx (rows, in) +=, the weight's and bias's gradients
 * += (a sparse weight's only at its stored positions; dx may be NULL) */
al_status al_conformer_linear_backward(al_conformer_state *s, float *dx, int param, int bias, const float *dy,
                                       const float *x, int rows, int in, int out);

/* conformer_state.c */
al_status al_conformer_state_new(al_conformer_weights *w, int max_batch, int max_frames, al_conformer_state **out);
void al_conformer_state_free(al_conformer_state *s);
int al_conformer_forward(al_conformer_state *s, int train, const float *x, const int *lengths, int N, int T,
                         float *logits, int *out_lengths);
al_status al_conformer_backward(al_conformer_state *s, const float *dlogits);

#endif
