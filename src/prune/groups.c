/* Structured pruning over groups (blocks, channel units): scores, magnitude and random masks.
 * Every group is one or more rectangles of its tensors' 2-D views (rows = shape[0]). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prune/prune_internal.h"

typedef struct {
    int param;
    int64_t r0, r1, c0, c1; /* rows [r0, r1) x columns [c0, c1) */
} rect;


/* Block b of tensor i: row-major over the block grid; the last row / column of blocks is ragged
 * when the shape is not a multiple of the block. */
static rect block_rect(const al_param_table *t, const al_prune_plan *pl, int i, int64_t b) {
    const al_param *p = &t->params[i];
    int64_t rows = rows_of(p), cols = (int64_t)p->numel / rows;
    int64_t per_row = (cols + pl->block_m - 1) / pl->block_m;
    rect r = {i, b / per_row * pl->block_k, 0, b % per_row * pl->block_m, 0};
    r.r1 = r.r0 + pl->block_k < rows ? r.r0 + pl->block_k : rows;
    r.c1 = r.c0 + pl->block_m < cols ? r.c0 + pl->block_m : cols;
    return r;
}

static rect slice_rect(const al_param_table *t, const al_prune_slice *s) {
    const al_param *p = &t->params[s->param];
    int64_t rows = rows_of(p), cols = (int64_t)p->numel / rows;
    if (s->axis) return (rect){s->param, 0, rows, s->first, s->first + s->count};
    return (rect){s->param, s->first, s->first + s->count, 0, cols};
}

/* The rectangles of group g (owned by tensor i): its block, or its unit's slices (scored_only:
 * the scored ones). Returns how many were written to out (at most max). */
static int group_rects(const al_param_table *t, const al_prune_plan *pl, int i, int64_t g, int scored_only, rect *out,
                       int max) {
    if (pl->structure == AL_STRUCT_BLOCK) {
        out[0] = block_rect(t, pl, i, g - pl->first[i]);
        return 1;
    }
    const al_prune_units *u = pl->units;
    int k = pl->unit[g], n = 0;
    for (int s = u->start[k]; s < u->start[k + 1] && n < max; s++)
        if (!scored_only || u->slices[s].scored) out[n++] = slice_rect(t, &u->slices[s]);
    return n;
}

#define MAX_RECTS 256 /* slices of one unit (a DS2 LSTM unit has 20) */

/* Sum of |w| (L1) or w^2 (L2) over the weights of r alive in mask (NULL: all); counts them. */
static double rect_sum(const al_param_table *t, const rect *r, const float *w, const uint8_t *mask, int l2,
                       int64_t *alive) {
    const al_param *p = &t->params[r->param];
    int64_t cols = (int64_t)p->numel / rows_of(p);
    double acc = 0;
    for (int64_t row = r->r0; row < r->r1; row++)
        for (int64_t c = r->c0; c < r->c1; c++) {
            size_t k = p->offset + (size_t)(row * cols + c);
            if (mask && !mask[k]) continue;
            ++*alive;
            if (w) acc += l2 ? (double)w[k] * w[k] : fabs((double)w[k]);
        }
    return acc;
}

/* The group's norm over its alive (scored) weights; *alive: whether it has any. A ragged block's
 * norm is scaled to a full block's size (see prune.h). */
static double group_score(const al_param_table *t, const al_prune_plan *pl, int i, int64_t g, const float *w,
                          const uint8_t *mask, int *alive) {
    rect r[MAX_RECTS];
    int n = group_rects(t, pl, i, g, 1, r, MAX_RECTS);
    int l2 = pl->score == AL_SCORE_L2;
    int64_t live = 0;
    double acc = 0;
    for (int k = 0; k < n; k++) acc += rect_sum(t, &r[k], w, mask, l2, &live);
    if (pl->structure == AL_STRUCT_BLOCK)
        acc *= (double)pl->block_k * pl->block_m / (double)((r[0].r1 - r[0].r0) * (r[0].c1 - r[0].c0));
    *alive = live > 0;
    return l2 ? sqrt(acc) : acc;
}

int al_prune_group_alive(const al_param_table *t, const al_prune_plan *pl, int i, int64_t g, const uint8_t *mask) {
    int alive;
    group_score(t, pl, i, g, NULL, mask, &alive);
    return alive;
}

static void group_clear(const al_param_table *t, const al_prune_plan *pl, int i, int64_t g, uint8_t *mask) {
    rect r[MAX_RECTS];
    int n = group_rects(t, pl, i, g, 0, r, MAX_RECTS);
    for (int k = 0; k < n; k++) {
        const al_param *p = &t->params[r[k].param];
        int64_t cols = (int64_t)p->numel / rows_of(p);
        for (int64_t row = r[k].r0; row < r[k].r1; row++)
            memset(mask + p->offset + row * cols + r[k].c0, 0, (size_t)(r[k].c1 - r[k].c0));
    }
}

/* Zeroes, on top of mask, every group whose keep flag is 0. */
static void clear_dropped(const al_param_table *t, const al_prune_plan *pl, const uint8_t *keep, uint8_t *mask) {
    for (int i = 0; i < t->n; i++)
        for (int64_t g = pl->first[i]; g < pl->first[i + 1]; g++)
            if (!keep[g]) group_clear(t, pl, i, g, mask);
}

