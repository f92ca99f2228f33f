/* A bounded byte buffer for the mutation fuzz tests: insert, erase and line bounds. */
#ifndef AL_TEST_FUZZ_BUF_H
#define AL_TEST_FUZZ_BUF_H

#include <string.h>

typedef struct {
    unsigned char *b;
    size_t n;   /* bytes in use */
    size_t cap; /* capacity of b: insertions that would pass it are dropped */
} fuzz_buf;

static inline void fuzz_insert(fuzz_buf *x, size_t at, const void *src, size_t len) {
    if (x->n + len > x->cap) return;
    memmove(x->b + at + len, x->b + at, x->n - at);
    memcpy(x->b + at, src, len);
    x->n += len;
}

static inline void fuzz_erase(fuzz_buf *x, size_t at, size_t len) {
    memmove(x->b + at, x->b + at + len, x->n - at - len);
    x->n -= len;
}

/* [*start, *end) of the line holding byte at (end includes its '\n' when there is one). */
static inline void fuzz_line(const fuzz_buf *x, size_t at, size_t *start, size_t *end) {
    size_t s = at, e = at;
    while (s > 0 && x->b[s - 1] != '\n') s--;
    while (e < x->n && x->b[e] != '\n') e++;
    *start = s;
    *end = e < x->n ? e + 1 : e;
}

#endif
