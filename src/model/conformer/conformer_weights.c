/* Conformer-CTC weights: the parameter table under the names of the PyTorch reference
 * (tools/conformer_reference.py: subsampling.*, encoder.* = torchaudio's Conformer, head.*) and
 * PyTorch's default initialisation. Prunable: every Linear weight (feed-forward, attention in/out
 * projections, subsampling.out, head) and the pointwise convolutions; never LayerNorm/BatchNorm,
 * biases, the depthwise kernels or the subsampling convolutions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/conformer/conformer_internal.h"

typedef struct {
    al_param_table *t;
    al_status st;
} builder;

static int add(builder *b, const char *name, int ndim, const int64_t *shape, unsigned flags) {
    if (b->st != AL_OK) return -1;
    int i = al_param_add(b->t, name, ndim, shape, flags);
    if (i < 0) b->st = (al_status)i;
    return i;
}

/* "<prefix>.<leaf>" */
static int addf(builder *b, const char *prefix, const char *leaf, int ndim, const int64_t *shape, unsigned flags) {
    char name[2 * AL_PARAM_NAME_MAX]; /* al_param_add refuses a name too long for the table */
    snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    return add(b, name, ndim, shape, flags);
}

static void add_ln(builder *b, const char *prefix, int d, int *w, int *bias) {
    *w = addf(b, prefix, "weight", 1, (int64_t[]){d}, AL_PARAM_TRAINABLE);
    *bias = addf(b, prefix, "bias", 1, (int64_t[]){d}, AL_PARAM_TRAINABLE);
}

/* A Linear(in, out) (or a kernel-1 Conv1d: shape (out, in, 1)) with bias. */
static void add_linear(builder *b, const char *prefix, int in, int out, int conv, int *w, int *bias) {
    if (conv) *w = addf(b, prefix, "weight", 3, (int64_t[]){out, in, 1}, AL_PARAM_PRUNABLE);
    else *w = addf(b, prefix, "weight", 2, (int64_t[]){out, in}, AL_PARAM_PRUNABLE);
    *bias = addf(b, prefix, "bias", 1, (int64_t[]){out}, AL_PARAM_TRAINABLE);
}

static void add_ffn(builder *b, const char *layer, const char *name, const al_conformer_config *c,
                    al_conformer_ffn_params *p) {
    char prefix[AL_PARAM_NAME_MAX];
    snprintf(prefix, sizeof prefix, "%s.%s.sequential.0", layer, name);
    add_ln(b, prefix, c->d, &p->ln_w, &p->ln_b);
    snprintf(prefix, sizeof prefix, "%s.%s.sequential.1", layer, name);
    add_linear(b, prefix, c->d, c->ffn, 0, &p->w1, &p->b1);
    snprintf(prefix, sizeof prefix, "%s.%s.sequential.4", layer, name);
    add_linear(b, prefix, c->ffn, c->d, 0, &p->w2, &p->b2);
}

static void add_layer(builder *b, int i, const al_conformer_config *c, al_conformer_layer_params *p) {
    const int d = c->d;
    char L[64], prefix[AL_PARAM_NAME_MAX];
    snprintf(L, sizeof L, "encoder.conformer_layers.%d", i);
    add_ffn(b, L, "ffn1", c, &p->ffn1);
    snprintf(prefix, sizeof prefix, "%s.self_attn_layer_norm", L);
    add_ln(b, prefix, d, &p->att_ln_w, &p->att_ln_b);
    snprintf(prefix, sizeof prefix, "%s.self_attn", L);
    p->in_w = addf(b, prefix, "in_proj_weight", 2, (int64_t[]){3 * d, d}, AL_PARAM_PRUNABLE);
    p->in_b = addf(b, prefix, "in_proj_bias", 1, (int64_t[]){3 * d}, AL_PARAM_TRAINABLE);
    snprintf(prefix, sizeof prefix, "%s.self_attn.out_proj", L);
    add_linear(b, prefix, d, d, 0, &p->out_w, &p->out_b);
    snprintf(prefix, sizeof prefix, "%s.conv_module.layer_norm", L);
    add_ln(b, prefix, d, &p->cv_ln_w, &p->cv_ln_b);
    snprintf(prefix, sizeof prefix, "%s.conv_module.sequential.0", L);
    add_linear(b, prefix, d, 2 * d, 1, &p->pw1_w, &p->pw1_b);
    snprintf(prefix, sizeof prefix, "%s.conv_module.sequential.2", L);
    p->dw_w = addf(b, prefix, "weight", 3, (int64_t[]){d, 1, c->kernel}, AL_PARAM_TRAINABLE);
    p->dw_b = addf(b, prefix, "bias", 1, (int64_t[]){d}, AL_PARAM_TRAINABLE);
    snprintf(prefix, sizeof prefix, "%s.conv_module.sequential.3", L);
    add_ln(b, prefix, d, &p->bn_w, &p->bn_b);
    p->bn_mean = addf(b, prefix, "running_mean", 1, (int64_t[]){d}, AL_PARAM_BUFFER);
    p->bn_var = addf(b, prefix, "running_var", 1, (int64_t[]){d}, AL_PARAM_BUFFER);
    snprintf(prefix, sizeof prefix, "%s.conv_module.sequential.5", L);
    add_linear(b, prefix, d, d, 1, &p->pw2_w, &p->pw2_b);
    add_ffn(b, L, "ffn2", c, &p->ffn2);
    snprintf(prefix, sizeof prefix, "%s.final_layer_norm", L);
    add_ln(b, prefix, d, &p->fin_ln_w, &p->fin_ln_b);
}

