/* DeepSpeech2's per-thread state: layers, activations, forward and backward.
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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/ds2/ds2_internal.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/seqmask.h"

#define HARDTANH_MIN 0.0f
#define HARDTANH_MAX 20.0f

/* ---- construction ---------------------------------------------------------------------- */

void al_ds2_state_free(al_ds2_state *s) {
    if (!s) return;
    int L = s->w->cfg.hidden_layers;
    al_ds2_strain_free(s->strain);
    al_ds2_state_sparse_unbind(s);
    for (int i = 0; i < 2; i++) {
        al_conv2d_free(&s->conv[i]);
        al_batchnorm_free(&s->bn2d[i]);
    }
    for (int k = 0; s->lstm && k < L; k++) al_lstm_cache_free(&s->lstm[k]);
    for (int k = 0; s->bn1d && k < L; k++) al_batchnorm_free(&s->bn1d[k]);
    al_batchnorm_free(&s->bn_fc);
    float *bufs[] = {s->x, s->y1, s->z1, s->y2, s->z2, s->seq, s->fc, s->g1a, s->g1b,
                     s->g2a, s->g2b, s->gseq, s->gha, s->ghb, s->gfc};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) al_free(bufs[i]);
    for (int k = 0; k < L; k++) {
        if (s->bn) al_free(s->bn[k]);
        if (s->out) al_free(s->out[k]);
    }
    free(s->bn);
    free(s->out);
    free(s->lstm);
    free(s->bn1d);
    free(s->lsp);
    free(s->len);
    free(s);
}

static al_status alloc_buffers(al_ds2_state *s) {
    const al_ds2_config *c = &s->w->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    const size_t N = s->max_batch, T1 = al_ds2_output_length(s->max_frames);
    const size_t s0 = N * c->n_bins * s->max_frames, s1 = N * C * s->w->d1 * T1, s2 = N * C * s->w->d2 * T1;
    const size_t sh = T1 * N * H;
    s->x = al_malloc(sizeof(float) * s0);
    s->y1 = al_malloc(sizeof(float) * s1);
    s->z1 = al_malloc(sizeof(float) * s1);
    s->g1a = al_malloc(sizeof(float) * s1);
    s->g1b = al_malloc(sizeof(float) * s1);
    s->y2 = al_malloc(sizeof(float) * s2);
    s->z2 = al_malloc(sizeof(float) * s2);
    s->seq = al_malloc(sizeof(float) * s2);
    s->g2a = al_malloc(sizeof(float) * s2);
    s->g2b = al_malloc(sizeof(float) * s2);
    s->gseq = al_malloc(sizeof(float) * s2);
    s->fc = al_malloc(sizeof(float) * sh);
    s->gha = al_malloc(sizeof(float) * sh);
    s->ghb = al_malloc(sizeof(float) * sh);
    s->gfc = al_malloc(sizeof(float) * sh);
    s->len = malloc(sizeof(int) * N);
    s->bn = calloc(L, sizeof *s->bn);
    s->out = calloc(L, sizeof *s->out);
    int ok = s->x && s->y1 && s->z1 && s->g1a && s->g1b && s->y2 && s->z2 && s->seq && s->g2a && s->g2b &&
             s->gseq && s->fc && s->gha && s->ghb && s->gfc && s->len && s->bn && s->out;
    for (int k = 0; ok && k < L; k++) {
        s->out[k] = al_malloc(sizeof(float) * sh);
        s->bn[k] = k ? al_malloc(sizeof(float) * sh) : NULL;
        ok = s->out[k] && (k == 0 || s->bn[k]);
    }
    return ok ? AL_OK
              : al_error(AL_ERR_NOMEM, "ds2: out of memory for activations (batch %d, %d frames)", s->max_batch,
                         s->max_frames);
}

