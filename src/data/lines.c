/* Reading a text file line by line (whole file in memory, a UTF-8 BOM dropped; "\n" or "\r\n" endings). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"
#include "data/data_internal.h"

al_status al_lines_open(al_lines *l, const char *path) {
    memset(l, 0, sizeof *l);
    al_status st = al_read_text_file(path, &l->buf);
    if (st != AL_OK) return st;
    l->next = l->buf;
    return AL_OK;
}

char *al_lines_next(al_lines *l) {
    if (!l->next || !*l->next) return NULL;
    char *s = l->next, *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        l->next = nl + 1;
    } else {
        l->next = NULL;
    }
    size_t n = strlen(s);
    if (n && s[n - 1] == '\r') s[n - 1] = '\0';
    l->line++;
    return s;
}

void al_lines_close(al_lines *l) {
    free(l->buf);
    memset(l, 0, sizeof *l);
}

char *al_trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

al_status al_read_manifest_lines(al_corpus *c, const char *manifest, al_manifest_entry_fn entry) {
    const char *src = al_data_source(c, manifest);
    char *dir = al_path_dir(manifest);
    if (!src || !dir) {
        free(dir);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    al_lines l;
    al_status st = al_lines_open(&l, manifest);
    char *s;
    while (st == AL_OK && (s = al_lines_next(&l))) {
        s = al_trim(s);
        if (*s) st = entry(c, src, dir, l.line, s);
    }
    al_lines_close(&l);
    free(dir);
    return st;
}
