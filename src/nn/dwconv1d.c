/* Depthwise Conv1d on channel-last rows: every tap is a contiguous multiply-add over the channels. */
#include "nn/dwconv1d.h"
#include "nn/simd.h"

#include <string.h>

static al_status check(int N, int T, int C, int k) {
    if (N < 0 || T < 0 || C < 1 || k < 1 || k % 2 == 0)
        return al_error(AL_ERR_INVALID, "dwconv1d: bad size N %d T %d C %d k %d (k must be odd)", N, T, C, k);
    return AL_OK;
}

/* wt (k, C) = w (C, k) transposed, so that tap j is contiguous over channels. */
static float *transpose_w(const float *w, int C, int k) {
    float *wt = al_malloc((size_t)k * C * sizeof(float));
    if (!wt) {
        al_error(AL_ERR_NOMEM, "dwconv1d: cannot allocate %d x %d weights", k, C);
        return NULL;
    }
    for (int c = 0; c < C; c++)
        for (int j = 0; j < k; j++) wt[(size_t)j * C + c] = w[(size_t)c * k + j];
    return wt;
}

/* y (C) += w (C) * x (C), element-wise */
AL_NN_CLONES static void axpy_mul(float *y, const float *w, const float *x, int C) {
#pragma omp simd
    for (int c = 0; c < C; c++) y[c] += w[c] * x[c];
}

al_status al_dwconv1d_forward(float *y, const float *x, const float *w, const float *b, int N, int T, int C, int k) {
    al_status st = check(N, T, C, k);
    if (st != AL_OK || N == 0 || T == 0) return st;
    float *wt = transpose_w(w, C, k);
    if (!wt) return AL_ERR_NOMEM;
    const int p = (k - 1) / 2;
#pragma omp parallel for schedule(static)
    for (long r = 0; r < (long)N * T; r++) {
        const int t = (int)(r % T);
        const float *xn = x + (size_t)(r - t) * C; /* row (n, 0) */
        float *yr = y + (size_t)r * C;
        if (b)
            memcpy(yr, b, (size_t)C * sizeof(float));
        else
            memset(yr, 0, (size_t)C * sizeof(float));
        const int j0 = p - t > 0 ? p - t : 0, j1 = T - t + p < k ? T - t + p : k; /* taps inside [0, T) */
        for (int j = j0; j < j1; j++) {
            axpy_mul(yr, wt + (size_t)j * C, xn + (size_t)(t + j - p) * C, C);
        }
    }
    al_free(wt);
    return AL_OK;
}

#define DW_CH 16 /* channels of dw, db per task */

al_status al_dwconv1d_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                               int N, int T, int C, int k) {
    al_status st = check(N, T, C, k);
    if (st != AL_OK || N == 0 || T == 0) return st;
    const int p = (k - 1) / 2;
    if (dx) {
        float *wt = transpose_w(w, C, k);
        if (!wt) return AL_ERR_NOMEM;
        /* dx[n,s,c] += sum_j w[c,j] * dy[n, s + p - j, c] */
#pragma omp parallel for schedule(static)
        for (long r = 0; r < (long)N * T; r++) {
            const int s = (int)(r % T);
            const float *gn = dy + (size_t)(r - s) * C;
            float *dr = dx + (size_t)r * C;
            const int j0 = s + p - (T - 1) > 0 ? s + p - (T - 1) : 0, j1 = s + p + 1 < k ? s + p + 1 : k;
            for (int j = j0; j < j1; j++) {
                const float *gs = gn + (size_t)(s + p - j) * C, *wj = wt + (size_t)j * C;
                for (int c = 0; c < C; c++) dr[c] += wj[c] * gs[c];
            }
        }
        al_free(wt);
    }
    if (!dw && !db) return AL_OK;
    const int nblocks = (C + DW_CH - 1) / DW_CH;
    double *acc = al_malloc((size_t)nblocks * DW_CH * (k + 1) * sizeof(double));
    if (!acc) return al_error(AL_ERR_NOMEM, "dwconv1d: cannot allocate %d x %d reductions", C, k + 1);
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        const int c0 = blk * DW_CH, nc = c0 + DW_CH < C ? DW_CH : C - c0;
        double *aw = acc + (size_t)blk * DW_CH * (k + 1), *ab = aw + (size_t)DW_CH * k; /* aw (k, DW_CH), ab (DW_CH) */
        memset(aw, 0, (size_t)DW_CH * (k + 1) * sizeof(double));
        for (int n = 0; n < N; n++)
            for (int t = 0; t < T; t++) {
                const float *gr = dy + ((size_t)n * T + t) * C + c0, *xn = x + (size_t)n * T * C + c0;
                for (int c = 0; c < nc; c++) ab[c] += gr[c];
                if (!dw) continue;
                const int j0 = p - t > 0 ? p - t : 0, j1 = T - t + p < k ? T - t + p : k;
                for (int j = j0; j < j1; j++) {
                    const float *xs = xn + (size_t)(t + j - p) * C;
                    double *a = aw + (size_t)j * DW_CH;
                    for (int c = 0; c < nc; c++) a[c] += (double)gr[c] * xs[c];
                }
            }
        for (int c = 0; c < nc; c++) {
            if (db) db[c0 + c] += (float)ab[c];
            if (dw)
                for (int j = 0; j < k; j++) dw[(size_t)(c0 + c) * k + j] += (float)aw[(size_t)j * DW_CH + c];
        }
    }
    al_free(acc);
    return AL_OK;
}
