/* DeepSpeech2's output units for channel pruning (see al_ds2_units in ds2.h). */
#include "model/ds2/ds2_internal.h"

#include <stdio.h>

static int find(const al_param_table *t, al_status *st, const char *fmt, int k, const char *sfx) {
    char name[AL_PARAM_NAME_MAX];
    snprintf(name, sizeof name, fmt, k, sfx);
    int i = al_param_find(t, name);
    if (i < 0 && *st == AL_OK) *st = al_error(AL_ERR_INVALID, "ds2 units: tensor '%s' is missing", name);
    return i;
}

#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (st == AL_OK) st = al_prune_units_add(u, __VA_ARGS__);                                  \
    } while (0)

al_status al_ds2_weights_units(const al_ds2_weights *w, al_prune_units *u) {
    const al_param_table *t = &w->t;
    const al_ds2_config *c = &w->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    al_status st = AL_OK;
    int conv[2] = {find(t, &st, "conv.seq_module.%d.weight", 0, ""), find(t, &st, "conv.seq_module.%d.weight", 3, "")};
    int fc = find(t, &st, "fc.0.module.1.weight", 0, "");
    al_prune_units_init(u);
    if (st != AL_OK) return st;
    /* conv.seq_module.3's 2-D view (C, C * 21 * 11): input channel c is columns c * 231 .. + 230;
     * rnns.0's input is the conv output flattened channel-major, (C * F) with F = 41 frequency
     * rows, so conv channel c feeds columns c * F .. c * F + F - 1 */
    const int64_t per_in = (int64_t)t->params[conv[1]].numel / C / C;
    int ih0[2] = {find(t, &st, "rnns.%d.rnn.weight_ih_l0%s", 0, ""), find(t, &st, "rnns.%d.rnn.weight_ih_l0%s", 0, "_reverse")};
    if (st != AL_OK) return st;
    const int64_t F = t->params[ih0[0]].shape[1] / C;
    for (int ch = 0; ch < C && st == AL_OK; ch++) { /* conv.seq_module.0 output channels */
        st = al_prune_units_begin(u);
        ADD(conv[0], 0, ch, 1, 1);
        ADD(conv[1], 1, ch * per_in, per_in, 0);
    }
    for (int ch = 0; ch < C && st == AL_OK; ch++) { /* conv.seq_module.3 output channels */
        st = al_prune_units_begin(u);
        ADD(conv[1], 0, ch, 1, 1);
        for (int d = 0; d < 2; d++) ADD(ih0[d], 1, ch * F, F, 0);
    }
    /* LSTM hidden unit j of layer k: gate rows j, H + j, 2H + j, 3H + j (i, f, g, o) of both
     * weights of both directions (the directions' outputs are summed, so a unit is gone only when
     * both drop it); consumers: column j of both recurrent weights and of the next layer's input
     * weights (or of the output layer) */
    for (int k = 0; k < L && st == AL_OK; k++) {
        int ih[2], hh[2], next[2];
        for (int d = 0; d < 2; d++) {
            const char *sfx = d ? "_reverse" : "";
            ih[d] = find(t, &st, "rnns.%d.rnn.weight_ih_l0%s", k, sfx);
            hh[d] = find(t, &st, "rnns.%d.rnn.weight_hh_l0%s", k, sfx);
            next[d] = k + 1 < L ? find(t, &st, "rnns.%d.rnn.weight_ih_l0%s", k + 1, sfx) : fc;
        }
        for (int j = 0; j < H && st == AL_OK; j++) {
            st = al_prune_units_begin(u);
            for (int d = 0; d < 2; d++)
                for (int g = 0; g < 4; g++) {
                    ADD(ih[d], 0, (int64_t)g * H + j, 1, 1);
                    ADD(hh[d], 0, (int64_t)g * H + j, 1, 1);
                }
            for (int d = 0; d < 2; d++) ADD(hh[d], 1, j, 1, 0);
            ADD(next[0], 1, j, 1, 0);
            if (next[1] != next[0]) ADD(next[1], 1, j, 1, 0);
        }
    }
    if (st != AL_OK) al_prune_units_free(u);
    return st;
}
