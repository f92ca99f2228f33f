/* DeepSpeech2 CNN-LSTM: parameter table, initialisation, forward and backward.
 * Shapes (N utterances, T input frames, C conv channels, H hidden, K classes):
 *   x     (N, 1, 161, T)      input spectrograms, zero-padded
 *   y1,z1 (N, C, 81, T1)      conv1 output / BatchNorm + Hardtanh output   T1 = (T - 1) / 2 + 1
 *   y2,z2 (N, C, 41, T1)      conv2 output / BatchNorm + Hardtanh output
 *   seq   (T1, N, C * 41)     z2 transposed, feature index c * 41 + d (PyTorch's view + transpose)
 *   bn[k] (T1, N, H)          sequence-wise BatchNorm before LSTM k >= 1
 *   out[k](T1, N, H)          LSTM k output, directions summed, zero past each length
 *   fc    (T1, N, H)          BatchNorm before the output layer
 *   logits(T1, N, K)
 */
#include "audiolottery/ds2.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/linear.h"
#include "nn/lstm.h"
#include "nn/seqmask.h"
#include "model/ds2_sparse.h"
#include "model/ds2_sparse_train.h"

#define HARDTANH_MIN 0.0f
#define HARDTANH_MAX 20.0f

typedef struct {
    int weight, bias, mean, var;
} bn_params;

typedef struct {
    int w_ih, w_hh, b_ih, b_hh;
} lstm_dir_params;

struct al_ds2 {
    al_ds2_config cfg;
    al_param_table t;
    int max_batch, max_frames;
    int d1, d2;               /* frequency rows after conv1 (81) and conv2 (41) */
    /* parameter indices */
    int conv_w[2], conv_b[2];
    bn_params conv_bn[2];
    bn_params *rnn_bn;        /* (L); entry 0 unused (no BatchNorm before the first LSTM) */
    lstm_dir_params (*rnn)[2]; /* (L, 2 directions) */
    bn_params fc_bn;
    int fc_w;
    /* layers */
    al_conv2d conv[2];
    al_batchnorm bn2d[2], *bn1d, bn_fc; /* bn1d (L), entry 0 unused */
    al_lstm_cache *lstm;                /* (L) */
    /* activations of the last forward (see the shapes above) and gradient scratch */
    float *x, *y1, *z1, *y2, *z2, *seq, **bn, **out, *fc;
    float *g1a, *g1b, *g2a, *g2b, *gseq, *gha, *ghb, *gfc;
    int *len;                 /* (max_batch) output lengths */
    int N, T, T1, trained;    /* sizes and mode of the last forward */
    al_ds2_sparse *sparse;    /* eval-mode sparse weights (ds2_sparse.c); NULL: dense */
    al_ds2_strain *strain;    /* training-mode sparse weights (ds2_sparse_train.c); NULL: dense */
};

al_param_table *al_ds2_params(al_ds2 *m) { return &m->t; }
const al_ds2_config *al_ds2_cfg(const al_ds2 *m) { return &m->cfg; }
al_ds2_sparse **al_ds2_sparse_slot(al_ds2 *m) { return &m->sparse; }
al_ds2_strain **al_ds2_strain_slot(al_ds2 *m) { return &m->strain; }
al_conv2d *al_ds2_conv_layer(al_ds2 *m, int i) { return &m->conv[i]; }
al_lstm_cache *al_ds2_lstm_layer(al_ds2 *m, int k) { return &m->lstm[k]; }

/* ---- construction ---------------------------------------------------------------------- */

static int add(al_param_table *t, al_status *st, const char *name, int ndim, const int64_t *shape, unsigned flags) {
    if (*st != AL_OK) return -1;
    int i = al_param_add(t, name, ndim, shape, flags);
    if (i < 0) *st = (al_status)i;
    return i;
}

