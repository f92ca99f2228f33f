/* Sparse and dense products: Y = W X + beta Y and Y = X W^T + beta Y (see audiolottery/sparse.h). */
#include "audiolottery/sparse.h"

#include <cblas.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

static al_status check(const al_sparse *m, const float *x, int n, float beta, const float *y) {
    if (!m) return al_error(AL_ERR_INVALID, "sparse: NULL matrix");
    if (n < 0 || (n > 0 && (!x || !y))) return al_error(AL_ERR_INVALID, "sparse: bad batch %d or NULL operand", n);
    if (beta != 0.0f && beta != 1.0f) return al_error(AL_ERR_INVALID, "sparse: beta %g is not 0 or 1", (double)beta);
    return AL_OK;
}

/* *y = s + beta *y; beta 0 ignores *y (it may be uninitialised). */
INLINE void store(float *y, float s, float beta) { *y = beta != 0.0f ? *y + s : s; }

/* ---- Y (rows, n) = W X + beta Y, X (cols, n) ----------------------------------------------- */

/* columns of X and Y per register tile in the W X kernel (K x T accumulators): 32, then 8 for the rest */
enum { MM_T = 32, MM_T_REST = 8 };

/* Block row br (rows r0 .. r0 + kk - 1) against columns t0 .. t0 + T - 1 of X: K x T accumulators. */
INLINE void mm_tile(const al_sparse *m, const int K, const int T, int br, const float *x, int n, int t0, int yt,
                    float beta, float *y) {
    float acc[AL_SPARSE_MAX_K][MM_T]; /* (K, T) used */
    for (int i = 0; i < K; i++)
        for (int t = 0; t < T; t++) acc[i][t] = 0.0f;
    for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++) {
        const float *xr = x + (size_t)m->col[b] * n + t0; /* (T) */
        const float *v = m->val + b * K;                  /* (K) */
#pragma GCC unroll 32
        for (int i = 0; i < K; i++)
#pragma omp simd
            for (int t = 0; t < T; t++) acc[i][t] += v[i] * xr[t];
    }
    int r0 = br * K, kk = m->rows - r0 < K ? m->rows - r0 : K;
    if (yt) /* Y (n, rows): row t0 + t gets the kk outputs of this block row, contiguous */
        for (int t = 0; t < T; t++)
            for (int i = 0; i < kk; i++) store(y + (size_t)(t0 + t) * m->rows + r0 + i, acc[i][t], beta);
    else
        for (int i = 0; i < kk; i++)
            for (int t = 0; t < T; t++) store(y + (size_t)(r0 + i) * n + t0 + t, acc[i][t], beta);
}

enum { MV_CHAINS = 4 }; /* independent accumulator sets in the n == 1 kernel (hides FMA latency) */

/* n == 1: K accumulators vectorised over the block, MV_CHAINS sets over consecutive blocks. */
INLINE void mv_row(const al_sparse *m, const int K, int br, const float *x, float beta, float *y) {
    float acc[MV_CHAINS][AL_SPARSE_MAX_K]; /* (MV_CHAINS, K) used */
    for (int c = 0; c < MV_CHAINS; c++)
        for (int i = 0; i < K; i++) acc[c][i] = 0.0f;
    const float *val = m->val;
    const int32_t *col = m->col;
    int64_t b = m->ptr[br], end = m->ptr[br + 1];
    for (; b + MV_CHAINS <= end; b += MV_CHAINS)
#pragma GCC unroll 4
        for (int c = 0; c < MV_CHAINS; c++) {
            float xv = x[col[b + c]];
#pragma omp simd
            for (int i = 0; i < K; i++) acc[c][i] += val[(b + c) * K + i] * xv;
        }
    for (; b < end; b++) {
        float xv = x[col[b]];
#pragma omp simd
        for (int i = 0; i < K; i++) acc[0][i] += val[b * K + i] * xv;
    }
    int r0 = br * K, kk = m->rows - r0 < K ? m->rows - r0 : K;
    for (int i = 0; i < kk; i++) store(y + r0 + i, (acc[0][i] + acc[1][i]) + (acc[2][i] + acc[3][i]), beta);
}

