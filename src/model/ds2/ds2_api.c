/* audiolottery/ds2.h: DeepSpeech2 as one set of weights with one state. */
#include <stdlib.h>

#include "model/ds2/ds2_internal.h"

al_status al_ds2_new(const al_ds2_config *cfg, int max_batch, int max_frames, al_ds2 **out) {
    *out = NULL;
    al_ds2 *m = calloc(1, sizeof *m);
    if (!m) return al_error(AL_ERR_NOMEM, "out of memory");
    al_status st = al_ds2_weights_new(cfg, &m->w);
    if (st == AL_OK) st = al_ds2_state_new(m->w, max_batch, max_frames, &m->s);
    if (st != AL_OK) {
        al_ds2_free(m);
        return st;
    }
    *out = m;
    return AL_OK;
}

void al_ds2_free(al_ds2 *m) {
    if (!m) return;
    al_ds2_state_free(m->s);
    al_ds2_weights_free(m->w);
    free(m);
}

al_param_table *al_ds2_params(al_ds2 *m) { return &m->w->t; }
const al_ds2_config *al_ds2_cfg(const al_ds2 *m) { return &m->w->cfg; }
void al_ds2_init_weights(al_ds2 *m, uint64_t seed) { al_ds2_weights_init(m->w, seed); }
al_status al_ds2_units(al_ds2 *m, al_prune_units *u) { return al_ds2_weights_units(m->w, u); }

int al_ds2_forward(al_ds2 *m, int train, const float *x, const int *lengths, int N, int T, float *logits,
                   int *out_lengths) {
    return al_ds2_state_forward(m->s, train, x, lengths, N, T, logits, out_lengths);
}

al_status al_ds2_backward(al_ds2 *m, const float *dlogits) { return al_ds2_state_backward(m->s, dlogits); }

al_status al_ds2_sparsify(al_ds2 *m, const uint8_t *mask, al_weight_format format, al_sparse_report *r) {
    return al_ds2_weights_sparsify(m->w, mask, format, m->s->max_batch, m->s->max_frames, r);
}

void al_ds2_densify(al_ds2 *m) { al_ds2_weights_densify(m->w); }

al_status al_ds2_sparse_train(al_ds2 *m, const uint8_t *mask, al_weight_format format, al_sparse_report *r) {
    return al_ds2_state_sparse_train(m->s, mask, format, r);
}

al_status al_ds2_sparse_refresh(al_ds2 *m) { return al_ds2_state_sparse_refresh(m->s); }
void al_ds2_sparse_train_off(al_ds2 *m) { al_ds2_state_sparse_train_off(m->s); }
int al_ds2_sparse_training(al_ds2 *m) { return m->s->strain != NULL; }
