/* DS2 sparse inference weights: per weight the fastest of dense sgemm, CSR and BSR 8 x 1, built
 * from the mask (see "sparse inference" in audiolottery/ds2.h). The matrices belong to the
 * weights; each state binds its own LSTM scratch to them (al_ds2_state_sparse_lstm). */
#include <stdlib.h>
#include <string.h>

#include "infer/weight_format.h"
#include "model/ds2/ds2_internal.h"

struct al_ds2_sparse {
    int L;
    al_sparse *conv[2];    /* NULL: dense */
    al_sparse *(*ih)[2];   /* (L, 2 directions) */
    al_sparse *(*hh)[2];   /* (L, 2 directions) */
};

const al_sparse *al_ds2_sparse_conv(const al_ds2_sparse *s, int i) { return s ? s->conv[i] : NULL; }

void al_ds2_sparse_free(al_ds2_sparse *s) {
    if (!s) return;
    for (int i = 0; i < 2; i++) al_sparse_free(s->conv[i]);
    for (int k = 0; k < s->L; k++)
        for (int d = 0; d < 2; d++) {
            if (s->ih) al_sparse_free(s->ih[k][d]);
            if (s->hh) al_sparse_free(s->hh[k][d]);
        }
    free(s->ih);
    free(s->hh);
    free(s);
}

void al_ds2_weights_densify(al_ds2_weights *w) {
    al_ds2_sparse_free(w->sparse);
    w->sparse = NULL;
    w->sparse_gen++;
}

/* The matrix W (rows, cols) with mask (NULL: nonzeros) in the given format, or the fastest one for
 * products n wide (format AUTO); *out NULL when dense wins. Fills the report entry's shape, format
 * and stored. */
static al_status choose(const float *w, const uint8_t *mask, int rows, int cols, int n, al_weight_format format,
                        al_weight_choice *r, al_sparse **out) {
    al_status st = al_weight_format_pick(w, mask, rows, cols, format, al_infer_crossover(n), out, &r->format);
    if (st != AL_OK) return st;
    r->rows = rows;
    r->cols = cols;
    r->n = n;
    r->stored = *out ? al_sparse_density(*out) : 1.0;
    return AL_OK;
}

/* Kept share of the tensor at param index idx. */
static double kept_share(const al_param_table *t, int idx, const uint8_t *mask) {
    const al_param *p = &t->params[idx];
    const float *w = al_param_data(t, idx);
    size_t kept = 0;
    for (size_t i = 0; i < p->numel; i++) kept += mask ? mask[p->offset + i] != 0 : w[i] != 0.0f;
    return (double)kept / (double)p->numel;
}

static void name_entry(const al_param_table *t, int idx, al_weight_choice *r) {
    r->param = idx;
    snprintf(r->name, sizeof r->name, "%s", t->params[idx].name);
}

/* conv i's weights in the repacked layout its forward multiplies by (see al_conv2d_repack). */
static al_status sparsify_conv(const al_ds2_weights *w, int i, const uint8_t *mask, al_weight_format format,
                               al_weight_choice *r, al_sparse **out) {
    const al_param_table *t = &w->t;
    const int idx = w->conv_w[i];
    name_entry(t, idx, r);
    al_conv2d_cfg cc;
    al_ds2_conv_cfg(&w->cfg, i, &cc);
    al_conv2d conv; /* the layer's geometry: repacked shape and tile width */
    al_status st = al_conv2d_init(&conv, &cc);
    if (st != AL_OK) return st;
    const al_param *p = &t->params[idx];
    const int rows = conv.kws * conv.cfg.c_out, cols = conv.kr;
    const float *wt = al_param_data(t, idx);
    float *wr = al_malloc(sizeof(float) * (size_t)rows * cols); /* (rows, cols) repacked weights */
    uint8_t *mb = malloc((size_t)rows * cols);                  /* (rows, cols) repacked mask */
    if (!wr || !mb) st = al_error(AL_ERR_NOMEM, "ds2 sparsify: out of memory for %s", r->name);
    if (st == AL_OK) st = al_conv2d_mask_repacked(&conv, wt, mask ? mask + p->offset : NULL, p->numel, mb);
    if (st == AL_OK) {
        al_conv2d_repack(&conv, wt, wr);
        r->kept = kept_share(t, idx, mask);
        /* a tile is hundreds of columns wide (al_conv2d's auto tile) */
        st = choose(wr, mb, rows, cols, conv.cfg.tile, format, r, out);
    }
    al_free(wr);
    free(mb);
    al_conv2d_free(&conv);
    return st;
}

