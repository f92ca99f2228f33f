/* ARPA n-gram LM internals: the vocabulary, the n-gram table and the line reader. */
#ifndef AL_LM_INTERNAL_H
#define AL_LM_INTERNAL_H

#include <stdint.h>
#include <zlib.h>

#include "audiolottery/lm.h"

#define AL_LM_NONE UINT32_MAX /* no n-gram; also the context of 1-grams */

/* One n-gram: (context n-gram id, last word) -> log10 probability and back-off weight.
 * prob is NAN for a context-only entry (a missing context added so its extensions are reachable). */
typedef struct {
    uint32_t ctx, word;
    float prob, bow;
} al_lm_entry;

struct al_lm {
    int order;
    int64_t counts[AL_LM_MAX_ORDER + 1]; /* counts[n]: declared n-grams of order n */
    float oov_log10;
    int32_t bos, eos, unk; /* word ids, -1 when absent */
    int32_t oov;           /* the id a missing word gets: unk, or -1 (the OOV penalty) */
    /* vocabulary: word i is pool + word_off[i]; word id == the id of its 1-gram entry */
    char *pool;
    size_t pool_len, pool_cap;
    uint32_t *word_off;
    int32_t n_words;
    uint32_t *vocab_slots; /* open addressing, word ids, AL_LM_NONE = empty; size vocab_mask + 1 */
    size_t vocab_mask;
    /* entries: the 1-grams are ids 0..n_words-1, then higher orders in file order */
    al_lm_entry *e;
    size_t n_e, cap_e;
    uint64_t *slots; /* open addressing: (hash >> 32) << 32 | (id + 1); 0 = empty */
    size_t slot_mask, n_slots_used;
    /* spelling trie of the vocabulary: node i extends node parent[i] by byte[i] */
    struct al_lm_spell *spell;
    uint32_t n_spell;
    uint32_t *spell_slots; /* open addressing: node id + 1, 0 = empty; size spell_mask + 1 */
    size_t spell_mask;
};

struct al_lm_spell {
    uint32_t parent;
    int32_t word; /* the word the node spells, -1 if none */
    unsigned char byte;
};

/* Builds the spelling trie from the vocabulary (lm_spell.c). 0 or -1 (no memory). */
int al_lm_spell_build(al_lm *lm);

/* ---- tables (lm_table.c) ---- */
/* Folds a word as the LM stores it: <s> </s> <unk> in any case -> lower case, else ASCII upper case.
 * dst has room for len + 1 bytes. */
void al_lm_fold(char *dst, const char *src, size_t len);
/* Word id of the folded word w (len bytes), or -1. */
int32_t al_lm_vocab_find(const al_lm *lm, const char *w, size_t len);
/* Adds a folded word (must be new); returns its id or -1 when out of memory. */
int32_t al_lm_vocab_add(al_lm *lm, const char *w, size_t len);
/* Entry id of (ctx, word) or AL_LM_NONE. */
uint32_t al_lm_find(const al_lm *lm, uint32_t ctx, uint32_t word);
/* Appends an entry (its key must be new); returns its id or AL_LM_NONE when out of memory. */
uint32_t al_lm_add(al_lm *lm, uint32_t ctx, uint32_t word, float prob, float bow);
/* Reserves room for n more entries / words (a hint: tables still grow). 0 or -1 (no memory). */
int al_lm_reserve(al_lm *lm, size_t entries, size_t words);

/* ---- line reader over a plain or gzip file (lm_reader.c) ---- */
typedef struct {
    gzFile f;
    const char *path;
    char *buf;
    size_t pos, len;
    int eof;
    char *line; /* a line that spans two reads is assembled here */
    size_t line_cap;
    long lineno; /* of the line last returned */
} al_lm_reader;

al_status al_lm_reader_open(al_lm_reader *r, const char *path);
/* Next line without its "\n" / "\r\n", NUL-terminated, valid until the next call. Returns AL_OK
 * with *line NULL at end of file; AL_ERR_FORMAT for a NUL byte or a line over 1 MiB. */
al_status al_lm_reader_next(al_lm_reader *r, char **line, size_t *len);
/* Bytes the file's content can have at most (its size, x1032 when gzip-compressed). */
uint64_t al_lm_reader_bound(const al_lm_reader *r);
void al_lm_reader_close(al_lm_reader *r);

#endif
