/* The test family "linear-ctc" (see linear_ctc.h). Shapes (N utterances, T frames, F = 80 bins,
 * H hidden units, K classes):
 *   x      (N, F, T)    input, zero-padded
 *   xt     (T, N, F)    x time-major
 *   h      (T, N, H)    ReLU(xt encoder^T + b); zero past each utterance's length
 *   logits (T, N, K)    h head^T + c */
#include "family/linear_ctc.h"

#include <cJSON.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BINS = 80, MAX_HIDDEN = 4096 };

typedef struct {
    int hidden, classes;
} config;

typedef struct {
    config cfg;
    al_param_table t;
    int enc_w, enc_b, head_w, head_b; /* parameter indices */
} weights;

typedef struct {
    weights *w;
    int max_batch, max_frames;
    float *xt, *h, *dz, *dh; /* (T, N, F), (T, N, H), (T, N, K), (T, N, H) at capacity */
    int *len;                /* (max_batch) */
    int N, T, trained;
} state;

static const char *const presets[] = {"linear-tiny", "linear-small", NULL};

static al_status preset(const char *name, void *cfg) {
    config *c = cfg;
    c->classes = 29;
    if (!strcmp(name, "linear-tiny")) c->hidden = 32;
    else if (!strcmp(name, "linear-small")) c->hidden = 128;
    else return al_error(AL_ERR_INVALID, "linear-ctc: unknown preset '%s'", name);
    return AL_OK;
}

static al_status config_check(const void *cfg) {
    const config *c = cfg;
    if (c->hidden < 1 || c->hidden > MAX_HIDDEN || c->classes < 2 || c->classes > 256)
        return al_error(AL_ERR_INVALID, "linear-ctc: hidden %d or classes %d out of range", c->hidden, c->classes);
    return AL_OK;
}

static al_status config_to_json(const void *cfg, char *buf, size_t n) {
    const config *c = cfg;
    int len = snprintf(buf, n, "{\"arch\":\"linear-ctc\",\"hidden\":%d,\"n_classes\":%d}", c->hidden, c->classes);
    return len >= 0 && (size_t)len < n ? AL_OK : al_error(AL_ERR_INVALID, "linear-ctc: config JSON too long");
}

static al_status config_from_json(const char *json, const char *path, void *cfg) {
    config *c = cfg;
    cJSON *root = cJSON_Parse(json);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(root, "hidden");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "n_classes");
    al_status st = cJSON_IsNumber(h) && cJSON_IsNumber(k)
                       ? AL_OK
                       : al_error(AL_ERR_FORMAT, "%s: metadata 'model' lacks hidden or n_classes", path);
    if (st == AL_OK) c->hidden = h->valueint, c->classes = k->valueint;
    cJSON_Delete(root);
    return st == AL_OK ? config_check(c) : st;
}

static al_status config_infer(const al_st_file *f, const char *path, void *cfg) {
    const al_st_tensor *enc = al_st_find(f, "encoder.weight"), *head = al_st_find(f, "head.weight");
    if (!enc || !head) return AL_ERR_NOT_FOUND;
    config *c = cfg;
    if (enc->ndim != 2 || head->ndim != 2 || enc->shape[1] != BINS || head->shape[1] != enc->shape[0])
        return al_error(AL_ERR_FORMAT, "%s: inconsistent linear-ctc shapes", path);
    c->hidden = (int)enc->shape[0];
    c->classes = (int)head->shape[0];
    return config_check(c);
}

static void describe(const void *cfg, char *buf, size_t n) {
    const config *c = cfg;
    snprintf(buf, n, "linear-ctc, %d log-mel bins, %d hidden units, %d classes", BINS, c->hidden, c->classes);
}

static al_input_spec input(const void *cfg) {
    al_input_spec in = {.features = al_feature_defaults(AL_FEAT_LOGMEL), .bins = BINS};
    in.features.normalize = 1;
    return in;
}

