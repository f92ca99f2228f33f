/* Paths inside run directories (src/train/run_files.h): the names, the level directories both ways, and a
 * path that does not fit its buffer as an error naming it rather than a cut-short path. */
#include "al_test.h"
#include "train/run_files.h"

static void test_paths(void) {
    char buf[64];
    CHECK_OK(al_run_file(buf, sizeof buf, "runs/a", AL_RUN_LAST));
    CHECK(!strcmp(buf, "runs/a/last.safetensors"));
    CHECK_OK(al_run_level_dir(buf, sizeof buf, "RUN", 3));
    CHECK(!strcmp(buf, "RUN/level_03"));
    CHECK_OK(al_run_level_dir(buf, sizeof buf, "RUN", 123));
    CHECK(!strcmp(buf, "RUN/level_123"));
    CHECK_OK(al_run_branch_dir(buf, sizeof buf, "RUN/level_03", "random-prune-seed7"));
    CHECK(!strcmp(buf, "RUN/level_03/branches/random-prune-seed7"));
    CHECK_OK(al_run_file_beside(buf, sizeof buf, "RUN/level_03/best.safetensors", AL_RUN_MASK));
    CHECK(!strcmp(buf, "RUN/level_03/mask.safetensors"));
    CHECK_OK(al_run_file_beside(buf, sizeof buf, "last.safetensors", AL_RUN_MASK));
    CHECK(!strcmp(buf, "mask.safetensors")); /* no "./" added */
}

static void test_level_names(void) {
    CHECK(al_run_level_of("level_00") == 0);
    CHECK(al_run_level_of("level_07") == 7);
    CHECK(al_run_level_of("level_123") == 123);
    const char *others[] = {"level_7", "level_007", "level_", "level_0x", "level_12345", "levels_01", "branches"};
    for (size_t i = 0; i < sizeof others / sizeof *others; i++)
        CHECK_MSG(al_run_level_of(others[i]) == -1, "%s taken for a level", others[i]);
}

static void test_overflow_is_an_error(void) {
    char buf[24];
    CHECK(al_run_file(buf, sizeof buf, "a/long/run/directory", AL_RUN_CONFIG) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "path too long");
    CHECK_STR_CONTAINS(al_last_error(), "a/long/run/directory");
    CHECK(al_run_level_dir(buf, sizeof buf, "runs/a-rather-long-one", 1) == AL_ERR_INVALID);
    CHECK(al_run_branch_dir(buf, sizeof buf, "RUN/level_01", "random-prune") == AL_ERR_INVALID);
    CHECK(al_run_file_beside(buf, 8, "dir/x", AL_RUN_MASK) == AL_ERR_INVALID);
}

AL_TEST_MAIN(test_paths, test_level_names, test_overflow_is_an_error)
