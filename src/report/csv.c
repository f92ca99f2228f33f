/* The run report as CSV: one row per point of every series. */
#include <math.h>
#include <string.h>

#include "audiolottery/io.h"
#include "audiolottery/report.h"

/* A number with full precision, or an empty field when absent. */
static void field(FILE *f, double v) {
    if (!isnan(v)) fprintf(f, "%.10g", v);
    fputc(',', f);
}

/* A series name (a directory name), quoted as RFC 4180 says when it holds a comma, quote or newline. */
static void text_field(FILE *f, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f); /* doubled */
        fputc(*s, f);
    }
    fputc('"', f);
}

al_status al_report_write_csv(const al_run_report *r, const char *path) {
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    FILE *f = af.fp;
    fprintf(f, "series,level,remaining_percent,remaining_weights,dev_wer,dev_cer,test_clean_wer,test_clean_cer,"
               "test_other_wer,test_other_cer,best_epoch,wall_seconds,train_audio_seconds_per_second\n");
    for (int i = 0; i < r->n_series; i++)
        for (int j = 0; j < r->series[i].n; j++) {
            const al_report_point *p = &r->series[i].points[j];
            text_field(f, r->series[i].name);
            fprintf(f, ",%d,%.10g,%lld,", p->level, p->remaining_percent, (long long)p->remaining_weights);
            for (int k = 0; k < AL_N_SETS; k++) {
                field(f, p->sets[k].wer);
                field(f, p->sets[k].cer);
            }
            field(f, p->best_epoch >= 0 ? p->best_epoch : NAN);
            field(f, p->wall_seconds);
            if (!isnan(p->audio_speed)) fprintf(f, "%.10g", p->audio_speed);
            fputc('\n', f);
        }
    return al_atomic_commit(&af);
}
