/* DS2 sparse training weights: the conv and LSTM weights whose fixed mask makes a sparse format
 * faster for a whole training step (forward, input gradient, weight gradient) than sgemm, kept in
 * step with the parameter table by al_ds2_sparse_refresh (see "sparse training" in
 * audiolottery/ds2.h). */
#include <stdlib.h>
#include <string.h>

#include "audiolottery/sparse_train.h"
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
    al_sparse_weights *set;     /* the conv (repacked) and LSTM matrices; NULL entries: dense */
    const al_sparse *conv[2];   /* views into set; NULL: dense */
    float *ws[2];               /* conv backward workspace */
    int L;
    al_lstm_sparse_train *lstm; /* (L) views of set plus the shared buffers below */
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
    al_sparse_weights_free(s->set);
    for (int i = 0; i < 2; i++) {
        al_free(s->ws[i]);
        al_free(s->fws[i]);
        al_free(s->bws[i].buf);
    }
    free(s->lstm);
    free(s->lstm_sparse);
    al_free(s->dval);
    free(s);
}

void al_ds2_state_sparse_train_off(al_ds2_state *ds) {
    al_ds2_strain_free(ds->strain);
    ds->strain = NULL;
}

/* The training products: the convs' repacked weights over a tile, then per layer and direction
 * W_ih (n = T x N frames) and W_hh (the recurrent products run on the batch rows still running;
 * dW_hh is wide). p holds 2 + 4 L entries. */
static int declare_products(al_ds2_state *ds, al_weight_product *p) {
    const al_ds2_weights *w = ds->w;
    int n = 0;
    for (int i = 0; i < 2; i++) {
        const al_conv2d *conv = &ds->conv[i];
        p[n++] = (al_weight_product){.param = w->conv_w[i], .rows = conv->kws * conv->cfg.c_out, .cols = conv->kr,
                                     .n = conv->cfg.tile, .crossover = CONV_CROSSOVER, .repack = al_ds2_conv_repack,
                                     .ctx = conv};
    }
    for (int k = 0; k < w->cfg.hidden_layers; k++)
        for (int d = 0; d < 2; d++)
            for (int hh = 0; hh < 2; hh++) {
                const int idx = hh ? w->rnn[k][d].w_hh : w->rnn[k][d].w_ih;
                const al_param *e = &w->t.params[idx];
                const al_lstm_cache *c = &ds->lstm[k];
                p[n++] = (al_weight_product){.param = idx, .rows = (int)e->shape[0], .cols = (int)e->shape[1],
                                             .n = hh ? c->n_max : c->t_max * c->n_max,
                                             .crossover = LSTM_CROSSOVER[hh]};
            }
    return n;
}

/* The convs' backward workspaces. */
static al_status conv_workspaces(al_ds2_state *ds, al_ds2_strain *s) {
    for (int i = 0; i < 2; i++) {
        s->conv[i] = al_sparse_weights_find(s->set, ds->w->conv_w[i]);
        if (!s->conv[i]) continue;
        size_t ws = al_conv2d_backward_sparse_ws(&ds->conv[i], s->conv[i]);
        if (!(s->ws[i] = al_malloc(sizeof(float) * ws)))
            return al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory for %zu floats of conv scratch", ws);
    }
    return AL_OK;
}

/* The LSTM layers' views of the set, then the buffers they share: per direction the forward
 * scratch and the backward workspace (the two directions' recurrences may run side by side, the
 * layers run one after the other), one dval for the largest matrix. */
static al_status lstm_workspaces(al_ds2_state *ds, al_ds2_strain *s) {
    const al_ds2_weights *w = ds->w;
    size_t fws = 0, bws = 0, dval = 0;
    for (int k = 0; k < s->L; k++)
        for (int d = 0; d < 2; d++) {
            al_lstm_sparse *f = &s->lstm[k].fwd;
            f->w_ih[d] = al_sparse_weights_find(s->set, w->rnn[k][d].w_ih);
            f->w_hh[d] = al_sparse_weights_find(s->set, w->rnn[k][d].w_hh);
            for (int hh = 0; hh < 2; hh++) {
                const al_sparse *sm = hh ? f->w_hh[d] : f->w_ih[d];
                if (!sm) continue;
                s->lstm_sparse[k] = 1;
                size_t need = al_sparse_ws_bytes(sm, 0);
                if (need > bws) bws = need;
                if ((size_t)sm->n_blocks * sm->k > dval) dval = (size_t)sm->n_blocks * sm->k;
            }
            size_t need = al_lstm_sparse_scratch(&ds->lstm[k], f->w_ih[d], f->w_hh[d]);
            if (need > fws) fws = need;
        }
    for (int d = 0; d < 2; d++) {
        int ok = (!fws || (s->fws[d] = al_malloc(sizeof(float) * fws))) && (!bws || (s->bws[d].buf = al_malloc(bws)));
        s->bws[d].bytes = bws;
        if (!ok) return al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory for the LSTM workspaces");
    }
    if (dval && !(s->dval = al_malloc(sizeof(float) * dval)))
        return al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory for %zu floats of LSTM gradients", dval);
    for (int k = 0; k < s->L; k++) {
        al_lstm_sparse_train *ls = &s->lstm[k];
        for (int d = 0; d < 2; d++) {
            ls->fwd.ws[d] = s->fws[d];
            ls->ws[d] = s->bws[d];
        }
        ls->fwd.ws_floats = fws;
        ls->dval = s->dval;
        ls->dval_floats = dval;
    }
    return AL_OK;
}

al_status al_ds2_state_sparse_train(al_ds2_state *ds, const uint8_t *mask, al_weight_format format,
                                    al_sparse_report *r) {
    if (!mask) return al_error(AL_ERR_INVALID, "ds2 sparse train: a mask is required");
    const int L = ds->w->cfg.hidden_layers;
    al_ds2_strain *s = calloc(1, sizeof *s);
    al_weight_product *p = calloc(2 + 4 * L, sizeof *p);
    if (s) {
        s->L = L;
        s->lstm = calloc(L, sizeof *s->lstm);
        s->lstm_sparse = calloc(L, sizeof *s->lstm_sparse);
    }
    al_status st = s && p && s->lstm && s->lstm_sparse ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparse train: out of memory");
    if (st == AL_OK) st = al_sparse_weights_new(&ds->w->t, mask, p, declare_products(ds, p), format, r, &s->set);
    free(p);
    if (st == AL_OK && s->set) st = conv_workspaces(ds, s);
    if (st == AL_OK && s->set) st = lstm_workspaces(ds, s);
    if (st != AL_OK) { /* the model keeps what it had */
        al_ds2_strain_free(s);
        return al_error_prefix(st, "ds2 sparse train: ");
    }
    al_ds2_state_sparse_train_off(ds);
    if (!s->set) al_ds2_strain_free(s); /* every weight trains faster dense */
    else ds->strain = s;
    return AL_OK;
}

al_status al_ds2_state_sparse_refresh(al_ds2_state *ds) {
    return ds->strain ? al_sparse_weights_refresh(ds->strain->set, &ds->w->t) : AL_OK;
}
