/* --branch specs through the branch registry: kinds, arguments ("KIND:seed=N@L"), the directory
 * name of each branch (unchanged for a branch without arguments), and errors naming the bad part.
 * (The masks and starts of the kinds: test_train_lottery.c.) */
#include "al_test.h"
#include "audiolottery/lottery.h"
#include "train/run_files.h"

/* The branches that spec adds to fresh options (their count, or -1 on error). */
static int add(const char *spec, al_lottery_opts *o) {
    *o = al_lottery_defaults();
    return al_lottery_add_branch(o, spec) == AL_OK ? o->n_branches : -1;
}

static void test_kinds_without_arguments_keep_their_names(void) {
    const char *kinds[] = {"random-prune", "random-prune-global", "random-reinit", "finetune"};
    al_lottery_opts o;
    for (int k = 0; k < 4; k++) {
        CHECK_MSG(add(kinds[k], &o) == 1, "%s: %s", kinds[k], al_last_error());
        CHECK_MSG(!strcmp(o.branch[0].name, kinds[k]), "%s named %s", kinds[k], o.branch[0].name);
        CHECK(!strcmp(al_branch_type_name(o.branch[0].type), kinds[k]));
        CHECK(o.branch[0].args[0] == '\0' && o.branch[0].given == 0 && o.branch[0].level == -1);
    }
    CHECK(add("finetune@2,5", &o) == 2);
    CHECK(o.branch[0].level == 2 && o.branch[1].level == 5 && !strcmp(o.branch[1].name, "finetune"));
}

static void test_seed_argument(void) {
    al_lottery_opts o;
    CHECK_MSG(add("random-prune:seed=7@2,3", &o) == 2, "%s", al_last_error());
    for (int i = 0; i < 2; i++) {
        CHECK_MSG(!strcmp(o.branch[i].name, "random-prune-seed7"), "name %s", o.branch[i].name);
        CHECK_MSG(!strcmp(o.branch[i].args, "seed=7"), "args %s", o.branch[i].args);
        CHECK(!strcmp(al_branch_type_name(o.branch[i].type), "random-prune"));
        CHECK(o.branch[i].given == 1u && o.branch[i].arg[0] == 7);
    }
    CHECK(o.branch[0].level == 2 && o.branch[1].level == 3);
    CHECK(add("random-reinit:seed=0", &o) == 1 && o.branch[0].level == -1);
    CHECK(!strcmp(o.branch[0].name, "random-reinit-seed0"));
    /* canonical: leading zeros dropped, so one seed is one directory */
    CHECK(add("random-prune-global:seed=0042@1", &o) == 1);
    CHECK(!strcmp(o.branch[0].name, "random-prune-global-seed42") && !strcmp(o.branch[0].args, "seed=42"));
    CHECK(add("random-prune:seed=18446744073709551615", &o) == 1 && o.branch[0].arg[0] == UINT64_MAX);
    /* two seeds at one level are two branches in two directories */
    o = al_lottery_defaults();
    CHECK_OK(al_lottery_add_branch(&o, "random-prune:seed=7@2"));
    CHECK_OK(al_lottery_add_branch(&o, "random-prune:seed=8@2"));
    CHECK(o.n_branches == 2 && strcmp(o.branch[0].name, o.branch[1].name));
    char dir[256];
    CHECK_OK(al_run_branch_dir(dir, sizeof dir, "RUN/level_02", o.branch[1].name));
    CHECK_MSG(!strcmp(dir, "RUN/level_02/branches/random-prune-seed8"), "%s", dir);
}

/* spec is refused, with a message holding each of the needles. */
static void refused(const char *spec, const char *needle1, const char *needle2) {
    al_lottery_opts o;
    CHECK_MSG(add(spec, &o) == -1, "%s accepted", spec);
    CHECK_STR_CONTAINS(al_last_error(), needle1);
    CHECK_STR_CONTAINS(al_last_error(), needle2);
}

static void test_bad_specs_are_named(void) {
    refused("random-prune:sed=7", "unknown argument 'sed'", "random-prune takes seed");
    refused("random-reinit:seed=x", "random-reinit:seed=x", "got 'x'");
    refused("random-prune:seed=-1@2", "seed takes an integer", "got '-1'");
    refused("random-prune:seed= 7", "seed takes an integer", "got ' 7'");
    refused("random-prune:seed=18446744073709551616", "seed takes an integer", "18446744073709551616");
    refused("random-prune:seed=", "seed takes an integer", "got ''");
    refused("random-prune:seed=1,seed=2", "seed given twice", "random-prune:seed=1,seed=2");
    refused("random-prune:", "'' is not KEY=N", "random-prune:");
    refused("random-prune:seed7@2", "'seed7' is not KEY=N", "random-prune:seed7@2");
    refused("finetune:seed=3", "unknown argument 'seed'", "finetune takes no arguments");
    refused("sideways:seed=3@2", "unknown kind 'sideways'", "random-prune[:seed=N]");
    refused("random-prune:seed=7@0", "levels must be integers >= 1", "random-prune:seed=7@0");
    refused("random-prune:seed=7@", "levels must be integers >= 1", "random-prune:seed=7@");
}

AL_TEST_MAIN(test_kinds_without_arguments_keep_their_names, test_seed_argument, test_bad_specs_are_named)
