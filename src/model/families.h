/* The built-in model families, in the order a bare state dict is tried against them (internal).
 * A new family adds its table here and in registry.c's list. */
#ifndef AL_MODEL_FAMILIES_H
#define AL_MODEL_FAMILIES_H

#include "audiolottery/model.h"

extern const al_model_family al_family_ds2;       /* src/model/ds2/ds2_family.c */
extern const al_model_family al_family_conformer; /* src/model/conformer/conformer_family.c */

#endif
