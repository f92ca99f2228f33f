/* The training option table (src/train/train_option_list.h) is consistent: flags, config keys and
 * --help ranks are unique, every option on the command line has help text and a value name where it
 * takes a value, and the defaults it gives are al_train_defaults'. */
#include <string.h>

#include "al_test.h"
#include "train/train_option_list.h"

static void test_rows_unique_and_documented(void) {
    const al_opt_table *tb = &al_train_option_table;
    CHECK(tb->n == AL_TRAIN_OPT_COUNT && tb->n <= 64);
    for (int i = 0; i < tb->n; i++) {
        const al_opt *a = &tb->opts[i];
        CHECK_MSG(a->flag || a->config, "row %d is neither an option nor a config entry", i);
        if (a->flag) {
            CHECK_MSG(a->help && *a->help, "--%s has no help text", a->flag);
            CHECK_MSG((a->kind == AL_OPT_FLAG) == (a->meta == NULL), "--%s: value name and kind disagree", a->flag);
        }
        for (int j = 0; j < i; j++) {
            const al_opt *b = &tb->opts[j];
            if (a->flag && b->flag) CHECK_MSG(strcmp(a->flag, b->flag), "--%s twice", a->flag);
            if (a->config && b->config) CHECK_MSG(strcmp(a->config, b->config), "config key %s twice", a->config);
            if (a->flag && b->flag) CHECK_MSG(a->help_rank != b->help_rank, "--%s and --%s share a help rank",
                                              a->flag, b->flag);
        }
    }
}

static void test_defaults(void) {
    al_train_opts o = al_train_defaults();
    CHECK(!strcmp(o.model, "ds2-small") && o.epochs == 16 && o.batch_size == 32 && o.checkpoint_every == 100);
    CHECK(o.clip == 400 && o.anneal == 1.01 && o.max_duration == 20 && o.seed == 1 && o.init_seed == 1);
    CHECK(o.optim.type == AL_OPTIM_ADAMW && o.optim.lr == 3e-4 && o.select_by == AL_SELECT_WER);
}

AL_TEST_MAIN(test_rows_unique_and_documented, test_defaults)
