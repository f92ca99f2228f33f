/* A run directory's metrics.csv: one row per finished epoch, rewritten atomically. */
#ifndef AL_TRAIN_METRICS_CSV_H
#define AL_TRAIN_METRICS_CSV_H

#include "audiolottery/core.h"

/* Appends row (a full CSV line with its newline); creates the file with its header. */
al_status al_metrics_csv_append(const char *dir, const char *row);

/* Drops the rows of epochs after `epochs_done`. An epoch's row is written before the checkpoint
 * that ends it, so a run killed between the two has a row that its resumed run writes again. */
al_status al_metrics_csv_trim(const char *dir, int epochs_done);

#endif