static int classes(const void *cfg) { return ((const config *)cfg)->classes; }
static int output_length(const void *cfg, int frames) { return frames; }
static double seconds_per_frame(const void *cfg) { return 0.01; }

static void weights_free(void *p) {
    weights *w = p;
    if (!w) return;
    al_param_table_free(&w->t);
    free(w);
}

static al_status weights_new(const void *cfg, void **out, al_param_table **table) {
    weights *w = calloc(1, sizeof *w);
    if (!w) return al_error(AL_ERR_NOMEM, "out of memory");
    w->cfg = *(const config *)cfg;
    const int64_t H = w->cfg.hidden, K = w->cfg.classes;
    al_param_table_init(&w->t);
    w->enc_w = al_param_add(&w->t, "encoder.weight", 2, (int64_t[]){H, BINS}, AL_PARAM_PRUNABLE);
    w->enc_b = al_param_add(&w->t, "encoder.bias", 1, (int64_t[]){H}, AL_PARAM_TRAINABLE);
    w->head_w = al_param_add(&w->t, "head.weight", 2, (int64_t[]){K, H}, AL_PARAM_PRUNABLE);
    w->head_b = al_param_add(&w->t, "head.bias", 1, (int64_t[]){K}, AL_PARAM_TRAINABLE);
    al_status st = w->enc_w < 0 || w->enc_b < 0 || w->head_w < 0 || w->head_b < 0 ? AL_ERR_INVALID
                                                                                    : al_param_table_alloc(&w->t);
    if (st != AL_OK) {
        weights_free(w);
        return st;
    }
    *out = w;
    *table = &w->t;
    return AL_OK;
}

/* PyTorch's nn.Linear default: weight and bias uniform in +-1/sqrt(fan_in). */
static void init_weights(void *p, uint64_t seed) {
    weights *w = p;
    for (int i = 0; i < w->t.n; i++) {
        al_rng rng;
        al_rng_seed_stream(&rng, seed, (uint64_t)i);
        double bound = 1.0 / sqrt(i < w->head_w ? (double)BINS : (double)w->cfg.hidden);
        float *v = al_param_data(&w->t, i);
        for (size_t j = 0; j < w->t.params[i].numel; j++) v[j] = (float)al_rng_range(&rng, -bound, bound);
    }
}

/* Hidden unit j: row j of encoder.weight and encoder.bias; it feeds column j of head.weight. */
static al_status units(void *p, al_prune_units *u) {
    weights *w = p;
    al_status st = AL_OK;
    al_prune_units_init(u);
    for (int j = 0; j < w->cfg.hidden && st == AL_OK; j++) {
        st = al_prune_units_begin(u);
        if (st == AL_OK) st = al_prune_units_add(u, w->enc_w, 0, j, 1, 1);
        if (st == AL_OK) st = al_prune_units_add(u, w->head_w, 1, j, 1, 0);
    }
    return st;
}

static void state_free(void *p) {
    state *s = p;
    if (!s) return;
    al_free(s->xt), al_free(s->h), al_free(s->dz), al_free(s->dh);
    free(s->len);
    free(s);
}

static al_status state_new(void *p, int max_batch, int max_frames, void **out) {
    weights *w = p;
    state *s = calloc(1, sizeof *s);
    if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
    s->w = w;
    s->max_batch = max_batch;
    s->max_frames = max_frames;
    const size_t rows = (size_t)max_batch * max_frames;
    s->xt = al_malloc(sizeof(float) * rows * BINS);
    s->h = al_malloc(sizeof(float) * rows * w->cfg.hidden);
    s->dh = al_malloc(sizeof(float) * rows * w->cfg.hidden);
    s->dz = al_malloc(sizeof(float) * rows * w->cfg.classes);
    s->len = malloc(sizeof(int) * max_batch);
    if (!s->xt || !s->h || !s->dh || !s->dz || !s->len) {
        state_free(s);
        return al_error(AL_ERR_NOMEM, "linear-ctc: out of memory for a state of %d x %d", max_batch, max_frames);
    }
    *out = s;
    return AL_OK;
}

