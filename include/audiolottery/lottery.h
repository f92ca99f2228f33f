/* audiolottery lottery tickets: iterative magnitude pruning with rewinding, and the baselines.
 *
 * Usage:
 *   al_lottery_opts o = al_lottery_defaults();   // 20% per level, rewind to init, global magnitude
 *   o.train = al_train_defaults(); o.train.train_path = ...; o.train.dev_path = ...;
 *   o.run_dir = "runs/lottery"; o.levels = 10;
 *   al_lottery_add_branch(&o, "random-reinit@3,7");
 *   if (al_lottery_run(&o) != AL_OK) ... al_last_error() ...
 *
 * Run directory (each step whose output exists is skipped, so the same call after a kill resumes;
 * every training run inside resumes by itself and ends bit-identical):
 *   RUN/config.json            the resolved lottery config (a rerun must match it)
 *   RUN/theta0.safetensors     every tensor before any update (BatchNorm buffers included)
 *   RUN/rewind.safetensors     the late-rewinding point (when rewind is "<N>it" or "<N>ep")
 *   RUN/level_LL/              a train run dir (config.json, metrics.csv, last/best.safetensors) plus
 *                              mask.safetensors ("<param>_mask" U8 tensors) and report.json
 *   RUN/level_LL/branches/KIND/  the same for a baseline branched from level LL
 * Level 0 trains the dense model (all-ones mask). Level L > 0 prunes the configured share of the
 * weights still alive after level L-1's training (exact counts, see prune.h), rewinds every tensor
 * to the rewind point, applies the mask and trains again with a fresh optimizer and schedule.
 * Branches: random-prune (random mask with the level's per-tensor counts, from the trunk's start:
 * theta0 or the rewind point), random-prune-global (random mask with the level's pool counts, the
 * same start), random-reinit (the level's mask
 * with freshly drawn initial values, new at every level), finetune (one-shot magnitude pruning of
 * level 0's trained weights to the level's sparsity, keeping those weights, then training).
 * With prune.structure block or channel (see prune.h) the trunk and every branch prune whole
 * blocks or channels (random branches: random blocks or channels, same counts); the model's units
 * for channel pruning come from al_model_units; target_percent then counts blocks or channels.
 */
#ifndef AUDIOLOTTERY_LOTTERY_H
#define AUDIOLOTTERY_LOTTERY_H

#include "audiolottery/prune.h"
#include "audiolottery/train.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_LOTTERY_MAX_BRANCHES 32

typedef enum {
    AL_BRANCH_RANDOM_PRUNE = 0,
    AL_BRANCH_RANDOM_PRUNE_GLOBAL,
    AL_BRANCH_RANDOM_REINIT,
    AL_BRANCH_FINETUNE,
} al_branch_kind;

const char *al_branch_kind_name(al_branch_kind k); /* "random-prune", ... */

typedef struct {
    al_train_opts train;        /* recipe of every level and branch (out_dir, init_from, mask set per run) */
    const char *run_dir;
    const char *test_clean;     /* optional test sets scored into each report.json */
    const char *test_other;
    int levels;                 /* pruning levels after level 0 (default 10) */
    double target_percent;      /* > 0: stop at the first level keeping <= this % (overrides levels) */
    al_prune_opts prune;
    char rewind[32];            /* "init" (default), "<N>it" or "<N>ep" */
    int n_branches;
    al_branch_kind branch_kind[AL_LOTTERY_MAX_BRANCHES];
    int branch_level[AL_LOTTERY_MAX_BRANCHES];
} al_lottery_opts;

al_lottery_opts al_lottery_defaults(void);

/* "KIND@L1,L2,..." adds the branch at those levels; "KIND" alone at every level >= 1. */
al_status al_lottery_add_branch(al_lottery_opts *o, const char *spec);

/* The number of the last level: levels, or the first level whose plan keeps <= target_percent of
 * the prunable counts (weights; blocks or channels when structured), ignored tensors and
 * per-tensor rates included. An error when the target is never reached. */
#define AL_LOTTERY_MAX_LEVELS 1000
al_status al_lottery_last_level(const al_lottery_opts *o, const al_param_table *t, int *last);

al_status al_lottery_run(const al_lottery_opts *o);

#ifdef __cplusplus
}
#endif
#endif
