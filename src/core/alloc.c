/* 64-byte aligned allocation. */
#include "audiolottery/core.h"

#include <stdlib.h>
#include <string.h>

#define AL_ALIGN 64

void *al_malloc(size_t bytes) {
    void *p = NULL;
    if (bytes == 0) bytes = 1;
    if (posix_memalign(&p, AL_ALIGN, bytes) != 0) return NULL;
    return p;
}

void *al_calloc(size_t count, size_t size) {
    if (size && count > SIZE_MAX / size) return NULL;
    void *p = al_malloc(count * size);
    if (p) memset(p, 0, count * size);
    return p;
}

void al_free(void *p) { free(p); }
