/* Run reports: loading the fixture run (4 trunk levels, a random-reinit branch at two levels, a
 * level and a branch in progress, a branch without test-other), winning tickets (extreme, best,
 * ties, no winner, no dense), the text report, CSV, SVG, and errors that name the file. */
#include <math.h>

#include "al_test.h"
#include "audiolottery/io.h"
#include "audiolottery/report.h"

static al_run_report *load_fixture(void) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/report/run_a", al_test_data());
    al_run_report *r = NULL;
    CHECK_OK(al_run_report_load(dir, &r));
    return r;
}

static void test_load(void) {
    al_run_report *r = load_fixture();
    if (!r) return;
    CHECK(!strcmp(r->run_name, "run_a"));
    CHECK(r->n_series == 2);
    const al_report_series *t = al_report_trunk(r);
    CHECK(t == &r->series[0] && t->n == 4);
    for (int i = 0; t && i < t->n; i++) CHECK(t->points[i].level == i); /* 100, 80, 64, 51.2 % */
    CHECK_NEAR(t->points[3].remaining_percent, 51.2, 1e-12);
    CHECK(t->points[3].remaining_weights == 2850210 && t->points[3].prunable_weights == 5566816);
    CHECK(t->points[3].best_epoch == 5);
    CHECK_NEAR(t->points[3].wall_seconds, 3725.4, 1e-9);
    CHECK_NEAR(t->points[0].sets[AL_SET_TEST_OTHER].cer, 28.0, 1e-12);
    const al_report_series *b = &r->series[1];
    CHECK(!strcmp(b->name, "random-reinit") && b->n == 2);
    CHECK(b->n == 2 && b->points[0].level == 1 && b->points[1].level == 3);
    CHECK(b->n == 2 && !strcmp(b->points[1].kind, "random-reinit"));
    CHECK(b->n == 2 && isnan(b->points[1].sets[AL_SET_TEST_OTHER].wer) && !isnan(b->points[1].sets[AL_SET_TEST_CLEAN].wer));
    CHECK(r->n_in_progress == 2);
    CHECK(r->n_in_progress == 2 && !strcmp(r->in_progress[0], "level_03/branches/random-prune"));
    CHECK(r->n_in_progress == 2 && !strcmp(r->in_progress[1], "level_04"));
    al_run_report_free(r);
}

static void test_fixture_tickets(void) {
    al_run_report *r = load_fixture();
    if (!r) return;
    al_tickets t;
    /* test-clean: dense 43.1; levels 1-3: 42.5, 40.2, 43.1 (a tie with dense wins). */
    al_report_tickets(r, AL_SET_TEST_CLEAN, AL_METRIC_WER, &t);
    CHECK(t.n_scored == 4 && t.dense == 0 && t.extreme == 3 && t.best == 2 && t.closest == 2);
    /* test-other: dense 60.2; 61.0, 60.5, 62.0: nobody wins. */
    al_report_tickets(r, AL_SET_TEST_OTHER, AL_METRIC_WER, &t);
    CHECK(t.dense == 0 && t.extreme == -1 && t.best == -1 && t.closest == 2);
    /* dev: dense 41.2; 39.0, 39.0, 42.0: the best is the sparser of the tied levels. */
    al_report_tickets(r, AL_SET_DEV, AL_METRIC_WER, &t);
    CHECK(t.extreme == 2 && t.best == 2);
    /* test-clean CER: dense 16.1; 15.9, 15.0, 16.3. */
    al_report_tickets(r, AL_SET_TEST_CLEAN, AL_METRIC_CER, &t);
    CHECK(t.extreme == 2 && t.best == 2);
    char line[512];
    al_report_ticket_line(r, AL_SET_TEST_CLEAN, AL_METRIC_WER, line, sizeof line);
    CHECK_MSG(!strcmp(line, "test-clean: dense WER 43.10; extreme ticket level 3 (51.2% remaining) WER 43.10; "
                            "best ticket level 2 (64.0%) WER 40.20"), "%s", line);
    al_report_ticket_line(r, AL_SET_TEST_OTHER, AL_METRIC_WER, line, sizeof line);
    CHECK_MSG(!strcmp(line, "test-other: dense WER 60.20; no winning ticket (lowest pruned: level 2 (64.0%) WER 60.50)"),
              "%s", line);
    al_report_ticket_line(r, AL_SET_TEST_CLEAN, AL_METRIC_CER, line, sizeof line);
    CHECK_MSG(!strcmp(line, "test-clean: dense CER 16.10; extreme ticket level 2 (64.0% remaining) CER 15.00; "
                            "best ticket level 2 (64.0%) CER 15.00"), "%s", line);
    al_run_report_free(r);
}

