/* Weight formats: names, and the per-weight choice between dense, CSR and BSR 8 x 1 that every
 * family's sparse inference and training share. */
#include <stdlib.h>
#include <string.h>

#include "infer/weight_format.h"

enum { BSR_K = 8 }; /* block height; sparse_mm.c has kernels specialised for 1 (CSR), 4 and 8 */

/* Crossover densities: below (stored values / dense size) = crossover a format beats dense sgemm
 * on one thread, and its time scales about linearly with the stored values, so a format's time
 * relative to dense is stored / crossover. Measured 2026-11-26 (kernels with the vector batch-1
 * BSR row and the transpose-free BSR X W^T) with
 *   build-sinfer/bench_sparse 1024 1312 7; bench_sparse 1024 256 7; bench_sparse 352 672 7
 * (ds2-small's W_ih of layer 0, W_hh, conv2's repacked weights; the other core busy), the median
 * over the three shapes of the crossover_* lines: narrow products (n < 8: n matrix-vector products)
 * from the xt n = 1 lines (CSR 0.143 / 0.053 / 0.121, BSR 0.831 / 0.890 / 0.830), wide ones from
 * the n = 64 lines (CSR 0.45-0.56; BSR 1.00 for W X, every block kept, and 0.91-0.955 for X W^T). */
const double AL_INFER_CROSSOVER_NARROW[2] = {0.12, 0.83}; /* CSR, BSR 8 x 1 */
const double AL_INFER_CROSSOVER_WIDE[2] = {0.50, 0.95};

const double AL_TRAIN_CROSSOVER_XT[2] = {0.15, 0.40};

const double *al_infer_crossover(int n) {
    return n >= AL_SPARSE_XT_TILED_MIN_N ? AL_INFER_CROSSOVER_WIDE : AL_INFER_CROSSOVER_NARROW;
}

const char *al_weight_format_name(al_weight_format f) {
    switch (f) {
    case AL_WEIGHT_FORMAT_AUTO: return "auto";
    case AL_WEIGHT_FORMAT_DENSE: return "dense";
    case AL_WEIGHT_FORMAT_CSR: return "csr";
    case AL_WEIGHT_FORMAT_BSR8: return "bsr8x1";
    }
    return "?";
}

al_status al_weight_format_parse(const char *name, al_weight_format *f) {
    for (int i = AL_WEIGHT_FORMAT_AUTO; i <= AL_WEIGHT_FORMAT_BSR8; i++)
        if (!strcmp(name, al_weight_format_name((al_weight_format)i))) {
            *f = (al_weight_format)i;
            return AL_OK;
        }
    return al_error(AL_ERR_INVALID, "unknown weight format '%s' (auto, dense, csr, bsr8x1)", name);
}

al_status al_weight_format_check(al_weight_format f, const char *who) {
    if (f >= AL_WEIGHT_FORMAT_AUTO && f <= AL_WEIGHT_FORMAT_BSR8) return AL_OK;
    return al_error(AL_ERR_INVALID, "%s: unknown format %d", who, (int)f);
}

al_status al_weight_format_pick(const float *w, const uint8_t *mask, int rows, int cols, al_weight_format format,
                                const double crossover[2], al_sparse **out, al_weight_format *chosen) {
    *out = NULL;
    al_sparse *csr = NULL, *bsr = NULL;
    al_status st = AL_OK;
    if (format == AL_WEIGHT_FORMAT_AUTO || format == AL_WEIGHT_FORMAT_CSR)
        st = al_sparse_from_dense(AL_SPARSE_CSR, 1, w, mask, rows, cols, &csr);
    if (st == AL_OK && (format == AL_WEIGHT_FORMAT_AUTO || format == AL_WEIGHT_FORMAT_BSR8))
        st = al_sparse_from_dense(AL_SPARSE_BSR, BSR_K, w, mask, rows, cols, &bsr);
    if (st == AL_OK && format == AL_WEIGHT_FORMAT_AUTO) {
        /* a format's time relative to dense: its stored density / its crossover */
        double t_csr = al_sparse_density(csr) / crossover[0], t_bsr = al_sparse_density(bsr) / crossover[1];
        format = t_csr < 1.0 && t_csr <= t_bsr ? AL_WEIGHT_FORMAT_CSR
                 : t_bsr < 1.0                ? AL_WEIGHT_FORMAT_BSR8
                                              : AL_WEIGHT_FORMAT_DENSE;
    }
    if (st == AL_OK && format != AL_WEIGHT_FORMAT_DENSE) {
        al_sparse **keep = format == AL_WEIGHT_FORMAT_CSR ? &csr : &bsr;
        *out = *keep;
        *keep = NULL;
    }
    if (st == AL_OK) *chosen = format;
    al_sparse_free(csr);
    al_sparse_free(bsr);
    return st;
}
