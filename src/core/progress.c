/* Progress bar with rate and ETA; clock; thread count. */
#include "audiolottery/core.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef AL_HAVE_OPENMP
#include <omp.h>
#endif

struct al_progress {
    char label[64];
    char unit[16];
    char note[64];
    uint64_t total, done;
    double start, last_draw;
    int last_decile; /* for non-terminal output: the last 10% step printed */
    int tty;
};

double al_time_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void format_duration(char *buf, size_t n, double s) {
    if (s < 0 || s > 1e7) { snprintf(buf, n, "--:--"); return; }
    int t = (int)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, n, "%02d:%02d", t / 60, t % 60);
}

static void draw(al_progress *p, int final) {
    double now = al_time_now(), elapsed = now - p->start;
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : -1;
    double frac = p->total ? (double)p->done / (double)p->total : 1.0;
    char el[32], et[32];
    format_duration(el, sizeof el, elapsed);
    format_duration(et, sizeof et, final ? 0 : eta);
    if (p->tty) {
        char bar[31];
        int filled = (int)(frac * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < filled ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r%s [%s] %5.1f%% %llu/%llu %s, %.1f %s/s, elapsed %s, ETA %s%s%s\033[K%s", p->label, bar,
                100 * frac, (unsigned long long)p->done, (unsigned long long)p->total, p->unit, rate, p->unit,
                el, et, p->note[0] ? ", " : "", p->note, final ? "\n" : "");
    } else {
        fprintf(stderr, "%s: %5.1f%% %llu/%llu %s, %.1f %s/s, elapsed %s, ETA %s%s%s\n", p->label, 100 * frac,
                (unsigned long long)p->done, (unsigned long long)p->total, p->unit, rate, p->unit, el, et,
                p->note[0] ? ", " : "", p->note);
    }
    fflush(stderr);
    p->last_draw = now;
}

al_progress *al_progress_start(const char *label, uint64_t total, const char *unit) {
    al_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    snprintf(p->label, sizeof p->label, "%s", label);
    snprintf(p->unit, sizeof p->unit, "%s", unit ? unit : "items");
    p->total = total;
    p->start = p->last_draw = al_time_now();
    p->tty = isatty(fileno(stderr));
    return p;
}

void al_progress_add(al_progress *p, uint64_t done) {
    if (!p) return;
    int redraw = 0;
#pragma omp critical(al_progress)
    {
        p->done += done;
        if (p->tty) {
            redraw = al_time_now() - p->last_draw >= 0.5;
        } else {
            int decile = p->total ? (int)(10 * p->done / p->total) : 10;
            if (decile > p->last_decile && p->done < p->total) {
                p->last_decile = decile;
                redraw = 1;
            }
        }
        if (redraw) draw(p, 0);
    }
}

void al_progress_note(al_progress *p, const char *note) {
    if (!p) return;
#pragma omp critical(al_progress)
    snprintf(p->note, sizeof p->note, "%s", note);
}

void al_progress_finish(al_progress *p) {
    if (!p) return;
    draw(p, 1);
    free(p);
}

static int thread_override = 0;

int al_threads(void) {
    if (thread_override > 0) return thread_override;
#ifdef AL_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int al_thread_num(void) {
#ifdef AL_HAVE_OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

void al_set_threads(int n) {
    if (n <= 0) return;
    thread_override = n;
#ifdef AL_HAVE_OPENMP
    omp_set_num_threads(n);
#endif
}
