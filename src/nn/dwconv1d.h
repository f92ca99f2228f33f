/* Depthwise 1-d convolution (torch Conv1d(C, C, k, groups=C, padding=(k-1)/2, bias), k odd) on a
 * CHANNEL-LAST layout, as a forward/backward pair.
 *
 * Layout: x, y (N, T, C) row-major: rows (n, t), channels contiguous (the Conformer's convolution module
 * keeps (N * T, d_model) rows; torch's (N, C, T) is its transpose). Zero padding outside [0, T); the
 * output has T frames (stride 1). w (C, 1, k) as torch stores it, b (C).
 *
 * Usage (Conformer: depthwise Conv1d(d, d, 31, groups=d, padding=15)):
 *   al_dwconv1d_forward(y, x, w, b, N, T, C, 31);
 *   al_dwconv1d_backward(dx, dw, db, dy, x, w, N, T, C, 31);
 *
 * Stateless: the backward needs the forward's x, which the caller keeps. Each call allocates a (k, C)
 * copy of w. OpenMP over rows (y, dx) and over channel blocks (dw, db, summed in double in a fixed
 * order): results do not depend on the thread count.
 */
#ifndef AL_NN_DWCONV1D_H
#define AL_NN_DWCONV1D_H

#include "audiolottery/core.h"

/* y[n,t,c] = b[c] + sum_j w[c*k + j] * x[n, t + j - (k-1)/2, c]; w (C, 1, k) as torch stores it; b may be NULL;
 * y (N, T, C) overwritten, may not alias x. N, T >= 0, C >= 1, k >= 1 odd. */
al_status al_dwconv1d_forward(float *y, const float *x, const float *w, const float *b, int N, int T, int C, int k);

/* dx (N, T, C) += the transposed convolution of dy;  dw (C, 1, k) += sum over n, t of dy[n,t,c] * x[n,t+j-p,c];
 * db (C) += sum over n, t of dy. Any of dx, dw, db may be NULL. dw reductions deterministic. */
al_status al_dwconv1d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                               int N, int T, int C, int k);

#endif
