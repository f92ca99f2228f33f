/* Common Voice: ROOT/clips/NAME.mp3 and ROOT/<split>.tsv whose header names the columns (path,
 * sentence, client_id are used). */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

#define MAX_COLS 64

/* Splits s at tabs in place; returns the number of fields (at most max). */
static int split_tabs(char *s, char **f, int max) {
    int n = 0;
    while (n < max) {
        f[n++] = s;
        char *t = strchr(s, '\t');
        if (!t) break;
        *t = '\0';
        s = t + 1;
    }
    return n;
}

static int column(char **head, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (!strcmp(al_trim(head[i]), name)) return i;
    return -1;
}

typedef struct {
    int path, sentence, client, need; /* column indices; need: fields a row must have */
} cv_cols;

static al_status read_row(al_corpus *c, const char *src, const char *clips, int line, char *s, const cv_cols *k) {
    char *f[MAX_COLS];
    int n = split_tabs(s, f, MAX_COLS);
    if (n < k->need)
        return al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "%d columns, header has at least %d", n,
                            k->need);
    char *name = al_trim(f[k->path]);
    if (!*name) return al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "empty path column");
    char *audio = al_path_join(clips, name), *id = al_path_utt_id(name);
    al_status st = AL_OK;
    if (!audio || !id) st = al_error(AL_ERR_NOMEM, "out of memory");
    else {
        al_utterance u = {.id = id, .audio_path = audio, .duration = -1, .text_raw = f[k->sentence],
                          .speaker = k->client >= 0 ? al_trim(f[k->client]) : "", .source = src, .line = line};
        st = al_data_add_utt(c, &u);
    }
    free(audio);
    free(id);
    return st;
}

al_status al_read_commonvoice(al_corpus *c, const char *root, const al_corpus_opts *o) {
    const char *split = o->split ? o->split : "train";
    size_t len = strlen(root) + strlen(split) + 8;
    char *tsv = malloc(len), *clips = al_path_join(root, "clips");
    if (!tsv || !clips) {
        free(tsv);
        free(clips);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    snprintf(tsv, len, "%s/%s.tsv", root, split);
    const char *src = al_data_source(c, tsv);
    al_lines l;
    al_status st = src ? al_lines_open(&l, tsv) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st != AL_OK) {
        free(tsv);
        free(clips);
        return al_error_prefix(st, "Common Voice split '%s': ", split);
    }
    char *head[MAX_COLS], *s = al_lines_next(&l);
    int nh = s ? split_tabs(s, head, MAX_COLS) : 0;
    cv_cols k = {column(head, nh, "path"), column(head, nh, "sentence"), column(head, nh, "client_id"), 0};
    if (k.path < 0 || k.sentence < 0)
        st = al_error(AL_ERR_FORMAT, "%s:1: header lacks a 'path' or 'sentence' column", tsv);
    k.need = 1 + (k.path > k.sentence ? k.path : k.sentence);
    if (k.client >= k.need) k.need = k.client + 1;
    while (st == AL_OK && (s = al_lines_next(&l)))
        if (*s) st = read_row(c, src, clips, l.line, s, &k); /* not trimmed: trailing empty columns count */
    al_lines_close(&l);
    free(tsv);
    free(clips);
    return st;
}
