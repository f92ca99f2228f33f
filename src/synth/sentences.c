/* Sentences for the synthetic corpus from Debian text packages (fortune cookie files):
 * entries split into sentences, normalised, filtered by length, deduplicated. */
#include "audiolottery/io.h"
#include "audiolottery/synth.h"

#include <stdlib.h>
#include <string.h>

#define FORTUNE_DIR "/usr/share/games/fortunes/"

/* Fixed order (it fixes the corpus for a seed). Left out: ascii-art, art, perl, linux, debian,
 * knghtbrd, translate-me, disclaimer (code, logs, pictures). */
static const struct {
    const char *package, *file;
} sources[] = {
    {"fortunes-min", "fortunes"},  {"fortunes-min", "literature"}, {"fortunes-min", "riddles"},
    {"fortunes", "computers"},     {"fortunes", "cookie"},         {"fortunes", "definitions"},
    {"fortunes", "drugs"},         {"fortunes", "education"},      {"fortunes", "ethnic"},
    {"fortunes", "food"},          {"fortunes", "goedel"},         {"fortunes", "humorists"},
    {"fortunes", "kids"},          {"fortunes", "law"},            {"fortunes", "love"},
    {"fortunes", "magic"},         {"fortunes", "medicine"},       {"fortunes", "men-women"},
    {"fortunes", "miscellaneous"}, {"fortunes", "news"},           {"fortunes", "paradoxum"},
    {"fortunes", "people"},        {"fortunes", "pets"},           {"fortunes", "platitudes"},
    {"fortunes", "politics"},      {"fortunes", "pratchett"},      {"fortunes", "science"},
    {"fortunes", "songs-poems"},   {"fortunes", "sports"},         {"fortunes", "startrek"},
    {"fortunes", "tao"},           {"fortunes", "wisdom"},         {"fortunes", "work"},
    {"fortunes", "zippy"},
};
enum { N_SOURCES = sizeof sources / sizeof sources[0] };

typedef struct {
    al_synth_sentences *out;
    size_t cap;
    uint64_t *hashes; /* open addressing set of FNV-1a hashes (0 = empty) */
    size_t hash_cap;
    int min_words, max_words;
} collector;

static uint64_t fnv1a(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

/* Returns 1 if h was new (and inserts it), 0 if seen, -1 on allocation failure. */
static int hash_insert(collector *c, uint64_t h) {
    if (2 * (c->out->n + 1) > c->hash_cap) {
        size_t cap = c->hash_cap ? 2 * c->hash_cap : 1 << 16;
        uint64_t *t = calloc(cap, sizeof *t);
        if (!t) return -1;
        for (size_t i = 0; i < c->hash_cap; i++) {
            if (!c->hashes[i]) continue;
            size_t j = c->hashes[i] & (cap - 1);
            while (t[j]) j = (j + 1) & (cap - 1);
            t[j] = c->hashes[i];
        }
        free(c->hashes);
        c->hashes = t;
        c->hash_cap = cap;
    }
    size_t j = h & (c->hash_cap - 1);
    while (c->hashes[j]) {
        if (c->hashes[j] == h) return 0;
        j = (j + 1) & (c->hash_cap - 1);
    }
    c->hashes[j] = h;
    return 1;
}

static al_status add_sentence(collector *c, const char *raw, const char *package) {
    char norm[512];
    int words;
    if (al_synth_normalize(raw, norm, sizeof norm, &words) != AL_OK) return AL_OK;
    if (words < c->min_words || words > c->max_words) return AL_OK;
    int fresh = hash_insert(c, fnv1a(norm));
    if (fresh < 0) return al_error(AL_ERR_NOMEM, "sentences: out of memory");
    if (!fresh) return AL_OK;
    if (c->out->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 4096;
        al_synth_sentence *items = realloc(c->out->items, cap * sizeof *items);
        if (!items) return al_error(AL_ERR_NOMEM, "sentences: out of memory");
        c->out->items = items;
        c->cap = cap;
    }
    char *copy = strdup(norm);
    if (!copy) return al_error(AL_ERR_NOMEM, "sentences: out of memory");
    c->out->items[c->out->n++] = (al_synth_sentence){copy, package};
    return AL_OK;
}

/* Splits one fortune entry (attribution lines already dropped) at . ! ? ; : */
static al_status add_entry(collector *c, char *entry, const char *package) {
    char *start = entry;
    for (char *p = entry;; p++) {
        int end = *p == 0;
        if (end || ((*p == '.' || *p == '!' || *p == '?' || *p == ';' || *p == ':') &&
                    (p[1] == ' ' || p[1] == '"' || p[1] == '\'' || p[1] == ')' || p[1] == 0))) {
            char saved = *p;
            *p = 0;
            al_status st = add_sentence(c, start, package);
            if (st != AL_OK) return st;
            if (end) return AL_OK;
            *p = saved;
            start = p + 1;
        }
    }
}

static int is_attribution(const char *line) {
    while (*line == ' ' || *line == '\t') line++;
    return line[0] == '-' && line[1] == '-';
}

static al_status add_fortune_file(collector *c, const char *path, const char *package) {
    char *data;
    al_status st = al_read_file(path, &data, NULL);
    if (st != AL_OK) return st;
    size_t len = strlen(data), elen = 0;
    char *entry = malloc(len + 1);
    if (!entry) {
        free(data);
        return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    }
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
        if (!line || !strcmp(line, "%")) {
            entry[elen] = 0;
            st = add_entry(c, entry, package);
            elen = 0;
            if (st != AL_OK || !line) break;
            continue;
        }
        if (is_attribution(line)) continue;
        size_t n = strlen(line);
        if (elen) entry[elen++] = ' ';
        memcpy(entry + elen, line, n);
        elen += n;
    }
    free(entry);
    free(data);
    return st;
}

al_status al_synth_sentences_load(int min_words, int max_words, al_synth_sentences *out) {
    memset(out, 0, sizeof *out);
    collector c = {out, 0, NULL, 0, min_words, max_words};
    int found = 0;
    for (int i = 0; i < N_SOURCES; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", FORTUNE_DIR, sources[i].file);
        al_status st = add_fortune_file(&c, path, sources[i].package);
        if (st == AL_ERR_NOT_FOUND) continue;
        if (st != AL_OK) {
            free(c.hashes);
            al_synth_sentences_free(out);
            return st;
        }
        found++;
    }
    free(c.hashes);
    if (!found || !out->n) {
        al_synth_sentences_free(out);
        return al_error(AL_ERR_NOT_FOUND,
                        "%s: no usable sentences (install the Debian packages fortunes-min and fortunes)",
                        FORTUNE_DIR);
    }
    return AL_OK;
}

void al_synth_sentences_free(al_synth_sentences *s) {
    for (size_t i = 0; i < s->n; i++) free(s->items[i].text);
    free(s->items);
    memset(s, 0, sizeof *s);
}
