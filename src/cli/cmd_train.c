/* audiolottery train: train a DeepSpeech2 model with CTC; resumable run directory. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/train.h"
#include "cli/cli_args.h"
#include "cli/commands.h"

static void usage(FILE *out, const al_train_opts *d) {
    fprintf(out,
            "usage: audiolottery train --train CORPUS --dev CORPUS [options]\n\n"
            "Trains a DeepSpeech2 CNN-LSTM with CTC (the seed paper's recipe by default). CORPUS is any layout\n"
            "'audiolottery corpus' reads. The run directory gets config.json, metrics.csv (per epoch: train loss,\n"
            "greedy dev WER/CER, lr), last.safetensors and best.safetensors (lowest dev WER). Running the same\n"
            "command again resumes from last.safetensors and ends bit-identical to an uninterrupted run.\n\n"
            "options (default):\n"
            "  --train CORPUS          training corpus (required)\n"
            "  --dev CORPUS            dev corpus for model selection (recommended; never the test set)\n"
            "  --out DIR               run directory (runs/train)\n"
            "  --model PRESET          %s (%s)\n"
            "  --epochs N              %d\n"
            "  --batch-size N          %d\n"
            "  --optimizer NAME        adamw | sgd (adamw)\n"
            "  --lr X                  learning rate (%g)\n"
            "  --weight-decay X        %g (AdamW: decoupled)\n"
            "  --momentum X            SGD Nesterov momentum (0.9)\n"
            "  --anneal X              divide the lr by X after every epoch (%g)\n"
            "  --clip X                global gradient-norm clipping (%g)\n"
            "  --seed N                %llu\n"
            "  --threads N             OpenMP threads (all cores: %d)\n"
            "  --min-duration S        skip shorter utterances (%g: none)\n"
            "  --max-duration S        skip longer utterances (%g)\n"
            "  --spec-augment          SpecAugment: 1 frequency mask <= 27 bins, 1 time mask <= 70 frames (off)\n"
            "  --checkpoint-every N    write last.safetensors every N batches (%d)\n"
            "  --stop-after-steps N    stop after N batches as if killed (for testing resume)\n"
            "  --quiet                 no progress bar\n"
            "  -h, --help              this help\n",
            d->model, al_ds2_preset_names(), d->epochs, d->batch_size, d->optim.lr, d->optim.weight_decay, d->anneal,
            d->clip, (unsigned long long)d->seed, al_threads(), d->min_duration, d->max_duration,
            d->checkpoint_every);
}

int al_cmd_train(int argc, char **argv) {
    al_train_opts o = al_train_defaults();
    const al_train_opts defaults = o;
    o.out_dir = "runs/train";
    static const struct option longopts[] = {
        {"train", 1, 0, 't'}, {"dev", 1, 0, 'd'}, {"out", 1, 0, 'o'}, {"model", 1, 0, 'm'},
        {"epochs", 1, 0, 'e'}, {"batch-size", 1, 0, 'b'}, {"optimizer", 1, 0, 'O'}, {"lr", 1, 0, 'l'},
        {"weight-decay", 1, 0, 'w'}, {"momentum", 1, 0, 'M'}, {"anneal", 1, 0, 'a'}, {"clip", 1, 0, 'c'},
        {"seed", 1, 0, 's'}, {"threads", 1, 0, 'j'}, {"min-duration", 1, 0, 'n'}, {"max-duration", 1, 0, 'x'},
        {"spec-augment", 0, 0, 'A'}, {"checkpoint-every", 1, 0, 'k'}, {"stop-after-steps", 1, 0, 'S'},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *cmd = "train";
    double lr = o.optim.lr, wd = o.optim.weight_decay, momentum = 0.9;
    int optimizer_set = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int64_t v;
        int bad = 0;
        switch (c) {
        case 't': o.train_path = optarg; break;
        case 'd': o.dev_path = optarg; break;
        case 'o': o.out_dir = optarg; break;
        case 'm': o.model = optarg; break;
        case 'e': bad = al_cli_int(cmd, "--epochs", optarg, 1, 100000, &v); o.epochs = (int)v; break;
        case 'b': bad = al_cli_int(cmd, "--batch-size", optarg, 1, 4096, &v); o.batch_size = (int)v; break;
        case 'O':
            if (al_optim_type_parse(optarg, &o.optim.type) != AL_OK) {
                fprintf(stderr, "train: --optimizer: %s\n", al_last_error());
                return 2;
            }
            optimizer_set = 1;
            break;
        case 'l': bad = al_cli_double(cmd, "--lr", optarg, 1e-12, 10, &lr); break;
        case 'w': bad = al_cli_double(cmd, "--weight-decay", optarg, 0, 10, &wd); break;
        case 'M': bad = al_cli_double(cmd, "--momentum", optarg, 0, 0.999999, &momentum); break;
        case 'a': bad = al_cli_double(cmd, "--anneal", optarg, 1e-6, 1e6, &o.anneal); break;
        case 'c': bad = al_cli_double(cmd, "--clip", optarg, 1e-12, 1e12, &o.clip); break;
        case 's': bad = al_cli_int(cmd, "--seed", optarg, 0, INT64_MAX, &v); o.seed = (uint64_t)v; break;
        case 'j': bad = al_cli_int(cmd, "--threads", optarg, 1, 1024, &v); al_set_threads((int)v); break;
        case 'n': bad = al_cli_double(cmd, "--min-duration", optarg, 0, 1e6, &o.min_duration); break;
        case 'x': bad = al_cli_double(cmd, "--max-duration", optarg, 0, 1e6, &o.max_duration); break;
        case 'A': o.spec_augment = 1; break;
        case 'k': bad = al_cli_int(cmd, "--checkpoint-every", optarg, 0, INT32_MAX, &v); o.checkpoint_every = (int)v; break;
        case 'S': bad = al_cli_int(cmd, "--stop-after-steps", optarg, 1, INT64_MAX, &v); o.stop_after_steps = v; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(stdout, &defaults); return 0;
        default: usage(stderr, &defaults); return 2;
        }
        if (bad) return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "train: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!o.train_path) {
        fprintf(stderr, "train: --train CORPUS is required (see --help)\n");
        return 2;
    }
    if (optimizer_set) o.optim = al_optim_defaults(o.optim.type);
    o.optim.lr = lr;
    o.optim.weight_decay = wd;
    if (o.optim.type == AL_OPTIM_SGD) o.optim.momentum = momentum;
    if (!o.dev_path) al_log(AL_LOG_WARN, "no --dev corpus: no model selection, best.safetensors is not written");
    if (al_train(&o) != AL_OK) {
        fprintf(stderr, "train: %s\n", al_last_error());
        return 1;
    }
    return 0;
}
