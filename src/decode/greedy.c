/* CTC greedy (best path) decoding. */
#include "audiolottery/decode.h"

#include <math.h>
#include <stdlib.h>

al_status al_ctc_greedy(const float *scores, int T, size_t stride, int C, const al_alphabet *a, char **text) {
    return al_ctc_greedy_frames(scores, T, stride, C, a, text, NULL);
}

al_status al_ctc_greedy_frames(const float *scores, int T, size_t stride, int C, const al_alphabet *a, char **text,
                               int **frames) {
    *text = NULL;
    if (frames) *frames = NULL;
    if (C != a->n) return al_error(AL_ERR_INVALID, "greedy: %d classes but the alphabet has %d labels", C, a->n);
    if (T < 0) return al_error(AL_ERR_INVALID, "greedy: %d frames", T);
    char *out = malloc((size_t)T + 1);
    int *at = frames ? malloc(sizeof(int) * ((size_t)T + 1)) : NULL;
    if (!out || (frames && !at)) {
        free(out);
        free(at);
        return al_error(AL_ERR_NOMEM, "greedy: out of memory");
    }
    int n = 0, prev = -1;
    for (int t = 0; t < T; t++) {
        const float *s = scores + (size_t)t * stride;
        int best = 0;
        for (int c = 0; c < C; c++) {
            /* NaN never wins a comparison: a diverged model would decode to plausible text */
            if (!isfinite(s[c])) {
                free(out);
                free(at);
                return al_error(AL_ERR_INVALID, "greedy: frame %d label %d: non-finite score", t, c);
            }
            if (s[c] > s[best]) best = c;
        }
        if (best != prev && best != a->blank) {
            char ch = a->labels[best];
            /* spaces: none leading, none doubled (a trailing one is removed below) */
            if (ch != ' ' || (n > 0 && out[n - 1] != ' ')) {
                if (at) at[n] = t;
                out[n++] = ch;
            }
        }
        prev = best;
    }
    if (n > 0 && out[n - 1] == ' ') n--;
    out[n] = 0;
    *text = out;
    if (frames) *frames = at;
    return AL_OK;
}
