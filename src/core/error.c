/* Status strings and the thread-local last-error message. */
#include "audiolottery/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define AL_ERROR_MAX 2048

static _Thread_local char last_error[AL_ERROR_MAX];

const char *al_status_str(al_status st) {
    switch (st) {
    case AL_OK: return "ok";
    case AL_ERR_INVALID: return "invalid argument";
    case AL_ERR_IO: return "i/o error";
    case AL_ERR_FORMAT: return "malformed input";
    case AL_ERR_NOMEM: return "out of memory";
    case AL_ERR_UNSUPPORTED: return "unsupported";
    case AL_ERR_NOT_FOUND: return "not found";
    case AL_ERR_EXTERNAL: return "external program failed";
    case AL_ERR_EMPTY: return "empty input";
    }
    return "unknown status";
}

const char *al_last_error(void) { return last_error; }

al_status al_error(al_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return st;
}

al_status al_error_prefix(al_status st, const char *fmt, ...) {
    char prefix[AL_ERROR_MAX], old[AL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, last_error, sizeof old);
    /* Truncation of over-long messages is intended. */
    size_t np = strnlen(prefix, AL_ERROR_MAX - 1), no = strnlen(old, AL_ERROR_MAX - 1);
    if (no > AL_ERROR_MAX - 1 - np) no = AL_ERROR_MAX - 1 - np;
    memcpy(last_error, prefix, np);
    memcpy(last_error + np, old, no);
    last_error[np + no] = 0;
    return st;
}
