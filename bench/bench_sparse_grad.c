/* Sparse training kernel benchmark: the backward products of a pruned weight against cblas_sgemm.
 * For a ROWS x COLS weight (default 1024 x 1312, an LSTM input weight of the DS2 model) and
 * N = 4800 (32 utterances x 150 frames), times the four backward products, dense (sgemm on the
 * masked weight, whose cost does not depend on the mask) and sparse, CSR with a random
 * unstructured mask and BSR 8 x 1 with a random block mask (whole blocks pruned):
 *   mm_t       dX (cols, N) = W^T dY, dY (rows, N)                 (backward of Y = W X)
 *   mm_xt_t    dX (N, cols) = dY W, dY (N, rows)                   (backward of Y = X W^T)
 *   grad_w     dW = dY X^T at the stored positions, X (cols, N)    (then scattered into dense dW)
 *   grad_w_xt  dW = dY^T X at the stored positions, X (N, cols)    (then scattered into dense dW)
 * The sparse weight-gradient times include al_sparse_scatter_grad, which the dense optimizer needs.
 * Times are the median of REPS runs after a warm-up, on THREADS threads (sgemm too); x = dense / sparse.
 * Usage: bench_sparse_grad [ROWS=1024] [COLS=1312] [N=4800] [REPS=5] [THREADS=1] */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/core.h"
#include "bench_common.h"
#include "audiolottery/sparse_train.h"

enum { N_DENS = 4, N_KERNEL = 4, K = 8 };
static const double DENS[N_DENS] = {0.5, 0.2, 0.107, 0.05};
static const char *KERNEL[N_KERNEL] = {"mm_t", "mm_xt_t", "grad_w", "grad_w_xt"};

typedef struct {
    int rows, cols, n, kernel;
    const float *w, *dy, *x; /* w (rows, cols); dy, x in the kernel's layout (see the top) */
    const al_sparse *m;      /* NULL: dense */
    const al_sparse_ws *ws;
    float *out, *dval, *dw; /* out: dX (cols * n); dval (n_blocks * k); dw (rows, cols) */
} job;

static al_status run_dense(const job *j) {
    int r = j->rows, c = j->cols, n = j->n;
    switch (j->kernel) {
    case 0: cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c, n, r, 1.0f, j->w, c, j->dy, n, 0.0f, j->out, n); break;
    case 1: cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, c, r, 1.0f, j->dy, r, j->w, c, 0.0f, j->out, c); break;
    case 2: cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, c, n, 1.0f, j->dy, n, j->x, n, 0.0f, j->dw, c); break;
    default: cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, c, n, 1.0f, j->dy, r, j->x, c, 0.0f, j->dw, c); break;
    }
    return AL_OK;
}

static al_status run_sparse(const job *j) {
    al_status st;
    switch (j->kernel) {
    case 0: return al_sparse_mm_t(j->m, j->dy, j->n, 0.0f, j->out);
    case 1: return al_sparse_mm_xt_t(j->m, j->dy, j->n, 0.0f, j->out, j->ws);
    case 2: st = al_sparse_grad_w(j->m, j->dy, j->x, j->n, 0.0f, j->dval); break;
    default: st = al_sparse_grad_w_xt(j->m, j->dy, j->x, j->n, 0.0f, j->dval, j->ws); break;
    }
    return st != AL_OK ? st : al_sparse_scatter_grad(j->m, j->dval, j->dw);
}

