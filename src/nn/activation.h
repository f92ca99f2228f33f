/* Element-wise activations as forward/backward pairs. Stateless and thread-safe; OpenMP inside.
 *
 * Usage (DS2: nn.Hardtanh(0, 20)):
 *   al_hardtanh_forward(y, x, 0.0f, 20.0f, count);       // y may equal x (in place)
 *   al_hardtanh_backward(dx, dy, y, 0.0f, 20.0f, count);
 * Usage (Conformer: nn.SiLU, the Swish of the feed-forward and convolution modules):
 *   al_silu_forward(y, x, count);                        // keep x: the backward needs the input
 *   al_silu_backward(dx, dy, x, count);
 */
#ifndef AL_NN_ACTIVATION_H
#define AL_NN_ACTIVATION_H

#include <stddef.h>

/* y (count) = min(max(x, min_val), max_val); NaN stays NaN. min_val < max_val. */
void al_hardtanh_forward(float *y, const float *x, float min_val, float max_val, size_t count);

/* dx (count) += dy where min_val < v < max_val strictly (PyTorch hardtanh_backward), else nothing.
 * v may be the forward's input or its output: the test gives the same answer for both, so the
 * forward can run in place. */
void al_hardtanh_backward(float *dx, const float *dy, const float *v, float min_val, float max_val, size_t count);

/* y (count) = x * sigmoid(x) = x / (1 + exp(-x)). y may equal x only if the caller keeps x elsewhere for
 * backward. */
void al_silu_forward(float *y, const float *x, size_t count);

/* dx (count) += dy * silu'(x), silu'(x) = s * (1 + x * (1 - s)) with s = sigmoid(x); x is the forward's input. */
void al_silu_backward(float *dx, const float *dy, const float *x, size_t count);

#endif
