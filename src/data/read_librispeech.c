/* LibriSpeech: SPLIT/SPK/CHAP/SPK-CHAP-UTT.flac with SPK-CHAP.trans.txt ("UTTID TEXT" lines),
 * given a split directory or a parent holding several splits. */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

/* CHAP/ID.flac, or CHAP/ID.wav when only that exists (synthetic corpora). */
static char *audio_for(const char *chap, const char *id) {
    size_t len = strlen(chap) + strlen(id) + 8;
    char *p = malloc(len);
    if (!p) return NULL;
    snprintf(p, len, "%s/%s.flac", chap, id);
    if (al_is_file(p)) return p;
    snprintf(p, len, "%s/%s.wav", chap, id);
    if (al_is_file(p)) return p;
    snprintf(p, len, "%s/%s.flac", chap, id);
    return p;
}

static bool is_audio_name(const char *name) { return al_has_suffix(name, ".flac") || al_has_suffix(name, ".wav"); }

/* Audio files of a chapter directory that no transcript line names. */
static al_status report_untranscribed(al_corpus *c, const char *chap, const al_kv_table *t, size_t nt) {
    char **names;
    size_t n;
    al_status st = al_list_dir(chap, NULL, &names, &n);
    for (size_t i = 0; st == AL_OK && i < n; i++) {
        if (!is_audio_name(names[i])) continue;
        char *id = strndup(names[i], strcspn(names[i], "."));
        bool found = false;
        for (size_t k = 0; id && k < nt && !found; k++) found = al_kv_find(&t[k], id) != NULL;
        if (!id) st = al_error(AL_ERR_NOMEM, "out of memory");
        else if (!found) {
            char *p = al_path_join(chap, names[i]);
            st = p ? al_data_skip(c, p, 0, AL_SKIP_NO_TRANSCRIPT, AL_ERR_NOT_FOUND, "%s: no line in the chapter's trans.txt", id)
                   : al_error(AL_ERR_NOMEM, "out of memory");
            free(p);
        }
        free(id);
    }
    al_names_free(names, n);
    return st;
}

static al_status add_lines(al_corpus *c, const char *chap, char *speaker, const al_kv_table *t) {
    al_status st = AL_OK;
    for (size_t i = 0; st == AL_OK && i < t->n; i++) {
        const al_kv *e = &t->e[i];
        char *audio = audio_for(chap, e->key);
        if (!audio) st = al_error(AL_ERR_NOMEM, "out of memory");
        else if (!al_is_file(audio))
            st = al_data_skip(c, t->file, e->line, AL_SKIP_MISSING_AUDIO, AL_ERR_NOT_FOUND, "%s: %s", e->key, audio);
        else {
            al_utterance u = {.id = e->key, .audio_path = audio, .duration = -1, .text_raw = e->value,
                              .speaker = speaker, .source = t->file, .line = e->line};
            st = al_data_add_utt(c, &u);
        }
        free(audio);
    }
    return st;
}

/* SPK/CHAP: every *.trans.txt in it (normally exactly SPK-CHAP.trans.txt); the speaker is SPK. */
static al_status read_chapter(al_corpus *c, const char *chap, const char *name) {
    (void)name;
    char **trans;
    size_t nt, done = 0;
    al_status st = al_list_dir(chap, ".trans.txt", &trans, &nt);
    if (st != AL_OK) return st;
    char *spk_dir = al_path_dir(chap);
    al_kv_table *t = calloc(nt + 1, sizeof *t);
    if (!spk_dir || !t) st = al_error(AL_ERR_NOMEM, "out of memory");
    char *speaker = spk_dir ? (strrchr(spk_dir, '/') ? strrchr(spk_dir, '/') + 1 : spk_dir) : "";
    for (; st == AL_OK && done < nt; done++) {
        char *tp = al_path_join(chap, trans[done]);
        st = tp ? al_kv_read(c, tp, &t[done]) : al_error(AL_ERR_NOMEM, "out of memory");
        free(tp);
        if (st == AL_OK) st = add_lines(c, chap, speaker, &t[done]);
    }
    if (st == AL_OK) st = report_untranscribed(c, chap, t, nt);
    for (size_t k = 0; t && k < nt; k++) al_kv_free(&t[k]);
    free(t);
    free(spk_dir);
    al_names_free(trans, nt);
    return st;
}

/* Calls fn(c, SUB, name) for every subdirectory of dir, in name order. */
static al_status each_subdir(al_corpus *c, const char *dir, al_status (*fn)(al_corpus *, const char *, const char *)) {
    char **names;
    size_t n;
    al_status st = al_list_dir(dir, NULL, &names, &n);
    for (size_t i = 0; st == AL_OK && i < n; i++) {
        char *sub = al_path_join(dir, names[i]);
        if (!sub) st = al_error(AL_ERR_NOMEM, "out of memory");
        else if (al_is_dir(sub)) st = fn(c, sub, names[i]);
        free(sub);
    }
    al_names_free(names, n);
    return st;
}

static al_status read_speaker(al_corpus *c, const char *spk_dir, const char *name) {
    (void)name;
    return each_subdir(c, spk_dir, read_chapter);
}

static al_status read_split(al_corpus *c, const char *split) { return each_subdir(c, split, read_speaker); }

al_status al_read_librispeech(al_corpus *c, const char *root, const al_corpus_opts *o) {
    if (al_glob_any(root, "*/*/*.trans.txt")) return read_split(c, root);
    char **names;
    size_t n, used = 0;
    al_status st = al_list_dir(root, NULL, &names, &n);
    for (size_t i = 0; st == AL_OK && i < n; i++) {
        if (o->split && strncmp(names[i], o->split, strlen(o->split))) continue;
        char *sub = al_path_join(root, names[i]);
        if (!sub) st = al_error(AL_ERR_NOMEM, "out of memory");
        else if (al_glob_any(sub, "*/*/*.trans.txt")) {
            st = read_split(c, sub);
            used++;
        }
        free(sub);
    }
    al_names_free(names, n);
    if (st == AL_OK && used == 0)
        st = al_error(AL_ERR_NOT_FOUND, "%s: no LibriSpeech split (*/*/*.trans.txt)%s%s", root,
                      o->split ? " whose name starts with " : "", o->split ? o->split : "");
    return st;
}