static al_status init_layers(al_ds2_state *s) {
    const al_ds2_config *c = &s->w->cfg;
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    const int T1 = al_ds2_output_length(s->max_frames);
    al_conv2d_cfg c1, c2;
    al_ds2_conv_cfg(c, 0, &c1);
    al_ds2_conv_cfg(c, 1, &c2);
    al_status st = al_conv2d_init(&s->conv[0], &c1);
    if (st == AL_OK) st = al_conv2d_init(&s->conv[1], &c2);
    if (st == AL_OK) st = al_batchnorm_init(&s->bn2d[0], C);
    if (st == AL_OK) st = al_batchnorm_init(&s->bn2d[1], C);
    if (st == AL_OK) st = al_batchnorm_init(&s->bn_fc, H);
    for (int k = 0; st == AL_OK && k < L; k++) {
        if (k) st = al_batchnorm_init(&s->bn1d[k], H);
        if (st == AL_OK) st = al_lstm_cache_init(&s->lstm[k], k ? H : C * s->w->d2, H, 1, T1, s->max_batch);
    }
    return st;
}

al_status al_ds2_state_new(al_ds2_weights *w, int max_batch, int max_frames, al_ds2_state **out) {
    *out = NULL;
    if (max_batch < 1 || max_frames < 1) return al_error(AL_ERR_INVALID, "ds2: bad batch/frame capacity");
    al_ds2_state *s = calloc(1, sizeof *s);
    if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
    s->w = w;
    s->max_batch = max_batch;
    s->max_frames = max_frames;
    int L = w->cfg.hidden_layers;
    s->bn1d = calloc(L, sizeof *s->bn1d);
    s->lstm = calloc(L, sizeof *s->lstm);
    al_status st = s->bn1d && s->lstm ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = alloc_buffers(s);
    if (st == AL_OK) st = init_layers(s);
    if (st != AL_OK) {
        al_ds2_state_free(s);
        return st;
    }
    *out = s;
    return AL_OK;
}

/* ---- forward ----------------------------------------------------------------------------- */

static al_lstm_dir lstm_dir(const al_ds2_weights *w, const float *block, int k, int d) {
    const al_ds2_lstm_params *p = &w->rnn[k][d];
    const al_param *e = w->t.params;
    al_lstm_dir r = {(float *)block + e[p->w_ih].offset, (float *)block + e[p->w_hh].offset,
                     (float *)block + e[p->b_ih].offset, (float *)block + e[p->b_hh].offset};
    return r;
}

/* values and gradients of the state's weights' parameter idx */
static float *P(const al_ds2_state *s, int idx) { return al_param_data(&s->w->t, idx); }
static float *G(const al_ds2_state *s, int idx) { return al_param_grad(&s->w->t, idx); }

/* BatchNorm with this model's parameters; x, y (outer, channels, inner). */
static al_status bn_forward(al_ds2_state *s, al_batchnorm *bn, const al_ds2_bn_params *p, float *y, const float *x,
                            int train, int outer, int inner) {
    return al_batchnorm_forward(bn, y, P(s, p->mean), P(s, p->var), x, P(s, p->weight), P(s, p->bias), train, outer,
                                inner);
}

static al_status bn_backward(al_ds2_state *s, al_batchnorm *bn, const al_ds2_bn_params *p, float *dx, const float *dy,
                             const float *x, int outer, int inner) {
    return al_batchnorm_backward(bn, dx, G(s, p->weight), G(s, p->bias), dy, x, P(s, p->weight), outer, inner);
}

