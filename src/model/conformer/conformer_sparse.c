/* Conformer-CTC sparse inference: the prunable weights of the feed-forward modules, the pointwise
 * convolutions, subsampling.out and the head declared as products X W^T over the batch's frames;
 * src/model/sparse_weights.c picks each one's format and builds the matrices. The attention's in and
 * out projections (a fifth of a layer's multiply-adds) still run dense inside al_mhsa. */
#include <stdlib.h>
#include <string.h>

#include "model/conformer/conformer_internal.h"
#include "nn/linear.h"

void al_conformer_densify(al_conformer_weights *w) {
    al_sparse_weights_free(w->sparse);
    w->sparse = NULL;
}

al_status al_conformer_sparsify(al_conformer_weights *w, const uint8_t *mask, al_weight_format format, int max_batch,
                                int max_frames, al_sparse_report *r) {
    const al_param_table *t = &w->t;
    const int frames = max_batch * al_conformer_output_length(max_frames); /* rows of every product */
    if (frames < 1) return al_error(AL_ERR_INVALID, "conformer sparsify: capacity %d x %d frames", max_batch, max_frames);
    al_weight_product *p = calloc(t->n, sizeof *p);
    if (!p) return al_error(AL_ERR_NOMEM, "conformer sparsify: out of memory");
    uint8_t *attention = calloc(t->n, 1); /* the attention projections run dense (inside al_mhsa) */
    for (int i = 0; attention && i < w->cfg.layers; i++) attention[w->layer[i].in_w] = attention[w->layer[i].out_w] = 1;
    int n = 0;
    for (int i = 0; attention && i < t->n; i++) {
        const al_param *e = &t->params[i];
        if (!(e->flags & AL_PARAM_PRUNABLE) || attention[i]) continue;
        p[n++] = (al_weight_product){.param = i, .rows = (int)e->shape[0], .cols = (int)(e->numel / e->shape[0]),
                                     .n = frames};
    }
    al_sparse_weights *s = NULL;
    al_status st = attention ? al_sparse_weights_new(t, mask, p, n, format, r, &s)
                             : al_error(AL_ERR_NOMEM, "conformer sparsify: out of memory");
    free(p);
    free(attention);
    if (st != AL_OK) return al_error_prefix(st, "conformer sparsify: ");
    al_conformer_densify(w);
    w->sparse = s;
    return AL_OK;
}

al_status al_conformer_linear(const al_conformer_weights *w, int sparse, float *y, const float *x, int param, int bias,
                              int rows, int in, int out) {
    const al_sparse *m = sparse ? al_sparse_weights_find(w->sparse, param) : NULL;
    const float *b = bias >= 0 ? al_param_data(&w->t, bias) : NULL;
    if (!m) return al_linear_forward(y, x, al_param_data(&w->t, param), b, rows, in, out);
    al_status st = al_sparse_mm_xt(m, x, rows, 0.0f, y);
    if (st != AL_OK || !b) return st;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) y[(size_t)r * out + o] += b[o];
    return AL_OK;
}
