/* The vocabulary as a spelling trie: (node, byte) -> node in a hash table. */
#include "lm/lm_internal.h"

#include <stdlib.h>
#include <string.h>

static size_t spell_hash(uint32_t node, unsigned char c) {
    uint64_t x = ((uint64_t)node << 8 | c) * 0x9e3779b97f4a7c15ull;
    return (size_t)(x ^ (x >> 29));
}

static unsigned char upper(unsigned char c) { return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c; }

int32_t al_lm_spell_next(const al_lm *lm, int32_t node, unsigned char c) {
    if (node < 0 || (uint32_t)node >= lm->n_spell) return -1;
    c = upper(c);
    for (size_t i = spell_hash((uint32_t)node, c) & lm->spell_mask;; i = (i + 1) & lm->spell_mask) {
        uint32_t s = lm->spell_slots[i];
        if (!s) return -1;
        const struct al_lm_spell *n = &lm->spell[s - 1];
        if (n->parent == (uint32_t)node && n->byte == c) return (int32_t)(s - 1);
    }
}

int32_t al_lm_spell_word(const al_lm *lm, int32_t node) {
    return node >= 0 && (uint32_t)node < lm->n_spell ? lm->spell[node].word : -1;
}

int al_lm_spell_build(al_lm *lm) {
    size_t cap = lm->pool_len + 1, slots = 16; /* nodes <= the vocabulary's bytes + the root */
    while (slots < 2 * cap) slots *= 2;
    lm->spell = malloc(cap * sizeof *lm->spell);
    lm->spell_slots = calloc(slots, sizeof *lm->spell_slots);
    if (!lm->spell || !lm->spell_slots) return -1;
    lm->spell_mask = slots - 1;
    lm->spell[0] = (struct al_lm_spell){AL_LM_NONE, -1, 0};
    lm->n_spell = 1;
    for (int32_t w = 0; w < lm->n_words; w++) {
        if (w == lm->bos || w == lm->eos || w == lm->unk) continue;
        int32_t node = 0;
        for (const unsigned char *p = (const unsigned char *)lm->pool + lm->word_off[w]; *p; p++) {
            int32_t next = al_lm_spell_next(lm, node, *p);
            if (next < 0) {
                next = (int32_t)lm->n_spell++;
                lm->spell[next] = (struct al_lm_spell){(uint32_t)node, -1, *p};
                size_t i = spell_hash((uint32_t)node, *p) & lm->spell_mask;
                while (lm->spell_slots[i]) i = (i + 1) & lm->spell_mask;
                lm->spell_slots[i] = (uint32_t)next + 1;
            }
            node = next;
        }
        lm->spell[node].word = w;
    }
    return 0;
}
