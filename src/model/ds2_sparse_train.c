/* DS2 sparse training weights: the conv weights whose fixed mask makes a sparse format faster for
 * a whole training step (forward, input gradient, weight gradient) than sgemm, kept in step with
 * the parameter table by al_ds2_sparse_refresh (see "sparse training" in audiolottery/ds2.h). */
#include <stdlib.h>
#include <string.h>

#include "audiolottery/sparse_train.h"
#include "model/ds2_sparse.h"
#include "model/ds2_sparse_train.h"

enum { BSR_K = 8 };

/* Crossover stored densities of a conv's training step (forward W Z, dZ = W^T dY, dW at the stored
 * positions), the three products weighted equally as their dense costs are: below crossover a format
 * beats sgemm, its time relative to dense about stored / crossover. Measured 2026-11-26 on conv2's
 * repacked shape with a tile's width, one thread, other cores busy:
 *   build-sgrad/bench_sparse_grad 352 672 1024 3 1
 * CSR: mm_t 0.72x dense at 10.7%, 1.13x at 5%; grad_w 1.18x at 10.7%, 2.74x at 5%; with the forward's
 * crossover 0.50 (ds2_sparse.c) the step breaks even near 12% stored: 0.10 keeps a margin.
 * BSR 8 x 1: mm_t 0.93x at 50%, 4.05x at 10.7%; grad_w 0.70x at 50%, 3.22x at 10.7%; forward 1.0:
 * break-even near 50% stored, 0.45 with a margin. */
static const double CROSSOVER_CSR = 0.10, CROSSOVER_BSR = 0.45;

struct al_ds2_strain {
    al_sparse *conv[2]; /* repacked (kws * c_out, kr); NULL: dense */
    int idx[2];         /* parameter index of each conv weight */
    float *wr[2];       /* (kws * c_out, kr) repacked weights for refresh */
    float *ws[2];       /* backward workspace */
};

const al_sparse *al_ds2_strain_conv(const al_ds2_strain *s, int i, float **ws) {
    if (!s || !s->conv[i]) return NULL;
    if (ws) *ws = s->ws[i];
    return s->conv[i];
}

void al_ds2_strain_free(al_ds2_strain *s) {
    if (!s) return;
    for (int i = 0; i < 2; i++) {
        al_sparse_free(s->conv[i]);
        al_free(s->wr[i]);
        al_free(s->ws[i]);
    }
    free(s);
}

void al_ds2_sparse_train_off(al_ds2 *m) {
    al_ds2_strain **slot = al_ds2_strain_slot(m);
    al_ds2_strain_free(*slot);
    *slot = NULL;
}

int al_ds2_sparse_training(al_ds2 *m) { return *al_ds2_strain_slot(m) != NULL; }

