/* DS2 sparse inference weights: per weight the fastest of dense sgemm, CSR and BSR 8 x 1, built
 * from the mask (see "sparse inference" in audiolottery/ds2.h). */
#include <stdlib.h>
#include <string.h>

#include "model/ds2_sparse.h"

/* Crossover densities: below (stored values / dense size) = crossover a format beats dense sgemm
 * on one thread, and its time scales about linearly with the stored values, so a format's time
 * relative to dense is stored / crossover. Measured 2026-11-26 (kernels with the vector batch-1
 * BSR row and the transpose-free BSR X W^T) with
 *   build-sinfer/bench_sparse 1024 1312 7; bench_sparse 1024 256 7; bench_sparse 352 672 7
 * (ds2-small's W_ih of layer 0, W_hh, conv2's repacked weights; the other core busy), the median
 * over the three shapes of the crossover_* lines: narrow products (n < 8: n matrix-vector products)
 * from the xt n = 1 lines (CSR 0.143 / 0.053 / 0.121, BSR 0.831 / 0.890 / 0.830), wide ones from
 * the n = 64 lines (CSR 0.45-0.56; BSR 1.00 for W X, every block kept, and 0.91-0.955 for X W^T). */
static const double CROSSOVER[2][2] = {
    /* CSR, BSR 8 x 1 */
    {0.12, 0.83}, /* narrow: n < 8 */
    {0.50, 0.95}, /* wide */
};

struct al_ds2_sparse {
    int L;
    al_sparse *conv[2];    /* NULL: dense */
    al_sparse *(*ih)[2];   /* (L, 2 directions) */
    al_sparse *(*hh)[2];   /* (L, 2 directions) */
    al_lstm_sparse *lstm;  /* (L) views of ih, hh plus the shared scratch */
    float *ws[2];          /* per direction, ws_floats each (layers run one after the other) */
};

const char *al_ds2_format_name(al_ds2_format f) {
    switch (f) {
    case AL_DS2_FORMAT_AUTO: return "auto";
    case AL_DS2_FORMAT_DENSE: return "dense";
    case AL_DS2_FORMAT_CSR: return "csr";
    case AL_DS2_FORMAT_BSR8: return "bsr8x1";
    }
    return "?";
}

const al_sparse *al_ds2_sparse_conv(const al_ds2_sparse *s, int i) { return s ? s->conv[i] : NULL; }
const al_lstm_sparse *al_ds2_sparse_lstm(const al_ds2_sparse *s, int k) { return s ? &s->lstm[k] : NULL; }

void al_ds2_sparse_free(al_ds2_sparse *s) {
    if (!s) return;
    for (int i = 0; i < 2; i++) {
        al_sparse_free(s->conv[i]);
        al_free(s->ws[i]);
    }
    for (int k = 0; k < s->L; k++)
        for (int d = 0; d < 2; d++) {
            if (s->ih) al_sparse_free(s->ih[k][d]);
            if (s->hh) al_sparse_free(s->hh[k][d]);
        }
    free(s->ih);
    free(s->hh);
    free(s->lstm);
    free(s);
}

void al_ds2_densify(al_ds2 *m) {
    al_ds2_sparse **slot = al_ds2_sparse_slot(m);
    al_ds2_sparse_free(*slot);
    *slot = NULL;
}

/* The matrix W (rows, cols) with mask (NULL: nonzeros) in the given format, or the fastest one for
 * products n wide (format AUTO); *out NULL when dense wins. Fills the report entry's shape, format
 * and stored. */
