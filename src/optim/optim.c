/* AdamW, Adam and SGD (Nesterov) steps, the Noam schedule, gradient-norm clipping and mask enforcement over a parameter
 * table. Element updates are independent, so parallel loops are deterministic; the norm is summed
 * in fixed-size chunks in a fixed order so that it does not depend on the thread count. */
#include "audiolottery/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NORM_CHUNK 4096
#define MAX_CHUNKS 256

al_optim_opts al_optim_defaults(al_optim_type type) {
    al_optim_opts o = {.type = type};
    if (type == AL_OPTIM_ADAM) { /* torch.optim.Adam's defaults */
        o.lr = 1e-3;
        o.beta1 = 0.9;
        o.beta2 = 0.999;
        o.eps = 1e-8;
    } else if (type == AL_OPTIM_ADAMW) {
        o.lr = 3e-4; /* the seed paper's recipe (deepspeech.pytorch) */
        o.beta1 = 0.9;
        o.beta2 = 0.999;
        o.eps = 1e-8;
        o.weight_decay = 1e-5;
    } else {
        o.lr = 3e-4;
        o.momentum = 0.9;
        o.nesterov = 1;
        o.weight_decay = 1e-5;
    }
    return o;
}

const char *al_optim_type_name(al_optim_type type) {
    return type == AL_OPTIM_ADAMW ? "adamw" : type == AL_OPTIM_ADAM ? "adam" : "sgd";
}

static int adam_like(al_optim_type type) { return type == AL_OPTIM_ADAMW || type == AL_OPTIM_ADAM; }

double al_noam_lr(double peak, int64_t warmup, int64_t step) {
    const double s = step < 1 ? 1.0 : (double)step, w = warmup < 1 ? 1.0 : (double)warmup;
    return peak * fmin(s / w, sqrt(w / s));
}

al_status al_optim_type_parse(const char *name, al_optim_type *type) {
    if (!strcmp(name, "adamw")) *type = AL_OPTIM_ADAMW;
    else if (!strcmp(name, "sgd")) *type = AL_OPTIM_SGD;
    else if (!strcmp(name, "adam")) *type = AL_OPTIM_ADAM;
    else return al_error(AL_ERR_INVALID, "unknown optimiser '%s' (adamw, adam, sgd)", name);
    return AL_OK;
}

al_status al_optim_new(const al_param_table *t, const al_optim_opts *o, al_optim **out) {
    *out = NULL;
    if (o->lr <= 0 || o->weight_decay < 0 || (adam_like(o->type) && (o->beta1 < 0 || o->beta1 >= 1 ||
                                                                             o->beta2 < 0 || o->beta2 >= 1 || o->eps <= 0)))
        return al_error(AL_ERR_INVALID, "optimiser: bad hyper-parameters (lr %g, wd %g)", o->lr, o->weight_decay);
    al_optim *opt = calloc(1, sizeof *opt);
    if (!opt) return al_error(AL_ERR_NOMEM, "out of memory");
    opt->opts = *o;
    opt->m = al_param_block_new(t);
    opt->v = adam_like(o->type) ? al_param_block_new(t) : NULL;
    if (!opt->m || (adam_like(o->type) && !opt->v)) {
        al_optim_free(opt);
        return al_error(AL_ERR_NOMEM, "out of memory for optimiser state");
    }
    *out = opt;
    return AL_OK;
}

void al_optim_free(al_optim *opt) {
    if (!opt) return;
    al_free(opt->m);
    al_free(opt->v);
    free(opt);
}

void al_optim_reset(al_optim *opt, const al_param_table *t) {
    memset(opt->m, 0, sizeof(float) * t->total);
    if (opt->v) memset(opt->v, 0, sizeof(float) * t->total);
    opt->step = 0;
}

