/* Helpers shared by the lottery driver's files (internal). */
#ifndef AL_LOTTERY_INTERNAL_H
#define AL_LOTTERY_INTERNAL_H

#include "audiolottery/lottery.h"

/* Loads every tensor of weights_path (NULL: none) into t->data and the masks of mask_path (NULL:
 * none) into mask. */
al_status al_load_weights_and_mask(al_param_table *t, const char *weights_path, const char *mask_path, uint8_t *mask);

/* Writes a mask file ("<name>_mask" tensors, level and remaining counts in the metadata). */
al_status al_write_mask(const al_param_table *t, const uint8_t *mask, int level, const char *path);

/* Scores dir's best (or last) checkpoint on dev and the test sets and writes report.json: kind
 * "trunk" when b is NULL, else b's kind and its arguments. */
al_status al_write_level_report(const al_lottery_opts *o, const char *dir, const al_lottery_branch *b, int level,
                                const al_mask_report *mr, const al_train_result *tr, double wall_seconds,
                                const char *path);

#endif