static int forward(void *p, int train, const float *x, const int *lengths, int N, int T, float *out,
                   int *out_lengths) {
    state *s = p;
    const weights *w = s->w;
    const int H = w->cfg.hidden, K = w->cfg.classes;
    if (N < 1 || N > s->max_batch || T < 1 || T > s->max_frames)
        return al_error(AL_ERR_INVALID, "linear-ctc: batch %d x %d exceeds %d x %d", N, T, s->max_batch,
                        s->max_frames);
    for (int n = 0; n < N; n++) {
        if (lengths[n] < 1 || lengths[n] > T) return al_error(AL_ERR_INVALID, "linear-ctc: bad length");
        s->len[n] = out_lengths[n] = lengths[n];
    }
    for (int n = 0; n < N; n++)
        for (int f = 0; f < BINS; f++)
            for (int t = 0; t < T; t++) s->xt[((size_t)t * N + n) * BINS + f] = x[((size_t)n * BINS + f) * T + t];
    const int rows = T * N;
    for (int r = 0; r < rows; r++) memcpy(s->h + (size_t)r * H, al_param_data(&w->t, w->enc_b), sizeof(float) * H);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, H, BINS, 1.0f, s->xt, BINS,
                al_param_data(&w->t, w->enc_w), BINS, 1.0f, s->h, H);
    for (int r = 0; r < rows; r++) {
        const int padded = r / N >= s->len[r % N];
        for (int j = 0; j < H; j++) {
            float *v = s->h + (size_t)r * H + j;
            *v = padded || *v < 0 ? 0.0f : *v;
        }
    }
    for (int r = 0; r < rows; r++) memcpy(out + (size_t)r * K, al_param_data(&w->t, w->head_b), sizeof(float) * K);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, K, H, 1.0f, s->h, H, al_param_data(&w->t, w->head_w),
                H, 1.0f, out, K);
    s->N = N, s->T = T, s->trained = train;
    return T;
}

/* Adds the gradients of the last training forward; frames past an utterance's length get none. */
static al_status backward(void *p, const float *dout) {
    state *s = p;
    weights *w = s->w;
    if (!s->trained) return al_error(AL_ERR_INVALID, "linear-ctc: backward needs a training forward");
    const int H = w->cfg.hidden, K = w->cfg.classes, N = s->N, rows = s->T * s->N;
    for (int r = 0; r < rows; r++) {
        const int padded = r / N >= s->len[r % N];
        for (int k = 0; k < K; k++) s->dz[(size_t)r * K + k] = padded ? 0.0f : dout[(size_t)r * K + k];
    }
    float *g_hw = al_param_grad(&w->t, w->head_w), *g_hb = al_param_grad(&w->t, w->head_b);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, H, rows, 1.0f, s->dz, K, s->h, H, 1.0f, g_hw, H);
    for (int r = 0; r < rows; r++)
        for (int k = 0; k < K; k++) g_hb[k] += s->dz[(size_t)r * K + k];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, H, K, 1.0f, s->dz, K,
                al_param_data(&w->t, w->head_w), H, 0.0f, s->dh, H);
    for (size_t i = 0; i < (size_t)rows * H; i++) s->dh[i] = s->h[i] > 0 ? s->dh[i] : 0.0f; /* ReLU */
    float *g_ew = al_param_grad(&w->t, w->enc_w), *g_eb = al_param_grad(&w->t, w->enc_b);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, BINS, rows, 1.0f, s->dh, H, s->xt, BINS, 1.0f, g_ew, BINS);
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < H; j++) g_eb[j] += s->dh[(size_t)r * H + j];
    return AL_OK;
}

const al_model_family al_family_linear_ctc = {
    .name = "linear-ctc",
    .presets = presets,
    .config_size = sizeof(config),
    .head = AL_HEAD_CTC,
    .preset = preset,
    .config_check = config_check,
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
    .state_new = state_new,
    .state_free = state_free,
    .forward = forward,
    .backward = backward,
};
