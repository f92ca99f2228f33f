/* LSTM layer with PyTorch nn.LSTM semantics on variable-length batches (internal).
 *
 * What deepspeech.pytorch's BatchRNN computes: pack_padded_sequence(x, lengths,
 * enforce_sorted=False) -> nn.LSTM(In, H, bias=True, bidirectional) -> pad_packed_sequence,
 * with the two directions' outputs summed (x.view(T, N, 2, H).sum(2)), not concatenated.
 *
 * Usage:
 *   al_lstm_cache c;
 *   st = al_lstm_cache_init(&c, In, H, 1, T_max, N_max);      // allocates everything once
 *   al_lstm_dir w[2] = {{W_ih, W_hh, b_ih, b_hh}, {W_ih_rev, W_hh_rev, b_ih_rev, b_hh_rev}};
 *   al_lstm_dir g[2] = {...the matching gradient pointers...};
 *   st = al_lstm_forward(y, &c, x, lengths, w, T, N);         // y (T, N, H)
 *   ...                                                       // caller zeroes dx (T, N, In)
 *   st = al_lstm_backward(dx, g, &c, dy, x, w);               // += into dx and g
 *   al_lstm_cache_free(&c);
 *
 * Layout: time-major, row-major. x (T, N, In), y and dy (T, N, H); lengths[N] in any order,
 * each in 1..T. Per direction, as PyTorch: weight_ih (4H, In), weight_hh (4H, H), bias_ih (4H),
 * bias_hh (4H), gate order i, f, g, o:
 *   i, f, o = sigmoid(.), g = tanh(.), c' = f*c + i*g, h' = o*tanh(c'), h and c start at zero.
 * The forward direction runs t = 0..len_b-1; the reverse direction starts at each utterance's
 * own end, t = len_b-1 down to 0. Outputs at padded positions (t >= len_b) are exactly 0, and
 * the values of x (which must be finite) and dy at padded positions do not matter.
 *
 * Cost: per direction one sgemm for the input projection of the whole sequence and one sgemm per
 * time step (over rows 0..rows[t]-1 of the batch, so a batch sorted longest first skips padding
 * as packed sequences do); backward uses one sgemm per step and one each for dW_ih, dW_hh and
 * dx over the whole sequence. Threads: OpenBLAS (OpenMP) for the whole-sequence sgemms; with two
 * directions and two or more threads the directions' recurrences run side by side on two
 * threads (small per-step sgemms are slower split across threads), otherwise the element-wise
 * gate loops are split across threads. Results are deterministic for a given thread count. No
 * allocation after al_lstm_cache_init.
 *
 * Ownership: the cache owns its buffers; weights, gradients, x, y, dx, dy and lengths belong to
 * the caller. A cache belongs to one thread at a time; backward uses (and consumes) what the last
 * forward through the same cache left there, so x and the weights must not change in between,
 * and a second backward needs a new forward.
 */
#ifndef AL_NN_LSTM_H
#define AL_NN_LSTM_H

#include "audiolottery/core.h"
#include "audiolottery/sparse.h"
#include "audiolottery/sparse_train.h"

/* One direction's tensors (weights, or their gradients), e.g. al_param_data(table, idx). */
typedef struct {
    float *w_ih; /* (4H, In) */
    float *w_hh; /* (4H, H) */
    float *b_ih; /* (4H) */
    float *b_hh; /* (4H) */
} al_lstm_dir;

/* One direction's part of the cache (see al_lstm_cache). */
typedef struct {
    float *gates;   /* (T, N, 4H): activated i, f, g, o; backward turns them into dL/d(pre-activations) */
    float *c, *h;   /* (T+1, N, H): cell and hidden states, see lstm.c */
    float *dh, *dc; /* (N, H): dL/dh, dL/dc flowing back in time */
    float *bias;    /* (4H): b_ih + b_hh, then the bias gradient */
} al_lstm_dir_cache;

/* What backward needs from forward, plus scratch; sized once for (t_max, n_max). Read-only for
 * callers. */
typedef struct {
    int in, hidden, dirs; /* In, H, 1 or 2 directions */
    int t_max, n_max;     /* capacity */
    int T, N;             /* sizes of the last forward; T is 0 before a forward and after backward */
    int *lengths;         /* (n_max) of the last forward */
    int *rows;            /* (t_max) 1 + index of the last utterance with length > t (0 if none):
                             the per-step sgemms cover rows 0..rows[t]-1 only */
    al_lstm_dir_cache dir[2];
} al_lstm_cache;

