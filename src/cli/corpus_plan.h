/* `audiolottery corpus --plan`: the utterances and the training batch order as JSON, so that
 * reference implementations (tools/torch_train_reference.py) train on exactly our batches. */
#ifndef AL_CLI_CORPUS_PLAN_H
#define AL_CLI_CORPUS_PLAN_H

#include "audiolottery/data.h"

/* {"batch_size": B, "seed": S, "utterances": [{"id", "audio", "offset", "duration", "text"}...],
 *  "epochs": [[[utterance index, ...] per batch] per epoch]}, written atomically. */
al_status al_write_batch_plan(const char *path, const al_corpus *c, int epochs, int batch_size, uint64_t seed);

#endif
