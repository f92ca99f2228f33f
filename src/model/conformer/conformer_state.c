/* Conformer-CTC's per-thread state: activations, forward and backward (shapes in
 * conformer_internal.h). A layer, on rows (n, t) of d features:
 *   x1 = x0 + 0.5 ffn1(x0)              ffn(x) = drop(Linear2(drop(SiLU(Linear1(LN(x))))))
 *   x2 = x1 + drop(MHSA(LN(x1)))        key padding: frames >= the utterance's length
 *   x3 = x2 + conv(x2)                  conv(x) = drop(PW2(SiLU(BN(DW(GLU(PW1(LN(x)))))))), padded
 *                                       frames zeroed before DW and kept out of BN's statistics
 *   x4 = x3 + 0.5 ffn2(x3);  out = LN(x4)
 * Dropout (training, p = cfg.dropout) draws from per-(seed, layer, site, row) streams, the seed
 * given before each training forward (al_model_state_set_seed), so a resumed run draws the same. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/conformer/conformer_internal.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/dwconv1d.h"
#include "nn/glu.h"
#include "nn/linear.h"

#define LN_EPS 1e-5f

enum { SITE_FFN1_A, SITE_FFN1_O, SITE_ATT, SITE_CONV, SITE_FFN2_A, SITE_FFN2_O, SITE_MHSA, SITES };

static float *P(const al_conformer_state *s, int idx) { return al_param_data(&s->w->t, idx); }
static float *G(const al_conformer_state *s, int idx) { return al_param_grad(&s->w->t, idx); }

/* the dropout stream of (layer, site): rows are consecutive streams after it */
static uint64_t stream(int layer, int site) { return ((uint64_t)(layer * SITES + site) << 40); }

/* ---- construction ---------------------------------------------------------------------- */

static void free_ffn(al_conformer_ffn_cache *c) {
    al_layernorm_free(&c->ln);
    al_free(c->x_ln), al_free(c->h), al_free(c->a);
    free(c->drop_a), free(c->drop_o);
}

static void free_layer(al_conformer_layer_cache *c) {
    free_ffn(&c->ffn1);
    free_ffn(&c->ffn2);
    al_layernorm_free(&c->att_ln), al_layernorm_free(&c->cv_ln), al_layernorm_free(&c->fin_ln);
    al_mhsa_free(&c->att);
    al_batchnorm_free(&c->bn);
    float *f[] = {c->x1, c->att_in, c->x2, c->cv_in, c->pw1, c->glu, c->dw, c->bn_out, c->act, c->x3, c->x4, c->out};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) al_free(f[i]);
    free(c->drop_att), free(c->drop_cv);
}

void al_conformer_state_free(al_conformer_state *s) {
    if (!s) return;
    al_conformer_sparse_train_off(s);
    for (int i = 0; s->layer && i < s->w->cfg.layers; i++) free_layer(&s->layer[i]);
    free(s->layer);
    for (int i = 0; i < 2; i++) al_conv2d_free(&s->conv[i]);
    float *f[] = {s->sub0, s->c1, s->c2, s->flat, s->x0, s->g_r1, s->g_r2, s->g_flat, s->head, s->g_head,
                  s->g_cur, s->g_d, s->g_c, s->g_e, s->g_f1, s->g_f2, s->g_p2};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) al_free(f[i]);
    free(s->keep);
    free(s->len);
    free(s);
}

/* al_malloc of n floats into *p; *ok cleared on failure */
static void want(float **p, size_t n, int *ok) {
    if (*ok && !(*p = al_malloc(sizeof(float) * (n ? n : 1)))) *ok = 0;
}

static void want_bytes(uint8_t **p, size_t n, int on, int *ok) {
    if (on && *ok && !(*p = malloc(n ? n : 1))) *ok = 0;
}

static al_status init_ffn(al_conformer_ffn_cache *c, const al_conformer_config *cfg, int rows, int *ok) {
    const int drop = cfg->dropout > 0;
    want(&c->x_ln, (size_t)rows * cfg->d, ok);
    want(&c->h, (size_t)rows * cfg->ffn, ok);
    want(&c->a, (size_t)rows * cfg->ffn, ok);
    want_bytes(&c->drop_a, (size_t)rows * cfg->ffn, drop, ok);
    want_bytes(&c->drop_o, (size_t)rows * cfg->d, drop, ok);
    return al_layernorm_init(&c->ln, cfg->d, rows, LN_EPS);
}

