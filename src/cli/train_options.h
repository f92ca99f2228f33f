/* The training options shared by `train` and `lottery`, from their one table (train/train_option_list.h):
 * getopt entries, parser and help text. */
#ifndef AL_CLI_TRAIN_OPTIONS_H
#define AL_CLI_TRAIN_OPTIONS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "audiolottery/train.h"
#include "train/train_option_list.h"

/* Room for the training options' getopt entries: a command's array is
 *   struct option longopts[AL_CLI_TRAIN_LONGOPTS + sizeof own / sizeof *own]; */
#define AL_CLI_TRAIN_LONGOPTS AL_TRAIN_OPT_COUNT

/* Parser state between options (the optimiser's defaults depend on --optimizer). */
typedef struct {
    al_optim_opts optim0; /* the optimiser settings before any option */
    uint64_t given;       /* the options given: AL_OPT_BIT(AL_TRAIN_OPT_<row>) */
} al_cli_train_state;

/* out: the training options' getopt entries, then the command's own (up to their zero entry). */
void al_cli_train_longopts(const struct option *own, struct option *out);
void al_cli_train_begin(const al_train_opts *o, al_cli_train_state *s);
/* Handles option c (a value of al_cli_train_longopts): 1 handled, 0 not one of them, -1 bad value
 * (message printed). */
int al_cli_train_option(const char *cmd, int c, const char *arg, al_train_opts *o, al_cli_train_state *s);
/* Settles the optimiser options; call after the last option. */
void al_cli_train_end(al_train_opts *o, const al_cli_train_state *s);
/* The preset given with --model (as "--model X" or "--model=X") in argv, or NULL. Its family's
 * training recipe gives the defaults of the other options (al_train_defaults_for), so it is read
 * before them. */
const char *al_cli_model_arg(int argc, char **argv);

/* The help lines of the shared options with their defaults. */
void al_cli_train_usage(FILE *out, const al_train_opts *d);

#endif
