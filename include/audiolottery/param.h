/* audiolottery parameter table: every tensor of a model in one place.
 *
 * Usage:
 *   al_param_table t;
 *   al_param_table_init(&t);
 *   int w = al_param_add(&t, "fc.0.module.1.weight", 2, (int64_t[]){29, 256}, AL_PARAM_PRUNABLE);
 *   int m = al_param_add(&t, "fc.0.module.0.running_mean", 1, (int64_t[]){256}, AL_PARAM_BUFFER);
 *   al_param_table_alloc(&t);                 // one float block for values, one for gradients
 *   float *W = al_param_data(&t, w);          // (29, 256) row-major
 *   ...
 *   al_param_table_free(&t);
 *
 * Every entry has a PyTorch-compatible name, a shape, an offset into one float block, and flags
 * (trainable weight, buffer such as BatchNorm running statistics, prunable). Gradients, optimizer
 * moments, masks and rewind copies are parallel blocks with the same layout (`total` floats), so
 * the optimizer, pruning, rewinding, checkpointing and sparsity reports are one loop each over
 * the table, never per model.
 *
 * Ownership: the table owns its blocks; pointers from al_param_data/al_param_grad stay valid
 * until al_param_table_free. Not thread-safe to modify; read-only use may be shared.
 */
#ifndef AUDIOLOTTERY_PARAM_H
#define AUDIOLOTTERY_PARAM_H

#include "audiolottery/core.h"
#include "audiolottery/io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_PARAM_NAME_MAX 96
#define AL_PARAM_MAX_DIMS 4

enum {
    AL_PARAM_TRAINABLE = 1 << 0, /* updated by the optimizer, has a gradient */
    AL_PARAM_PRUNABLE = 1 << 1,  /* in the pruning scope (implies trainable) */
    AL_PARAM_BUFFER = 1 << 2,    /* state that is not trained (BatchNorm running statistics) */
};

typedef struct {
    char name[AL_PARAM_NAME_MAX];
    int ndim;
    int64_t shape[AL_PARAM_MAX_DIMS];
    size_t numel;
    size_t offset; /* in floats, into every parallel block; 16-float (64-byte) aligned */
    unsigned flags;
} al_param;

typedef struct {
    al_param *params;
    int n, cap;
    size_t total; /* floats per block, padding included */
    float *data;  /* values (total) */
    float *grad;  /* gradients (total); zero for buffers */
} al_param_table;

void al_param_table_init(al_param_table *t);
/* Adds an entry before allocation; returns its index, or a negative al_status (duplicate name,
 * bad shape). AL_PARAM_PRUNABLE implies AL_PARAM_TRAINABLE; flags without BUFFER imply TRAINABLE. */
int al_param_add(al_param_table *t, const char *name, int ndim, const int64_t *shape, unsigned flags);
/* Allocates the value and gradient blocks, zeroed. */
al_status al_param_table_alloc(al_param_table *t);
void al_param_table_free(al_param_table *t);

static inline float *al_param_data(const al_param_table *t, int i) { return t->data + t->params[i].offset; }
static inline float *al_param_grad(const al_param_table *t, int i) { return t->grad + t->params[i].offset; }

int al_param_find(const al_param_table *t, const char *name); /* index, or -1 */
/* 1 when tensor x has exactly p's shape (ndim and every dimension), whatever its dtype. */
int al_param_same_shape(const al_param *p, const al_st_tensor *x);

/* Counts of elements: all trainable parameters (what PyTorch's parameters() count), and the
 * prunable subset. Buffers are not counted. */
size_t al_param_count_trainable(const al_param_table *t);
size_t al_param_count_prunable(const al_param_table *t);

void al_param_zero_grad(al_param_table *t);

/* Initialisation helpers of the families: entry idx's values uniform in [-bound, bound) from the
 * random stream (seed, idx) (so each tensor's draw is independent of the others), or all v. */
void al_param_fill_uniform(al_param_table *t, int idx, double bound, uint64_t seed);
void al_param_fill(al_param_table *t, int idx, float v);

/* A block with the table's layout (total floats, zeroed), e.g. optimizer moments or a rewind copy. */
float *al_param_block_new(const al_param_table *t);

/* Adds every entry's values to a safetensors writer under its name (F32). */
al_status al_param_table_write(const al_param_table *t, const float *block, al_st_writer *w);
/* Loads every entry's values from f. Missing tensors or shape mismatches are errors naming the
 * tensor (path is used in messages); tensors in f that the table lacks are ignored unless strict. */
al_status al_param_table_read(al_param_table *t, float *block, const al_st_file *f, const char *path, int strict);

#ifdef __cplusplus
}
#endif
#endif
