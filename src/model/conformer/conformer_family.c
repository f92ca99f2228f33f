/* Conformer-CTC behind the model interface: family "conformer" (audiolottery/model.h). */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/conformer/conformer_internal.h"

static const char *const presets[] = {"conformer-tiny", "conformer-small", "conformer-medium", NULL};

static al_status preset(const char *name, void *cfg) { return al_conformer_preset(name, cfg); }
static al_status config_check(const void *cfg) { return al_conformer_config_check(cfg); }
static void set_classes(void *cfg, int classes) { ((al_conformer_config *)cfg)->n_classes = classes; }

static al_status config_to_json(const void *cfg, char *buf, size_t n) {
    const al_conformer_config *c = cfg;
    int len = snprintf(buf, n,
                       "{\"arch\":\"conformer\",\"d\":%d,\"heads\":%d,\"ffn\":%d,\"layers\":%d,\"kernel\":%d,"
                       "\"n_bins\":%d,\"n_classes\":%d,\"dropout\":%.9g}",
                       c->d, c->heads, c->ffn, c->layers, c->kernel, c->n_bins, c->n_classes, c->dropout);
    return len >= 0 && (size_t)len < n ? AL_OK
                                       : al_error(AL_ERR_INVALID, "conformer: config JSON longer than %zu bytes", n);
}

static al_status config_from_json(const char *json, const char *path, void *cfg) {
    al_conformer_config *c = cfg;
    cJSON *root = cJSON_Parse(json);
    const char *keys[] = {"d", "heads", "ffn", "layers", "kernel", "n_bins", "n_classes"};
    int *fields[] = {&c->d, &c->heads, &c->ffn, &c->layers, &c->kernel, &c->n_bins, &c->n_classes};
    al_status st = root ? AL_OK : al_error(AL_ERR_FORMAT, "%s: metadata 'model' is not JSON", path);
    for (int i = 0; i < 7 && st == AL_OK; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (!cJSON_IsNumber(v)) st = al_error(AL_ERR_FORMAT, "%s: metadata 'model' lacks %s", path, keys[i]);
        else if (v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e6)
            st = al_error(AL_ERR_FORMAT, "%s: metadata 'model': %s %g is not a size", path, keys[i], v->valuedouble);
        else *fields[i] = (int)v->valuedouble;
    }
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(root, "dropout");
    c->dropout = cJSON_IsNumber(drop) ? (float)drop->valuedouble : 0.1f;
    cJSON_Delete(root);
    if (st == AL_OK && (st = al_conformer_config_check(c)) != AL_OK) st = al_error_prefix(st, "%s: ", path);
    return st;
}

static const al_st_tensor *need(const al_st_file *f, const char *path, const char *name, int ndim, al_status *st) {
    const al_st_tensor *t = al_st_find(f, name);
    if (*st != AL_OK) return t;
    if (!t) *st = al_error(AL_ERR_FORMAT, "%s: not a Conformer state dict: tensor '%s' is missing", path, name);
    else if (t->ndim != ndim)
        *st = al_error(AL_ERR_FORMAT, "%s: tensor '%s' has %d dimensions, expected %d", path, name, t->ndim, ndim);
    return t;
}

/* Sizes from the tensor shapes. The number of attention heads is not in a state dict: 4, as in
 * every preset (a checkpoint of ours names it in its metadata). */
static al_status config_infer(const al_st_file *f, const char *path, void *cfg) {
    if (!al_st_find(f, "subsampling.conv.0.weight")) return AL_ERR_NOT_FOUND;
    al_conformer_config *c = cfg;
    al_status st = AL_OK;
    const al_st_tensor *out = need(f, path, "subsampling.out.weight", 2, &st);
    const al_st_tensor *ffn = need(f, path, "encoder.conformer_layers.0.ffn1.sequential.1.weight", 2, &st);
    const al_st_tensor *dw = need(f, path, "encoder.conformer_layers.0.conv_module.sequential.2.weight", 3, &st);
    const al_st_tensor *head = need(f, path, "head.weight", 2, &st);
    if (st != AL_OK) return st;
    memset(c, 0, sizeof *c);
    c->d = out->shape[0] <= AL_CONFORMER_MAX_DIM ? (int)out->shape[0] : -1;
    c->ffn = ffn->shape[0] <= 4 * AL_CONFORMER_MAX_DIM ? (int)ffn->shape[0] : -1;
    c->kernel = dw->shape[2] <= 255 ? (int)dw->shape[2] : -1;
    c->n_classes = head->shape[0] <= AL_UNITS_MAX_CLASSES ? (int)head->shape[0] : -1;
    c->n_bins = AL_CONFORMER_BINS;
    c->heads = 4;
    c->dropout = 0.1f;
    char name[AL_PARAM_NAME_MAX];
    for (;;) {
        snprintf(name, sizeof name, "encoder.conformer_layers.%d.final_layer_norm.weight", c->layers);
        if (!al_st_find(f, name) || c->layers >= AL_CONFORMER_MAX_LAYERS) break;
        c->layers++;
    }
    st = al_conformer_config_check(c);
    if (st == AL_OK && out->shape[1] != (int64_t)c->d * al_conformer_sub_bins(c, 1))
        st = al_error(AL_ERR_FORMAT, "%s: subsampling.out.weight is not (d, d x 19)", path);
    return st == AL_OK ? AL_OK : al_error_prefix(st, "%s: ", path);
}

