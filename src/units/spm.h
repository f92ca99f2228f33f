/* A C interface to libsentencepiece (C++), internal to src/units: train a BPE model from sentences in
 * memory, load one from its serialised bytes, encode and decode piece ids. Errors are al_status values
 * with a message; no C++ exception leaves spm.cc. */
#ifndef AL_UNITS_SPM_H
#define AL_UNITS_SPM_H

#include <stddef.h>

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct al_spm al_spm;

/* Trains a BPE model of `vocab` pieces (id 0 <unk>, no bos/eos/pad, text kept as is: identity
 * normalisation) on texts[0..n); *model (malloc'd, *bytes long) is its serialised proto. */
al_status al_spm_train_bpe(const char *const *texts, size_t n, int vocab, char **model, size_t *bytes);
al_status al_spm_load(const char *model, size_t bytes, al_spm **out);
void al_spm_free(al_spm *s);
int al_spm_pieces(const al_spm *s);
/* ids (cap) of text; *n the count (an error when more than cap) */
al_status al_spm_encode(const al_spm *s, const char *text, int *ids, int cap, int *n);
/* text (malloc'd) of ids[0..n) */
al_status al_spm_decode(const al_spm *s, const int *ids, int n, char **text);

#ifdef __cplusplus
}
#endif
#endif
