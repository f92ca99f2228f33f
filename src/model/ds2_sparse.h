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

#endif
