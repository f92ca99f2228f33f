/* The training options' table; its rows are in train_option_list.h. */
#include "train/train_option_list.h"

#include "audiolottery/units.h"

/* --units: chars or bpe:N */
static const char *units_check(al_opt_value v) {
    int pieces;
    return al_units_parse(v.s, &pieces) == AL_OK ? NULL : "not chars or bpe:N (N 32..8192)";
}

static const al_opt rows[] = {AL_TRAIN_OPTIONS(AL_OPT_ROW)};

/* getopt values from 1000: above the single letters of train and lottery, apart from the decoding options */
const al_opt_table al_train_option_table = {rows, AL_TRAIN_OPT_COUNT, .code0 = 1000, .help_width = 24};