/* conv i + MaskConv + BatchNorm + MaskConv + Hardtanh: y (conv output, masked), z (block output). */
static al_status conv_block_forward(al_ds2_state *s, int i, float *y, float *z, const float *x, int train, int d_in,
                                    int t_in) {
    const int N = s->N, C = s->w->cfg.conv_channels, d_out = i ? s->w->d2 : s->w->d1, T1 = s->T1;
    const al_sparse *sw = train ? al_ds2_strain_conv(s->strain, i, NULL) : al_ds2_sparse_conv(s->w, i);
    al_status st =
        sw ? al_conv2d_forward_sparse(&s->conv[i], sw, y, x, P(s, s->w->conv_b[i]), N, d_in, t_in)
           : al_conv2d_forward(&s->conv[i], y, x, P(s, s->w->conv_w[i]), P(s, s->w->conv_b[i]), N, d_in, t_in);
    if (st == AL_OK) st = al_seqmask(y, s->len, N, C * d_out, T1);
    if (st == AL_OK) st = bn_forward(s, &s->bn2d[i], &s->w->conv_bn[i], z, y, train, N, d_out * T1);
    if (st == AL_OK) st = al_seqmask(z, s->len, N, C * d_out, T1);
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

int al_ds2_state_forward(al_ds2_state *s, int train, const float *x, const int *lengths, int N, int T, float *logits,
                         int *out_lengths) {
    const al_ds2_config *c = &s->w->cfg;
    if (N < 1 || N > s->max_batch || T < 1 || T > s->max_frames)
        return al_error(AL_ERR_INVALID, "ds2: batch of %d x %d frames exceeds the model's capacity %d x %d", N, T,
                        s->max_batch, s->max_frames);
    for (int n = 0; n < N; n++)
        if (lengths[n] < 1 || lengths[n] > T)
            return al_error(AL_ERR_INVALID, "ds2: utterance %d has %d frames (batch has %d)", n, lengths[n], T);
    const int C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    s->N = N;
    s->T = T;
    s->T1 = al_ds2_output_length(T);
    s->trained = 0;
    const int T1 = s->T1;
    for (int n = 0; n < N; n++) s->len[n] = out_lengths[n] = al_ds2_output_length(lengths[n]);
    memcpy(s->x, x, sizeof(float) * (size_t)N * c->n_bins * T);

    al_status st = conv_block_forward(s, 0, s->y1, s->z1, s->x, train, c->n_bins, T);
    if (st == AL_OK) st = conv_block_forward(s, 1, s->y2, s->z2, s->z1, train, s->w->d1, T1);
    if (st != AL_OK) return st;
    to_time_major(s->seq, s->z2, N, C * s->w->d2, T1);
    const float *in = s->seq;
    for (int k = 0; k < L && st == AL_OK; k++) {
        if (k) {
            st = bn_forward(s, &s->bn1d[k], &s->w->rnn_bn[k], s->bn[k], in, train, T1 * N, 1);
            in = s->bn[k];
        }
        al_lstm_dir w[2] = {lstm_dir(s->w, s->w->t.data, k, 0), lstm_dir(s->w, s->w->t.data, k, 1)};
        const al_lstm_sparse_train *tl = train ? al_ds2_strain_lstm(s->strain, k) : NULL;
        const al_lstm_sparse *sl = tl ? &tl->fwd : NULL;
        if (!train && st == AL_OK) st = al_ds2_state_sparse_lstm(s, k, &sl);
        if (st == AL_OK) st = al_lstm_forward_sparse(s->out[k], &s->lstm[k], in, s->len, w, sl, T1, N);
        in = s->out[k];
    }
    if (st == AL_OK) st = bn_forward(s, &s->bn_fc, &s->w->fc_bn, s->fc, in, train, T1 * N, 1);
    if (st == AL_OK) st = al_linear_forward(logits, s->fc, P(s, s->w->fc_w), NULL, T1 * N, H, c->n_classes);
    if (st != AL_OK) return st;
    s->trained = train;
    return T1;
}

/* ---- backward ---------------------------------------------------------------------------- */

/* Backward of conv_block_forward: dz (gradient of the block output, consumed), scratch (same
 * size), dx (gradient of the block input; NULL for the first block). */
static al_status conv_block_backward(al_ds2_state *s, int i, float *dz, float *scratch, float *dx, const float *x,
                                     const float *y, const float *z, int d_in, int t_in) {
    const int N = s->N, C = s->w->cfg.conv_channels, d_out = i ? s->w->d2 : s->w->d1, T1 = s->T1;
    const size_t n = (size_t)N * C * d_out * T1;
    memset(scratch, 0, sizeof(float) * n);
    al_hardtanh_backward(scratch, dz, z, HARDTANH_MIN, HARDTANH_MAX, n);
    al_status st = al_seqmask(scratch, s->len, N, C * d_out, T1);
    if (st != AL_OK) return st;
    memset(dz, 0, sizeof(float) * n);
    st = bn_backward(s, &s->bn2d[i], &s->w->conv_bn[i], dz, scratch, y, N, d_out * T1);
    if (st == AL_OK) st = al_seqmask(dz, s->len, N, C * d_out, T1);
    if (st == AL_OK && dx) memset(dx, 0, sizeof(float) * (size_t)N * (i ? C : 1) * d_in * t_in);
    float *ws = NULL;
    const al_sparse *sw = al_ds2_strain_conv(s->strain, i, &ws);
    if (st == AL_OK && sw)
        st = al_conv2d_backward_sparse(&s->conv[i], sw, ws, dx, G(s, s->w->conv_w[i]), G(s, s->w->conv_b[i]), dz, x, N,
                                       d_in, t_in);
    else if (st == AL_OK)
        st = al_conv2d_backward(&s->conv[i], dx, G(s, s->w->conv_w[i]), G(s, s->w->conv_b[i]), dz, x,
                                P(s, s->w->conv_w[i]), N, d_in, t_in);
    return st;
}

al_status al_ds2_state_backward(al_ds2_state *s, const float *dlogits) {
    if (!s->trained) return al_error(AL_ERR_INVALID, "ds2: backward needs a training-mode forward first");
    const al_ds2_config *c = &s->w->cfg;
    const int N = s->N, T1 = s->T1, C = c->conv_channels, H = c->hidden_size, L = c->hidden_layers;
    const size_t sh = (size_t)T1 * N * H;

    memset(s->gfc, 0, sizeof(float) * sh);
    al_status st = al_linear_backward(s->gfc, G(s, s->w->fc_w), NULL, dlogits, s->fc, P(s, s->w->fc_w), T1 * N, H,
                                      c->n_classes);
    float *g_out = s->gha, *g_in = s->ghb; /* gradient of out[k], of LSTM k's input */
    memset(g_out, 0, sizeof(float) * sh);
    if (st == AL_OK) st = bn_backward(s, &s->bn_fc, &s->w->fc_bn, g_out, s->gfc, s->out[L - 1], T1 * N, 1);
    for (int k = L - 1; k >= 1 && st == AL_OK; k--) {
        al_lstm_dir w[2] = {lstm_dir(s->w, s->w->t.data, k, 0), lstm_dir(s->w, s->w->t.data, k, 1)};
        al_lstm_dir g[2] = {lstm_dir(s->w, s->w->t.grad, k, 0), lstm_dir(s->w, s->w->t.grad, k, 1)};
        memset(g_in, 0, sizeof(float) * sh);
        st = al_lstm_backward_sparse(g_in, g, &s->lstm[k], g_out, s->bn[k], w, al_ds2_strain_lstm(s->strain, k));
        memset(g_out, 0, sizeof(float) * sh); /* now the gradient of out[k - 1] */
        if (st == AL_OK) st = bn_backward(s, &s->bn1d[k], &s->w->rnn_bn[k], g_out, g_in, s->out[k - 1], T1 * N, 1);
    }
    if (st != AL_OK) return st;
    al_lstm_dir w[2] = {lstm_dir(s->w, s->w->t.data, 0, 0), lstm_dir(s->w, s->w->t.data, 0, 1)};
    al_lstm_dir g[2] = {lstm_dir(s->w, s->w->t.grad, 0, 0), lstm_dir(s->w, s->w->t.grad, 0, 1)};
    memset(s->gseq, 0, sizeof(float) * (size_t)T1 * N * C * s->w->d2);
    st = al_lstm_backward_sparse(s->gseq, g, &s->lstm[0], g_out, s->seq, w, al_ds2_strain_lstm(s->strain, 0));
    if (st != AL_OK) return st;
    from_time_major(s->g2a, s->gseq, N, C * s->w->d2, T1);
    st = conv_block_backward(s, 1, s->g2a, s->g2b, s->g1a, s->z1, s->y2, s->z2, s->w->d1, T1);
    if (st == AL_OK) st = conv_block_backward(s, 0, s->g1a, s->g1b, NULL, s->x, s->y1, s->z1, c->n_bins, s->T);
    return st;
}
