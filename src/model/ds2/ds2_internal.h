/* DeepSpeech2's parts behind the model interface (internal): the weights (config, parameter table,
 * eval-mode sparse matrices) and the per-thread state (layers, activations, training-mode sparse
 * matrices). audiolottery/ds2.h's al_ds2 is one of each, for callers of the DS2 API itself. */
#ifndef AL_MODEL_DS2_INTERNAL_H
#define AL_MODEL_DS2_INTERNAL_H

#include "audiolottery/ds2.h"
#include "audiolottery/model.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/lstm.h"
#include "model/sparse_weights.h"

typedef struct al_ds2_strain al_ds2_strain; /* ds2_sparse_train.c */

typedef struct {
    int weight, bias, mean, var;
} al_ds2_bn_params;

typedef struct {
    int w_ih, w_hh, b_ih, b_hh;
} al_ds2_lstm_params;

typedef struct {
    al_ds2_config cfg;
    al_param_table t;
    int d1, d2;               /* frequency rows after conv1 (81) and conv2 (41) */
    /* parameter indices */
    int conv_w[2], conv_b[2];
    al_ds2_bn_params conv_bn[2];
    al_ds2_bn_params *rnn_bn;        /* (L); entry 0 unused (no BatchNorm before the first LSTM) */
    al_ds2_lstm_params (*rnn)[2];    /* (L, 2 directions) */
    al_ds2_bn_params fc_bn;
    int fc_w;
    al_sparse_weights *sparse; /* eval-mode sparse weights (ds2_sparse.c); NULL: dense */
    uint64_t sparse_gen;      /* changes with every sparsify / densify: states rebind their scratch */
} al_ds2_weights;

typedef struct {
    al_ds2_weights *w;
    int max_batch, max_frames;
    /* layers */
    al_conv2d conv[2];
    al_batchnorm bn2d[2], *bn1d, bn_fc; /* bn1d (L), entry 0 unused */
    al_lstm_cache *lstm;                /* (L) */
    /* activations of the last forward (shapes in ds2_state.c) and gradient scratch */
    float *x, *y1, *z1, *y2, *z2, *seq, **bn, **out, *fc;
    float *g1a, *g1b, *g2a, *g2b, *gseq, *gha, *ghb, *gfc;
    int *len;                 /* (max_batch) output lengths */
    int N, T, T1, trained;    /* sizes and mode of the last forward */
    al_ds2_strain *strain;    /* training-mode sparse weights (ds2_sparse_train.c); NULL: dense */
    /* eval-mode sparse LSTM products: w->sparse's matrices with this state's scratch */
    al_lstm_sparse *lsp;      /* (L) */
    float *sws[2];            /* per direction, sws_floats each */
    size_t sws_floats;
    uint64_t bound_gen;       /* w->sparse_gen the views were built for */
} al_ds2_state;

struct al_ds2 {
    al_ds2_weights *w;
    al_ds2_state *s;
};

/* ds2_config.c: conv i's (0, 1) layer config */
void al_ds2_conv_cfg(const al_ds2_config *c, int i, al_conv2d_cfg *out);

/* ds2_weights.c */
al_status al_ds2_weights_new(const al_ds2_config *cfg, al_ds2_weights **out);
void al_ds2_weights_free(al_ds2_weights *w);
void al_ds2_weights_init(al_ds2_weights *w, uint64_t seed);
al_status al_ds2_weights_units(const al_ds2_weights *w, al_prune_units *u); /* ds2_units.c */

/* ds2_state.c */
al_status al_ds2_state_new(al_ds2_weights *w, int max_batch, int max_frames, al_ds2_state **out);
void al_ds2_state_free(al_ds2_state *s);
int al_ds2_state_forward(al_ds2_state *s, int train, const float *x, const int *lengths, int N, int T, float *logits,
                         int *out_lengths);
al_status al_ds2_state_backward(al_ds2_state *s, const float *dlogits);

/* ds2_sparse.c: eval-mode matrices of the weights, chosen for forwards of up to max_batch x
 * max_frames; a state's views of them with its own scratch. */
al_status al_ds2_weights_sparsify(al_ds2_weights *w, const uint8_t *mask, al_weight_format format, int max_batch,
                                  int max_frames, al_sparse_report *r);
void al_ds2_weights_densify(al_ds2_weights *w);
const al_sparse *al_ds2_sparse_conv(const al_ds2_weights *w, int i); /* NULL: dense */
/* al_weight_product's repack hook of a conv weight: ctx is its al_conv2d (al_conv2d_repack) */
void al_ds2_conv_repack(const void *conv, const float *w, float *wr);
/* LSTM layer k's eval-mode products for state s (NULL: dense), binding s's scratch first when the
 * weights' matrices changed since. */
al_status al_ds2_state_sparse_lstm(al_ds2_state *s, int k, const al_lstm_sparse **out);
void al_ds2_state_sparse_unbind(al_ds2_state *s);

/* ds2_sparse_train.c: training-mode matrices of a state */
al_status al_ds2_state_sparse_train(al_ds2_state *s, const uint8_t *mask, al_weight_format format,
                                    al_sparse_report *r);
al_status al_ds2_state_sparse_refresh(al_ds2_state *s);
void al_ds2_state_sparse_train_off(al_ds2_state *s);
const al_sparse *al_ds2_strain_conv(const al_ds2_strain *s, int i, float **ws);
const al_lstm_sparse_train *al_ds2_strain_lstm(const al_ds2_strain *s, int k);
void al_ds2_strain_free(al_ds2_strain *s);

#endif
