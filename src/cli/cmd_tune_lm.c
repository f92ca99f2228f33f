/* audiolottery tune-lm: grid search of the LM weight alpha and word bonus beta on a dev corpus.
 * The model runs once; every grid point only decodes (beam search) and scores. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/train.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/decode_options.h"
#include "cli/model_inputs.h"

#define MAX_GRID 64

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery tune-lm --checkpoint FILE --corpus DEV --lm FILE [options]\n\n"
            "Decodes DEV with beam search for every (alpha, beta) pair of the grids and prints the WER grid,\n"
            "the greedy WER and the best pair (tune on dev, never on test).\n\n"
            "options (default):\n"
            "  --checkpoint FILE   model (required)\n"
            "  --corpus CORPUS     dev corpus (required)\n"
            "  --alpha-grid LIST   comma-separated alphas (0,0.5,1,1.5,2,2.5,3)\n"
            "  --beta-grid LIST    comma-separated betas (0,1,2,3,4,5)\n"
            "  --batch-size N      model batch size (16)\n"
            "  --threads N         OpenMP threads (all cores: %d)\n",
            al_threads());
    al_cli_decode_usage(out);
    fprintf(out, "  -h, --help          this help\n");
}

/* Comma-separated values in lo..100 (alphas are LM weights, >= 0 as the beam search requires). */
static int parse_grid(const char *opt, const char *s, double lo, double *v, int *n) {
    *n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*n == MAX_GRID || al_cli_double("tune-lm", opt, tok, lo, 100, &v[*n])) {
            if (*n == MAX_GRID) fprintf(stderr, "tune-lm: %s: at most %d values\n", opt, MAX_GRID);
            free(copy);
            return 1;
        }
        (*n)++;
    }
    free(copy);
    if (*n == 0) fprintf(stderr, "tune-lm: %s: no values\n", opt);
    return *n == 0;
}

int al_cmd_tune_lm(int argc, char **argv) {
    static const struct option own[] = {{"checkpoint", 1, 0, 'c'}, {"corpus", 1, 0, 'k'}, {"alpha-grid", 1, 0, 'A'},
                                        {"beta-grid", 1, 0, 'B'}, {"batch-size", 1, 0, 'b'}, {"threads", 1, 0, 'j'},
                                        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    struct option longopts[AL_CLI_DECODE_LONGOPTS + sizeof own / sizeof *own];
    al_cli_decode_longopts(own, longopts);
    const char *ckpt = NULL, *corpus_path = NULL;
    double alphas[MAX_GRID] = {0, 0.5, 1, 1.5, 2, 2.5, 3}, betas[MAX_GRID] = {0, 1, 2, 3, 4, 5};
    int n_alpha = 7, n_beta = 6;
    int64_t batch = 16, v;
    al_cli_decode dec;
    al_cli_decode_begin(&dec);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int handled = al_cli_decode_option("tune-lm", c, optarg, &dec);
        if (handled < 0) return 2;
        if (handled) continue;
        int bad = 0;
        switch (c) {
        case 'c': ckpt = optarg; break;
        case 'k': corpus_path = optarg; break;
        case 'A': bad = parse_grid("--alpha-grid", optarg, 0, alphas, &n_alpha); break;
        case 'B': bad = parse_grid("--beta-grid", optarg, -100, betas, &n_beta); break;
        case 'b': bad = al_cli_int("tune-lm", "--batch-size", optarg, 1, 4096, &batch); break;
        case 'j': bad = al_cli_int("tune-lm", "--threads", optarg, 1, 1024, &v); al_set_threads((int)v); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (bad) return 2;
    }
    if (!ckpt || !corpus_path || !dec.lm_path || optind < argc) {
        fprintf(stderr, "tune-lm: --checkpoint, --corpus and --lm are required (see --help)\n");
        return 2;
    }
    al_corpus *corpus = NULL;
    al_model *m = NULL;
    al_model_state *ms = NULL;
    al_utt_logits *l = NULL;
    al_alphabet a = al_alphabet_default();
    al_status st = al_cli_decode_end(&dec);
    if (st == AL_OK) st = al_cli_open_corpus_and_model(corpus_path, 0, ckpt, (int)batch, &corpus, &m, &ms);
    if (st == AL_OK) st = al_corpus_logits(ms, corpus, &a, (int)batch, &l);
    int C = m ? al_model_classes(m) : 0;
    al_eval_result r;
    if (st == AL_OK && al_units_is_bpe(al_model_output_units(m)))
        st = al_error(AL_ERR_UNSUPPORTED, "tune-lm: the LM needs character units; the model has %s",
                      al_units_name(al_model_output_units(m)));
    if (st == AL_OK) st = al_decode_and_score(l, corpus, C, &a, NULL, NULL, &r, NULL);
    if (st == AL_OK) printf("greedy: WER %.2f CER %.2f\n\n", al_error_rate(&r.words), al_error_rate(&r.chars));
    double best = INFINITY, best_alpha = 0, best_beta = 0;
    if (st == AL_OK) {
        printf("WER (%s; rows alpha, columns beta)\n%8s", al_cli_decode_describe(&dec), "");
        for (int j = 0; j < n_beta; j++) printf(" %7g", betas[j]);
        printf("\n");
    }
    for (int i = 0; i < n_alpha && st == AL_OK; i++) {
        printf("%8g", alphas[i]);
        for (int j = 0; j < n_beta && st == AL_OK; j++) {
            al_beam_opts o = dec.opts;
            o.alpha = (float)alphas[i];
            o.beta = (float)betas[j];
            st = al_decode_and_score(l, corpus, C, &a, NULL, &o, &r, NULL);
            double wer = al_error_rate(&r.words);
            if (st == AL_OK) printf(" %7.2f", wer);
            fflush(stdout);
            if (st == AL_OK && wer < best) best = wer, best_alpha = alphas[i], best_beta = betas[j];
        }
        printf("\n");
    }
    if (st == AL_OK) printf("\nbest: alpha %g, beta %g: WER %.2f\n", best_alpha, best_beta, best);
    else fprintf(stderr, "tune-lm: %s\n", al_last_error());
    if (corpus) al_utt_logits_free(l, corpus->n);
    al_cli_decode_free(&dec);
    al_model_state_free(ms);
    al_model_free(m);
    al_corpus_free(corpus);
    return st == AL_OK ? 0 : 1;
}
