/* TED-LIUM: ROOT/sph/<talk>.sph and ROOT/stm/<talk>.stm with lines
 * "talk channel speaker start end <label> text"; segments are read with offset/duration,
 * ignore_time_segment_in_scoring segments are skipped, {NOISE} and <unk> markers removed and
 * the tokenised apostrophe ("it 's") joined again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

static bool is_marker(const char *w, size_t n) {
    return n >= 2 && ((w[0] == '{' && w[n - 1] == '}') || (w[0] == '<' && w[n - 1] == '>'));
}

/* Cleans TED-LIUM text into a new string: drops marker words, turns " '" into "'". */
static char *clean_text(const char *s) {
    char *out = malloc(strlen(s) + 1);
    if (!out) return NULL;
    size_t k = 0;
    while (*s) {
        s += strspn(s, " \t");
        size_t n = strcspn(s, " \t");
        if (n && !is_marker(s, n)) {
            if (k && s[0] != '\'') out[k++] = ' ';
            memcpy(out + k, s, n);
            k += n;
        }
        s += n;
    }
    out[k] = '\0';
    return out;
}

static al_status read_line(al_corpus *c, const char *src, const char *sph_dir, int line, char *s) {
    char *save = NULL, *f[5];
    for (int i = 0; i < 5; i++)
        if (!(f[i] = strtok_r(i ? NULL : s, " \t", &save)))
            return al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT,
                                "expected 'file channel speaker start end [<label>] text'");
    char *rest = save ? save + strspn(save, " \t") : (char *)"";
    char *e1, *e2;
    double start = strtod(f[3], &e1), end = strtod(f[4], &e2);
    if (*e1 || *e2 || !isfinite(start) || !isfinite(end) || start < 0 || end <= start)
        return al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "bad times '%s' '%s'", f[3], f[4]);
    if (rest[0] == '<') { /* the optional <o,f0,male> label */
        size_t n = strcspn(rest, " \t");
        if (rest[n - 1] == '>') rest += n + strspn(rest + n, " \t");
    }
    if (strstr(rest, "ignore_time_segment_in_scoring"))
        return al_data_skip(c, src, line, AL_SKIP_IGNORED_SEGMENT, AL_OK, "%s %.2f-%.2f", f[0], start, end);
    size_t len = strlen(sph_dir) + strlen(f[0]) + 8;
    char *audio = malloc(len), *id = malloc(strlen(f[0]) + 48), *text = clean_text(rest);
    al_status st = AL_OK;
    if (!audio || !id || !text) st = al_error(AL_ERR_NOMEM, "out of memory");
    else {
        snprintf(audio, len, "%s/%s.sph", sph_dir, f[0]);
        snprintf(id, strlen(f[0]) + 48, "%s-%07lld-%07lld", f[0], (long long)(start * 100 + 0.5),
                 (long long)(end * 100 + 0.5));
        al_utterance u = {.id = id, .audio_path = audio, .offset = start, .duration = end - start, .text_raw = text,
                          .speaker = f[2], .source = src, .line = line};
        st = al_data_add_utt(c, &u);
    }
    free(audio);
    free(id);
    free(text);
    return st;
}

static al_status read_stm(al_corpus *c, const char *path, const char *sph_dir) {
    const char *src = al_data_source(c, path);
    if (!src) return al_error(AL_ERR_NOMEM, "out of memory");
    al_lines l;
    al_status st = al_lines_open(&l, path);
    char *s;
    while (st == AL_OK && (s = al_lines_next(&l))) {
        s = al_trim(s);
        if (*s && strncmp(s, ";;", 2)) st = read_line(c, src, sph_dir, l.line, s);
    }
    al_lines_close(&l);
    return st;
}

al_status al_read_tedlium(al_corpus *c, const char *root, const al_corpus_opts *o) {
    (void)o;
    char *stm_dir = al_path_join(root, "stm"), *sph_dir = al_path_join(root, "sph");
    char **names = NULL;
    size_t n = 0;
    al_status st = stm_dir && sph_dir ? al_list_dir(stm_dir, ".stm", &names, &n) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK && n == 0) st = al_error(AL_ERR_NOT_FOUND, "%s: no .stm files", stm_dir);
    for (size_t i = 0; st == AL_OK && i < n; i++) {
        char *p = al_path_join(stm_dir, names[i]);
        st = p ? read_stm(c, p, sph_dir) : al_error(AL_ERR_NOMEM, "out of memory");
        free(p);
    }
    al_names_free(names, n);
    free(stm_dir);
    free(sph_dir);
    return st;
}
