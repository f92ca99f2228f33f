/* Sparse matrices of a model's prunable weights, for any family (internal to src/model). A family
 * declares its products (which weight, the product's matrix shape and width, the crossovers, and
 * for a weight multiplied in another layout a repacking hook); this module picks each weight's
 * format (src/infer/weight_format.c), builds the matrices, reports the choices, keeps them keyed by
 * parameter index, and refreshes their values after the weights change (training).
 *
 * Usage:
 *   al_weight_product p[] = {{.param = w_ih, .rows = 4 * H, .cols = In, .n = frames}, ...};
 *   al_sparse_weights *sw;
 *   st = al_sparse_weights_new(table, mask, p, n, AL_WEIGHT_FORMAT_AUTO, &report, &sw);
 *   const al_sparse *m = al_sparse_weights_find(sw, w_ih);   // NULL: runs dense
 *   after each optimizer step: st = al_sparse_weights_refresh(sw, table);
 *   al_sparse_weights_free(sw);
 */
#ifndef AL_MODEL_SPARSE_WEIGHTS_H
#define AL_MODEL_SPARSE_WEIGHTS_H

#include "audiolottery/model.h"

typedef struct {
    int param;               /* parameter table index of the weight */
    int rows, cols;          /* the product's matrix */
    int n;                   /* product width the choice assumes (reported) */
    const double *crossover; /* [CSR, BSR 8 x 1] crossover densities; NULL: the eval-mode ones for n */
    /* Optional: the weight w (numel floats, its table layout) as the product's (rows, cols) matrix
     * wr; NULL when the product multiplies by the weight as it is stored. Applied to the mask too
     * (as 0 / 1 floats): entries the repacking makes up come out 0, i.e. pruned. */
    void (*repack)(const void *ctx, const float *w, float *wr);
    const void *ctx;
} al_weight_product;

typedef struct al_sparse_weights al_sparse_weights;

/* Builds the matrices of products p[0..n) of the weights in t under mask (one byte per float of
 * the table; NULL: the nonzero weights are kept) in `format` (AUTO: each weight's fastest). r (may
 * be NULL) receives one entry per product, in order. *out is NULL when every product runs dense.
 * Errors: bad format, too many products for a report, out of memory. */
al_status al_sparse_weights_new(const al_param_table *t, const uint8_t *mask, const al_weight_product *p, int n,
                                al_weight_format format, al_sparse_report *r, al_sparse_weights **out);
void al_sparse_weights_free(al_sparse_weights *s);
/* The sparse matrix of weight `param`, or NULL (s NULL, dense, or not a product). */
const al_sparse *al_sparse_weights_find(const al_sparse_weights *s, int param);
/* Copies the weights' current values into their matrices (repacked where declared): O(stored). */
al_status al_sparse_weights_refresh(al_sparse_weights *s, const al_param_table *t);

#endif
