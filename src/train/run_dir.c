/* Run directories are tied to the config that made them (see al_run_dir_claim). */
#include "audiolottery/io.h"
#include "audiolottery/train.h"

#include <stdlib.h>
#include <string.h>

al_status al_run_dir_claim(const char *dir, const char *config) {
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    char *old = NULL;
    if (al_read_file(path, &old, NULL) == AL_OK) {
        int same = strcmp(old, config) == 0;
        free(old);
        if (!same)
            return al_error(AL_ERR_INVALID,
                            "%s: the run directory holds a run with another config (or thread count); use a new "
                            "--out, or the same options to resume",
                            path);
        return AL_OK;
    }
    al_status st = al_mkdir_p(dir);
    return st == AL_OK ? al_write_file_atomic(path, config, strlen(config)) : st;
}
