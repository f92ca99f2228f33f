/* The run report as a hand-written SVG plot: the metric on one set against remaining weights (log x
 * axis, 100% on the left, sparser to the right), a polyline and markers per series, the dense
 * level as a dashed line, a legend on the right. Coordinates are in SVG user units (pixels). */
#include <math.h>
#include <string.h>

#include "audiolottery/io.h"
#include "audiolottery/report.h"
#include "report/report_internal.h"

enum { WIDTH = 820, HEIGHT = 500, LEFT = 72, RIGHT = 620, TOP = 56, BOTTOM = 436, MIN_TICK_GAP = 34, MAX_TICKS = 64 };

typedef enum { MARK_CIRCLE, MARK_SQUARE, MARK_TRIANGLE, MARK_DIAMOND } marker;

typedef struct {
    const char *name, *color;
    marker mark;
} series_style;

static const series_style KNOWN[] = {
    {"trunk", "#1f5fbf", MARK_CIRCLE},         {"random-prune", "#c0392b", MARK_SQUARE},
    {"random-prune-global", "#8c564b", MARK_SQUARE}, {"random-reinit", "#e07b00", MARK_TRIANGLE},
    {"finetune", "#2e8b57", MARK_DIAMOND},     {"retrain", "#8e44ad", MARK_CIRCLE},
};
static const char *const OTHER_COLORS[] = {"#17a2b8", "#7f7f7f", "#a0a020", "#d63384"};

static series_style style_of(const char *name, int index) {
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (!strcmp(KNOWN[i].name, name)) return KNOWN[i];
    return (series_style){name, OTHER_COLORS[index % 4], (marker)(index % 4)};
}

/* The plot's data ranges and the maps from data to pixels. */
typedef struct {
    double x_hi, x_lo; /* remaining percent at the left and right edges */
    double y_lo, y_hi, y_step;
} frame;

static double px_x(const frame *f, double percent) {
    return LEFT + (log(f->x_hi) - log(percent)) / (log(f->x_hi) - log(f->x_lo)) * (RIGHT - LEFT);
}

static double px_y(const frame *f, double v) { return BOTTOM - (v - f->y_lo) / (f->y_hi - f->y_lo) * (BOTTOM - TOP); }

al_eval_set al_report_plot_set(const al_run_report *r) {
    static const al_eval_set pref[AL_N_SETS] = {AL_SET_TEST_CLEAN, AL_SET_DEV, AL_SET_TEST_OTHER};
    for (int k = 0; k < AL_N_SETS; k++)
        for (int i = 0; i < r->n_series; i++)
            for (int j = 0; j < r->series[i].n; j++)
                if (!isnan(r->series[i].points[j].sets[pref[k]].wer)) return pref[k];
    return AL_SET_TEST_CLEAN;
}

/* The ranges of the plotted points (x padded by about one pruning level, y by 8% and snapped to a
 * 1-2-5 step, at least 1 or 10% of the largest value tall); a default frame when nothing is plotted. */
static frame make_frame(const al_run_report *r, al_eval_set s, al_metric m, double dense) {
    double pmin = INFINITY, pmax = -INFINITY, vmin = dense, vmax = dense;
    for (int i = 0; i < r->n_series; i++)
        for (int j = 0; j < r->series[i].n; j++) {
            const al_report_point *p = &r->series[i].points[j];
            double v = al_report_value(p, s, m);
            if (isnan(v)) continue;
            pmin = fmin(pmin, p->remaining_percent);
            pmax = fmax(pmax, p->remaining_percent);
            vmin = fmin(vmin, v); /* fmin ignores a NAN dense */
            vmax = fmax(vmax, v);
        }
    frame f;
    if (!isfinite(pmin)) pmin = 10, pmax = 100, vmin = 0, vmax = 100;
    f.x_hi = pmax * 1.06;
    f.x_lo = fmin(pmin / 1.2, f.x_hi / 2.5);
    int nonneg = vmin >= 0;
    double min_span = fmax(1.0, 0.1 * fabs(vmax)); /* so that one point or a flat series is not magnified */
    if (vmax - vmin < min_span) {
        double mid = (vmax + vmin) / 2;
        vmin = mid - min_span / 2;
        vmax = mid + min_span / 2;
    }
    double span = vmax - vmin, lo = vmin - 0.08 * span, hi = vmax + 0.08 * span;
    double raw = (hi - lo) / 6, mag = pow(10, floor(log10(raw)));
    f.y_step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
    f.y_lo = floor(lo / f.y_step) * f.y_step;
    if (f.y_lo < 0 && nonneg) f.y_lo = 0;
    f.y_hi = ceil(hi / f.y_step) * f.y_step;
    return f;
}

