/* Output units: characters or SentencePiece BPE pieces (see audiolottery/units.h). */
#include "audiolottery/units.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "units/spm.h"

struct al_units {
    al_alphabet alphabet; /* chars */
    al_spm *spm;          /* bpe; NULL for chars */
    char *model;          /* the serialised SentencePiece model (bpe) */
    size_t model_bytes;
    char name[32];
};

al_status al_units_chars(al_units **out) {
    al_units *u = calloc(1, sizeof *u);
    if (!u) return al_error(AL_ERR_NOMEM, "out of memory");
    u->alphabet = al_alphabet_default();
    snprintf(u->name, sizeof u->name, "chars");
    *out = u;
    return AL_OK;
}

void al_units_free(al_units *u) {
    if (!u) return;
    al_spm_free(u->spm);
    free(u->model);
    free(u);
}

static al_status from_owned_model(char *model, size_t bytes, al_units **out) {
    *out = NULL;
    al_units *u = calloc(1, sizeof *u);
    al_status st = u ? al_spm_load(model, bytes, &u->spm) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st != AL_OK) {
        free(model);
        free(u);
        return st;
    }
    u->model = model;
    u->model_bytes = bytes;
    u->alphabet = al_alphabet_default();
    snprintf(u->name, sizeof u->name, "bpe:%d", al_spm_pieces(u->spm));
    *out = u;
    return AL_OK;
}

al_status al_units_train_bpe(const char *const *texts, size_t n, int pieces, al_units **out) {
    char *model;
    size_t bytes;
    al_status st = al_spm_train_bpe(texts, n, pieces, &model, &bytes);
    return st == AL_OK ? from_owned_model(model, bytes, out) : st;
}

al_status al_units_from_model(const void *model, size_t bytes, al_units **out) {
    char *copy = malloc(bytes ? bytes : 1);
    if (!copy) return al_error(AL_ERR_NOMEM, "out of memory");
    memcpy(copy, model, bytes);
    return from_owned_model(copy, bytes, out);
}

int al_units_classes(const al_units *u) { return u->spm ? al_spm_pieces(u->spm) + 1 : u->alphabet.n; }
int al_units_is_bpe(const al_units *u) { return u->spm != NULL; }
const char *al_units_name(const al_units *u) { return u->name; }

al_status al_units_model(const al_units *u, const void **model, size_t *bytes) {
    if (!u->spm) return al_error(AL_ERR_INVALID, "character units have no SentencePiece model");
    *model = u->model;
    *bytes = u->model_bytes;
    return AL_OK;
}

al_status al_units_encode(const al_units *u, const char *text, int *ids, int cap, int *n) {
    if (u->spm) {
        al_status st = al_spm_encode(u->spm, text, ids, cap, n);
        for (int i = 0; st == AL_OK && i < *n; i++) ids[i] += 1; /* piece p is class p + 1: 0 is the blank */
        return st;
    }
    int len = (int)strlen(text);
    if (len > cap) return al_error(AL_ERR_INVALID, "%d characters exceed the capacity %d", len, cap);
    for (int i = 0; i < len; i++) {
        int c = u->alphabet.index[(unsigned char)text[i]];
        if (c < 0 || c == u->alphabet.blank)
            return al_error(AL_ERR_INVALID, "character '%c' is not in the alphabet", text[i]);
        ids[i] = c;
    }
    *n = len;
    return AL_OK;
}

al_status al_units_decode(const al_units *u, const int *ids, int n, char **text) {
    *text = NULL;
    const int C = al_units_classes(u);
    int *pieces = malloc(sizeof(int) * (n ? n : 1));
    if (!pieces) return al_error(AL_ERR_NOMEM, "out of memory");
    al_status st = AL_OK;
    for (int i = 0; i < n && st == AL_OK; i++)
        if (ids[i] < 1 || ids[i] >= C) st = al_error(AL_ERR_INVALID, "class %d is not a unit (1..%d)", ids[i], C - 1);
        else pieces[i] = u->spm ? ids[i] - 1 : ids[i];
    if (st == AL_OK && u->spm) st = al_spm_decode(u->spm, pieces, n, text);
    if (st == AL_OK && !u->spm) {
        if (!(*text = malloc((size_t)n + 1))) st = al_error(AL_ERR_NOMEM, "out of memory");
        for (int i = 0; *text && i < n; i++) (*text)[i] = u->alphabet.labels[pieces[i]];
        if (*text) (*text)[n] = '\0';
    }
    free(pieces);
    return st;
}