static bn_params add_bn(al_param_table *t, al_status *st, const char *prefix, int channels) {
    char name[AL_PARAM_NAME_MAX];
    int64_t shape[1] = {channels};
    bn_params p;
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

static void add_lstm(al_ds2 *m, al_status *st, int k, int in) {
    int H = m->cfg.hidden_size;
    for (int d = 0; d < 2; d++) {
        const char *sfx = d ? "_reverse" : "";
        char name[AL_PARAM_NAME_MAX];
        lstm_dir_params *p = &m->rnn[k][d];
        snprintf(name, sizeof name, "rnns.%d.rnn.weight_ih_l0%s", k, sfx);
        p->w_ih = add(&m->t, st, name, 2, (int64_t[]){4 * H, in}, AL_PARAM_PRUNABLE);
        snprintf(name, sizeof name, "rnns.%d.rnn.weight_hh_l0%s", k, sfx);
        p->w_hh = add(&m->t, st, name, 2, (int64_t[]){4 * H, H}, AL_PARAM_PRUNABLE);
        snprintf(name, sizeof name, "rnns.%d.rnn.bias_ih_l0%s", k, sfx);
        p->b_ih = add(&m->t, st, name, 1, (int64_t[]){4 * H}, AL_PARAM_TRAINABLE);
        snprintf(name, sizeof name, "rnns.%d.rnn.bias_hh_l0%s", k, sfx);
        p->b_hh = add(&m->t, st, name, 1, (int64_t[]){4 * H}, AL_PARAM_TRAINABLE);
    }
}

static al_status build_table(al_ds2 *m) {
    const al_ds2_config *c = &m->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    al_status st = AL_OK;
    al_param_table *t = &m->t;
    m->conv_w[0] = add(t, &st, "conv.seq_module.0.weight", 4, (int64_t[]){C, 1, 41, 11}, AL_PARAM_PRUNABLE);
    m->conv_b[0] = add(t, &st, "conv.seq_module.0.bias", 1, (int64_t[]){C}, AL_PARAM_TRAINABLE);
    m->conv_bn[0] = add_bn(t, &st, "conv.seq_module.1", C);
    m->conv_w[1] = add(t, &st, "conv.seq_module.3.weight", 4, (int64_t[]){C, C, 21, 11}, AL_PARAM_PRUNABLE);
    m->conv_b[1] = add(t, &st, "conv.seq_module.3.bias", 1, (int64_t[]){C}, AL_PARAM_TRAINABLE);
    m->conv_bn[1] = add_bn(t, &st, "conv.seq_module.4", C);
    for (int k = 0; k < L; k++) {
        if (k > 0) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "rnns.%d.batch_norm.module", k);
            m->rnn_bn[k] = add_bn(t, &st, prefix, H);
        }
        add_lstm(m, &st, k, k ? H : C * m->d2);
    }
    m->fc_bn = add_bn(t, &st, "fc.0.module.0", H);
    m->fc_w = add(t, &st, "fc.0.module.1.weight", 2, (int64_t[]){c->n_classes, H}, AL_PARAM_PRUNABLE);
    return st != AL_OK ? st : al_param_table_alloc(t);
}

void al_ds2_free(al_ds2 *m) {
    if (!m) return;
    int L = m->cfg.hidden_layers;
    al_ds2_sparse_free(m->sparse);
    al_ds2_strain_free(m->strain);
    for (int i = 0; i < 2; i++) {
        al_conv2d_free(&m->conv[i]);
        al_batchnorm_free(&m->bn2d[i]);
    }
    for (int k = 0; m->lstm && k < L; k++) al_lstm_cache_free(&m->lstm[k]);
    for (int k = 0; m->bn1d && k < L; k++) al_batchnorm_free(&m->bn1d[k]);
    al_batchnorm_free(&m->bn_fc);
    float *bufs[] = {m->x, m->y1, m->z1, m->y2, m->z2, m->seq, m->fc, m->g1a, m->g1b,
                     m->g2a, m->g2b, m->gseq, m->gha, m->ghb, m->gfc};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) al_free(bufs[i]);
    for (int k = 0; k < L; k++) {
        if (m->bn) al_free(m->bn[k]);
        if (m->out) al_free(m->out[k]);
    }
    free(m->bn);
    free(m->out);
    free(m->lstm);
    free(m->bn1d);
    free(m->rnn_bn);
    free(m->rnn);
    free(m->len);
    al_param_table_free(&m->t);
    free(m);
}

