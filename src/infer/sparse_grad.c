/* Sparse training kernels: value refresh, the transposed products (input gradients), the weight
 * gradient at the stored positions (SDDMM) and its scatter into a dense gradient
 * (see audiolottery/sparse_train.h). */
#include "audiolottery/sparse_train.h"

#include <string.h>
#define INLINE static inline __attribute__((always_inline))

/* Clones for AVX-512, AVX2 + FMA and baseline x86-64, picked at load time, as in sparse_mm.c. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define AL_CLONES
#endif

/* Input gradients: n is split into tiles of TT columns (then 8, then 1 for the rest), each a
 * thread's whole job; a tile of dX (cols, TT) stays in L2 while every block adds into it. */
enum { TT = 32, TT_REST = 8 };
/* Weight gradients: n is summed in chunks of GW_T, so that the chunk of X (cols, GW_T) that every
 * block row reads stays in cache; the dot products use GW_L lanes (k > 1) or GW_L1 lanes (k = 1,
 * more independent FMA chains where one block has a single row). */
enum { GW_T = 256, GW_L = 16, GW_L1 = 64 };

/* Multiply-adds (stored values x n) below which a kernel runs on one thread: a parallel region
 * costs microseconds, and far more when the cores are shared with other work. */
#define PAR_MIN (1 << 20)
/* Stored values below which refresh and scatter (one copy each) run on one thread. */
#define COPY_PAR_MIN (1 << 16)

static int imin(int a, int b) { return a < b ? a : b; }

/* Rows of block row br that exist (the last one may be short). */
static int block_height(const al_sparse *m, int br) { return imin(m->k, m->rows - br * m->k); }

/* n < 0, beta other than 0 or 1, or (n > 0) a NULL operand among a, b, c. */
static al_status check(const al_sparse *m, int n, float beta, const void *a, const void *b, const void *c) {
    if (!m) return al_error(AL_ERR_INVALID, "sparse grad: NULL matrix");
    if (n < 0 || (n > 0 && (!a || !b || !c)))
        return al_error(AL_ERR_INVALID, "sparse grad: bad batch %d or NULL operand", n);
    if (beta != 0.0f && beta != 1.0f)
        return al_error(AL_ERR_INVALID, "sparse grad: beta %g is not 0 or 1", (double)beta);
    return AL_OK;
}

/* ---- workspace ------------------------------------------------------------------------------ */

/* Floats one thread of al_sparse_mm_xt_t needs: a tile of dY^T (rows, TT) and of dX^T (cols, TT). */
static size_t mm_slot_floats(const al_sparse *m) { return (size_t)(m->rows + m->cols) * TT; }

/* Floats al_sparse_grad_w_xt needs, shared by all threads: a chunk of dY^T (rows, GW_T) and X^T (cols, GW_T). */
static size_t gw_floats(const al_sparse *m) { return (size_t)(m->rows + m->cols) * GW_T; }

size_t al_sparse_ws_bytes(const al_sparse *m, int threads) {
    if (!m) return 0;
    if (threads <= 0) threads = al_threads();
    size_t a = mm_slot_floats(m) * threads, b = gw_floats(m);
    return sizeof(float) * (a > b ? a : b);
}

static al_status check_ws(const al_sparse *m, const al_sparse_ws *ws, size_t floats) {
    if (!ws || !ws->buf || ws->bytes / sizeof(float) < floats)
        return al_error(AL_ERR_INVALID, "sparse grad: workspace %zu bytes, a %d x %d weight needs %zu (al_sparse_ws_bytes)",
                        ws && ws->buf ? ws->bytes : 0, m->rows, m->cols, sizeof(float) * floats);
    return AL_OK;
}

enum { TR_B = 16 }; /* transposes move TR_B columns at a time: a cache line of each source row */

/* dst rows c0 .. c1 - 1 (row stride ld_dst) = src (w, columns c0 .. c1 - 1; row stride ld_src)^T. */
static void transpose_cols(const float *src, size_t ld_src, int w, int c0, int c1, float *dst, size_t ld_dst) {
    for (int a = c0; a < c1; a += TR_B)
        for (int t = 0; t < w; t++)
            for (int c = a; c < a + TR_B && c < c1; c++) dst[(size_t)c * ld_dst + t] = src[(size_t)t * ld_src + c];
}

