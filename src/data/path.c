/* Path helpers for the corpus readers: join, dirname, existence, sorted directory listings. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data_internal.h"

char *al_path_join(const char *dir, const char *rel) {
    if (rel[0] == '/') return strdup(rel);
    size_t nd = strlen(dir), nr = strlen(rel);
    while (rel[0] == '.' && rel[1] == '/') rel += 2, nr -= 2;
    char *p = malloc(nd + nr + 2);
    if (!p) return NULL;
    memcpy(p, dir, nd);
    size_t k = nd;
    if (k && p[k - 1] != '/') p[k++] = '/';
    memcpy(p + k, rel, nr + 1);
    return p;
}

char *al_path_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

bool al_is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool al_is_file(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

bool al_has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

al_status al_list_dir(const char *dir, const char *suffix, char ***names, size_t *n) {
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return al_error(errno == ENOENT ? AL_ERR_NOT_FOUND : AL_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (suffix && !al_has_suffix(e->d_name, suffix)) continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 32;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv) goto nomem;
            v = nv;
        }
        if (!(v[cnt] = strdup(e->d_name))) goto nomem;
        cnt++;
    }
    closedir(d);
    if (cnt > 1) qsort(v, cnt, sizeof *v, name_cmp);
    *names = v;
    *n = cnt;
    return AL_OK;
nomem:
    closedir(d);
    al_names_free(v, cnt);
    return al_error(AL_ERR_NOMEM, "%s: out of memory listing", dir);
}

void al_names_free(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

char *al_path_utt_id(const char *audio_path) {
    const char *base = strrchr(audio_path, '/') ? strrchr(audio_path, '/') + 1 : audio_path;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    char *id = strndup(base, n);
    if (!id) return NULL;
    for (char *p = id; *p; p++)
        if (isspace((unsigned char)*p)) *p = '_';
    return id;
}

/* dir with glob's special characters backslash-escaped, so that a directory such as
 * "/data/Libri[v2]" names itself instead of a pattern. */
static char *glob_escaped(const char *dir) {
    char *out = malloc(2 * strlen(dir) + 1), *o = out;
    if (!out) return NULL;
    for (const char *p = dir; *p; p++) {
        if (strchr("[]*?\\", *p)) *o++ = '\\';
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

bool al_glob_any(const char *dir, const char *pattern) {
    char *escaped = glob_escaped(dir);
    char *pat = escaped ? al_path_join(escaped, pattern) : NULL;
    free(escaped);
    if (!pat) return false;
    glob_t g;
    int rc = glob(pat, GLOB_NOSORT, NULL, &g);
    bool found = rc == 0 && g.gl_pathc > 0;
    if (rc == 0 || rc == GLOB_NOMATCH) globfree(&g);
    free(pat);
    return found;
}
