/* Inverted dropout (torch.nn.functional.dropout in training mode) with masks drawn reproducibly:
 * row r of a (rows, dim) mask draws dim uniform numbers from al_rng_seed_stream(seed, stream + r)
 * and drops an entry when its number is < p, so a mask depends only on (seed, stream, rows, dim, p),
 * never on the thread count. Kept entries are scaled by 1 / (1 - p).
 *
 * Usage (p > 0, training):
 *   al_dropout_mask(mask, rows, dim, p, seed, stream);
 *   al_dropout_forward(y, x, mask, rows * dim, p);       // y may equal x
 *   al_dropout_backward(dx, dy, mask, rows * dim, p);    // dx +=
 */
#ifndef AL_NN_DROPOUT_H
#define AL_NN_DROPOUT_H

#include <stddef.h>
#include <stdint.h>

/* mask (rows, dim): 1 kept, 0 dropped. OpenMP over rows. */
void al_dropout_mask(uint8_t *mask, int rows, int dim, float p, uint64_t seed, uint64_t stream);
/* y (count) = x * mask / (1 - p). */
void al_dropout_forward(float *y, const float *x, const uint8_t *mask, size_t count, float p);
/* dx (count) += dy * mask / (1 - p). */
void al_dropout_backward(float *dx, const float *dy, const uint8_t *mask, size_t count, float p);

#endif
