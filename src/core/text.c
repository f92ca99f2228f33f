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
