/* audiolottery sparse weights: a pruned dense weight as CSR or k x 1 block-sparse rows (BSR), and
 * the products that inference needs.
 *
 * Usage (a pruned linear layer, W (out, in) row-major and its mask, one byte per float):
 *   al_sparse *m = NULL;
 *   al_status st = al_sparse_from_dense(AL_SPARSE_BSR, 8, w, mask, out, in, &m);
 *   st = al_sparse_mm_xt(m, x, rows, 0.0f, y);   // y (rows, out) = x (rows, in) W^T
 *   al_sparse_free(m);
 *
 * Formats. CSR keeps every kept weight with its column. BSR with block height k groups k
 * consecutive output rows ("block row" br covers rows br*k .. br*k + k - 1); a k x 1 block (one
 * column of one block row) is stored whole, zeros included, if any of its k entries is kept. When
 * rows is not a multiple of k the last block row is short: its missing rows are stored as zeros
 * and never read back or written. The kernels' cost follows the stored values, which is what
 * al_sparse_density reports.
 *
 * Kernels compute Y = W X + beta Y or Y = X W^T + beta Y with beta 0 (Y overwritten, its content
 * ignored) or 1 (accumulate). They split block rows (CSR: rows) across OpenMP threads, each
 * output written by one thread in a fixed order: results do not depend on the number of threads.
 *
 * Thread-safety: a matrix is read-only after al_sparse_from_dense; kernels are reentrant.
 */
#ifndef AUDIOLOTTERY_SPARSE_H
#define AUDIOLOTTERY_SPARSE_H

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AL_SPARSE_CSR = 0, AL_SPARSE_BSR = 1 } al_sparse_format;

#define AL_SPARSE_MAX_K 32 /* largest BSR block height */

typedef struct {
    al_sparse_format format;
    int rows, cols;    /* the dense shape (out, in) */
    int k;             /* block height: 1 for CSR */
    int block_rows;    /* ceil(rows / k) */
    int64_t *ptr;      /* (block_rows + 1) blocks of block row br are ptr[br] .. ptr[br + 1] - 1 */
    int32_t *col;      /* (n_blocks) column of each block, increasing within a block row */
    float *val;        /* (n_blocks * k) val[b * k + i] = W[br * k + i, col[b]] (0 where pruned) */
    int64_t n_blocks;  /* stored blocks (CSR: stored weights) */
    int64_t n_stored;  /* stored values on real rows (excludes a short last block row's padding) */
} al_sparse;

/* Builds m from W (rows, cols) row-major and mask (rows, cols), 1 = kept; mask NULL keeps the
 * nonzeros of W. k is the BSR block height (1 .. AL_SPARSE_MAX_K) and is ignored for CSR. */
al_status al_sparse_from_dense(al_sparse_format format, int k, const float *w, const uint8_t *mask, int rows,
                               int cols, al_sparse **out);
void al_sparse_free(al_sparse *m);

/* Stored values / (rows x cols): the share of the dense work the kernels do. */
double al_sparse_density(const al_sparse *m);

/* W (rows, cols) with pruned entries 0 (the inverse of al_sparse_from_dense: W x mask). */
al_status al_sparse_to_dense(const al_sparse *m, float *w);

/* Y (rows, n) = W X + beta Y for X (cols, n) row-major: weights times n column vectors. */
al_status al_sparse_mm(const al_sparse *m, const float *x, int n, float beta, float *y);

/* Y (n, rows) = X W^T + beta Y for X (n, cols) row-major: the LSTM input projection, n = time x batch.
 * From n = 8 on BSR 8 x 1 runs on tiles of 16 rows of X, other formats as (W X^T)^T with X^T in
 * scratch (cols x n floats, so that it can fail with AL_ERR_NOMEM). */
al_status al_sparse_mm_xt(const al_sparse *m, const float *x, int n, float beta, float *y);
/* From this n on, al_sparse_mm_xt runs as tiles of W X^T (X transposed) rather than n products W x_t;
 * the two regimes have different dense/sparse crossovers (src/infer/weight_format.c). */
#define AL_SPARSE_XT_TILED_MIN_N 8

/* Floats of scratch al_sparse_mm_xt_ws needs for n: cols x n from n = 8 on (BSR 8 x 1: none), else 0. */
size_t al_sparse_mm_xt_scratch(const al_sparse *m, int n);

/* al_sparse_mm_xt with caller-owned scratch ws (al_sparse_mm_xt_scratch(m, n) floats; NULL when
 * that is 0): never allocates, for products inside a loop such as an LSTM's per-step recurrence. */
al_status al_sparse_mm_xt_ws(const al_sparse *m, const float *x, int n, float beta, float *y, float *ws);

/* How a prunable weight's products run: dense (sgemm on the parameter table), CSR or BSR 8 x 1 (8
 * consecutive output rows, one input column). AUTO picks the fastest per weight from its mask
 * structure, density and product width, using crossovers measured by bench_sparse
 * (src/infer/weight_format.c); the model interface's sparsify and sparse_train take one. */
typedef enum {
    AL_WEIGHT_FORMAT_AUTO = 0, /* choose per weight */
    AL_WEIGHT_FORMAT_DENSE,
    AL_WEIGHT_FORMAT_CSR,
    AL_WEIGHT_FORMAT_BSR8
} al_weight_format;

const char *al_weight_format_name(al_weight_format f); /* "auto", "dense", "csr", "bsr8x1" */
/* Parses a name of al_weight_format_name; AL_ERR_INVALID naming the choices otherwise. */
al_status al_weight_format_parse(const char *name, al_weight_format *f);

/* The dense counterparts on cblas_sgemm, W (rows, cols) row-major, same shapes and beta. */
al_status al_dense_mm(const float *w, int rows, int cols, const float *x, int n, float beta, float *y);
al_status al_dense_mm_xt(const float *w, int rows, int cols, const float *x, int n, float beta, float *y);

#ifdef __cplusplus
}
#endif
#endif
