/* audiolottery pruning: masks over a parameter table, magnitude and random pruning with exact counts.
 *
 * Usage (one lottery level):
 *   uint8_t *mask = al_mask_new(&table);                       // all ones on prunable entries
 *   al_prune_opts o = al_prune_defaults();                     // global magnitude
 *   al_prune_plan plan;
 *   al_prune_plan_level(&table, &o, level, &plan);             // exact kept count per pool
 *   al_prune_magnitude(&table, trained_weights, &o, &plan, mask_prev, mask_next);
 *   al_mask_report(&table, mask_next, &report);                // per-tensor kept counts
 *
 * A mask is one byte per float of the table's layout (table->total bytes): 1 keeps the weight,
 * 0 prunes it; entries that are not prunable are always 1. Counts are exact: level L keeps
 * round-half-away-from-zero((1 - p)^L x pool size) weights of each pool (the global pool of
 * prunable tensors, or each tensor for layer-wise pruning or a tensor with its own rate). Ties in
 * magnitude are broken by position (lower index kept first), so a mask is a pure function of the
 * weights. Tensors listed in `ignore` are not pruned at all.
 *
 * Thread-safety: pure functions of their inputs; reentrant.
 */
#ifndef AUDIOLOTTERY_PRUNE_H
#define AUDIOLOTTERY_PRUNE_H

#include "audiolottery/param.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_PRUNE_MAX_RULES 64

typedef enum { AL_PRUNE_GLOBAL = 0, AL_PRUNE_LAYERWISE = 1 } al_prune_scope;

typedef struct {
    al_prune_scope scope;    /* global magnitude (default) or per tensor */
    double fraction;         /* share of the remaining weights pruned per level: 0.2 */
    double floor;            /* warn when a tensor keeps less than this share: 0.01 */
    int n_ignore;            /* tensors never pruned (open_lth's pruning_layers_to_ignore) */
    char ignore[AL_PRUNE_MAX_RULES][AL_PARAM_NAME_MAX];
    int n_rates;             /* tensors pruned on their own at their own fraction per level */
    char rate_name[AL_PRUNE_MAX_RULES][AL_PARAM_NAME_MAX];
    double rate[AL_PRUNE_MAX_RULES];
} al_prune_opts;

al_prune_opts al_prune_defaults(void);

/* Parses "NAME" for --prune-ignore and "NAME=FRACTION" for --prune-rate into o (errors name the
 * rule). Names must exist in t and be prunable (checked by al_prune_plan_level). */
al_status al_prune_add_ignore(al_prune_opts *o, const char *name);
al_status al_prune_add_rate(al_prune_opts *o, const char *spec);

/* Kept weights after `level` levels: round-half-away((1 - fraction)^level x n). */
int64_t al_prune_keep_count(int64_t n, double fraction, int level);

/* Which tensors form which pool and how many weights each pool keeps at a level. pool[i] is -1
 * for entries that are not pruned (not prunable, or ignored), 0 for the global pool, 1 + i for a
 * tensor pruned on its own. */
typedef struct {
    int n_params;
    int *pool;        /* (n_params) */
    int64_t *size;    /* (n_params + 1) weights in each pool */
    int64_t *keep;    /* (n_params + 1) weights each pool keeps at this level */
    int64_t kept_total, prunable_total; /* over every prunable tensor (ignored ones count as kept) */
} al_prune_plan;

al_status al_prune_plan_level(const al_param_table *t, const al_prune_opts *o, int level, al_prune_plan *plan);
void al_prune_plan_free(al_prune_plan *plan);

/* A new mask: 1 everywhere (table->total bytes). */
uint8_t *al_mask_new(const al_param_table *t);

/* Keeps the plan's count of largest-|w| weights of each pool among those alive in mask_prev
 * (NULL: all alive). An error if a pool would keep more weights than are alive. */
al_status al_prune_magnitude(const al_param_table *t, const float *weights, const al_prune_plan *plan,
                             const uint8_t *mask_prev, uint8_t *mask_out);

/* Random masks for the baselines, seeded: per_tensor_like != NULL keeps, in every tensor, as many
 * weights as that mask does (same per-layer sparsity), at random positions; otherwise the plan's
 * pool counts at random positions of each pool (global-random). */
al_status al_prune_random(const al_param_table *t, const al_prune_plan *plan, const uint8_t *per_tensor_like,
                          uint64_t seed, uint8_t *mask_out);

/* Kept and total weights per entry, and over all prunable entries. */
typedef struct {
    int n;
    int64_t *kept;  /* (n) */
    int64_t *total; /* (n); 0 for entries that are not prunable */
    int64_t kept_all, total_all;
} al_mask_report;

al_status al_mask_count(const al_param_table *t, const uint8_t *mask, al_mask_report *r);
void al_mask_report_free(al_mask_report *r);

/* Logs one line per prunable tensor (kept %) and a warning for every tensor below o->floor. */
void al_mask_log(const al_param_table *t, const al_mask_report *r, const al_prune_opts *o);

/* Masks as "<name>_mask" U8 tensors with the entry's shape (torch.nn.utils.prune naming). */
al_status al_mask_write(const al_param_table *t, const uint8_t *mask, al_st_writer *w);
/* Reads masks written by al_mask_write; a prunable entry without a mask tensor is all ones. */
al_status al_mask_read(const al_param_table *t, const al_st_file *f, const char *path, uint8_t *mask);

#ifdef __cplusplus
}
#endif
#endif
