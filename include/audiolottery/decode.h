/* audiolottery greedy decoding of CTC outputs and word times (beam search with an LM: beam.h).
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

/* The same, also giving the frame at which each character of *text was emitted: *frames
 * (malloc'd, strlen(*text) entries) for word timings (see al_word_times). */
al_status al_ctc_greedy_frames(const float *scores, int T, size_t stride, int C, const al_alphabet *a, char **text,
                               int **frames);

/* Words of a decoded text with times: start = first frame of its first character, end = one
 * frame after its last character, times in seconds (frame_seconds per output frame: 0.02 for
 * DS2). A character's frame counts as at most the next character's, so that times never run
 * backwards (beam search frames may). *words is malloc'd (free each .word, then the array). */
typedef struct {
    char *word;
    double start, end;
} al_word_time;

al_status al_word_times(const char *text, const int *frames, double frame_seconds, al_word_time **words, int *n);
void al_word_times_free(al_word_time *words, int n);

#ifdef __cplusplus
}
#endif
#endif
