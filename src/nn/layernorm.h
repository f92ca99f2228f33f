/* Layer normalisation over the last dimension (PyTorch nn.LayerNorm(d, eps)) as a forward/backward pair.
 *
 * Usage (Conformer: LayerNorm(d_model) on (N * T, d_model) rows):
 *   al_layernorm ln;
 *   al_layernorm_init(&ln, d, rows_max, 1e-5f);
 *   al_layernorm_forward(&ln, y, x, w, b, rows);               // rows <= rows_max
 *   al_layernorm_backward(&ln, dx, dw, db, dy, x, w, rows);    // same x and rows as the forward
 *   al_layernorm_free(&ln);
 *
 * Per row: mean and biased variance (in double), rstd = 1 / sqrt(var + eps), kept as float for the
 * backward. Ownership and threads: the struct owns mean and rstd of the last forward; one
 * al_layernorm per layer and state, one call at a time. OpenMP over rows (forward, dx) and over
 * column blocks (dw, db): results do not depend on the thread count.
 */
#ifndef AL_NN_LAYERNORM_H
#define AL_NN_LAYERNORM_H

#include "audiolottery/core.h"

typedef struct {
    int d, rows_max;
    float eps;
    float *mean, *rstd; /* (rows_max) of the last forward */
} al_layernorm;

/* d >= 1, rows_max >= 1, eps >= 0. */
al_status al_layernorm_init(al_layernorm *ln, int d, int rows_max, float eps);
void al_layernorm_free(al_layernorm *ln);

/* y (rows, d) = (x - mean) * rstd * w + b per row (w, b (d) may be NULL: 1, 0); y may not alias x. */
al_status al_layernorm_forward(al_layernorm *ln, float *y, const float *x, const float *w, const float *b, int rows);

/* Backward of the last forward (same x, same rows): with xhat = (x - mean) * rstd and g = dy * w,
 *   dx (rows, d) += rstd * (g - mean(g) - xhat * mean(g * xhat))  (means over the row),
 *   dw (d) += sum over rows of dy * xhat,  db (d) += sum over rows of dy.  Any may be NULL. */
al_status al_layernorm_backward(al_layernorm *ln, float *dx, float *dw, float *db, const float *dy, const float *x,
                                const float *w, int rows);

#endif
