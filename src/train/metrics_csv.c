/* metrics.csv of a run directory (see metrics_csv.h). */
#include "train/metrics_csv.h"

#include "audiolottery/io.h"
#include "train/run_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HEADER[] = "epoch,train_loss,dev_wer,dev_cer,lr,epoch_seconds,skipped_batches\n";

al_status al_metrics_csv_append(const char *dir, const char *row) {
    char path[4200];
    al_status rd = al_run_file(path, sizeof path, dir, AL_RUN_METRICS);
    if (rd != AL_OK) return rd;
    char *old = NULL;
    size_t n = 0;
    rd = al_read_file(path, &old, &n);
    if (rd == AL_ERR_NOT_FOUND) { /* the first epoch; an unreadable file must not lose its rows */
        old = strdup(HEADER);
        n = old ? strlen(old) : 0;
    } else if (rd != AL_OK) {
        return rd;
    }
    size_t rl = strlen(row);
    char *all = old ? malloc(n + rl + 1) : NULL;
    if (!all) {
        free(old);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    memcpy(all, old, n);
    memcpy(all + n, row, rl + 1);
    al_status st = al_write_file_atomic(path, all, n + rl);
    free(old), free(all);
    return st;
}

al_status al_metrics_csv_trim(const char *dir, int epochs_done) {
    char path[4200];
    al_status rd = al_run_file(path, sizeof path, dir, AL_RUN_METRICS);
    if (rd != AL_OK) return rd;
    char *text = NULL;
    size_t n = 0;
    rd = al_read_file(path, &text, &n);
    if (rd == AL_ERR_NOT_FOUND) return AL_OK; /* no epoch finished yet */
    if (rd != AL_OK) return rd;
    /* keep the header and every row whose epoch is <= epochs_done */
    char *line = strchr(text, '\n');
    size_t keep = line ? (size_t)(line + 1 - text) : n;
    while (line && line[1]) {
        char *row = line + 1;
        line = strchr(row, '\n');
        if (atoi(row) > epochs_done) break;
        keep = line ? (size_t)(line + 1 - text) : n;
    }
    al_status st = keep < n ? al_write_file_atomic(path, text, keep) : AL_OK;
    free(text);
    return st;
}
