/* audiolottery output units: what a CTC model's classes stand for. Characters (deepspeech.pytorch's
 * alphabet, the default) or SentencePiece BPE pieces trained on the training transcripts (the paper's
 * Conformer uses 256). Class 0 is always the CTC blank.
 *
 * Usage:
 *   al_units *u;
 *   al_units_train_bpe(texts, n, 256, &u);          // or al_units_chars(&u), al_units_from_model(...)
 *   int C = al_units_classes(u);                     // 257: blank + 256 pieces
 *   al_units_encode(u, "HELLO WORLD", ids, cap, &n); // class ids >= 1 of a normalised transcript
 *   al_units_decode(u, ids, n, &text);               // back to "HELLO WORLD" (malloc'd)
 *   al_units_free(u);
 *
 * Ownership: al_units owns its model; encode/decode are reentrant (read-only).
 */
#ifndef AUDIOLOTTERY_UNITS_H
#define AUDIOLOTTERY_UNITS_H

#include "audiolottery/data.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct al_units al_units;

#define AL_UNITS_MAX_CLASSES 8193 /* bpe:8192 plus the blank */

/* The default alphabet's characters: 29 classes. */
al_status al_units_chars(al_units **out);
/* SentencePiece BPE with `pieces` pieces (id 0 its <unk>) trained on texts[0..n) (transcripts normalised to
 * the alphabet): pieces + 1 classes. */
al_status al_units_train_bpe(const char *const *texts, size_t n, int pieces, al_units **out);
/* BPE units from a serialised SentencePiece model (al_units_model's bytes). */
al_status al_units_from_model(const void *model, size_t bytes, al_units **out);
void al_units_free(al_units *u);

int al_units_classes(const al_units *u);  /* blank included */
int al_units_is_bpe(const al_units *u);
/* "chars" or "bpe:N" (N pieces) */
const char *al_units_name(const al_units *u);
/* The serialised SentencePiece model of BPE units (*bytes long, owned by u); AL_ERR_INVALID for chars. */
al_status al_units_model(const al_units *u, const void **model, size_t *bytes);

/* Class ids (>= 1) of a normalised transcript into ids (cap), *n of them. */
al_status al_units_encode(const al_units *u, const char *text, int *ids, int cap, int *n);
/* The text (malloc'd) of class ids[0..n) (>= 1), e.g. a CTC best path without blanks and repeats. */
al_status al_units_decode(const al_units *u, const int *ids, int n, char **text);

/* CTC greedy decoding through the units: the best path of scores (T, C) (rows `stride` apart) without
 * repeats and blanks, as text (malloc'd) and, when frames is not NULL, the frame of each character
 * (malloc'd, strlen(text) entries; a BPE piece's characters share its frame), for word times. */
al_status al_units_greedy(const al_units *u, const float *scores, int T, size_t stride, int C, char **text,
                          int **frames);

/* The serialised model of BPE units as base64 text (malloc'd), for a model file's metadata, and back. */
al_status al_units_model_base64(const al_units *u, char **text);
al_status al_units_from_base64(const char *text, al_units **out);

/* Parses "chars" or "bpe:N" (N in 32..8192) into *pieces (0 for chars). */
al_status al_units_parse(const char *spec, int *pieces);

#ifdef __cplusplus
}
#endif
#endif
