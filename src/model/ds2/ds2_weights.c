/* DeepSpeech2's weights: the parameter table under deepspeech.pytorch's names and PyTorch's default
 * initialisation (architecture in audiolottery/ds2.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/ds2/ds2_internal.h"

static int add(al_param_table *t, al_status *st, const char *name, int ndim, const int64_t *shape, unsigned flags) {
    if (*st != AL_OK) return -1;
    int i = al_param_add(t, name, ndim, shape, flags);
    if (i < 0) *st = (al_status)i;
    return i;
}

static al_ds2_bn_params add_bn(al_param_table *t, al_status *st, const char *prefix, int channels) {
    char name[AL_PARAM_NAME_MAX];
    int64_t shape[1] = {channels};
    al_ds2_bn_params p;
    snprintf(name, sizeof name, "%s.weight", prefix);
    p.weight = add(t, st, name, 1, shape, AL_PARAM_TRAINABLE);
    snprintf(name, sizeof name, "%s.bias", prefix);
    p.bias = add(t, st, name, 1, shape, AL_PARAM_TRAINABLE);
    snprintf(name, sizeof name, "%s.running_mean", prefix);
    p.mean = add(t, st, name, 1, shape, AL_PARAM_BUFFER);
    snprintf(name, sizeof name, "%s.running_var", prefix);
    p.var = add(t, st, name, 1, shape, AL_PARAM_BUFFER);
    return p;
}

static void add_lstm(al_ds2_weights *w, al_status *st, int k, int in) {
    int H = w->cfg.hidden_size;
    for (int d = 0; d < 2; d++) {
        const char *sfx = d ? "_reverse" : "";
        char name[AL_PARAM_NAME_MAX];
        al_ds2_lstm_params *p = &w->rnn[k][d];
        snprintf(name, sizeof name, "rnns.%d.rnn.weight_ih_l0%s", k, sfx);
        p->w_ih = add(&w->t, st, name, 2, (int64_t[]){4 * H, in}, AL_PARAM_PRUNABLE);
        snprintf(name, sizeof name, "rnns.%d.rnn.weight_hh_l0%s", k, sfx);
        p->w_hh = add(&w->t, st, name, 2, (int64_t[]){4 * H, H}, AL_PARAM_PRUNABLE);
        snprintf(name, sizeof name, "rnns.%d.rnn.bias_ih_l0%s", k, sfx);
        p->b_ih = add(&w->t, st, name, 1, (int64_t[]){4 * H}, AL_PARAM_TRAINABLE);
        snprintf(name, sizeof name, "rnns.%d.rnn.bias_hh_l0%s", k, sfx);
        p->b_hh = add(&w->t, st, name, 1, (int64_t[]){4 * H}, AL_PARAM_TRAINABLE);
    }
}

static al_status build_table(al_ds2_weights *w) {
    const al_ds2_config *c = &w->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    al_status st = AL_OK;
    al_param_table *t = &w->t;
    w->conv_w[0] = add(t, &st, "conv.seq_module.0.weight", 4, (int64_t[]){C, 1, 41, 11}, AL_PARAM_PRUNABLE);
    w->conv_b[0] = add(t, &st, "conv.seq_module.0.bias", 1, (int64_t[]){C}, AL_PARAM_TRAINABLE);
    w->conv_bn[0] = add_bn(t, &st, "conv.seq_module.1", C);
    w->conv_w[1] = add(t, &st, "conv.seq_module.3.weight", 4, (int64_t[]){C, C, 21, 11}, AL_PARAM_PRUNABLE);
    w->conv_b[1] = add(t, &st, "conv.seq_module.3.bias", 1, (int64_t[]){C}, AL_PARAM_TRAINABLE);
    w->conv_bn[1] = add_bn(t, &st, "conv.seq_module.4", C);
    for (int k = 0; k < L; k++) {
        if (k > 0) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "rnns.%d.batch_norm.module", k);
            w->rnn_bn[k] = add_bn(t, &st, prefix, H);
        }
        add_lstm(w, &st, k, k ? H : C * w->d2);
    }
    w->fc_bn = add_bn(t, &st, "fc.0.module.0", H);
    w->fc_w = add(t, &st, "fc.0.module.1.weight", 2, (int64_t[]){c->n_classes, H}, AL_PARAM_PRUNABLE);
    return st != AL_OK ? st : al_param_table_alloc(t);
}

void al_ds2_weights_free(al_ds2_weights *w) {
    if (!w) return;
    al_sparse_weights_free(w->sparse);
    free(w->rnn_bn);
    free(w->rnn);
    al_param_table_free(&w->t);
    free(w);
}

al_status al_ds2_weights_new(const al_ds2_config *cfg, al_ds2_weights **out) {
    *out = NULL;
    if (al_ds2_config_check(cfg) != AL_OK) return AL_ERR_INVALID;
    al_ds2_weights *w = calloc(1, sizeof *w);
    if (!w) return al_error(AL_ERR_NOMEM, "out of memory");
    w->cfg = *cfg;
    w->d1 = al_conv_out_len(cfg->n_bins, 41, 2, 20);
    w->d2 = al_conv_out_len(w->d1, 21, 2, 10);
    const int L = cfg->hidden_layers;
    al_param_table_init(&w->t);
    w->rnn_bn = calloc(L, sizeof *w->rnn_bn);
    w->rnn = calloc(L, sizeof *w->rnn);
    al_status st = w->rnn_bn && w->rnn ? build_table(w) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st != AL_OK) {
        al_ds2_weights_free(w);
        return st;
    }
    *out = w;
    return AL_OK;
}

static void init_bn(al_ds2_weights *w, const al_ds2_bn_params *p) {
    al_param_fill(&w->t, p->weight, 1.0f);
    al_param_fill(&w->t, p->bias, 0.0f);
    al_param_fill(&w->t, p->mean, 0.0f);
    al_param_fill(&w->t, p->var, 1.0f);
}

void al_ds2_weights_init(al_ds2_weights *w, uint64_t seed) {
    const al_ds2_config *c = &w->cfg;
    for (int i = 0; i < 2; i++) {
        /* kaiming_uniform_(a = sqrt(5)) and the default bias both give +-1/sqrt(fan_in) */
        double fan_in = (double)(w->t.params[w->conv_w[i]].numel / c->conv_channels);
        al_param_fill_uniform(&w->t, w->conv_w[i], 1.0 / sqrt(fan_in), seed);
        al_param_fill_uniform(&w->t, w->conv_b[i], 1.0 / sqrt(fan_in), seed);
        init_bn(w, &w->conv_bn[i]);
    }
    double stdv = 1.0 / sqrt((double)c->hidden_size);
    for (int k = 0; k < c->hidden_layers; k++) {
        if (k) init_bn(w, &w->rnn_bn[k]);
        for (int d = 0; d < 2; d++) {
            const al_ds2_lstm_params *p = &w->rnn[k][d];
            al_param_fill_uniform(&w->t, p->w_ih, stdv, seed);
            al_param_fill_uniform(&w->t, p->w_hh, stdv, seed);
            al_param_fill_uniform(&w->t, p->b_ih, stdv, seed);
            al_param_fill_uniform(&w->t, p->b_hh, stdv, seed);
        }
    }
    init_bn(w, &w->fc_bn);
    al_param_fill_uniform(&w->t, w->fc_w, 1.0 / sqrt((double)c->hidden_size), seed);
}
