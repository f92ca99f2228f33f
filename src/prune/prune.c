/* Pruning plans, magnitude and random masks with exact counts, mask reports and I/O. */
#include "prune/prune_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

al_prune_opts al_prune_defaults(void) {
    al_prune_opts o;
    memset(&o, 0, sizeof o);
    o.scope = AL_PRUNE_GLOBAL;
    o.fraction = 0.2;
    o.floor = 0.01;
    return o;
}

al_status al_prune_add_ignore(al_prune_opts *o, const char *name) {
    if (o->n_ignore >= AL_PRUNE_MAX_RULES) return al_error(AL_ERR_INVALID, "too many --prune-ignore rules");
    if (strlen(name) >= AL_PARAM_NAME_MAX) return al_error(AL_ERR_INVALID, "--prune-ignore %s: name too long", name);
    snprintf(o->ignore[o->n_ignore++], AL_PARAM_NAME_MAX, "%s", name);
    return AL_OK;
}

al_status al_prune_add_rate(al_prune_opts *o, const char *spec) {
    const char *eq = strrchr(spec, '=');
    char *end;
    double p = eq ? strtod(eq + 1, &end) : NAN;
    if (!eq || eq == spec || *end || !(p >= 0 && p < 1) || eq - spec >= AL_PARAM_NAME_MAX)
        return al_error(AL_ERR_INVALID, "--prune-rate %s: expected NAME=FRACTION with 0 <= FRACTION < 1", spec);
    if (o->n_rates >= AL_PRUNE_MAX_RULES) return al_error(AL_ERR_INVALID, "too many --prune-rate rules");
    snprintf(o->rate_name[o->n_rates], AL_PARAM_NAME_MAX, "%.*s", (int)(eq - spec), spec);
    o->rate[o->n_rates++] = p;
    return AL_OK;
}

int64_t al_prune_keep_count(int64_t n, double fraction, int level) {
    /* round half away from zero of a non-negative value */
    return (int64_t)floor(pow(1.0 - fraction, level) * (double)n + 0.5);
}

static int find_rule(const char (*names)[AL_PARAM_NAME_MAX], int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}

void al_prune_plan_free(al_prune_plan *plan) {
    free(plan->pool);
    free(plan->size);
    free(plan->keep);
    free(plan->first);
    free(plan->unit);
    memset(plan, 0, sizeof *plan);
}

al_status al_prune_plan_level(const al_param_table *t, const al_prune_opts *o, int level, al_prune_plan *plan) {
    memset(plan, 0, sizeof *plan);
    if (!(o->fraction >= 0 && o->fraction < 1) || level < 0)
        return al_error(AL_ERR_INVALID, "prune: fraction %g must be in [0, 1), level %d >= 0", o->fraction, level);
    /* every rule must name a prunable entry */
    for (int k = 0; k < o->n_ignore + o->n_rates; k++) {
        const char *name = k < o->n_ignore ? o->ignore[k] : o->rate_name[k - o->n_ignore];
        int i = al_param_find(t, name);
        if (i < 0 || !(t->params[i].flags & AL_PARAM_PRUNABLE))
            return al_error(AL_ERR_INVALID, "prune: '%s' is not a prunable tensor of this model", name);
    }
    plan->n_params = t->n;
    plan->pool = malloc(sizeof(int) * (t->n ? t->n : 1));
    plan->size = calloc(t->n + 1, sizeof(int64_t));
    plan->keep = calloc(t->n + 1, sizeof(int64_t));
    if (!plan->pool || !plan->size || !plan->keep) {
        al_prune_plan_free(plan);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    al_status st = al_prune_layout(t, o, plan);
    if (st != AL_OK) {
        al_prune_plan_free(plan);
        return st;
    }
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        plan->pool[i] = -1;
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        /* what the pools count: weights, or the groups the tensor owns */
        int64_t count = plan->first ? plan->first[i + 1] - plan->first[i] : (int64_t)p->numel;
        int ruled = find_rule(o->ignore, o->n_ignore, p->name) >= 0 || find_rule(o->rate_name, o->n_rates, p->name) >= 0;
        if (ruled && count == 0) {
            al_prune_plan_free(plan);
            return al_error(AL_ERR_INVALID, "prune: '%s' owns no channels to prune; a --prune-ignore or --prune-rate "
                            "rule under --structure channel names a unit's first tensor", p->name);
        }
        plan->prunable_total += count;
        if (find_rule(o->ignore, o->n_ignore, p->name) >= 0) continue;
        int r = find_rule(o->rate_name, o->n_rates, p->name);
        plan->pool[i] = r >= 0 || o->scope == AL_PRUNE_LAYERWISE ? 1 + i : 0;
        plan->size[plan->pool[i]] += count;
    }
    plan->kept_total = plan->prunable_total;
    for (int k = 0; k <= t->n; k++) {
        double f = o->fraction;
        if (k > 0) {
            int r = find_rule(o->rate_name, o->n_rates, t->params[k - 1].name);
            if (r >= 0) f = o->rate[r];
        }
        plan->keep[k] = al_prune_keep_count(plan->size[k], f, level);
        plan->kept_total -= plan->size[k] - plan->keep[k];
    }
    return AL_OK;
}

