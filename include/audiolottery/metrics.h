/* audiolottery scoring: edit-distance alignment, corpus WER/CER/SER as the field reports them, Kaldi
 * and sclite formats.
 *
 * Usage (counts only):
 *   al_error_counts w = {0}, c = {0};
 *   for each utterance: al_score_words(ref, hyp, &w); al_score_chars(ref, hyp, &c);
 *   char line[160];
 *   al_format_kaldi(&w, "WER", line, sizeof line);   // "%WER 12.34 [ 56 / 454, 7 ins, 8 del, 41 sub ]"
 *   al_format_kaldi_ser(&w, line, sizeof line);      // "%SER 50.00 [ 2 / 4 ]"
 *
 * Usage (the alignment itself):
 *   al_alignment a;
 *   if (al_align(ref, hyp, AL_UNIT_WORDS, AL_COST_SCLITE, &a) != AL_OK) ...al_last_error()...
 *   for (size_t k = 0; k < a.n; k++) ... a.pairs[k].op, .ref/.ref_len, .hyp/.hyp_len ...
 *   al_error_counts_add(&w, &a);
 *   al_alignment_free(&a);
 *
 * Usage (transcript files, as `audiolottery score` does):
 *   al_text_file ref, hyp;  al_text_file_read("ref.trn", AL_TEXT_AUTO, &ref); ...
 *   ptrdiff_t *match;       al_text_file_pair(&ref, &hyp, &match);  // hyp index per ref, -1 missing
 *
 * Tokens: words are runs of non-whitespace (space, tab, CR, LF, VT, FF); characters are UTF-8 code
 * points other than whitespace, so CER ignores spaces as deepspeech.pytorch computes it (character
 * errors of the transcripts with spaces removed over the reference's characters without spaces).
 * Tokens compare byte for byte (case-sensitive, as sclite -s); sclite's special tokens (words in
 * parentheses as optionally deletable, "@", "-" fragments) have no special meaning here.
 *
 * Alignment (AL_COST_SCLITE, the default everywhere): NIST sclite's dynamic programme (sctk
 * net_dp.c, word.c wwd_WORD): correct 0, insertion 3, deletion 3, substitution 4; a cell takes the
 * diagonal (correct or substitution) when it costs no more than deletion and insertion, else the
 * deletion when strictly cheaper than the insertion, else the insertion; traced back from the
 * end. This minimises 3 (ins + del) + 4 sub, not ins + del + sub: where one differs from the other,
 * sclite (and we) may count more errors than the plain edit distance (ref "A B C D E F G H",
 * hyp "D E F G H F G H": 3 del + 3 ins, not 5 sub). AL_COST_LEVENSHTEIN (unit costs, same
 * tie-breaking) gives the plain edit distance that Kaldi compute-wer and deepspeech.pytorch report.
 *
 * Reentrant; no state. Alignment pairs point into the caller's ref and hyp strings.
 */
#ifndef AUDIOLOTTERY_METRICS_H
#define AUDIOLOTTERY_METRICS_H

#include <stddef.h>

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t ref;  /* reference tokens */
    int64_t ins, del, sub;
    int64_t utts, utts_with_errors;
} al_error_counts;

/* ---- alignment ------------------------------------------------------------------------- */
typedef enum { AL_UNIT_WORDS = 0, AL_UNIT_CHARS = 1 } al_token_unit;
typedef enum { AL_COST_SCLITE = 0, AL_COST_LEVENSHTEIN = 1 } al_align_cost;

typedef struct {
    const char *ref; /* the reference token (into the caller's ref string); NULL for 'I' */
    int ref_len;
    const char *hyp; /* the hypothesis token (into the caller's hyp string); NULL for 'D' */
    int hyp_len;
    char op;         /* 'C' correct, 'S' substitution, 'I' insertion, 'D' deletion */
} al_align_pair;

typedef struct {
    al_align_pair *pairs; /* in text order; owned, free with al_alignment_free */
    size_t n;
    int64_t ref_tokens, hyp_tokens;
    int64_t cor, sub, del, ins;
} al_alignment;

/* Aligns hyp to ref. The pairs point into ref and hyp: keep both alive while using them.
 * Fails with AL_ERR_NOMEM (message says how large the table was) or AL_ERR_INVALID (bad enum). */
al_status al_align(const char *ref, const char *hyp, al_token_unit unit, al_align_cost cost, al_alignment *out);
void al_alignment_free(al_alignment *a);

