/* The parameter table: names, shapes, offsets into one float block, flags. */
#include "audiolottery/param.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN_FLOATS 16 /* 64 bytes */

void al_param_table_init(al_param_table *t) { memset(t, 0, sizeof *t); }

void al_param_table_free(al_param_table *t) {
    free(t->params);
    al_free(t->data);
    al_free(t->grad);
    memset(t, 0, sizeof *t);
}

int al_param_find(const al_param_table *t, const char *name) {
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->params[i].name, name) == 0) return i;
    return -1;
}

int al_param_add(al_param_table *t, const char *name, int ndim, const int64_t *shape, unsigned flags) {
    if (t->data) return al_error(AL_ERR_INVALID, "param '%s': table already allocated", name);
    if (strlen(name) >= AL_PARAM_NAME_MAX) return al_error(AL_ERR_INVALID, "param '%s': name too long", name);
    if (ndim < 1 || ndim > AL_PARAM_MAX_DIMS) return al_error(AL_ERR_INVALID, "param '%s': bad rank %d", name, ndim);
    if (al_param_find(t, name) >= 0) return al_error(AL_ERR_INVALID, "param '%s' added twice", name);
    if (flags & AL_PARAM_PRUNABLE) flags |= AL_PARAM_TRAINABLE;
    if (!(flags & AL_PARAM_BUFFER)) flags |= AL_PARAM_TRAINABLE;
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 32;
        al_param *p = realloc(t->params, cap * sizeof *p);
        if (!p) return al_error(AL_ERR_NOMEM, "out of memory");
        t->params = p;
        t->cap = cap;
    }
    al_param *p = &t->params[t->n];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = ndim;
    p->numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] <= 0) return al_error(AL_ERR_INVALID, "param '%s': bad shape", name);
        p->shape[d] = shape[d];
        p->numel *= (size_t)shape[d];
    }
    p->flags = flags;
    p->offset = t->total;
    t->total += (p->numel + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
    return t->n++;
}

al_status al_param_table_alloc(al_param_table *t) {
    t->data = al_param_block_new(t);
    t->grad = al_param_block_new(t);
    if (!t->data || !t->grad) {
        al_free(t->data);
        al_free(t->grad);
        t->data = t->grad = NULL;
        return al_error(AL_ERR_NOMEM, "out of memory for %zu parameters", t->total);
    }
    return AL_OK;
}

float *al_param_block_new(const al_param_table *t) { return al_calloc(t->total ? t->total : 1, sizeof(float)); }

static size_t count_flag(const al_param_table *t, unsigned flag) {
    size_t n = 0;
    for (int i = 0; i < t->n; i++)
        if (t->params[i].flags & flag) n += t->params[i].numel;
    return n;
}

size_t al_param_count_trainable(const al_param_table *t) { return count_flag(t, AL_PARAM_TRAINABLE); }
size_t al_param_count_prunable(const al_param_table *t) { return count_flag(t, AL_PARAM_PRUNABLE); }

void al_param_zero_grad(al_param_table *t) { memset(t->grad, 0, sizeof(float) * t->total); }

al_status al_param_table_write(const al_param_table *t, const float *block, al_st_writer *w) {
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        al_status st = al_st_writer_add(w, p->name, AL_DT_F32, p->ndim, p->shape, block + p->offset);
        if (st != AL_OK) return st;
    }
    return AL_OK;
}

int al_param_same_shape(const al_param *p, const al_st_tensor *x) {
    int same = x->ndim == p->ndim;
    for (int d = 0; same && d < p->ndim; d++) same = x->shape[d] == p->shape[d];
    return same;
}

al_status al_param_table_read(al_param_table *t, float *block, const al_st_file *f, const char *path, int strict) {
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        const al_st_tensor *x = al_st_find(f, p->name);
        if (!x) return al_error(AL_ERR_FORMAT, "%s: tensor '%s' is missing", path, p->name);
        if (x->dtype != AL_DT_F32 || !al_param_same_shape(p, x)) {
            char want[64] = "", got[64] = "";
            for (int d = 0; d < p->ndim; d++)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld", d ? "x" : "", (long long)p->shape[d]);
            for (int d = 0; d < x->ndim; d++)
                snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", d ? "x" : "", (long long)x->shape[d]);
            return al_error(AL_ERR_FORMAT, "%s: tensor '%s' is %s %s, expected F32 %s", path, p->name,
                            al_dtype_name(x->dtype), got, want);
        }
        memcpy(block + p->offset, x->data, p->numel * sizeof(float));
    }
    if (strict)
        for (int i = 0; i < al_st_count(f); i++) {
            const char *name = al_st_get(f, i)->name;
            if (al_param_find(t, name) < 0) return al_error(AL_ERR_FORMAT, "%s: unexpected tensor '%s'", path, name);
        }
    return AL_OK;
}

void al_param_fill_uniform(al_param_table *t, int idx, double bound, uint64_t seed) {
    al_rng rng;
    al_rng_seed_stream(&rng, seed, (uint64_t)idx);
    float *p = al_param_data(t, idx);
    for (size_t i = 0; i < t->params[idx].numel; i++) p[i] = (float)al_rng_range(&rng, -bound, bound);
}

void al_param_fill(al_param_table *t, int idx, float v) {
    float *p = al_param_data(t, idx);
    for (size_t i = 0; i < t->params[idx].numel; i++) p[i] = v;
}
