/* Validation after reading: normalise transcripts, read audio headers (in parallel, once per
 * distinct file), fill missing durations, check segments, apply duration filters; every
 * rejected entry becomes a skip naming its file and line. Survivors keep corpus order. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audiolottery/audio.h"
#include "data/data_internal.h"

#define MIN_RATE 8000
#define SEGMENT_TOLERANCE_S 0.05 /* manifest durations are often rounded */
/* Shorter segments cannot make one feature frame (the featurizers pad by n_fft / 2 <= 256 samples
 * at 16 kHz, 16 ms), and would stop training or evaluation instead of being skipped here. */
#define MIN_UTTERANCE_S 0.02

typedef struct {
    al_skip_reason reason; /* AL_SKIP_N: readable */
    al_status status;
    double duration;
    char *why;
} header_result;

static void read_header(const char *path, header_result *r) {
    struct stat sb;
    r->reason = AL_SKIP_N;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        r->reason = AL_SKIP_MISSING_AUDIO;
        r->status = AL_ERR_NOT_FOUND;
        r->why = strdup(path);
        return;
    }
    al_audio_info info;
    al_status st = al_audio_info_read(path, NULL, &info);
    if (st != AL_OK) {
        r->reason = st == AL_ERR_EMPTY         ? AL_SKIP_EMPTY_AUDIO
                    : st == AL_ERR_UNSUPPORTED ? AL_SKIP_BAD_RATE /* the only unsupported header */
                    : st == AL_ERR_NOT_FOUND   ? AL_SKIP_MISSING_AUDIO
                                               : AL_SKIP_NOT_AUDIO;
        r->status = st;
        r->why = strdup(al_last_error());
    } else if (info.frames <= 0) {
        r->reason = AL_SKIP_EMPTY_AUDIO;
        r->status = AL_ERR_EMPTY;
        r->why = strdup(path);
    } else if (info.sample_rate < MIN_RATE) {
        r->reason = AL_SKIP_BAD_RATE;
        r->status = AL_ERR_UNSUPPORTED;
        size_t len = strlen(path) + 64;
        if ((r->why = malloc(len))) snprintf(r->why, len, "%s: %d Hz (need >= %d)", path, info.sample_rate, MIN_RATE);
    } else {
        r->duration = info.duration;
    }
}

static _Thread_local const al_utterance *tl_utts;

static int by_path(const void *a, const void *b) {
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int k = strcmp(tl_utts[i].audio_path, tl_utts[j].audio_path);
    return k ? k : (i > j) - (i < j);
}

static int by_id(const void *a, const void *b) {
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int k = strcmp(tl_utts[i].id, tl_utts[j].id);
    return k ? k : (i > j) - (i < j);
}

/* Every utterance id must be unique and non-empty: transcripts, .trn files and report tables are
 * keyed by it. The first of several equal ids (in corpus order) stays. */
static al_status skip_duplicate_ids(al_corpus *c, bool *alive) {
    size_t *idx = malloc((c->n + 1) * sizeof *idx), m = 0;
    if (!idx) return al_error(AL_ERR_NOMEM, "out of memory checking utterance ids");
    for (size_t i = 0; i < c->n; i++)
        if (alive[i]) idx[m++] = i;
    tl_utts = c->utts;
    qsort(idx, m, sizeof *idx, by_id);
    al_status st = AL_OK;
    size_t first = 0; /* sorted position of the first utterance with the current id */
    for (size_t k = 0; st == AL_OK && k < m; k++) {
        const al_utterance *u = &c->utts[idx[k]];
        if (k == 0 || strcmp(c->utts[idx[k - 1]].id, u->id)) first = k;
        if (!u->id[0]) {
            alive[idx[k]] = false;
            st = al_data_skip(c, u->source, u->line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "empty utterance id (audio %s)",
                              u->audio_path);
        } else if (first != k) {
            const al_utterance *f = &c->utts[idx[first]];
            alive[idx[k]] = false;
            st = al_data_skip(c, u->source, u->line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT,
                              "duplicate utterance id '%s' (audio %s; first: %s line %d, audio %s)", u->id,
                              u->audio_path, f->source, f->line, f->audio_path);
        }
    }
    free(idx);
    return st;
}

