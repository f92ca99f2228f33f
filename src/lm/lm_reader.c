/* Line reader for ARPA files, plain or gzip (zlib reads both). */
#include "lm/lm_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHUNK (1 << 18)
#define MAX_LINE (1 << 20)

al_status al_lm_reader_open(al_lm_reader *r, const char *path) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->f = gzopen(path, "rb");
    if (!r->f)
        return al_error(errno == ENOENT ? AL_ERR_NOT_FOUND : AL_ERR_IO, "%s: cannot open: %s", path,
                        errno ? strerror(errno) : "out of memory");
    r->buf = malloc(CHUNK);
    if (!r->buf) {
        gzclose(r->f);
        r->f = NULL;
        return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    }
    return AL_OK;
}

uint64_t al_lm_reader_bound(const al_lm_reader *r) {
    struct stat sb;
    if (stat(r->path, &sb) != 0 || sb.st_size <= 0 || !S_ISREG(sb.st_mode)) return UINT64_MAX;
    return gzdirect(r->f) ? (uint64_t)sb.st_size : (uint64_t)sb.st_size * 1032;
}

static al_status fill(al_lm_reader *r) {
    int n = gzread(r->f, r->buf, CHUNK);
    if (n < 0) {
        int zerr;
        const char *msg = gzerror(r->f, &zerr);
        return al_error(zerr == Z_MEM_ERROR ? AL_ERR_NOMEM : AL_ERR_FORMAT, "%s:%ld: cannot read: %s", r->path,
                        r->lineno + 1, msg);
    }
    r->pos = 0;
    r->len = (size_t)n;
    if (n == 0) r->eof = 1;
    return AL_OK;
}

/* Appends n bytes to the assembled line. */
static al_status append(al_lm_reader *r, size_t *used, const char *p, size_t n) {
    if (*used + n + 1 > MAX_LINE) return al_error(AL_ERR_FORMAT, "%s:%ld: line longer than 1 MiB", r->path, r->lineno + 1);
    if (*used + n + 1 > r->line_cap) {
        size_t cap = r->line_cap ? 2 * r->line_cap : 4096;
        while (cap < *used + n + 1) cap *= 2;
        char *l = realloc(r->line, cap);
        if (!l) return al_error(AL_ERR_NOMEM, "%s: out of memory", r->path);
        r->line = l;
        r->line_cap = cap;
    }
    memcpy(r->line + *used, p, n);
    *used += n;
    return AL_OK;
}

al_status al_lm_reader_next(al_lm_reader *r, char **line, size_t *len) {
    *line = NULL;
    *len = 0;
    size_t used = 0;
    int assembling = 0;
    char *out = NULL;
    for (;;) {
        if (r->pos == r->len && !r->eof) {
            al_status st = fill(r);
            if (st != AL_OK) return st;
        }
        if (r->pos == r->len) { /* end of file */
            if (!assembling) return AL_OK;
            out = r->line;
            break;
        }
        char *p = r->buf + r->pos, *nl = memchr(p, '\n', r->len - r->pos);
        size_t n = nl ? (size_t)(nl - p) : r->len - r->pos;
        if (nl && !assembling) { /* the common case: the whole line is in the buffer */
            r->pos += n + 1;
            *nl = 0;
            out = p;
            used = n;
            break;
        }
        al_status st = append(r, &used, p, n);
        if (st != AL_OK) return st;
        assembling = 1;
        r->pos += n + (nl != NULL);
        if (nl) {
            out = r->line;
            break;
        }
    }
    r->lineno++;
    out[used] = 0;
    if (memchr(out, 0, used)) return al_error(AL_ERR_FORMAT, "%s:%ld: NUL byte in the line", r->path, r->lineno);
    if (used && out[used - 1] == '\r') out[--used] = 0;
    *line = out;
    *len = used;
    return AL_OK;
}

void al_lm_reader_close(al_lm_reader *r) {
    if (r->f) gzclose(r->f);
    free(r->buf);
    free(r->line);
    memset(r, 0, sizeof *r);
}
