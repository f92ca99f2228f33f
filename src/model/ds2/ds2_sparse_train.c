/* DS2 sparse training weights: the conv and LSTM weights whose fixed mask makes a sparse format
 * faster for a whole training step (forward, input gradient, weight gradient) than sgemm, kept in
 * step with the parameter table by al_ds2_sparse_refresh (see "sparse training" in
 * audiolottery/ds2.h). */
#include <stdlib.h>
#include <string.h>

#include "audiolottery/sparse_train.h"
#include "infer/weight_format.h"
#include "model/ds2/ds2_internal.h"

/* Crossover stored densities of a conv's training step (forward W Z, dZ = W^T dY, dW at the stored
 * positions), the three products weighted equally as their dense costs are: below crossover a format
 * beats sgemm, its time relative to dense about stored / crossover. Measured 2026-11-26 on conv2's
 * repacked shape with a tile's width, one thread, other cores busy:
 *   build-sgrad/bench_sparse_grad 352 672 1024 3 1
 * CSR: mm_t 0.72x dense at 10.7%, 1.13x at 5%; grad_w 1.18x at 10.7%, 2.74x at 5%; with the forward's
 * crossover 0.50 (ds2_sparse.c) the step breaks even near 12% stored: 0.10 keeps a margin.
 * BSR 8 x 1: mm_t 0.93x at 50%, 4.05x at 10.7%; grad_w 0.70x at 50%, 3.22x at 10.7%; forward 1.0:
 * break-even near 50% stored, 0.45 with a margin. */
static const double CONV_CROSSOVER[2] = {0.10, 0.45}; /* CSR, BSR 8 x 1 */

/* LSTM crossovers of a weight's training step, the same model (three products of equal dense cost).
 * W_ih: forward X W^T, dX = dGates W_ih, dW_ih all over n = T x N rows. W_hh: forward h W_hh^T and
 * dh = dGates_t W_hh per step (n <= batch), dW_hh over all T x N rows. Measured 2026-11-26, one
 * thread, other cores busy, with
 *   build-lstm/bench_sparse_grad 1024 1312 4800 3 1; ... 1024 256 4800 3 1; ... 1024 256 16 20 1
 * (ds2-small's W_ih of layer 0 and W_hh; n = 4800 frames, 16 utterances), forwards from ds2_sparse.c's
 * wide crossovers (CSR 0.50, BSR 0.95: X W^T at n = 64, no figure at n = 16):
 *   W_ih CSR: mm_xt_t 1.27x dense at 20%, 2.51x at 10.7%; grad_w_xt 0.57x at 20%, 0.92x at 10.7%:
 *     step 0.57 of dense at 10.7%, 0.98 at 20%. BSR: mm_xt_t 1.05x at 50%, grad_w_xt 0.68x at 50%,
 *     1.29x at 20%: step 0.98 at 50%, 0.48 at 20%.
 *   W_hh CSR: mm_xt_t (n 16) 0.96x at 20%, 1.57x at 10.7%; grad_w_xt 0.71x at 20%, 1.18x at 10.7%:
 *     step 0.95 at 20%, 0.57 at 10.7%. BSR: mm_xt_t 1.59x at 50%, grad_w_xt 0.74x at 50%: step 0.84
 *     at 50%.
 * Break-even near 20% (CSR) and 50-60% (BSR); the values below keep a margin. */
static const double LSTM_CROSSOVER[2][2] = {
    /* CSR, BSR 8 x 1 */
    {0.15, 0.40}, /* W_ih */
    {0.15, 0.50}, /* W_hh */
};

struct al_ds2_strain {
    al_sparse *conv[2]; /* repacked (kws * c_out, kr); NULL: dense */
    int idx[2];         /* parameter index of each conv weight */
    float *wr[2];       /* (kws * c_out, kr) repacked weights for refresh */
    float *ws[2];       /* backward workspace */
    int L;
    al_sparse *(*lstm_w)[2][2]; /* (L, direction, ih / hh); NULL: dense */
    int (*lstm_idx)[2][2];      /* (L, direction, ih / hh) parameter index */
    al_lstm_sparse_train *lstm; /* (L) views of lstm_w plus the shared buffers below */
    int *lstm_sparse;           /* (L) 1 when some weight of layer k is sparse */
    float *fws[2];              /* per direction: forward scratch (layers run one after the other) */
    al_sparse_ws bws[2];        /* per direction: backward workspace */
    float *dval;                /* weight gradient at the stored positions, one matrix at a time */
};

const al_sparse *al_ds2_strain_conv(const al_ds2_strain *s, int i, float **ws) {
    if (!s || !s->conv[i]) return NULL;
    if (ws) *ws = s->ws[i];
    return s->conv[i];
}

const al_lstm_sparse_train *al_ds2_strain_lstm(const al_ds2_strain *s, int k) {
    return s && s->lstm_sparse[k] ? &s->lstm[k] : NULL;
}

