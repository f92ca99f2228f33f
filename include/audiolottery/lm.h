/* audiolottery word n-gram language models in ARPA format (plain or gzip), any order up to
 * AL_LM_MAX_ORDER, scored incrementally.
 *
 * Usage:
 *   al_lm *lm;
 *   if (al_lm_load("3-gram.pruned.1e-7.arpa.gz", NULL, &lm) != AL_OK) ... al_last_error() ...
 *   al_lm_state s, next;
 *   al_lm_begin(lm, &s);                                  // context "<s>"
 *   float lp = al_lm_score(lm, &s, al_lm_word_id(lm, "HELLO", 5), &next);   // log10 P(HELLO | <s>)
 *   s = next;
 *   lp += al_lm_final(lm, &s);                            // log10 P(</s> | ... HELLO)
 *   al_lm_free(lm);
 *
 * Words are upper-cased on load (ASCII a-z; other bytes kept), because our transcripts are upper
 * case; lookups upper-case too. Two entries that become equal are a duplicate (AL_ERR_FORMAT).
 * <s>, </s> and <unk> are recognised in any case and kept as they are. Values are log10; -99 or
 * lower means log 0 and is stored as -INFINITY. A word the LM does not have scores as <unk>, or,
 * when the LM has no <unk> (or opts.use_unk is 0), as opts.oov_log10 (default -10) with the
 * context reset to empty.
 * Scoring backs off as SRILM/KenLM do: the longest n-gram (context..., w) present gives its
 * probability, plus the back-off weights of the longer contexts of the state. A missing context
 * of an n-gram (an n-gram whose first n-1 words are not an (n-1)-gram) is added as a context-only
 * entry with back-off 0 and a warning is logged.
 *
 * Errors: a malformed file fails with AL_ERR_FORMAT and "file:line: problem" (bad line, bad
 * number, counts that disagree with the sections, a section of the wrong order, a word that is
 * not a 1-gram, a duplicate, missing \end\); order > AL_LM_MAX_ORDER fails with AL_ERR_UNSUPPORTED.
 *
 * Ownership and threads: a loaded al_lm is read-only; share it between threads freely. An
 * al_lm_state is a small value (copy it); the strings returned by al_lm_word belong to the LM.
 */
#ifndef AUDIOLOTTERY_LM_H
#define AUDIOLOTTERY_LM_H

#include <stdint.h>

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AL_LM_MAX_ORDER 8

typedef struct al_lm al_lm;

typedef struct {
    float oov_log10; /* score of a word missing from an LM without <unk>: default -10 */
    int use_unk;     /* 1 (default): a missing word scores as <unk> when the LM has one. 0: every
                        missing word scores oov_log10, as ctcdecode does (its OOV_SCORE is -1000 in
                        ln, i.e. oov_log10 = -434.29) */
} al_lm_opts;

al_lm_opts al_lm_defaults(void);

/* Loads an ARPA file, gzip-compressed or not (detected from the content). opts: NULL for the
 * defaults. On failure *out is NULL. */
al_status al_lm_load(const char *path, const al_lm_opts *opts, al_lm **out);
void al_lm_free(al_lm *lm);

int al_lm_order(const al_lm *lm);
/* Number of n-grams of order n (1..order) as the file declared them. */
int64_t al_lm_count(const al_lm *lm, int n);
/* Bytes of memory the loaded LM holds. */
size_t al_lm_bytes(const al_lm *lm);

/* Id of a word given as len bytes (no NUL needed; upper-cased for the lookup): its 1-gram id,
 * else <unk>'s id, else -1 (out of vocabulary and no <unk>, or use_unk 0). */
int32_t al_lm_word_id(const al_lm *lm, const char *word, size_t len);
/* The word of an id in 0..vocab-1 (upper-cased as stored). */
const char *al_lm_word(const al_lm *lm, int32_t id);
int32_t al_lm_vocab_size(const al_lm *lm);

/* The vocabulary as a spelling trie (<s>, </s>, <unk> left out), for decoders that only build
 * words of the LM: node 0 is the empty word. al_lm_spell_next gives the node after byte c
 * (upper-cased), -1 when no word goes on so; al_lm_spell_word the word id a node spells, or -1. */
int32_t al_lm_spell_next(const al_lm *lm, int32_t node, unsigned char c);
int32_t al_lm_spell_word(const al_lm *lm, int32_t node);

/* Scoring state: the ids of the n-grams made of the last 1, 2, ... words (ctx[0] = last word),
 * only as long as the LM has them and shorter than the order. */
typedef struct {
    uint32_t ctx[AL_LM_MAX_ORDER - 1];
    int32_t len;
} al_lm_state;

/* The state at the start of a sentence: context <s> (empty when the LM has no <s>). */
void al_lm_begin(const al_lm *lm, al_lm_state *state);
/* log10 P(word | state) with back-off, and the state after word (next may alias state).
 * word: an id from al_lm_word_id (-1: the OOV penalty, next state empty). O(order) lookups. */
float al_lm_score(const al_lm *lm, const al_lm_state *state, int32_t word, al_lm_state *next);
/* log10 P(</s> | state). */
float al_lm_final(const al_lm *lm, const al_lm_state *state);

#ifdef __cplusplus
}
#endif
#endif
