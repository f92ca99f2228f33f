/* Gated linear unit over the channel axis (torch.nn.functional.glu(x, dim)) as a forward/backward pair.
 *
 * Layout: x (outer, 2C, inner) -> y (outer, C, inner); a = x[:, :C], b = x[:, C:], y = a * sigmoid(b).
 *   Conformer convolution module, GLU(dim=1) on (N, 2C, T):   outer = N,      inner = T
 *   the same on channel-last rows (N * T, 2C):                 outer = N * T,  inner = 1
 *
 * Usage:
 *   al_glu_forward(y, x, outer, C, inner);
 *   al_glu_backward(dx, dy, x, outer, C, inner);    // the forward's x, which the caller keeps
 *
 * Stateless and thread-safe; OpenMP over outer. y may not alias x.
 */
#ifndef AL_NN_GLU_H
#define AL_NN_GLU_H

/* y (outer, C, inner) = x[:, :C, :] * sigmoid(x[:, C:, :]). Sizes >= 0. */
void al_glu_forward(float *y, const float *x, int outer, int channels /* C */, int inner);

/* dx (outer, 2C, inner) += [dy * sigmoid(b), dy * a * sigmoid(b) * (1 - sigmoid(b))]. */
void al_glu_backward(float *dx, const float *dy, const float *x, int outer, int channels, int inner);

#endif
