/* Conformer-CTC sparse inference and training: every prunable weight (feed-forward, attention in and
 * out projections, pointwise convolutions, subsampling.out, head) declared as a product X W^T over the
 * batch's frames; src/model/sparse_weights.c picks each one's format and builds the matrices (eval-mode
 * ones in the weights, training ones in a state). The attention takes its projections' matrices
 * through al_mhsa_use_sparse. */
#include <stdlib.h>
#include <string.h>

#include "model/conformer/conformer_internal.h"
#include "audiolottery/sparse_train.h"
#include "infer/weight_format.h"
#include "nn/linear.h"

void al_conformer_densify(al_conformer_weights *w) {
    al_sparse_weights_free(w->sparse);
    w->sparse = NULL;
}

/* The products of the prunable weights, `frames` rows wide, with crossovers
 * `cross` (NULL: the eval-mode ones), into *out. */
static al_status build(const al_conformer_weights *w, const uint8_t *mask, al_weight_format format, int frames,
                       const double *cross, al_sparse_report *r, al_sparse_weights **out) {
    const al_param_table *t = &w->t;
    al_weight_product *p = calloc(t->n, sizeof *p);
    if (!p) return al_error(AL_ERR_NOMEM, "conformer sparsify: out of memory");
    int n = 0;
    for (int i = 0; i < t->n; i++) {
        const al_param *e = &t->params[i];
        if (!(e->flags & AL_PARAM_PRUNABLE)) continue;
        p[n++] = (al_weight_product){.param = i, .rows = (int)e->shape[0], .cols = (int)(e->numel / e->shape[0]),
                                     .n = frames, .crossover = cross};
    }
    al_status st = al_sparse_weights_new(t, mask, p, n, format, r, out);
    free(p);
    return st;
}

al_status al_conformer_sparsify(al_conformer_weights *w, const uint8_t *mask, al_weight_format format, int max_batch,
                                int max_frames, al_sparse_report *r) {
    const int frames = max_batch * al_conformer_output_length(max_frames); /* rows of every product */
    if (frames < 1)
        return al_error(AL_ERR_INVALID, "conformer sparsify: capacity %d x %d frames", max_batch, max_frames);
    al_sparse_weights *s = NULL;
    al_status st = build(w, mask, format, frames, NULL, r, &s);
    if (st != AL_OK) return al_error_prefix(st, "conformer sparsify: ");
    al_conformer_densify(w);
    w->sparse = s;
    return AL_OK;
}

void al_conformer_sparse_train_off(al_conformer_state *s) {
    al_sparse_weights_free(s->strain);
    s->strain = NULL;
    al_free(s->ws.buf);
    al_free(s->dval);
    s->ws = (al_sparse_ws){0};
    s->dval = NULL;
}

/* The backward's scratch: a workspace for every matrix's X W^T kernels and one dval for the largest. */
static al_status scratch(al_conformer_state *s) {
    size_t bytes = 0, dval = 0;
    for (int i = 0; i < s->w->t.n; i++) {
        const al_sparse *m = al_sparse_weights_find(s->strain, i);
        if (!m) continue;
        size_t need = al_sparse_ws_bytes(m, 0);
        bytes = need > bytes ? need : bytes;
        dval = (size_t)m->n_blocks * m->k > dval ? (size_t)m->n_blocks * m->k : dval;
    }
    s->ws.bytes = bytes;
    if ((bytes && !(s->ws.buf = al_malloc(bytes))) || (dval && !(s->dval = al_malloc(sizeof(float) * dval))))
        return al_error(AL_ERR_NOMEM, "conformer sparse train: out of memory for the workspaces");
    return AL_OK;
}

al_status al_conformer_sparse_train(al_conformer_state *s, const uint8_t *mask, al_weight_format format,
                                    al_sparse_report *r) {
    if (!mask) return al_error(AL_ERR_INVALID, "conformer sparse train: a mask is required");
    al_conformer_state next = *s; /* built apart, so that a failure leaves the state as it was */
    next.strain = NULL, next.ws = (al_sparse_ws){0}, next.dval = NULL;
    al_status st = build(s->w, mask, format, s->max_rows, AL_TRAIN_CROSSOVER_XT, r, &next.strain);
    if (st == AL_OK && next.strain) st = scratch(&next);
    if (st != AL_OK) {
        al_conformer_sparse_train_off(&next);
        return al_error_prefix(st, "conformer sparse train: ");
    }
    al_conformer_sparse_train_off(s);
    s->strain = next.strain, s->ws = next.ws, s->dval = next.dval;
    return AL_OK;
}

al_status al_conformer_sparse_refresh(al_conformer_state *s) {
    return s->strain ? al_sparse_weights_refresh(s->strain, &s->w->t) : AL_OK;
}

al_status al_conformer_linear_backward(al_conformer_state *s, float *dx, int param, int bias, const float *dy,
                                       const float *x, int rows, int in, int out) {
    const al_param_table *t = &s->w->t;
    const al_sparse *m = al_sparse_weights_find(s->strain, param);
    float *db = bias >= 0 ? al_param_grad(t, bias) : NULL;
    if (!m)
        return al_linear_backward(dx, al_param_grad(t, param), db, dy, x, al_param_data(t, param), rows, in, out);
    al_status st = dx ? al_sparse_mm_xt_t(m, dy, rows, 1.0f, dx, &s->ws) : AL_OK;
    if (st == AL_OK) st = al_sparse_grad_w_xt(m, dy, x, rows, 0.0f, s->dval, &s->ws);
    if (st == AL_OK) st = al_sparse_scatter_grad(m, s->dval, al_param_grad(t, param));
    if (st == AL_OK && db) st = al_linear_backward(NULL, NULL, db, dy, x, al_param_data(t, param), rows, in, out);
    return st;
}

al_status al_conformer_linear(const al_conformer_weights *w, const al_sparse_weights *set, float *y, const float *x,
                              int param, int bias, int rows, int in, int out) {
    const al_sparse *m = al_sparse_weights_find(set, param);
    const float *b = bias >= 0 ? al_param_data(&w->t, bias) : NULL;
    if (!m) return al_linear_forward(y, x, al_param_data(&w->t, param), b, rows, in, out);
    al_status st = al_sparse_mm_xt(m, x, rows, 0.0f, y);
    if (st != AL_OK || !b) return st;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) y[(size_t)r * out + o] += b[o];
    return AL_OK;
}
