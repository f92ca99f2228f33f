/* audiolottery report: tables, winning tickets, CSV and SVG of a lottery run directory. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audiolottery/al.h"
#include "audiolottery/report.h"
#include "cli/commands.h"
#include "train/run_files.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery report RUN_DIR [options]\n\n"
            "Reads RUN_DIR/level_NN/report.json (the trunk) and RUN_DIR/level_NN/branches/NAME/report.json of a\n"
            "lottery run, finished or in progress (directories without report.json are listed as in progress).\n"
            "Prints a table per series, then the winning tickets on test-clean, test-other and dev: a pruned\n"
            "trunk level wins if its metric <= the dense level 0's; the extreme ticket is the sparsest winner,\n"
            "the best ticket the lowest (ties: the sparser). Writes a CSV and an SVG plot.\n\n"
            "options (default):\n"
            "  --csv FILE      one row per series point (RUN_DIR/report.csv)\n"
            "  --svg FILE      metric on test-clean (else dev) against remaining weights (RUN_DIR/report.svg)\n"
            "  --metric NAME   wer or cer: the tickets' and the plot's metric (wer)\n"
            "  -h, --help      this help\n");
}

/* path, or RUN_DIR/name when path is NULL (*owned set for freeing). */
/* The run directory's own files (report.json, config.json, metrics.csv, checkpoints and masks) are
 * never report outputs: overwriting one would break the run. */
static int is_run_file(const char *path) {
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(base);
    return !strcmp(base, AL_RUN_METRICS) || (n >= 5 && !strcmp(base + n - 5, ".json")) ||
           (n >= 12 && !strcmp(base + n - 12, ".safetensors"));
}

static const char *out_path(const char *path, const char *run_dir, const char *name, char **owned) {
    *owned = NULL;
    if (path) return path;
    if (asprintf(owned, "%s/%s", run_dir, name) < 0) *owned = NULL;
    return *owned;
}

int al_cmd_report(int argc, char **argv) {
    static const struct option longopts[] = {
        {"csv", 1, 0, 'c'}, {"svg", 1, 0, 's'}, {"metric", 1, 0, 'm'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *csv_opt = NULL, *svg_opt = NULL;
    al_metric metric = AL_METRIC_WER;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': csv_opt = optarg; break;
        case 's': svg_opt = optarg; break;
        case 'm':
            if (!strcmp(optarg, "wer") || !strcmp(optarg, "cer")) {
                metric = optarg[0] == 'c' ? AL_METRIC_CER : AL_METRIC_WER;
                break;
            }
            fprintf(stderr, "report: --metric: '%s' is neither wer nor cer\n", optarg);
            return 2;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "report: expected one RUN_DIR (see --help)\n");
        return 2;
    }
    const char *outs[] = {csv_opt, svg_opt};
    for (int i = 0; i < 2; i++)
        if (outs[i] && is_run_file(outs[i])) {
            fprintf(stderr, "report: %s %s would overwrite a run file; choose a .csv / .svg path\n",
                    i ? "--svg" : "--csv", outs[i]);
            return 2;
        }
    struct stat a, b;
    if (csv_opt && svg_opt &&
        (!strcmp(csv_opt, svg_opt) ||
         (stat(csv_opt, &a) == 0 && stat(svg_opt, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino))) {
        fprintf(stderr, "report: --csv and --svg name the same file %s\n", csv_opt);
        return 2;
    }
    al_run_report *r = NULL;
    char *csv_owned = NULL, *svg_owned = NULL;
    const char *csv = NULL, *svg = NULL;
    al_status st = al_run_report_load(argv[optind], &r);
    if (st == AL_OK) {
        csv = out_path(csv_opt, r->run_dir, AL_RUN_REPORT_CSV, &csv_owned);
        svg = out_path(svg_opt, r->run_dir, AL_RUN_REPORT_SVG, &svg_owned);
        if (!csv || !svg) st = al_error(AL_ERR_NOMEM, "out of memory");
    }
    if (st == AL_OK) st = al_report_print(stdout, r, metric);
    if (st == AL_OK) st = al_report_write_csv(r, csv);
    if (st == AL_OK) st = al_report_write_svg(r, metric, svg);
    if (st == AL_OK) printf("\nwrote %s\nwrote %s\n", csv, svg);
    else fprintf(stderr, "report: %s\n", al_last_error());
    free(csv_owned);
    free(svg_owned);
    al_run_report_free(r);
    return st == AL_OK ? 0 : 1;
}
