/* audiolottery decoding of CTC outputs (beam search with an LM comes in src/decode later).
 *
 * Usage:
 *   char *text;
 *   al_ctc_greedy(logits + n * C, T_n, N * C, C, &alphabet, &text);   // utterance n of (T, N, C)
 *   ... free(text);
 * Reentrant; no state.
 */
#ifndef AUDIOLOTTERY_DECODE_H
#define AUDIOLOTTERY_DECODE_H

#include "audiolottery/data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Best path: argmax per frame (ties to the lower label), merge repeats, drop blanks.
 * scores: frame t's C scores (logits or probabilities) start at scores + t * stride.
 * *text is malloc'd (free with free()), normalised spaces (no leading/trailing/double). */
al_status al_ctc_greedy(const float *scores, int T, size_t stride, int C, const al_alphabet *a, char **text);

#ifdef __cplusplus
}
#endif
#endif
