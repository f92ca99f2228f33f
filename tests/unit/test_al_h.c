/* audiolottery/al.h is the one include for the public API: this file includes nothing else of the
 * project's (so using a declaration from each header compiles only through al.h), and every header
 * in include/audiolottery/ is named by al.h. */
#include "audiolottery/al.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "al_test.h"

static void test_declarations_visible(void) {
    /* one declaration per header, each used, so a header dropped from al.h breaks the build */
    void *uses[] = {(void *)al_last_error,        (void *)al_st_open,          (void *)al_audio_read,
                    (void *)al_synth_normalize,         (void *)al_corpus_load,      (void *)al_param_add,
                    (void *)al_mask_new,          (void *)al_model_new_preset, (void *)al_ds2_new,
                    (void *)al_ctc_loss,          (void *)al_optim_new,        (void *)al_train,
                    (void *)al_lottery_run,       (void *)al_run_report_load,  (void *)al_error_rate,
                    (void *)al_lm_load,           (void *)al_beam_decode,      (void *)al_ctc_greedy,
                    (void *)al_transcript_format_ext, (void *)al_sparse_from_dense, (void *)al_sparse_refresh,
                    (void *)al_compact_save};
    for (size_t i = 0; i < sizeof uses / sizeof *uses; i++) CHECK(uses[i] != NULL);
}

static void test_every_header_included(void) {
    const char *src = getenv("AL_SOURCE_DIR");
    if (!src) src = ".";
    char dir[1024], path[1200];
    snprintf(dir, sizeof dir, "%s/include/audiolottery", src);
    snprintf(path, sizeof path, "%s/al.h", dir);
    char *text = NULL;
    size_t n = 0;
    CHECK_OK(al_read_file(path, &text, &n));
    DIR *d = opendir(dir);
    CHECK_MSG(d != NULL, "cannot list %s", dir);
    int headers = 0;
    for (struct dirent *e; d && text && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 3 || strcmp(e->d_name + len - 2, ".h") || !strcmp(e->d_name, "al.h")) continue;
        char line[300];
        snprintf(line, sizeof line, "#include \"audiolottery/%s\"", e->d_name);
        CHECK_MSG(strstr(text, line) != NULL, "al.h does not include %s", e->d_name);
        headers++;
    }
    CHECK(headers >= 20);
    if (d) closedir(d);
    free(text);
}

AL_TEST_MAIN(test_declarations_visible, test_every_header_included)
