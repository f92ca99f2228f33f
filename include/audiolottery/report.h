/* audiolottery report: the results of a lottery run directory as tables, winning tickets, CSV, SVG.
 *
 * Usage:
 *   al_run_report *r;
 *   if (al_run_report_load("runs/ds2", &r) != AL_OK) ...al_last_error()...
 *   al_report_print(stdout, r, AL_METRIC_WER);               // tables, in-progress notes, tickets
 *   al_tickets t; al_report_tickets(r, AL_SET_TEST_CLEAN, AL_METRIC_WER, &t);
 *   al_report_write_csv(r, "runs/ds2/report.csv");            // atomic
 *   al_report_write_svg(r, AL_METRIC_WER, "runs/ds2/report.svg");
 *   al_run_report_free(r);
 *
 * A run directory holds level_NN/report.json (the trunk: iterative magnitude pruning) and
 * level_NN/branches/<name>/report.json (baselines started from that level). A level or branch
 * directory without report.json is in progress: it is listed in `in_progress`, not an error.
 * Errors name the file: a missing run directory, one without any level_NN directory, a
 * report.json that is not JSON or lacks kind/level/remaining_weights/remaining_percent.
 *
 * An al_run_report owns everything it points to; it is read-only after loading, so several
 * threads may read it at once. Reentrant; no global state.
 */
#ifndef AUDIOLOTTERY_REPORT_H
#define AUDIOLOTTERY_REPORT_H

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The evaluation sets a report.json may hold, under these keys. */
typedef enum { AL_SET_DEV = 0, AL_SET_TEST_CLEAN, AL_SET_TEST_OTHER, AL_N_SETS } al_eval_set;
const char *al_eval_set_name(al_eval_set s); /* "dev", "test-clean", "test-other" (static) */

typedef enum { AL_METRIC_WER = 0, AL_METRIC_CER } al_metric;
const char *al_metric_name(al_metric m); /* "WER", "CER" (static) */

typedef struct {
    double wer, cer; /* percent; NAN when the report has no such set */
} al_set_score;

/* One report.json. */
typedef struct {
    char *kind;                /* "trunk", "random-prune", "random-prune-global", "random-reinit", "finetune", ... */
    int level;                 /* the pruning level (for a branch: the level it starts from) */
    int64_t remaining_weights; /* unpruned prunable weights */
    int64_t prunable_weights;  /* -1 when absent */
    double remaining_percent;  /* 100 * remaining / prunable, as the report states it */
    int best_epoch;            /* -1 when absent */
    double wall_seconds;       /* NAN when absent */
    double audio_speed;        /* train_audio_seconds_per_second; NAN when absent */
    al_set_score sets[AL_N_SETS];
} al_report_point;

/* The value of a point's metric on a set (NAN when absent). */
double al_report_value(const al_report_point *p, al_eval_set s, al_metric m);

typedef struct {
    char *name;              /* "trunk", or the branch directory's name ("random-reinit") */
    al_report_point *points; /* [n], by remaining_percent descending (ties: level ascending) */
    int n;
} al_report_series;

typedef struct {
    char *run_dir;            /* as given */
    char *run_name;           /* the run directory's last path component */
    al_report_series *series; /* [n_series]: the trunk first (when it has points), then branches by name */
    int n_series;
    char **in_progress;       /* [n_in_progress] directories relative to run_dir without report.json,
                                 in level order ("level_04", "level_03/branches/random-prune") */
    int n_in_progress;
} al_run_report;

/* Reads every report.json of run_dir. On error *out is NULL. */
al_status al_run_report_load(const char *run_dir, al_run_report **out);
void al_run_report_free(al_run_report *r);

/* The trunk series (NULL when no trunk level has finished). */
const al_report_series *al_report_trunk(const al_run_report *r);

/* Winning tickets on one set by the paper's definition: dense = trunk level 0; a pruned trunk
 * level (level > 0) wins if its metric <= the dense one; the extreme ticket is the sparsest
 * winner, the best ticket the pruned level with the lowest metric (ties: the sparser). */
typedef struct {
    int n_scored;      /* trunk points with this set (dense included) */
    int dense;         /* index into the trunk's points of level 0 with this set; -1 if none */
    int extreme, best; /* indices into the trunk's points; -1 when no pruned level wins */
    int closest;       /* the pruned level with the lowest metric even when it loses; -1 if none */
} al_tickets;

void al_report_tickets(const al_run_report *r, al_eval_set s, al_metric m, al_tickets *out);

/* One line without newline, e.g. "test-clean: dense WER 43.10; extreme ticket level 7 (21.0%
 * remaining) WER 42.90; best ticket level 3 (51.2%) WER 40.20", or "...; no winning ticket ...". */
void al_report_ticket_line(const al_run_report *r, al_eval_set s, al_metric m, char *buf, size_t n);

/* A table per series, the in-progress directories and the ticket line of every set. */
al_status al_report_print(FILE *out, const al_run_report *r, al_metric m);

/* One row per point: series,level,remaining_percent,remaining_weights,dev_wer,dev_cer,
 * test_clean_wer,test_clean_cer,test_other_wer,test_other_cer,best_epoch,wall_seconds,
 * train_audio_seconds_per_second (absent values empty). Written atomically. */
al_status al_report_write_csv(const al_run_report *r, const char *path);

/* The set plotted: test-clean when any point has it, else dev, else test-other. */
al_eval_set al_report_plot_set(const al_run_report *r);

/* A plot of the metric on al_report_plot_set() against remaining weights (log x axis, 100% on the
 * left), one polyline (two or more points) and markers per series, the dense level as a dashed
 * line, a legend. Plain SVG 1.1, written atomically. */
al_status al_report_write_svg(const al_run_report *r, al_metric m, const char *path);

#ifdef __cplusplus
}
#endif
#endif