static al_status init_layer(al_conformer_state *s, int i) {
    const al_conformer_config *cfg = &s->w->cfg;
    al_conformer_layer_cache *c = &s->layer[i];
    const size_t rd = (size_t)s->max_rows * cfg->d;
    const int drop = cfg->dropout > 0;
    int ok = 1;
    c->x0 = i ? s->layer[i - 1].out : s->x0;
    al_status st = init_ffn(&c->ffn1, cfg, s->max_rows, &ok);
    if (st == AL_OK) st = init_ffn(&c->ffn2, cfg, s->max_rows, &ok);
    float **f[] = {&c->x1, &c->att_in, &c->x2, &c->cv_in, &c->glu, &c->dw, &c->bn_out, &c->act, &c->x3, &c->x4,
                   &c->out};
    for (size_t j = 0; j < sizeof f / sizeof *f; j++) want(f[j], rd, &ok);
    want(&c->pw1, 2 * rd, &ok);
    want_bytes(&c->drop_att, rd, drop, &ok);
    want_bytes(&c->drop_cv, rd, drop, &ok);
    if (st == AL_OK) st = al_layernorm_init(&c->att_ln, cfg->d, s->max_rows, LN_EPS);
    if (st == AL_OK) st = al_layernorm_init(&c->cv_ln, cfg->d, s->max_rows, LN_EPS);
    if (st == AL_OK) st = al_layernorm_init(&c->fin_ln, cfg->d, s->max_rows, LN_EPS);
    if (st == AL_OK) st = al_mhsa_init(&c->att, cfg->d, cfg->heads, s->max_batch, s->max_rows / s->max_batch);
    if (st == AL_OK) st = al_batchnorm_init(&c->bn, cfg->d);
    if (st == AL_OK && !ok) st = al_error(AL_ERR_NOMEM, "conformer: out of memory for layer %d's activations", i);
    return st;
}

static al_status init_buffers(al_conformer_state *s) {
    const al_conformer_config *cfg = &s->w->cfg;
    const size_t N = s->max_batch, T = s->max_frames, F = cfg->n_bins, C = cfg->d;
    const size_t T1 = (T - 1) / 2, F1 = al_conformer_sub_bins(cfg, 0), F2 = al_conformer_sub_bins(cfg, 1);
    const size_t rows = s->max_rows, s1 = N * C * T1 * F1;
    int ok = 1;
    want(&s->sub0, N * T * F, &ok);
    want(&s->c1, s1, &ok);
    want(&s->c2, rows * C * F2, &ok);
    want(&s->flat, rows * C * F2, &ok);
    want(&s->x0, rows * cfg->d, &ok);
    want(&s->g_r1, s1, &ok);
    want(&s->g_r2, s1, &ok);
    want(&s->g_flat, rows * C * F2, &ok);
    want(&s->head, rows * cfg->n_classes, &ok);
    want(&s->g_head, rows * cfg->n_classes, &ok);
    float **d[] = {&s->g_cur, &s->g_d, &s->g_c, &s->g_e};
    for (size_t i = 0; i < sizeof d / sizeof *d; i++) want(d[i], rows * cfg->d, &ok);
    want(&s->g_f1, rows * cfg->ffn, &ok);
    want(&s->g_f2, rows * cfg->ffn, &ok);
    want(&s->g_p2, rows * 2 * cfg->d, &ok);
    s->keep = malloc(rows);
    s->len = malloc(sizeof(int) * N);
    s->layer = calloc(cfg->layers, sizeof *s->layer);
    if (!ok || !s->keep || !s->len || !s->layer)
        return al_error(AL_ERR_NOMEM, "conformer: out of memory for a state of %d x %d frames", s->max_batch,
                        s->max_frames);
    return AL_OK;
}

