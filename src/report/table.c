/* The text report: a table per series, the in-progress directories, the winning-ticket lines. */
#include <math.h>
#include <stdio.h>

#include "audiolottery/report.h"
#include "report/report_internal.h"

/* "41.20/15.30", or "-" when the set is absent. */
static void fmt_score(const al_set_score *s, char *buf, size_t n) {
    if (isnan(s->wer)) snprintf(buf, n, "-");
    else snprintf(buf, n, "%.2f/%.2f", s->wer, s->cer);
}

/* "42.5s", "13m32s", "2h03m10s", or "-". */
static void fmt_duration(double seconds, char *buf, size_t n) {
    if (isnan(seconds)) {
        snprintf(buf, n, "-");
        return;
    }
    long s = lround(seconds);
    if (seconds < 60) snprintf(buf, n, "%.1fs", seconds);
    else if (s < 3600) snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
    else snprintf(buf, n, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
}

static void print_series(FILE *out, const al_report_series *s) {
    fprintf(out, "%s: %d point%s\n", s->name, s->n, s->n == 1 ? "" : "s");
    fprintf(out, "%5s %10s %16s %19s %19s %11s %10s %11s\n", "level", "remaining", "dev WER/CER",
            "test-clean WER/CER", "test-other WER/CER", "best epoch", "wall time", "train aud/s");
    for (int i = 0; i < s->n; i++) {
        const al_report_point *p = &s->points[i];
        char sets[AL_N_SETS][32], epoch[16], wall[32], speed[32];
        for (int k = 0; k < AL_N_SETS; k++) fmt_score(&p->sets[k], sets[k], sizeof sets[k]);
        if (p->best_epoch >= 0) snprintf(epoch, sizeof epoch, "%d", p->best_epoch);
        else snprintf(epoch, sizeof epoch, "-");
        fmt_duration(p->wall_seconds, wall, sizeof wall);
        /* training throughput (audio seconds per second): sparse kernels make pruned levels faster */
        if (isnan(p->audio_speed)) snprintf(speed, sizeof speed, "-");
        else snprintf(speed, sizeof speed, "%.1f", p->audio_speed);
        char pct[16];
        fprintf(out, "%5d %9s%% %16s %19s %19s %11s %10s %11s\n", p->level,
                al_report_percent(p->remaining_percent, pct), sets[AL_SET_DEV],
                sets[AL_SET_TEST_CLEAN], sets[AL_SET_TEST_OTHER], epoch, wall, speed);
    }
}

al_status al_report_print(FILE *out, const al_run_report *r, al_metric m) {
    fprintf(out, "run %s\n", r->run_dir);
    for (int i = 0; i < r->n_series; i++) {
        fputc('\n', out);
        print_series(out, &r->series[i]);
    }
    if (r->n_in_progress) {
        fprintf(out, "\nin progress (no report.json yet):");
        for (int i = 0; i < r->n_in_progress; i++) fprintf(out, "%s %s", i ? "," : "", r->in_progress[i]);
        fputc('\n', out);
    }
    fprintf(out, "\nwinning tickets (trunk levels with %s <= the dense level 0):\n", al_metric_name(m));
    static const al_eval_set order[AL_N_SETS] = {AL_SET_TEST_CLEAN, AL_SET_TEST_OTHER, AL_SET_DEV};
    for (int k = 0; k < AL_N_SETS; k++) {
        char line[512];
        al_report_ticket_line(r, order[k], m, line, sizeof line);
        fprintf(out, "%s\n", line);
    }
    return ferror(out) ? al_error(AL_ERR_IO, "cannot write the report of %s", r->run_dir) : AL_OK;
}