/* Text with &, <, >, " escaped, and control bytes (which XML 1.0 forbids) as '?'. Names come
 * from directory names, so they may hold anything. */
static void xml_text(FILE *o, const char *s) {
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n') {
            fputc('?', o);
            continue;
        }
        switch (*s) {
        case '&': fputs("&amp;", o); break;
        case '<': fputs("&lt;", o); break;
        case '>': fputs("&gt;", o); break;
        case '"': fputs("&quot;", o); break;
        default: fputc(*s, o);
        }
    }
}

/* "100", "51.2", "4.4", "0.92" */
static void fmt_percent(double v, char *buf, size_t n) {
    if (fabs(v - round(v)) < 0.05 && v >= 10) snprintf(buf, n, "%.0f", v);
    else snprintf(buf, n, v >= 1 ? "%.1f" : v >= 0.1 ? "%.2f" : "%.2g", v);
}

/* Adds tick v unless it lies outside the frame or within MIN_TICK_GAP pixels of one already taken. */
static void add_tick(const frame *f, double v, double *ticks, double *px, int *n) {
    double x = px_x(f, v);
    if (*n >= MAX_TICKS || v > f->x_hi || v < f->x_lo) return;
    for (int i = 0; i < *n; i++)
        if (fabs(px[i] - x) < MIN_TICK_GAP) return;
    px[*n] = x;
    ticks[(*n)++] = v;
}

/* x ticks: the points' remaining percents (the trunk's first), then 1-2-5 values that fit between
 * them (so a run with one level still gets a scale). */
static int x_ticks(const al_run_report *r, const frame *f, double *ticks) {
    double px[MAX_TICKS];
    int n = 0;
    for (int i = 0; i < r->n_series; i++)
        for (int j = 0; j < r->series[i].n; j++) add_tick(f, r->series[i].points[j].remaining_percent, ticks, px, &n);
    for (double decade = 1000; decade >= 1e-3; decade /= 10)
        for (int k = 0; k < 3; k++) add_tick(f, decade * (k == 0 ? 1 : k == 1 ? 0.5 : 0.2), ticks, px, &n);
    return n;
}

static void draw_axes(FILE *o, const al_run_report *r, const frame *f, al_eval_set s, al_metric m) {
    fprintf(o, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, HEIGHT);
    fprintf(o, "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">", (LEFT + RIGHT) / 2);
    xml_text(o, r->run_name);
    fprintf(o, ": %s %s vs. remaining weights</text>\n", al_eval_set_name(s), al_metric_name(m));
    double ticks[MAX_TICKS];
    int n = x_ticks(r, f, ticks);
    fprintf(o, "<g font-size=\"11\" fill=\"#333\" text-anchor=\"middle\">\n");
    for (int i = 0; i < n; i++) {
        char label[16];
        double x = px_x(f, ticks[i]);
        fmt_percent(ticks[i], label, sizeof label);
        fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e6e6\"/>", x, TOP, x, BOTTOM);
        fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>", x, BOTTOM, x, BOTTOM + 5);
        fprintf(o, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x, BOTTOM + 18, label);
    }
    fprintf(o, "</g>\n<g font-size=\"11\" fill=\"#333\" text-anchor=\"end\">\n");
    int decimals = f->y_step >= 1 ? 0 : (int)ceil(-log10(f->y_step) - 1e-9);
    for (double v = f->y_lo; v <= f->y_hi + f->y_step * 1e-6; v += f->y_step) {
        double y = px_y(f, v);
        fprintf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>", LEFT, y, RIGHT, y);
        fprintf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#333\"/>", LEFT - 5, y, LEFT, y);
        fprintf(o, "<text x=\"%d\" y=\"%.1f\">%.*f</text>\n", LEFT - 8, y + 4, decimals, v);
    }
    fprintf(o, "</g>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>\n", LEFT, TOP,
            RIGHT - LEFT, BOTTOM - TOP);
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">remaining weights (%%, log scale)</text>\n",
            (LEFT + RIGHT) / 2, BOTTOM + 42);
    fprintf(o, "<text transform=\"translate(%d %d) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">%s %s (%%)</text>\n",
            LEFT - 48, (TOP + BOTTOM) / 2, al_eval_set_name(s), al_metric_name(m));
}

/* Opens a marker's element centred on (x, y); the caller may add children (a <title>) and closes it
 * with </marker_tag(mk)>. */
