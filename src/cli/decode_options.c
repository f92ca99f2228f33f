/* Decoding options of eval, transcribe and tune-lm (see decode_options.h). */
#include "cli/decode_options.h"

#include <string.h>

#include "cli/cli_args.h"

/* the seed paper's ctcdecode + KenLM weights */
#define SEED_ALPHA 1.97
#define SEED_BETA 4.36
#define DEFAULT_BEAM 100

void al_cli_decode_begin(al_cli_decode *d) {
    memset(d, 0, sizeof *d);
    d->opts = al_beam_defaults();
    d->opts.alpha = (float)SEED_ALPHA;
    d->opts.beta = (float)SEED_BETA;
}

int al_cli_decode_option(const char *cmd, int c, const char *arg, al_cli_decode *d) {
    int64_t v;
    double x;
    int bad = 0;
    switch (c) {
    case 2000: bad = al_cli_int(cmd, "--beam", arg, 1, 100000, &v); d->beam = (int)v; break;
    case 2001: d->lm_path = arg; break;
    case 2002: bad = al_cli_double(cmd, "--alpha", arg, 0, 100, &x); d->opts.alpha = (float)x; break;
    case 2003:
        bad = al_cli_double(cmd, "--beta", arg, -100, 100, &x);
        d->opts.beta = (float)x;
        d->beta_set = 1;
        break;
    case 2004: bad = al_cli_int(cmd, "--cutoff-top-n", arg, 0, 100000, &v); d->opts.cutoff_top_n = (int)v; break;
    case 2005:
        bad = al_cli_double(cmd, "--cutoff-prob", arg, 0, 1, &x);
        if (!bad && x <= 0) {
            fprintf(stderr, "%s: --cutoff-prob: must be > 0 (1: no cutoff)\n", cmd);
            bad = 1;
        }
        d->opts.cutoff_prob = (float)x;
        break;
    case 2006: d->opts.vocab_only = 1; break;
    default: return 0;
    }
    return bad ? -1 : 1;
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
        if (!d->beta_set) d->opts.beta = 0;
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
    fprintf(out,
            "decoding (default: greedy):\n"
            "  --beam N            CTC prefix beam search with N prefixes (100 when --lm is given)\n"
            "  --lm FILE           word n-gram LM, ARPA (plain or .gz); words are upper-cased\n"
            "  --alpha X           LM weight (%g, the seed's)\n"
            "  --beta X            word insertion bonus (%g with an LM, the seed's; 0 without)\n"
            "  --cutoff-top-n N    extend only the N most probable labels per frame (40)\n"
            "  --cutoff-prob P     ... and only those within cumulative probability P (1.0: no cutoff)\n"
            "  --vocab-only        build only words of the LM's vocabulary (ctcdecode's behaviour)\n",
            SEED_ALPHA, SEED_BETA);
}