static void describe(const void *cfg, char *buf, size_t n) {
    const al_conformer_config *c = cfg;
    snprintf(buf, n, "conformer, d %d, %d heads, ffn %d, %d layers, kernel %d, %d log-mel bins, %d classes",
             c->d, c->heads, c->ffn, c->layers, c->kernel, c->n_bins, c->n_classes);
}

/* torchaudio's MelSpectrogram front end (docs/FRONTEND.md): 80 log-mel bins every 10 ms, normalised
 * per utterance (log(mel + 1e-9) spans about -20 .. 5 otherwise; NeMo normalises too) */
static al_input_spec input(const void *cfg) {
    al_input_spec in = {.features = al_feature_defaults(AL_FEAT_LOGMEL), .bins = AL_CONFORMER_BINS};
    in.features.normalize = 1;
    return in;
}

static int classes(const void *cfg) { return ((const al_conformer_config *)cfg)->n_classes; }
static int output_length(const void *cfg, int frames) { return al_conformer_output_length(frames); }
static double seconds_per_frame(const void *cfg) { return 0.04; } /* 4 x 10 ms */

static al_status weights_new(const void *cfg, void **weights, al_param_table **table) {
    al_conformer_weights *w;
    al_status st = al_conformer_weights_new(cfg, &w);
    if (st != AL_OK) return st;
    *weights = w;
    *table = &w->t;
    return AL_OK;
}

static void weights_free(void *w) { al_conformer_weights_free(w); }
static void init_weights(void *w, uint64_t seed) { al_conformer_weights_init(w, seed); }
static al_status units(void *w, al_prune_units *u) { return al_conformer_weights_units(w, u); }

static al_status sparsify(void *w, const uint8_t *mask, al_weight_format format, int max_batch, int max_frames,
                          al_sparse_report *r) {
    return al_conformer_sparsify(w, mask, format, max_batch, max_frames, r);
}

static void densify(void *w) { al_conformer_densify(w); }

static al_status state_new(void *w, int max_batch, int max_frames, void **state) {
    al_conformer_state *s;
    al_status st = al_conformer_state_new(w, max_batch, max_frames, &s);
    if (st == AL_OK) *state = s;
    return st;
}

static void state_free(void *s) { al_conformer_state_free(s); }

static int forward(void *s, int train, const float *x, const int *lengths, int N, int T, float *out,
                   int *out_lengths) {
    return al_conformer_forward(s, train, x, lengths, N, T, out, out_lengths);
}

static al_status backward(void *s, const float *dout) { return al_conformer_backward(s, dout); }
static void set_seed(void *s, uint64_t seed) { ((al_conformer_state *)s)->seed = seed; }

static al_status sparse_train(void *s, const uint8_t *mask, al_weight_format format, al_sparse_report *r) {
    return al_conformer_sparse_train(s, mask, format, r);
}

static al_status sparse_refresh(void *s) { return al_conformer_sparse_refresh(s); }
static void sparse_train_off(void *s) { al_conformer_sparse_train_off(s); }

/* The seed's Conformer recipe (ESPnet / the Efficient Conformer): Adam with betas (0.9, 0.98), eps 1e-9,
 * weight decay 1e-6, the Noam schedule to a peak of 1e-3 after 10,000 steps (short corpora: see
 * --warmup-steps), gradient clipping 5, NeMo's SpecAugment and zero_infinity (at 40 ms per output
 * frame a fast character transcript can outgrow its frames); dropout 0.1 is in the model config. */
static const al_train_recipe recipe = {.optimizer = "adam",
                                       .lr = 1e-3,
                                       .beta1 = 0.9,
                                       .beta2 = 0.98,
                                       .eps = 1e-9,
                                       .weight_decay = 1e-6,
                                       .clip = 5,
                                       .schedule = "noam",
                                       .warmup_steps = 10000,
                                       .spec_augment = "nemo",
                                       .zero_infinity = 1};

const al_model_family al_family_conformer = {
    .name = "conformer",
    .recipe = &recipe,
    .presets = presets,
    .config_size = sizeof(al_conformer_config),
    .head = AL_HEAD_CTC,
    .preset = preset,
    .config_check = config_check,
    .set_classes = set_classes,
    .config_to_json = config_to_json,
    .config_from_json = config_from_json,
    .config_infer = config_infer,
    .describe = describe,
    .input = input,
    .classes = classes,
    .output_length = output_length,
    .seconds_per_frame = seconds_per_frame,
    .weights_new = weights_new,
    .weights_free = weights_free,
    .init_weights = init_weights,
    .units = units,
    .sparsify = sparsify,
    .densify = densify,
    .state_new = state_new,
    .state_free = state_free,
    .forward = forward,
    .backward = backward,
    .set_seed = set_seed,
    .sparse_train = sparse_train,
    .sparse_refresh = sparse_refresh,
    .sparse_train_off = sparse_train_off,
};
