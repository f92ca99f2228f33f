/* audiolottery sparse training kernels: what the backward pass of a pruned layer needs from an
 * al_sparse (CSR or k x 1 BSR, see audiolottery/sparse.h) whose mask is fixed for a level while
 * its values change after every optimizer step.
 *
 * Usage (one step of a pruned linear layer Y (n, out) = X (n, in) W^T, W (out, in) row-major):
 *   al_sparse_ws ws = {NULL, al_sparse_ws_bytes(m, 0)};
 *   ws.buf = al_malloc(ws.bytes);                                  // once per level
 *   st = al_sparse_refresh(m, w);                                  // W changed: new values
 *   st = al_sparse_mm_xt(m, x, n, 0.0f, y);                        // forward
 *   st = al_sparse_mm_xt_t(m, dy, n, 0.0f, dx, &ws);               // dX = dY W
 *   st = al_sparse_grad_w_xt(m, dy, x, n, 0.0f, dval, &ws);        // dW at the stored positions
 *   st = al_sparse_scatter_grad(m, dval, dw);                      // into the dense gradient
 *
 * Stored but pruned values. A BSR block is stored whole when any of its k entries is kept, so it
 * can hold pruned entries. al_sparse_refresh copies W at every stored position and relies on the
 * trainer's invariant that pruned weights of W are exactly 0 (it zeroes them after each step):
 * the pruned-but-stored values then stay 0. The gradient kernels compute dW at every stored
 * position, pruned-but-stored ones included: there they give the same value the dense product
 * dY X^T would, and the trainer's masking of the gradient applies as in the dense path.
 *
 * beta is 0 (output overwritten, its content ignored) or 1 (accumulate), as in sparse.h.
 *
 * Determinism: every kernel gives the same bits whatever the number of OpenMP threads. The input
 * gradients split the batch dimension n into fixed tiles (one thread writes a tile of dX, adding
 * blocks in storage order); the weight gradients split block rows (one thread writes a block row
 * of dval) and sum over n in fixed chunks, in order.
 *
 * Scratch. The two X W^T backward kernels transpose tiles of dY, X and dX through a caller-owned
 * workspace, so that no call allocates; al_sparse_ws_bytes gives its size for a matrix and a
 * thread count. A workspace serves every matrix of the same or smaller rows + cols. A call runs on
 * at most as many threads as its workspace was sized for.
 *
 * Thread-safety: refresh writes m->val and must not overlap other calls on m; the other kernels
 * only read m and are reentrant given one workspace per concurrent call.
 */
#ifndef AUDIOLOTTERY_SPARSE_TRAIN_H
#define AUDIOLOTTERY_SPARSE_TRAIN_H

#include "audiolottery/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    float *buf;   /* caller-owned scratch, 64-byte aligned (al_malloc) */
    size_t bytes; /* its size: at least al_sparse_ws_bytes(m, threads) */
} al_sparse_ws;

/* Workspace bytes for the X W^T backward kernels of m on up to threads OpenMP threads
 * (threads <= 0: al_threads()). Does not depend on n. 0 for a NULL m. */
size_t al_sparse_ws_bytes(const al_sparse *m, int threads);

/* m->val = W at the stored positions, for W (rows, cols) row-major whose pruned entries are 0.
 * O(stored values); the structure is unchanged and a short last block row's padding stays 0. */
al_status al_sparse_refresh(al_sparse *m, const float *w);

/* dX (cols, n) = W^T dY + beta dX for dY (rows, n): the input gradient of Y = W X. */
al_status al_sparse_mm_t(const al_sparse *m, const float *dy, int n, float beta, float *dx);

/* dX (n, cols) = dY W + beta dX for dY (n, rows): the input gradient of Y = X W^T. */
al_status al_sparse_mm_xt_t(const al_sparse *m, const float *dy, int n, float beta, float *dx,
                            const al_sparse_ws *ws);

/* Weight gradient of Y = W X at the stored positions, dY (rows, n), X (cols, n):
 * dval[b * k + i] = sum_t dY[r, t] X[c, t] + beta dval[b * k + i] for the value of row r = br k + i
 * and column c = col[b]; dval (n_blocks * k) has m->val's layout, padding rows get 0 (beta 0). */
al_status al_sparse_grad_w(const al_sparse *m, const float *dy, const float *x, int n, float beta, float *dval);

/* The same for Y = X W^T, dY (n, rows), X (n, cols): dW[r, c] = sum_t dY[t, r] X[t, c]. */
al_status al_sparse_grad_w_xt(const al_sparse *m, const float *dy, const float *x, int n, float beta, float *dval,
                              const al_sparse_ws *ws);

/* dW (rows, cols) += dval at the stored positions (padding ignored); other entries untouched. */
al_status al_sparse_scatter_grad(const al_sparse *m, const float *dval, float *dw);

#ifdef __cplusplus
}
#endif
#endif
