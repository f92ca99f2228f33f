/* Choosing a weight's storage format from its mask and measured crossover densities, for every
 * family's sparse inference and training (internal). */
#ifndef AL_INFER_WEIGHT_FORMAT_H
#define AL_INFER_WEIGHT_FORMAT_H

#include "audiolottery/sparse.h"

/* Crossover stored densities (stored values / dense size) below which a format beats dense sgemm,
 * [0] CSR, [1] BSR 8 x 1, for eval-mode products: narrow ones (n < AL_SPARSE_XT_TILED_MIN_N
 * matrix-vector products) and wide ones (a block of frames). Measured by bench_sparse; see
 * weight_format.c. */
extern const double AL_INFER_CROSSOVER_NARROW[2];
extern const double AL_INFER_CROSSOVER_WIDE[2];
/* Crossovers of a training step of an X W^T product over many rows (forward, dX = dY W, dW at the
 * stored positions), [0] CSR, [1] BSR 8 x 1: measured on ds2-small's LSTM input weights (the
 * figures are in src/model/ds2/ds2_sparse_train.c), used for any family's Linear weights. */
extern const double AL_TRAIN_CROSSOVER_XT[2];

/* The eval-mode crossovers for products n wide. */
const double *al_infer_crossover(int n);

/* W (rows, cols) under mask ((rows, cols) bytes; NULL: W's nonzeros) in `format`, or under AUTO
 * the faster of CSR and BSR 8 x 1 when its stored density / its crossover density (crossover[0]
 * CSR, [1] BSR) is under 1. *out is NULL when dense wins or is asked for; *chosen is the format
 * used. */
al_status al_weight_format_pick(const float *w, const uint8_t *mask, int rows, int cols, al_weight_format format,
                                const double crossover[2], al_sparse **out, al_weight_format *chosen);

/* AL_OK for a valid al_weight_format; otherwise AL_ERR_INVALID prefixed with `who`. */
al_status al_weight_format_check(al_weight_format f, const char *who);

#endif
