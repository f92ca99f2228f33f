/* The model alphabet: single-byte labels, the blank's index, a byte -> index table. */
#include <string.h>

#include "audiolottery/data.h"

al_status al_alphabet_init(al_alphabet *a, const char *labels, int blank) {
    size_t n = strlen(labels);
    if (n < 2 || n > AL_ALPHABET_MAX)
        return al_error(AL_ERR_INVALID, "alphabet: %zu labels, need 2..%d", n, AL_ALPHABET_MAX);
    if (blank < 0 || (size_t)blank >= n)
        return al_error(AL_ERR_INVALID, "alphabet: blank index %d outside 0..%zu", blank, n - 1);
    memset(a, 0, sizeof *a);
    for (int i = 0; i < 256; i++) a->index[i] = -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)labels[i];
        /* Transcripts are UTF-8: a byte >= 0x80 is part of a multi-byte character that
         * normalisation never maps to a single label. */
        if (ch >= 0x80 || ch < 0x20)
            return al_error(AL_ERR_INVALID, "alphabet: label byte 0x%02x at %zu is not printable ASCII", ch, i);
        if (a->index[ch] >= 0) return al_error(AL_ERR_INVALID, "alphabet: label '%c' appears twice", ch);
        a->index[ch] = (int16_t)i;
        a->labels[i] = (char)ch;
    }
    a->n = (int)n;
    a->blank = blank;
    return AL_OK;
}

al_alphabet al_alphabet_default(void) {
    al_alphabet a;
    al_alphabet_init(&a, "_'ABCDEFGHIJKLMNOPQRSTUVWXYZ ", 0); /* valid by construction */
    return a;
}
