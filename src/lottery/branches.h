/* The branch registry (internal): one descriptor per baseline kind. A new kind is one entry of the
 * table in branches.c plus its functions; --branch parsing, directory names and report.json come
 * from the entry. */
#ifndef AL_LOTTERY_BRANCHES_H
#define AL_LOTTERY_BRANCHES_H

#include "audiolottery/lottery.h"

/* What a kind's mask function sees. */
typedef struct {
    const al_lottery_opts *o;
    const al_lottery_branch *b;
    al_param_table *t;          /* the layout; t->data is scratch */
    int level;
    const al_prune_plan *plan;  /* the level's exact counts */
    const uint8_t *trunk_mask;  /* the ticket's mask at this level */
} al_branch_ctx;

struct al_branch_type {
    const char *name;
    /* the integer arguments it takes ("seed"), NULL after the last */
    const char *args[AL_BRANCH_MAX_ARGS];
    /* its mask at the level, into mask */
    al_status (*mask)(const al_branch_ctx *c, uint8_t *mask);
    /* NULL: it starts where the trunk's level starts (theta0 or the rewind point), so that it
     * differs from the ticket in the mask alone. Else sets to->init_from (kept in path, n bytes)
     * or to->init_seed. */
    al_status (*start)(const al_lottery_opts *o, const al_lottery_branch *b, int level, al_train_opts *to,
                       char *path, size_t n);
};

#endif