static al_status alloc_buffers(al_ds2 *m) {
    const al_ds2_config *c = &m->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    const size_t N = m->max_batch, T1 = al_ds2_output_length(m->max_frames);
    const size_t s0 = N * c->n_bins * m->max_frames, s1 = N * C * m->d1 * T1, s2 = N * C * m->d2 * T1;
    const size_t sh = T1 * N * H;
    m->x = al_malloc(sizeof(float) * s0);
    m->y1 = al_malloc(sizeof(float) * s1);
    m->z1 = al_malloc(sizeof(float) * s1);
    m->g1a = al_malloc(sizeof(float) * s1);
    m->g1b = al_malloc(sizeof(float) * s1);
    m->y2 = al_malloc(sizeof(float) * s2);
    m->z2 = al_malloc(sizeof(float) * s2);
    m->seq = al_malloc(sizeof(float) * s2);
    m->g2a = al_malloc(sizeof(float) * s2);
    m->g2b = al_malloc(sizeof(float) * s2);
    m->gseq = al_malloc(sizeof(float) * s2);
    m->fc = al_malloc(sizeof(float) * sh);
    m->gha = al_malloc(sizeof(float) * sh);
    m->ghb = al_malloc(sizeof(float) * sh);
    m->gfc = al_malloc(sizeof(float) * sh);
    m->len = malloc(sizeof(int) * N);
    m->bn = calloc(L, sizeof *m->bn);
    m->out = calloc(L, sizeof *m->out);
    int ok = m->x && m->y1 && m->z1 && m->g1a && m->g1b && m->y2 && m->z2 && m->seq && m->g2a && m->g2b &&
             m->gseq && m->fc && m->gha && m->ghb && m->gfc && m->len && m->bn && m->out;
    for (int k = 0; ok && k < L; k++) {
        m->out[k] = al_malloc(sizeof(float) * sh);
        m->bn[k] = k ? al_malloc(sizeof(float) * sh) : NULL;
        ok = m->out[k] && (k == 0 || m->bn[k]);
    }
    return ok ? AL_OK
              : al_error(AL_ERR_NOMEM, "ds2: out of memory for activations (batch %d, %d frames)", m->max_batch,
                         m->max_frames);
}

static al_status init_layers(al_ds2 *m) {
    const al_ds2_config *c = &m->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    const int T1 = al_ds2_output_length(m->max_frames);
    al_conv2d_cfg c1 = {.c_in = 1, .c_out = C, .kh = 41, .kw = 11, .stride_h = 2, .stride_w = 2, .pad_h = 20, .pad_w = 5};
    al_conv2d_cfg c2 = {.c_in = C, .c_out = C, .kh = 21, .kw = 11, .stride_h = 2, .stride_w = 1, .pad_h = 10, .pad_w = 5};
    al_status st = al_conv2d_init(&m->conv[0], &c1);
    if (st == AL_OK) st = al_conv2d_init(&m->conv[1], &c2);
    if (st == AL_OK) st = al_batchnorm_init(&m->bn2d[0], C);
    if (st == AL_OK) st = al_batchnorm_init(&m->bn2d[1], C);
    if (st == AL_OK) st = al_batchnorm_init(&m->bn_fc, H);
    for (int k = 0; st == AL_OK && k < L; k++) {
        if (k) st = al_batchnorm_init(&m->bn1d[k], H);
        if (st == AL_OK) st = al_lstm_cache_init(&m->lstm[k], k ? H : C * m->d2, H, 1, T1, m->max_batch);
    }
    return st;
}

al_status al_ds2_new(const al_ds2_config *cfg, int max_batch, int max_frames, al_ds2 **out) {
    *out = NULL;
    if (al_ds2_config_check(cfg) != AL_OK) return AL_ERR_INVALID;
    if (max_batch < 1 || max_frames < 1) return al_error(AL_ERR_INVALID, "ds2: bad batch/frame capacity");
    al_ds2 *m = calloc(1, sizeof *m);
    if (!m) return al_error(AL_ERR_NOMEM, "out of memory");
    m->cfg = *cfg;
    m->max_batch = max_batch;
    m->max_frames = max_frames;
    m->d1 = al_conv_out_len(cfg->n_bins, 41, 2, 20);
    m->d2 = al_conv_out_len(m->d1, 21, 2, 10);
    int L = cfg->hidden_layers;
    al_param_table_init(&m->t);
    m->rnn_bn = calloc(L, sizeof *m->rnn_bn);
    m->rnn = calloc(L, sizeof *m->rnn);
    m->bn1d = calloc(L, sizeof *m->bn1d);
    m->lstm = calloc(L, sizeof *m->lstm);
    al_status st = m->rnn_bn && m->rnn && m->bn1d && m->lstm ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = build_table(m);
    if (st == AL_OK) st = alloc_buffers(m);
    if (st == AL_OK) st = init_layers(m);
    if (st != AL_OK) {
        al_ds2_free(m);
        return st;
    }
    *out = m;
    return AL_OK;
}

/* ---- initialisation -------------------------------------------------------------------- */