/* in, hidden, t_max, n_max >= 1; bidirectional 0 or 1. On failure the cache holds nothing. */
al_status al_lstm_cache_init(al_lstm_cache *c, int in, int hidden, int bidirectional, int t_max, int n_max);
void al_lstm_cache_free(al_lstm_cache *c);

/* y (T, N, H) = LSTM(x (T, N, In)), summed over directions; w[0] forward, w[1] reverse (when
 * bidirectional). Needs 1 <= T <= t_max, 1 <= N <= n_max, 1 <= lengths[b] <= T. */
al_status al_lstm_forward(float *y, al_lstm_cache *c, const float *x, const int *lengths, const al_lstm_dir *w,
                          int T, int N);

/* Sparse weights for an inference forward: per direction, W_ih and W_hh as sparse matrices
 * (NULL: that product stays a dense sgemm on al_lstm_dir's weight) and scratch for the X W^T
 * products, so that nothing is allocated per call. */
typedef struct {
    const al_sparse *w_ih[2], *w_hh[2]; /* (4H, In), (4H, H) */
    float *ws[2];                       /* (ws_floats) per direction */
    size_t ws_floats;
} al_lstm_sparse;

/* Floats of scratch per direction that al_lstm_forward_sparse needs, at the cache's capacity,
 * for a direction with these matrices (either may be NULL). */
size_t al_lstm_sparse_scratch(const al_lstm_cache *c, const al_sparse *w_ih, const al_sparse *w_hh);

/* al_lstm_forward with the products of s's non-NULL matrices on the sparse kernels (biases and
 * the remaining weights from w); s NULL is al_lstm_forward. Same result up to float rounding;
 * backward then uses w. */
al_status al_lstm_forward_sparse(float *y, al_lstm_cache *c, const float *x, const int *lengths, const al_lstm_dir *w,
                                 const al_lstm_sparse *s, int T, int N);

/* Given dy = dL/dy (T, N, H) for the last forward through c (same x and w), ADDS dL/dx into
 * dx (T, N, In) and dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh into g[d] for each direction.
 * Consumes the cache: AL_ERR_INVALID unless a forward came since the last backward. */
al_status al_lstm_backward(float *dx, const al_lstm_dir *g, al_lstm_cache *c, const float *dy, const float *x,
                           const al_lstm_dir *w);

/* Sparse weights for training (a lottery level: fixed masks, values refreshed by the caller after
 * every optimizer step with al_sparse_refresh): the forward runs al_lstm_forward_sparse on fwd, the
 * backward the matching sparse products:
 *   dX = dGates W_ih (al_sparse_mm_xt_t, all T*N rows)        dh_prev = dGates_t W_hh (per step)
 *   dW_ih, dW_hh at the stored positions (al_sparse_grad_w_xt over all T*N rows, the stored h
 *   states as X for W_hh), then al_sparse_scatter_grad into g: entries a format does not store
 *   get no gradient (the trainer masks them anyway), stored ones the dense product's value.
 * fwd.w_ih / fwd.w_hh NULL: that weight stays dense. The pointers are const only for the forward's
 * view; the caller owns the matrices and every buffer. */
typedef struct {
    al_lstm_sparse fwd;
    al_sparse_ws ws[2]; /* per direction (the recurrences may run side by side): at least
                           al_sparse_ws_bytes of each of its sparse matrices at al_threads() */
    float *dval;        /* (dval_floats) weight gradient at the stored positions, one matrix at a time */
    size_t dval_floats; /* at least n_blocks * k of every sparse matrix */
} al_lstm_sparse_train;

/* al_lstm_backward with the products of s's non-NULL matrices on the sparse kernels; s NULL is
 * al_lstm_backward. The forward before it must have run on the same matrices (s->fwd). Same
 * result up to float rounding; deterministic for a given thread count; allocates nothing. */
al_status al_lstm_backward_sparse(float *dx, const al_lstm_dir *g, al_lstm_cache *c, const float *dy, const float *x,
                                  const al_lstm_dir *w, const al_lstm_sparse_train *s);

#endif
