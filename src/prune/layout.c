/* The group layout of a structured plan: how many blocks or units each tensor owns, and which
 * unit each channel group is. */
#include <stdlib.h>
#include <string.h>

#include "prune/prune_internal.h"


/* Every slice inside its prunable tensor's 2-D view, and a scored first slice per unit. */
static al_status check_units(const al_param_table *t, const al_prune_units *u) {
    for (int k = 0; k < u->n_units; k++) {
        if (u->start[k + 1] <= u->start[k] || !u->slices[u->start[k]].scored)
            return al_error(AL_ERR_INVALID, "prune: unit %d has no scored first slice (its output rows)", k);
        for (int s = u->start[k]; s < u->start[k + 1]; s++) {
            const al_prune_slice *sl = &u->slices[s];
            if (sl->param < 0 || sl->param >= t->n || !(t->params[sl->param].flags & AL_PARAM_PRUNABLE))
                return al_error(AL_ERR_INVALID, "prune: unit %d names tensor %d, which is not prunable", k, sl->param);
            const al_param *p = &t->params[sl->param];
            int64_t extent = sl->axis ? (int64_t)p->numel / rows_of(p) : rows_of(p);
            if ((sl->axis != 0 && sl->axis != 1) || sl->first < 0 || sl->count < 1 || sl->first + sl->count > extent)
                return al_error(AL_ERR_INVALID, "prune: unit %d: %s %lld..%lld of '%s' is outside its %lld %s", k,
                                sl->axis ? "columns" : "rows", (long long)sl->first,
                                (long long)(sl->first + sl->count - 1), p->name, (long long)extent,
                                sl->axis ? "columns" : "rows");
        }
    }
    return AL_OK;
}

al_status al_prune_layout(const al_param_table *t, const al_prune_opts *o, al_prune_plan *plan) {
    plan->structure = o->structure;
    plan->block_k = o->block_k;
    plan->block_m = o->block_m;
    plan->score = o->score;
    plan->units = o->units;
    if (o->structure == AL_STRUCT_UNSTRUCTURED) return AL_OK;
    if (o->structure == AL_STRUCT_BLOCK && (o->block_k < 1 || o->block_m < 1))
        return al_error(AL_ERR_INVALID, "prune: block size %dx%d must be at least 1x1", o->block_k, o->block_m);
    if (o->structure == AL_STRUCT_CHANNEL && !o->units)
        return al_error(AL_ERR_INVALID, "prune: --structure channel needs the model's unit description");
    if (o->structure == AL_STRUCT_CHANNEL) {
        al_status st = check_units(t, o->units);
        if (st != AL_OK) return st;
    }
    plan->first = calloc(t->n + 1, sizeof(int64_t));
    if (!plan->first) return al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        int64_t owned = 0;
        if (o->structure == AL_STRUCT_BLOCK && (p->flags & AL_PARAM_PRUNABLE)) {
            int64_t rows = rows_of(p), cols = (int64_t)p->numel / rows;
            owned = ((rows + o->block_k - 1) / o->block_k) * ((cols + o->block_m - 1) / o->block_m);
        }
        plan->first[i + 1] = plan->first[i] + owned;
    }
    if (o->structure == AL_STRUCT_BLOCK) return AL_OK;
    /* channel: count units per owner, then place them owner by owner (a stable bucket sort) */
    const al_prune_units *u = o->units;
    for (int k = 0; k < u->n_units; k++) plan->first[u->slices[u->start[k]].param + 1]++;
    for (int i = 0; i < t->n; i++) plan->first[i + 1] += plan->first[i];
    int64_t *next = malloc(sizeof(int64_t) * (t->n ? t->n : 1));
    plan->unit = malloc(sizeof(int) * (u->n_units ? u->n_units : 1));
    if (!next || !plan->unit) {
        free(next);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    memcpy(next, plan->first, sizeof(int64_t) * t->n);
    for (int k = 0; k < u->n_units; k++) plan->unit[next[u->slices[u->start[k]].param]++] = k;
    free(next);
    return AL_OK;
}