static void fill_uniform(al_ds2 *m, int idx, double bound, uint64_t seed) {
    al_rng rng;
    al_rng_seed_stream(&rng, seed, (uint64_t)idx);
    float *p = al_param_data(&m->t, idx);
    for (size_t i = 0; i < m->t.params[idx].numel; i++) p[i] = (float)al_rng_range(&rng, -bound, bound);
}

static void fill_const(al_ds2 *m, int idx, float v) {
    float *p = al_param_data(&m->t, idx);
    for (size_t i = 0; i < m->t.params[idx].numel; i++) p[i] = v;
}

static void init_bn(al_ds2 *m, const bn_params *p) {
    fill_const(m, p->weight, 1.0f);
    fill_const(m, p->bias, 0.0f);
    fill_const(m, p->mean, 0.0f);
    fill_const(m, p->var, 1.0f);
}

void al_ds2_init_weights(al_ds2 *m, uint64_t seed) {
    const al_ds2_config *c = &m->cfg;
    for (int i = 0; i < 2; i++) {
        /* kaiming_uniform_(a = sqrt(5)) and the default bias both give +-1/sqrt(fan_in) */
        double fan_in = (double)(m->t.params[m->conv_w[i]].numel / c->conv_channels);
        fill_uniform(m, m->conv_w[i], 1.0 / sqrt(fan_in), seed);
        fill_uniform(m, m->conv_b[i], 1.0 / sqrt(fan_in), seed);
        init_bn(m, &m->conv_bn[i]);
    }
    double stdv = 1.0 / sqrt((double)c->hidden_size);
    for (int k = 0; k < c->hidden_layers; k++) {
        if (k) init_bn(m, &m->rnn_bn[k]);
        for (int d = 0; d < 2; d++) {
            const lstm_dir_params *p = &m->rnn[k][d];
            fill_uniform(m, p->w_ih, stdv, seed);
            fill_uniform(m, p->w_hh, stdv, seed);
            fill_uniform(m, p->b_ih, stdv, seed);
            fill_uniform(m, p->b_hh, stdv, seed);
        }
    }
    init_bn(m, &m->fc_bn);
    fill_uniform(m, m->fc_w, 1.0 / sqrt((double)c->hidden_size), seed);
}

/* ---- forward ----------------------------------------------------------------------------- */

static al_lstm_dir lstm_dir(const al_ds2 *m, const float *block, int k, int d) {
    const lstm_dir_params *p = &m->rnn[k][d];
    const al_param *e = m->t.params;
    al_lstm_dir r = {(float *)block + e[p->w_ih].offset, (float *)block + e[p->w_hh].offset,
                     (float *)block + e[p->b_ih].offset, (float *)block + e[p->b_hh].offset};
    return r;
}

static float *P(const al_ds2 *m, int idx) { return al_param_data(&m->t, idx); }
static float *G(const al_ds2 *m, int idx) { return al_param_grad(&m->t, idx); }

/* BatchNorm with this model's parameters; x, y (outer, channels, inner). */
static al_status bn_forward(al_ds2 *m, al_batchnorm *bn, const bn_params *p, float *y, const float *x, int train,
                            int outer, int inner) {
    return al_batchnorm_forward(bn, y, P(m, p->mean), P(m, p->var), x, P(m, p->weight), P(m, p->bias), train, outer,
                                inner);
}

static al_status bn_backward(al_ds2 *m, al_batchnorm *bn, const bn_params *p, float *dx, const float *dy,
                             const float *x, int outer, int inner) {
    return al_batchnorm_backward(bn, dx, G(m, p->weight), G(m, p->bias), dy, x, P(m, p->weight), outer, inner);
}

/* conv i + MaskConv + BatchNorm + MaskConv + Hardtanh: y (conv output, masked), z (block output). */
static al_status conv_block_forward(al_ds2 *m, int i, float *y, float *z, const float *x, int train, int d_in,
                                    int t_in) {
    const int N = m->N, C = m->cfg.conv_channels, d_out = i ? m->d2 : m->d1, T1 = m->T1;
    const al_sparse *sw = train ? al_ds2_strain_conv(m->strain, i, NULL) : al_ds2_sparse_conv(m->sparse, i);
    al_status st = sw ? al_conv2d_forward_sparse(&m->conv[i], sw, y, x, P(m, m->conv_b[i]), N, d_in, t_in)
                      : al_conv2d_forward(&m->conv[i], y, x, P(m, m->conv_w[i]), P(m, m->conv_b[i]), N, d_in, t_in);
    if (st == AL_OK) st = al_seqmask(y, m->len, N, C * d_out, T1);
    if (st == AL_OK) st = bn_forward(m, &m->bn2d[i], &m->conv_bn[i], z, y, train, N, d_out * T1);
    if (st == AL_OK) st = al_seqmask(z, m->len, N, C * d_out, T1);
    /* Hardtanh(0, 20) maps the masked zeros to zero, so the mask after it is already satisfied. */
    if (st == AL_OK) al_hardtanh_forward(z, z, HARDTANH_MIN, HARDTANH_MAX, (size_t)N * C * d_out * T1);
    return st;
}

