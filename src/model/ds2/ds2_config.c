/* DeepSpeech2 presets, output lengths, and architecture inference from a state dict's names and
 * shapes (so that checkpoints written by PyTorch load without metadata). */
#include "audiolottery/ds2.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/data.h"

#include "model/ds2/ds2_internal.h"

static const struct {
    const char *name;
    al_ds2_config cfg;
} presets[] = {
    {"ds2-paper", {32, 5, 1024, AL_DS2_BINS, AL_DS2_CLASSES}},
    {"ds2-small", {32, 3, 256, AL_DS2_BINS, AL_DS2_CLASSES}},
    {"ds2-demo", {8, 2, 128, AL_DS2_BINS, AL_DS2_CLASSES}},
    {"ds2-tiny", {4, 2, 16, AL_DS2_BINS, AL_DS2_CLASSES}},
};

al_status al_ds2_preset(const char *name, al_ds2_config *cfg) {
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
        if (!strcmp(name, presets[i].name)) {
            *cfg = presets[i].cfg;
            return AL_OK;
        }
    return al_error(AL_ERR_INVALID, "unknown model preset '%s' (%s)", name, al_ds2_preset_names());
}

const char *al_ds2_preset_names(void) { return "ds2-paper, ds2-small, ds2-demo, ds2-tiny"; }

/* Time axis: conv1 kernel 11, stride 2, padding 5; conv2 kernel 11, stride 1, padding 5. */
int al_ds2_output_length(int frames) { return al_conv_out_len(al_conv_out_len(frames, 11, 2, 5), 11, 1, 5); }

al_status al_ds2_config_check(const al_ds2_config *c) {
    const struct {
        const char *name;
        int value, lo, hi;
    } f[] = {{"conv channels", c->conv_channels, 1, AL_DS2_MAX_CHANNELS},
             {"hidden layers", c->hidden_layers, 1, AL_DS2_MAX_LAYERS},
             {"hidden size", c->hidden_size, 1, AL_DS2_MAX_HIDDEN},
             {"frequency bins", c->n_bins, AL_DS2_BINS, AL_DS2_BINS},
             {"classes", c->n_classes, 2, AL_UNITS_MAX_CLASSES}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (f[i].value < f[i].lo || f[i].value > f[i].hi)
            return al_error(AL_ERR_INVALID, "ds2: %s %d outside %d..%d", f[i].name, f[i].value, f[i].lo, f[i].hi);
    return AL_OK;
}

static const al_st_tensor *need(const al_st_file *f, const char *path, const char *name, int ndim, al_status *st) {
    const al_st_tensor *t = al_st_find(f, name);
    if (*st != AL_OK) return t;
    if (!t)
        *st = al_error(AL_ERR_FORMAT, "%s: not a DeepSpeech2 state dict: tensor '%s' is missing", path, name);
    else if (t->ndim != ndim)
        *st = al_error(AL_ERR_FORMAT, "%s: tensor '%s' has %d dimensions, expected %d", path, name, t->ndim, ndim);
    return t;
}

/* A dimension read from a file as an int, or -1 when it is out of any sensible range. */
static int dim(int64_t d) { return d >= 1 && d <= INT32_MAX / 8 ? (int)d : -1; }

/* Highest k of a "rnns.<k>." tensor name in f, -1 if there is none. */
static long last_rnn_layer(const al_st_file *f) {
    long last = -1;
    for (int i = 0; i < al_st_count(f); i++) {
        const char *name = al_st_get(f, i)->name;
        char *end;
        if (strncmp(name, "rnns.", 5)) continue;
        long k = strtol(name + 5, &end, 10);
        if (end != name + 5 && *end == '.' && k > last) last = k;
    }
    return last;
}

al_status al_ds2_config_infer(const al_st_file *f, const char *path, al_ds2_config *cfg) {
    if (!al_st_find(f, "conv.seq_module.0.weight") && al_st_find(f, "module.conv.seq_module.0.weight"))
        return al_error(AL_ERR_FORMAT,
                        "%s: tensor names start with 'module.' (a DataParallel model): save model.module.state_dict()",
                        path);
    al_status st = AL_OK;
    const al_st_tensor *conv = need(f, path, "conv.seq_module.0.weight", 4, &st);
    if (!conv) return AL_ERR_NOT_FOUND; /* not DeepSpeech2's (the message names the missing tensor) */
    const al_st_tensor *w_hh = need(f, path, "rnns.0.rnn.weight_hh_l0", 2, &st);
    const al_st_tensor *fc = need(f, path, "fc.0.module.1.weight", 2, &st);
    if (st != AL_OK) return st;
    memset(cfg, 0, sizeof *cfg);
    cfg->conv_channels = dim(conv->shape[0]);
    cfg->hidden_size = dim(w_hh->shape[1]);
    cfg->n_classes = dim(fc->shape[0]);
    cfg->n_bins = AL_DS2_BINS;
    if (!al_st_find(f, "rnns.0.rnn.weight_hh_l0_reverse"))
        return al_error(AL_ERR_UNSUPPORTED, "%s: unidirectional LSTMs are not supported yet", path);
    char name[96];
    for (;;) {
        snprintf(name, sizeof name, "rnns.%d.rnn.weight_ih_l0", cfg->hidden_layers);
        if (!al_st_find(f, name)) break;
        cfg->hidden_layers++;
    }
    /* A layer missing between others would otherwise load as a shallower model. */
    long last = last_rnn_layer(f);
    if (last >= cfg->hidden_layers)
        return al_error(AL_ERR_FORMAT, "%s: has tensors of LSTM layer %ld, but 'rnns.%d.rnn.weight_ih_l0' is missing",
                        path, last, cfg->hidden_layers);
    if (cfg->conv_channels < 1 || cfg->hidden_size < 1 || cfg->n_classes < 2 || w_hh->shape[0] != 4 * w_hh->shape[1] ||
        fc->shape[1] != w_hh->shape[1] || conv->shape[1] != 1 || conv->shape[2] != 41 || conv->shape[3] != 11)
        return al_error(AL_ERR_FORMAT,
                        "%s: inconsistent DeepSpeech2 tensor shapes (conv.seq_module.0.weight [C, 1, 41, 11], "
                        "rnns.0.rnn.weight_hh_l0 [4H, H], fc.0.module.1.weight [classes, H])",
                        path);
    st = al_ds2_config_check(cfg);
    return st == AL_OK ? AL_OK : al_error_prefix(st, "%s: ", path);
}

void al_ds2_conv_cfg(const al_ds2_config *c, int i, al_conv2d_cfg *out) {
    const int C = c->conv_channels;
    al_conv2d_cfg c1 = {.c_in = 1, .c_out = C, .kh = 41, .kw = 11, .stride_h = 2, .stride_w = 2, .pad_h = 20, .pad_w = 5};
    al_conv2d_cfg c2 = {.c_in = C, .c_out = C, .kh = 21, .kw = 11, .stride_h = 2, .stride_w = 1, .pad_h = 10, .pad_w = 5};
    *out = i ? c2 : c1;
}
