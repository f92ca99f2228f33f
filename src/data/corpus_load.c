/* Corpus type detection and al_corpus_load: pick the reader, run it, validate the entries. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

al_corpus_opts al_corpus_defaults(void) {
    return (al_corpus_opts){.type = AL_CORPUS_AUTO, .oov = AL_OOV_DROP};
}

static bool sub_is(const char *dir, const char *name, bool want_dir) {
    char *p = al_path_join(dir, name);
    bool ok = p && (want_dir ? al_is_dir(p) : al_is_file(p));
    free(p);
    return ok;
}

al_status al_corpus_detect(const char *path, al_corpus_type *t) {
    if (!al_is_dir(path)) {
        if (!al_is_file(path)) return al_error(AL_ERR_NOT_FOUND, "%s: no such file or directory", path);
        if (al_has_suffix(path, ".json") || al_has_suffix(path, ".jsonl")) *t = AL_CORPUS_NEMO;
        else if (al_has_suffix(path, ".csv")) *t = AL_CORPUS_CSV;
        else return al_error(AL_ERR_FORMAT, "%s: unknown manifest type (expected .json, .jsonl or .csv)", path);
        return AL_OK;
    }
    if (sub_is(path, "wav.scp", false)) *t = AL_CORPUS_KALDI;
    else if (sub_is(path, "sph", true) && sub_is(path, "stm", true)) *t = AL_CORPUS_TEDLIUM;
    else if (sub_is(path, "clips", true) && al_glob_any(path, "*.tsv")) *t = AL_CORPUS_COMMONVOICE;
    else if (al_glob_any(path, "*/*/*.trans.txt") || al_glob_any(path, "*/*/*/*.trans.txt")) *t = AL_CORPUS_LIBRISPEECH;
    else
        return al_error(AL_ERR_FORMAT,
                        "%s: unknown corpus layout (no wav.scp, sph/+stm/, clips/+*.tsv or */*/*.trans.txt)", path);
    return AL_OK;
}

/* PATH itself, or PATH/SPLIT when PATH is not a corpus but that subdirectory is one. */
static al_status choose_root(const char *abs, const al_corpus_opts *o, char **root, al_corpus_type *t) {
    al_corpus_type found;
    al_status st = al_corpus_detect(abs, &found);
    if (st != AL_OK && o->split && al_is_dir(abs)) {
        char *sub = al_path_join(abs, o->split);
        if (!sub) return al_error(AL_ERR_NOMEM, "out of memory");
        al_status st2 = al_corpus_detect(sub, &found);
        if (st2 == AL_OK || (o->type != AL_CORPUS_AUTO && al_is_dir(sub))) {
            *root = sub;
            *t = o->type != AL_CORPUS_AUTO ? o->type : found;
            return AL_OK;
        }
        free(sub);
    }
    if (o->type == AL_CORPUS_AUTO && st != AL_OK) return st;
    *root = strdup(abs);
    if (!*root) return al_error(AL_ERR_NOMEM, "out of memory");
    *t = o->type != AL_CORPUS_AUTO ? o->type : found;
    return AL_OK;
}

static al_status run_reader(al_corpus *c, const al_corpus_opts *o) {
    switch (c->type) {
    case AL_CORPUS_LIBRISPEECH: return al_read_librispeech(c, c->root, o);
    case AL_CORPUS_NEMO: return al_read_nemo(c, c->root, o);
    case AL_CORPUS_CSV: return al_read_csv(c, c->root, o);
    case AL_CORPUS_COMMONVOICE: return al_read_commonvoice(c, c->root, o);
    case AL_CORPUS_TEDLIUM: return al_read_tedlium(c, c->root, o);
    case AL_CORPUS_KALDI: return al_read_kaldi(c, c->root, o);
    case AL_CORPUS_AUTO: break;
    }
    return al_error(AL_ERR_INVALID, "%s: corpus type %d unknown", c->root, (int)c->type);
}

al_status al_corpus_load(const char *path, const al_corpus_opts *opts, al_corpus **out) {
    *out = NULL;
    al_corpus_opts o = opts ? *opts : al_corpus_defaults();
    if (o.min_duration < 0 || o.max_duration < 0 || (o.max_duration > 0 && o.max_duration < o.min_duration))
        return al_error(AL_ERR_INVALID, "%s: bad duration limits min %g s, max %g s", path, o.min_duration,
                        o.max_duration);
    char abs[PATH_MAX];
    if (!realpath(path, abs))
        return al_error(errno == ENOENT ? AL_ERR_NOT_FOUND : AL_ERR_IO, "%s: %s", path, strerror(errno));
    al_corpus *c = al_data_corpus_new();
    if (!c) return al_error(AL_ERR_NOMEM, "out of memory");
    al_status st = choose_root(abs, &o, &c->root, &c->type);
    if (st == AL_OK) st = run_reader(c, &o);
    if (st == AL_OK) st = al_data_check(c, &o);
    if (st != AL_OK) {
        al_corpus_free(c);
        return st;
    }
    *out = c;
    return AL_OK;
}