al_status al_conformer_state_new(al_conformer_weights *w, int max_batch, int max_frames, al_conformer_state **out) {
    *out = NULL;
    const int T2 = al_conformer_output_length(max_frames);
    if (max_batch < 1 || T2 < 1)
        return al_error(AL_ERR_INVALID, "conformer: capacity %d x %d frames (at least 7 frames)", max_batch,
                        max_frames);
    al_conformer_state *s = calloc(1, sizeof *s);
    if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
    s->w = w;
    s->max_batch = max_batch;
    s->max_frames = max_frames;
    s->max_rows = max_batch * T2;
    al_conv2d_cfg cc = {.c_in = 1, .c_out = w->cfg.d, .kh = 3, .kw = 3, .stride_h = 2, .stride_w = 2};
    al_status st = init_buffers(s);
    if (st == AL_OK) st = al_conv2d_init(&s->conv[0], &cc);
    cc.c_in = w->cfg.d;
    if (st == AL_OK) st = al_conv2d_init(&s->conv[1], &cc);
    for (int i = 0; st == AL_OK && i < w->cfg.layers; i++) st = init_layer(s, i);
    if (st != AL_OK) {
        al_conformer_state_free(s);
        return st;
    }
    *out = s;
    return AL_OK;
}

/* ---- forward ----------------------------------------------------------------------------- */

/* the sparse matrices of this forward: the state's training ones, or the weights' eval ones */
static const al_sparse_weights *set_of(const al_conformer_state *s) { return s->trained ? s->strain : s->w->sparse; }

static int dropping(const al_conformer_state *s) { return s->trained && s->w->cfg.dropout > 0; }

/* o (rows, d) = ffn(x) (without the 0.5). */
static al_status ffn_forward(al_conformer_state *s, al_conformer_ffn_cache *c, const al_conformer_ffn_params *p,
                             const float *x, float *o, int layer, int site_a, int site_o) {
    const al_conformer_config *cfg = &s->w->cfg;
    const int rows = s->N * s->T2, d = cfg->d, f = cfg->ffn;
    const float pd = cfg->dropout;
    al_status st = al_layernorm_forward(&c->ln, c->x_ln, x, P(s, p->ln_w), P(s, p->ln_b), rows);
    if (st == AL_OK) st = al_conformer_linear(s->w, set_of(s), c->h, c->x_ln, p->w1, p->b1, rows, d, f);
    if (st != AL_OK) return st;
    al_silu_forward(c->a, c->h, (size_t)rows * f);
    if (dropping(s)) {
        al_dropout_mask(c->drop_a, rows, f, pd, s->seed, stream(layer, site_a));
        al_dropout_forward(c->a, c->a, c->drop_a, (size_t)rows * f, pd);
    }
    st = al_conformer_linear(s->w, set_of(s), o, c->a, p->w2, p->b2, rows, f, d);
    if (st == AL_OK && dropping(s)) {
        al_dropout_mask(c->drop_o, rows, d, pd, s->seed, stream(layer, site_o));
        al_dropout_forward(o, o, c->drop_o, (size_t)rows * d, pd);
    }
    return st;
}

/* y = x + scale * r, rows * d values */
static void residual(float *y, const float *x, const float *r, float scale, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) y[i] = x[i] + scale * r[i];
}

/* rows of frames past their utterance's length to 0 */
static void zero_padded(float *x, const uint8_t *keep, int rows, int dim) {
    for (int r = 0; r < rows; r++)
        if (!keep[r]) memset(x + (size_t)r * dim, 0, sizeof(float) * dim);
}

static al_status conv_forward(al_conformer_state *s, al_conformer_layer_cache *c, const al_conformer_layer_params *p,
                              int layer, float *o) {
    const al_conformer_config *cfg = &s->w->cfg;
    const int rows = s->N * s->T2, d = cfg->d;
    al_status st = al_layernorm_forward(&c->cv_ln, c->cv_in, c->x2, P(s, p->cv_ln_w), P(s, p->cv_ln_b), rows);
    if (st == AL_OK) st = al_conformer_linear(s->w, set_of(s), c->pw1, c->cv_in, p->pw1_w, p->pw1_b, rows, d, 2 * d);
    if (st != AL_OK) return st;
    al_glu_forward(c->glu, c->pw1, rows, d, 1);
    zero_padded(c->glu, s->keep, rows, d);
    st = al_dwconv1d_forward(c->dw, c->glu, P(s, p->dw_w), P(s, p->dw_b), s->N, s->T2, d, cfg->kernel);
    if (st == AL_OK)
        st = al_batchnorm_forward_masked(&c->bn, c->bn_out, P(s, p->bn_mean), P(s, p->bn_var), c->dw, P(s, p->bn_w),
                                         P(s, p->bn_b), s->trained, rows, 1, s->keep);
    if (st != AL_OK) return st;
    al_silu_forward(c->act, c->bn_out, (size_t)rows * d);
    st = al_conformer_linear(s->w, set_of(s), o, c->act, p->pw2_w, p->pw2_b, rows, d, d);
    if (st == AL_OK && dropping(s)) {
        al_dropout_mask(c->drop_cv, rows, d, cfg->dropout, s->seed, stream(layer, SITE_CONV));
        al_dropout_forward(o, o, c->drop_cv, (size_t)rows * d, cfg->dropout);
    }
    return st;
}

