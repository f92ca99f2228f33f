/* Linear layer on cblas_sgemm. */
#include "nn/linear.h"

#include <cblas.h>

static al_status check(int rows, int in, int out) {
    if (rows < 0 || in < 1 || out < 1)
        return al_error(AL_ERR_INVALID, "linear: bad size rows %d in %d out %d", rows, in, out);
    return AL_OK;
}

al_status al_linear_forward(float *y, const float *x, const float *w, const float *b, int rows, int in, int out) {
    al_status st = check(rows, in, out);
    if (st != AL_OK || rows == 0) return st;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
    if (b)
#pragma omp parallel for schedule(static)
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) y[(size_t)r * out + o] += b[o];
    return AL_OK;
}

al_status al_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                             int rows, int in, int out) {
    al_status st = check(rows, in, out);
    if (st != AL_OK || rows == 0) return st;
    if (dx) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, in, out, 1.0f, dy, out, w, in, 1.0f, dx, in);
    if (dw) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, rows, 1.0f, dy, out, x, in, 1.0f, dw, in);
    if (db)
        for (int o = 0; o < out; o++) {
            double s = 0.0;
            for (int r = 0; r < rows; r++) s += dy[(size_t)r * out + o];
            db[o] += (float)s;
        }
    return AL_OK;
}
