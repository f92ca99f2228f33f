/* DeepSpeech2 behind the model interface: family "ds2" (audiolottery/model.h). */
#include <cJSON.h>
#include <math.h>
#include <string.h>

#include "audiolottery/data.h"
#include "model/ds2/ds2_internal.h"

static const char *const presets[] = {"ds2-paper", "ds2-small", "ds2-demo", "ds2-tiny", NULL};

static al_status preset(const char *name, void *cfg) { return al_ds2_preset(name, cfg); }
static al_status config_check(const void *cfg) { return al_ds2_config_check(cfg); }
static void set_classes(void *cfg, int classes) { ((al_ds2_config *)cfg)->n_classes = classes; }

static al_status config_to_json(const void *cfg, char *buf, size_t n) {
    const al_ds2_config *c = cfg;
    int len = snprintf(buf, n,
                       "{\"arch\":\"ds2\",\"conv_channels\":%d,\"hidden_layers\":%d,\"hidden_size\":%d,\"n_bins\":%d,"
                       "\"n_classes\":%d,\"bidirectional\":true}",
                       c->conv_channels, c->hidden_layers, c->hidden_size, c->n_bins, c->n_classes);
    return len >= 0 && (size_t)len < n ? AL_OK : al_error(AL_ERR_INVALID, "ds2: config JSON longer than %zu bytes", n);
}

static al_status config_from_json(const char *json, const char *path, void *cfg) {
    al_ds2_config *c = cfg;
    cJSON *root = cJSON_Parse(json);
    const char *keys[] = {"conv_channels", "hidden_layers", "hidden_size", "n_bins", "n_classes"};
    int *fields[] = {&c->conv_channels, &c->hidden_layers, &c->hidden_size, &c->n_bins, &c->n_classes};
    al_status st = root ? AL_OK : al_error(AL_ERR_FORMAT, "%s: metadata 'model' is not JSON", path);
    for (int i = 0; i < 5 && st == AL_OK; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (!cJSON_IsNumber(v)) st = al_error(AL_ERR_FORMAT, "%s: metadata 'model' lacks %s", path, keys[i]);
        else if (v->valuedouble != floor(v->valuedouble) || fabs(v->valuedouble) > 1e6)
            st = al_error(AL_ERR_FORMAT, "%s: metadata 'model': %s %g is not a size", path, keys[i], v->valuedouble);
        else *fields[i] = (int)v->valuedouble;
    }
    const cJSON *bidir = cJSON_GetObjectItemCaseSensitive(root, "bidirectional");
    if (st == AL_OK && bidir && !cJSON_IsTrue(bidir))
        st = al_error(AL_ERR_UNSUPPORTED, "%s: metadata 'model': unidirectional LSTMs are not supported yet", path);
    cJSON_Delete(root);
    if (st == AL_OK && (st = al_ds2_config_check(c)) != AL_OK) st = al_error_prefix(st, "%s: ", path);
    return st;
}

static al_status config_infer(const al_st_file *f, const char *path, void *cfg) {
    return al_ds2_config_infer(f, path, cfg);
}

static void describe(const void *cfg, char *buf, size_t n) {
    const al_ds2_config *c = cfg;
    snprintf(buf, n, "ds2, conv channels %d, %d bidirectional LSTM layers of %d, %d bins, %d classes",
             c->conv_channels, c->hidden_layers, c->hidden_size, c->n_bins, c->n_classes);
}

/* deepspeech.pytorch's spectrogram: 20 ms Hamming windows every 10 ms at 16 kHz, 161 bins */
static al_input_spec input(const void *cfg) {
    al_input_spec in = {.features = al_feature_defaults(AL_FEAT_SPECTROGRAM), .bins = AL_DS2_BINS};
    return in;
}

static int classes(const void *cfg) { return ((const al_ds2_config *)cfg)->n_classes; }
static int output_length(const void *cfg, int frames) { return al_ds2_output_length(frames); }
/* the convolutions' time strides 2 x 1 over 10 ms frames */
static double seconds_per_frame(const void *cfg) { return 0.02; }

static al_status weights_new(const void *cfg, void **weights, al_param_table **table) {
    al_ds2_weights *w;
    al_status st = al_ds2_weights_new(cfg, &w);
    if (st != AL_OK) return st;
    *weights = w;
    *table = &w->t;
    return AL_OK;
}

static void weights_free(void *w) { al_ds2_weights_free(w); }
static void init_weights(void *w, uint64_t seed) { al_ds2_weights_init(w, seed); }
static al_status units(void *w, al_prune_units *u) { return al_ds2_weights_units(w, u); }

static al_status sparsify(void *w, const uint8_t *mask, al_weight_format format, int max_batch, int max_frames,
                          al_sparse_report *r) {
    return al_ds2_weights_sparsify(w, mask, format, max_batch, max_frames, r);
}

static void densify(void *w) { al_ds2_weights_densify(w); }

static al_status state_new(void *w, int max_batch, int max_frames, void **state) {
    al_ds2_state *s;
    al_status st = al_ds2_state_new(w, max_batch, max_frames, &s);
    if (st == AL_OK) *state = s;
    return st;
}

static void state_free(void *s) { al_ds2_state_free(s); }

static int forward(void *s, int train, const float *x, const int *lengths, int N, int T, float *out,
                   int *out_lengths) {
    return al_ds2_state_forward(s, train, x, lengths, N, T, out, out_lengths);
}

static al_status backward(void *s, const float *dout) { return al_ds2_state_backward(s, dout); }

static al_status sparse_train(void *s, const uint8_t *mask, al_weight_format format, al_sparse_report *r) {
    return al_ds2_state_sparse_train(s, mask, format, r);
}

static al_status sparse_refresh(void *s) { return al_ds2_state_sparse_refresh(s); }
static void sparse_train_off(void *s) { al_ds2_state_sparse_train_off(s); }

const al_model_family al_family_ds2 = {
    .name = "ds2",
    .presets = presets,
    .config_size = sizeof(al_ds2_config),
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
    .sparse_train = sparse_train,
    .sparse_refresh = sparse_refresh,
    .sparse_train_off = sparse_train_off,
};
