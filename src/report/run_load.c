/* A lottery run directory into an al_run_report: level_NN/report.json (trunk) and
 * level_NN/branches/<name>/report.json (branches, every folder there whatever its name: a branch
 * with arguments has its own); directories without report.json are in progress (train/run_files.h). */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report/report_internal.h"
#include "train/run_files.h"

typedef struct {
    int level;
    char *name; /* "level_03" */
} level_dir;

static int level_cmp(const void *a, const void *b) {
    const level_dir *x = a, *y = b;
    return x->level != y->level ? (x->level > y->level) - (x->level < y->level) : strcmp(x->name, y->name);
}

static int name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_dir(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The names of dir's sub-directories (hidden ones left out), sorted. */
static al_status list_dirs(const char *dir, char ***names, int *n) {
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return al_error(errno == ENOENT || errno == ENOTDIR ? AL_ERR_NOT_FOUND : AL_ERR_IO,
                        "%s: cannot open directory: %s", dir, strerror(errno));
    al_status st = AL_OK;
    int cap = 0;
    struct dirent *e;
    while (st == AL_OK && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) path = NULL;
        int keep = path && is_dir(path);
        free(path);
        if (!keep) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            char **grown = realloc(*names, cap * sizeof **names);
            if (!grown) {
                st = al_error(AL_ERR_NOMEM, "%s: out of memory", dir);
                break;
            }
            *names = grown;
        }
        if (!((*names)[*n] = strdup(e->d_name))) st = al_error(AL_ERR_NOMEM, "%s: out of memory", dir);
        else (*n)++;
    }
    closedir(d);
    if (st == AL_OK && *n) qsort(*names, *n, sizeof **names, name_cmp);
    return st;
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

static al_status note_in_progress(al_run_report *r, const char *rel) {
    char **grown = realloc(r->in_progress, (r->n_in_progress + 1) * sizeof *grown);
    if (!grown) return al_error(AL_ERR_NOMEM, "out of memory");
    r->in_progress = grown;
    if (!(grown[r->n_in_progress] = strdup(rel))) return al_error(AL_ERR_NOMEM, "out of memory");
    r->n_in_progress++;
    return AL_OK;
}

static al_status add_point(al_run_report *r, const char *series, const al_report_point *p) {
    al_report_series *s = NULL;
    for (int i = 0; i < r->n_series && !s; i++)
        if (!strcmp(r->series[i].name, series)) s = &r->series[i];
    if (!s) {
        al_report_series *grown = realloc(r->series, (r->n_series + 1) * sizeof *grown);
        if (!grown) return al_error(AL_ERR_NOMEM, "out of memory");
        r->series = grown;
        s = &grown[r->n_series];
        memset(s, 0, sizeof *s);
        if (!(s->name = strdup(series))) return al_error(AL_ERR_NOMEM, "out of memory");
        r->n_series++;
    }
    al_report_point *pts = realloc(s->points, (s->n + 1) * sizeof *pts);
    if (!pts) return al_error(AL_ERR_NOMEM, "out of memory");
    s->points = pts;
    pts[s->n++] = *p;
    return AL_OK;
}

/* Reads dir/report.json (rel: dir relative to the run) into series, or notes rel as in progress.
 * expect_level >= 0: a trunk level, whose report must say kind "trunk" and that level. */
static al_status read_report(al_run_report *r, const char *dir, const char *rel, const char *series, int expect_level) {
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, AL_RUN_REPORT) < 0) return al_error(AL_ERR_NOMEM, "out of memory");
    struct stat sb;
    al_status st;
    if (stat(path, &sb) != 0 && errno == ENOENT) {
        st = note_in_progress(r, rel);
        free(path);
        return st;
    }
    al_report_point p;
    st = al_report_point_read(path, &p);
    int trunk = expect_level >= 0;
    if (st == AL_OK && trunk != !strcmp(p.kind, "trunk"))
        st = al_error(AL_ERR_FORMAT, "%s: kind '%s' in a %s directory", path, p.kind, trunk ? "trunk level" : "branch");
    else if (st == AL_OK && trunk && p.level != expect_level)
        st = al_error(AL_ERR_FORMAT, "%s: 'level' %d in directory %s", path, p.level, rel);
    if (st == AL_OK) st = add_point(r, series, &p);
    if (st != AL_OK) free(p.kind);
    free(path);
    return st;
}

