/* The training options shared by `train` and `lottery` (see train_options.h). */
#include "cli/train_options.h"

#include "cli/cli_option_table.h"

#include <string.h>

void al_cli_train_longopts(const struct option *own, struct option *out) {
    al_cli_table_longopts(&al_train_option_table, own, out);
}

void al_cli_train_begin(const al_train_opts *o, al_cli_train_state *s) {
    s->optim0 = o->optim;
    s->given = 0;
}

int al_cli_train_option(const char *cmd, int c, const char *arg, al_train_opts *o, al_cli_train_state *s) {
    return al_cli_table_parse(cmd, &al_train_option_table, c, arg, o, &s->given);
}

/* --lr and --weight-decay keep the value given (or the default) whatever the optimiser; --optimizer
 * resets its other settings to the chosen type's defaults, except --beta1, --beta2 and --eps when
 * given; --momentum counts for SGD only. */
void al_cli_train_end(al_train_opts *o, const al_cli_train_state *s) {
    const al_optim_opts parsed = o->optim; /* optim0 with the optimiser options given */
    o->optim = s->given & AL_OPT_BIT(AL_TRAIN_OPT_OPTIMIZER) ? al_optim_defaults(parsed.type) : s->optim0;
    o->optim.lr = parsed.lr;
    o->optim.weight_decay = parsed.weight_decay;
    if (s->given & AL_OPT_BIT(AL_TRAIN_OPT_BETA1)) o->optim.beta1 = parsed.beta1;
    if (s->given & AL_OPT_BIT(AL_TRAIN_OPT_BETA2)) o->optim.beta2 = parsed.beta2;
    if (s->given & AL_OPT_BIT(AL_TRAIN_OPT_EPS)) o->optim.eps = parsed.eps;
    if (parsed.type == AL_OPTIM_SGD)
        o->optim.momentum = s->given & AL_OPT_BIT(AL_TRAIN_OPT_MOMENTUM) ? parsed.momentum
                                                                          : al_optim_defaults(AL_OPTIM_SGD).momentum;
    o->init_seed = o->seed;
}

const char *al_cli_model_arg(int argc, char **argv) {
    const char *model = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
        else if (!strncmp(argv[i], "--model=", 8)) model = argv[i] + 8;
    }
    return model;
}

void al_cli_train_usage(FILE *out, const al_train_opts *d) { al_cli_table_usage(out, &al_train_option_table, d); }
