/* Layer normalisation: row statistics in double, OpenMP over rows; parameter gradients over column blocks. */
#include "nn/layernorm.h"
#include "nn/simd.h"

#include <math.h>
#include <string.h>

al_status al_layernorm_init(al_layernorm *ln, int d, int rows_max, float eps) {
    memset(ln, 0, sizeof *ln);
    if (d < 1 || rows_max < 1 || !(eps >= 0.0f))
        return al_error(AL_ERR_INVALID, "layernorm: bad size d %d rows_max %d or eps %g", d, rows_max, (double)eps);
    ln->mean = al_malloc(2 * (size_t)rows_max * sizeof(float));
    if (!ln->mean) return al_error(AL_ERR_NOMEM, "layernorm: cannot allocate statistics of %d rows", rows_max);
    ln->rstd = ln->mean + rows_max;
    ln->d = d;
    ln->rows_max = rows_max;
    ln->eps = eps;
    return AL_OK;
}

void al_layernorm_free(al_layernorm *ln) {
    al_free(ln->mean);
    memset(ln, 0, sizeof *ln);
}

static al_status check(const al_layernorm *ln, int rows) {
    if (!ln->mean) return al_error(AL_ERR_INVALID, "layernorm: layer not initialised");
    if (rows < 0 || rows > ln->rows_max)
        return al_error(AL_ERR_INVALID, "layernorm: %d rows, expected 0 .. %d", rows, ln->rows_max);
    return AL_OK;
}

/* One row: statistics in double, y (d) normalised; its mean and 1 / std into *mean, *rstd. */
AL_NN_CLONES static void ln_row(float *y, const float *x, const float *w, const float *b, int d, double eps,
                                float *mean, float *rstd) {
    double s = 0.0, v = 0.0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < d; j++) s += x[j];
    const double mu = s / d;
#pragma omp simd reduction(+ : v)
    for (int j = 0; j < d; j++) v += (x[j] - mu) * (x[j] - mu);
    const float m = (float)mu, rs = (float)(1.0 / sqrt(v / d + eps));
    *mean = m;
    *rstd = rs;
#pragma omp simd
    for (int j = 0; j < d; j++) {
        float h = (x[j] - m) * rs;
        y[j] = (w ? h * w[j] : h) + (b ? b[j] : 0.0f);
    }
}

al_status al_layernorm_forward(al_layernorm *ln, float *y, const float *x, const float *w, const float *b, int rows) {
    al_status st = check(ln, rows);
    if (st != AL_OK) return st;
    const int d = ln->d;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++)
        ln_row(y + (size_t)r * d, x + (size_t)r * d, w, b, d, ln->eps, &ln->mean[r], &ln->rstd[r]);
    return AL_OK;
}

#define LN_COLS 64 /* columns of dw, db per task */

al_status al_layernorm_backward(al_layernorm *ln, float *dx, float *dw, float *db, const float *dy, const float *x,
                                const float *w, int rows) {
    al_status st = check(ln, rows);
    if (st != AL_OK) return st;
    const int d = ln->d;
    const float *mean = ln->mean, *rstd = ln->rstd;
    if (dx)
#pragma omp parallel for schedule(static)
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * d, *gr = dy + (size_t)r * d;
            float *dr = dx + (size_t)r * d;
            const float m = mean[r], rs = rstd[r];
            double sg = 0.0, sgx = 0.0; /* sum g, sum g * xhat */
            for (int j = 0; j < d; j++) {
                float g = w ? gr[j] * w[j] : gr[j];
                sg += g;
                sgx += (double)g * ((xr[j] - m) * rs);
            }
            const float a = (float)(sg / d), c = (float)(sgx / d);
            for (int j = 0; j < d; j++) {
                float g = w ? gr[j] * w[j] : gr[j], h = (xr[j] - m) * rs;
                dr[j] += rs * (g - a - h * c);
            }
        }
    if (dw || db) {
        const int nblocks = (d + LN_COLS - 1) / LN_COLS;
#pragma omp parallel for schedule(static)
        for (int blk = 0; blk < nblocks; blk++) {
            const int j0 = blk * LN_COLS, j1 = j0 + LN_COLS < d ? j0 + LN_COLS : d;
            double aw[LN_COLS] = {0}, ab[LN_COLS] = {0};
            for (int r = 0; r < rows; r++) {
                const float *xr = x + (size_t)r * d, *gr = dy + (size_t)r * d;
                const float m = mean[r], rs = rstd[r];
                for (int j = j0; j < j1; j++) {
                    aw[j - j0] += (double)gr[j] * ((xr[j] - m) * rs);
                    ab[j - j0] += gr[j];
                }
            }
            for (int j = j0; j < j1; j++) {
                if (dw) dw[j] += (float)aw[j - j0];
                if (db) db[j] += (float)ab[j - j0];
            }
        }
    }
    return AL_OK;
}
