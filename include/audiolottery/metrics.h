/* audiolottery scoring: Levenshtein alignment counts, corpus WER and CER as the field reports them.
 *
 * Usage:
 *   al_error_counts w = {0}, c = {0};
 *   for each utterance: al_score_words(ref, hyp, &w); al_score_chars(ref, hyp, &c);
 *   printf("%%WER %.2f [ %lld / %lld, %lld ins, %lld del, %lld sub ]\n", al_error_rate(&w), ...);
 *   al_format_kaldi_wer(&w, buf, sizeof buf);     // the Kaldi line
 *
 * Words are separated by runs of spaces; CER ignores spaces (as deepspeech.pytorch computes it:
 * the character edit distance of the transcripts with spaces removed over the reference's
 * characters without spaces). Reentrant; no state.
 */
#ifndef AUDIOLOTTERY_METRICS_H
#define AUDIOLOTTERY_METRICS_H

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t ref;  /* reference tokens */
    int64_t ins, del, sub;
    int64_t utts, utts_with_errors;
} al_error_counts;

/* Adds one utterance's minimum-edit alignment counts (ties: substitution first, then deletion,
 * then insertion, as sclite). Returns AL_ERR_NOMEM only. */
al_status al_score_words(const char *ref, const char *hyp, al_error_counts *acc);
al_status al_score_chars(const char *ref, const char *hyp, al_error_counts *acc);

/* 100 * (ins + del + sub) / ref; 0 for an empty reference with no errors. */
double al_error_rate(const al_error_counts *c);

/* "%WER 12.34 [ 56 / 454, 7 ins, 8 del, 41 sub ]" (label "WER" or "CER"). */
void al_format_kaldi(const al_error_counts *c, const char *label, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
