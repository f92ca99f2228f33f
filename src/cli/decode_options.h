/* The decoding options shared by eval, transcribe and tune-lm: greedy by default; --beam / --lm
 * select CTC prefix beam search (with the seed's LM weights alpha 1.97, beta 4.36 by default).
 * They are one option table (see train/option_table.h): adding an option is adding its field to
 * al_cli_decode and a row to AL_DECODE_OPTIONS, whose order is that of getopt and --help. */
#ifndef AL_CLI_DECODE_OPTIONS_H
#define AL_CLI_DECODE_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audiolottery/beam.h"
#include "train/option_table.h"

typedef struct {
    al_beam_opts opts;
    int beam;            /* 0: greedy */
    const char *lm_path; /* NULL: no LM */
    al_lm *lm;
    uint64_t given;      /* the options given: AL_OPT_BIT(AL_DECODE_OPT_<row>) (--beta: else 0 without an LM) */
    char description[160];
} al_cli_decode;

#define AL_DECODE_AT(field) .at = offsetof(al_cli_decode, field)

/* X(row, flag, meta, kind, the rest of al_opt by name); alpha and beta default to the seed paper's
 * ctcdecode + KenLM weights; cutoff_prob_above_zero is in decode_options.c. */
#define AL_DECODE_OPTIONS(X)                                                                                          \
    X(BEAM,         "beam",         "N",    INT,    AL_DECODE_AT(beam), .lo.i = 1, .hi.i = 100000,                    \
      .help = "CTC prefix beam search with N prefixes (100 when --lm is given)")                                      \
    X(LM,           "lm",           "FILE", STRING, AL_DECODE_AT(lm_path),                                            \
      .help = "word n-gram LM, ARPA (plain or .gz); words are upper-cased")                                           \
    X(ALPHA,        "alpha",        "X",    FLOAT,  AL_DECODE_AT(opts.alpha), .def.d = 1.97, .lo.d = 0, .hi.d = 100,  \
      .help = "LM weight ({}, the seed's)")                                                                           \
    X(BETA,         "beta",         "X",    FLOAT,  AL_DECODE_AT(opts.beta), .def.d = 4.36, .lo.d = -100,             \
      .hi.d = 100, .help = "word insertion bonus ({} with an LM, the seed's; 0 without)")                             \
    X(CUTOFF_TOP_N, "cutoff-top-n", "N",    INT,    AL_DECODE_AT(opts.cutoff_top_n), .lo.i = 0, .hi.i = 100000,       \
      .help = "extend only the N most probable labels per frame ({})")                                                \
    X(CUTOFF_PROB,  "cutoff-prob",  "P",    FLOAT,  AL_DECODE_AT(opts.cutoff_prob), .lo.d = 0, .hi.d = 1,             \
      .check = cutoff_prob_above_zero,                                                                                \
      .help = "... and only those within cumulative probability P (1.0: no cutoff)")                                  \
    X(VOCAB_ONLY,   "vocab-only",   NULL,   FLAG,   AL_DECODE_AT(opts.vocab_only),                                    \
      .help = "build only words of the LM's vocabulary (ctcdecode's behaviour)")

#define AL_DECODE_OPT_ROW_ID(row, ...) AL_DECODE_OPT_##row,
typedef enum { AL_DECODE_OPTIONS(AL_DECODE_OPT_ROW_ID) AL_DECODE_OPT_COUNT } al_decode_opt_row;
#undef AL_DECODE_OPT_ROW_ID
_Static_assert(AL_DECODE_OPT_COUNT <= 64, "the mask of given options (AL_OPT_BIT) has 64 bits");

/* Room for the decoding options' getopt entries: a command's array is
 *   struct option longopts[AL_CLI_DECODE_LONGOPTS + sizeof own / sizeof *own]; */
#define AL_CLI_DECODE_LONGOPTS AL_DECODE_OPT_COUNT

/* out: the decoding options' getopt entries, then the command's own (up to their zero entry). */
void al_cli_decode_longopts(const struct option *own, struct option *out);
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
