/* audiolottery train: train a model of any family with CTC; resumable run directory. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/train.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/train_options.h"

static void usage(FILE *out, const al_train_opts *d) {
    fprintf(out,
            "usage: audiolottery train --train CORPUS --dev CORPUS [options]\n\n"
            "Trains a model with CTC, by default with its family's recipe (DeepSpeech2: the seed paper's; Conformer:\n"
            "Adam + Noam, --model conformer-small --help shows it). The run directory gets\n"
            "config.json, metrics.csv (per epoch: train loss, greedy dev WER/CER, lr), last.safetensors and\n"
            "best.safetensors (lowest dev WER, or CER with --select-by cer). Running the same command again\n"
            "resumes from last.safetensors and ends bit-identical to an uninterrupted run.\n\n"
            "options (default):\n"
            "  --out DIR               run directory (runs/train)\n");
    al_cli_train_usage(out, d);
    fprintf(out, "  --stop-after-steps N    stop after N batches as if killed (for testing resume)\n"
                 "  -h, --help              this help\n");
}

int al_cmd_train(int argc, char **argv) {
    al_train_opts o = al_train_defaults_for(al_cli_model_arg(argc, argv)); /* the family's recipe */
    const al_train_opts defaults = o;
    o.out_dir = "runs/train";
    static const struct option own[] = {
        {"out", 1, 0, 'o'}, {"stop-after-steps", 1, 0, 'S'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    struct option longopts[AL_CLI_TRAIN_LONGOPTS + sizeof own / sizeof *own];
    al_cli_train_longopts(own, longopts);
    al_cli_train_state ts;
    al_cli_train_begin(&o, &ts);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int handled = al_cli_train_option("train", c, optarg, &o, &ts);
        if (handled < 0) return 2;
        if (handled) continue;
        switch (c) {
        case 'o': o.out_dir = optarg; break;
        case 'S':
            if (al_cli_int("train", "--stop-after-steps", optarg, 1, INT64_MAX, &o.stop_after_steps)) return 2;
            break;
        case 'h': usage(stdout, &defaults); return 0;
        default: usage(stderr, &defaults); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "train: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!o.train_path) {
        fprintf(stderr, "train: --train CORPUS is required (see --help)\n");
        return 2;
    }
    al_cli_train_end(&o, &ts);
    if (!o.dev_path) al_log(AL_LOG_WARN, "no --dev corpus: no model selection, best.safetensors is not written");
    if (al_train(&o, NULL) != AL_OK) {
        fprintf(stderr, "train: %s\n", al_last_error());
        return 1;
    }
    return 0;
}
