/* The training options shared by `train` and `lottery` (see train_options.h). */
#include "cli/train_options.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"

void al_cli_train_begin(const al_train_opts *o, al_cli_train_state *s) {
    s->lr = o->optim.lr;
    s->weight_decay = o->optim.weight_decay;
    s->momentum = 0.9;
    s->optimizer_set = 0;
}

int al_cli_train_option(const char *cmd, int c, const char *arg, al_train_opts *o, al_cli_train_state *s) {
    int64_t v;
    int bad = 0;
    switch (c) {
    case 1000: o->train_path = arg; break;
    case 1001: o->dev_path = arg; break;
    case 1002: {
        if (!al_model_family_for_preset(arg)) { /* bad usage (exit 2), found before any data is read */
            al_model *m;
            al_model_new_preset(arg, &m); /* for its message, which lists the presets */
            fprintf(stderr, "%s: --model: %s\n", cmd, al_last_error());
            return -1;
        }
        o->model = arg;
        break;
    }
    case 1003: bad = al_cli_int(cmd, "--epochs", arg, 1, 100000, &v); o->epochs = (int)v; break;
    case 1004: bad = al_cli_int(cmd, "--batch-size", arg, 1, 4096, &v); o->batch_size = (int)v; break;
    case 1005:
        if (al_optim_type_parse(arg, &o->optim.type) != AL_OK) {
            fprintf(stderr, "%s: --optimizer: %s\n", cmd, al_last_error());
            return -1;
        }
        s->optimizer_set = 1;
        break;
    case 1006: bad = al_cli_double(cmd, "--lr", arg, 1e-12, 10, &s->lr); break;
    case 1007: bad = al_cli_double(cmd, "--weight-decay", arg, 0, 10, &s->weight_decay); break;
    case 1008: bad = al_cli_double(cmd, "--momentum", arg, 0, 0.999999, &s->momentum); break;
    case 1009: bad = al_cli_double(cmd, "--anneal", arg, 1e-6, 1e6, &o->anneal); break;
    case 1010: bad = al_cli_double(cmd, "--clip", arg, 1e-12, 1e12, &o->clip); break;
    case 1011: bad = al_cli_int(cmd, "--seed", arg, 0, INT64_MAX, &v); o->seed = (uint64_t)v; break;
    case 1012: bad = al_cli_int(cmd, "--threads", arg, 1, 1024, &v); if (!bad) al_set_threads((int)v); break;
    case 1013: bad = al_cli_double(cmd, "--min-duration", arg, 0, 1e6, &o->min_duration); break;
    case 1014: bad = al_cli_double(cmd, "--max-duration", arg, 0, 1e6, &o->max_duration); break;
    case 1015: o->spec_augment = 1; break;
    case 1016: bad = al_cli_int(cmd, "--checkpoint-every", arg, 0, INT32_MAX, &v); o->checkpoint_every = (int)v; break;
    case 1017: o->quiet = 1; break;
    case 1018: o->dense_train = 1; break;
    case 1019:
        if (al_select_metric_parse(arg, &o->select_by) != AL_OK) {
            fprintf(stderr, "%s: --select-by: %s\n", cmd, al_last_error());
            return -1;
        }
        break;
    default: return 0;
    }
    return bad ? -1 : 1;
}

void al_cli_train_end(al_train_opts *o, const al_cli_train_state *s) {
    o->init_seed = o->seed;
    if (s->optimizer_set) o->optim = al_optim_defaults(o->optim.type);
    o->optim.lr = s->lr;
    o->optim.weight_decay = s->weight_decay;
    if (o->optim.type == AL_OPTIM_SGD) o->optim.momentum = s->momentum;
}

void al_cli_train_usage(FILE *out, const al_train_opts *d) {
    char presets[512];
    al_model_preset_names(presets, sizeof presets);
    fprintf(out,
            "  --train CORPUS          training corpus (required; any layout 'audiolottery corpus' reads)\n"
            "  --dev CORPUS            dev corpus for model selection (recommended; never the test set)\n"
            "  --select-by METRIC      wer | cer: the greedy dev metric whose minimum is best.safetensors (%s;\n"
            "                          cer still ranks models whose WER saturates near 100%%)\n"
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
            "  --min-duration S        skip shorter training utterances (%g: none)\n"
            "  --max-duration S        skip longer training utterances (%g)\n"
            "  --spec-augment          SpecAugment: 1 frequency mask <= 27 bins, 1 time mask <= 70 frames (off)\n"
            "  --checkpoint-every N    write last.safetensors every N batches (%d)\n"
            "  --dense-train           masked runs: dense kernels only (default: conv and LSTM weights train\n"
            "                          on sparse kernels where that is faster)\n"
            "  --quiet                 no progress bar\n",
            al_select_metric_name(d->select_by), d->model, presets, d->epochs, d->batch_size, d->optim.lr, d->optim.weight_decay, d->anneal,
            d->clip, (unsigned long long)d->seed, al_threads(), d->min_duration, d->max_duration, d->checkpoint_every);
}