/* Median seconds of reps runs (after one warm-up); negative on a failed call. */
static double time_job(const job *j, int reps) {
    double t[64];
    if (reps > 64) reps = 64;
    for (int r = -1; r < reps; r++) {
        double t0 = al_time_now();
        if ((j->m ? run_sparse(j) : run_dense(j)) != AL_OK) return -1.0;
        if (r >= 0) t[r] = al_time_now() - t0;
    }
    return bench_median(t, reps);
}

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 1024, cols = argc > 2 ? atoi(argv[2]) : 1312;
    int n = argc > 3 ? atoi(argv[3]) : 4800, reps = argc > 4 ? atoi(argv[4]) : 5, threads = argc > 5 ? atoi(argv[5]) : 1;
    if (rows < 1 || cols < 1 || n < 1 || reps < 1 || threads < 1) {
        fprintf(stderr, "usage: bench_sparse_grad [ROWS=1024] [COLS=1312] [N=4800] [REPS=5] [THREADS=1]\n");
        return 2;
    }
    al_set_threads(threads);
    openblas_set_num_threads(threads);
    size_t rc = (size_t)rows * cols, big = (size_t)(rows > cols ? rows : cols) * n;
    float *w = al_malloc(sizeof(float) * rc), *wm = al_malloc(sizeof(float) * rc); /* (rows, cols) */
    float *dw = al_malloc(sizeof(float) * rc);                                       /* (rows, cols) */
    float *dy = al_malloc(sizeof(float) * big), *x = al_malloc(sizeof(float) * big); /* either layout */
    float *out = al_malloc(sizeof(float) * big), *dval = al_malloc(sizeof(float) * (rc + (size_t)K * cols)); /* BSR padding */
    uint8_t *mask = al_malloc(rc); /* (rows, cols) */
    if (!w || !wm || !dw || !dy || !x || !out || !dval || !mask) return fprintf(stderr, "out of memory\n"), 1;
    al_rng r;
    al_rng_seed(&r, 42);
    for (size_t i = 0; i < rc; i++) w[i] = (float)al_rng_normal(&r);
    for (size_t i = 0; i < big; i++) dy[i] = (float)al_rng_normal(&r), x[i] = (float)al_rng_normal(&r);
    memset(dw, 0, sizeof(float) * rc);

    printf("bench_sparse_grad %d x %d, N %d, %d thread(s), median of %d; weight gradients include the scatter\n", rows,
           cols, n, threads, reps);
    printf("%-10s %6s %10s %10s %7s %8s %10s %7s\n", "kernel", "dens", "dense_ms", "csr_ms", "csr_x", "bsr_dens",
           "bsr8_ms", "bsr8_x");
    for (int kn = 0; kn < N_KERNEL; kn++) {
        job j = {rows, cols, n, kn, w, dy, x, NULL, NULL, out, dval, dw};
        double td = time_job(&j, reps);
        if (td < 0) return fprintf(stderr, "%s\n", al_last_error()), 1;
        printf("%-10s %5.1f%% %10.2f\n", KERNEL[kn], 100.0, 1e3 * td);
        for (int di = 0; di < N_DENS; di++) {
            al_sparse *m[2] = {NULL, NULL};
            double t[2];
            for (int f = 0; f < 2; f++) {
                bench_random_mask(mask, rows, cols, f ? K : 1, DENS[di], &r);
                for (size_t i = 0; i < rc; i++) wm[i] = mask[i] ? w[i] : 0.0f;
                if (al_sparse_from_dense(f ? AL_SPARSE_BSR : AL_SPARSE_CSR, K, wm, mask, rows, cols, &m[f]) != AL_OK)
                    return fprintf(stderr, "%s\n", al_last_error()), 1;
                al_sparse_ws ws = {NULL, al_sparse_ws_bytes(m[f], threads)};
                ws.buf = al_malloc(ws.bytes);
                j.m = m[f];
                j.ws = &ws;
                t[f] = ws.buf ? time_job(&j, reps) : -1.0;
                al_free(ws.buf);
                if (t[f] < 0) return fprintf(stderr, "%s\n", al_last_error()), 1;
            }
            printf("%-10s %5.1f%% %10s %10.2f %7.2f %7.1f%% %10.2f %7.2f\n", KERNEL[kn], 100 * al_sparse_density(m[0]), "",
                   1e3 * t[0], td / t[0], 100 * al_sparse_density(m[1]), 1e3 * t[1], td / t[1]);
            fflush(stdout);
            al_sparse_free(m[0]);
            al_sparse_free(m[1]);
        }
    }
    al_free(w), al_free(wm), al_free(dw), al_free(dy), al_free(x), al_free(out), al_free(dval), al_free(mask);
    return 0;
}