uint8_t *al_mask_new(const al_param_table *t) {
    uint8_t *m = malloc(t->total ? t->total : 1);
    if (m) memset(m, 1, t->total);
    return m;
}

typedef struct {
    float mag;
    uint32_t param;
    uint32_t index;
} candidate;

/* larger magnitude first; ties: lower (param, index) first */
static int by_magnitude(const void *a, const void *b) {
    const candidate *x = a, *y = b;
    if (x->mag != y->mag) return x->mag > y->mag ? -1 : 1;
    if (x->param != y->param) return x->param < y->param ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* A NaN has no rank: with one, the sort order and so the kept set would be arbitrary. */
static al_status check_finite(const al_param_table *t, const float *weights, const al_prune_plan *plan,
                              const uint8_t *mask_prev) {
    for (int i = 0; i < t->n; i++) {
        if (plan->pool[i] < 0) continue;
        const al_param *p = &t->params[i];
        for (size_t k = 0; k < p->numel; k++)
            if ((!mask_prev || mask_prev[p->offset + k]) && !isfinite(weights[p->offset + k]))
                return al_error(AL_ERR_INVALID, "prune: '%s' holds a non-finite weight (element %zu): the training "
                                "diverged; magnitudes cannot rank it", p->name, k);
    }
    return AL_OK;
}

al_status al_prune_magnitude(const al_param_table *t, const float *weights, const al_prune_plan *plan,
                             const uint8_t *mask_prev, uint8_t *mask_out) {
    al_status st = check_finite(t, weights, plan, mask_prev);
    if (st != AL_OK) return st;
    if (plan->structure != AL_STRUCT_UNSTRUCTURED)
        return al_prune_magnitude_groups(t, weights, plan, mask_prev, mask_out);
    memset(mask_out, 1, t->total);
    for (int pool = 0; pool <= t->n; pool++) {
        if (plan->size[pool] == 0) continue;
        candidate *c = malloc(sizeof *c * (size_t)plan->size[pool]);
        if (!c) return al_error(AL_ERR_NOMEM, "prune: out of memory");
        size_t n = 0;
        for (int i = 0; i < t->n; i++) {
            if (plan->pool[i] != pool) continue;
            const al_param *p = &t->params[i];
            for (size_t k = 0; k < p->numel; k++) {
                mask_out[p->offset + k] = 0;
                if (mask_prev && !mask_prev[p->offset + k]) continue;
                c[n++] = (candidate){fabsf(weights[p->offset + k]), (uint32_t)i, (uint32_t)k};
            }
        }
        if ((int64_t)n < plan->keep[pool]) {
            free(c);
            return al_error(AL_ERR_INVALID, "prune: a pool keeps %lld weights but only %zu are alive",
                            (long long)plan->keep[pool], n);
        }
        qsort(c, n, sizeof *c, by_magnitude);
        for (int64_t k = 0; k < plan->keep[pool]; k++) mask_out[t->params[c[k].param].offset + c[k].index] = 1;
        free(c);
    }
    return AL_OK;
}

al_status al_prune_choose(int64_t n, int64_t keep, al_rng *rng, size_t **idx_out) {
    size_t *idx = malloc(sizeof(size_t) * (n ? n : 1));
    if (!idx) return al_error(AL_ERR_NOMEM, "prune: out of memory");
    for (int64_t i = 0; i < n; i++) idx[i] = (size_t)i;
    for (int64_t i = 0; i < keep; i++) {
        size_t j = (size_t)i + (size_t)al_rng_below(rng, (uint64_t)(n - i));
        size_t tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
    }
    *idx_out = idx;
    return AL_OK;
}

al_status al_prune_random(const al_param_table *t, const al_prune_plan *plan, const uint8_t *per_tensor_like,
                          uint64_t seed, uint8_t *mask_out) {
    if (plan->structure != AL_STRUCT_UNSTRUCTURED)
        return al_prune_random_groups(t, plan, per_tensor_like, seed, mask_out);
    memset(mask_out, 1, t->total);
    al_rng rng;
    if (per_tensor_like) {
        for (int i = 0; i < t->n; i++) {
            const al_param *p = &t->params[i];
            if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
            int64_t keep = 0;
            for (size_t k = 0; k < p->numel; k++) keep += per_tensor_like[p->offset + k] != 0;
            al_rng_seed_stream(&rng, seed, (uint64_t)i);
            size_t *idx;
            al_status st = al_prune_choose((int64_t)p->numel, keep, &rng, &idx);
            if (st != AL_OK) return st;
            memset(mask_out + p->offset, 0, p->numel);
            for (int64_t k = 0; k < keep; k++) mask_out[p->offset + idx[k]] = 1;
            free(idx);
        }
        return AL_OK;
    }
    for (int pool = 0; pool <= t->n; pool++) {
        if (plan->size[pool] == 0) continue;
        /* the pool's positions, tensor by tensor in table order */
        size_t *where = malloc(sizeof(size_t) * (size_t)plan->size[pool]);
        if (!where) return al_error(AL_ERR_NOMEM, "prune: out of memory");
        size_t n = 0;
        for (int i = 0; i < t->n; i++)
            if (plan->pool[i] == pool)
                for (size_t k = 0; k < t->params[i].numel; k++) {
                    where[n++] = t->params[i].offset + k;
                    mask_out[t->params[i].offset + k] = 0;
                }
        al_rng_seed_stream(&rng, seed, 1000000u + (uint64_t)pool);
        size_t *idx;
        al_status st = al_prune_choose((int64_t)n, plan->keep[pool], &rng, &idx);
        if (st != AL_OK) {
            free(where);
            return st;
        }
        for (int64_t k = 0; k < plan->keep[pool]; k++) mask_out[where[idx[k]]] = 1;
        free(idx);
        free(where);
    }
    return AL_OK;
}

al_status al_mask_count(const al_param_table *t, const uint8_t *mask, al_mask_report *r) {
    memset(r, 0, sizeof *r);
    r->n = t->n;
    r->kept = calloc(t->n ? t->n : 1, sizeof(int64_t));
    r->total = calloc(t->n ? t->n : 1, sizeof(int64_t));
    if (!r->kept || !r->total) {
        al_mask_report_free(r);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        int64_t kept = 0;
        for (size_t k = 0; k < p->numel; k++) kept += mask[p->offset + k] != 0;
        r->kept[i] = kept;
        r->total[i] = (int64_t)p->numel;
        r->kept_all += kept;
        r->total_all += (int64_t)p->numel;
    }
    return AL_OK;
}

al_status al_mask_count_groups(const al_param_table *t, const al_prune_opts *o, const uint8_t *mask,
                               al_mask_report *r) {
    if (o->structure == AL_STRUCT_UNSTRUCTURED) return AL_OK;
    al_prune_plan layout;
    memset(&layout, 0, sizeof layout);
    al_status st = al_prune_layout(t, o, &layout);
    free(r->groups_kept);
    free(r->groups_total);
    r->groups_kept = calloc(t->n ? t->n : 1, sizeof(int64_t));
    r->groups_total = calloc(t->n ? t->n : 1, sizeof(int64_t));
    if (st == AL_OK && (!r->groups_kept || !r->groups_total)) st = al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < t->n && st == AL_OK; i++) {
        r->groups_total[i] = layout.first[i + 1] - layout.first[i];
        for (int64_t g = layout.first[i]; g < layout.first[i + 1]; g++)
            r->groups_kept[i] += al_prune_group_alive(t, &layout, i, g, mask);
    }
    al_prune_plan_free(&layout);
    return st;
}

