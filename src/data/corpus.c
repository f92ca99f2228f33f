/* The corpus container: utterances, skip report, interned source names, type/reason names. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

static const char *const type_names[] = {"auto", "librispeech", "nemo", "csv", "commonvoice", "tedlium", "kaldi"};

const char *al_corpus_type_name(al_corpus_type t) {
    return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "unknown";
}

al_status al_corpus_type_parse(const char *name, al_corpus_type *t) {
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (!strcmp(name, type_names[i])) {
            *t = (al_corpus_type)i;
            return AL_OK;
        }
    return al_error(AL_ERR_INVALID,
                    "unknown corpus type '%s' (auto, librispeech, nemo, csv, commonvoice, tedlium, kaldi)", name);
}

const char *al_skip_reason_str(al_skip_reason r) {
    switch (r) {
    case AL_SKIP_BAD_LINE: return "malformed manifest line";
    case AL_SKIP_MISSING_AUDIO: return "missing audio file";
    case AL_SKIP_NOT_AUDIO: return "unreadable audio file";
    case AL_SKIP_EMPTY_AUDIO: return "zero-length audio";
    case AL_SKIP_BAD_RATE: return "unsupported sample rate";
    case AL_SKIP_UNSUPPORTED: return "unsupported entry";
    case AL_SKIP_BAD_SEGMENT: return "segment outside the audio";
    case AL_SKIP_NO_TRANSCRIPT: return "missing transcript";
    case AL_SKIP_EMPTY_TRANSCRIPT: return "empty transcript";
    case AL_SKIP_OOV: return "characters outside the alphabet";
    case AL_SKIP_IGNORED_SEGMENT: return "segment ignored in scoring";
    case AL_SKIP_TOO_SHORT: return "shorter than --min-duration";
    case AL_SKIP_TOO_LONG: return "longer than --max-duration";
    case AL_SKIP_N: break;
    }
    return "unknown reason";
}

al_corpus *al_data_corpus_new(void) { return calloc(1, sizeof(al_corpus)); }

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

const char *al_data_source(al_corpus *c, const char *path) {
    for (size_t i = c->n_sources_; i-- > 0 && i + 4 >= c->n_sources_;) /* recent ones: readers go file by file */
        if (!strcmp(c->sources_[i], path)) return c->sources_[i];
    if (!grow((void **)&c->sources_, &c->cap_sources_, c->n_sources_ + 1, sizeof(char *))) return NULL;
    char *s = strdup(path);
    if (s) c->sources_[c->n_sources_++] = s;
    return s;
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

al_status al_data_add_utt(al_corpus *c, const al_utterance *u) {
    if (!grow((void **)&c->utts, &c->cap_utts_, c->n + 1, sizeof(al_utterance)))
        return al_error(AL_ERR_NOMEM, "out of memory");
    al_utterance *d = &c->utts[c->n];
    memset(d, 0, sizeof *d);
    d->id = dup_or_empty(u->id);
    d->audio_path = dup_or_empty(u->audio_path);
    d->text_raw = dup_or_empty(u->text_raw);
    d->speaker = dup_or_empty(u->speaker);
    d->offset = u->offset;
    d->duration = u->duration;
    d->source = u->source;
    d->line = u->line;
    if (!d->id || !d->audio_path || !d->text_raw || !d->speaker) {
        al_data_utt_clear(d);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    c->n++;
    return AL_OK;
}

al_status al_data_skip(al_corpus *c, const char *file, int line, al_skip_reason r, al_status st, const char *fmt,
                       ...) {
    if (!grow((void **)&c->skips, &c->cap_skips_, c->n_skips + 1, sizeof(al_skip)))
        return al_error(AL_ERR_NOMEM, "out of memory");
    const char *src = al_data_source(c, file);
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t len = strlen(file) + strlen(what) + 96;
    char *detail = malloc(len);
    if (!src || !detail) {
        free(detail);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    if (line > 0)
        snprintf(detail, len, "%s:%d: %s: %s", file, line, al_skip_reason_str(r), what);
    else
        snprintf(detail, len, "%s: %s: %s", file, al_skip_reason_str(r), what);
    c->skips[c->n_skips++] = (al_skip){.file = src, .line = line, .reason = r, .status = st, .detail = detail};
    c->skip_count[r]++;
    return AL_OK;
}

static int skip_cmp(const void *pa, const void *pb) {
    const al_skip *a = pa, *b = pb;
    int k = strcmp(a->file, b->file);
    if (k) return k;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return strcmp(a->detail, b->detail);
}

void al_data_sort_skips(al_corpus *c) {
    if (c->n_skips > 1) qsort(c->skips, c->n_skips, sizeof(al_skip), skip_cmp);
}

void al_data_utt_clear(al_utterance *u) {
    free(u->id);
    free(u->audio_path);
    free(u->text_raw);
    free(u->text);
    free(u->speaker);
    memset(u, 0, sizeof *u);
}

void al_corpus_free(al_corpus *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) al_data_utt_clear(&c->utts[i]);
    free(c->utts);
    for (size_t i = 0; i < c->n_skips; i++) free(c->skips[i].detail);
    free(c->skips);
    for (size_t i = 0; i < c->n_sources_; i++) free(c->sources_[i]);
    free(c->sources_);
    free(c->root);
    free(c);
}

double al_corpus_seconds(const al_corpus *c) {
    double s = 0;
    for (size_t i = 0; i < c->n; i++) s += c->utts[i].duration;
    return s;
}

static int str_ptr_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Empty speaker ids are not counted. */
size_t al_corpus_speakers(const al_corpus *c) {
    const char **s = malloc((c->n + 1) * sizeof *s);
    if (!s) return 0;
    size_t m = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->utts[i].speaker[0]) s[m++] = c->utts[i].speaker;
    qsort(s, m, sizeof *s, str_ptr_cmp);
    size_t k = m > 0;
    for (size_t i = 1; i < m; i++) k += strcmp(s[i], s[i - 1]) != 0;
    free(s);
    return k;
}
