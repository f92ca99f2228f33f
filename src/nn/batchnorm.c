/* Batch normalisation: per-channel statistics in double, OpenMP over channel blocks. */
#include "nn/batchnorm.h"

#include <math.h>
#include <string.h>

al_status al_batchnorm_init(al_batchnorm *bn, int channels) {
    memset(bn, 0, sizeof *bn);
    if (channels < 1) return al_error(AL_ERR_INVALID, "batchnorm: bad channel count %d", channels);
    bn->channels = channels;
    bn->eps = 1e-5f;
    bn->momentum = 0.1f;
    bn->mean = al_malloc(4 * (size_t)channels * sizeof(double));
    if (!bn->mean) return al_error(AL_ERR_NOMEM, "batchnorm: cannot allocate %d channels", channels);
    bn->invstd = bn->mean + channels;
    bn->sums = bn->invstd + channels;
    return AL_OK;
}

void al_batchnorm_free(al_batchnorm *bn) {
    al_free(bn->mean);
    memset(bn, 0, sizeof *bn);
}

/* Channels handled together by one thread: with inner == 1 a block of channels is a contiguous run
 * of every row, so rows are read sequentially. */
#define BN_BLOCK 64
static int block_size(int inner) { return inner == 1 ? BN_BLOCK : 1; }

static al_status check_sizes(const al_batchnorm *bn, int outer, int inner) {
    if (!bn->mean) return al_error(AL_ERR_INVALID, "batchnorm: layer not initialised");
    if (outer < 1 || inner < 1) return al_error(AL_ERR_INVALID, "batchnorm: bad size outer %d inner %d", outer, inner);
    return AL_OK;
}

al_status al_batchnorm_forward(al_batchnorm *bn, float *y, float *running_mean, float *running_var, const float *x,
                               const float *weight, const float *bias, int training, int outer, int inner) {
    al_status st = check_sizes(bn, outer, inner);
    if (st != AL_OK) return st;
    const int C = bn->channels, bs = block_size(inner);
    const double m = (double)outer * inner;
    if (training && m < 2)
        return al_error(AL_ERR_INVALID, "batchnorm: training needs more than 1 value per channel (got %.0f)", m);
    if (!training && (!running_mean || !running_var))
        return al_error(AL_ERR_INVALID, "batchnorm: eval mode needs running statistics");
    bn->training = training;
    const int nblocks = (C + bs - 1) / bs;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        const int c0 = blk * bs, c1 = c0 + bs < C ? c0 + bs : C;
        double *mean = bn->mean, *invstd = bn->invstd, *acc = bn->sums;
        if (training) {
            for (int c = c0; c < c1; c++) acc[c] = 0.0;
            for (int o = 0; o < outer; o++)
                for (int c = c0; c < c1; c++) {
                    const float *xs = x + ((size_t)o * C + c) * inner;
                    double s = 0.0;
                    for (int i = 0; i < inner; i++) s += xs[i];
                    acc[c] += s;
                }
            for (int c = c0; c < c1; c++) {
                mean[c] = acc[c] / m;
                acc[c] = 0.0;
            }
            for (int o = 0; o < outer; o++)
                for (int c = c0; c < c1; c++) {
                    const float *xs = x + ((size_t)o * C + c) * inner;
                    double s = 0.0, mu = mean[c];
                    for (int i = 0; i < inner; i++) s += (xs[i] - mu) * (xs[i] - mu);
                    acc[c] += s;
                }
            for (int c = c0; c < c1; c++) {
                double var = acc[c] / m;
                invstd[c] = 1.0 / sqrt(var + bn->eps);
                if (running_mean) running_mean[c] = (float)((1.0 - bn->momentum) * running_mean[c] + bn->momentum * mean[c]);
                if (running_var)
                    running_var[c] = (float)((1.0 - bn->momentum) * running_var[c] + bn->momentum * acc[c] / (m - 1));
            }
        } else {
            for (int c = c0; c < c1; c++) {
                mean[c] = running_mean[c];
                invstd[c] = 1.0 / sqrt((double)running_var[c] + bn->eps);
            }
        }
        float scale[BN_BLOCK], shift[BN_BLOCK]; /* y = x * scale + shift for channels c0 .. c1 - 1 */
        for (int c = c0; c < c1; c++) {
            double sc = invstd[c] * (weight ? weight[c] : 1.0f);
            scale[c - c0] = (float)sc;
            shift[c - c0] = (float)((bias ? bias[c] : 0.0f) - mean[c] * sc);
        }
        for (int o = 0; o < outer; o++)
            for (int c = c0; c < c1; c++) {
                const float *xs = x + ((size_t)o * C + c) * inner;
                float *ys = y + ((size_t)o * C + c) * inner;
                const float sc = scale[c - c0], sh = shift[c - c0];
                for (int i = 0; i < inner; i++) ys[i] = xs[i] * sc + sh;
            }
    }
    return AL_OK;
}

