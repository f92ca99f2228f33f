/* audiolottery transcripts: plain text, JSON with word times, SRT and WebVTT subtitles.
 *
 * Usage:
 *   al_transcript t = {.file = path, .text = text, .duration = seconds, .words = words, .n_words = n};
 *   al_transcripts_write(stdout, &t, 1, AL_TRANSCRIPT_SRT);
 * The caller owns every field; writing is reentrant. */
#ifndef AUDIOLOTTERY_TRANSCRIPT_H
#define AUDIOLOTTERY_TRANSCRIPT_H

#include <stdio.h>

#include "audiolottery/decode.h"

typedef enum { AL_TRANSCRIPT_TXT = 0, AL_TRANSCRIPT_JSON, AL_TRANSCRIPT_SRT, AL_TRANSCRIPT_VTT } al_transcript_format;

typedef struct {
    const char *file;    /* input path */
    char *text;          /* decoded text */
    double duration;     /* seconds of audio */
    al_word_time *words; /* (n_words) */
    int n_words;
} al_transcript;

al_status al_transcript_format_parse(const char *name, al_transcript_format *f);
const char *al_transcript_format_ext(al_transcript_format f); /* "txt", "json", "srt", "vtt" */

/* txt: the text (one input) or "file<TAB>text" lines; json: an array of {file, text, duration,
 * words: [{word, start, end}]}; srt/vtt: cues of up to 7 words or 3.5 s (one input only). */
al_status al_transcripts_write(FILE *out, const al_transcript *t, int n, al_transcript_format f);

#endif
