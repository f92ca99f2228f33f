/* The LM's hash tables: the vocabulary (word -> id) and the n-grams ((context id, word) -> id). */
#include "lm/lm_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint64_t mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t hash_word(const char *w, size_t len) { /* FNV-1a */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)w[i]) * 1099511628211ull;
    return mix64(h);
}

static uint64_t hash_key(uint32_t ctx, uint32_t word) { return mix64(((uint64_t)ctx << 32 | word) + 0x9e3779b97f4a7c15ull); }

void al_lm_fold(char *dst, const char *src, size_t len) {
    static const char *special[] = {"<s>", "</s>", "<unk>"};
    for (int i = 0; i < 3; i++)
        if (strlen(special[i]) == len && !strncasecmp(src, special[i], len)) {
            memcpy(dst, special[i], len + 1);
            return;
        }
    for (size_t i = 0; i < len; i++) dst[i] = src[i] >= 'a' && src[i] <= 'z' ? (char)(src[i] - 'a' + 'A') : src[i];
    dst[len] = 0;
}

int32_t al_lm_vocab_find(const al_lm *lm, const char *w, size_t len) {
    if (!lm->vocab_slots) return -1;
    for (size_t i = hash_word(w, len) & lm->vocab_mask;; i = (i + 1) & lm->vocab_mask) {
        uint32_t id = lm->vocab_slots[i];
        if (id == AL_LM_NONE) return -1;
        const char *s = lm->pool + lm->word_off[id];
        if (!strncmp(s, w, len) && s[len] == 0) return (int32_t)id;
    }
}

static int vocab_grow(al_lm *lm, size_t want_words) {
    size_t cap = lm->vocab_mask + 1;
    if (lm->vocab_slots && 4 * want_words <= 3 * cap) return 0;
    size_t ncap = 16;
    while (4 * want_words > 3 * ncap) ncap *= 2;
    uint32_t *s = malloc(ncap * sizeof *s);
    uint32_t *off = realloc(lm->word_off, ncap * sizeof *off);
    if (!s || !off) {
        free(s);
        if (off) lm->word_off = off;
        return -1;
    }
    lm->word_off = off;
    memset(s, 0xff, ncap * sizeof *s);
    for (int32_t id = 0; id < lm->n_words; id++) {
        const char *w = lm->pool + off[id];
        size_t i = hash_word(w, strlen(w)) & (ncap - 1);
        while (s[i] != AL_LM_NONE) i = (i + 1) & (ncap - 1);
        s[i] = (uint32_t)id;
    }
    free(lm->vocab_slots);
    lm->vocab_slots = s;
    lm->vocab_mask = ncap - 1;
    return 0;
}

int32_t al_lm_vocab_add(al_lm *lm, const char *w, size_t len) {
    if (lm->n_words == INT32_MAX - 1 || vocab_grow(lm, (size_t)lm->n_words + 1)) return -1;
    if (lm->pool_len + len + 1 > lm->pool_cap) {
        size_t cap = lm->pool_cap ? 2 * lm->pool_cap : 1 << 16;
        while (lm->pool_len + len + 1 > cap) cap *= 2;
        if (cap > UINT32_MAX) return -1;
        char *p = realloc(lm->pool, cap);
        if (!p) return -1;
        lm->pool = p;
        lm->pool_cap = cap;
    }
    int32_t id = lm->n_words++;
    lm->word_off[id] = (uint32_t)lm->pool_len;
    memcpy(lm->pool + lm->pool_len, w, len);
    lm->pool[lm->pool_len + len] = 0;
    lm->pool_len += len + 1;
    size_t i = hash_word(w, len) & lm->vocab_mask;
    while (lm->vocab_slots[i] != AL_LM_NONE) i = (i + 1) & lm->vocab_mask;
    lm->vocab_slots[i] = (uint32_t)id;
    return id;
}

uint32_t al_lm_find(const al_lm *lm, uint32_t ctx, uint32_t word) {
    if (!lm->slots) return AL_LM_NONE;
    uint64_t h = hash_key(ctx, word), tag = h >> 32 << 32;
    for (size_t i = h & lm->slot_mask;; i = (i + 1) & lm->slot_mask) {
        uint64_t s = lm->slots[i];
        if (!s) return AL_LM_NONE;
        if ((s & 0xffffffff00000000ull) == tag) {
            uint32_t id = (uint32_t)s - 1;
            if (lm->e[id].ctx == ctx && lm->e[id].word == word) return id;
        }
    }
}

static int slots_grow(al_lm *lm, size_t want) {
    size_t cap = lm->slots ? lm->slot_mask + 1 : 0;
    if (lm->slots && 4 * want <= 3 * cap) return 0;
    size_t ncap = 64;
    while (4 * want > 3 * ncap) ncap *= 2;
    uint64_t *s = calloc(ncap, sizeof *s);
    if (!s) return -1;
    for (size_t i = 0; i < cap; i++) {
        if (!lm->slots[i]) continue;
        const al_lm_entry *en = &lm->e[(uint32_t)lm->slots[i] - 1];
        size_t j = hash_key(en->ctx, en->word) & (ncap - 1);
        while (s[j]) j = (j + 1) & (ncap - 1);
        s[j] = lm->slots[i];
    }
    free(lm->slots);
    lm->slots = s;
    lm->slot_mask = ncap - 1;
    return 0;
}

static int entries_grow(al_lm *lm, size_t want) {
    if (want <= lm->cap_e) return 0;
    size_t cap = lm->cap_e ? lm->cap_e : 1024;
    while (cap < want) cap *= 2;
    al_lm_entry *e = realloc(lm->e, cap * sizeof *e);
    if (!e) return -1;
    lm->e = e;
    lm->cap_e = cap;
    return 0;
}

int al_lm_reserve(al_lm *lm, size_t entries, size_t words) {
    if (entries_grow(lm, lm->n_e + entries) || vocab_grow(lm, (size_t)lm->n_words + words)) return -1;
    /* 1-grams are found through the vocabulary, not the slots */
    return entries > words ? slots_grow(lm, lm->n_slots_used + entries - words) : 0;
}

uint32_t al_lm_add(al_lm *lm, uint32_t ctx, uint32_t word, float prob, float bow) {
    if (lm->n_e >= AL_LM_NONE - 1 || entries_grow(lm, lm->n_e + 1)) return AL_LM_NONE;
    uint32_t id = (uint32_t)lm->n_e;
    if (ctx != AL_LM_NONE) { /* 1-grams are indexed by the vocabulary */
        if (slots_grow(lm, lm->n_slots_used + 1)) return AL_LM_NONE;
        uint64_t h = hash_key(ctx, word);
        size_t i = h & lm->slot_mask;
        while (lm->slots[i]) i = (i + 1) & lm->slot_mask;
        lm->slots[i] = (h >> 32 << 32) | ((uint64_t)id + 1);
        lm->n_slots_used++;
    }
    lm->e[lm->n_e++] = (al_lm_entry){ctx, word, prob, bow};
    return id;
}
