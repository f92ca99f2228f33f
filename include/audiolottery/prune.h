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
 * Structured pruning (opts.structure, --structure) prunes groups of weights all-or-nothing, and
 * then every count above (pool sizes, kept counts, the plan's totals) is in groups, not weights:
 *   block:KxM  each prunable tensor is viewed as 2-D (rows = shape[0], the output units; columns =
 *              the product of the other dims) and cut into blocks of K consecutive rows x M
 *              consecutive columns aligned at multiples of K and M. Non-multiple shapes: the last
 *              block row / column is ragged (a smaller block, e.g. 5 x 1 for the 29 rows of an
 *              output layer under block:8x1); it counts as one block and its norm is scaled to a
 *              full block's size (L1 x KM/s, L2 x sqrt(KM/s) for s weights), so every block
 *              competes on its mean magnitude. Position order: tensors in table order, blocks
 *              row-major within a tensor.
 *   channel    whole output units described by the model (al_prune_units, from al_model_units): a
 *              unit is scored on its output rows only (its "scored" slices) and, when pruned,
 *              also takes its consumer slices (the columns that read it) to zero. A unit belongs to
 *              the pool of its owner, the tensor of its first slice; ignore and rate rules must
 *              name owners. Tensors that own no unit (the output layer: classes are never removed)
 *              lose only the columns of pruned units. Position order: owners in table order, then the
 *              description's order.
 * A group's score is the L1 (default) or L2 norm of its weights still alive in mask_prev; a group
 * is alive when one of its (scored) weights is. Pruning zeroes every weight of the pool's groups
 * that are not kept and leaves the rest as mask_prev had them, so masks stay one byte per float.
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
typedef enum { AL_STRUCT_UNSTRUCTURED = 0, AL_STRUCT_BLOCK = 1, AL_STRUCT_CHANNEL = 2 } al_prune_structure;
typedef enum { AL_SCORE_L1 = 0, AL_SCORE_L2 = 1 } al_prune_score;

/* One slice of a unit: rows or columns [first, first + count) of a tensor's 2-D view (rows =
 * shape[0], columns = the product of the other dims). */
typedef struct {
    int param;        /* table index; must be prunable */
    int axis;         /* 0: rows, 1: columns */
    int64_t first, count;
    int scored;       /* 1: part of the unit's score (its output rows); 0: a consumer slice */
} al_prune_slice;

/* Units for --structure channel: unit u is slices[start[u] .. start[u + 1]); its first slice is
 * scored and names its owner tensor. Built by the model family (al_model_units); the pruning code
 * only reads slices. */
typedef struct {
    int n_units, n_slices, cap_units, cap_slices;
    int *start;             /* (n_units + 1) */
    al_prune_slice *slices; /* (n_slices) */
} al_prune_units;

void al_prune_units_init(al_prune_units *u);
/* Starts a new unit; the slices added next belong to it. */
al_status al_prune_units_begin(al_prune_units *u);
al_status al_prune_units_add(al_prune_units *u, int param, int axis, int64_t first, int64_t count, int scored);
void al_prune_units_free(al_prune_units *u);

typedef struct {
    al_prune_scope scope;    /* global magnitude (default) or per tensor */
    double fraction;         /* share of the remaining weights pruned per level: 0.2 */
    double floor;            /* warn when a tensor keeps less than this share: 0.01 */
    int n_ignore;            /* tensors never pruned (open_lth's pruning_layers_to_ignore) */
    char ignore[AL_PRUNE_MAX_RULES][AL_PARAM_NAME_MAX];
    int n_rates;             /* tensors pruned on their own at their own fraction per level */
    char rate_name[AL_PRUNE_MAX_RULES][AL_PARAM_NAME_MAX];
    double rate[AL_PRUNE_MAX_RULES];
    al_prune_structure structure; /* unstructured (default), block or channel */
    int block_k, block_m;         /* block:KxM */
    al_prune_score score;         /* block and channel score: L1 (default) or L2 norm */
    const al_prune_units *units;  /* channel: the model's units, borrowed (outlive every plan) */
} al_prune_opts;

al_prune_opts al_prune_defaults(void);

/* --structure SPEC: "unstructured", "block:KxM" (K, M >= 1) or "channel"; --block-score: "l1" or
 * "l2". Errors name the spec. */
al_status al_prune_set_structure(al_prune_opts *o, const char *spec);
al_status al_prune_set_score(al_prune_opts *o, const char *name);
/* The spec back ("block:8x1"), for configs and logs. */
void al_prune_structure_name(const al_prune_opts *o, char *buf, size_t n);
const char *al_prune_score_name(al_prune_score s); /* "l1", "l2" */

/* Parses "NAME" for --prune-ignore and "NAME=FRACTION" for --prune-rate into o (errors name the
 * rule). Names must exist in t and be prunable (checked by al_prune_plan_level). */
al_status al_prune_add_ignore(al_prune_opts *o, const char *name);
al_status al_prune_add_rate(al_prune_opts *o, const char *spec);

/* Kept weights after `level` levels: round-half-away((1 - fraction)^level x n). */
int64_t al_prune_keep_count(int64_t n, double fraction, int level);

/* Which tensors form which pool and how many weights (groups when structured) each pool keeps at
 * a level. pool[i] is -1 for entries that are not pruned (not prunable, or ignored), 0 for the
 * global pool, 1 + i for a tensor pruned on its own. */
typedef struct {
    int n_params;
    int *pool;        /* (n_params) */
    int64_t *size;    /* (n_params + 1) weights in each pool */
    int64_t *keep;    /* (n_params + 1) weights each pool keeps at this level */
    int64_t kept_total, prunable_total; /* over every prunable tensor (ignored ones count as kept) */
    /* structured only: the group layout (groups are numbered in position order) */
    al_prune_structure structure;
    int block_k, block_m;
    al_prune_score score;
    const al_prune_units *units; /* borrowed from the opts */
    int64_t *first;   /* (n_params + 1) tensor i owns groups first[i] .. first[i + 1] - 1 */
    int *unit;        /* channel: (n_units) the unit of each group, owners in table order */
} al_prune_plan;

al_status al_prune_plan_level(const al_param_table *t, const al_prune_opts *o, int level, al_prune_plan *plan);
void al_prune_plan_free(al_prune_plan *plan);

/* A new mask: 1 everywhere (table->total bytes). */
uint8_t *al_mask_new(const al_param_table *t);

/* Keeps the plan's count of largest-|w| weights (largest-norm groups) of each pool among those alive
 * in mask_prev (NULL: all alive). An error if a pool would keep more than are alive. */
al_status al_prune_magnitude(const al_param_table *t, const float *weights, const al_prune_plan *plan,
                             const uint8_t *mask_prev, uint8_t *mask_out);

/* Random masks for the baselines, seeded: per_tensor_like != NULL keeps, in every tensor, as many
 * weights (groups it owns) as that mask does (same per-layer sparsity), at random positions;
 * otherwise the plan's pool counts at random positions of each pool (global-random). */
al_status al_prune_random(const al_param_table *t, const al_prune_plan *plan, const uint8_t *per_tensor_like,
                          uint64_t seed, uint8_t *mask_out);

/* Kept and total weights per entry, and over all prunable entries. */
typedef struct {
    int n;
    int64_t *kept;  /* (n) */
    int64_t *total; /* (n); 0 for entries that are not prunable */
    int64_t kept_all, total_all;
    int64_t *groups_kept, *groups_total; /* (n) alive and all groups each entry owns; NULL: unstructured */
} al_mask_report;

al_status al_mask_count(const al_param_table *t, const uint8_t *mask, al_mask_report *r);
/* Adds the groups (blocks, channels) of o's structure to a report of al_mask_count; nothing for
 * unstructured. */
al_status al_mask_count_groups(const al_param_table *t, const al_prune_opts *o, const uint8_t *mask,
                               al_mask_report *r);
void al_mask_report_free(al_mask_report *r);

/* Logs one line per prunable tensor (kept %, and kept groups when counted) and a warning for every tensor below o->floor. */
void al_mask_log(const al_param_table *t, const al_mask_report *r, const al_prune_opts *o);

/* Masks as "<name>_mask" U8 tensors with the entry's shape (torch.nn.utils.prune naming). */
al_status al_mask_write(const al_param_table *t, const uint8_t *mask, al_st_writer *w);
/* al_mask_read of the file at path. */
al_status al_mask_load(const al_param_table *t, const char *path, uint8_t *mask);
/* 1 when f holds any "<name>_mask" tensor. */
int al_mask_present(const al_st_file *f);
/* Reads masks written by al_mask_write; a prunable entry without a mask tensor is all ones, a file
 * with none at all is an error. */
al_status al_mask_read(const al_param_table *t, const al_st_file *f, const char *path, uint8_t *mask);

#ifdef __cplusplus
}
#endif
#endif