/* mv_row for K = 8 on vector variables, which GCC keeps in registers across the block row (the
 * arrays of mv_row go through the stack around its loop, and its scalar 4-way sum and stores
 * cost as much as the 26 blocks of a 10% 256-wide row): the batch-1 LSTM step. */
typedef float v8 __attribute__((vector_size(8 * sizeof(float))));
/* v8 helpers are always inlined: no call uses the vector ABI that GCC warns about for the
 * baseline clone */
#pragma GCC diagnostic ignored "-Wpsabi"
INLINE v8 load8(const float *p) {
    v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}

INLINE void mv_row8(const al_sparse *m, int br, const float *x, float beta, float *y) {
    v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    const float *val = m->val;
    const int32_t *col = m->col;
    int64_t b = m->ptr[br], end = m->ptr[br + 1];
    for (; b + 4 <= end; b += 4) {
        a0 += load8(val + b * 8) * x[col[b]];
        a1 += load8(val + (b + 1) * 8) * x[col[b + 1]];
        a2 += load8(val + (b + 2) * 8) * x[col[b + 2]];
        a3 += load8(val + (b + 3) * 8) * x[col[b + 3]];
    }
    for (; b < end; b++) a0 += load8(val + b * 8) * x[col[b]];
    v8 s = (a0 + a1) + (a2 + a3);
    int r0 = br * 8;
    if (m->rows - r0 >= 8) {
        if (beta != 0.0f) s += load8(y + r0);
        memcpy(y + r0, &s, sizeof s);
    } else
        for (int i = 0; i < m->rows - r0; i++) store(y + r0 + i, s[i], beta);
}

/* n == 1 with k == 1 (CSR): a gathered dot product, vectorised over the row's weights. */
static void csr_mv_row(const al_sparse *m, int r, const float *x, float beta, float *y) {
    float s = 0.0f;
    const int32_t *col = m->col;
    const float *val = m->val;
#pragma omp simd reduction(+ : s)
    for (int64_t j = m->ptr[r]; j < m->ptr[r + 1]; j++) s += val[j] * x[col[j]];
    store(y + r, s, beta);
}

/* Block row br of Y (rows, n) = W X, or with yt of Y^T (n, rows) (X (cols, n) either way). */
INLINE void mm_row(const al_sparse *m, const int K, int br, const float *x, int n, int yt, float beta, float *y) {
    if (n == 1) {
        if (K == 1) csr_mv_row(m, br, x, beta, y);
        else if (K == 8) mv_row8(m, br, x, beta, y);
        else mv_row(m, K, br, x, beta, y);
        return;
    }
    int t0 = 0;
    for (; t0 + MM_T <= n; t0 += MM_T) mm_tile(m, K, MM_T, br, x, n, t0, yt, beta, y);
    for (; t0 + MM_T_REST <= n; t0 += MM_T_REST) mm_tile(m, K, MM_T_REST, br, x, n, t0, yt, beta, y);
    for (; t0 < n; t0++) mm_tile(m, K, 1, br, x, n, t0, yt, beta, y);
}

/* ---- Y (n, rows) = X W^T + beta Y, X (n, cols) ---------------------------------------------- */

/* AL_SPARSE_XT_TILED_MIN_N (sparse.h): below this n, X W^T is n products W x_t, each block accumulating into k contiguous outputs of
 * row t of Y; from it on, X is transposed and the W X^T tiles store their accumulators straight
 * into Y (n, rows), the transpose costing O(cols n). Measured at 2048 x 2048 (all blocks kept), one
 * thread, BSR 8 x 1, n products against transposed: n = 4 1.4 against 3.8 ms; n = 8 2.5 against
 * 2.0 ms; n = 64 19.0 against 6.0 ms (CSR: 5.9 / 19.0, 10.7 / 5.3, 79 / 13 ms), with X^T and
 * (W X^T) both transposed through memory then. */

