/* 2-D convolution (PyTorch nn.Conv2d semantics, dilation 1, groups 1) as a forward/backward pair.
 *
 * Usage (DS2 conv2: Conv2d(32, 32, (21, 11), stride (2, 1), padding (10, 5))):
 *   al_conv2d conv;
 *   al_conv2d_cfg cfg = {.c_in = 32, .c_out = 32, .kh = 21, .kw = 11,
 *                        .stride_h = 2, .stride_w = 1, .pad_h = 10, .pad_w = 5};
 *   if (al_conv2d_init(&conv, &cfg) != AL_OK) ...al_last_error()...
 *   al_conv2d_out_size(&cfg, d, t, &d_out, &t_out);
 *   al_conv2d_forward(&conv, y, x, w, b, n, d, t);
 *   al_conv2d_backward(&conv, dx, dw, db, dy, x, w, n, d, t);  // dx == NULL: no input gradient
 *   al_conv2d_free(&conv);
 *
 * Layout: x (N, C_in, D, T) with D = frequency rows and T = frames, y (N, C_out, D_out, T_out),
 * w (C_out, C_in, KH, KW), b (C_out), all row-major float, exactly as PyTorch stores them.
 *
 * Method (never an im2col matrix; cblas_sgemm does the arithmetic): a tile is R output rows x up to
 * TW output columns. A matrix Z holds, for every input phase ph < stride_w (ph < kw), channel ci and
 * kernel row ki, the input row segment the tile needs, sampled every stride_w columns and zero
 * outside the input (min(stride_w, kw) * c_in * kh rows, R * (TW + kws - 1) columns with
 * kws = ceil(kw / stride_w)); it is built with row copies and is about kw times smaller than an
 * im2col tile. One sgemm with the weights of all kernel columns, (kws * c_out, rows of Z) x Z, gives
 * every kernel column's contribution, which is summed into y with shifts of kj / stride_w columns.
 * Backward mirrors it (dy laid out kws times, shifted) with two sgemm calls per tile. Kernel columns
 * that the phase split adds (kws * stride_w > kw) are zero weights: 1/11 extra work for DS2 conv1,
 * none for conv2.
 * Forward runs one OpenMP loop over (sample, tile); backward runs one over samples, each thread with
 * its own partial dW/db that are summed in thread order afterwards, so the result is deterministic
 * for a given thread count. Inside those parallel regions the OpenMP build of OpenBLAS runs
 * single-threaded; when only one thread is used (al_threads() == 1, or backward with n < threads)
 * no active parallel region is opened and OpenBLAS may thread the sgemm calls itself.
 *
 * Ownership and threads: the struct owns its scratch (sized at init, independent of N, D and T:
 * nothing is allocated per call). One al_conv2d must not be used by two calls at the same time.
 * The thread count is al_threads() at init time (capped by al_threads() at call time).
 */
#ifndef AL_NN_CONV2D_H
#define AL_NN_CONV2D_H

#include "audiolottery/core.h"
#include "audiolottery/sparse.h"

typedef struct {
    int c_in, c_out;
    int kh, kw;             /* kernel rows (over D) and columns (over T) */
    int stride_h, stride_w;
    int pad_h, pad_w;       /* zero padding on both sides */
    int tile;               /* columns of the tile matrix Z, at least kws = ceil(kw / stride_w); 0 picks
                               one from the kernel size */
} al_conv2d_cfg;

typedef struct {
    al_conv2d_cfg cfg;      /* tile resolved */
    int kws;                /* kernel columns per phase: ceil(kw / stride_w) */
    int kr;                 /* rows of Z: min(stride_w, kw) * c_in * kh, ordered (phase, ci, ki) */
    int nthreads;           /* threads the scratch is sized for */
    size_t per_thread;      /* floats of scratch per thread */
    float *wr;              /* weights repacked as (kws, c_out, kr), zero-filled (written by each call) */
    float *scratch;         /* per thread: z, dz (kr, tile), acc (kws * c_out, tile),
                               dw partial (kws * c_out, kr), db partial (c_out); then wr */
} al_conv2d;