static al_status layer_forward(al_conformer_state *s, int i) {
    const al_conformer_config *cfg = &s->w->cfg;
    const al_conformer_layer_params *p = &s->w->layer[i];
    al_conformer_layer_cache *c = &s->layer[i];
    const int rows = s->N * s->T2, d = cfg->d;
    const size_t n = (size_t)rows * d;
    float *tmp = s->g_c; /* a module's output before its residual (gradient scratch is free now) */
    al_status st = ffn_forward(s, &c->ffn1, &p->ffn1, c->x0, tmp, i, SITE_FFN1_A, SITE_FFN1_O);
    if (st != AL_OK) return st;
    residual(c->x1, c->x0, tmp, 0.5f, n);
    st = al_layernorm_forward(&c->att_ln, c->att_in, c->x1, P(s, p->att_ln_w), P(s, p->att_ln_b), rows);
    al_mhsa_use_sparse(&c->att, al_sparse_weights_find(set_of(s), p->in_w), al_sparse_weights_find(set_of(s), p->out_w),
                       &s->ws, s->dval);
    if (st == AL_OK)
        st = al_mhsa_forward(&c->att, tmp, c->att_in, s->len, P(s, p->in_w), P(s, p->in_b), P(s, p->out_w),
                             P(s, p->out_b), s->N, s->T2, dropping(s) ? cfg->dropout : 0.0f,
                             s->seed * 1000003u + stream(i, SITE_MHSA));
    if (st != AL_OK) return st;
    if (dropping(s)) {
        al_dropout_mask(c->drop_att, rows, d, cfg->dropout, s->seed, stream(i, SITE_ATT));
        al_dropout_forward(tmp, tmp, c->drop_att, n, cfg->dropout);
    }
    residual(c->x2, c->x1, tmp, 1.0f, n);
    st = conv_forward(s, c, p, i, tmp);
    if (st != AL_OK) return st;
    residual(c->x3, c->x2, tmp, 1.0f, n);
    st = ffn_forward(s, &c->ffn2, &p->ffn2, c->x3, tmp, i, SITE_FFN2_A, SITE_FFN2_O);
    if (st != AL_OK) return st;
    residual(c->x4, c->x3, tmp, 0.5f, n);
    return al_layernorm_forward(&c->fin_ln, c->out, c->x4, P(s, p->fin_ln_w), P(s, p->fin_ln_b), rows);
}

/* ESPnet's Conv2dSubsampling without positional encoding: x (N, F, T) -> x0 (N, T2, d). */
static al_status subsampling_forward(al_conformer_state *s, const float *x) {
    const al_conformer_config *cfg = &s->w->cfg;
    const int N = s->N, T = s->T, F = cfg->n_bins, C = cfg->d, F1 = al_conformer_sub_bins(cfg, 0);
    const int F2 = al_conformer_sub_bins(cfg, 1), T1 = s->T1, T2 = s->T2;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++)
        for (int t = 0; t < T; t++)
            for (int f = 0; f < F; f++) s->sub0[((size_t)n * T + t) * F + f] = x[((size_t)n * F + f) * T + t];
    al_status st = al_conv2d_forward(&s->conv[0], s->c1, s->sub0, P(s, s->w->sub_w[0]), P(s, s->w->sub_b[0]), N, T, F);
    if (st != AL_OK) return st;
    al_hardtanh_forward(s->c1, s->c1, 0.0f, INFINITY, (size_t)N * C * T1 * F1); /* ReLU */
    st = al_conv2d_forward(&s->conv[1], s->c2, s->c1, P(s, s->w->sub_w[1]), P(s, s->w->sub_b[1]), N, T1, F1);
    if (st != AL_OK) return st;
    al_hardtanh_forward(s->c2, s->c2, 0.0f, INFINITY, (size_t)N * C * T2 * F2);
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (int t = 0; t < T2; t++)
                memcpy(s->flat + ((size_t)n * T2 + t) * C * F2 + (size_t)c * F2,
                       s->c2 + (((size_t)n * C + c) * T2 + t) * F2, sizeof(float) * F2);
    return al_conformer_linear(s->w, set_of(s), s->x0, s->flat, s->w->sub_out_w, s->w->sub_out_b, N * T2, C * F2,
                               cfg->d);
}