/* A trunk point with only a test-clean WER (NAN: absent). */
static al_report_point pt(int level, double wer) {
    al_report_point p = {.kind = "trunk", .level = level, .remaining_percent = 100 * pow(0.8, level), .best_epoch = -1};
    for (int k = 0; k < AL_N_SETS; k++) p.sets[k].wer = p.sets[k].cer = NAN;
    p.sets[AL_SET_TEST_CLEAN].wer = p.sets[AL_SET_TEST_CLEAN].cer = wer;
    return p;
}

static void tickets_of(al_report_point *pts, int n, al_tickets *t, char *line, size_t len) {
    al_report_series s = {.name = "trunk", .points = pts, .n = n};
    al_run_report r = {.run_dir = "x", .run_name = "x", .series = &s, .n_series = 1};
    al_report_tickets(&r, AL_SET_TEST_CLEAN, AL_METRIC_WER, t);
    al_report_ticket_line(&r, AL_SET_TEST_CLEAN, AL_METRIC_WER, line, len);
}

static void test_ticket_cases(void) {
    al_tickets t;
    char line[512];
    /* Tied lowest WERs: the sparser is best; the extreme is the sparsest winner even if worse. */
    al_report_point a[] = {pt(0, 10), pt(1, 9), pt(2, 8), pt(3, 8), pt(4, 9.5), pt(5, 10.01)};
    tickets_of(a, 6, &t, line, sizeof line);
    CHECK(t.dense == 0 && t.best == 3 && t.extreme == 4);
    /* A sparser winner after a loser still counts. */
    al_report_point b[] = {pt(0, 10), pt(1, 11), pt(2, 10)};
    tickets_of(b, 3, &t, line, sizeof line);
    CHECK(t.extreme == 2 && t.best == 2);
    /* Dense only. */
    tickets_of(a, 1, &t, line, sizeof line);
    CHECK(t.dense == 0 && t.extreme == -1 && t.closest == -1);
    CHECK_MSG(!strcmp(line, "test-clean: dense WER 10.00; no winning ticket (no pruned level finished)"), "%s", line);
    /* Level 0 unfinished: no dense, so no winners, but the set is scored. */
    tickets_of(a + 1, 3, &t, line, sizeof line);
    CHECK(t.n_scored == 3 && t.dense == -1 && t.extreme == -1 && t.best == -1);
    CHECK_STR_CONTAINS(line, "no dense result");
    /* A set nobody has. */
    al_report_point c[] = {pt(0, NAN), pt(1, NAN)};
    tickets_of(c, 2, &t, line, sizeof line);
    CHECK(t.n_scored == 0 && t.dense == -1);
    CHECK_MSG(!strcmp(line, "test-clean: no results"), "%s", line);
}

