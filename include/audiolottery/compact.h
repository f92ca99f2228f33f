/* audiolottery compact model files: a pruned model holding only its kept weights.
 *
 * Usage:
 *   al_compact_stats s;
 *   st = al_compact_save("ticket.safetensors", model, mask, &s);   // mask: one byte per float, 1 = kept
 *   ...
 *   al_model *m;
 *   st = al_model_load("ticket.safetensors", &m);                     // reads compact files too
 *
 * Format ("audiolottery-compact-1", a safetensors file; __metadata__ holds format, model (the
 * config JSON) and labels like a checkpoint). A tensor that is not prunable, or keeps every
 * weight, is stored whole under its name (F32). A pruned tensor NAME of shape (rows, ...) is
 * viewed as a matrix (rows, cols = numel / rows) cut into bh x bw blocks and stored as
 *   NAME.block   I32 (2)                   [bh, bw]
 *   NAME.kept    U8  (ceil(blocks / 8))    one bit per block, block b = block row * (cols / bw) +
 *                                          block column, bit b % 8 of byte b / 8 (LSB first)
 *   NAME.values  F32 (kept blocks x bh x bw) the kept blocks in order, each row-major
 * The block is the largest of 8x1, 4x1, 2x1, 1x4, 1x2, 1x1 that divides the matrix and in which
 * every block of the mask is all kept or all pruned, so an 8x1 block ticket costs one bit per 8
 * weights of index and an unstructured one one bit per weight (at 10% kept: 0.53 bytes per weight
 * against 4 dense). Pruned weights read back as exactly 0.
 *
 * Thread-safety: reentrant.
 */
#ifndef AUDIOLOTTERY_COMPACT_H
#define AUDIOLOTTERY_COMPACT_H

#include "audiolottery/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_COMPACT_FORMAT "audiolottery-compact-1"

typedef struct {
    int64_t kept, prunable;   /* prunable weights kept / in all */
    int64_t bytes;            /* size of the file written */
    int64_t dense_bytes;      /* the same tensors stored whole (F32 safetensors payload) */
    int sparse_tensors;       /* tensors stored as blocks */
} al_compact_stats;

/* Writes m's weights and buffers, the prunable ones as kept blocks under mask (NULL: the nonzero
 * weights are the kept ones), atomically. Masked-out weights need not be zero in m. */
al_status al_compact_save(const char *path, al_model *m, const uint8_t *mask, al_compact_stats *stats);

/* Whether f is a compact model file. */
int al_compact_is(const al_st_file *f);

/* Kept weights of tensor `name` (numel weights) in the compact file f: numel when stored whole,
 * else kept blocks x block size; -1 when the file lacks it or its block size is invalid. */
int64_t al_compact_kept(const al_st_file *f, const char *name, int64_t numel);

/* Fills every entry of t's value block from the compact file f (named path in errors). */
al_status al_compact_read(al_param_table *t, const al_st_file *f, const char *path);

#ifdef __cplusplus
}
#endif
#endif