static al_status read_level(al_run_report *r, const level_dir *l) {
    char *dir = NULL, *branches = NULL;
    if (asprintf(&dir, "%s/%s", r->run_dir, l->name) < 0) return al_error(AL_ERR_NOMEM, "out of memory");
    al_status st = read_report(r, dir, l->name, "trunk", l->level);
    char **names = NULL;
    int n = 0;
    if (st == AL_OK && asprintf(&branches, "%s/%s", dir, AL_RUN_BRANCHES) < 0) {
        branches = NULL;
        st = al_error(AL_ERR_NOMEM, "out of memory");
    }
    if (st == AL_OK && is_dir(branches)) st = list_dirs(branches, &names, &n);
    for (int i = 0; i < n && st == AL_OK; i++) {
        char *bdir = NULL, *rel = NULL;
        if (asprintf(&bdir, "%s/%s", branches, names[i]) < 0) bdir = NULL;
        if (asprintf(&rel, "%s/%s/%s", l->name, AL_RUN_BRANCHES, names[i]) < 0) rel = NULL;
        if (!bdir || !rel) st = al_error(AL_ERR_NOMEM, "out of memory");
        else if (!strcmp(names[i], "trunk"))
            st = al_error(AL_ERR_FORMAT, "%s: a branch may not be named 'trunk'", bdir);
        else st = read_report(r, bdir, rel, names[i], -1);
        free(bdir);
        free(rel);
    }
    free_names(names, n);
    free(branches);
    free(dir);
    return st;
}

static int point_cmp(const void *a, const void *b) {
    const al_report_point *x = a, *y = b;
    if (x->remaining_percent != y->remaining_percent) return x->remaining_percent < y->remaining_percent ? 1 : -1;
    return (x->level > y->level) - (x->level < y->level);
}

static int series_cmp(const void *a, const void *b) {
    const al_report_series *x = a, *y = b;
    int tx = !strcmp(x->name, "trunk"), ty = !strcmp(y->name, "trunk");
    return tx != ty ? ty - tx : strcmp(x->name, y->name);
}

/* run_dir without trailing slashes, and its last component (of the real path for "." or ".."). */
static al_status names_of(const char *run_dir, al_run_report *r) {
    size_t len = strlen(run_dir);
    while (len > 1 && run_dir[len - 1] == '/') len--;
    r->run_dir = strndup(run_dir, len);
    char *real = realpath(run_dir, NULL);
    if (!r->run_dir || !real) {
        free(real);
        return real ? al_error(AL_ERR_NOMEM, "out of memory") : al_error(AL_ERR_IO, "%s: %s", run_dir, strerror(errno));
    }
    r->run_name = strdup(basename(real));
    free(real);
    return r->run_name ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
}

al_status al_run_report_load(const char *run_dir, al_run_report **out) {
    *out = NULL;
    struct stat sb;
    if (stat(run_dir, &sb) != 0)
        return al_error(AL_ERR_NOT_FOUND, "%s: no such run directory: %s", run_dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode)) return al_error(AL_ERR_INVALID, "%s: not a directory", run_dir);
    al_run_report *r = calloc(1, sizeof *r);
    if (!r) return al_error(AL_ERR_NOMEM, "out of memory");
    char **names = NULL;
    int n = 0, n_levels = 0;
    level_dir *levels = NULL;
    al_status st = names_of(run_dir, r);
    if (st == AL_OK) st = list_dirs(r->run_dir, &names, &n);
    if (st == AL_OK && !(levels = calloc(n ? n : 1, sizeof *levels))) st = al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n && st == AL_OK; i++)
        if (al_run_level_of(names[i]) >= 0) levels[n_levels++] = (level_dir){al_run_level_of(names[i]), names[i]};
    if (st == AL_OK && n_levels == 0)
        st = al_error(AL_ERR_NOT_FOUND, "%s: no level_NN directories (not a lottery run directory)", r->run_dir);
    if (st == AL_OK) qsort(levels, n_levels, sizeof *levels, level_cmp);
    for (int i = 0; i < n_levels && st == AL_OK; i++) st = read_level(r, &levels[i]);
    free(levels);
    free_names(names, n);
    if (st != AL_OK) {
        al_run_report_free(r);
        return st;
    }
    for (int i = 0; i < r->n_series; i++)
        qsort(r->series[i].points, r->series[i].n, sizeof *r->series[i].points, point_cmp);
    if (r->n_series) qsort(r->series, r->n_series, sizeof *r->series, series_cmp);
    *out = r;
    return AL_OK;
}

void al_run_report_free(al_run_report *r) {
    if (!r) return;
    for (int i = 0; i < r->n_series; i++) {
        for (int j = 0; j < r->series[i].n; j++) free(r->series[i].points[j].kind);
        free(r->series[i].points);
        free(r->series[i].name);
    }
    free(r->series);
    free_names(r->in_progress, r->n_in_progress);
    free(r->run_dir);
    free(r->run_name);
    free(r);
}

const al_report_series *al_report_trunk(const al_run_report *r) {
    return r->n_series > 0 && !strcmp(r->series[0].name, "trunk") ? &r->series[0] : NULL;
}
