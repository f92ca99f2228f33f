/* audiolottery corpus: load a corpus of any supported layout and print its summary and the
 * entries that were skipped. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/corpus_plan.h"

#define FIRST_SKIPS 5

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery corpus PATH [options]\n\n"
            "Reads a corpus (a directory or a manifest file) and prints a summary: the type, utterances,\n"
            "hours, speakers, durations and the entries skipped, by reason, named by file:line.\n"
            "Exits 0 when at least one utterance loaded.\n\n"
            "options:\n"
            "  --type T            auto|librispeech|nemo|csv|commonvoice|tedlium|kaldi (default: auto)\n"
            "  --split NAME        Common Voice: NAME.tsv (default: train); LibriSpeech parent dir: only\n"
            "                      splits whose name starts with NAME (default: all); other layouts:\n"
            "                      PATH/NAME when PATH itself is not a corpus (default: none)\n"
            "  --min-duration S    skip utterances shorter than S seconds (default: 0, no limit)\n"
            "  --max-duration S    skip utterances longer than S seconds (default: 0, no limit)\n"
            "  --oov drop|skip     characters outside the alphabet: drop them or skip the utterance\n"
            "                      (default: drop)\n"
            "  --list-skipped      list every skipped entry (default: the first %d)\n"
            "  --plan FILE         also write the utterances and the batch order of --epochs epochs as\n"
            "                      JSON (the batches 'audiolottery train' uses with the same --batch-size\n"
            "                      and --seed), for reference implementations\n"
            "  --epochs N          epochs in the plan (default: 1)\n"
            "  --batch-size N      batch size of the plan (default: 32)\n"
            "  --seed N            seed of the plan (default: 1)\n"
            "  -h, --help          this help\n",
            FIRST_SKIPS);
}


static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void print_durations(const al_corpus *c) {
    double *d = malloc(c->n * sizeof *d);
    if (!d) return;
    for (size_t i = 0; i < c->n; i++) d[i] = c->utts[i].duration;
    qsort(d, c->n, sizeof *d, cmp_double);
    double med = c->n % 2 ? d[c->n / 2] : 0.5 * (d[c->n / 2 - 1] + d[c->n / 2]);
    printf("durations:   min %.2f s, median %.2f s, max %.2f s\n", d[0], med, d[c->n - 1]);
    free(d);
}

static void print_summary(const al_corpus *c, int list_all) {
    double sec = al_corpus_seconds(c);
    printf("corpus:      %s\n", c->root);
    printf("type:        %s\n", al_corpus_type_name(c->type));
    printf("utterances:  %zu\n", c->n);
    printf("hours:       %.4f (%.1f s)\n", sec / 3600.0, sec);
    printf("speakers:    %zu\n", al_corpus_speakers(c));
    if (c->n) print_durations(c);
    printf("skipped:     %zu\n", c->n_skips);
    for (int r = 0; r < AL_SKIP_N; r++)
        if (c->skip_count[r]) printf("  %-34s %zu\n", al_skip_reason_str((al_skip_reason)r), c->skip_count[r]);
    size_t show = list_all || c->n_skips < FIRST_SKIPS ? c->n_skips : FIRST_SKIPS;
    if (show) printf("%s skipped entries:\n", show < c->n_skips ? "first" : "all");
    for (size_t i = 0; i < show; i++) printf("  %s\n", c->skips[i].detail);
    if (show < c->n_skips) printf("  ... %zu more (--list-skipped lists all)\n", c->n_skips - show);
}

int al_cmd_corpus(int argc, char **argv) {
    static const struct option longopts[] = {
        {"type", required_argument, NULL, 't'},         {"split", required_argument, NULL, 's'},
        {"min-duration", required_argument, NULL, 'm'}, {"max-duration", required_argument, NULL, 'M'},
        {"oov", required_argument, NULL, 'o'},          {"list-skipped", no_argument, NULL, 'l'},
        {"plan", required_argument, NULL, 'p'},         {"epochs", required_argument, NULL, 'e'},
        {"batch-size", required_argument, NULL, 'b'},   {"seed", required_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},               {NULL, 0, NULL, 0}};
    const char *plan = NULL;
    int64_t plan_epochs = 1, plan_batch = 32, plan_seed = 1;
    al_corpus_opts o = al_corpus_defaults();
    int list_all = 0, ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 't':
            if (al_corpus_type_parse(optarg, &o.type) != AL_OK) {
                fprintf(stderr, "corpus: %s\n", al_last_error());
                return 2;
            }
            break;
        case 's': o.split = optarg; break;
        case 'm':
            if (al_cli_double("corpus", "--min-duration", optarg, 0, 1e6, &o.min_duration)) return 2;
            break;
        case 'M':
            if (al_cli_double("corpus", "--max-duration", optarg, 0, 1e6, &o.max_duration)) return 2;
            break;
        case 'o':
            if (!strcmp(optarg, "drop")) o.oov = AL_OOV_DROP;
            else if (!strcmp(optarg, "skip")) o.oov = AL_OOV_SKIP;
            else {
                fprintf(stderr, "corpus: --oov takes drop or skip, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'l': list_all = 1; break;
        case 'p': plan = optarg; break;
        case 'e':
            if (al_cli_int("corpus", "--epochs", optarg, 1, 100000, &plan_epochs)) return 2;
            break;
        case 'b':
            if (al_cli_int("corpus", "--batch-size", optarg, 1, 100000, &plan_batch)) return 2;
            break;
        case 'S':
            if (al_cli_int("corpus", "--seed", optarg, 0, INT64_MAX, &plan_seed)) return 2;
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "corpus: expected one PATH\n\n");
        usage(stderr);
        return 2;
    }
    double t0 = al_time_now();
    al_corpus *c;
    if (al_corpus_load(argv[optind], &o, &c) != AL_OK) {
        fprintf(stderr, "corpus: %s\n", al_last_error());
        return 1;
    }
    print_summary(c, list_all);
    printf("load time:   %.3f s\n", al_time_now() - t0);
    int rc = c->n > 0 ? 0 : 1;
    if (rc == 0 && plan && al_write_batch_plan(plan, c, (int)plan_epochs, (int)plan_batch, (uint64_t)plan_seed) != AL_OK) {
        fprintf(stderr, "corpus: %s\n", al_last_error());
        rc = 1;
    }
    if (!c->n) fprintf(stderr, "corpus: no utterances loaded from %s\n", argv[optind]);
    al_corpus_free(c);
    return rc;
}
