/* Paths inside run directories (see run_files.h). */
#include "train/run_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVEL_PREFIX "level_"
#define LEVEL_FORMAT LEVEL_PREFIX "%02d"

/* snprintf's result, checked: a cut-short path would name another file. */
static al_status fits(int written, size_t n, const char *buf) {
    if (written >= 0 && (size_t)written < n) return AL_OK;
    return al_error(AL_ERR_INVALID, "path too long (%d bytes, at most %zu): %.80s...", written, n ? n - 1 : 0, buf);
}

al_status al_run_file(char *buf, size_t n, const char *dir, const char *name) {
    return fits(snprintf(buf, n, "%s/%s", dir, name), n, buf);
}

al_status al_run_file_beside(char *buf, size_t n, const char *path, const char *name) {
    const char *slash = strrchr(path, '/');
    int folder = slash ? (int)(slash - path + 1) : 0;
    return fits(snprintf(buf, n, "%.*s%s", folder, path, name), n, buf);
}

al_status al_run_level_dir(char *buf, size_t n, const char *run_dir, int level) {
    return fits(snprintf(buf, n, "%s/" LEVEL_FORMAT, run_dir, level), n, buf);
}

al_status al_run_branch_dir(char *buf, size_t n, const char *level_dir, const char *name) {
    return fits(snprintf(buf, n, "%s/" AL_RUN_BRANCHES "/%s", level_dir, name), n, buf);
}

int al_run_level_of(const char *name) {
    size_t prefix = strlen(LEVEL_PREFIX);
    if (strncmp(name, LEVEL_PREFIX, prefix)) return -1;
    const char *d = name + prefix;
    size_t n = strspn(d, "0123456789");
    if (n < 1 || n > 4 || d[n]) return -1;
    char canonical[16];
    snprintf(canonical, sizeof canonical, LEVEL_FORMAT, atoi(d));
    return strcmp(name, canonical) ? -1 : atoi(d);
}