/* dst (w, cols) = src (cols, w; row stride ld_src)^T + beta dst. */
static void transpose_store(const float *src, size_t ld_src, int w, int cols, float beta, float *dst) {
    for (int a = 0; a < cols; a += TR_B)
        for (int t = 0; t < w; t++)
            for (int c = a; c < a + TR_B && c < cols; c++) {
                float s = src[(size_t)c * ld_src + t];
                dst[(size_t)t * cols + c] = beta != 0.0f ? dst[(size_t)t * cols + c] + s : s;
            }
}

/* ---- refresh and scatter -------------------------------------------------------------------- */

al_status al_sparse_refresh(al_sparse *m, const float *w) {
    if (!m || !w) return al_error(AL_ERR_INVALID, "sparse refresh: NULL matrix or weight");
    const int k = m->k, cols = m->cols;
#pragma omp parallel for schedule(static) if (m->n_blocks * k > COPY_PAR_MIN)
    for (int br = 0; br < m->block_rows; br++) {
        int kk = block_height(m, br);
        const float *wr = w + (size_t)br * k * cols; /* (kk, cols) */
        for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++)
            for (int i = 0; i < kk; i++) m->val[b * k + i] = wr[(size_t)i * cols + m->col[b]];
    }
    return AL_OK;
}

al_status al_sparse_scatter_grad(const al_sparse *m, const float *dval, float *dw) {
    if (!m || !dval || !dw) return al_error(AL_ERR_INVALID, "sparse scatter: NULL matrix or operand");
    const int k = m->k, cols = m->cols;
#pragma omp parallel for schedule(static) if (m->n_blocks * k > COPY_PAR_MIN)
    for (int br = 0; br < m->block_rows; br++) {
        int kk = block_height(m, br);
        float *dr = dw + (size_t)br * k * cols; /* (kk, cols) */
        for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++)
            for (int i = 0; i < kk; i++) dr[(size_t)i * cols + m->col[b]] += dval[b * k + i];
    }
    return AL_OK;
}

/* ---- input gradients: dX = W^T dY --------------------------------------------------------- */

/* dX tile (cols, T; row stride ldx) += W^T dY tile (rows, T; row stride ldy). Block row br's K rows
 * of dY are copied to d first (padding rows 0), then every block adds its K rows into its column's
 * row of dX: each dX value gets the blocks in storage order, whoever runs the tile. */
INLINE void t_tile(const al_sparse *m, const int K, const int T, const float *dy, size_t ldy, float *dx, size_t ldx) {
    float d[AL_SPARSE_MAX_K][TT]; /* (K, T) used */
    for (int br = 0; br < m->block_rows; br++) {
        int64_t b0 = m->ptr[br], b1 = m->ptr[br + 1];
        if (b0 == b1) continue;
        int kk = block_height(m, br);
        for (int i = 0; i < K; i++)
            for (int t = 0; t < T; t++) d[i][t] = i < kk ? dy[(size_t)(br * K + i) * ldy + t] : 0.0f;
        for (int64_t b = b0; b < b1; b++) {
            float *xr = dx + (size_t)m->col[b] * ldx; /* (T) */
            const float *v = m->val + b * K;          /* (K) */
#pragma omp simd
            for (int t = 0; t < T; t++) {
                float s = xr[t];
#pragma GCC unroll 32
                for (int i = 0; i < K; i++) s += v[i] * d[i][t];
                xr[t] = s;
            }
        }
    }
}

INLINE void t_span_k(const al_sparse *m, const int K, const float *dy, size_t ldy, float *dx, size_t ldx, int w) {
    int t = 0;
    for (; t + TT <= w; t += TT) t_tile(m, K, TT, dy + t, ldy, dx + t, ldx);
    for (; t + TT_REST <= w; t += TT_REST) t_tile(m, K, TT_REST, dy + t, ldy, dx + t, ldx);
    for (; t < w; t++) t_tile(m, K, 1, dy + t, ldy, dx + t, ldx);
}