al_status al_batchnorm_backward(al_batchnorm *bn, float *dx, float *dweight, float *dbias, const float *dy,
                                const float *x, const float *weight, int outer, int inner) {
    al_status st = check_sizes(bn, outer, inner);
    if (st != AL_OK) return st;
    const int C = bn->channels, bs = block_size(inner);
    const double m = (double)outer * inner;
    const int nblocks = (C + bs - 1) / bs;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        const int c0 = blk * bs, c1 = c0 + bs < C ? c0 + bs : C;
        const double *mean = bn->mean, *invstd = bn->invstd;
        double *sdy = bn->sums, *sdyx = bn->sums + C; /* sum dy, sum dy * xhat */
        for (int c = c0; c < c1; c++) sdy[c] = sdyx[c] = 0.0;
        for (int o = 0; o < outer; o++)
            for (int c = c0; c < c1; c++) {
                const float *xs = x + ((size_t)o * C + c) * inner, *gs = dy + ((size_t)o * C + c) * inner;
                double a = 0.0, b = 0.0, mu = mean[c];
                for (int i = 0; i < inner; i++) {
                    a += gs[i];
                    b += gs[i] * (xs[i] - mu);
                }
                sdy[c] += a;
                sdyx[c] += b * invstd[c];
            }
        for (int c = c0; c < c1; c++) {
            if (dbias) dbias[c] += (float)sdy[c];
            if (dweight) dweight[c] += (float)sdyx[c];
        }
        if (!dx) continue;
        /* dx += k * dy + kx * (x - mean) + k0 per channel (kx = k0 = 0 in eval mode) */
        float k[BN_BLOCK], kx[BN_BLOCK], k0[BN_BLOCK];
        for (int c = c0; c < c1; c++) {
            double g = invstd[c] * (weight ? weight[c] : 1.0f);
            k[c - c0] = (float)g;
            kx[c - c0] = bn->training ? (float)(-g * invstd[c] * sdyx[c] / m) : 0.0f;
            k0[c - c0] = bn->training ? (float)(-g * sdy[c] / m) : 0.0f;
        }
        for (int o = 0; o < outer; o++)
            for (int c = c0; c < c1; c++) {
                const float *xs = x + ((size_t)o * C + c) * inner, *gs = dy + ((size_t)o * C + c) * inner;
                float *ds = dx + ((size_t)o * C + c) * inner;
                const float a = k[c - c0], b = kx[c - c0], z = k0[c - c0], mu = (float)mean[c];
                for (int i = 0; i < inner; i++) ds[i] += a * gs[i] + b * (xs[i] - mu) + z;
            }
    }
    return AL_OK;
}

/* ---- masked statistics: the loops above with kept positions only (keep[o * inner + i]) ---- */

static size_t kept_count(const uint8_t *keep, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += keep[i] != 0;
    return m;
}

al_status al_batchnorm_forward_masked(al_batchnorm *bn, float *y, float *running_mean, float *running_var,
                                      const float *x, const float *weight, const float *bias, int training, int outer,
                                      int inner, const uint8_t *keep) {
    if (!keep) return al_batchnorm_forward(bn, y, running_mean, running_var, x, weight, bias, training, outer, inner);
    al_status st = check_sizes(bn, outer, inner);
    if (st != AL_OK) return st;
    const int C = bn->channels, bs = block_size(inner);
    const double m = (double)kept_count(keep, (size_t)outer * inner);
    if (training && m < 2)
        return al_error(AL_ERR_INVALID, "batchnorm: training needs more than 1 kept value per channel (got %.0f)", m);
    if (!training && (!running_mean || !running_var))
        return al_error(AL_ERR_INVALID, "batchnorm: eval mode needs running statistics");
    bn->training = training;
    const int nblocks = (C + bs - 1) / bs;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        const int c0 = blk * bs, c1 = c0 + bs < C ? c0 + bs : C;
        double *mean = bn->mean, *invstd = bn->invstd, *acc = bn->sums;
        if (training) {
            for (int c = c0; c < c1; c++) acc[c] = 0.0;
            for (int o = 0; o < outer; o++)
                for (int c = c0; c < c1; c++) {
                    const float *xs = x + ((size_t)o * C + c) * inner;
                    const uint8_t *ks = keep + (size_t)o * inner;
                    double s = 0.0;
                    for (int i = 0; i < inner; i++)
                        if (ks[i]) s += xs[i];
                    acc[c] += s;
                }
            for (int c = c0; c < c1; c++) {
                mean[c] = acc[c] / m;
                acc[c] = 0.0;
            }
            for (int o = 0; o < outer; o++)
                for (int c = c0; c < c1; c++) {
                    const float *xs = x + ((size_t)o * C + c) * inner;
                    const uint8_t *ks = keep + (size_t)o * inner;
                    double s = 0.0, mu = mean[c];
                    for (int i = 0; i < inner; i++)
                        if (ks[i]) s += (xs[i] - mu) * (xs[i] - mu);
                    acc[c] += s;
                }
            for (int c = c0; c < c1; c++) {
                double var = acc[c] / m;
                invstd[c] = 1.0 / sqrt(var + bn->eps);
                if (running_mean)
                    running_mean[c] = (float)((1.0 - bn->momentum) * running_mean[c] + bn->momentum * mean[c]);
                if (running_var)
                    running_var[c] = (float)((1.0 - bn->momentum) * running_var[c] + bn->momentum * acc[c] / (m - 1));
            }
        } else {
            for (int c = c0; c < c1; c++) {
                mean[c] = running_mean[c];
                invstd[c] = 1.0 / sqrt((double)running_var[c] + bn->eps);
            }
        }
        float scale[BN_BLOCK], shift[BN_BLOCK];
        for (int c = c0; c < c1; c++) {
            double sc = invstd[c] * (weight ? weight[c] : 1.0f);
            scale[c - c0] = (float)sc;
            shift[c - c0] = (float)((bias ? bias[c] : 0.0f) - mean[c] * sc);
        }
        for (int o = 0; o < outer; o++)
            for (int c = c0; c < c1; c++) {
                const float *xs = x + ((size_t)o * C + c) * inner;
                const uint8_t *ks = keep + (size_t)o * inner;
                float *ys = y + ((size_t)o * C + c) * inner;
                const float sc = scale[c - c0], sh = shift[c - c0];
                for (int i = 0; i < inner; i++) ys[i] = ks[i] ? xs[i] * sc + sh : 0.0f;
            }
    }
    return AL_OK;
}