/* Reads each distinct audio file's header once; hdr_of[i] is utterance i's result index. */
static al_status read_headers(const al_corpus *c, const bool *alive, header_result **res, size_t **hdr_of,
                              size_t *n_res) {
    size_t *idx = malloc((c->n + 1) * sizeof *idx), m = 0;
    *hdr_of = malloc((c->n + 1) * sizeof **hdr_of);
    if (!idx || !*hdr_of) goto nomem;
    for (size_t i = 0; i < c->n; i++)
        if (alive[i]) idx[m++] = i;
    tl_utts = c->utts;
    qsort(idx, m, sizeof *idx, by_path);
    const char **paths = malloc((m + 1) * sizeof *paths);
    if (!paths) goto nomem;
    size_t u = 0;
    for (size_t k = 0; k < m; k++) {
        const char *p = c->utts[idx[k]].audio_path;
        if (u == 0 || strcmp(paths[u - 1], p)) paths[u++] = p;
        (*hdr_of)[idx[k]] = u - 1;
    }
    free(idx);
    idx = NULL;
    *res = calloc(u + 1, sizeof **res);
    if (!*res) {
        free(paths);
        goto nomem;
    }
    al_progress *prog = u >= 2000 ? al_progress_start("audio headers", u, "files") : NULL;
    long long nu = (long long)u;
#pragma omp parallel for schedule(dynamic, 32)
    for (long long k = 0; k < nu; k++) {
        read_header(paths[k], &(*res)[k]);
        if (prog) al_progress_add(prog, 1);
    }
    if (prog) al_progress_finish(prog);
    /* libsndfile keeps the reason a file failed to open in one global, so a reason read in the
     * parallel loop may be another failing file's: the failures (rare) are read again, one by one. */
    for (size_t k = 0; k < u; k++)
        if ((*res)[k].reason != AL_SKIP_N) {
            free((*res)[k].why);
            (*res)[k] = (header_result){0};
            read_header(paths[k], &(*res)[k]);
        }
    free(paths);
    *n_res = u;
    return AL_OK;
nomem:
    free(idx);
    free(*hdr_of);
    *hdr_of = NULL;
    return al_error(AL_ERR_NOMEM, "out of memory reading audio headers");
}

static al_status normalise_all(al_corpus *c, const al_corpus_opts *o, bool *alive) {
    al_alphabet def = al_alphabet_default();
    const al_alphabet *a = o->alphabet ? o->alphabet : &def;
    for (size_t i = 0; i < c->n; i++) {
        al_utterance *u = &c->utts[i];
        al_status st = al_text_normalise(a, u->text_raw, o->oov, &u->text);
        if (st == AL_ERR_NOMEM) return st;
        alive[i] = st == AL_OK;
        if (st == AL_OK) continue;
        st = al_data_skip(c, u->source, u->line, st == AL_ERR_EMPTY ? AL_SKIP_EMPTY_TRANSCRIPT : AL_SKIP_OOV, st,
                          "%s: %s", u->id, al_last_error());
        if (st != AL_OK) return st;
    }
    return AL_OK;
}

/* Applies header results, segment checks and filters to utterance i. */
static al_status judge(al_corpus *c, const al_corpus_opts *o, size_t i, const header_result *h, bool *alive) {
    al_utterance *u = &c->utts[i];
    if (h->reason != AL_SKIP_N) {
        alive[i] = false;
        return al_data_skip(c, u->source, u->line, h->reason, h->status, "%s: %s", u->id, h->why ? h->why : "");
    }
    if (u->duration < 0) u->duration = h->duration - u->offset;
    /* Written so that NaN offsets or durations fail too. */
    if (!(u->offset >= 0) || !(u->duration > 0) || !(u->offset + u->duration <= h->duration + SEGMENT_TOLERANCE_S)) {
        alive[i] = false;
        return al_data_skip(c, u->source, u->line, AL_SKIP_BAD_SEGMENT, AL_ERR_FORMAT,
                            "%s: offset %.3f s + duration %.3f s, but %s has %.3f s", u->id, u->offset, u->duration,
                            u->audio_path, h->duration);
    }
    if (u->duration < MIN_UTTERANCE_S) {
        alive[i] = false;
        return al_data_skip(c, u->source, u->line, AL_SKIP_TOO_SHORT, AL_OK,
                            "%s: %.3f s, shorter than the %.2f s one feature frame needs", u->id, u->duration,
                            MIN_UTTERANCE_S);
    }
    if (o->min_duration > 0 && u->duration < o->min_duration) {
        alive[i] = false;
        return al_data_skip(c, u->source, u->line, AL_SKIP_TOO_SHORT, AL_OK, "%s: %.3f s < %.3f s", u->id,
                            u->duration, o->min_duration);
    }
    if (o->max_duration > 0 && u->duration > o->max_duration) {
        alive[i] = false;
        return al_data_skip(c, u->source, u->line, AL_SKIP_TOO_LONG, AL_OK, "%s: %.3f s > %.3f s", u->id, u->duration,
                            o->max_duration);
    }
    return AL_OK;
}

al_status al_data_check(al_corpus *c, const al_corpus_opts *o) {
    bool *alive = calloc(c->n + 1, sizeof *alive);
    if (!alive) return al_error(AL_ERR_NOMEM, "out of memory");
    header_result *res = NULL;
    size_t *hdr_of = NULL, n_res = 0;
    al_status st = normalise_all(c, o, alive);
    if (st == AL_OK) st = read_headers(c, alive, &res, &hdr_of, &n_res);
    for (size_t i = 0; st == AL_OK && i < c->n; i++)
        if (alive[i]) st = judge(c, o, i, &res[hdr_of[i]], alive);
    if (st == AL_OK) st = skip_duplicate_ids(c, alive); /* among the entries that are otherwise fine */
    if (st == AL_OK) {
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (alive[i]) c->utts[k++] = c->utts[i];
            else al_data_utt_clear(&c->utts[i]);
        }
        c->n = k;
        al_data_sort_skips(c);
    }
    for (size_t r = 0; r < n_res; r++) free(res[r].why);
    free(res);
    free(hdr_of);
    free(alive);
    return st;
}