static void draw_marker(FILE *o, marker mk, double x, double y, const char *color) {
    const char *paint = "stroke=\"white\" stroke-width=\"1\"";
    switch (mk) {
    case MARK_CIRCLE: fprintf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\" %s>", x, y, color, paint); break;
    case MARK_SQUARE:
        fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\" %s>", x - 4, y - 4, color, paint);
        break;
    case MARK_TRIANGLE:
        fprintf(o, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" %s>", x, y - 5.5, x + 5, y + 4, x - 5,
                y + 4, color, paint);
        break;
    case MARK_DIAMOND:
        fprintf(o, "<polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" fill=\"%s\" %s>", x, y - 5.5, x + 5.5,
                y, x, y + 5.5, x - 5.5, y, color, paint);
        break;
    }
}

static const char *marker_tag(marker mk) {
    return mk == MARK_CIRCLE ? "circle" : mk == MARK_SQUARE ? "rect" : "polygon";
}

/* A polyline through the series' scored points (when there are two or more) and a marker with a
 * tooltip on each. Returns whether anything was drawn. */
static int draw_series(FILE *o, const al_report_series *s, const series_style *st, const frame *f, al_eval_set set,
                       al_metric m) {
    int scored = 0;
    for (int j = 0; j < s->n; j++) scored += !isnan(al_report_value(&s->points[j], set, m));
    if (!scored) return 0;
    fprintf(o, "<g>\n");
    if (scored >= 2) {
        fprintf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"", st->color);
        for (int j = 0, k = 0; j < s->n; j++) {
            double v = al_report_value(&s->points[j], set, m);
            if (!isnan(v)) fprintf(o, "%s%.1f,%.1f", k++ ? " " : "", px_x(f, s->points[j].remaining_percent), px_y(f, v));
        }
        fprintf(o, "\"/>\n");
    }
    for (int j = 0; j < s->n; j++) {
        const al_report_point *p = &s->points[j];
        double v = al_report_value(p, set, m);
        if (isnan(v)) continue;
        draw_marker(o, st->mark, px_x(f, p->remaining_percent), px_y(f, v), st->color);
        fprintf(o, "<title>");
        xml_text(o, s->name);
        char pct[16];
        fprintf(o, " level %d: %s%% remaining, %s %.2f</title></%s>\n", p->level,
                al_report_percent(p->remaining_percent, pct), al_metric_name(m), v, marker_tag(st->mark));
    }
    fprintf(o, "</g>\n");
    return 1;
}

static void legend_entry(FILE *o, int row, const series_style *st, const char *dash, const char *label) {
    double y = TOP + 14 + 22 * row, x = RIGHT + 22;
    fprintf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%s\"%s/>", x, y, x + 28,
            y, st->color, dash ? "1.5" : "2", dash ? dash : "");
    if (!dash) {
        draw_marker(o, st->mark, x + 14, y, st->color);
        fprintf(o, "</%s>", marker_tag(st->mark));
    }
    fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", x + 36, y + 4);
    xml_text(o, label);
    fprintf(o, "</text>\n");
}

static void draw_plot(FILE *o, const al_run_report *r, al_metric m) {
    al_eval_set s = al_report_plot_set(r);
    al_tickets t;
    al_report_tickets(r, s, m, &t);
    double dense = t.dense >= 0 ? al_report_value(&al_report_trunk(r)->points[t.dense], s, m) : NAN;
    frame f = make_frame(r, s, m, dense);
    fprintf(o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
            "font-family=\"sans-serif\">\n",
            WIDTH, HEIGHT, WIDTH, HEIGHT);
    draw_axes(o, r, &f, s, m);
    const char *dash = " stroke-dasharray=\"6 4\"";
    if (!isnan(dense))
        fprintf(o, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#555\" stroke-width=\"1.5\"%s/>\n", LEFT,
                px_y(&f, dense), RIGHT, px_y(&f, dense), dash);
    int drawn = 0;
    for (int i = 0; i < r->n_series; i++) {
        series_style st = style_of(r->series[i].name, i);
        if (draw_series(o, &r->series[i], &st, &f, s, m)) legend_entry(o, drawn++, &st, NULL, r->series[i].name);
    }
    if (!isnan(dense)) {
        series_style grey = {"dense", "#555", MARK_CIRCLE};
        char label[64];
        snprintf(label, sizeof label, "dense (level 0) %.2f", dense);
        legend_entry(o, drawn, &grey, dash, label);
    }
    if (!drawn)
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" fill=\"#777\">no finished level has %s "
                   "results yet</text>\n", (LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2, al_eval_set_name(s));
    fprintf(o, "</svg>\n");
}

al_status al_report_write_svg(const al_run_report *r, al_metric m, const char *path) {
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    draw_plot(af.fp, r, m);
    return al_atomic_commit(&af);
}
