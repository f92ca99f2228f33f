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
INLINE void mm_tile(const al_sparse *m, const int K, const int T, int br, const float *x, int n, int t0, float beta,
                    float *y) {
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

/* n == 1 with k == 1 (CSR): a gathered dot product, vectorised over the row's weights. */
static void csr_mv_row(const al_sparse *m, int r, const float *x, float beta, float *y) {
    float s = 0.0f;
    const int32_t *col = m->col;
    const float *val = m->val;
#pragma omp simd reduction(+ : s)
    for (int64_t j = m->ptr[r]; j < m->ptr[r + 1]; j++) s += val[j] * x[col[j]];
    store(y + r, s, beta);
}

INLINE void mm_row(const al_sparse *m, const int K, int br, const float *x, int n, float beta, float *y) {
    if (n == 1) {
        if (K == 1) csr_mv_row(m, br, x, beta, y);
        else mv_row(m, K, br, x, beta, y);
        return;
    }
    int t0 = 0;
    for (; t0 + MM_T <= n; t0 += MM_T) mm_tile(m, K, MM_T, br, x, n, t0, beta, y);
    for (; t0 + MM_T_REST <= n; t0 += MM_T_REST) mm_tile(m, K, MM_T_REST, br, x, n, t0, beta, y);
    for (; t0 < n; t0++) mm_tile(m, K, 1, br, x, n, t0, beta, y);
}

/* ---- Y (n, rows) = X W^T + beta Y, X (n, cols) ---------------------------------------------- */

/* Below this n, X W^T is n products W x_t, each block accumulating into k contiguous outputs of
 * row t of Y; from it on, (W X^T)^T through the W X tiles is faster, the transposes costing
 * O((rows + cols) n). Measured at 2048 x 2048 (all blocks kept), one thread, BSR 8 x 1, n products
 * against transposed: n = 4 1.4 against 3.8 ms; n = 8 2.5 against 2.0 ms; n = 64 19.0 against 6.0 ms
 * (CSR: 5.9 / 19.0, 10.7 / 5.3, 79 / 13 ms). */
enum { XT_TRANSPOSE_MIN = 8 };

INLINE void xt_row(const al_sparse *m, const int K, int br, const float *x, int n, float beta, float *y) {
    for (int t = 0; t < n; t++) mm_row(m, K, br, x + (size_t)t * m->cols, 1, beta, y + (size_t)t * m->rows);
}

/* One block row of either product, specialised for k = 1 (CSR), 4 and 8; compiled also for AVX2 + FMA
 * and AVX-512, picked at load time (the build targets baseline x86-64). Full unrolling of the
 * constant-K loops (GCC unroll pragmas above) keeps the accumulators in registers: 2x at n = 64. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
static void block_row(const al_sparse *m, int br, const float *x, int n, int xt, float beta, float *y) {
    switch (m->k) {
    case 1: xt ? xt_row(m, 1, br, x, n, beta, y) : mm_row(m, 1, br, x, n, beta, y); break;
    case 4: xt ? xt_row(m, 4, br, x, n, beta, y) : mm_row(m, 4, br, x, n, beta, y); break;
    case 8: xt ? xt_row(m, 8, br, x, n, beta, y) : mm_row(m, 8, br, x, n, beta, y); break;
    default: xt ? xt_row(m, m->k, br, x, n, beta, y) : mm_row(m, m->k, br, x, n, beta, y); break;
    }
}

static void run(const al_sparse *m, const float *x, int n, int xt, float beta, float *y) {
#pragma omp parallel for schedule(dynamic, 8)
    for (int br = 0; br < m->block_rows; br++) block_row(m, br, x, n, xt, beta, y);
}

/* ---- entry points ------------------------------------------------------------------------- */

al_status al_sparse_mm(const al_sparse *m, const float *x, int n, float beta, float *y) {
    al_status st = check(m, x, n, beta, y);
    if (st != AL_OK || n == 0) return st;
    run(m, x, n, 0, beta, y); /* CSR is BSR with k = 1 */
    return AL_OK;
}

enum { TR_B = 8 }; /* transpose tile: 8 rows of a row-major matrix share few cache sets even at 8 KiB strides */

/* dst (c, r) = src (r, c)^T + beta dst, in TR_B x TR_B tiles split across threads by columns of src. */
static void transpose(const float *src, int r, int c, float beta, float *dst) {
#pragma omp parallel for schedule(static)
    for (int j0 = 0; j0 < c; j0 += TR_B)
        for (int i0 = 0; i0 < r; i0 += TR_B)
            for (int j = j0; j < j0 + TR_B && j < c; j++)
                for (int i = i0; i < i0 + TR_B && i < r; i++) store(dst + (size_t)j * r + i, src[(size_t)i * c + j], beta);
}

/* X W^T as (W X^T)^T: ws holds X^T (cols, n), then W X^T (rows, n). */
static void xt_transposed(const al_sparse *m, const float *x, int n, float beta, float *y, float *ws) {
    float *xt = ws, *yt = ws + (size_t)m->cols * n;
    transpose(x, n, m->cols, 0.0f, xt);
    run(m, xt, n, 0, 0.0f, yt);
    transpose(yt, m->rows, n, beta, y);
}

size_t al_sparse_mm_xt_scratch(const al_sparse *m, int n) {
    return n >= XT_TRANSPOSE_MIN ? ((size_t)m->rows + m->cols) * n : 0;
}

al_status al_sparse_mm_xt_ws(const al_sparse *m, const float *x, int n, float beta, float *y, float *ws) {
    al_status st = check(m, x, n, beta, y);
    if (st != AL_OK || n == 0) return st;
    if (n < XT_TRANSPOSE_MIN) {
        run(m, x, n, 1, beta, y);
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
