/* Bounded text building (al_text, see core.h): config JSON and report lines whose parts come from
 * the user (paths, tensor names) and so have no length known in advance. */
#include "audiolottery/core.h"

#include <stdarg.h>
#include <stdio.h>

void al_text_init(al_text *t, char *buf, size_t cap) {
    t->buf = buf;
    t->cap = cap;
    t->len = 0;
    t->overflow = 0;
    buf[0] = '\0';
}

void al_text_printf(al_text *t, const char *fmt, ...) {
    size_t room = t->cap - t->len;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->buf + t->len, room, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= room) {
        t->overflow = 1;
        t->len = t->cap - 1; /* vsnprintf wrote what fits and the NUL */
    } else {
        t->len += (size_t)k;
    }
}

void al_text_json_string(al_text *t, const char *s) {
    al_text_printf(t, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c && !t->overflow; c++) {
        if (*c == '"' || *c == '\\') al_text_printf(t, "\\%c", *c);
        else if (*c < 0x20) al_text_printf(t, "\\u%04x", *c);
        else al_text_printf(t, "%c", *c);
    }
    al_text_printf(t, "\"");
}

size_t al_utf8_sequence(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0) return 0;
    if (p[0] < 0x80) return 1;
    size_t len = p[0] >= 0xC2 && p[0] <= 0xDF   ? 2
                 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
                 : p[0] >= 0xF0 && p[0] <= 0xF4 ? 4
                                                : 0;
    if (!len || len > n) return 0;
    unsigned char lo = p[0] == 0xE0 ? 0xA0 : p[0] == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = p[0] == 0xED ? 0x9F : p[0] == 0xF4 ? 0x8F : 0xBF;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if (p[k] < 0x80 || p[k] > 0xBF) return 0;
    return len;
}

int al_utf8_valid(const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t len = al_utf8_sequence(s + i, n - i);
        if (!len) return 0;
        i += len;
    }
    return 1;
}