static void test_print(void) {
    al_run_report *r = load_fixture();
    if (!r) return;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK_OK(al_report_print(f, r, AL_METRIC_WER));
    fclose(f);
    CHECK_STR_CONTAINS(text, "\ntrunk: 4 points\n");
    CHECK_STR_CONTAINS(text, "\nrandom-reinit: 2 points\n");
    CHECK_STR_CONTAINS(text, "    3      51.2%      42.00/15.90         43.10/16.30         62.00/29.30           5   1h02m05s        30.9\n");
    CHECK_STR_CONTAINS(text, "    3      51.2%      45.30/17.90         47.90/19.20                   -           6      47.5s        31.0\n");
    CHECK_STR_CONTAINS(text, "in progress (no report.json yet): level_03/branches/random-prune, level_04\n");
    CHECK_STR_CONTAINS(text, "\ndev: dense WER 41.20; extreme ticket level 2 (64.0% remaining) WER 39.00; best ticket level 2");
    free(text);
    al_run_report_free(r);
}

static void test_csv(void) {
    al_run_report *r = load_fixture();
    if (!r) return;
    char path[1100], *text = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/run_a.csv", al_test_tmpdir());
    CHECK_OK(al_report_write_csv(r, path));
    CHECK_OK(al_read_file(path, &text, &len));
    const char *expect =
        "series,level,remaining_percent,remaining_weights,dev_wer,dev_cer,test_clean_wer,test_clean_cer,"
        "test_other_wer,test_other_cer,best_epoch,wall_seconds,train_audio_seconds_per_second\n"
        "trunk,0,100,5566816,41.2,15.3,43.1,16.1,60.2,28,7,812.5,31.2\n"
        "trunk,1,80,4453453,39,14.8,42.5,15.9,61,28.4,6,790.2,32\n"
        "trunk,2,64,3562762,39,14.6,40.2,15,60.5,28.1,7,805,31.4\n"
        "trunk,3,51.2,2850210,42,15.9,43.1,16.3,62,29.3,5,3725.4,30.9\n"
        "random-reinit,1,80,4453453,42,16,44,17,62.5,29,7,801,31.8\n"
        "random-reinit,3,51.2,2850210,45.3,17.9,47.9,19.2,,,6,47.5,31\n";
    CHECK_MSG(text && !strcmp(text, expect), "got:\n%s", text ? text : "(null)");
    free(text);
    al_run_report_free(r);
}

static int count(const char *s, const char *needle) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static void test_svg(void) {
    al_run_report *r = load_fixture();
    if (!r) return;
    char path[1100], *svg = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/run_a.svg", al_test_tmpdir());
    CHECK(al_report_plot_set(r) == AL_SET_TEST_CLEAN);
    CHECK_OK(al_report_write_svg(r, AL_METRIC_WER, path));
    CHECK_OK(al_read_file(path, &svg, &len));
    if (!svg) return;
    CHECK(!strncmp(svg, "<svg ", 5));
    CHECK(len > 7 && !strcmp(svg + len - 7, "</svg>\n") && count(svg, "<svg") == 1);
    CHECK(count(svg, "<polyline") == 2); /* trunk and random-reinit */
    CHECK(count(svg, "<g ") + count(svg, "<g>") == count(svg, "</g>"));
    CHECK(count(svg, "<text") == count(svg, "</text>"));
    CHECK(count(svg, "stroke-dasharray") == 2); /* the dense line and its legend entry */
    CHECK_STR_CONTAINS(svg, "run_a: test-clean WER vs. remaining weights");
    CHECK_STR_CONTAINS(svg, "dense (level 0) 43.10");
    CHECK_STR_CONTAINS(svg, "trunk level 3: 51.2% remaining, WER 43.10"); /* a marker's tooltip */
    /* 100% on the left: the trunk's x coordinates increase as the remaining weights fall. */
    const char *p = strstr(svg, "<polyline");
    p = p ? strstr(p, "points=\"") : NULL;
    double x[4] = {0};
    int n = 0;
    for (p = p ? p + 8 : NULL; p && n < 4 && sscanf(p, "%lf,", &x[n]) == 1; n++) {
        p = strchr(p, ' '); /* "x,y x,y ..." */
        if (p) p++;
    }
    CHECK(n == 4 && x[0] < x[1] && x[1] < x[2] && x[2] < x[3]);
    free(svg);
    /* CER plots the CER. */
    CHECK_OK(al_report_write_svg(r, AL_METRIC_CER, path));
    CHECK_OK(al_read_file(path, &svg, &len));
    CHECK_STR_CONTAINS(svg, "test-clean CER (%)");
    free(svg);
    al_run_report_free(r);
}

