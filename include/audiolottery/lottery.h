/* audiolottery lottery tickets: iterative magnitude pruning with rewinding, and the baselines.
 *
 * Usage:
 *   al_lottery_opts o = al_lottery_defaults();   // 20% per level, rewind to init, global magnitude
 *   o.train = al_train_defaults(); o.train.train_path = ...; o.train.dev_path = ...;
 *   o.run_dir = "runs/lottery"; o.levels = 10;
 *   al_lottery_add_branch(&o, "random-reinit@3,7");
 *   al_lottery_add_branch(&o, "random-prune:seed=7@3");    // a second random-prune draw at level 3
 *   if (al_lottery_run(&o) != AL_OK) ... al_last_error() ...
 *
 * Run directory (each step whose output exists is skipped, so the same call after a kill resumes;
 * every training run inside resumes by itself and ends bit-identical):
 *   RUN/config.json            the resolved lottery config (a rerun must match it)
 *   RUN/theta0.safetensors     every tensor before any update (BatchNorm buffers included)
 *   RUN/rewind.safetensors     the late-rewinding point (when rewind is "<N>it" or "<N>ep")
 *   RUN/level_LL/              a train run dir (config.json, metrics.csv, last/best.safetensors) plus
 *                              mask.safetensors ("<param>_mask" U8 tensors) and report.json
 *   RUN/level_LL/branches/NAME/  the same for a baseline branched from level LL (NAME: see below)
 * (file names and the layout: src/train/run_files.h)
 * Level 0 trains the dense model (all-ones mask). Level L > 0 prunes the configured share of the
 * weights still alive after level L-1's training (exact counts, see prune.h), rewinds every tensor
 * to the rewind point, applies the mask and trains again with a fresh optimizer and schedule.
 * Branches: random-prune (random mask with the level's per-tensor counts, from the trunk's start:
 * theta0 or the rewind point), random-prune-global (random mask with the level's pool counts, the
 * same start), random-reinit (the level's mask
 * with freshly drawn initial values, new at every level), finetune (one-shot magnitude pruning of
 * level 0's trained weights to the level's sparsity, keeping those weights, then training).
 * Branch arguments: "KIND:KEY=N[,KEY=N...]", integers from 0 to 2^64-1, before any "@". The random
 * kinds take seed=N: the seed their draw derives from in place of the run's seed (random-prune,
 * random-prune-global: the mask's draw from --seed; random-reinit: the initial values from
 * --init-seed); the training itself (batch order) keeps the run's seeds. A branch without
 * arguments lives in branches/KIND, one with arguments in branches/KIND-KEYN... (random-prune:seed=7
 * in branches/random-prune-seed7), so draws with several seeds sit side by side; its report.json
 * adds "args": "seed=7". An unknown kind or argument, or a value that is not such an integer, is
 * an error naming it.
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
#define AL_BRANCH_MAX_ARGS 4
#define AL_BRANCH_NAME_MAX 96

/* An entry of the branch registry (src/lottery/branches.c): a kind's name, the arguments it takes,
 * how its mask is made and where its weights start. */
typedef struct al_branch_type al_branch_type;

const char *al_branch_type_name(const al_branch_type *t); /* "random-prune", ... (static) */

/* One --branch at one level, as al_lottery_add_branch parsed it. */
typedef struct {
    const al_branch_type *type;
    uint64_t arg[AL_BRANCH_MAX_ARGS]; /* in the order of the type's arguments */
    unsigned given;                   /* bit i: arg[i] was given */
    char args[AL_BRANCH_NAME_MAX];    /* the given arguments, canonical ("seed=7"; "" for none) */
    char name[AL_BRANCH_NAME_MAX];    /* its directory under level_LL/branches/ and its report series */
    int level;                        /* -1: every level >= 1 */
} al_lottery_branch;

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
    al_lottery_branch branch[AL_LOTTERY_MAX_BRANCHES];
} al_lottery_opts;

al_lottery_opts al_lottery_defaults(void);

/* "KIND[:KEY=N,...][@L1,L2,...]" adds the branch at those levels, or at every level >= 1 without
 * "@": "random-reinit", "finetune@2", "random-prune:seed=7@2,4". */
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
