/* DS2 sparse inference weights: per weight the fastest of dense sgemm, CSR and BSR 8 x 1, built
 * from the mask (see "sparse inference" in audiolottery/ds2.h). DS2 declares its products
 * (src/model/sparse_weights.c builds them); the matrices belong to the weights, and each state
 * binds its own LSTM scratch to them (al_ds2_state_sparse_lstm). */
#include <stdlib.h>
#include <string.h>

#include "model/ds2/ds2_internal.h"

void al_ds2_weights_densify(al_ds2_weights *w) {
    al_sparse_weights_free(w->sparse);
    w->sparse = NULL;
    w->sparse_gen++;
}

void al_ds2_conv_repack(const void *conv, const float *w, float *wr) { al_conv2d_repack(conv, w, wr); }

al_status al_ds2_weights_sparsify(al_ds2_weights *w, const uint8_t *mask, al_weight_format format, int max_batch,
                                  int max_frames, al_sparse_report *r) {
    const int L = w->cfg.hidden_layers;
    if (max_batch < 1 || max_frames < 1) return al_error(AL_ERR_INVALID, "ds2 sparsify: bad batch/frame capacity");
    al_conv2d conv[2]; /* the layers' geometry: repacked shape and tile width */
    memset(conv, 0, sizeof conv);
    al_weight_product *p = calloc(2 + 4 * L, sizeof *p);
    al_status st = p ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparsify: out of memory");
    for (int i = 0; st == AL_OK && i < 2; i++) {
        al_conv2d_cfg cc;
        al_ds2_conv_cfg(&w->cfg, i, &cc);
        st = al_conv2d_init(&conv[i], &cc);
        /* the conv multiplies repacked weights by tiles hundreds of columns wide (al_conv2d's auto tile) */
        p[i] = (al_weight_product){.param = w->conv_w[i], .rows = conv[i].kws * cc.c_out, .cols = conv[i].kr,
                                   .n = conv[i].cfg.tile, .repack = al_ds2_conv_repack, .ctx = &conv[i]};
    }
    const int wide = al_ds2_output_length(max_frames) * max_batch; /* an LSTM input projection's frames */
    int n = 2;
    for (int k = 0; k < L; k++)
        for (int d = 0; st == AL_OK && d < 2; d++) {
            const al_ds2_lstm_params *q = &w->rnn[k][d];
            const al_param *ih = &w->t.params[q->w_ih], *hh = &w->t.params[q->w_hh];
            p[n++] = (al_weight_product){.param = q->w_ih, .rows = (int)ih->shape[0], .cols = (int)ih->shape[1],
                                         .n = wide};
            /* W_hh is chosen for the narrowest product it runs (one utterance left): a format that
             * wins there also wins on wider ones, the crossovers growing with n */
            p[n++] = (al_weight_product){.param = q->w_hh, .rows = (int)hh->shape[0], .cols = (int)hh->shape[1],
                                         .n = 1};
        }
    al_sparse_weights *s = NULL;
    if (st == AL_OK) st = al_sparse_weights_new(&w->t, mask, p, n, format, r, &s);
    for (int i = 0; i < 2; i++) al_conv2d_free(&conv[i]);
    free(p);
    if (st != AL_OK) return al_error_prefix(st, "ds2 sparsify: ");
    al_ds2_weights_densify(w);
    w->sparse = s;
    return AL_OK;
}

const al_sparse *al_ds2_sparse_conv(const al_ds2_weights *w, int i) {
    return al_sparse_weights_find(w->sparse, w->conv_w[i]);
}

void al_ds2_state_sparse_unbind(al_ds2_state *s) {
    for (int d = 0; d < 2; d++) {
        al_free(s->sws[d]);
        s->sws[d] = NULL;
    }
    free(s->lsp);
    s->lsp = NULL;
    s->sws_floats = 0;
}

/* Views of the weights' LSTM matrices with this state's scratch (per direction; the layers run one
 * after the other), sized for this state's capacity. */
static al_status bind(al_ds2_state *s) {
    const al_ds2_weights *w = s->w;
    const int L = w->cfg.hidden_layers;
    al_ds2_state_sparse_unbind(s);
    s->bound_gen = w->sparse_gen;
    if (!w->sparse) return AL_OK;
    s->lsp = calloc(L, sizeof *s->lsp);
    if (!s->lsp) return al_error(AL_ERR_NOMEM, "ds2: out of memory");
    size_t ws_floats = 0;
    for (int k = 0; k < L; k++)
        for (int d = 0; d < 2; d++) {
            al_lstm_sparse *ls = &s->lsp[k];
            ls->w_ih[d] = al_sparse_weights_find(w->sparse, w->rnn[k][d].w_ih);
            ls->w_hh[d] = al_sparse_weights_find(w->sparse, w->rnn[k][d].w_hh);
            size_t need = al_lstm_sparse_scratch(&s->lstm[k], ls->w_ih[d], ls->w_hh[d]);
            if (need > ws_floats) ws_floats = need;
        }
    int ok = 1;
    for (int d = 0; ok && d < 2 && ws_floats; d++) ok = (s->sws[d] = al_malloc(sizeof(float) * ws_floats)) != NULL;
    if (!ok) {
        al_ds2_state_sparse_unbind(s);
        s->bound_gen = w->sparse_gen - 1; /* bind again next time */
        return al_error(AL_ERR_NOMEM, "ds2: out of memory for %zu floats of sparse LSTM scratch", ws_floats);
    }
    s->sws_floats = ws_floats;
    for (int k = 0; k < L; k++) {
        for (int d = 0; d < 2; d++) s->lsp[k].ws[d] = s->sws[d];
        s->lsp[k].ws_floats = ws_floats;
    }
    return AL_OK;
}

al_status al_ds2_state_sparse_lstm(al_ds2_state *s, int k, const al_lstm_sparse **out) {
    *out = NULL;
    if (s->bound_gen != s->w->sparse_gen) {
        al_status st = bind(s);
        if (st != AL_OK) return st;
    }
    if (s->w->sparse) *out = &s->lsp[k];
    return AL_OK;
}
