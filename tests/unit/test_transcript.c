/* Word times from emission frames, and the txt / JSON / SRT / WebVTT writers. */
#include "al_test.h"
#include "audiolottery/transcript.h"

#include <cJSON.h>

/* "HELLO BIG WORLD" emitted at frames: HELLO 10..14, space 20, BIG 30..32, space 40, WORLD 200..204 */
static const char *text = "HELLO BIG WORLD";
static const int frames[] = {10, 11, 12, 13, 14, 20, 30, 31, 32, 40, 200, 201, 202, 203, 204};

static char *render(const al_transcript *t, int n, al_transcript_format f) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    CHECK_OK(al_transcripts_write(fp, t, n, f));
    fclose(fp);
    return buf;
}

static void test_word_times(void) {
    al_word_time *w;
    int n;
    CHECK_OK(al_word_times(text, frames, 0.02, &w, &n));
    CHECK(n == 3);
    if (n == 3) {
        CHECK(!strcmp(w[0].word, "HELLO") && !strcmp(w[2].word, "WORLD"));
        CHECK_NEAR(w[0].start, 0.20, 1e-12);
        CHECK_NEAR(w[0].end, 0.30, 1e-12); /* one frame after the last character */
        CHECK_NEAR(w[1].start, 0.60, 1e-12);
        CHECK_NEAR(w[2].end, 4.10, 1e-12);
    }
    al_word_times_free(w, n);
    CHECK_OK(al_word_times("", frames, 0.02, &w, &n));
    CHECK(n == 0);
    al_word_times_free(w, n);
    /* beam search frames can run backwards ("A" most likely after "B" was emitted): times do not */
    const int back[] = {5, 14, 12, 20, 21};
    CHECK_OK(al_word_times("XAB Y", back, 0.02, &w, &n));
    CHECK(n == 2);
    if (n == 2) {
        CHECK_NEAR(w[0].start, 0.10, 1e-12);
        CHECK_NEAR(w[0].end, 0.26, 1e-12); /* A and B both at frame 12 */
        CHECK(w[0].start <= w[0].end && w[0].end <= w[1].start);
    }
    al_word_times_free(w, n);
}

static void test_formats(void) {
    al_transcript t = {.file = "a.flac", .text = (char *)text, .duration = 4.2};
    CHECK_OK(al_word_times(text, frames, 0.02, &t.words, &t.n_words));
    char *s = render(&t, 1, AL_TRANSCRIPT_TXT);
    CHECK(!strcmp(s, "HELLO BIG WORLD\n"));
    free(s);
    /* SRT: cues end after 3.5 s, so WORLD (at 4.0 s) starts a second cue */
    s = render(&t, 1, AL_TRANSCRIPT_SRT);
    CHECK_MSG(!strcmp(s, "1\n00:00:00,200 --> 00:00:00,660\nHELLO BIG\n\n2\n00:00:04,000 --> 00:00:04,100\nWORLD\n\n"),
              "got:\n%s", s);
    free(s);
    s = render(&t, 1, AL_TRANSCRIPT_VTT);
    const char *vtt = "WEBVTT\n\n00:00:00.200 --> 00:00:00.660\nHELLO BIG\n\n00:00:04.000 --> 00:00:04.100\nWORLD\n\n";
    CHECK_MSG(!strcmp(s, vtt), "got:\n%s", s);
    free(s);
    s = render(&t, 1, AL_TRANSCRIPT_JSON);
    cJSON *j = cJSON_Parse(s);
    CHECK(cJSON_IsArray(j) && cJSON_GetArraySize(j) == 1);
    cJSON *words = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "words");
    CHECK(cJSON_GetArraySize(words) == 3);
    cJSON *w1 = cJSON_GetArrayItem(words, 1);
    CHECK(!strcmp(cJSON_GetObjectItem(w1, "word")->valuestring, "BIG"));
    CHECK_NEAR(cJSON_GetObjectItem(w1, "start")->valuedouble, 0.6, 1e-9);
    cJSON_Delete(j);
    free(s);
    al_transcript two[2] = {t, t};
    two[1].file = "b.flac";
    s = render(two, 2, AL_TRANSCRIPT_TXT);
    CHECK(!strcmp(s, "a.flac\tHELLO BIG WORLD\nb.flac\tHELLO BIG WORLD\n"));
    free(s);
    FILE *null = fopen("/dev/null", "w");
    CHECK(al_transcripts_write(null, two, 2, AL_TRANSCRIPT_SRT) == AL_ERR_INVALID);
    fclose(null);
    al_transcript_format f;
    CHECK(al_transcript_format_parse("srt", &f) == AL_OK && f == AL_TRANSCRIPT_SRT);
    CHECK(al_transcript_format_parse("doc", &f) == AL_ERR_INVALID);
    al_word_times_free(t.words, t.n_words);
}

/* File names are bytes; JSON must stay valid UTF-8. */
static void test_json_file_name_not_utf8(void) {
    al_transcript t = {.file = "caf\xe9 \xc3\xa9.wav", .text = "A", .duration = 1.0};
    char *out = render(&t, 1, AL_TRANSCRIPT_JSON);
    CHECK_STR_CONTAINS(out, "caf\xef\xbf\xbd \xc3\xa9.wav"); /* the stray byte as U+FFFD, valid UTF-8 kept */
    cJSON *j = cJSON_Parse(out);
    CHECK(j && cJSON_IsArray(j));
    cJSON_Delete(j);
    free(out);
}

AL_TEST_MAIN(test_word_times, test_formats, test_json_file_name_not_utf8)
