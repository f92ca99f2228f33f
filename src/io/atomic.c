/* Atomic file writes (temp file, fsync, rename, fsync dir) and small file helpers. */
#include "audiolottery/io.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

al_status al_atomic_open(al_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    size_t n = strlen(path) + 32;
    af->tmp_path = malloc(n);
    af->final_path = strdup(path);
    if (!af->tmp_path || !af->final_path) {
        free(af->tmp_path);
        free(af->final_path);
        return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    }
    snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        al_status st = al_error(AL_ERR_IO, "%s: cannot create temporary file: %s", af->tmp_path, strerror(errno));
        free(af->tmp_path);
        free(af->final_path);
        memset(af, 0, sizeof *af);
        return st;
    }
    return AL_OK;
}

/* 0, or the errno of a failed fsync of path's directory (EINVAL, a file system that cannot sync
 * directories, counts as success). */
static int fsync_parent_dir(const char *path) {
    char *copy = strdup(path);
    if (!copy) return ENOMEM;
    int err = 0, fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        if (fsync(fd) != 0 && errno != EINVAL) err = errno;
        close(fd);
    }
    free(copy);
    return err;
}

static void atomic_release(al_atomic_file *af) {
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
}

al_status al_atomic_commit(al_atomic_file *af) {
    al_status st = AL_OK;
    int failed = ferror(af->fp) || fflush(af->fp) != 0 || fsync(fileno(af->fp)) != 0;
    int saved = errno;
    if (fclose(af->fp) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (failed) {
        st = al_error(AL_ERR_IO, "%s: write failed: %s", af->final_path, strerror(saved));
        unlink(af->tmp_path);
    } else if (rename(af->tmp_path, af->final_path) != 0) {
        st = al_error(AL_ERR_IO, "%s: cannot rename temporary file into place: %s", af->final_path,
                      strerror(errno));
        unlink(af->tmp_path);
    } else {
        int err = fsync_parent_dir(af->final_path);
        if (err)
            st = al_error(AL_ERR_IO, "%s: written, but its directory could not be synced to disk: %s", af->final_path,
                          strerror(err));
    }
    atomic_release(af);
    return st;
}

void al_atomic_abort(al_atomic_file *af) {
    if (!af->fp) return;
    fclose(af->fp);
    unlink(af->tmp_path);
    atomic_release(af);
}

al_status al_write_file_atomic(const char *path, const void *data, size_t bytes) {
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    if (bytes && fwrite(data, 1, bytes, af.fp) != bytes) {
        st = al_error(AL_ERR_IO, "%s: write failed: %s", path, strerror(errno));
        al_atomic_abort(&af);
        return st;
    }
    return al_atomic_commit(&af);
}

al_status al_read_text_file(const char *path, char **text) {
    size_t len = 0;
    al_status st = al_read_file(path, text, &len);
    if (st != AL_OK) return st;
    const char *nul = memchr(*text, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = *text; p < nul; p++) line += *p == '\n';
        free(*text);
        *text = NULL;
        return al_error(AL_ERR_FORMAT, "%s:%d: NUL byte in a text file (binary or UTF-16 file?)", path, line);
    }
    if (len >= 3 && !memcmp(*text, "\xEF\xBB\xBF", 3)) memmove(*text, *text + 3, len - 3 + 1);
    return AL_OK;
}

al_status al_read_file(const char *path, char **data, size_t *bytes) {
    *data = NULL;
    if (bytes) *bytes = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return al_error(errno == ENOENT ? AL_ERR_NOT_FOUND : AL_ERR_IO, "%s: cannot open: %s", path,
                        strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(fp);
        return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    }
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap) break;
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            free(buf);
            fclose(fp);
            return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
        }
        buf = bigger;
        cap *= 2;
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        return al_error(AL_ERR_IO, "%s: read failed", path);
    }
    buf[len] = 0;
    *data = buf;
    if (bytes) *bytes = len;
    return AL_OK;
}

int al_file_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0;
}

al_status al_mkdir_p(const char *path) {
    char *p = strdup(path);
    if (!p) return al_error(AL_ERR_NOMEM, "out of memory");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            al_status st = al_error(AL_ERR_IO, "%s: cannot create directory: %s", p, strerror(errno));
            free(p);
            return st;
        }
        *s = '/';
    }
    al_status st = AL_OK;
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        st = al_error(AL_ERR_IO, "%s: cannot create directory: %s", p, strerror(errno));
    free(p);
    return st;
}
