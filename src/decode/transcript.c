/* Transcripts as plain text, JSON with word times, SRT and WebVTT subtitles. */
#include "audiolottery/transcript.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

/* A subtitle cue ends after this many words or this much time. */
#define CUE_MAX_WORDS 7
#define CUE_MAX_SECONDS 3.5

al_status al_transcript_format_parse(const char *name, al_transcript_format *f) {
    const char *names[] = {"txt", "json", "srt", "vtt"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(name, names[i])) {
            *f = (al_transcript_format)i;
            return AL_OK;
        }
    return al_error(AL_ERR_INVALID, "--format %s: expected txt, json, srt or vtt", name);
}

const char *al_transcript_format_ext(al_transcript_format f) {
    static const char *ext[] = {"txt", "json", "srt", "vtt"};
    return ext[f];
}

static void timestamp(FILE *out, double s, char sep) {
    long ms = (long)(s * 1000 + 0.5);
    fprintf(out, "%02ld:%02ld:%02ld%c%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, sep, ms % 1000);
}

static void write_cues(FILE *out, const al_transcript *t, int vtt) {
    if (vtt) fprintf(out, "WEBVTT\n\n");
    int cue = 1;
    for (int i = 0; i < t->n_words;) {
        int j = i;
        while (j < t->n_words && j - i < CUE_MAX_WORDS && t->words[j].end - t->words[i].start <= CUE_MAX_SECONDS) j++;
        if (j == i) j = i + 1; /* a single word longer than a cue */
        if (!vtt) fprintf(out, "%d\n", cue);
        timestamp(out, t->words[i].start, vtt ? '.' : ',');
        fprintf(out, " --> ");
        timestamp(out, t->words[j - 1].end, vtt ? '.' : ',');
        fputc('\n', out);
        for (int k = i; k < j; k++) fprintf(out, "%s%s", k > i ? " " : "", t->words[k].word);
        fprintf(out, "\n\n");
        cue++;
        i = j;
    }
}

/* s with every byte that is not part of valid UTF-8 replaced by U+FFFD: file names are bytes on
 * Linux (e.g. Latin-1 "caf\xe9.wav"), JSON text must be UTF-8. malloc'd; NULL on out of memory. */
static char *utf8_sanitised(const char *s) {
    char *out = malloc(3 * strlen(s) + 1), *o = out;
    if (!out) return NULL;
    size_t left = strlen(s);
    for (const char *p = s; *p;) {
        size_t n = al_utf8_sequence(p, left);
        if (n) {
            memcpy(o, p, n), o += n, p += n, left -= n;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3), o += 3, p++, left--;
        }
    }
    *o = '\0';
    return out;
}

static cJSON *transcript_json(const al_transcript *t) {
    cJSON *o = cJSON_CreateObject();
    char *file = utf8_sanitised(t->file);
    if (!o || !file) {
        cJSON_Delete(o);
        free(file);
        return NULL;
    }
    cJSON_AddStringToObject(o, "file", file);
    free(file);
    cJSON_AddStringToObject(o, "text", t->text);
    cJSON_AddNumberToObject(o, "duration", t->duration);
    cJSON *words = cJSON_AddArrayToObject(o, "words");
    for (int i = 0; i < t->n_words; i++) {
        cJSON *w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "word", t->words[i].word);
        cJSON_AddNumberToObject(w, "start", t->words[i].start);
        cJSON_AddNumberToObject(w, "end", t->words[i].end);
        cJSON_AddItemToArray(words, w);
    }
    return o;
}

al_status al_transcripts_write(FILE *out, const al_transcript *t, int n, al_transcript_format f) {
    if ((f == AL_TRANSCRIPT_SRT || f == AL_TRANSCRIPT_VTT) && n != 1)
        return al_error(AL_ERR_INVALID, "subtitles hold one file's transcript (%d given)", n);
    switch (f) {
    case AL_TRANSCRIPT_TXT:
        for (int i = 0; i < n; i++)
            if (n == 1) fprintf(out, "%s\n", t[i].text);
            else fprintf(out, "%s\t%s\n", t[i].file, t[i].text);
        break;
    case AL_TRANSCRIPT_JSON: {
        cJSON *arr = cJSON_CreateArray();
        int complete = arr != NULL;
        for (int i = 0; complete && i < n; i++) {
            cJSON *one = transcript_json(&t[i]);
            complete = one && cJSON_AddItemToArray(arr, one);
        }
        char *text = complete ? cJSON_Print(arr) : NULL;
        cJSON_Delete(arr);
        if (!text) return al_error(AL_ERR_NOMEM, "out of memory");
        fprintf(out, "%s\n", text);
        free(text);
        break;
    }
    case AL_TRANSCRIPT_SRT: write_cues(out, t, 0); break;
    case AL_TRANSCRIPT_VTT: write_cues(out, t, 1); break;
    }
    return ferror(out) ? al_error(AL_ERR_IO, "write failed") : AL_OK;
}