void al_mask_report_free(al_mask_report *r) {
    free(r->kept);
    free(r->total);
    free(r->groups_kept);
    free(r->groups_total);
    memset(r, 0, sizeof *r);
}

void al_mask_log(const al_param_table *t, const al_mask_report *r, const al_prune_opts *o) {
    for (int i = 0; i < r->n; i++) {
        if (!r->total[i]) continue;
        double share = (double)r->kept[i] / (double)r->total[i];
        char groups[64] = "";
        if (r->groups_total && r->groups_total[i])
            snprintf(groups, sizeof groups, "  (%lld / %lld %s)", (long long)r->groups_kept[i],
                     (long long)r->groups_total[i], o->structure == AL_STRUCT_CHANNEL ? "channels" : "blocks");
        al_log(AL_LOG_INFO, "  %-44s %10lld / %-10lld %7.3f%%%s", t->params[i].name, (long long)r->kept[i],
               (long long)r->total[i], 100 * share, groups);
        if (share < o->floor)
            al_log(AL_LOG_WARN, "%s keeps %.3f%% of its weights, below the floor of %.3f%% (layer collapse? see "
                   "--prune-ignore / --prune-rate)", t->params[i].name, 100 * share, 100 * o->floor);
    }
    al_log(AL_LOG_INFO, "  remaining: %lld of %lld prunable weights (%.3f%%)", (long long)r->kept_all,
           (long long)r->total_all, r->total_all ? 100.0 * r->kept_all / r->total_all : 100.0);
}