/* (N, C, D, T1) -> (T1, N, C * D) */
static void to_time_major(float *dst, const float *src, int N, int CD, int T1) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++)
        for (int f = 0; f < CD; f++) {
            const float *s = src + ((size_t)n * CD + f) * T1;
            for (int t = 0; t < T1; t++) dst[((size_t)t * N + n) * CD + f] = s[t];
        }
}

/* (T1, N, C * D) -> (N, C, D, T1) */
static void from_time_major(float *dst, const float *src, int N, int CD, int T1) {
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++)
        for (int f = 0; f < CD; f++) {
            float *d = dst + ((size_t)n * CD + f) * T1;
            for (int t = 0; t < T1; t++) d[t] = src[((size_t)t * N + n) * CD + f];
        }
}

int al_ds2_forward(al_ds2 *m, int train, const float *x, const int *lengths, int N, int T, float *logits,
                   int *out_lengths) {
    const al_ds2_config *c = &m->cfg;
    if (N < 1 || N > m->max_batch || T < 1 || T > m->max_frames)
        return al_error(AL_ERR_INVALID, "ds2: batch of %d x %d frames exceeds the model's capacity %d x %d", N, T,
                        m->max_batch, m->max_frames);
    for (int n = 0; n < N; n++)
        if (lengths[n] < 1 || lengths[n] > T)
            return al_error(AL_ERR_INVALID, "ds2: utterance %d has %d frames (batch has %d)", n, lengths[n], T);
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    m->N = N;
    m->T = T;
    m->T1 = al_ds2_output_length(T);
    m->trained = 0;
    const int T1 = m->T1;
    for (int n = 0; n < N; n++) m->len[n] = out_lengths[n] = al_ds2_output_length(lengths[n]);
    memcpy(m->x, x, sizeof(float) * (size_t)N * c->n_bins * T);

    al_status st = conv_block_forward(m, 0, m->y1, m->z1, m->x, train, c->n_bins, T);
    if (st == AL_OK) st = conv_block_forward(m, 1, m->y2, m->z2, m->z1, train, m->d1, T1);
    if (st != AL_OK) return st;
    to_time_major(m->seq, m->z2, N, C * m->d2, T1);
    const float *in = m->seq;
    for (int k = 0; k < L && st == AL_OK; k++) {
        if (k) {
            st = bn_forward(m, &m->bn1d[k], &m->rnn_bn[k], m->bn[k], in, train, T1 * N, 1);
            in = m->bn[k];
        }
        al_lstm_dir w[2] = {lstm_dir(m, m->t.data, k, 0), lstm_dir(m, m->t.data, k, 1)};
        const al_lstm_sparse_train *tl = train ? al_ds2_strain_lstm(m->strain, k) : NULL;
        const al_lstm_sparse *sl = train ? (tl ? &tl->fwd : NULL) : al_ds2_sparse_lstm(m->sparse, k);
        if (st == AL_OK) st = al_lstm_forward_sparse(m->out[k], &m->lstm[k], in, m->len, w, sl, T1, N);
        in = m->out[k];
    }
    if (st == AL_OK) st = bn_forward(m, &m->bn_fc, &m->fc_bn, m->fc, in, train, T1 * N, 1);
    if (st == AL_OK) st = al_linear_forward(logits, m->fc, P(m, m->fc_w), NULL, T1 * N, H, c->n_classes);
    if (st != AL_OK) return st;
    m->trained = train;
    return T1;
}

/* ---- backward ---------------------------------------------------------------------------- */

/* Backward of conv_block_forward: dz (gradient of the block output, consumed), scratch (same
 * size), dx (gradient of the block input; NULL for the first block). */
