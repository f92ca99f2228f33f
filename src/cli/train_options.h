/* The training options shared by `train` and `lottery`: one table, one parser, one help text. */
#ifndef AL_CLI_TRAIN_OPTIONS_H
#define AL_CLI_TRAIN_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "audiolottery/train.h"

/* getopt_long entries (values >= 1000 so commands can add their own single letters) */
#define AL_TRAIN_LONGOPTS                                                                                  \
    {"train", 1, 0, 1000}, {"dev", 1, 0, 1001}, {"model", 1, 0, 1002}, {"epochs", 1, 0, 1003},             \
        {"batch-size", 1, 0, 1004}, {"optimizer", 1, 0, 1005}, {"lr", 1, 0, 1006},                         \
        {"weight-decay", 1, 0, 1007}, {"momentum", 1, 0, 1008}, {"anneal", 1, 0, 1009}, {"clip", 1, 0, 1010}, \
        {"seed", 1, 0, 1011}, {"threads", 1, 0, 1012}, {"min-duration", 1, 0, 1013},                       \
        {"max-duration", 1, 0, 1014}, {"spec-augment", 0, 0, 1015}, {"checkpoint-every", 1, 0, 1016},       \
        {"quiet", 0, 0, 1017}, {"dense-train", 0, 0, 1018}, {"select-by", 1, 0, 1019}

/* Parser state between options (the optimiser's defaults depend on --optimizer). */
typedef struct {
    double lr, weight_decay, momentum;
    int optimizer_set;
} al_cli_train_state;

void al_cli_train_begin(const al_train_opts *o, al_cli_train_state *s);
/* Handles option c (an AL_TRAIN_LONGOPTS value): 1 handled, 0 not one of them, -1 bad value
 * (message printed). */
int al_cli_train_option(const char *cmd, int c, const char *arg, al_train_opts *o, al_cli_train_state *s);
/* Settles the optimiser options; call after the last option. */
void al_cli_train_end(al_train_opts *o, const al_cli_train_state *s);
/* The help lines of the shared options with their defaults. */
void al_cli_train_usage(FILE *out, const al_train_opts *d);

#endif