int al_conformer_forward(al_conformer_state *s, int train, const float *x, const int *lengths, int N, int T,
                         float *logits, int *out_lengths) {
    const al_conformer_config *cfg = &s->w->cfg;
    if (N < 1 || N > s->max_batch || T < 1 || T > s->max_frames)
        return al_error(AL_ERR_INVALID, "conformer: batch of %d x %d frames exceeds the capacity %d x %d", N, T,
                        s->max_batch, s->max_frames);
    for (int n = 0; n < N; n++)
        if (lengths[n] > T || al_conformer_output_length(lengths[n]) < 1)
            return al_error(AL_ERR_INVALID, "conformer: utterance %d has %d frames (batch %d; at least 7)", n,
                            lengths[n], T);
    s->N = N, s->T = T, s->T1 = (T - 1) / 2, s->T2 = al_conformer_output_length(T);
    s->trained = train;
    const int T2 = s->T2, V = cfg->n_classes, rows = N * T2;
    for (int n = 0; n < N; n++) {
        s->len[n] = out_lengths[n] = al_conformer_output_length(lengths[n]);
        for (int t = 0; t < T2; t++) s->keep[n * T2 + t] = t < s->len[n];
    }
    al_status st = subsampling_forward(s, x);
    for (int i = 0; st == AL_OK && i < cfg->layers; i++) st = layer_forward(s, i);
    const float *last = s->layer[cfg->layers - 1].out;
    if (st == AL_OK) st = al_conformer_linear(s->w, set_of(s), s->head, last, s->w->head_w, s->w->head_b, rows, cfg->d, V);
    if (st != AL_OK) {
        s->trained = 0;
        return st;
    }
#pragma omp parallel for collapse(2) schedule(static)
    for (int t = 0; t < T2; t++) /* (N, T2, V) -> (T2, N, V) */
        for (int n = 0; n < N; n++)
            memcpy(logits + ((size_t)t * N + n) * V, s->head + ((size_t)n * T2 + t) * V, sizeof(float) * V);
    return T2;
}

/* ---- backward ---------------------------------------------------------------------------- */

/* Adds ffn's gradient into g (rows, d), which holds d loss / d (x + scale ffn(x)) on entry and
 * d loss / d x on return; x is the module's input. */
static al_status ffn_backward(al_conformer_state *s, al_conformer_ffn_cache *c, const al_conformer_ffn_params *p,
                              const float *x, float *g, float scale) {
    const al_conformer_config *cfg = &s->w->cfg;
    const int rows = s->N * s->T2, d = cfg->d, f = cfg->ffn;
    const size_t nd = (size_t)rows * d, nf = (size_t)rows * f;
    float *go = s->g_c, *gf1 = s->g_f1, *gf2 = s->g_f2, *gx = s->g_e;
    memset(go, 0, sizeof(float) * nd);
    if (dropping(s)) al_dropout_backward(go, g, c->drop_o, nd, cfg->dropout);
    else memcpy(go, g, sizeof(float) * nd);
    for (size_t i = 0; i < nd; i++) go[i] *= scale;
    memset(gf1, 0, sizeof(float) * nf);
    al_status st = al_conformer_linear_backward(s, gf1, p->w2, p->b2, go, c->a, rows, f, d);
    if (st != AL_OK) return st;
    if (dropping(s)) { /* gf1: d / d SiLU output after dropout -> gf2 before it */
        memset(gf2, 0, sizeof(float) * nf);
        al_dropout_backward(gf2, gf1, c->drop_a, nf, cfg->dropout);
        float *t = gf1;
        gf1 = gf2, gf2 = t;
    }
    memset(gf2, 0, sizeof(float) * nf);
    al_silu_backward(gf2, gf1, c->h, nf);
    memset(gx, 0, sizeof(float) * nd);
    st = al_conformer_linear_backward(s, gx, p->w1, p->b1, gf2, c->x_ln, rows, d, f);
    if (st == AL_OK) st = al_layernorm_backward(&c->ln, g, G(s, p->ln_w), G(s, p->ln_b), gx, x, P(s, p->ln_w), rows);
    return st;
}