/* dX (cols, w) += W^T dY (rows, w) for w <= TT columns, specialised for k = 1 (CSR), 4 and 8. */
AL_CLONES static void t_span(const al_sparse *m, const float *dy, size_t ldy, float *dx, size_t ldx, int w) {
    switch (m->k) {
    case 1: t_span_k(m, 1, dy, ldy, dx, ldx, w); break;
    case 4: t_span_k(m, 4, dy, ldy, dx, ldx, w); break;
    case 8: t_span_k(m, 8, dy, ldy, dx, ldx, w); break;
    default: t_span_k(m, m->k, dy, ldy, dx, ldx, w); break;
    }
}

al_status al_sparse_mm_t(const al_sparse *m, const float *dy, int n, float beta, float *dx) {
    al_status st = check(m, n, beta, dy, dx, dx);
    if (st != AL_OK || n == 0) return st;
    const int tiles = (n + TT - 1) / TT, cols = m->cols;
#pragma omp parallel for schedule(dynamic) if ((double)m->n_blocks * m->k * n > PAR_MIN)
    for (int j = 0; j < tiles; j++) {
        int t0 = j * TT, w = imin(TT, n - t0);
        if (beta == 0.0f)
            for (int c = 0; c < cols; c++) memset(dx + (size_t)c * n + t0, 0, sizeof *dx * w);
        t_span(m, dy + t0, (size_t)n, dx + t0, (size_t)n, w);
    }
    return AL_OK;
}

al_status al_sparse_mm_xt_t(const al_sparse *m, const float *dy, int n, float beta, float *dx, const al_sparse_ws *ws) {
    al_status st = check(m, n, beta, dy, dx, dx);
    if (st == AL_OK) st = check_ws(m, ws, mm_slot_floats(m));
    if (st != AL_OK || n == 0) return st;
    const int tiles = (n + TT - 1) / TT, rows = m->rows, cols = m->cols;
    int threads = imin(al_threads(), (int)(ws->bytes / sizeof(float) / mm_slot_floats(m)));
#pragma omp parallel num_threads(threads) if ((double)m->n_blocks * m->k * n > PAR_MIN)
    {
        float *dyt = ws->buf + mm_slot_floats(m) * al_thread_num(); /* (rows, TT) = dY tile^T */
        float *dxt = dyt + (size_t)rows * TT;                   /* (cols, TT) = dX tile^T */
#pragma omp for schedule(dynamic)
        for (int j = 0; j < tiles; j++) {
            int t0 = j * TT, w = imin(TT, n - t0);
            const float *dyj = dy + (size_t)t0 * rows; /* (w, rows) */
            float *dxj = dx + (size_t)t0 * cols;       /* (w, cols) */
            transpose_cols(dyj, rows, w, 0, rows, dyt, TT);
            for (int c = 0; c < cols; c++) memset(dxt + (size_t)c * TT, 0, sizeof *dxt * w);
            t_span(m, dyt, TT, dxt, TT, w);
            transpose_store(dxt, TT, w, cols, beta, dxj);
        }
    }
    return AL_OK;
}

/* ---- weight gradients: dval = (dY X^T) at the stored positions ----------------------------- */

static const float zero_row[GW_T]; /* stands for a short block row's padding rows of dY */

/* Block row br over one chunk of w <= GW_T columns of n: dY chunk (rows, w; row stride ldy), X chunk
 * (cols, w; ldx). dval[b K + i] = chunk dot + (keep ? dval[b K + i] : 0). Each dot runs L lanes,
 * summed in a fixed order at the end of the chunk. */
INLINE void gw_chunk(const al_sparse *m, const int K, const int L, int br, const float *dy, size_t ldy,
                     const float *x, size_t ldx, int w, int keep, float *dval) {
    const float *dr[AL_SPARSE_MAX_K]; /* (K) rows of the dY chunk */
    int kk = block_height(m, br);
    for (int i = 0; i < K; i++) dr[i] = i < kk ? dy + (size_t)(br * K + i) * ldy : zero_row;
    for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++) {
        const float *xr = x + (size_t)m->col[b] * ldx; /* (w) */
        float acc[AL_SPARSE_MAX_K][GW_L1];             /* (K, L) used */
        for (int i = 0; i < K; i++)
            for (int l = 0; l < L; l++) acc[i][l] = 0.0f;
        int t = 0;
        for (; t + L <= w; t += L)
#pragma GCC unroll 32
            for (int i = 0; i < K; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) acc[i][l] += dr[i][t + l] * xr[t + l];
        for (int l = 0; t < w; t++, l++)
            for (int i = 0; i < K; i++) acc[i][l] += dr[i][t] * xr[t];
        /* lanes summed pairwise (halves added, vectorised) rather than in one serial chain */
        for (int h = L / 2; h >= 1; h /= 2)
            for (int i = 0; i < K; i++)
#pragma omp simd
                for (int l = 0; l < h; l++) acc[i][l] += acc[i][l + h];
        for (int i = 0; i < K; i++) dval[b * K + i] = keep ? dval[b * K + i] + acc[i][0] : acc[i][0];
    }
}

