/* Sequence masking for padded batches (deepspeech.pytorch MaskConv): frames at or past a sample's
 * length are set to zero.
 *
 * Usage (after every conv, BatchNorm and hardtanh of the DS2 front, with lengths already passed
 * through al_conv_out_len):
 *   al_seqmask(y, out_len, n, c * d, t_out);    // forward
 *   al_seqmask(dy, out_len, n, c * d, t_out);   // backward: the same call on the gradient
 *
 * Thread-safe (no state); OpenMP over samples and rows.
 */
#ifndef AL_NN_SEQMASK_H
#define AL_NN_SEQMASK_H

#include "audiolottery/core.h"

/* x (n, rows, t): x[i, r, f] = 0 for every f >= lengths[i] (rows = channels * frequency rows).
 * An error if a length lies outside [0, t]. Masking a gradient is its own backward. */
al_status al_seqmask(float *x, const int *lengths, int n, int rows, int t);

#endif
