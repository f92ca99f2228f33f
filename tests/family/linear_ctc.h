/* The test model family "linear-ctc": registered through audiolottery/model.h alone, to show that
 * the training loop, lottery, checkpoints, evaluation and the CLI serve any family. */
#ifndef AL_TESTS_LINEAR_CTC_H
#define AL_TESTS_LINEAR_CTC_H

#include "audiolottery/model.h"

/* Per frame: h = ReLU(encoder x_t + b), logits = head h + c; 80-bin log-mel input, one output frame
 * per input frame. Presets "linear-tiny" (32 hidden units), "linear-small" (128). */
extern const al_model_family al_family_linear_ctc;

#endif