static al_status conv_block_backward(al_ds2 *m, int i, float *dz, float *scratch, float *dx, const float *x,
                                     const float *y, const float *z, int d_in, int t_in) {
    const int N = m->N, C = m->cfg.conv_channels, d_out = i ? m->d2 : m->d1, T1 = m->T1;
    const size_t n = (size_t)N * C * d_out * T1;
    memset(scratch, 0, sizeof(float) * n);
    al_hardtanh_backward(scratch, dz, z, HARDTANH_MIN, HARDTANH_MAX, n);
    al_status st = al_seqmask(scratch, m->len, N, C * d_out, T1);
    if (st != AL_OK) return st;
    memset(dz, 0, sizeof(float) * n);
    st = bn_backward(m, &m->bn2d[i], &m->conv_bn[i], dz, scratch, y, N, d_out * T1);
    if (st == AL_OK) st = al_seqmask(dz, m->len, N, C * d_out, T1);
    if (st == AL_OK && dx) memset(dx, 0, sizeof(float) * (size_t)N * (i ? C : 1) * d_in * t_in);
    float *ws = NULL;
    const al_sparse *sw = al_ds2_strain_conv(m->strain, i, &ws);
    if (st == AL_OK && sw)
        st = al_conv2d_backward_sparse(&m->conv[i], sw, ws, dx, G(m, m->conv_w[i]), G(m, m->conv_b[i]), dz, x, N, d_in,
                                       t_in);
    else if (st == AL_OK)
        st = al_conv2d_backward(&m->conv[i], dx, G(m, m->conv_w[i]), G(m, m->conv_b[i]), dz, x, P(m, m->conv_w[i]),
                                N, d_in, t_in);
    return st;
}

al_status al_ds2_backward(al_ds2 *m, const float *dlogits) {
    if (!m->trained) return al_error(AL_ERR_INVALID, "ds2: backward needs a training-mode forward first");
    const al_ds2_config *c = &m->cfg;
    const int N = m->N, T1 = m->T1, C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    const size_t sh = (size_t)T1 * N * H;

    memset(m->gfc, 0, sizeof(float) * sh);
    al_status st = al_linear_backward(m->gfc, G(m, m->fc_w), NULL, dlogits, m->fc, P(m, m->fc_w), T1 * N, H,
                                      c->n_classes);
    float *g_out = m->gha, *g_in = m->ghb; /* gradient of out[k], of LSTM k's input */
    memset(g_out, 0, sizeof(float) * sh);
    if (st == AL_OK) st = bn_backward(m, &m->bn_fc, &m->fc_bn, g_out, m->gfc, m->out[L - 1], T1 * N, 1);
    for (int k = L - 1; k >= 1 && st == AL_OK; k--) {
        al_lstm_dir w[2] = {lstm_dir(m, m->t.data, k, 0), lstm_dir(m, m->t.data, k, 1)};
        al_lstm_dir g[2] = {lstm_dir(m, m->t.grad, k, 0), lstm_dir(m, m->t.grad, k, 1)};
        memset(g_in, 0, sizeof(float) * sh);
        st = al_lstm_backward_sparse(g_in, g, &m->lstm[k], g_out, m->bn[k], w, al_ds2_strain_lstm(m->strain, k));
        memset(g_out, 0, sizeof(float) * sh); /* now the gradient of out[k - 1] */
        if (st == AL_OK) st = bn_backward(m, &m->bn1d[k], &m->rnn_bn[k], g_out, g_in, m->out[k - 1], T1 * N, 1);
    }
    if (st != AL_OK) return st;
    al_lstm_dir w[2] = {lstm_dir(m, m->t.data, 0, 0), lstm_dir(m, m->t.data, 0, 1)};
    al_lstm_dir g[2] = {lstm_dir(m, m->t.grad, 0, 0), lstm_dir(m, m->t.grad, 0, 1)};
    memset(m->gseq, 0, sizeof(float) * (size_t)T1 * N * C * m->d2);
    st = al_lstm_backward_sparse(m->gseq, g, &m->lstm[0], g_out, m->seq, w, al_ds2_strain_lstm(m->strain, 0));
    if (st != AL_OK) return st;
    from_time_major(m->g2a, m->gseq, N, C * m->d2, T1);
    st = conv_block_backward(m, 1, m->g2a, m->g2b, m->g1a, m->z1, m->y2, m->z2, m->d1, T1);
    if (st == AL_OK) st = conv_block_backward(m, 0, m->g1a, m->g1b, NULL, m->x, m->y1, m->z1, c->n_bins, m->T);
    return st;
}
