/* Sentence normalisation to the transcript alphabet (A-Z, apostrophe, space), numbers spelled out. */
#include "audiolottery/synth.h"

#include <ctype.h>
#include <string.h>

typedef struct {
    char *buf;
    size_t size, len;
    int words, overflow;
} writer;

static void put_word(writer *w, const char *word) {
    size_t n = strlen(word);
    if (!n) return;
    if (w->len + n + 2 > w->size) {
        w->overflow = 1;
        return;
    }
    if (w->len) w->buf[w->len++] = ' ';
    memcpy(w->buf + w->len, word, n);
    w->len += n;
    w->buf[w->len] = 0;
    w->words++;
}

static const char *ones[] = {"ZERO",    "ONE",     "TWO",       "THREE",    "FOUR",     "FIVE",    "SIX",
                             "SEVEN",   "EIGHT",   "NINE",      "TEN",      "ELEVEN",   "TWELVE",  "THIRTEEN",
                             "FOURTEEN", "FIFTEEN", "SIXTEEN",  "SEVENTEEN", "EIGHTEEN", "NINETEEN"};
static const char *tens[] = {"", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY"};

static void put_below_1000(writer *w, int n) {
    if (n >= 100) {
        put_word(w, ones[n / 100]);
        put_word(w, "HUNDRED");
        n %= 100;
        if (!n) return;
    }
    if (n >= 20) {
        put_word(w, tens[n / 10]);
        if (n % 10) put_word(w, ones[n % 10]);
    } else {
        put_word(w, ones[n]);
    }
}

static void put_number(writer *w, long n) {
    if (n == 0) {
        put_word(w, "ZERO");
        return;
    }
    if (n >= 1000) {
        put_below_1000(w, (int)(n / 1000));
        put_word(w, "THOUSAND");
        n %= 1000;
        if (!n) return;
    }
    put_below_1000(w, (int)n);
}

/* Characters that make a sentence unusable (code, formulas, addresses, markup). */
static int is_reject_char(unsigned char c) {
    return c >= 0x80 || strchr("@#$%/\\=<>_~|*+^`{}[]", c) != NULL || (c < 0x20 && c != '\t' && c != '\n' && c != '\r');
}

al_status al_synth_normalize(const char *in, char *out, size_t out_size, int *n_words) {
    writer w = {out, out_size, 0, 0, 0};
    if (out_size) out[0] = 0;
    if (n_words) *n_words = 0;
    const unsigned char *p = (const unsigned char *)in;
    while (*p) {
        unsigned char c = *p;
        if (c == 0xE2 && p[1] == 0x80 && p[2] && strchr("\x93\x94\x98\x99\x9c\x9d", p[2])) {
            p += 3; /* typographic dashes and quotes separate words */
            continue;
        }
        if (is_reject_char(c)) return AL_ERR_EMPTY;
        if (isalpha(c) || isdigit(c)) {
            char word[64];
            size_t n = 0;
            int upper = 0, digits = 0, letters = 0;
            while (*p) {
                if (isalnum(*p)) {
                    digits += isdigit(*p) != 0;
                    letters += isalpha(*p) != 0;
                    upper += isupper(*p) != 0;
                    if (n + 1 < sizeof word) word[n++] = (char)toupper(*p);
                    p++;
                } else if (*p == '\'' && isalpha(p[1]) && n && isalpha((unsigned char)word[n - 1])) {
                    if (n + 1 < sizeof word) word[n++] = '\'';
                    p++;
                } else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x99 && isalpha(p[3]) && n &&
                           isalpha((unsigned char)word[n - 1])) {
                    if (n + 1 < sizeof word) word[n++] = '\'';
                    p += 3;
                } else {
                    break;
                }
            }
            word[n] = 0;
            if (n + 1 >= sizeof word) return AL_ERR_EMPTY;
            if (digits && letters) return AL_ERR_EMPTY; /* 1st, 3D, MP3 */
            if (digits) {
                if (n > 6 || (*p == '.' && isdigit(p[1])) || (*p == ',' && isdigit(p[1]))) return AL_ERR_EMPTY;
                long v = 0;
                for (size_t i = 0; i < n; i++) v = 10 * v + (word[i] - '0');
                if (n > 1 && word[0] == '0') return AL_ERR_EMPTY; /* 007, phone numbers */
                put_number(&w, v);
                continue;
            }
            if (upper >= 2) return AL_ERR_EMPTY; /* acronyms and shouting are read letter by letter */
            put_word(&w, word);
            continue;
        }
        if (c == '&') put_word(&w, "AND");
        p++; /* spaces, hyphens and other punctuation separate words */
    }
    if (w.overflow || w.words == 0) return AL_ERR_EMPTY;
    if (n_words) *n_words = w.words;
    return AL_OK;
}
