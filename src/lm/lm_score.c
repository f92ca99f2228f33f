/* Incremental n-gram scoring with back-off, and the LM's accessors. */
#include "lm/lm_internal.h"

#include <math.h>
#include <stdlib.h>

int al_lm_order(const al_lm *lm) { return lm->order; }

int64_t al_lm_count(const al_lm *lm, int n) { return n >= 1 && n <= lm->order ? lm->counts[n] : 0; }

size_t al_lm_bytes(const al_lm *lm) {
    return sizeof *lm + lm->pool_cap + (lm->vocab_mask + 1) * (sizeof *lm->vocab_slots + sizeof *lm->word_off) +
           lm->cap_e * sizeof *lm->e + (lm->slots ? (lm->slot_mask + 1) * sizeof *lm->slots : 0) +
           (lm->pool_len + 1) * sizeof *lm->spell + (lm->spell_mask + 1) * sizeof *lm->spell_slots;
}

int32_t al_lm_vocab_size(const al_lm *lm) { return lm->n_words; }

const char *al_lm_word(const al_lm *lm, int32_t id) {
    return id >= 0 && id < lm->n_words ? lm->pool + lm->word_off[id] : NULL;
}

int32_t al_lm_word_id(const al_lm *lm, const char *word, size_t len) {
    char small[64];
    char *w = len < sizeof small ? small : malloc(len + 1);
    if (!w) return lm->oov; /* a word this long is not in any LM */
    al_lm_fold(w, word, len);
    int32_t id = al_lm_vocab_find(lm, w, len);
    if (w != small) free(w);
    return id >= 0 ? id : lm->oov;
}

void al_lm_begin(const al_lm *lm, al_lm_state *state) {
    state->len = 0;
    if (lm->bos >= 0 && lm->order > 1) state->ctx[state->len++] = (uint32_t)lm->bos;
}

float al_lm_score(const al_lm *lm, const al_lm_state *state, int32_t word, al_lm_state *next) {
    if (word < 0 || word >= lm->n_words) {
        next->len = 0;
        return lm->oov_log10;
    }
    /* f[j]: the n-gram (last j words of the state, word), j = 0..k */
    uint32_t f[AL_LM_MAX_ORDER];
    int k = state->len;
    f[0] = (uint32_t)word;
    for (int j = 1; j <= k; j++) f[j] = al_lm_find(lm, state->ctx[j - 1], (uint32_t)word);
    float backoff = 0.0f, prob = lm->e[word].prob;
    for (int j = k; j >= 1; j--) { /* the longest n-gram present gives the probability */
        if (f[j] != AL_LM_NONE && !isnan(lm->e[f[j]].prob)) {
            prob = lm->e[f[j]].prob;
            break;
        }
        backoff += lm->e[state->ctx[j - 1]].bow;
    }
    int n = 0;
    while (n <= k && n < lm->order - 1 && f[n] != AL_LM_NONE) n++;
    for (int j = 0; j < n; j++) next->ctx[j] = f[j];
    next->len = n;
    return prob + backoff;
}

float al_lm_final(const al_lm *lm, const al_lm_state *state) {
    al_lm_state next;
    return al_lm_score(lm, state, lm->eos >= 0 ? lm->eos : lm->oov, &next);
}