al_status al_units_parse(const char *spec, int *pieces) {
    *pieces = 0;
    if (!strcmp(spec, "chars")) return AL_OK;
    char *end;
    long n = strncmp(spec, "bpe:", 4) ? -1 : strtol(spec + 4, &end, 10);
    if (n < 32 || n > 8192 || *end) return al_error(AL_ERR_INVALID, "'%s' is not chars or bpe:N (N 32..8192)", spec);
    *pieces = (int)n;
    return AL_OK;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

al_status al_units_model_base64(const al_units *u, char **text) {
    *text = NULL;
    if (!u->spm) return al_error(AL_ERR_INVALID, "character units have no SentencePiece model");
    const unsigned char *p = (const unsigned char *)u->model;
    const size_t n = u->model_bytes;
    char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
    if (!out) return al_error(AL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i += 3) {
        const uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *o++ = B64[v >> 18 & 63];
        *o++ = B64[v >> 12 & 63];
        *o++ = i + 1 < n ? B64[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? B64[v & 63] : '=';
    }
    *o = '\0';
    *text = out;
    return AL_OK;
}

al_status al_units_from_base64(const char *text, al_units **out) {
    *out = NULL;
    const size_t len = strlen(text);
    if (len % 4) return al_error(AL_ERR_FORMAT, "units model: base64 of %zu characters", len);
    char *bytes = malloc(len / 4 * 3 + 1);
    if (!bytes) return al_error(AL_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            const char *c = text[i + k] == '=' ? NULL : strchr(B64, text[i + k]);
            if (text[i + k] == '=' && i + 4 == len && k >= 2) pad++;
            else if (!c || !text[i + k] || pad) {
                free(bytes);
                return al_error(AL_ERR_FORMAT, "units model: not base64 at character %zu", i + k);
            }
            v = v << 6 | (c ? (uint32_t)(c - B64) : 0);
        }
        bytes[n++] = (char)(v >> 16);
        if (pad < 2) bytes[n++] = (char)(v >> 8 & 255);
        if (pad < 1) bytes[n++] = (char)(v & 255);
    }
    return from_owned_model(bytes, n, out);
}

/* ids[0..n) with their frames: the text and each character's frame, the characters a piece adds to the
 * decoding of the pieces before it taking its frame (BPE decoding only ever appends). */
static al_status decode_with_frames(const al_units *u, const int *ids, const int *at, int n, char **text,
                                    int **frames) {
    al_status st = al_units_decode(u, ids, n, text);
    if (st != AL_OK || !frames) return st;
    const size_t len = strlen(*text);
    *frames = malloc(sizeof(int) * (len ? len : 1));
    if (!*frames) return al_error(AL_ERR_NOMEM, "out of memory");
    size_t done = 0;
    for (int k = 0; k < n && st == AL_OK; k++) {
        char *prefix = NULL;
        st = al_units_decode(u, ids, k + 1, &prefix);
        size_t upto = prefix ? strlen(prefix) : 0;
        for (; st == AL_OK && done < upto && done < len; done++) (*frames)[done] = at[k];
        free(prefix);
    }
    for (; done < len; done++) (*frames)[done] = n ? at[n - 1] : 0;
    if (st != AL_OK) {
        free(*text), free(*frames);
        *text = NULL, *frames = NULL;
    }
    return st;
}

al_status al_units_greedy(const al_units *u, const float *scores, int T, size_t stride, int C, char **text,
                          int **frames) {
    *text = NULL;
    if (frames) *frames = NULL;
    int *ids = malloc(sizeof(int) * (T ? T : 1)), *at = malloc(sizeof(int) * (T ? T : 1)), n = 0, prev = -1;
    if (!ids || !at) {
        free(ids), free(at);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    for (int t = 0; t < T; t++) {
        const float *row = scores + (size_t)t * stride;
        int best = 0;
        for (int c = 0; c < C; c++) {
            if (!isfinite(row[c])) { /* a diverged model must not decode to plausible text */
                free(ids), free(at);
                return al_error(AL_ERR_INVALID, "greedy: frame %d has a non-finite score", t);
            }
            best = row[c] > row[best] ? c : best;
        }
        if (best != prev && best != 0) ids[n] = best, at[n++] = t;
        prev = best;
    }
    al_status st = decode_with_frames(u, ids, at, n, text, frames);
    free(ids), free(at);
    return st;
}