AL_CLONES static void gw_block_row(const al_sparse *m, int br, const float *dy, size_t ldy, const float *x, size_t ldx,
                                   int w, int keep, float *dval) {
    switch (m->k) {
    case 1: gw_chunk(m, 1, GW_L1, br, dy, ldy, x, ldx, w, keep, dval); break;
    case 4: gw_chunk(m, 4, GW_L, br, dy, ldy, x, ldx, w, keep, dval); break;
    case 8: gw_chunk(m, 8, GW_L, br, dy, ldy, x, ldx, w, keep, dval); break;
    default: gw_chunk(m, m->k, GW_L, br, dy, ldy, x, ldx, w, keep, dval); break;
    }
}

/* Both weight gradients: chunks of n in order, block rows split across threads within a chunk
 * (one thread owns a block row's dval per chunk). xt: dY (n, rows) and X (n, cols) are transposed
 * chunk by chunk into buf first; otherwise dY (rows, n) and X (cols, n) are read in place. */
static void grad_w(const al_sparse *m, const float *dy, const float *x, int n, int xt, float beta, float *dval,
                   float *buf) {
    const int rows = m->rows, cols = m->cols, row_parts = (rows + TR_B - 1) / TR_B,
              parts = row_parts + (cols + TR_B - 1) / TR_B;
    float *dyt = buf, *xtr = buf ? buf + (size_t)rows * GW_T : NULL; /* (rows, GW_T), (cols, GW_T) */
#pragma omp parallel if ((double)m->n_blocks * m->k * n > PAR_MIN)
    for (int t0 = 0; t0 < n; t0 += GW_T) {
        int w = imin(GW_T, n - t0), keep = t0 > 0 || beta != 0.0f;
        if (xt) {
#pragma omp for schedule(static)
            for (int j = 0; j < parts; j++) {
                int a = (j < row_parts ? j : j - row_parts) * TR_B;
                if (j < row_parts) transpose_cols(dy + (size_t)t0 * rows, rows, w, a, imin(a + TR_B, rows), dyt, GW_T);
                else transpose_cols(x + (size_t)t0 * cols, cols, w, a, imin(a + TR_B, cols), xtr, GW_T);
            }
        }
#pragma omp for schedule(dynamic, 4)
        for (int br = 0; br < m->block_rows; br++) {
            if (xt) gw_block_row(m, br, dyt, GW_T, xtr, GW_T, w, keep, dval);
            else gw_block_row(m, br, dy + t0, (size_t)n, x + t0, (size_t)n, w, keep, dval);
        }
    }
}

static al_status grad_w_entry(const al_sparse *m, const float *dy, const float *x, int n, int xt, float beta,
                              float *dval, const al_sparse_ws *ws) {
    al_status st = check(m, n, beta, dy, x, dval);
    if (st == AL_OK && !dval) st = al_error(AL_ERR_INVALID, "sparse grad: NULL gradient");
    if (st == AL_OK && xt) st = check_ws(m, ws, gw_floats(m));
    if (st != AL_OK) return st;
    if (n == 0) { /* an empty sum */
        if (beta == 0.0f) memset(dval, 0, sizeof *dval * (size_t)m->n_blocks * m->k);
        return AL_OK;
    }
    grad_w(m, dy, x, n, xt, beta, dval, xt ? ws->buf : NULL);
    return AL_OK;
}

al_status al_sparse_grad_w(const al_sparse *m, const float *dy, const float *x, int n, float beta, float *dval) {
    return grad_w_entry(m, dy, x, n, 0, beta, dval, NULL);
}

al_status al_sparse_grad_w_xt(const al_sparse *m, const float *dy, const float *x, int n, float beta, float *dval,
                              const al_sparse_ws *ws) {
    return grad_w_entry(m, dy, x, n, 1, beta, dval, ws);
}
