/* Multi-head self-attention (PyTorch nn.MultiheadAttention) as a forward/backward pair (internal).
 *
 * What torchaudio.models.Conformer 0.13 computes with torch.nn.MultiheadAttention(d, heads,
 * bias=True) as self-attention (query = key = value = x) with a key_padding_mask:
 *   [q | k | v] = x in_proj_weight^T + in_proj_bias     in_proj_weight (3d, d): rows q, k, v
 *   per head h (columns h*dh .. h*dh+dh-1 of q, k, v; dh = d / heads):
 *     S = (q_h / sqrt(dh)) k_h^T           (T, T); keys t >= lengths[n] get -inf
 *     P = softmax over keys of S           (padded queries still attend to the valid keys)
 *     P' = dropout(P)                       training only: kept values scaled by 1 / (1 - p)
 *     ctx_h = P' v_h                        (T, dh)
 *   y = ctx out_proj.weight^T + out_proj.bias            out_proj.weight (d, d)
 * Every query position, padded or not, gets an output (as torch); a caller that needs zeros
 * there masks y itself. Keys at padded positions have no influence on anything.
 *
 * Dropout draws: for batch item n and head hd, al_rng_seed_stream(&rng, seed, n * heads + hd),
 * then one al_rng_uniform per entry of the (T, T) probability matrix in row-major (query, key)
 * order, padded keys included (T * T draws); an entry is dropped when u < p. p = 0: no dropout
 * and no draws. The result does not depend on the thread count or on scheduling.
 *
 * Usage:
 *   al_mhsa a;
 *   st = al_mhsa_init(&a, d, heads, n_max, t_max);             // allocates everything once
 *   st = al_mhsa_forward(&a, y, x, lengths, w_in, b_in, w_out, b_out, N, T, p, seed);
 *   ...                                                         // caller zeroes (or keeps) gradients
 *   st = al_mhsa_backward(&a, dx, dw_in, db_in, dw_out, db_out, dy, x, w_in, w_out);  // += into them
 *   al_mhsa_free(&a);
 *
 * Layout: x, y, dx, dy (N, T, d) row-major (batch-major rows, features contiguous); weights as
 * PyTorch stores them. lengths (N) each in 1..T.
 *
 * Cost: one sgemm for the in-projection (N*T, 3d), per (n, head) three sgemms forward (scores over
 * the valid keys only, context) and four backward, one sgemm for the out-projection; weight
 * gradients are sgemms over all N*T rows. The per-(n, head) work runs on OpenMP threads (one
 * single-threaded sgemm per item); the whole-batch sgemms use OpenBLAS's own threads. No
 * reduction is split across threads, so results are deterministic for a given thread count (and
 * the dropout mask for any). No allocation after al_mhsa_init.
 *
 * Threads: the per-item scratch is sized at al_mhsa_init for al_threads() threads at that time
 * (at most n_max * heads); later calls use at most that many threads for the per-item loops.
 *
 * Ownership: the struct owns its buffers; weights, gradients, x, y, dx, dy and lengths belong to
 * the caller. One thread at a time per al_mhsa. Backward uses what the last forward left (x and
 * the weights must not change in between); it does not consume it, so it may run more than once.
 */
#ifndef AL_NN_ATTENTION_H
#define AL_NN_ATTENTION_H

#include <stdint.h>

#include "audiolottery/core.h"
#include "audiolottery/sparse_train.h"

/* What backward needs from the last forward, sized for n_max x t_max. Buffers hold the last
 * forward's (N, T) compactly (strides from N and T, not from the capacity). Read-only for callers. */
typedef struct {
    int d, heads, n_max, t_max;
    int N, T;             /* sizes of the last forward; T is 0 before the first forward */
    float p, drop_scale;  /* dropout of the last forward and 1 / (1 - p) */
    int *lengths;         /* (n_max) of the last forward */
    float *qkv;           /* (N, T, 3d) after the in-projection (bias included): row = q | k | v */
    float *probs;         /* (N, heads, T, T) softmax probabilities before dropout; 0 at padded keys */
    unsigned char *keep;  /* (N, heads, T, T) dropout mask of the last forward (1 kept), when p > 0 */
    float *ctx;           /* (N, T, d) attention context (heads side by side) before out_proj */
    float *dctx;          /* (N, T, d) backward scratch: dL/dctx */
    float *dqkv;          /* (N, T, 3d) backward scratch: dL/d[q | k | v] */
    double *colsum;       /* (3d) backward scratch for bias gradients */
    float *scratch;       /* (n_scratch, t_max, t_max) per-thread: probabilities after dropout, dL/dP */
    int n_scratch;        /* threads the per-item loops may use */
    /* optional sparse copies of the projections (al_mhsa_use_sparse); NULL: dense */
    const al_sparse *sp_in, *sp_out;
    const al_sparse_ws *ws; /* their backward kernels' workspace */
    float *dval;            /* their weight gradients at the stored positions, one matrix at a time */
} al_mhsa;

/* The in and out projections of the next forwards and backwards on sparse copies of w_in, w_out
 * (either may be NULL: dense; masked weights exactly 0 in the dense ones too). Backward then needs ws
 * (al_sparse_ws_bytes of both) and dval (n_blocks * k floats of the larger), and leaves a sparse
 * weight's gradient untouched where it stores nothing. Same results as dense up to float rounding. */
void al_mhsa_use_sparse(al_mhsa *a, const al_sparse *w_in, const al_sparse *w_out, const al_sparse_ws *ws,
                        float *dval);

/* d, heads, n_max, t_max >= 1 and d % heads == 0. On failure the struct holds nothing. */
al_status al_mhsa_init(al_mhsa *a, int d, int heads, int n_max, int t_max);
void al_mhsa_free(al_mhsa *a);

/* y (N, T, d) = out_proj(attention(in_proj(x))) with key padding from lengths (N) in 1..T; y overwritten;
 * dropout p in [0, 1) with seed (train only; p 0: none). Keeps what backward needs.
 * Needs 1 <= N <= n_max, 1 <= T <= t_max. */
al_status al_mhsa_forward(al_mhsa *a, float *y, const float *x, const int *lengths, const float *w_in,
                          const float *b_in, const float *w_out, const float *b_out, int N, int T, float p,
                          uint64_t seed);

/* Backward of the last forward: dx (N, T, d) +=, dw_in (3d, d) +=, db_in (3d) +=, dw_out (d, d) +=, db_out (d) +=;
 * any may be NULL. dy (N, T, d) = dL/dy; x and the weights as given to that forward.
 * AL_ERR_INVALID before any forward. */
al_status al_mhsa_backward(al_mhsa *a, float *dx, float *dw_in, float *db_in, float *dw_out, float *db_out,
                           const float *dy, const float *x, const float *w_in, const float *w_out);

#endif