/* Conv i as its training matrix: s->conv[i] (NULL when dense wins or is forced), report entry r. */
static al_status build_conv(al_ds2 *m, int i, const uint8_t *mask, al_ds2_format format, al_ds2_sparse_weight *r,
                            al_ds2_strain *s) {
    const al_param_table *t = al_ds2_params(m);
    const al_conv2d *conv = al_ds2_conv_layer(m, i);
    snprintf(r->name, sizeof r->name, "conv.seq_module.%d.weight", i ? 3 : 0);
    const int idx = s->idx[i] = al_param_find(t, r->name);
    if (idx < 0) return al_error(AL_ERR_INVALID, "ds2 sparse train: no parameter '%s'", r->name);
    const al_param *p = &t->params[idx];
    const int rows = conv->kws * conv->cfg.c_out, cols = conv->kr;
    const size_t n = (size_t)rows * cols;
    float *mf = al_malloc(sizeof(float) * p->numel); /* (c_out, c_in, kh, kw) mask as 0 / 1 */
    float *mr = al_malloc(sizeof(float) * n);        /* (rows, cols) repacked mask as 0 / 1 */
    uint8_t *mb = malloc(n);                         /* (rows, cols) repacked mask */
    s->wr[i] = al_malloc(sizeof(float) * n);
    al_sparse *csr = NULL, *bsr = NULL;
    al_status st = mf && mr && mb && s->wr[i] ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory");
    size_t kept = 0;
    if (st == AL_OK) {
        for (size_t j = 0; j < p->numel; j++) {
            mf[j] = (float)(mask[p->offset + j] != 0);
            kept += mask[p->offset + j] != 0;
        }
        /* the phase split's padding kernel columns come out 0: pruned */
        al_conv2d_repack(conv, mf, mr);
        for (size_t j = 0; j < n; j++) mb[j] = mr[j] != 0.0f;
        al_conv2d_repack(conv, al_param_data(t, idx), s->wr[i]);
        if (format == AL_DS2_FORMAT_AUTO || format == AL_DS2_FORMAT_CSR)
            st = al_sparse_from_dense(AL_SPARSE_CSR, 1, s->wr[i], mb, rows, cols, &csr);
        if (st == AL_OK && (format == AL_DS2_FORMAT_AUTO || format == AL_DS2_FORMAT_BSR8))
            st = al_sparse_from_dense(AL_SPARSE_BSR, BSR_K, s->wr[i], mb, rows, cols, &bsr);
    }
    if (st == AL_OK && format == AL_DS2_FORMAT_AUTO) {
        double t_csr = al_sparse_density(csr) / CROSSOVER_CSR, t_bsr = al_sparse_density(bsr) / CROSSOVER_BSR;
        format = t_csr < 1.0 && t_csr <= t_bsr ? AL_DS2_FORMAT_CSR : t_bsr < 1.0 ? AL_DS2_FORMAT_BSR8 : AL_DS2_FORMAT_DENSE;
    }
    if (st == AL_OK && format != AL_DS2_FORMAT_DENSE) {
        al_sparse **keep = format == AL_DS2_FORMAT_CSR ? &csr : &bsr;
        s->conv[i] = *keep;
        *keep = NULL;
        size_t ws = al_conv2d_backward_sparse_ws(conv, s->conv[i]);
        if (!(s->ws[i] = al_malloc(sizeof(float) * ws)))
            st = al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory for %zu floats of conv scratch", ws);
    }
    if (st == AL_OK) {
        r->rows = rows;
        r->cols = cols;
        r->n = conv->cfg.tile;
        r->kept = (double)kept / (double)p->numel;
        r->stored = s->conv[i] ? al_sparse_density(s->conv[i]) : 1.0;
        r->format = format;
    }
    al_sparse_free(csr);
    al_sparse_free(bsr);
    al_free(mf);
    al_free(mr);
    free(mb);
    return st;
}

al_status al_ds2_sparse_train(al_ds2 *m, const uint8_t *mask, al_ds2_format format, al_ds2_sparse_report *r) {
    if (!mask) return al_error(AL_ERR_INVALID, "ds2 sparse train: a mask is required");
    if (format < AL_DS2_FORMAT_AUTO || format > AL_DS2_FORMAT_BSR8)
        return al_error(AL_ERR_INVALID, "ds2 sparse train: unknown format %d", (int)format);
    al_ds2_sparse_report local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    al_ds2_strain *s = calloc(1, sizeof *s);
    al_status st = s ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory");
    for (int i = 0; st == AL_OK && i < 2; i++) st = build_conv(m, i, mask, format, &r->w[r->n++], s);
    if (st != AL_OK) { /* the model keeps what it had */
        al_ds2_strain_free(s);
        return st;
    }
    al_ds2_sparse_train_off(m);
    if (!s->conv[0] && !s->conv[1]) al_ds2_strain_free(s); /* every conv trains faster dense */
    else *al_ds2_strain_slot(m) = s;
    return AL_OK;
}

al_status al_ds2_sparse_refresh(al_ds2 *m) {
    al_ds2_strain *s = *al_ds2_strain_slot(m);
    al_status st = AL_OK;
    for (int i = 0; s && st == AL_OK && i < 2; i++) {
        if (!s->conv[i]) continue;
        /* masked weights are exactly 0 (the optimizer's invariant), so the stored-but-pruned
         * values of a BSR block stay 0 */
        al_conv2d_repack(al_ds2_conv_layer(m, i), al_param_data(al_ds2_params(m), s->idx[i]), s->wr[i]);
        st = al_sparse_refresh(s->conv[i], s->wr[i]);
    }
    return st;
}
