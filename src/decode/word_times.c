/* Word start and end times from the frames at which a CTC path emitted each character. */
#include "audiolottery/decode.h"

#include <stdlib.h>
#include <string.h>

void al_word_times_free(al_word_time *words, int n) {
    for (int i = 0; words && i < n; i++) free(words[i].word);
    free(words);
}

al_status al_word_times(const char *text, const int *frames, double frame_seconds, al_word_time **words, int *n) {
    *words = NULL;
    *n = 0;
    size_t len = strlen(text);
    al_word_time *w = calloc(len / 2 + 1, sizeof *w); /* at most (len + 1) / 2 words */
    if (!w) return al_error(AL_ERR_NOMEM, "word times: out of memory");
    int count = 0;
    for (size_t i = 0; i < len;) {
        if (text[i] == ' ') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && text[j] != ' ') j++;
        w[count].word = strndup(text + i, j - i);
        if (!w[count].word) {
            al_word_times_free(w, count);
            return al_error(AL_ERR_NOMEM, "word times: out of memory");
        }
        w[count].start = frames[i] * frame_seconds;
        w[count].end = (frames[j - 1] + 1) * frame_seconds;
        count++;
        i = j;
    }
    *words = w;
    *n = count;
    return AL_OK;
}