static al_status build_table(al_conformer_weights *w) {
    const al_conformer_config *c = &w->cfg;
    const int C = c->d;
    builder b = {&w->t, AL_OK};
    w->sub_w[0] = add(&b, "subsampling.conv.0.weight", 4, (int64_t[]){C, 1, 3, 3}, AL_PARAM_TRAINABLE);
    w->sub_b[0] = add(&b, "subsampling.conv.0.bias", 1, (int64_t[]){C}, AL_PARAM_TRAINABLE);
    w->sub_w[1] = add(&b, "subsampling.conv.2.weight", 4, (int64_t[]){C, C, 3, 3}, AL_PARAM_TRAINABLE);
    w->sub_b[1] = add(&b, "subsampling.conv.2.bias", 1, (int64_t[]){C}, AL_PARAM_TRAINABLE);
    add_linear(&b, "subsampling.out", C * al_conformer_sub_bins(c, 1), c->d, 0, &w->sub_out_w, &w->sub_out_b);
    for (int i = 0; i < c->layers; i++) add_layer(&b, i, c, &w->layer[i]);
    add_linear(&b, "head", c->d, c->n_classes, 0, &w->head_w, &w->head_b);
    return b.st != AL_OK ? b.st : al_param_table_alloc(&w->t);
}

void al_conformer_weights_free(al_conformer_weights *w) {
    if (!w) return;
    al_sparse_weights_free(w->sparse);
    free(w->layer);
    al_param_table_free(&w->t);
    free(w);
}

al_status al_conformer_weights_new(const al_conformer_config *cfg, al_conformer_weights **out) {
    *out = NULL;
    al_status st = al_conformer_config_check(cfg);
    if (st != AL_OK) return st;
    al_conformer_weights *w = calloc(1, sizeof *w);
    if (!w) return al_error(AL_ERR_NOMEM, "out of memory");
    w->cfg = *cfg;
    al_param_table_init(&w->t);
    w->layer = calloc(cfg->layers, sizeof *w->layer);
    st = w->layer ? build_table(w) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st != AL_OK) {
        al_conformer_weights_free(w);
        return st;
    }
    *out = w;
    return AL_OK;
}

/* nn.Linear / nn.Conv*d: weight and bias uniform in +-1/sqrt(fan_in) (kaiming_uniform_(a = sqrt(5))). */
static void init_linear(al_conformer_weights *w, int weight, int bias, uint64_t seed) {
    const al_param *p = &w->t.params[weight];
    double bound = 1.0 / sqrt((double)(p->numel / p->shape[0]));
    al_param_fill_uniform(&w->t, weight, bound, seed);
    if (bias >= 0) al_param_fill_uniform(&w->t, bias, bound, seed);
}

static void init_ln(al_conformer_weights *w, int weight, int bias) {
    al_param_fill(&w->t, weight, 1.0f);
    al_param_fill(&w->t, bias, 0.0f);
}

static void init_layer(al_conformer_weights *w, const al_conformer_layer_params *p, uint64_t seed) {
    const al_conformer_ffn_params *f[2] = {&p->ffn1, &p->ffn2};
    for (int i = 0; i < 2; i++) {
        init_ln(w, f[i]->ln_w, f[i]->ln_b);
        init_linear(w, f[i]->w1, f[i]->b1, seed);
        init_linear(w, f[i]->w2, f[i]->b2, seed);
    }
    init_ln(w, p->att_ln_w, p->att_ln_b);
    /* nn.MultiheadAttention: xavier_uniform_ in_proj_weight, zero in_proj_bias and out_proj.bias */
    const int d = w->cfg.d;
    al_param_fill_uniform(&w->t, p->in_w, sqrt(6.0 / (d + 3.0 * d)), seed);
    al_param_fill(&w->t, p->in_b, 0.0f);
    init_linear(w, p->out_w, -1, seed);
    al_param_fill(&w->t, p->out_b, 0.0f);
    init_ln(w, p->cv_ln_w, p->cv_ln_b);
    init_linear(w, p->pw1_w, p->pw1_b, seed);
    init_linear(w, p->dw_w, p->dw_b, seed); /* fan_in of a depthwise kernel: 1 x k */
    init_ln(w, p->bn_w, p->bn_b);
    al_param_fill(&w->t, p->bn_mean, 0.0f);
    al_param_fill(&w->t, p->bn_var, 1.0f);
    init_linear(w, p->pw2_w, p->pw2_b, seed);
    init_ln(w, p->fin_ln_w, p->fin_ln_b);
}

void al_conformer_weights_init(al_conformer_weights *w, uint64_t seed) {
    for (int i = 0; i < 2; i++) init_linear(w, w->sub_w[i], w->sub_b[i], seed);
    init_linear(w, w->sub_out_w, w->sub_out_b, seed);
    for (int i = 0; i < w->cfg.layers; i++) init_layer(w, &w->layer[i], seed);
    init_linear(w, w->head_w, w->head_b, seed);
}
