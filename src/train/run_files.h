/* The names of the files and folders in train and lottery run directories, in one place (internal:
 * src/train, src/lottery, src/report and the CLI's export and report commands).
 *
 * Usage:
 *   char path[4096], level[4096], branch[4200];
 *   if (al_run_file(path, sizeof path, dir, AL_RUN_LAST) != AL_OK) ...al_last_error()...   // DIR/last.safetensors
 *   al_run_level_dir(level, sizeof level, "RUN", 3);                   // RUN/level_03
 *   al_run_branch_dir(branch, sizeof branch, level, "random-reinit");  // RUN/level_03/branches/random-reinit
 *
 * A train run directory (audiolottery train --out DIR):
 *   DIR/config.json           everything that changes the result; a later run in DIR must match it
 *   DIR/start.safetensors     the starting weights (initial values with the mask applied)
 *   DIR/last.safetensors      the resume point: weights, optimizer moments, position in the epoch
 *   DIR/best.safetensors      the lowest dev WER (or CER); only with a dev set
 *   DIR/metrics.csv           one row per finished epoch
 * A lottery run directory (audiolottery lottery --out RUN):
 *   RUN/config.json           the resolved lottery config
 *   RUN/theta0.safetensors    every tensor before any update
 *   RUN/rewind.safetensors    the late-rewinding point (rewind "<N>it" or "<N>ep" only)
 *   RUN/level_LL/             a train run directory (LL: the level, two digits at least)
 *                             plus mask.safetensors and report.json
 *   RUN/level_LL/branches/NAME/  the same for a baseline branched from level LL; NAME is the
 *                             branch's kind, then "-KEYVALUE" per argument (see lottery.h)
 *   RUN/report.csv, RUN/report.svg   audiolottery report's default outputs
 *
 * The path builders write into the caller's buffer and return AL_ERR_INVALID, naming the path,
 * when it does not fit (the buffer then holds a cut-short string). Reentrant; no global state.
 */
#ifndef AL_TRAIN_RUN_FILES_H
#define AL_TRAIN_RUN_FILES_H

#include <stddef.h>

#include "audiolottery/core.h"

#define AL_RUN_CONFIG "config.json"
#define AL_RUN_START "start.safetensors"
#define AL_RUN_LAST "last.safetensors"
#define AL_RUN_BEST "best.safetensors"
#define AL_RUN_METRICS "metrics.csv"
#define AL_RUN_UNITS "units.model" /* a run with --units bpe:N: its SentencePiece model */
#define AL_RUN_THETA0 "theta0.safetensors"
#define AL_RUN_REWIND "rewind.safetensors"
#define AL_RUN_MASK "mask.safetensors"
#define AL_RUN_REPORT "report.json"
#define AL_RUN_BRANCHES "branches"
#define AL_RUN_REPORT_CSV "report.csv"
#define AL_RUN_REPORT_SVG "report.svg"

/* buf = "DIR/NAME". */
al_status al_run_file(char *buf, size_t n, const char *dir, const char *name);

/* buf = NAME in the folder of path: "a/b/last.safetensors" gives "a/b/NAME", a bare file name
 * gives "NAME" (the folder as the path spells it, so "./" is never added). */
al_status al_run_file_beside(char *buf, size_t n, const char *path, const char *name);

/* buf = "RUN/level_LL" (level >= 0). */
al_status al_run_level_dir(char *buf, size_t n, const char *run_dir, int level);

/* buf = "LEVEL_DIR/branches/NAME". */
al_status al_run_branch_dir(char *buf, size_t n, const char *level_dir, const char *name);

/* The level of a directory named as the lottery names them ("level_07" is 7, "level_123" 123), or
 * -1 for any other name ("level_7" beside "level_07" would count one level twice). */
int al_run_level_of(const char *name);
#endif
