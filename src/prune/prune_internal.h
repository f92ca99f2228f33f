/* Shared by the pruning files (internal): random choice and the structured (group) paths. */
#ifndef AL_PRUNE_INTERNAL_H
#define AL_PRUNE_INTERNAL_H

#include "audiolottery/prune.h"

/* Rows of a tensor seen as a matrix (rows, numel / rows); a vector is one row. */
static inline int64_t rows_of(const al_param *p) { return p->ndim ? p->shape[0] : 1; }

/* A random permutation's first `keep` entries of [0, n) in (*idx_out)[0 .. keep) (partial
 * Fisher-Yates); *idx_out (n) is the caller's to free. */
al_status al_prune_choose(int64_t n, int64_t keep, al_rng *rng, size_t **idx_out);

/* Fills the plan's group layout for o's structure (first, unit); nothing for unstructured. */
al_status al_prune_layout(const al_param_table *t, const al_prune_opts *o, al_prune_plan *plan);

/* al_prune_magnitude and al_prune_random for a structured plan. */
al_status al_prune_magnitude_groups(const al_param_table *t, const float *weights, const al_prune_plan *plan,
                                    const uint8_t *mask_prev, uint8_t *mask_out);
al_status al_prune_random_groups(const al_param_table *t, const al_prune_plan *plan, const uint8_t *per_tensor_like,
                                 uint64_t seed, uint8_t *mask_out);

/* 1 if group g (owned by tensor i) has an alive weight in mask (a scored one for a unit). */
int al_prune_group_alive(const al_param_table *t, const al_prune_plan *plan, int i, int64_t g, const uint8_t *mask);

#endif
