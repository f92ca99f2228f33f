/* Conformer-CTC's output units for --structure channel (see prune.h): per layer, each feed-forward
 * hidden unit, each attention head and each convolution-module channel. The model dimension d (the
 * residual stream every module adds into) and the head's classes are never units. */
#include "model/conformer/conformer_internal.h"

#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (st == AL_OK) st = al_prune_units_add(u, __VA_ARGS__);                                  \
    } while (0)

/* hidden unit j of a feed-forward module: row j of Linear(d, f) (scored), column j of Linear(f, d) */
static al_status ffn_units(const al_conformer_ffn_params *p, int f, al_prune_units *u) {
    al_status st = AL_OK;
    for (int j = 0; j < f && st == AL_OK; j++) {
        st = al_prune_units_begin(u);
        ADD(p->w1, 0, j, 1, 1);
        ADD(p->w2, 1, j, 1, 0);
    }
    return st;
}

al_status al_conformer_weights_units(const al_conformer_weights *w, al_prune_units *u) {
    const al_conformer_config *c = &w->cfg;
    const int d = c->d, dh = c->d / c->heads;
    al_status st = AL_OK;
    al_prune_units_init(u);
    for (int i = 0; i < c->layers && st == AL_OK; i++) {
        const al_conformer_layer_params *p = &w->layer[i];
        st = ffn_units(&p->ffn1, c->ffn, u);
        /* head h: its query, key and value rows of in_proj_weight (scored), its columns of out_proj */
        for (int h = 0; h < c->heads && st == AL_OK; h++) {
            st = al_prune_units_begin(u);
            for (int part = 0; part < 3; part++) ADD(p->in_w, 0, (int64_t)part * d + h * dh, dh, 1);
            ADD(p->out_w, 1, (int64_t)h * dh, dh, 0);
        }
        /* conv channel ch: its value and gate rows of the first pointwise conv (GLU pairs ch with
         * d + ch), its column of the second (the depthwise kernel between is not prunable) */
        for (int ch = 0; ch < d && st == AL_OK; ch++) {
            st = al_prune_units_begin(u);
            ADD(p->pw1_w, 0, ch, 1, 1);
            ADD(p->pw1_w, 0, (int64_t)d + ch, 1, 1);
            ADD(p->pw2_w, 1, ch, 1, 0);
        }
        if (st == AL_OK) st = ffn_units(&p->ffn2, c->ffn, u);
    }
    if (st != AL_OK) al_prune_units_free(u);
    return st;
}
