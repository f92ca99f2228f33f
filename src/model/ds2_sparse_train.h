/* The seam between ds2.c (the model) and ds2_sparse_train.c (its sparse training weights), internal. */
#ifndef AL_MODEL_DS2_SPARSE_TRAIN_H
#define AL_MODEL_DS2_SPARSE_TRAIN_H

#include "audiolottery/ds2.h"
#include "nn/lstm.h"

typedef struct al_ds2_strain al_ds2_strain;

/* ds2.c: the model's slot for its sparse training state (NULL: dense training). */
al_ds2_strain **al_ds2_strain_slot(al_ds2 *m);

/* ds2_sparse_train.c: conv i's sparse repacked weights for a training forward and backward and the
 * backward's workspace (*ws, al_conv2d_backward_sparse_ws floats); NULL (s NULL, or that conv dense)
 * means dense. */
const al_sparse *al_ds2_strain_conv(const al_ds2_strain *s, int i, float **ws);
/* LSTM layer k's sparse training weights and buffers; NULL (s NULL, or every weight of the layer
 * dense) means dense. */
const al_lstm_sparse_train *al_ds2_strain_lstm(const al_ds2_strain *s, int k);
void al_ds2_strain_free(al_ds2_strain *s);

#endif
