/* Kaldi data directories: wav.scp ("REC PATH"), text ("UTT TEXT"), optional segments
 * ("UTT REC START END") and utt2spk ("UTT SPK"). Relative wav.scp paths are relative to the
 * data directory. Piped entries ("cmd ... |") are skipped as unsupported. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

typedef struct {
    al_kv_table wav, text, segments, utt2spk;
    bool has_segments, has_utt2spk;
    const char *root;
} kaldi_dir;

static al_status read_optional(al_corpus *c, const char *root, const char *name, al_kv_table *t, bool *has) {
    char *p = al_path_join(root, name);
    if (!p) return al_error(AL_ERR_NOMEM, "out of memory");
    *has = al_is_file(p);
    al_status st = *has ? al_kv_read(c, p, t) : AL_OK;
    free(p);
    return st;
}

/* Resolves utterance e of text into u's recording, offset and duration. Returns AL_OK with
 * *rec NULL when the entry was skipped. */
static al_status locate(al_corpus *c, const kaldi_dir *k, const al_kv *e, const al_kv **rec, al_utterance *u) {
    *rec = NULL;
    const char *rec_id = e->key;
    u->offset = 0;
    u->duration = -1;
    if (k->has_segments) {
        const al_kv *s = al_kv_find(&k->segments, e->key);
        if (!s)
            return al_data_skip(c, k->text.file, e->line, AL_SKIP_MISSING_AUDIO, AL_ERR_NOT_FOUND,
                                "%s: no line in segments", e->key);
        char rid[512];
        double start, end;
        int used = 0;
        if (sscanf(s->value, "%511s %lf %lf %n", rid, &start, &end, &used) != 3 || s->value[used] ||
            !isfinite(start) || !isfinite(end) || start < 0 || (end != -1 && end <= start))
            return al_data_skip(c, k->segments.file, s->line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT,
                                "expected 'UTT REC START END', got '%s %s'", s->key, s->value);
        const al_kv *w = al_kv_find(&k->wav, rid);
        if (!w)
            return al_data_skip(c, k->segments.file, s->line, AL_SKIP_MISSING_AUDIO, AL_ERR_NOT_FOUND,
                                "%s: recording '%s' not in wav.scp", e->key, rid);
        u->offset = start;
        u->duration = end < 0 ? -1 : end - start; /* end -1: to the end of the recording */
        *rec = w;
        return AL_OK;
    }
    const al_kv *w = al_kv_find(&k->wav, rec_id);
    if (!w)
        return al_data_skip(c, k->text.file, e->line, AL_SKIP_MISSING_AUDIO, AL_ERR_NOT_FOUND, "%s: not in wav.scp",
                            e->key);
    *rec = w;
    return AL_OK;
}

static al_status add_utterance(al_corpus *c, const kaldi_dir *k, const al_kv *e) {
    al_utterance u = {.id = e->key, .text_raw = e->value, .source = k->text.file, .line = e->line};
    const al_kv *w;
    al_status st = locate(c, k, e, &w, &u);
    if (st != AL_OK || !w) return st;
    size_t n = strlen(w->value);
    if (n == 0)
        return al_data_skip(c, k->wav.file, w->line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "%s: no path", w->key);
    if (w->value[n - 1] == '|')
        return al_data_skip(c, k->wav.file, w->line, AL_SKIP_UNSUPPORTED, AL_ERR_UNSUPPORTED,
                            "%s: piped command (ends with '|') not supported; convert the audio to files first",
                            e->key);
    const al_kv *spk = k->has_utt2spk ? al_kv_find(&k->utt2spk, e->key) : NULL;
    u.speaker = spk ? spk->value : "";
    char *path = al_path_join(k->root, w->value);
    if (!path) return al_error(AL_ERR_NOMEM, "out of memory");
    u.audio_path = path;
    st = al_data_add_utt(c, &u);
    free(path);
    return st;
}

/* Entries of t (segments, or wav.scp without segments) that have no line in text. */
static al_status report_untranscribed(al_corpus *c, const kaldi_dir *k, const al_kv_table *t) {
    al_status st = AL_OK;
    for (size_t i = 0; st == AL_OK && i < t->n; i++)
        if (!al_kv_find(&k->text, t->e[i].key))
            st = al_data_skip(c, t->file, t->e[i].line, AL_SKIP_NO_TRANSCRIPT, AL_ERR_NOT_FOUND, "%s: no line in text",
                              t->e[i].key);
    return st;
}

al_status al_read_kaldi(al_corpus *c, const char *root, const al_corpus_opts *o) {
    (void)o;
    kaldi_dir k = {.root = root};
    char *wav = al_path_join(root, "wav.scp"), *text = al_path_join(root, "text");
    al_status st = wav && text ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = al_kv_read(c, wav, &k.wav);
    if (st == AL_OK) st = al_kv_read(c, text, &k.text);
    if (st == AL_OK) st = read_optional(c, root, "segments", &k.segments, &k.has_segments);
    if (st == AL_OK) st = read_optional(c, root, "utt2spk", &k.utt2spk, &k.has_utt2spk);
    for (size_t i = 0; st == AL_OK && i < k.text.n; i++) st = add_utterance(c, &k, &k.text.e[i]);
    if (st == AL_OK) st = report_untranscribed(c, &k, k.has_segments ? &k.segments : &k.wav);
    al_kv_free(&k.wav);
    al_kv_free(&k.text);
    al_kv_free(&k.segments);
    al_kv_free(&k.utt2spk);
    free(wav);
    free(text);
    return st;
}