/* Mode of a product: Y = W X, or Y = X W^T as n matrix-vector products (X (n, cols)), or
 * Y (n, rows) = (W X^T)^T with X^T (cols, n) given. */
enum { MODE_MM, MODE_XT_NARROW, MODE_XT_TILES };

INLINE void xt_row(const al_sparse *m, const int K, int br, const float *x, int n, float beta, float *y) {
    for (int t = 0; t < n; t++) mm_row(m, K, br, x + (size_t)t * m->cols, 1, 0, beta, y + (size_t)t * m->rows);
}

enum { CSR_XT_ROWS = 8 }; /* rows of W per group in csr_xt_rows */

/* X W^T for CSR, rows r0 .. r1 - 1 (at most CSR_XT_ROWS) of W at T columns of X^T from t0: each
 * row's T sums in acc, then stored CSR_XT_ROWS contiguous outputs per row of Y (n, rows). Stored
 * row by row like mm_tile's, each output went to its own cache line of Y, a line per
 * multiply-add for short rows: 2.5x slower at n = 64. */
INLINE void csr_xt_tile(const al_sparse *m, const int T, int r0, int r1, const float *x, int n, int t0, float beta,
                        float *y) {
    float acc[CSR_XT_ROWS][MM_T]; /* (r1 - r0, T) used */
    for (int r = r0; r < r1; r++) {
        float *a = acc[r - r0];
        for (int t = 0; t < T; t++) a[t] = 0.0f;
        for (int64_t j = m->ptr[r]; j < m->ptr[r + 1]; j++) {
            const float *xr = x + (size_t)m->col[j] * n + t0; /* (T) */
            const float v = m->val[j];
#pragma omp simd
            for (int t = 0; t < T; t++) a[t] += v * xr[t];
        }
    }
    for (int t = 0; t < T; t++)
        for (int r = r0; r < r1; r++) store(y + (size_t)(t0 + t) * m->rows + r, acc[r - r0][t], beta);
}

INLINE void csr_xt_rows(const al_sparse *m, int br0, int br1, const float *x, int n, float beta, float *y) {
    for (int r0 = br0; r0 < br1; r0 += CSR_XT_ROWS) {
        const int r1 = r0 + CSR_XT_ROWS < br1 ? r0 + CSR_XT_ROWS : br1;
        int t0 = 0;
        for (; t0 + MM_T <= n; t0 += MM_T) csr_xt_tile(m, MM_T, r0, r1, x, n, t0, beta, y);
        for (; t0 + MM_T_REST <= n; t0 += MM_T_REST) csr_xt_tile(m, MM_T_REST, r0, r1, x, n, t0, beta, y);
        for (; t0 < n; t0++) csr_xt_tile(m, 1, r0, r1, x, n, t0, beta, y);
    }
}

INLINE void rows_k(const al_sparse *m, const int K, int br0, int br1, const float *x, int n, int mode, float beta,
                   float *y) {
    if (K == 1 && mode == MODE_XT_TILES) {
        csr_xt_rows(m, br0, br1, x, n, beta, y);
        return;
    }
    for (int br = br0; br < br1; br++)
        if (mode == MODE_XT_NARROW) xt_row(m, K, br, x, n, beta, y);
        else mm_row(m, K, br, x, n, mode == MODE_XT_TILES, beta, y);
}

/* Block rows br0 .. br1 - 1 of a product, specialised for k = 1 (CSR), 4 and 8; compiled also for
 * AVX2 + FMA and AVX-512, picked at load time (the build targets baseline x86-64). Full unrolling
 * of the constant-K loops (GCC unroll pragmas above) keeps the accumulators in registers: 2x at
 * n = 64. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void block_rows(const al_sparse *m, int br0, int br1, const float *x, int n, int mode, float beta, float *y) {
    switch (m->k) {
    case 1: rows_k(m, 1, br0, br1, x, n, mode, beta, y); break;
    case 4: rows_k(m, 4, br0, br1, x, n, mode, beta, y); break;
    case 8: rows_k(m, 8, br0, br1, x, n, mode, beta, y); break;
    default: rows_k(m, m->k, br0, br1, x, n, mode, beta, y); break;
    }
}

/* Products with fewer multiply-adds than this run on the calling thread: an OpenMP region costs
 * microseconds, as much as a batch-1 LSTM step's whole W_hh product at 10% (about 26k). */
