/* sclite .trn export: "<text> (<id>)" lines, written atomically. */
#include "audiolottery/io.h"
#include "audiolottery/metrics.h"

#include <string.h>

/* Writes text with each run of whitespace as one space, trimmed. */
static void put_words(FILE *fp, const char *text) {
    int pending = 0, any = 0;
    for (const char *p = text; *p; p++) {
        if (strchr(" \t\r\n\v\f", *p)) {
            pending = any;
            continue;
        }
        if (pending) fputc(' ', fp);
        fputc(*p, fp);
        pending = 0;
        any = 1;
    }
    if (any) fputc(' ', fp);
}

al_status al_write_trn(const char *path, size_t n, const char *const *ids, const char *const *texts) {
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    for (size_t i = 0; i < n; i++) {
        if (!ids[i][0] || strpbrk(ids[i], " \t\r\n()")) {
            al_atomic_abort(&af);
            return al_error(AL_ERR_INVALID, "%s: utterance id '%s' cannot go into a .trn file (empty, or whitespace or "
                                            "parentheses in it)", path, ids[i]);
        }
        if (texts[i]) put_words(af.fp, texts[i]);
        fprintf(af.fp, "(%s)\n", ids[i]);
    }
    return al_atomic_commit(&af);
}