/* AdamW (decoupled decay: p *= 1 - lr wd) or Adam (coupled: g + wd p), torch's update order. */
static void adam_entry(const al_optim_opts *o, int64_t step, float *p, const float *g, float *m, float *v, size_t n) {
    const float b1 = (float)o->beta1, b2 = (float)o->beta2;
    const int coupled = o->type == AL_OPTIM_ADAM;
    const float decay = coupled ? 1.0f : (float)(1.0 - o->lr * o->weight_decay), l2 = (float)o->weight_decay;
    const double bc1 = 1.0 - pow(o->beta1, (double)step), bc2 = 1.0 - pow(o->beta2, (double)step);
    const float step_size = (float)(o->lr / bc1), sqrt_bc2 = (float)sqrt(bc2), eps = (float)o->eps;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        const float gi = coupled ? g[i] + l2 * p[i] : g[i];
        p[i] *= decay;
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        p[i] -= step_size * m[i] / (sqrtf(v[i]) / sqrt_bc2 + eps);
    }
}

static void sgd_entry(const al_optim_opts *o, int64_t step, float *p, const float *g, float *buf, size_t n) {
    const float lr = (float)o->lr, mom = (float)o->momentum, wd = (float)o->weight_decay;
    const int first = step == 1, nesterov = o->nesterov;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + wd * p[i];
        if (mom != 0) {
            buf[i] = first ? d : mom * buf[i] + d; /* dampening 0, as torch's default */
            d = nesterov ? d + mom * buf[i] : buf[i];
        }
        p[i] -= lr * d;
    }
}

void al_optim_step(al_optim *opt, al_param_table *t, const uint8_t *mask) {
    opt->step++;
    for (int k = 0; k < t->n; k++) {
        const al_param *e = &t->params[k];
        if (!(e->flags & AL_PARAM_TRAINABLE)) continue;
        size_t off = e->offset;
        if (adam_like(opt->opts.type))
            adam_entry(&opt->opts, opt->step, t->data + off, t->grad + off, opt->m + off, opt->v + off, e->numel);
        else
            sgd_entry(&opt->opts, opt->step, t->data + off, t->grad + off, opt->m + off, e->numel);
    }
    if (mask) {
        al_apply_mask(t, t->data, mask);
        al_apply_mask(t, t->grad, mask);
        al_apply_mask(t, opt->m, mask);
        if (opt->v) al_apply_mask(t, opt->v, mask);
    }
}

void al_apply_mask(const al_param_table *t, float *block, const uint8_t *mask) {
    for (int k = 0; k < t->n; k++) {
        const al_param *e = &t->params[k];
        if (!(e->flags & AL_PARAM_PRUNABLE)) continue;
        float *x = block + e->offset;
        const uint8_t *m = mask + e->offset;
        for (size_t i = 0; i < e->numel; i++)
            if (!m[i]) x[i] = 0.0f;
    }
}

double al_clip_grad_norm(al_param_table *t, double max_norm) {
    /* Sum of squares per chunk (at most MAX_CHUNKS per entry, each at least NORM_CHUNK long), then
     * the chunks summed in order: independent of the thread count, and no allocation. */
    double total = 0;
    for (int k = 0; k < t->n; k++) {
        const al_param *e = &t->params[k];
        if (!(e->flags & AL_PARAM_TRAINABLE)) continue;
        const float *g = t->grad + e->offset;
        size_t len = (e->numel + MAX_CHUNKS - 1) / MAX_CHUNKS;
        if (len < NORM_CHUNK) len = NORM_CHUNK;
        size_t chunks = (e->numel + len - 1) / len;
        double part[MAX_CHUNKS];
#pragma omp parallel for schedule(static) if (chunks > 16)
        for (size_t c = 0; c < chunks; c++) {
            size_t lo = c * len, hi = lo + len < e->numel ? lo + len : e->numel;
            double s = 0;
            for (size_t i = lo; i < hi; i++) s += (double)g[i] * g[i];
            part[c] = s;
        }
        for (size_t c = 0; c < chunks; c++) total += part[c];
    }
    double norm = sqrt(total);
    double coef = max_norm / (norm + 1e-6);
    if (coef < 1.0 && isfinite(norm)) {
        for (int k = 0; k < t->n; k++) {
            const al_param *e = &t->params[k];
            if (!(e->flags & AL_PARAM_TRAINABLE)) continue;
            float *g = t->grad + e->offset;
            for (size_t i = 0; i < e->numel; i++) g[i] *= (float)coef;
        }
    }
    return norm;
}