#define RUN_OMP_MIN 262144.0
enum { RUN_CHUNK = 8 }; /* block rows per scheduled chunk */

static void run(const al_sparse *m, const float *x, int n, int mode, float beta, float *y) {
    if ((double)m->n_blocks * m->k * n < RUN_OMP_MIN) {
        block_rows(m, 0, m->block_rows, x, n, mode, beta, y);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (int br = 0; br < m->block_rows; br += RUN_CHUNK)
        block_rows(m, br, br + RUN_CHUNK < m->block_rows ? br + RUN_CHUNK : m->block_rows, x, n, mode, beta, y);
}

/* ---- entry points ------------------------------------------------------------------------- */

al_status al_sparse_mm(const al_sparse *m, const float *x, int n, float beta, float *y) {
    al_status st = check(m, x, n, beta, y);
    if (st != AL_OK || n == 0) return st;
    run(m, x, n, MODE_MM, beta, y); /* CSR is BSR with k = 1 */
    return AL_OK;
}

enum { TR_B = 8 }; /* transpose tile: 8 rows of a row-major matrix share few cache sets even at 8 KiB strides */

/* dst (c, r) = src (r, c)^T, in TR_B x TR_B tiles split across threads by columns of src. */
static void transpose(const float *src, int r, int c, float *dst) {
#pragma omp parallel for schedule(static) if ((double)r * c >= RUN_OMP_MIN)
    for (int j0 = 0; j0 < c; j0 += TR_B)
        for (int i0 = 0; i0 < r; i0 += TR_B)
            for (int j = j0; j < j0 + TR_B && j < c; j++)
                for (int i = i0; i < i0 + TR_B && i < r; i++) dst[(size_t)j * r + i] = src[(size_t)i * c + j];
}

/* ---- Y (n, rows) = X W^T for BSR 8 x 1, without transposes ----------------------------------- */

/* XD_T rows of X at a time: XD_T accumulators of 8 outputs (one block row) each, every block's 8
 * values loaded once and multiplied by XD_T broadcast x values. As many multiply-adds per cycle
 * as the W X^T tiles on AVX-512, with neither X^T nor the scalar transposed stores of those
 * tiles. A tile of X (XD_T, cols) stays in cache while all block rows pass over it, their values
 * streaming in order. */
enum { XD_T = 16 };

INLINE void xd_tile(const al_sparse *m, const int T, int br, const float *x, int t0, float beta, float *y) {
    v8 acc[XD_T];
    for (int t = 0; t < T; t++) acc[t] = (v8){0};
    const float *xr = x + (size_t)t0 * m->cols, *val = m->val;
    const int32_t *col = m->col;
    for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++) {
        const v8 v = load8(val + b * 8);
        const float *xc = xr + col[b];
#pragma GCC unroll 16
        for (int t = 0; t < T; t++) acc[t] += v * xc[(size_t)t * m->cols];
    }
    const int r0 = br * 8;
    for (int t = 0; t < T; t++) {
        float *yt = y + (size_t)(t0 + t) * m->rows + r0;
        if (m->rows - r0 >= 8) {
            v8 s = acc[t];
            if (beta != 0.0f) s += load8(yt);
            memcpy(yt, &s, sizeof s);
        } else
            for (int i = 0; i < m->rows - r0; i++) store(yt + i, acc[t][i], beta);
    }
}

