/* The seam between ds2.c (the model) and ds2_sparse.c (its sparse inference weights), internal. */
#ifndef AL_MODEL_DS2_SPARSE_H
#define AL_MODEL_DS2_SPARSE_H

#include "audiolottery/ds2.h"
#include "nn/conv2d.h"
#include "nn/lstm.h"

typedef struct al_ds2_sparse al_ds2_sparse;

/* ds2.c: the model's slot for its sparse weights (NULL: none), its layers. */
al_ds2_sparse **al_ds2_sparse_slot(al_ds2 *m);
al_conv2d *al_ds2_conv_layer(al_ds2 *m, int i);    /* i 0, 1 */
al_lstm_cache *al_ds2_lstm_layer(al_ds2 *m, int k); /* k 0 .. L - 1 */

/* ds2_sparse.c: what an eval-mode forward uses; NULL (s NULL, or that layer dense) means dense. */
const al_sparse *al_ds2_sparse_conv(const al_ds2_sparse *s, int i);
const al_lstm_sparse *al_ds2_sparse_lstm(const al_ds2_sparse *s, int k);
void al_ds2_sparse_free(al_ds2_sparse *s);

/* ds2_sparse_pick.c, for inference and training alike. W (rows, cols) under mask ((rows, cols)
 * bytes; NULL: W's nonzeros) in `format`, or under AUTO the faster of CSR and BSR 8 x 1 when its
 * stored density / its crossover density (crossover[0] CSR, [1] BSR) is under 1. *out is NULL
 * when dense wins or is asked for; *chosen is the format used. */
al_status al_ds2_pick_format(const float *w, const uint8_t *mask, int rows, int cols, al_ds2_format format,
                             const double crossover[2], al_sparse **out, al_ds2_format *chosen);
/* A conv weight's mask (numel bytes in the weight's layout; NULL: w's nonzeros) in the repacked
 * (kws c_out, kr) layout its products run on (al_conv2d_repack), as bytes mb. */
al_status al_ds2_conv_mask_repacked(const al_conv2d *conv, const float *w, const uint8_t *mask, size_t numel,
                                    uint8_t *mb);

#endif
