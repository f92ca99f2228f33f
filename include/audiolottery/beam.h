/* audiolottery CTC prefix beam search over characters with an optional word n-gram LM
 * (ctcdecode's algorithm and options).
 *
 * Usage:
 *   al_beam_opts o = al_beam_defaults();          // beam 100, no cutoff, no LM
 *   o.lm = lm; o.alpha = 1.97f; o.beta = 4.36f;    // the seed's 3-gram weights (ctcdecode)
 *   al_beam_ws *ws;  al_beam_ws_new(o.beam_width, alphabet.n, max_T, &ws);   // once per thread
 *   al_beam_result r;
 *   al_beam_decode(ws, logits + n * C, T_n, N * C, &alphabet, &o, &r);       // utterance n of (T, N, C)
 *   ... r.text, r.score, r.frames[i] ...
 *   al_beam_result_free(&r);  al_beam_ws_free(ws);
 *   // or all utterances at once, OpenMP over utterances:
 *   al_beam_decode_batch(logits, T, N, lengths, &alphabet, &o, results);
 *
 * Scores: each frame's C scores (logits or log-probabilities) go through log-softmax, so either
 * works (probabilities do not: pass their log). A prefix's score is ln P_ctc(prefix) + alpha * ln P_lm(words) + beta * words, where
 * P_ctc sums over every path that reads as the prefix (spaces normalised: none leading, none
 * doubled, none trailing, as al_ctc_greedy writes text). The LM scores a word when a space is
 * emitted after it, and at the end the last word and </s> (log10 converted to ln). Without an LM
 * (lm NULL) alpha is unused and beta still counts words. The blank is the alphabet's blank; words
 * are split at the alphabet's ' ' label (an LM needs one).
 *
 * Determinism: ties between equal scores go to the candidate made first (beam order, then label
 * index); results do not depend on the thread count.
 * Ownership and threads: a workspace belongs to one thread at a time; the LM and the alphabet are
 * only read and may be shared. Result strings are malloc'd and owned by the caller.
 */
#ifndef AUDIOLOTTERY_BEAM_H
#define AUDIOLOTTERY_BEAM_H

#include "audiolottery/data.h"
#include "audiolottery/lm.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int beam_width;    /* prefixes kept per frame: 100 */
    int cutoff_top_n;  /* extend only the n most probable labels of a frame; <= 0 or >= C: all (default 40) */
    float cutoff_prob; /* ... and of those only the most probable whose cumulative probability reaches
                          this; >= 1: no cutoff (default 1.0) */
    float alpha;       /* LM weight: 0 */
    float beta;        /* word insertion bonus: 0 */
    const al_lm *lm;   /* NULL: no LM */
    int vocab_only;    /* with an LM, 1: build only words of its vocabulary (ctcdecode's behaviour with a
                          word LM; a last word left unfinished scores as out of vocabulary). 0 (default):
                          any word; those the LM lacks score as its <unk> / OOV penalty */
    int want_frames;   /* 1: fill al_beam_result.frames. Default 0 */
} al_beam_opts;

al_beam_opts al_beam_defaults(void);

typedef struct {
    char *text;  /* best text, malloc'd */
    float score; /* its score as the search summed it (pruned paths excluded) */
    int *frames; /* want_frames: strlen(text) frames, malloc'd; frames[i] is the frame where
                    character i peaked (ctcdecode's timesteps); a word spans frames[first]..[last].
                    NULL otherwise */
} al_beam_result;

void al_beam_result_free(al_beam_result *r);

typedef struct al_beam_ws al_beam_ws;

/* A workspace for up to beam_width prefixes, C labels and max_T frames. */
al_status al_beam_ws_new(int beam_width, int C, int max_T, al_beam_ws **out);
void al_beam_ws_free(al_beam_ws *ws);

/* Decodes one utterance: frame t's C = a->n scores start at scores + t * stride, t < T.
 * T <= the workspace's max_T, o->beam_width <= its beam_width. */
al_status al_beam_decode(al_beam_ws *ws, const float *scores, int T, size_t stride, const al_alphabet *a,
                         const al_beam_opts *o, al_beam_result *out);

/* Decodes N utterances of a time-major block: logits (T, N, C), C = a->n; utterance n has lengths[n]
 * frames. results: N, each filled (free each with al_beam_result_free). One workspace per thread
 * (OpenMP over utterances). On failure every result is freed and empty. */
al_status al_beam_decode_batch(const float *logits, int T, int N, const int *lengths, const al_alphabet *a,
                               const al_beam_opts *o, al_beam_result *results);

#ifdef __cplusplus
}
#endif
#endif