/* Rows t0 .. t0 + XD_T - 1 of Y over every block row; the last tile of X, when shorter, in tiles
 * of 4 rows then 1 (one accumulator waits on each multiply-add: 4 hide most of that latency). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void xd_rows(const al_sparse *m, int t0, const float *x, int n, float beta, float *y) {
    if (t0 + XD_T <= n) {
        for (int br = 0; br < m->block_rows; br++) xd_tile(m, XD_T, br, x, t0, beta, y);
        return;
    }
    int t = t0;
    for (; t + 4 <= n; t += 4)
        for (int br = 0; br < m->block_rows; br++) xd_tile(m, 4, br, x, t, beta, y);
    for (; t < n; t++)
        for (int br = 0; br < m->block_rows; br++) xd_tile(m, 1, br, x, t, beta, y);
}

static void xt_direct8(const al_sparse *m, const float *x, int n, float beta, float *y) {
    const int tiles = (n + XD_T - 1) / XD_T;
#pragma omp parallel for schedule(dynamic, 1) if ((double)m->n_blocks * 8 * n >= RUN_OMP_MIN)
    for (int i = 0; i < tiles; i++) xd_rows(m, i * XD_T, x, n, beta, y);
}

/* X W^T as (W X^T)^T: ws holds X^T (cols, n). */
static void xt_transposed(const al_sparse *m, const float *x, int n, float beta, float *y, float *ws) {
    transpose(x, n, m->cols, ws);
    run(m, ws, n, MODE_XT_TILES, beta, y);
}

size_t al_sparse_mm_xt_scratch(const al_sparse *m, int n) {
    return n >= AL_SPARSE_XT_TILED_MIN_N && m->k != 8 ? (size_t)m->cols * n : 0;
}

al_status al_sparse_mm_xt_ws(const al_sparse *m, const float *x, int n, float beta, float *y, float *ws) {
    al_status st = check(m, x, n, beta, y);
    if (st != AL_OK || n == 0) return st;
    if (n < AL_SPARSE_XT_TILED_MIN_N) {
        run(m, x, n, MODE_XT_NARROW, beta, y);
        return AL_OK;
    }
    if (m->k == 8) {
        xt_direct8(m, x, n, beta, y);
        return AL_OK;
    }
    if (!ws) return al_error(AL_ERR_INVALID, "sparse: NULL scratch for a %d x %d product with n %d", m->rows, m->cols, n);
    xt_transposed(m, x, n, beta, y, ws);
    return AL_OK;
}

al_status al_sparse_mm_xt(const al_sparse *m, const float *x, int n, float beta, float *y) {
    size_t need = m ? al_sparse_mm_xt_scratch(m, n) : 0;
    float *ws = need ? al_malloc(sizeof *ws * need) : NULL;
    if (need && !ws)
        return al_error(AL_ERR_NOMEM, "sparse: out of memory for a %d x %d product with n %d", m->rows, m->cols, n);
    al_status st = al_sparse_mm_xt_ws(m, x, n, beta, y, ws);
    al_free(ws);
    return st;
}

al_status al_dense_mm(const float *w, int rows, int cols, const float *x, int n, float beta, float *y) {
    if (!w || rows < 1 || cols < 1 || n < 0 || (n > 0 && (!x || !y)) || (beta != 0.0f && beta != 1.0f))
        return al_error(AL_ERR_INVALID, "sparse: bad dense product (%d x %d, n %d, beta %g)", rows, cols, n, (double)beta);
    if (n == 0) return AL_OK;
    if (beta == 0.0f) memset(y, 0, sizeof *y * (size_t)rows * n); /* BLAS may scale NaN by 0 */
    if (n == 1) cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, 1.0f, w, cols, x, 1, 1.0f, y, 1);
    else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, cols, 1.0f, w, cols, x, n, 1.0f, y, n);
    return AL_OK;
}

al_status al_dense_mm_xt(const float *w, int rows, int cols, const float *x, int n, float beta, float *y) {
    if (!w || rows < 1 || cols < 1 || n < 0 || (n > 0 && (!x || !y)) || (beta != 0.0f && beta != 1.0f))
        return al_error(AL_ERR_INVALID, "sparse: bad dense product (%d x %d, n %d, beta %g)", rows, cols, n, (double)beta);
    if (n == 0) return AL_OK;
    if (n == 1) return al_dense_mm(w, rows, cols, x, 1, beta, y); /* Y (1, rows) = W x */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, rows, cols, 1.0f, x, cols, w, cols, beta, y, rows);
    return AL_OK;
}
