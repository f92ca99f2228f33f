/* Decoding options of eval, transcribe and tune-lm (see decode_options.h). */
#include "cli/decode_options.h"

#include <string.h>

#include "cli/cli_option_table.h"

#define DEFAULT_BEAM 100 /* with --lm and no --beam (as --beam's help says) */

static const char *cutoff_prob_above_zero(al_opt_value v) { return v.d > 0 ? NULL : "must be > 0 (1: no cutoff)"; }

static const al_opt rows[] = {AL_DECODE_OPTIONS(AL_OPT_ROW)};
/* getopt values from 2000: apart from the training options' */
static const al_opt_table table = {rows, AL_DECODE_OPT_COUNT, .code0 = 2000, .help_width = 20};

void al_cli_decode_longopts(const struct option *own, struct option *out) { al_cli_table_longopts(&table, own, out); }

void al_cli_decode_begin(al_cli_decode *d) {
    memset(d, 0, sizeof *d);
    d->opts = al_beam_defaults();
    al_opt_table_defaults(&table, d); /* alpha and beta */
}

int al_cli_decode_option(const char *cmd, int c, const char *arg, al_cli_decode *d) {
    return al_cli_table_parse(cmd, &table, c, arg, d, &d->given);
}

al_status al_cli_decode_end(al_cli_decode *d) {
    if (d->lm_path && !d->beam) d->beam = DEFAULT_BEAM;
    d->opts.beam_width = d->beam;
    if (d->lm_path) {
        double t0 = al_time_now();
        al_status st = al_lm_load(d->lm_path, NULL, &d->lm);
        if (st != AL_OK) return st;
        al_log(AL_LOG_INFO, "LM %s: order %d, %d words, %.1f MB, loaded in %.2f s", d->lm_path, al_lm_order(d->lm),
               al_lm_vocab_size(d->lm), al_lm_bytes(d->lm) / 1e6, al_time_now() - t0);
        d->opts.lm = d->lm;
    } else {
        d->opts.alpha = 0;
        if (!(d->given & AL_OPT_BIT(AL_DECODE_OPT_BETA))) d->opts.beta = 0;
    }
    if (!d->beam) snprintf(d->description, sizeof d->description, "greedy");
    else if (!d->lm) snprintf(d->description, sizeof d->description, "beam %d, no LM, beta %g", d->beam, d->opts.beta);
    else
        snprintf(d->description, sizeof d->description, "beam %d, LM, alpha %g, beta %g%s", d->beam, d->opts.alpha,
                 d->opts.beta, d->opts.vocab_only ? ", vocabulary words only" : "");
    return AL_OK;
}

const al_beam_opts *al_cli_decode_opts(const al_cli_decode *d) { return d->beam ? &d->opts : NULL; }
const char *al_cli_decode_describe(const al_cli_decode *d) { return d->description; }

void al_cli_decode_free(al_cli_decode *d) {
    al_lm_free(d->lm);
    d->lm = NULL;
}

void al_cli_decode_usage(FILE *out) {
    al_cli_decode defaults;
    al_cli_decode_begin(&defaults);
    fprintf(out, "decoding (default: greedy):\n");
    al_cli_table_usage(out, &table, &defaults);
}