/* Checks cfg and allocates the scratch: 2 * kr * tile + kws * c_out * (tile + kr) + c_out floats
 * per thread, plus kws * c_out * kr for wr. */
al_status al_conv2d_init(al_conv2d *c, const al_conv2d_cfg *cfg);
void al_conv2d_free(al_conv2d *c);

/* Output size of one spatial axis: floor((in + 2 * pad - kernel) / stride) + 1, or 0 when the
 * input is shorter than the kernel. Also gives the valid output length of a sequence of `in` frames
 * (deepspeech.pytorch get_seq_lens). */
int al_conv_out_len(int in, int kernel, int stride, int pad);

/* d_out, t_out for an input (d, t); an error if either is < 1. */
al_status al_conv2d_out_size(const al_conv2d_cfg *cfg, int d, int t, int *d_out, int *t_out);

/* y (n, c_out, d_out, t_out) = conv(x (n, c_in, d, t), w (c_out, c_in, kh, kw)) + b (c_out).
 * b may be NULL (no bias). y is overwritten and must not overlap x. */
al_status al_conv2d_forward(al_conv2d *c, float *y, const float *x, const float *w, const float *b, int n, int d,
                            int t);

/* wr (kws * c_out, kr) = w (c_out, c_in, kh, kw) repacked as the matrix each forward tile is
 * multiplied by: wr[mm * c_out + co][(ph, ci, ki)] = w[co][ci][ki][mm * stride_w + ph], 0 where
 * that kernel column does not exist. */
void al_conv2d_repack(const al_conv2d *c, const float *w, float *wr);
/* A weight's mask (numel bytes in the weight's layout; NULL: w's nonzeros) in the repacked
 * (kws c_out, kr) layout al_conv2d_repack writes, as bytes mb; the repacking's padding columns
 * (kernel columns that do not exist) come out 0. */
al_status al_conv2d_mask_repacked(const al_conv2d *c, const float *w, const uint8_t *mask, size_t numel, uint8_t *mb);

/* al_conv2d_forward with the weights given as s, a sparse copy of al_conv2d_repack's wr (rows
 * kws * c_out, columns kr): each tile's product runs on al_sparse_mm instead of sgemm. Same result
 * up to float rounding. */
al_status al_conv2d_forward_sparse(al_conv2d *c, const al_sparse *s, float *y, const float *x, const float *b, int n,
                                   int d, int t);

/* Given dy (n, c_out, d_out, t_out) and the forward's x (n, c_in, d, t) and w (c_out, c_in, kh, kw):
 *   dw (c_out, c_in, kh, kw) += sum_n dy x cols^T,  db (c_out) += sum over n, d_out, t_out of dy,
 *   dx (n, c_in, d, t) += col2im(w^T dy).
 * Any of dx, dw, db may be NULL to skip that gradient (dx NULL for the first layer). */
al_status al_conv2d_backward(al_conv2d *c, float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, int n, int d, int t);

/* Training with a fixed mask: al_conv2d_backward with the weights given as s, a sparse copy of
 * al_conv2d_repack's wr (as al_conv2d_forward_sparse; its values must be current). dx = col2im(s^T
 * dy) runs on al_sparse_mm_t; dw gets the gradient at s's stored positions only (al_sparse_grad_w,
 * per-thread partials summed in thread order, then mapped to the (c_out, c_in, kh, kw) layout):
 * entries s does not store are left untouched, the dense path's values there being ones the
 * optimizer's mask discards. ws: al_conv2d_backward_sparse_ws(c, s) floats of caller-owned scratch
 * (may be NULL when dw is). Same result as the dense backward up to float rounding. */
al_status al_conv2d_backward_sparse(al_conv2d *c, const al_sparse *s, float *ws, float *dx, float *dw, float *db,
                                    const float *dy, const float *x, int n, int d, int t);
size_t al_conv2d_backward_sparse_ws(const al_conv2d *c, const al_sparse *s);

#endif