/* g: d loss / d x3 on entry, d loss / d x2 on return. */
static al_status conv_backward(al_conformer_state *s, al_conformer_layer_cache *c,
                               const al_conformer_layer_params *p, float *g) {
    const al_conformer_config *cfg = &s->w->cfg;
    const int rows = s->N * s->T2, d = cfg->d;
    const size_t nd = (size_t)rows * d;
    float *ga = s->g_c, *gb = s->g_e, *g2 = s->g_p2;
    memset(ga, 0, sizeof(float) * nd);
    if (dropping(s)) al_dropout_backward(ga, g, c->drop_cv, nd, cfg->dropout);
    else memcpy(ga, g, sizeof(float) * nd);
    memset(gb, 0, sizeof(float) * nd); /* d / d act */
    al_status st = al_conformer_linear_backward(s, gb, p->pw2_w, p->pw2_b, ga, c->act, rows, d, d);
    if (st != AL_OK) return st;
    memset(ga, 0, sizeof(float) * nd); /* d / d bn_out */
    al_silu_backward(ga, gb, c->bn_out, nd);
    memset(gb, 0, sizeof(float) * nd); /* d / d dw */
    st = al_batchnorm_backward_masked(&c->bn, gb, G(s, p->bn_w), G(s, p->bn_b), ga, c->dw, P(s, p->bn_w), rows, 1,
                                      s->keep);
    if (st != AL_OK) return st;
    memset(ga, 0, sizeof(float) * nd); /* d / d glu (zeroed frames: none) */
    st = al_dwconv1d_backward(ga, G(s, p->dw_w), G(s, p->dw_b), gb, c->glu, P(s, p->dw_w), s->N, s->T2, d,
                              cfg->kernel);
    if (st != AL_OK) return st;
    zero_padded(ga, s->keep, rows, d);
    memset(g2, 0, sizeof(float) * 2 * nd);
    al_glu_backward(g2, ga, c->pw1, rows, d, 1);
    memset(gb, 0, sizeof(float) * nd); /* d / d cv_in */
    st = al_conformer_linear_backward(s, gb, p->pw1_w, p->pw1_b, g2, c->cv_in, rows, d, 2 * d);
    if (st == AL_OK)
        st = al_layernorm_backward(&c->cv_ln, g, G(s, p->cv_ln_w), G(s, p->cv_ln_b), gb, c->x2, P(s, p->cv_ln_w),
                                   rows);
    return st;
}

/* g: d loss / d x2 on entry, d loss / d x1 on return. */
static al_status attention_backward(al_conformer_state *s, al_conformer_layer_cache *c,
                                    const al_conformer_layer_params *p, float *g) {
    const int rows = s->N * s->T2, d = s->w->cfg.d;
    const size_t nd = (size_t)rows * d;
    float *ga = s->g_c, *gb = s->g_e;
    memset(ga, 0, sizeof(float) * nd);
    if (dropping(s)) al_dropout_backward(ga, g, c->drop_att, nd, s->w->cfg.dropout);
    else memcpy(ga, g, sizeof(float) * nd);
    memset(gb, 0, sizeof(float) * nd);
    al_status st = al_mhsa_backward(&c->att, gb, G(s, p->in_w), G(s, p->in_b), G(s, p->out_w), G(s, p->out_b), ga,
                                    c->att_in, P(s, p->in_w), P(s, p->out_w));
    if (st == AL_OK)
        st = al_layernorm_backward(&c->att_ln, g, G(s, p->att_ln_w), G(s, p->att_ln_b), gb, c->x1,
                                   P(s, p->att_ln_w), rows);
    return st;
}