static al_status choose(const float *w, const uint8_t *mask, int rows, int cols, int n, al_ds2_format format,
                        al_ds2_sparse_weight *r, al_sparse **out) {
    al_status st = al_ds2_pick_format(w, mask, rows, cols, format, CROSSOVER[n >= AL_SPARSE_XT_TILED_MIN_N], out,
                                      &r->format);
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

static al_status find(const al_param_table *t, const char *name, int *idx) {
    *idx = al_param_find(t, name);
    return *idx < 0 ? al_error(AL_ERR_INVALID, "ds2 sparsify: no parameter '%s'", name) : AL_OK;
}

/* conv i's weights in the repacked layout its forward multiplies by (see al_conv2d_repack). */
static al_status sparsify_conv(al_ds2 *m, int i, const uint8_t *mask, al_ds2_format format, al_ds2_sparse_weight *r,
                               al_sparse **out) {
    const al_param_table *t = al_ds2_params(m);
    const al_conv2d *conv = al_ds2_conv_layer(m, i);
    int idx;
    snprintf(r->name, sizeof r->name, "conv.seq_module.%d.weight", i ? 3 : 0);
    al_status st = find(t, r->name, &idx);
    if (st != AL_OK) return st;
    const al_param *p = &t->params[idx];
    const int rows = conv->kws * conv->cfg.c_out, cols = conv->kr;
    const float *w = al_param_data(t, idx);
    float *wr = al_malloc(sizeof(float) * (size_t)rows * cols); /* (rows, cols) repacked weights */
    uint8_t *mb = malloc((size_t)rows * cols);                  /* (rows, cols) repacked mask */
    if (!wr || !mb) st = al_error(AL_ERR_NOMEM, "ds2 sparsify: out of memory for %s", r->name);
    if (st == AL_OK) st = al_ds2_conv_mask_repacked(conv, w, mask ? mask + p->offset : NULL, p->numel, mb);
    if (st == AL_OK) {
        al_conv2d_repack(conv, w, wr);
        r->kept = kept_share(t, idx, mask);
        /* a tile is hundreds of columns wide (al_conv2d's auto tile) */
        st = choose(wr, mb, rows, cols, conv->cfg.tile, format, r, out);
    }
    al_free(wr);
    free(mb);
    return st;
}

/* W_ih (product n = T x N frames) or W_hh (n = the batch rows still running, down to 1). */
static al_status sparsify_lstm_weight(al_ds2 *m, int k, int d, int hh, const uint8_t *mask, al_ds2_format format,
                                      al_ds2_sparse_weight *r, al_sparse **out) {
    const al_param_table *t = al_ds2_params(m);
    const al_lstm_cache *c = al_ds2_lstm_layer(m, k);
    int idx;
    snprintf(r->name, sizeof r->name, "rnns.%d.rnn.weight_%s_l0%s", k, hh ? "hh" : "ih", d ? "_reverse" : "");
    al_status st = find(t, r->name, &idx);
    if (st != AL_OK) return st;
    const al_param *p = &t->params[idx];
    r->kept = kept_share(t, idx, mask);
    /* W_hh is chosen for the narrowest product it runs (one utterance left): a format that wins
     * there also wins on wider ones, the crossovers growing with n */
    return choose(al_param_data(t, idx), mask ? mask + p->offset : NULL, (int)p->shape[0], (int)p->shape[1],
                  hh ? 1 : c->t_max * c->n_max, format, r, out);
}

static al_status build(al_ds2 *m, const uint8_t *mask, al_ds2_format format, al_ds2_sparse_report *r,
                       al_ds2_sparse *s) {
    const int L = s->L;
    int w = 0;
    al_status st = AL_OK;
    for (int i = 0; st == AL_OK && i < 2; i++) st = sparsify_conv(m, i, mask, format, &r->w[w++], &s->conv[i]);
    size_t ws_floats = 0;
    for (int k = 0; st == AL_OK && k < L; k++)
        for (int d = 0; st == AL_OK && d < 2; d++) {
            st = sparsify_lstm_weight(m, k, d, 0, mask, format, &r->w[w++], &s->ih[k][d]);
            if (st == AL_OK) st = sparsify_lstm_weight(m, k, d, 1, mask, format, &r->w[w++], &s->hh[k][d]);
            if (st != AL_OK) break;
            size_t need = al_lstm_sparse_scratch(al_ds2_lstm_layer(m, k), s->ih[k][d], s->hh[k][d]);
            if (need > ws_floats) ws_floats = need;
        }
    r->n = w;
    for (int d = 0; st == AL_OK && d < 2 && ws_floats; d++)
        if (!(s->ws[d] = al_malloc(sizeof(float) * ws_floats)))
            st = al_error(AL_ERR_NOMEM, "ds2 sparsify: out of memory for %zu floats of LSTM scratch", ws_floats);
    for (int k = 0; st == AL_OK && k < L; k++) {
        al_lstm_sparse *ls = &s->lstm[k];
        for (int d = 0; d < 2; d++) {
            ls->w_ih[d] = s->ih[k][d];
            ls->w_hh[d] = s->hh[k][d];
            ls->ws[d] = s->ws[d];
        }
        ls->ws_floats = ws_floats;
    }
    return st;
}

al_status al_ds2_sparsify(al_ds2 *m, const uint8_t *mask, al_ds2_format format, al_ds2_sparse_report *r) {
    const int L = al_ds2_cfg(m)->hidden_layers;
    if (2 + 4 * L > AL_DS2_SPARSE_MAX)
        return al_error(AL_ERR_INVALID, "ds2 sparsify: %d LSTM layers exceed the report's %d weights", L,
                        AL_DS2_SPARSE_MAX);
    if (format < AL_DS2_FORMAT_AUTO || format > AL_DS2_FORMAT_BSR8)
        return al_error(AL_ERR_INVALID, "ds2 sparsify: unknown format %d", (int)format);
    al_ds2_sparse_report local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    al_ds2_sparse *s = calloc(1, sizeof *s);
    if (s) {
        s->L = L;
        s->ih = calloc(L, sizeof *s->ih);
        s->hh = calloc(L, sizeof *s->hh);
        s->lstm = calloc(L, sizeof *s->lstm);
    }
    al_status st = s && s->ih && s->hh && s->lstm ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparsify: out of memory");
    if (st == AL_OK) st = build(m, mask, format, r, s);
    if (st != AL_OK) {
        al_ds2_sparse_free(s);
        return st;
    }
    al_ds2_densify(m);
    *al_ds2_sparse_slot(m) = s;
    return AL_OK;
}
