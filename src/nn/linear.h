/* Fully connected layer (PyTorch nn.Linear) as a forward/backward pair.
 *
 * Usage (DS2 output: Linear(H, 29, bias=False) on (T * N, H) rows):
 *   al_linear_forward(y, x, w, NULL, rows, in, out);
 *   al_linear_backward(dx, dw, NULL, dy, x, w, rows, in, out);
 *
 * Stateless: the backward needs only the forward's x, which the caller keeps. sgemm with
 * OpenBLAS's own threading when called outside a parallel region; deterministic (no split of the
 * reduction dimension).
 */
#ifndef AL_NN_LINEAR_H
#define AL_NN_LINEAR_H

#include "audiolottery/core.h"

/* y (rows, out) = x (rows, in) w (out, in)^T + b (out); b may be NULL. y is overwritten. */
al_status al_linear_forward(float *y, const float *x, const float *w, const float *b, int rows, int in, int out);

/* dx (rows, in) += dy (rows, out) w (out, in);  dw (out, in) += dy^T x;  db (out) += sum over rows of dy.
 * Any of dx, dw, db may be NULL to skip it. */
al_status al_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                             int rows, int in, int out);

#endif