static void write_text(const char *path, const char *text) {
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    CHECK_OK(al_mkdir_p(dir));
    CHECK_OK(al_write_file_atomic(path, text, strlen(text)));
}

/* Loading tmp/name (with level_00/report.json = json) fails with a message holding want. */
static void expect_error(const char *name, const char *json, const char *want) {
    char dir[1100], file[1200];
    snprintf(dir, sizeof dir, "%s/%s", al_test_tmpdir(), name);
    snprintf(file, sizeof file, "%s/level_00/report.json", dir);
    write_text(file, json);
    al_run_report *r = (al_run_report *)1;
    CHECK(al_run_report_load(dir, &r) == AL_ERR_FORMAT && r == NULL);
    CHECK_STR_CONTAINS(al_last_error(), file);
    CHECK_STR_CONTAINS(al_last_error(), want);
}

static void test_errors(void) {
    char dir[1100];
    al_run_report *r = NULL;
    snprintf(dir, sizeof dir, "%s/no_such_run", al_test_tmpdir());
    CHECK(al_run_report_load(dir, &r) == AL_ERR_NOT_FOUND && r == NULL);
    CHECK_STR_CONTAINS(al_last_error(), dir);
    /* A directory without level_NN directories. */
    snprintf(dir, sizeof dir, "%s/not_a_run/level_x", al_test_tmpdir());
    CHECK_OK(al_mkdir_p(dir));
    snprintf(dir, sizeof dir, "%s/not_a_run", al_test_tmpdir());
    CHECK(al_run_report_load(dir, &r) == AL_ERR_NOT_FOUND && r == NULL);
    CHECK_STR_CONTAINS(al_last_error(), dir);
    CHECK_STR_CONTAINS(al_last_error(), "no level_NN directories");
    expect_error("truncated", "{\"kind\": \"trunk\", \"level\": 0,", "not valid JSON");
    expect_error("no_percent", "{\"kind\": \"trunk\", \"level\": 0, \"remaining_weights\": 5}", "'remaining_percent' is missing");
    expect_error("bad_set",
                 "{\"kind\": \"trunk\", \"level\": 0, \"remaining_weights\": 5, \"remaining_percent\": 100, \"dev\": {\"wer\": 1}}",
                 "'dev' needs numbers 'wer' and 'cer'");
    expect_error("wrong_level", "{\"kind\": \"trunk\", \"level\": 2, \"remaining_weights\": 5, \"remaining_percent\": 100}",
                 "'level' 2 in directory level_00");
    expect_error("branch_kind", "{\"kind\": \"finetune\", \"level\": 0, \"remaining_weights\": 5, \"remaining_percent\": 100}",
                 "kind 'finetune' in a trunk level directory");
    /* A run with only unfinished levels loads; everything is in progress. */
    snprintf(dir, sizeof dir, "%s/fresh/level_00", al_test_tmpdir());
    CHECK_OK(al_mkdir_p(dir));
    *strrchr(dir, '/') = 0;
    CHECK_OK(al_run_report_load(dir, &r));
    CHECK(r && r->n_series == 0 && r->n_in_progress == 1 && !al_report_trunk(r));
    char path[1200], *svg = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/report.svg", dir);
    if (r) CHECK_OK(al_report_write_svg(r, AL_METRIC_WER, path));
    CHECK_OK(al_read_file(path, &svg, &len));
    CHECK_STR_CONTAINS(svg, "no finished level has test-clean results yet");
    CHECK(svg && count(svg, "<polyline") == 0);
    free(svg);
    al_run_report_free(r);
}

AL_TEST_MAIN(test_load, test_fixture_tickets, test_ticket_cases, test_print, test_csv, test_svg, test_errors)