static al_status check_unit_sizes(const al_prune_plan *pl) {
    if (pl->structure != AL_STRUCT_CHANNEL) return AL_OK;
    for (int k = 0; k < pl->units->n_units; k++)
        if (pl->units->start[k + 1] - pl->units->start[k] > MAX_RECTS)
            return al_error(AL_ERR_INVALID, "prune: unit %d has more than %d slices", k, MAX_RECTS);
    return AL_OK;
}

typedef struct {
    double score;
    int64_t group;
} candidate;

/* larger norm first; ties: lower position first */
static int by_score(const void *a, const void *b) {
    const candidate *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->group > y->group) - (x->group < y->group);
}

al_status al_prune_magnitude_groups(const al_param_table *t, const float *weights, const al_prune_plan *pl,
                                    const uint8_t *mask_prev, uint8_t *mask_out) {
    al_status st = check_unit_sizes(pl);
    if (st != AL_OK) return st;
    if (mask_prev) memcpy(mask_out, mask_prev, t->total);
    else memset(mask_out, 1, t->total);
    int64_t n_groups = pl->first[t->n];
    uint8_t *keep = malloc(n_groups ? n_groups : 1);
    candidate *c = malloc(sizeof *c * (n_groups ? n_groups : 1));
    if (!keep || !c) st = al_error(AL_ERR_NOMEM, "prune: out of memory");
    if (keep) memset(keep, 1, n_groups); /* groups outside every pool (ignored) stay */
    for (int pool = 0; pool <= t->n && st == AL_OK; pool++) {
        if (pl->size[pool] == 0) continue;
        size_t n = 0;
        for (int i = 0; i < t->n; i++) {
            if (pl->pool[i] != pool) continue;
            for (int64_t g = pl->first[i]; g < pl->first[i + 1]; g++) {
                int alive;
                double s = group_score(t, pl, i, g, weights, mask_prev, &alive);
                keep[g] = 0;
                if (alive) c[n++] = (candidate){s, g};
            }
        }
        if ((int64_t)n < pl->keep[pool]) {
            st = al_error(AL_ERR_INVALID, "prune: a pool keeps %lld groups but only %zu are alive",
                          (long long)pl->keep[pool], n);
            break;
        }
        qsort(c, n, sizeof *c, by_score);
        for (int64_t k = 0; k < pl->keep[pool]; k++) keep[c[k].group] = 1;
    }
    if (st == AL_OK) clear_dropped(t, pl, keep, mask_out);
    free(keep);
    free(c);
    return st;
}

/* Keeps `keep` random groups of the n in ids (seeded stream), dropping the others. */
static al_status keep_random(const int64_t *ids, int64_t n, int64_t keep, uint64_t seed, uint64_t stream,
                             uint8_t *keep_flags) {
    al_rng rng;
    al_rng_seed_stream(&rng, seed, stream);
    size_t *idx;
    al_status st = al_prune_choose(n, keep, &rng, &idx);
    if (st != AL_OK) return st;
    for (int64_t k = 0; k < n; k++) keep_flags[ids[k]] = 0;
    for (int64_t k = 0; k < keep; k++) keep_flags[ids[idx[k]]] = 1;
    free(idx);
    return AL_OK;
}

al_status al_prune_random_groups(const al_param_table *t, const al_prune_plan *pl, const uint8_t *per_tensor_like,
                                 uint64_t seed, uint8_t *mask_out) {
    al_status st = check_unit_sizes(pl);
    if (st != AL_OK) return st;
    memset(mask_out, 1, t->total);
    int64_t n_groups = pl->first[t->n];
    uint8_t *keep = malloc(n_groups ? n_groups : 1);
    int64_t *ids = malloc(sizeof(int64_t) * (n_groups ? n_groups : 1));
    if (!keep || !ids) st = al_error(AL_ERR_NOMEM, "prune: out of memory");
    if (keep) memset(keep, 1, n_groups);
    /* the same seeding as the unstructured baselines: stream i per tensor, 1000000 + pool per pool */
    for (int i = 0; i < t->n && st == AL_OK && per_tensor_like; i++) {
        int64_t n = 0, kept = 0;
        for (int64_t g = pl->first[i]; g < pl->first[i + 1]; g++) {
            ids[n++] = g;
            kept += al_prune_group_alive(t, pl, i, g, per_tensor_like);
        }
        if (n) st = keep_random(ids, n, kept, seed, (uint64_t)i, keep);
    }
    for (int pool = 0; pool <= t->n && st == AL_OK && !per_tensor_like; pool++) {
        if (pl->size[pool] == 0) continue;
        int64_t n = 0;
        for (int i = 0; i < t->n; i++)
            if (pl->pool[i] == pool)
                for (int64_t g = pl->first[i]; g < pl->first[i + 1]; g++) ids[n++] = g;
        st = keep_random(ids, n, pl->keep[pool], seed, 1000000u + (uint64_t)pool, keep);
    }
    if (st == AL_OK) clear_dropped(t, pl, keep, mask_out);
    free(keep);
    free(ids);
    return st;
}
