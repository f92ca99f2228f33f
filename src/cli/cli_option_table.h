/* Option tables, the command line's half (the library's is train/option_table.h): from a group's
 * table, its getopt_long entries, the parser of its options (range checks and messages) and its
 * --help lines. */
#ifndef AL_CLI_OPTION_TABLE_H
#define AL_CLI_OPTION_TABLE_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "train/option_table.h"

/* out: the getopt_long entries of t's options (values t->code0 + row) followed by own's, up to and
 * including own's zero entry. out has room for t->n entries more than own has. */
void al_cli_table_longopts(const al_opt_table *t, const struct option *own, struct option *out);
/* Parses option c with value arg into base (the group's struct) and sets its bit in *given: 1 handled,
 * 0 not one of t's, -1 bad value (message "<cmd>: --<flag>: ..." printed). */
int al_cli_table_parse(const char *cmd, const al_opt_table *t, int c, const char *arg, void *base,
                       uint64_t *given);
/* The --help lines of t's options, in help_rank order, with the defaults read from defaults. */
void al_cli_table_usage(FILE *out, const al_opt_table *t, const void *defaults);

#endif