/* W_ih (product n = T x N frames) or W_hh (n = the batch rows still running, down to 1). */
static al_status sparsify_lstm_weight(const al_ds2_weights *w, int idx, int hh, int wide, const uint8_t *mask,
                                      al_weight_format format, al_weight_choice *r, al_sparse **out) {
    const al_param_table *t = &w->t;
    const al_param *p = &t->params[idx];
    name_entry(t, idx, r);
    r->kept = kept_share(t, idx, mask);
    /* W_hh is chosen for the narrowest product it runs (one utterance left): a format that wins
     * there also wins on wider ones, the crossovers growing with n */
    return choose(al_param_data(t, idx), mask ? mask + p->offset : NULL, (int)p->shape[0], (int)p->shape[1],
                  hh ? 1 : wide, format, r, out);
}

al_status al_ds2_weights_sparsify(al_ds2_weights *w, const uint8_t *mask, al_weight_format format, int max_batch,
                                  int max_frames, al_sparse_report *r) {
    const int L = w->cfg.hidden_layers;
    if (2 + 4 * L > AL_SPARSE_REPORT_MAX)
        return al_error(AL_ERR_INVALID, "ds2 sparsify: %d LSTM layers exceed the report's %d weights", L,
                        AL_SPARSE_REPORT_MAX);
    al_status st = al_weight_format_check(format, "ds2 sparsify");
    if (st != AL_OK) return st;
    if (max_batch < 1 || max_frames < 1) return al_error(AL_ERR_INVALID, "ds2 sparsify: bad batch/frame capacity");
    al_sparse_report local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    al_ds2_sparse *s = calloc(1, sizeof *s);
    if (s) {
        s->L = L;
        s->ih = calloc(L, sizeof *s->ih);
        s->hh = calloc(L, sizeof *s->hh);
    }
    st = s && s->ih && s->hh ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparsify: out of memory");
    const int wide = al_ds2_output_length(max_frames) * max_batch; /* an LSTM input projection's frames */
    for (int i = 0; st == AL_OK && i < 2; i++) st = sparsify_conv(w, i, mask, format, &r->w[r->n++], &s->conv[i]);
    for (int k = 0; st == AL_OK && k < L; k++)
        for (int d = 0; st == AL_OK && d < 2; d++) {
            const al_ds2_lstm_params *p = &w->rnn[k][d];
            st = sparsify_lstm_weight(w, p->w_ih, 0, wide, mask, format, &r->w[r->n++], &s->ih[k][d]);
            if (st == AL_OK) st = sparsify_lstm_weight(w, p->w_hh, 1, wide, mask, format, &r->w[r->n++], &s->hh[k][d]);
        }
    if (st != AL_OK) {
        al_ds2_sparse_free(s);
        return st;
    }
    al_ds2_weights_densify(w);
    w->sparse = s;
    return AL_OK;
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

/* Views of the weights' matrices with this state's scratch (per direction, the layers run one
 * after the other), sized for this state's capacity. */
static al_status bind(al_ds2_state *s) {
    const al_ds2_sparse *sp = s->w->sparse;
    const int L = s->w->cfg.hidden_layers;
    al_ds2_state_sparse_unbind(s);
    s->bound_gen = s->w->sparse_gen;
    if (!sp) return AL_OK;
    size_t ws_floats = 0;
    for (int k = 0; k < L; k++)
        for (int d = 0; d < 2; d++) {
            size_t need = al_lstm_sparse_scratch(&s->lstm[k], sp->ih[k][d], sp->hh[k][d]);
            if (need > ws_floats) ws_floats = need;
        }
    s->lsp = calloc(L, sizeof *s->lsp);
    int ok = s->lsp != NULL;
    for (int d = 0; ok && d < 2 && ws_floats; d++) ok = (s->sws[d] = al_malloc(sizeof(float) * ws_floats)) != NULL;
    if (!ok) {
        al_ds2_state_sparse_unbind(s);
        s->bound_gen = s->w->sparse_gen - 1;
        return al_error(AL_ERR_NOMEM, "ds2: out of memory for %zu floats of sparse LSTM scratch", ws_floats);
    }
    s->sws_floats = ws_floats;
    for (int k = 0; k < L; k++) {
        al_lstm_sparse *ls = &s->lsp[k];
        for (int d = 0; d < 2; d++) {
            ls->w_ih[d] = sp->ih[k][d];
            ls->w_hh[d] = sp->hh[k][d];
            ls->ws[d] = s->sws[d];
        }
        ls->ws_floats = ws_floats;
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