al_status al_mask_write(const al_param_table *t, const uint8_t *mask, al_st_writer *w) {
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        char key[AL_PARAM_NAME_MAX + 8];
        snprintf(key, sizeof key, "%s_mask", p->name);
        al_status st = al_st_writer_add(w, key, AL_DT_U8, p->ndim, p->shape, mask + p->offset);
        if (st != AL_OK) return st;
    }
    return AL_OK;
}

al_status al_mask_load(const al_param_table *t, const char *path, uint8_t *mask) {
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) return st;
    st = al_mask_read(t, f, path, mask);
    al_st_close(f);
    return st;
}

int al_mask_present(const al_st_file *f) {
    for (int i = 0; i < al_st_count(f); i++) {
        const char *name = al_st_get(f, i)->name;
        size_t n = strlen(name);
        if (n > 5 && !strcmp(name + n - 5, "_mask")) return 1;
    }
    return 0;
}

al_status al_mask_read(const al_param_table *t, const al_st_file *f, const char *path, uint8_t *mask) {
    memset(mask, 1, t->total);
    int found = 0;
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        char key[AL_PARAM_NAME_MAX + 8];
        snprintf(key, sizeof key, "%s_mask", p->name);
        const al_st_tensor *m = al_st_find(f, key);
        if (!m) continue;
        found++;
        if (m->dtype != AL_DT_U8 || !al_param_same_shape(p, m)) /* a transposed mask would prune the wrong weights */
            return al_error(AL_ERR_FORMAT, "%s: mask '%s' is not a U8 tensor of the weight's shape", path, key);
        const uint8_t *src = m->data;
        for (size_t k = 0; k < p->numel; k++) mask[p->offset + k] = src[k] != 0;
    }
    if (!found)
        return al_error(AL_ERR_FORMAT,
                        "%s: no <tensor>_mask tensor of this model's prunable weights (not a mask file?)", path);
    /* a mask of a deeper model would otherwise leave the extra layers' masks unused, silently */
    for (int i = 0; i < al_st_count(f); i++) {
        const char *name = al_st_get(f, i)->name;
        size_t n = strlen(name);
        if (n <= 5 || strcmp(name + n - 5, "_mask") || n - 5 >= AL_PARAM_NAME_MAX) continue;
        char weight[AL_PARAM_NAME_MAX];
        snprintf(weight, sizeof weight, "%.*s", (int)(n - 5), name);
        int k = al_param_find(t, weight);
        if (k < 0 || !(t->params[k].flags & AL_PARAM_PRUNABLE))
            return al_error(AL_ERR_FORMAT, "%s: mask '%s' belongs to no prunable weight of this model", path, name);
    }
    return AL_OK;
}
