/* Tensor names for input files; see input_names.h. */
#include "cli/input_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Basename without extension, or (whole) the path without extension with '/' replaced by '_'. */
static char *tensor_name(const char *path, int whole) {
    const char *base = whole ? path : strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char *name = strdup(base);
    if (!name) return NULL;
    char *slash = strrchr(name, '/');
    char *dot = strrchr(name, '.');
    if (dot && dot > (slash ? slash + 1 : name)) *dot = '\0';
    for (char *c = name; *c; c++)
        if (*c == '/') *c = '_';
    return name;
}

static void free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

char **al_cli_input_names(const char *cmd, char **inputs, int n) {
    char **names = calloc(n ? n : 1, sizeof *names);
    if (!names) goto nomem;
    for (int i = 0; i < n; i++)
        if (!(names[i] = n == 1 ? strdup("features") : tensor_name(inputs[i], 0))) goto nomem;
    /* Inputs whose basenames collide are named after their whole path (decided before renaming). */
    char *collides = calloc(n ? n : 1, 1);
    if (!collides) goto nomem;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) collides[i] |= j != i && !strcmp(names[i], names[j]);
    for (int i = 0; i < n; i++) {
        if (!collides[i]) continue;
        char *whole = tensor_name(inputs[i], 1);
        if (!whole) {
            free(collides);
            goto nomem;
        }
        free(names[i]);
        names[i] = whole;
    }
    free(collides);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (!strcmp(names[i], names[j])) {
                fprintf(stderr, "%s: inputs '%s' and '%s' would both be stored as '%s'\n", cmd, inputs[i], inputs[j],
                        names[i]);
                free_names(names, n);
                return NULL;
            }
    return names;
nomem:
    fprintf(stderr, "%s: out of memory\n", cmd);
    if (names) free_names(names, n);
    return NULL;
}
