/* Private helpers shared by the corpus readers (not installed). Readers append entries with
 * al_data_add_utt (duration < 0: read it from the audio header; text_raw set, text NULL) and
 * record skips with al_data_skip; al_data_check then normalises, reads headers and filters. */
#ifndef AL_DATA_INTERNAL_H
#define AL_DATA_INTERNAL_H

#include <stdbool.h>

#include "audiolottery/data.h"

/* ---- corpus container (corpus.c) ---- */
al_corpus *al_data_corpus_new(void);
/* Interns a file name; the pointer lives as long as the corpus. NULL on out of memory. */
const char *al_data_source(al_corpus *c, const char *path);
/* Copies every string of u (text is ignored; source must come from al_data_source). */
al_status al_data_add_utt(al_corpus *c, const al_utterance *u);
/* Records a skipped entry: detail becomes "<file>:<line>: <reason>: <printf text>". */
al_status al_data_skip(al_corpus *c, const char *file, int line, al_skip_reason r, al_status st, const char *fmt,
                       ...) __attribute__((format(printf, 6, 7)));
void al_data_utt_clear(al_utterance *u);
void al_data_sort_skips(al_corpus *c);

/* ---- validation (corpus_check.c) ---- */
al_status al_data_check(al_corpus *c, const al_corpus_opts *o);

/* ---- line files (lines.c) ---- */
typedef struct {
    char *buf;
    char *next;
    int line; /* number of the line last returned */
} al_lines;

al_status al_lines_open(al_lines *l, const char *path);
/* Next line, NUL-terminated, without "\n" / "\r\n"; NULL at the end. Points into l's buffer. */
char *al_lines_next(al_lines *l);
void al_lines_close(al_lines *l);

/* Reads a one-entry-per-line manifest: calls entry(c, src, dir, line, text) for every non-blank
 * line (trimmed), with src the corpus's copy of the manifest path and dir its directory (for
 * relative paths). Stops at the first error the callback returns. */
typedef al_status (*al_manifest_entry_fn)(al_corpus *c, const char *src, const char *dir, int line, char *text);
al_status al_read_manifest_lines(al_corpus *c, const char *manifest, al_manifest_entry_fn entry);
/* Trims leading and trailing whitespace in place. */
char *al_trim(char *s);

/* ---- "KEY VALUE" tables (kv.c): Kaldi files, LibriSpeech trans.txt ---- */
typedef struct {
    char *key;
    char *value; /* rest of the line, trimmed, possibly "" */
    int line;
} al_kv;

typedef struct {
    const char *file; /* interned */
    al_kv *e;         /* in file order, duplicates removed */
    size_t n;
    size_t *sorted; /* indices into e sorted by key */
} al_kv_table;

/* Reads path; a duplicate key is recorded as a skip (BAD_LINE) and dropped. */
al_status al_kv_read(al_corpus *c, const char *path, al_kv_table *t);
const al_kv *al_kv_find(const al_kv_table *t, const char *key);
void al_kv_free(al_kv_table *t);

/* ---- paths (path.c) ---- */
/* dir/rel, or a copy of rel when it is absolute. malloc'd; NULL on out of memory. */
char *al_path_join(const char *dir, const char *rel);
/* Directory part of path ("." when none). malloc'd. */
char *al_path_dir(const char *path);
bool al_is_dir(const char *path);
bool al_is_file(const char *path);
bool al_has_suffix(const char *s, const char *suffix);
/* Utterance id of an audio file named in a manifest: its file name without the last extension,
 * whitespace turned into '_' ("clips/my clip.v2.wav" -> "my_clip.v2"). malloc'd; NULL on out of
 * memory. Ids that still collide are skipped by al_data_check. */
char *al_path_utt_id(const char *audio_path);
/* Whether dir/pattern (a glob pattern) matches anything. */
bool al_glob_any(const char *dir, const char *pattern);
/* Sorted names of dir's entries (no "." / ".."), filtered by suffix (NULL: all). Free with
 * al_names_free. */
al_status al_list_dir(const char *dir, const char *suffix, char ***names, size_t *n);
void al_names_free(char **names, size_t n);

/* ---- readers (read_*.c): each appends to c; whole-corpus problems return an error ---- */
al_status al_read_librispeech(al_corpus *c, const char *root, const al_corpus_opts *o);
al_status al_read_nemo(al_corpus *c, const char *manifest, const al_corpus_opts *o);
al_status al_read_csv(al_corpus *c, const char *manifest, const al_corpus_opts *o);
al_status al_read_commonvoice(al_corpus *c, const char *root, const al_corpus_opts *o);
al_status al_read_tedlium(al_corpus *c, const char *root, const al_corpus_opts *o);
al_status al_read_kaldi(al_corpus *c, const char *root, const al_corpus_opts *o);

#endif
