/* Run directories are tied to the config that made them (see al_run_dir_claim). */
#include "audiolottery/io.h"
#include "audiolottery/train.h"
#include "train/run_files.h"

#include <stdlib.h>
#include <string.h>

/* Leaves room below PATH_MAX (4096) for every file a train or lottery run writes inside dir
 * (level_LL/branches/NAME/best.safetensors.tmp.PID and the like; NAME is at most AL_BRANCH_NAME_MAX
 * bytes), so no path is cut short. */
#define RUN_DIR_MAX 3800

al_status al_run_dir_claim(const char *dir, const char *config) {
    if (strlen(dir) > RUN_DIR_MAX)
        return al_error(AL_ERR_INVALID, "run directory path too long (%zu bytes, at most %d): %.80s...", strlen(dir),
                        RUN_DIR_MAX, dir);
    char path[4096];
    al_status st = al_run_file(path, sizeof path, dir, AL_RUN_CONFIG);
    if (st != AL_OK) return st;
    char *old = NULL;
    al_status rd = al_read_file(path, &old, NULL);
    if (rd != AL_OK && rd != AL_ERR_NOT_FOUND) return rd; /* never overwrite a config we cannot read */
    if (rd == AL_OK) {
        int same = strcmp(old, config) == 0;
        free(old);
        if (!same)
            return al_error(AL_ERR_INVALID,
                            "%s: the run directory holds a run with another config (or thread count); use a new "
                            "--out, or the same options to resume",
                            path);
        return AL_OK;
    }
    st = al_mkdir_p(dir);
    return st == AL_OK ? al_write_file_atomic(path, config, strlen(config)) : st;
}
