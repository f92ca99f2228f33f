/* Sparse kernel benchmark: dense sgemm against CSR and BSR (8 x 1) on one thread.
 * For a ROWS x COLS weight, batches N = 1 and 64 and densities 100, 50, 30, 20, 10, 5%, times
 * Y (rows, N) = W X ("mm") and Y (N, rows) = X W^T ("xt", the LSTM input projection): dense on
 * cblas (sgemv at N = 1), CSR with a random unstructured mask, BSR k = 8 with a random
 * block-structured mask (whole 8 x 1 blocks pruned). Dense is timed again on every line, so each
 * speed-up compares times taken moments apart. Times are the median of REPS runs after a warm-up.
 * The crossover is the density below which a format beats dense: where the speed-up falls through
 * 1, interpolated linearly in log(speed-up) between the two measured densities around it; 1 when
 * the format wins at every measured density (even 100%), 0 when it wins at none.
 * Usage: bench_sparse [ROWS=2048] [COLS=2048] [REPS=15]
 * Last lines are machine-readable: "crossover_<csr|bsr8>_<mm|xt>_n<N> <density>". */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/core.h"
#include "bench_common.h"
#include "audiolottery/sparse.h"

enum { N_DENS = 6, N_BATCH = 2, K = 8 };
static const double DENS[N_DENS] = {1.0, 0.5, 0.3, 0.2, 0.1, 0.05};
static const int BATCH[N_BATCH] = {1, 64};

typedef struct {
    int rows, cols, n, xt;
    const float *w, *x; /* w (rows, cols); x (cols, n) for mm, (n, cols) for xt */
    const al_sparse *m; /* NULL: dense */
    float *y;           /* (rows * n) */
} job;

/* Median seconds of reps runs (after one warm-up); negative on a failed call. */
static double time_job(const job *j, int reps) {
    double t[256];
    if (reps > 256) reps = 256;
    for (int r = -1; r < reps; r++) {
        double t0 = al_time_now();
        al_status st = j->m ? (j->xt ? al_sparse_mm_xt(j->m, j->x, j->n, 0.0f, j->y)
                                     : al_sparse_mm(j->m, j->x, j->n, 0.0f, j->y))
                            : (j->xt ? al_dense_mm_xt(j->w, j->rows, j->cols, j->x, j->n, 0.0f, j->y)
                                     : al_dense_mm(j->w, j->rows, j->cols, j->x, j->n, 0.0f, j->y));
        if (st != AL_OK) return -1.0;
        if (r >= 0) t[r] = al_time_now() - t0;
    }
    return bench_median(t, reps);
}

/* Density where speed-up s (N_DENS, at DENS, falling densities) first wins for good: scanning from
 * the sparsest, the last density of the winning run, interpolated to the next (losing) one. */
static double crossover(const double *s) {
    int i = N_DENS - 1;
    if (s[i] < 1.0) return 0.0; /* loses even at the sparsest */
    while (i > 0 && s[i - 1] >= 1.0) i--;
    if (i == 0) return 1.0;     /* wins even dense */
    double a = log(s[i]), b = log(s[i - 1]); /* a >= 0 > b */
    return DENS[i] + (DENS[i - 1] - DENS[i]) * a / (a - b);
}

int main(int argc, char **argv) {
    int rows = argc > 1 ? atoi(argv[1]) : 2048, cols = argc > 2 ? atoi(argv[2]) : 2048;
    int reps = argc > 3 ? atoi(argv[3]) : 15;
    if (rows < 1 || cols < 1 || reps < 1) {
        fprintf(stderr, "usage: bench_sparse [ROWS=2048] [COLS=2048] [REPS=15]\n");
        return 2;
    }
    al_set_threads(1);
    openblas_set_num_threads(1);
    size_t rc = (size_t)rows * cols;
    int nmax = BATCH[N_BATCH - 1];
    /* 64-byte aligned like the library's own buffers (alignment moves the kernels' times) */
    float *w = al_malloc(sizeof(float) * rc), *wm = al_malloc(sizeof(float) * rc); /* (rows, cols) */
    float *x = al_malloc(sizeof(float) * (size_t)cols * nmax);                       /* (cols, nmax) */
    float *y = al_malloc(sizeof(float) * (size_t)rows * nmax);                       /* (rows, nmax) */
    uint8_t *mask = al_malloc(rc);                                                   /* (rows, cols) */
    if (!w || !wm || !x || !y || !mask) return fprintf(stderr, "out of memory\n"), 1;
    al_rng r;
    al_rng_seed(&r, 42);
    for (size_t i = 0; i < rc; i++) w[i] = (float)al_rng_normal(&r);
    for (size_t i = 0; i < (size_t)cols * nmax; i++) x[i] = (float)al_rng_normal(&r);

    double speed[2][2][N_BATCH][N_DENS]; /* [csr, bsr][mm, xt][batch][density] */
    printf("bench_sparse %d x %d, 1 thread, median of %d\n", rows, cols, reps);
    printf("%-4s %4s %6s %10s %10s %7s %8s %10s %7s %8s\n", "form", "N", "dens", "dense_ms", "csr_ms", "csr_x",
           "bsr_dens", "bsr8_ms", "bsr8_x", "");
    for (int xt = 0; xt < 2; xt++)
        for (int bi = 0; bi < N_BATCH; bi++)
            for (int di = 0; di < N_DENS; di++) {
                al_sparse *m[2] = {NULL, NULL};
                for (int f = 0; f < 2; f++) {
                    bench_random_mask(mask, rows, cols, f ? K : 1, DENS[di], &r);
                    if (al_sparse_from_dense(f ? AL_SPARSE_BSR : AL_SPARSE_CSR, K, w, mask, rows, cols, &m[f]) != AL_OK)
                        return fprintf(stderr, "%s\n", al_last_error()), 1;
                }
                /* dense on the CSR-masked weight (dense cost does not depend on the values) */
                al_sparse_to_dense(m[0], wm);
                job j = {rows, cols, BATCH[bi], xt, wm, x, NULL, y};
                double td = time_job(&j, reps), t[2];
                for (int f = 0; f < 2; f++) {
                    j.m = m[f];
                    t[f] = time_job(&j, reps);
                    speed[f][xt][bi][di] = td / t[f];
                }
                if (td < 0 || t[0] < 0 || t[1] < 0) return fprintf(stderr, "%s\n", al_last_error()), 1;
                printf("%-4s %4d %5.0f%% %10.3f %10.3f %7.2f %7.1f%% %10.3f %7.2f\n", xt ? "xt" : "mm", BATCH[bi],
                       100 * al_sparse_density(m[0]), 1e3 * td, 1e3 * t[0], td / t[0], 100 * al_sparse_density(m[1]),
                       1e3 * t[1], td / t[1]);
                fflush(stdout);
                al_sparse_free(m[0]);
                al_sparse_free(m[1]);
            }
    for (int f = 0; f < 2; f++)
        for (int xt = 0; xt < 2; xt++)
            for (int bi = 0; bi < N_BATCH; bi++)
                printf("crossover_%s_%s_n%d %.3f\n", f ? "bsr8" : "csr", xt ? "xt" : "mm", BATCH[bi],
                       crossover(speed[f][xt][bi]));
    al_free(w), al_free(wm), al_free(x), al_free(y), al_free(mask);
    return 0;
}