al_status al_batchnorm_backward_masked(al_batchnorm *bn, float *dx, float *dweight, float *dbias, const float *dy,
                                       const float *x, const float *weight, int outer, int inner, const uint8_t *keep) {
    if (!keep) return al_batchnorm_backward(bn, dx, dweight, dbias, dy, x, weight, outer, inner);
    al_status st = check_sizes(bn, outer, inner);
    if (st != AL_OK) return st;
    const int C = bn->channels, bs = block_size(inner);
    const double m = (double)kept_count(keep, (size_t)outer * inner);
    const int nblocks = (C + bs - 1) / bs;
#pragma omp parallel for schedule(static)
    for (int blk = 0; blk < nblocks; blk++) {
        const int c0 = blk * bs, c1 = c0 + bs < C ? c0 + bs : C;
        const double *mean = bn->mean, *invstd = bn->invstd;
        double *sdy = bn->sums, *sdyx = bn->sums + C; /* sum dy, sum dy * xhat over kept positions */
        for (int c = c0; c < c1; c++) sdy[c] = sdyx[c] = 0.0;
        for (int o = 0; o < outer; o++)
            for (int c = c0; c < c1; c++) {
                const float *xs = x + ((size_t)o * C + c) * inner, *gs = dy + ((size_t)o * C + c) * inner;
                const uint8_t *ks = keep + (size_t)o * inner;
                double a = 0.0, b = 0.0, mu = mean[c];
                for (int i = 0; i < inner; i++)
                    if (ks[i]) {
                        a += gs[i];
                        b += gs[i] * (xs[i] - mu);
                    }
                sdy[c] += a;
                sdyx[c] += b * invstd[c];
            }
        for (int c = c0; c < c1; c++) {
            if (dbias) dbias[c] += (float)sdy[c];
            if (dweight) dweight[c] += (float)sdyx[c];
        }
        if (!dx || m < 1) continue;
        float k[BN_BLOCK], kx[BN_BLOCK], k0[BN_BLOCK];
        for (int c = c0; c < c1; c++) {
            double g = invstd[c] * (weight ? weight[c] : 1.0f);
            k[c - c0] = (float)g;
            kx[c - c0] = bn->training ? (float)(-g * invstd[c] * sdyx[c] / m) : 0.0f;
            k0[c - c0] = bn->training ? (float)(-g * sdy[c] / m) : 0.0f;
        }
        for (int o = 0; o < outer; o++)
            for (int c = c0; c < c1; c++) {
                const float *xs = x + ((size_t)o * C + c) * inner, *gs = dy + ((size_t)o * C + c) * inner;
                const uint8_t *ks = keep + (size_t)o * inner;
                float *ds = dx + ((size_t)o * C + c) * inner;
                const float a = k[c - c0], b = kx[c - c0], z = k0[c - c0], mu = (float)mean[c];
                for (int i = 0; i < inner; i++)
                    if (ks[i]) ds[i] += a * gs[i] + b * (xs[i] - mu) + z;
            }
    }
    return AL_OK;
}
