/* Batch normalisation with PyTorch semantics (nn.BatchNorm2d and, through the layout below, the
 * sequence-wise nn.BatchNorm1d of deepspeech.pytorch) as a forward/backward pair.
 *
 * Layout: x, y (outer, channels, inner), statistics per channel over outer * inner values.
 *   BatchNorm2d on (N, C, D, T):                 outer = N,     inner = D * T
 *   sequence-wise BatchNorm1d on (T, N, F):      outer = T * N, inner = 1    (channels = F)
 * Padded positions count in the statistics, as in deepspeech.pytorch (the caller zeroes them); the
 * _masked variants keep them out (ESPnet / NeMo Conformer), given one keep byte per (outer, inner) position.
 *
 * Usage:
 *   al_batchnorm bn;
 *   al_batchnorm_init(&bn, 32);                       // eps 1e-5, momentum 0.1
 *   al_batchnorm_forward(&bn, y, rmean, rvar, x, w, b, training, n, d * t);
 *   al_batchnorm_backward(&bn, dx, dw, db, dy, x, w, n, d * t);
 *   al_batchnorm_free(&bn);
 *
 * Training mode normalises with the batch mean and biased variance and updates
 * running = (1 - momentum) * running + momentum * batch statistic, with the unbiased variance for
 * running_var. Eval mode normalises with running_mean / running_var. num_batches_tracked is the
 * caller's (it does not enter the math with a fixed momentum).
 *
 * Ownership and threads: the struct owns the per-channel statistics of the last forward, which
 * its backward uses; one al_batchnorm per layer, one call at a time. OpenMP over channels; results
 * do not depend on the thread count.
 */
#ifndef AL_NN_BATCHNORM_H
#define AL_NN_BATCHNORM_H

#include "audiolottery/core.h"

#include <stdint.h>

typedef struct {
    int channels;
    float eps;      /* 1e-5 */
    float momentum; /* 0.1 */
    int training;   /* mode of the last forward */
    double *mean;   /* (channels) mean used by the last forward */
    double *invstd; /* (channels) 1 / sqrt(var + eps) used by the last forward */
    double *sums;   /* (2, channels) backward reductions */
} al_batchnorm;

al_status al_batchnorm_init(al_batchnorm *bn, int channels);
void al_batchnorm_free(al_batchnorm *bn);

/* y (outer, channels, inner) = (x - mean) * invstd * weight + bias, per channel.
 * weight, bias (channels) may be NULL (1 and 0). running_mean, running_var (channels): read in eval
 * mode, updated in training mode (may then be NULL: not tracked). y may equal x, but backward needs
 * the forward's input x. An error if outer * inner < 2 in training (as PyTorch). */
al_status al_batchnorm_forward(al_batchnorm *bn, float *y, float *running_mean, float *running_var, const float *x,
                               const float *weight, const float *bias, int training, int outer, int inner);

/* Backward of the last forward (same mode, same x): with xhat = (x - mean) * invstd,
 *   dbias (channels) += sum dy,  dweight (channels) += sum dy * xhat,
 *   dx (outer, channels, inner) += weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))  (training)
 *                                  weight * invstd * dy                                       (eval).
 * dx, dweight, dbias may be NULL to skip. */
al_status al_batchnorm_backward(al_batchnorm *bn, float *dx, float *dweight, float *dbias, const float *dy,
                                const float *x, const float *weight, int outer, int inner);

/* Masked statistics: keep (outer * inner bytes, index o * inner + i, 1 = a real frame, 0 = padding).
 * Training: mean and biased variance over the kept positions only (the unbiased variance with the count of
 * kept positions m for running_var, momentum as above); an error if m < 2. Eval: running statistics.
 * Either mode sets y = 0 where keep is 0. keep NULL: exactly al_batchnorm_forward. */
al_status al_batchnorm_forward_masked(al_batchnorm *bn, float *y, float *running_mean, float *running_var,
                                      const float *x, const float *weight, const float *bias, int training, int outer,
                                      int inner, const uint8_t *keep);

/* Backward of the last forward_masked (same mode, x and keep): as al_batchnorm_backward with the sums and
 * means over kept positions only; positions with keep 0 get no gradient (dx untouched there).
 * keep NULL: exactly al_batchnorm_backward. */
al_status al_batchnorm_backward_masked(al_batchnorm *bn, float *dx, float *dweight, float *dbias, const float *dy,
                                       const float *x, const float *weight, int outer, int inner, const uint8_t *keep);

#endif
