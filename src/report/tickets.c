/* Winning tickets by the paper's definition (Audio Lottery, ICLR 2022): a pruned trunk level wins
 * on a set if its metric is <= the dense model's (trunk level 0); extreme = the sparsest winner,
 * best = the lowest metric (ties: the sparser). */
#include <math.h>
#include <stdio.h>

#include "audiolottery/report.h"
#include "report/report_internal.h"

void al_report_tickets(const al_run_report *r, al_eval_set s, al_metric m, al_tickets *t) {
    t->n_scored = 0;
    t->dense = t->extreme = t->best = t->closest = -1;
    const al_report_series *tr = al_report_trunk(r);
    if (!tr) return;
    /* Points run from dense to sparse (ties: level ascending), so a larger index is sparser. */
    for (int i = 0; i < tr->n; i++) {
        if (isnan(al_report_value(&tr->points[i], s, m))) continue;
        t->n_scored++;
        if (tr->points[i].level == 0 && t->dense < 0) t->dense = i;
    }
    double dense = t->dense >= 0 ? al_report_value(&tr->points[t->dense], s, m) : NAN;
    for (int i = 0; i < tr->n; i++) {
        double v = al_report_value(&tr->points[i], s, m);
        if (tr->points[i].level == 0 || isnan(v)) continue;
        if (t->closest < 0 || v <= al_report_value(&tr->points[t->closest], s, m)) t->closest = i;
        if (v <= dense) t->extreme = i;
    }
    if (t->extreme >= 0) t->best = t->closest;
}

void al_report_ticket_line(const al_run_report *r, al_eval_set s, al_metric m, char *buf, size_t n) {
    al_tickets t;
    al_report_tickets(r, s, m, &t);
    const char *set = al_eval_set_name(s), *mn = al_metric_name(m);
    if (t.n_scored == 0) {
        snprintf(buf, n, "%s: no results", set);
        return;
    }
    if (t.dense < 0) {
        snprintf(buf, n, "%s: no dense result (trunk level 0 in progress or without %s)", set, set);
        return;
    }
    const al_report_point *p = al_report_trunk(r)->points;
    const al_report_point *d = &p[t.dense];
    int k = snprintf(buf, n, "%s: dense %s %.2f; ", set, mn, al_report_value(d, s, m));
    if (k < 0 || (size_t)k >= n) return;
    if (t.extreme >= 0) {
        const al_report_point *e = &p[t.extreme], *b = &p[t.best];
        char pe[16], pb[16];
        snprintf(buf + k, n - k,
                 "extreme ticket level %d (%s%% remaining) %s %.2f; best ticket level %d (%s%%) %s %.2f",
                 e->level, al_report_percent(e->remaining_percent, pe), mn, al_report_value(e, s, m), b->level,
                 al_report_percent(b->remaining_percent, pb), mn, al_report_value(b, s, m));
    } else if (t.closest >= 0) {
        const al_report_point *c = &p[t.closest];
        char pc[16];
        snprintf(buf + k, n - k, "no winning ticket (lowest pruned: level %d (%s%%) %s %.2f)", c->level,
                 al_report_percent(c->remaining_percent, pc), mn, al_report_value(c, s, m));
    } else {
        snprintf(buf + k, n - k, "no winning ticket (no pruned level finished)");
    }
}
