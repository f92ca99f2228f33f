/* audiolottery optimisers over a parameter table, with PyTorch semantics.
 *
 * Usage:
 *   al_optim_opts o = al_optim_defaults(AL_OPTIM_ADAMW);   // lr 3e-4, betas 0.9/0.999, eps 1e-8, wd 1e-5
 *   al_optim *opt;  al_optim_new(&table, &o, &opt);
 *   for each batch:
 *       al_param_zero_grad(&table);  ... backward ...
 *       double norm = al_clip_grad_norm(&table, 400.0);      // torch.nn.utils.clip_grad_norm_
 *       al_optim_step(opt, &table, mask);                   // mask: NULL or table->total bytes
 *   al_optim_set_lr(opt, al_optim_lr(opt) / 1.01);          // per-epoch anneal
 *   al_optim_free(opt);
 *
 * Only entries flagged AL_PARAM_TRAINABLE are updated. With a mask (one byte per float of the
 * table's layout, 0 = pruned), pruned weights, their gradients and their optimizer moments are
 * exactly zero after every step ("masks are law").
 *
 * Thread-safety: an optimiser belongs to one thread; the step parallelises with OpenMP.
 */
#ifndef AUDIOLOTTERY_OPTIM_H
#define AUDIOLOTTERY_OPTIM_H

#include "audiolottery/param.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    AL_OPTIM_ADAMW = 0, /* torch.optim.AdamW: decoupled weight decay */
    AL_OPTIM_SGD = 1,   /* torch.optim.SGD with (Nesterov) momentum */
    AL_OPTIM_ADAM = 2,  /* torch.optim.Adam: weight decay added to the gradient (L2), as ESPnet's Conformer */
} al_optim_type;

typedef struct {
    al_optim_type type;
    double lr;
    double beta1, beta2, eps; /* AdamW, Adam */
    double momentum;          /* SGD */
    int nesterov;             /* SGD */
    double weight_decay;      /* AdamW: decoupled (p *= 1 - lr*wd); Adam, SGD: added to the gradient */
} al_optim_opts;

al_optim_opts al_optim_defaults(al_optim_type type);
const char *al_optim_type_name(al_optim_type type); /* "adamw", "sgd", "adam" */
al_status al_optim_type_parse(const char *name, al_optim_type *type);

typedef struct {
    al_optim_opts opts;
    int64_t step;  /* optimizer steps taken */
    float *m;      /* Adam(W) exp_avg / SGD momentum buffer; table layout */
    float *v;      /* Adam(W) exp_avg_sq; NULL for SGD */
} al_optim;

al_status al_optim_new(const al_param_table *t, const al_optim_opts *o, al_optim **out);
void al_optim_free(al_optim *opt);
/* Back to the state of a new optimiser (moments zero, step 0), e.g. when a lottery level rewinds. */
void al_optim_reset(al_optim *opt, const al_param_table *t);

static inline double al_optim_lr(const al_optim *opt) { return opt->opts.lr; }
static inline void al_optim_set_lr(al_optim *opt, double lr) { opt->opts.lr = lr; }

void al_optim_step(al_optim *opt, al_param_table *t, const uint8_t *mask);

/* Scales all trainable gradients so that their global L2 norm is at most max_norm, exactly as
 * torch.nn.utils.clip_grad_norm_ (coefficient max_norm / (norm + 1e-6), applied only when < 1).
 * Returns the norm before clipping (infinite or NaN if a gradient is). */
double al_clip_grad_norm(al_param_table *t, double max_norm);

/* The Noam schedule by its peak (Vaswani et al. 2017, as ESPnet's Conformer recipe): at optimizer
 * step s >= 1, peak * min(s / warmup, sqrt(warmup / s)): linear warm-up to the peak at step warmup,
 * then decay as 1 / sqrt(s). warmup >= 1. */
double al_noam_lr(double peak, int64_t warmup, int64_t step);

/* Zeroes the masked entries of a block with the table's layout. */
void al_apply_mask(const al_param_table *t, float *block, const uint8_t *mask);

#ifdef __cplusplus
}
#endif
#endif
