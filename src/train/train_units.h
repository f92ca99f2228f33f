/* A training run's output units (internal to src/train). */
#ifndef AL_TRAIN_TRAIN_UNITS_H
#define AL_TRAIN_TRAIN_UNITS_H

#include "audiolottery/train.h"

/* With o->units "bpe:N": the run's BPE units (OUT/units.model, trained on train's transcripts the
 * first time) and *model replaced by o->model's preset with their classes, carrying them. Characters:
 * nothing. */
al_status al_train_units(const al_train_opts *o, const al_corpus *train, al_model **model);

#endif
