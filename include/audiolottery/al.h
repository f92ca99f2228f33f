/* audiolottery: train speech recognisers on CPU, find sparse lottery tickets, run them fast.
 * One include for the whole public API (tests/unit/test_al_h.c checks that it is). Each header opens
 * with a usage example and says who owns what and what is thread-safe. Prefix al_ for functions and
 * types, AL_ for macros. */
#ifndef AUDIOLOTTERY_AL_H
#define AUDIOLOTTERY_AL_H

#include "audiolottery/core.h"
#include "audiolottery/io.h"
#include "audiolottery/audio.h"
#include "audiolottery/synth.h"
#include "audiolottery/data.h"
#include "audiolottery/units.h"
#include "audiolottery/param.h"
#include "audiolottery/prune.h"
#include "audiolottery/model.h"
#include "audiolottery/ds2.h"
#include "audiolottery/loss.h"
#include "audiolottery/optim.h"
#include "audiolottery/train.h"
#include "audiolottery/lottery.h"
#include "audiolottery/report.h"
#include "audiolottery/metrics.h"
#include "audiolottery/lm.h"
#include "audiolottery/beam.h"
#include "audiolottery/decode.h"
#include "audiolottery/transcript.h"
#include "audiolottery/sparse.h"
#include "audiolottery/sparse_train.h"
#include "audiolottery/compact.h"

#define AL_VERSION_STRING "0.1.0"

#endif