/* s->g_cur: d loss / d the layer's output on entry, d loss / d its input x0 on return. */
static al_status layer_backward(al_conformer_state *s, int i) {
    const al_conformer_layer_params *p = &s->w->layer[i];
    al_conformer_layer_cache *c = &s->layer[i];
    const int rows = s->N * s->T2;
    const size_t nd = (size_t)rows * s->w->cfg.d;
    memset(s->g_d, 0, sizeof(float) * nd);
    al_status st = al_layernorm_backward(&c->fin_ln, s->g_d, G(s, p->fin_ln_w), G(s, p->fin_ln_b), s->g_cur, c->x4,
                                         P(s, p->fin_ln_w), rows);
    float *g = s->g_d; /* d / d x4 */
    s->g_d = s->g_cur;
    s->g_cur = g;
    if (st == AL_OK) st = ffn_backward(s, &c->ffn2, &p->ffn2, c->x3, g, 0.5f);
    if (st == AL_OK) st = conv_backward(s, c, p, g);
    if (st == AL_OK) st = attention_backward(s, c, p, g);
    if (st == AL_OK) st = ffn_backward(s, &c->ffn1, &p->ffn1, c->x0, g, 0.5f);
    return st;
}

/* s->g_cur: d loss / d x0 -> the subsampling's parameter gradients. */
static al_status subsampling_backward(al_conformer_state *s) {
    const al_conformer_config *cfg = &s->w->cfg;
    const int N = s->N, C = cfg->d, F = cfg->n_bins, F1 = al_conformer_sub_bins(cfg, 0);
    const int F2 = al_conformer_sub_bins(cfg, 1), T1 = s->T1, T2 = s->T2;
    const size_t n1 = (size_t)N * C * T1 * F1, n2 = (size_t)N * C * T2 * F2;
    memset(s->g_flat, 0, sizeof(float) * n2);
    al_status st = al_conformer_linear_backward(s, s->g_flat, s->w->sub_out_w, s->w->sub_out_b, s->g_cur, s->flat,
                                                N * T2, C * F2, cfg->d);
    if (st != AL_OK) return st;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < N; n++) /* (N, T2, C * F2) -> (N, C, T2, F2) */
        for (int c = 0; c < C; c++)
            for (int t = 0; t < T2; t++)
                memcpy(s->g_r2 + (((size_t)n * C + c) * T2 + t) * F2,
                       s->g_flat + ((size_t)n * T2 + t) * C * F2 + (size_t)c * F2, sizeof(float) * F2);
    memset(s->g_r1, 0, sizeof(float) * n2);
    al_hardtanh_backward(s->g_r1, s->g_r2, s->c2, 0.0f, INFINITY, n2);
    memset(s->g_r2, 0, sizeof(float) * n1);
    st = al_conv2d_backward(&s->conv[1], s->g_r2, G(s, s->w->sub_w[1]), G(s, s->w->sub_b[1]), s->g_r1, s->c1,
                            P(s, s->w->sub_w[1]), N, T1, F1);
    if (st != AL_OK) return st;
    memset(s->g_r1, 0, sizeof(float) * n1);
    al_hardtanh_backward(s->g_r1, s->g_r2, s->c1, 0.0f, INFINITY, n1);
    return al_conv2d_backward(&s->conv[0], NULL, G(s, s->w->sub_w[0]), G(s, s->w->sub_b[0]), s->g_r1, s->sub0,
                              P(s, s->w->sub_w[0]), N, s->T, F);
}

al_status al_conformer_backward(al_conformer_state *s, const float *dlogits) {
    if (!s->trained) return al_error(AL_ERR_INVALID, "conformer: backward needs a training-mode forward first");
    const al_conformer_config *cfg = &s->w->cfg;
    const int N = s->N, T2 = s->T2, V = cfg->n_classes, rows = N * T2;
#pragma omp parallel for collapse(2) schedule(static)
    for (int t = 0; t < T2; t++) /* (T2, N, V) -> (N, T2, V) */
        for (int n = 0; n < N; n++)
            memcpy(s->g_head + ((size_t)n * T2 + t) * V, dlogits + ((size_t)t * N + n) * V, sizeof(float) * V);
    memset(s->g_cur, 0, sizeof(float) * rows * cfg->d);
    al_status st = al_conformer_linear_backward(s, s->g_cur, s->w->head_w, s->w->head_b, s->g_head,
                                                s->layer[cfg->layers - 1].out, rows, cfg->d, V);
    for (int i = cfg->layers - 1; st == AL_OK && i >= 0; i--) st = layer_backward(s, i);
    if (st == AL_OK) st = subsampling_backward(s);
    return st;
}