void al_ds2_strain_free(al_ds2_strain *s) {
    if (!s) return;
    for (int i = 0; i < 2; i++) {
        al_sparse_free(s->conv[i]);
        al_free(s->wr[i]);
        al_free(s->ws[i]);
        al_free(s->fws[i]);
        al_free(s->bws[i].buf);
    }
    for (int k = 0; s->lstm_w && k < s->L; k++)
        for (int d = 0; d < 2; d++)
            for (int h = 0; h < 2; h++) al_sparse_free(s->lstm_w[k][d][h]);
    free(s->lstm_w);
    free(s->lstm_idx);
    free(s->lstm);
    free(s->lstm_sparse);
    al_free(s->dval);
    free(s);
}

void al_ds2_state_sparse_train_off(al_ds2_state *ds) {
    al_ds2_strain_free(ds->strain);
    ds->strain = NULL;
}

/* Conv i as its training matrix: s->conv[i] (NULL when dense wins or is forced), report entry r. */
static al_status build_conv(al_ds2_state *ds, int i, const uint8_t *mask, al_weight_format format, al_weight_choice *r,
                            al_ds2_strain *s) {
    const al_param_table *t = &ds->w->t;
    const al_conv2d *conv = &ds->conv[i];
    const int idx = s->idx[i] = ds->w->conv_w[i];
    r->param = idx;
    const al_param *p = &t->params[idx];
    snprintf(r->name, sizeof r->name, "%s", p->name);
    const int rows = conv->kws * conv->cfg.c_out, cols = conv->kr;
    const size_t n = (size_t)rows * cols;
    uint8_t *mb = malloc(n); /* (rows, cols) repacked mask */
    s->wr[i] = al_malloc(sizeof(float) * n);
    al_status st = mb && s->wr[i] ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory");
    const uint8_t *mk = mask + p->offset;
    size_t kept = 0;
    for (size_t j = 0; j < p->numel; j++) kept += mk[j] != 0;
    if (st == AL_OK) st = al_conv2d_mask_repacked(conv, al_param_data(t, idx), mk, p->numel, mb);
    if (st == AL_OK) {
        al_conv2d_repack(conv, al_param_data(t, idx), s->wr[i]);
        st = al_weight_format_pick(s->wr[i], mb, rows, cols, format, CONV_CROSSOVER, &s->conv[i], &format);
    }
    if (st == AL_OK && s->conv[i]) {
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
    free(mb);
    return st;
}

/* LSTM layer k, direction d, W_ih (hh 0) or W_hh (hh 1) as its training matrix:
 * s->lstm_w[k][d][hh] (NULL when dense wins or is forced), report entry r. */
static al_status build_lstm(al_ds2_state *ds, int k, int d, int hh, const uint8_t *mask, al_weight_format format,
                            al_weight_choice *r, al_ds2_strain *s) {
    const al_param_table *t = &ds->w->t;
    const al_lstm_cache *c = &ds->lstm[k];
    const int idx = s->lstm_idx[k][d][hh] = hh ? ds->w->rnn[k][d].w_hh : ds->w->rnn[k][d].w_ih;
    r->param = idx;
    const al_param *p = &t->params[idx];
    snprintf(r->name, sizeof r->name, "%s", p->name);
    const int rows = (int)p->shape[0], cols = (int)p->shape[1];
    const float *w = al_param_data(t, idx);
    const uint8_t *mk = mask + p->offset;
    size_t kept = 0;
    for (size_t j = 0; j < p->numel; j++) kept += mk[j] != 0;
    al_status st = al_weight_format_pick(w, mk, rows, cols, format, LSTM_CROSSOVER[hh], &s->lstm_w[k][d][hh], &format);
    if (st == AL_OK) {
        r->rows = rows;
        r->cols = cols;
        /* the recurrent products run on the batch rows still running; dW_hh is wide */
        r->n = hh ? c->n_max : c->t_max * c->n_max;
        r->kept = (double)kept / (double)p->numel;
        r->stored = s->lstm_w[k][d][hh] ? al_sparse_density(s->lstm_w[k][d][hh]) : 1.0;
        r->format = format;
    }
    return st;
}

/* Every LSTM layer's matrices (report entries from r->w[r->n] on), then the buffers they share:
 * per direction the forward scratch and the backward workspace (the two directions' recurrences
 * may run side by side, the layers run one after the other), one dval for the largest matrix. */
static al_status build_lstms(al_ds2_state *ds, const uint8_t *mask, al_weight_format format, al_sparse_report *r,
                             al_ds2_strain *s) {
    al_status st = AL_OK;
    size_t fws = 0, bws = 0, dval = 0;
    for (int k = 0; k < s->L; k++)
        for (int d = 0; d < 2; d++) {
            for (int hh = 0; hh < 2; hh++) {
                if (st == AL_OK) st = build_lstm(ds, k, d, hh, mask, format, &r->w[r->n++], s);
                const al_sparse *sm = s->lstm_w[k][d][hh];
                if (st != AL_OK || !sm) continue;
                s->lstm_sparse[k] = 1;
                size_t need = al_sparse_ws_bytes(sm, 0);
                if (need > bws) bws = need;
                if ((size_t)sm->n_blocks * sm->k > dval) dval = (size_t)sm->n_blocks * sm->k;
            }
            size_t need = al_lstm_sparse_scratch(&ds->lstm[k], s->lstm_w[k][d][0], s->lstm_w[k][d][1]);
            if (need > fws) fws = need;
        }
    for (int d = 0; st == AL_OK && d < 2; d++) {
        int ok = (!fws || (s->fws[d] = al_malloc(sizeof(float) * fws))) && (!bws || (s->bws[d].buf = al_malloc(bws)));
        s->bws[d].bytes = bws;
        if (!ok) st = al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory for the LSTM workspaces");
    }
    if (st == AL_OK && dval && !(s->dval = al_malloc(sizeof(float) * dval)))
        st = al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory for %zu floats of LSTM gradients", dval);
    for (int k = 0; st == AL_OK && k < s->L; k++) {
        al_lstm_sparse_train *ls = &s->lstm[k];
        for (int d = 0; d < 2; d++) {
            ls->fwd.w_ih[d] = s->lstm_w[k][d][0];
            ls->fwd.w_hh[d] = s->lstm_w[k][d][1];
            ls->fwd.ws[d] = s->fws[d];
            ls->ws[d] = s->bws[d];
        }
        ls->fwd.ws_floats = fws;
        ls->dval = s->dval;
        ls->dval_floats = dval;
    }
    return st;
}

al_status al_ds2_state_sparse_train(al_ds2_state *ds, const uint8_t *mask, al_weight_format format,
                                    al_sparse_report *r) {
    if (!mask) return al_error(AL_ERR_INVALID, "ds2 sparse train: a mask is required");
    if (format < AL_WEIGHT_FORMAT_AUTO || format > AL_WEIGHT_FORMAT_BSR8)
        return al_error(AL_ERR_INVALID, "ds2 sparse train: unknown format %d", (int)format);
    al_sparse_report local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    const int L = ds->w->cfg.hidden_layers;
    if (2 + 4 * L > AL_SPARSE_REPORT_MAX)
        return al_error(AL_ERR_INVALID, "ds2 sparse train: %d LSTM layers exceed the report's %d weights", L,
                        AL_SPARSE_REPORT_MAX);
    al_ds2_strain *s = calloc(1, sizeof *s);
    if (s) {
        s->L = L;
        s->lstm_w = calloc(L, sizeof *s->lstm_w);
        s->lstm_idx = calloc(L, sizeof *s->lstm_idx);
        s->lstm = calloc(L, sizeof *s->lstm);
        s->lstm_sparse = calloc(L, sizeof *s->lstm_sparse);
    }
    al_status st = s && s->lstm_w && s->lstm_idx && s->lstm && s->lstm_sparse
                       ? AL_OK
                       : al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory");
    for (int i = 0; st == AL_OK && i < 2; i++) st = build_conv(ds, i, mask, format, &r->w[r->n++], s);
    if (st == AL_OK) st = build_lstms(ds, mask, format, r, s);
    if (st != AL_OK) { /* the model keeps what it had */
        al_ds2_strain_free(s);
        return st;
    }
    al_ds2_state_sparse_train_off(ds);
    int any = s->conv[0] || s->conv[1];
    for (int k = 0; k < L; k++) any |= s->lstm_sparse[k];
    if (!any) al_ds2_strain_free(s); /* every weight trains faster dense */
    else ds->strain = s;
    return AL_OK;
}

al_status al_ds2_state_sparse_refresh(al_ds2_state *ds) {
    al_ds2_strain *s = ds->strain;
    al_status st = AL_OK;
    for (int i = 0; s && st == AL_OK && i < 2; i++) {
        if (!s->conv[i]) continue;
        /* masked weights are exactly 0 (the optimizer's invariant), so the stored-but-pruned
         * values of a BSR block stay 0 */
        al_conv2d_repack(&ds->conv[i], al_param_data(&ds->w->t, s->idx[i]), s->wr[i]);
        st = al_sparse_refresh(s->conv[i], s->wr[i]);
    }
    for (int k = 0; s && k < s->L; k++)
        for (int d = 0; d < 2; d++)
            for (int hh = 0; st == AL_OK && hh < 2; hh++)
                if (s->lstm_w[k][d][hh])
                    st = al_sparse_refresh(s->lstm_w[k][d][hh], al_param_data(&ds->w->t, s->lstm_idx[k][d][hh]));
    return st;
}
