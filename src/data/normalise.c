/* Transcript normalisation to the model alphabet: uppercase (lowercase for an alphabet with
 * lowercase labels), one space between words, trimmed,
 * out-of-alphabet characters dropped or rejected. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/data.h"

static bool is_space(unsigned char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f'; }

/* Length of the UTF-8 sequence starting with lead byte ch (1 for ASCII and stray bytes). */
static size_t utf8_len(unsigned char ch) {
    if (ch >= 0xF0 && ch < 0xF8) return 4;
    if (ch >= 0xE0) return ch < 0xF0 ? 3 : 1;
    if (ch >= 0xC0) return 2;
    return 1;
}

al_status al_text_normalise(const al_alphabet *a, const char *raw, al_oov_policy oov, char **out) {
    *out = NULL;
    size_t n = strlen(raw);
    char *s = malloc(n + 1);
    if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
    int space_label = a->index[' '] >= 0 && a->index[' '] != a->blank;
    size_t k = 0;
    bool pending_space = false;
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)raw[i];
        if (is_space(ch)) {
            pending_space = k > 0;
            i++;
            continue;
        }
        size_t len = utf8_len(ch);
        for (size_t j = 1; j < len; j++)
            if (i + j >= n || ((unsigned char)raw[i + j] & 0xC0) != 0x80) len = 1;
        unsigned char up = ch >= 'a' && ch <= 'z' ? (unsigned char)(ch - 'a' + 'A') : ch;
        unsigned char low = ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
        int idx = len == 1 ? a->index[up] : -1;
        if (idx < 0 && len == 1) idx = a->index[low]; /* alphabets with lowercase labels */
        if (idx < 0 || idx == a->blank) {
            if (oov == AL_OOV_SKIP) {
                free(s);
                return al_error(AL_ERR_UNSUPPORTED, "character '%.*s' (byte 0x%02x at %zu) is not in the alphabet",
                                (int)len, raw + i, ch, i);
            }
            i += len;
            continue;
        }
        if (pending_space && space_label) s[k++] = ' ';
        pending_space = false;
        s[k++] = a->labels[idx];
        i += len;
    }
    s[k] = '\0';
    if (k == 0) {
        free(s);
        return al_error(AL_ERR_EMPTY, "transcript is empty after normalisation");
    }
    *out = s;
    return AL_OK;
}
