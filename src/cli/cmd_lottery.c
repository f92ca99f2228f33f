/* audiolottery lottery: find winning tickets by iterative magnitude pruning with rewinding, with
 * the baselines that prove a ticket is a ticket. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/lottery.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/train_options.h"

static void usage(FILE *out, const al_lottery_opts *d) {
    char structure[64];
    al_prune_structure_name(&d->prune, structure, sizeof structure);
    fprintf(out,
            "usage: audiolottery lottery --train CORPUS [--dev CORPUS] [--out RUN_DIR] [options]\n\n"
            "Level 0 trains the dense model from theta0 (saved before any update). Level L > 0 prunes a share of\n"
            "the weights still alive after level L-1's training (exact counts; global magnitude by default),\n"
            "rewinds every tensor to the rewind point, applies the mask and trains again with the same recipe.\n"
            "Branches are the baselines, trained under the level they start from. Every finished step is kept:\n"
            "the same command after a kill resumes. See 'audiolottery report RUN_DIR'.\n\n"
            "lottery options (default):\n"
            "  --out DIR               run directory (%s)\n"
            "  --levels N              pruning levels after the dense level 0 (%d)\n"
            "  --target-percent P      instead of --levels: stop at the first level keeping <= P%% of the prunable\n"
            "                          weights (of the blocks or channels when structured)\n"
            "  --prune-fraction P      share of the remaining weights pruned per level (%g)\n"
            "  --prune-scope S         global | layerwise magnitude (%s)\n"
            "  --prune-ignore NAME     never prune this tensor (repeatable; see 'audiolottery info --model')\n"
            "  --prune-rate NAME=P     prune this tensor on its own at P per level (repeatable)\n"
            "  --prune-floor P         warn when a tensor keeps less than this share (%g)\n"
            "  --structure S           unstructured | block:KxM (K rows x M columns, e.g. block:8x1) | channel\n"
            "                          (whole conv channels / LSTM units); counts are then in blocks or channels\n"
            "                          (%s)\n"
            "  --block-score S         l1 | l2 norm of a block's or channel's weights ranks it (%s)\n"
            "  --rewind R              init | <N>it | <N>ep: the point of level 0's training to rewind to (%s)\n"
            "  --branch KIND[@L,...]   random-prune | random-prune-global | random-reinit | finetune at levels L\n"
            "                          (every level >= 1 without @; repeatable); KIND:seed=N@L: draw with seed N\n"
            "  --test-clean CORPUS     test set scored into every report (optional)\n"
            "  --test-other CORPUS     second test set (optional)\n\n"
            "training options (default), for every level and branch:\n",
            d->run_dir, d->levels, d->prune.fraction, d->prune.scope == AL_PRUNE_GLOBAL ? "global" : "layerwise",
            d->prune.floor, structure, al_prune_score_name(d->prune.score), d->rewind);
    al_cli_train_usage(out, &d->train);
    fprintf(out, "  -h, --help              this help\n");
}

int al_cmd_lottery(int argc, char **argv) {
    al_lottery_opts o = al_lottery_defaults();
    o.train = al_train_defaults_for(al_cli_model_arg(argc, argv)); /* the family's recipe */
    const al_lottery_opts defaults = o;
    static const struct option own[] = {{"out", 1, 0, 'o'},
                                        {"levels", 1, 0, 'L'},
                                        {"target-percent", 1, 0, 'T'},
                                        {"prune-fraction", 1, 0, 'p'},
                                        {"prune-scope", 1, 0, 's'},
                                        {"prune-ignore", 1, 0, 'i'},
                                        {"prune-rate", 1, 0, 'r'},
                                        {"prune-floor", 1, 0, 'f'},
                                        {"structure", 1, 0, 'S'},
                                        {"block-score", 1, 0, 'B'},
                                        {"rewind", 1, 0, 'w'},
                                        {"branch", 1, 0, 'b'},
                                        {"test-clean", 1, 0, 'c'},
                                        {"test-other", 1, 0, 'x'},
                                        {"help", 0, 0, 'h'},
                                        {0, 0, 0, 0}};
    struct option longopts[AL_CLI_TRAIN_LONGOPTS + sizeof own / sizeof *own];
    al_cli_train_longopts(own, longopts);
    al_cli_train_state ts;
    al_cli_train_begin(&o.train, &ts);
    const char *cmd = "lottery";
    int c, levels_set = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int handled = al_cli_train_option(cmd, c, optarg, &o.train, &ts);
        if (handled < 0) return 2;
        if (handled) continue;
        int64_t v;
        int bad = 0;
        al_status st = AL_OK;
        switch (c) {
        case 'o': o.run_dir = optarg; break;
        case 'L':
            bad = al_cli_int(cmd, "--levels", optarg, 0, AL_LOTTERY_MAX_LEVELS, &v);
            o.levels = (int)v;
            levels_set = 1;
            break;
        case 'T': bad = al_cli_double(cmd, "--target-percent", optarg, 1e-6, 100, &o.target_percent); break;
        case 'p': bad = al_cli_double(cmd, "--prune-fraction", optarg, 0, 0.999, &o.prune.fraction); break;
        case 'f': bad = al_cli_double(cmd, "--prune-floor", optarg, 0, 1, &o.prune.floor); break;
        case 's':
            if (!strcmp(optarg, "global")) o.prune.scope = AL_PRUNE_GLOBAL;
            else if (!strcmp(optarg, "layerwise")) o.prune.scope = AL_PRUNE_LAYERWISE;
            else st = al_error(AL_ERR_INVALID, "--prune-scope takes global or layerwise, got '%s'", optarg);
            break;
        case 'i': st = al_prune_add_ignore(&o.prune, optarg); break;
        case 'r': st = al_prune_add_rate(&o.prune, optarg); break;
        case 'S': st = al_prune_set_structure(&o.prune, optarg); break;
        case 'B': st = al_prune_set_score(&o.prune, optarg); break;
        case 'w':
            if (strlen(optarg) >= sizeof o.rewind) {
                fprintf(stderr, "lottery: --rewind '%s' is too long (init, <N>it or <N>ep)\n", optarg);
                return 2;
            }
            snprintf(o.rewind, sizeof o.rewind, "%s", optarg);
            break;
        case 'b': st = al_lottery_add_branch(&o, optarg); break;
        case 'c': o.test_clean = optarg; break;
        case 'x': o.test_other = optarg; break;
        case 'h': usage(stdout, &defaults); return 0;
        default: usage(stderr, &defaults); return 2;
        }
        if (st != AL_OK) {
            fprintf(stderr, "%s: %s\n", cmd, al_last_error());
            return 2;
        }
        if (bad) return 2;
    }
    if (optind < argc || !o.train.train_path) {
        fprintf(stderr, "lottery: --train CORPUS is required and no positional arguments are taken (see --help)\n");
        return 2;
    }
    if (levels_set && o.target_percent > 0) {
        fprintf(stderr, "lottery: give --levels or --target-percent, not both\n");
        return 2;
    }
    al_cli_train_end(&o.train, &ts);
    if (al_lottery_run(&o) != AL_OK) {
        fprintf(stderr, "lottery: %s\n", al_last_error());
        return 1;
    }
    return 0;
}