/* Adds one utterance's counts: ref tokens, ins, del, sub, one utterance (with errors when any). */
void al_error_counts_add(al_error_counts *acc, const al_alignment *a);

/* al_align with AL_COST_SCLITE and al_error_counts_add. Returns AL_ERR_NOMEM only. */
al_status al_score_words(const char *ref, const char *hyp, al_error_counts *acc);
al_status al_score_chars(const char *ref, const char *hyp, al_error_counts *acc);

/* One utterance's alignment as a block of the errors file (docs in src/metrics/alignment_write.c):
 *   id: <id>
 *   scores: (#C #S #D #I) 5 0 3 3
 *   ref: A   B   ***  ...   (*** where the hypothesis inserted a token)
 *   hyp: *** B   C    ...   (*** where the reference token was deleted)
 *   ops: D   C   I    ...
 * then an empty line. Columns are padded to the wider token. Returns AL_ERR_IO on a write error. */
al_status al_alignment_write(FILE *fp, const char *id, const al_alignment *a);

/* ---- rates and report lines -------------------------------------------------------------- */
/* 100 * (ins + del + sub) / ref; 0 for an empty reference with no errors, 100 with errors. */
double al_error_rate(const al_error_counts *c);
/* 100 * utts_with_errors / utts (0 without utterances). */
double al_sentence_error_rate(const al_error_counts *c);

/* "%WER 12.34 [ 56 / 454, 7 ins, 8 del, 41 sub ]" (label "WER" or "CER"). */
void al_format_kaldi(const al_error_counts *c, const char *label, char *buf, size_t n);
/* "%SER 50.00 [ 2 / 4 ]" (utterances with errors / utterances), as Kaldi compute-wer. */
void al_format_kaldi_ser(const al_error_counts *c, char *buf, size_t n);

/* ---- transcript files -------------------------------------------------------------------- */
typedef enum {
    AL_TEXT_AUTO = 0,
    AL_TEXT_KALDI, /* "<id> <text>" lines (Kaldi data/text; the text may be empty) */
    AL_TEXT_TRN,   /* "<text> (<id>)" lines (sclite .trn; the text may be empty) */
} al_text_format;

const char *al_text_format_name(al_text_format f); /* "auto", "kaldi", "trn" */
al_status al_text_format_parse(const char *name, al_text_format *f);

typedef struct {
    char *id;
    char *text; /* trimmed; "" for an empty transcript */
    int line;   /* 1-based line in the file */
} al_text_entry;

typedef struct {
    char *path;
    al_text_format format; /* as read (never AUTO) */
    al_text_entry *items;  /* file order */
    size_t n;
    size_t *by_id_;        /* internal: item indices sorted by id */
} al_text_file;

/* Reads a transcript file. AUTO detects the format: sclite .trn when the first non-blank line
 * ends with "(...)" (trailing whitespace ignored), else Kaldi text. Blank lines are skipped.
 * Errors (AL_ERR_FORMAT, message "<path>:<line>: ..."): a .trn line without "(id)" at its end, an
 * empty id or one with whitespace, a duplicate id (naming the first line). AL_ERR_NOT_FOUND / IO
 * when the file cannot be read. On failure *out is zeroed. */
al_status al_text_file_read(const char *path, al_text_format format, al_text_file *out);
/* The item with this id, or NULL. */
const al_text_entry *al_text_file_find(const al_text_file *t, const char *id);
void al_text_file_free(al_text_file *t);

/* Pairs by utterance id: (*hyp_of_ref)[i] is the index in hyp of ref item i's id, or -1 when hyp
 * lacks it (malloc'd, ref->n entries; free with free()). An id only in hyp fails with AL_ERR_FORMAT
 * "<hyp path>:<line>: utterance '<id>' is not in the reference <ref path>"; *hyp_of_ref is then
 * NULL. */
al_status al_text_file_pair(const al_text_file *ref, const al_text_file *hyp, ptrdiff_t **hyp_of_ref);

/* Writes an sclite .trn file atomically: one "<text> (<id>)" line per entry (texts[i] NULL or ""
 * gives "(<id>)"; runs of whitespace in a text become one space). */
al_status al_write_trn(const char *path, size_t n, const char *const *ids, const char *const *texts);

#ifdef __cplusplus
}
#endif
#endif
