/* The decoding options shared by eval, transcribe and tune-lm: greedy by default; --beam / --lm
 * select CTC prefix beam search (with the seed's LM weights alpha 1.97, beta 4.36 by default). */
#ifndef AL_CLI_DECODE_OPTIONS_H
#define AL_CLI_DECODE_OPTIONS_H

#include <getopt.h>
#include <stdio.h>

#include "audiolottery/beam.h"

#define AL_DECODE_LONGOPTS                                                                                 \
    {"beam", 1, 0, 2000}, {"lm", 1, 0, 2001}, {"alpha", 1, 0, 2002}, {"beta", 1, 0, 2003},                 \
        {"cutoff-top-n", 1, 0, 2004}, {"cutoff-prob", 1, 0, 2005}, {"vocab-only", 0, 0, 2006}

typedef struct {
    al_beam_opts opts;
    int beam;            /* 0: greedy */
    const char *lm_path; /* NULL: no LM */
    al_lm *lm;
    int beta_set; /* --beta given (else 0 without an LM) */
    char description[160];
} al_cli_decode;

void al_cli_decode_begin(al_cli_decode *d);
/* 1 handled, 0 not a decoding option, -1 bad value (message printed). */
int al_cli_decode_option(const char *cmd, int c, const char *arg, al_cli_decode *d);
/* Loads the LM (an LM without --beam means beam 100). */
al_status al_cli_decode_end(al_cli_decode *d);
/* NULL for greedy, else the beam options (LM attached). */
const al_beam_opts *al_cli_decode_opts(const al_cli_decode *d);
const char *al_cli_decode_describe(const al_cli_decode *d); /* "greedy" or "beam 100, LM x, alpha .." */
void al_cli_decode_free(al_cli_decode *d);
void al_cli_decode_usage(FILE *out);

#endif
