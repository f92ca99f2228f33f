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
    /* at[i] = min(frames[i..len-1]): the beam search keeps the frame where a character was most
     * likely, which can come after the next character's, so that a word or cue would end before it
     * starts. Non-decreasing times keep the path's order; greedy frames already are. */
    int *at = malloc(sizeof *at * (len + 1));
    if (!w || !at) {
        free(w);
        free(at);
        return al_error(AL_ERR_NOMEM, "word times: out of memory");
    }
    for (size_t k = len; k-- > 0;) at[k] = k + 1 < len && at[k + 1] < frames[k] ? at[k + 1] : frames[k];
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
            free(at);
            return al_error(AL_ERR_NOMEM, "word times: out of memory");
        }
        w[count].start = at[i] * frame_seconds;
        w[count].end = (at[j - 1] + 1) * frame_seconds;
        count++;
        i = j;
    }
    free(at);
    *words = w;
    *n = count;
    return AL_OK;
}
