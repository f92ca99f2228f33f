/* A toy lottery run (ds2-tiny, the tiny corpus, 2 pruning levels at 50%, one branch of each kind,
 * a second random-prune draw with its own seed):
 * files, exact sparsity per level, every level starting from theta0 (x) mask, masked weights
 * exactly zero after training, random-reinit genuinely new at every level, finetune starting from
 * the trained dense weights, an all-ones level-0 mask, seeded branches in their own directories and
 * report series. (Resume after a kill: test_train_lottery_resume.sh.) */
#include "al_test.h"
#include "audiolottery/lottery.h"
#include "audiolottery/report.h"

#include <sys/stat.h>

static char run[1100];
static al_param_table *table; /* layout of ds2-tiny */
static al_model *model;

static int exists(const char *fmt, const char *a) {
    char path[2048];
    snprintf(path, sizeof path, fmt, run, a);
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Loads RUN/<rel>'s tensors into block (table layout); masks into mask when given. */
static int load(const char *rel, float *block, uint8_t *mask) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", run, rel);
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    CHECK_MSG(st == AL_OK, "%s", al_last_error());
    if (st != AL_OK) return 0;
    if (block) CHECK_OK(al_param_table_read(table, block, f, path, 0));
    if (mask) CHECK_OK(al_mask_read(table, f, path, mask));
    al_st_close(f);
    return 1;
}

static int64_t kept(const uint8_t *mask) {
    al_mask_report r;
    CHECK_OK(al_mask_count(table, mask, &r));
    int64_t k = r.kept_all;
    al_mask_report_free(&r);
    return k;
}

/* The toy recipe: ds2-tiny, one epoch per run, batch 8, 50% pruned per level, into RUN. */
static al_lottery_opts toy_opts(const char *train, const char *dev, int levels) {
    al_lottery_opts o = al_lottery_defaults();
    o.train.model = "ds2-tiny";
    o.train.train_path = train;
    o.train.dev_path = dev;
    o.train.epochs = 1;
    o.train.batch_size = 8;
    o.train.quiet = 1;
    o.run_dir = run;
    o.levels = levels;
    o.prune.fraction = 0.5;
    return o;
}

static void run_toy_lottery(void) {
    const char *tiny = getenv("AL_TINY_CORPUS");
    CHECK_MSG(tiny != NULL, "AL_TINY_CORPUS is not set");
    if (!tiny) return;
    snprintf(run, sizeof run, "%s/run", al_test_tmpdir());
    char cmd[1200], train[1024], dev[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run);
    CHECK(system(cmd) == 0);
    snprintf(train, sizeof train, "%s/train", tiny);
    snprintf(dev, sizeof dev, "%s/dev", tiny);
    al_lottery_opts o = toy_opts(train, dev, 2);
    CHECK_OK(al_lottery_add_branch(&o, "random-reinit"));
    CHECK_OK(al_lottery_add_branch(&o, "random-prune@2"));
    CHECK_OK(al_lottery_add_branch(&o, "finetune@2"));
    CHECK_OK(al_lottery_add_branch(&o, "random-prune:seed=7@2"));
    CHECK(al_lottery_add_branch(&o, "nonsense@2") == AL_ERR_INVALID);
    al_log_set_level(AL_LOG_WARN);
    CHECK_OK(al_lottery_run(&o));
    al_log_set_level(AL_LOG_INFO);
    CHECK_OK(al_model_new_preset("ds2-tiny", &model));
    table = al_model_params(model);
}

static void test_files_exist(void) {
    const char *files[] = {"config.json", "theta0.safetensors", "level_00/mask.safetensors", "level_00/report.json",
                           "level_01/last.safetensors", "level_02/report.json",
                           "level_01/branches/random-reinit/report.json", "level_02/branches/random-reinit/report.json",
                           "level_02/branches/random-prune/report.json", "level_02/branches/finetune/report.json",
                           "level_02/branches/random-prune-seed7/report.json", "level_02/metrics.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        CHECK_MSG(exists("%s/%s", files[i]), "missing %s", files[i]);
    CHECK(!exists("%s/%s", "level_01/branches/finetune")); /* only at level 2 */
}

static void test_exact_sparsity_and_rewinding(void) {
    if (!table) return;
    int64_t prunable = (int64_t)al_param_count_prunable(table);
    float *theta0 = al_param_block_new(table), *start = al_param_block_new(table), *last = al_param_block_new(table);
    uint8_t *mask = al_mask_new(table);
    CHECK(load("theta0.safetensors", theta0, NULL));
    for (int L = 0; L <= 2; L++) {
        char rel[256];
        snprintf(rel, sizeof rel, "level_%02d/mask.safetensors", L);
        load(rel, NULL, mask);
        CHECK_MSG(kept(mask) == al_prune_keep_count(prunable, 0.5, L), "level %d keeps %lld", L, (long long)kept(mask));
        if (L == 0) CHECK(kept(mask) == prunable); /* all ones */
        snprintf(rel, sizeof rel, "level_%02d/start.safetensors", L);
        load(rel, start, NULL);
        snprintf(rel, sizeof rel, "level_%02d/last.safetensors", L);
        load(rel, last, NULL);
        size_t bad_start = 0, bad_last = 0;
        for (int i = 0; i < table->n; i++) {
            const al_param *p = &table->params[i];
            for (size_t k = 0; k < p->numel; k++) {
                size_t j = p->offset + k;
                float want = mask[j] ? theta0[j] : 0.0f; /* theta0 (x) mask, buffers included */
                bad_start += start[j] != want;
                bad_last += !mask[j] && last[j] != 0.0f; /* pruned weights stay exactly zero */
            }
        }
        CHECK_MSG(bad_start == 0, "level %d: %zu starting values differ from theta0 (x) mask", L, bad_start);
        CHECK_MSG(bad_last == 0, "level %d: %zu pruned weights are not zero after training", L, bad_last);
    }
    al_free(theta0), al_free(start), al_free(last);
    free(mask);
}

static void test_random_reinit_is_new_every_level(void) {
    if (!table) return;
    float *theta0 = al_param_block_new(table), *s1 = al_param_block_new(table), *s2 = al_param_block_new(table);
    load("theta0.safetensors", theta0, NULL);
    load("level_01/branches/random-reinit/start.safetensors", s1, NULL);
    load("level_02/branches/random-reinit/start.safetensors", s2, NULL);
    uint8_t *m2 = al_mask_new(table), *trunk = al_mask_new(table);
    load("level_02/branches/random-reinit/mask.safetensors", NULL, m2);
    load("level_02/mask.safetensors", NULL, trunk);
    CHECK(memcmp(m2, trunk, table->total) == 0); /* the ticket's mask */
    size_t same01 = 0, same12 = 0, n = 0;
    for (int i = 0; i < table->n; i++) {
        const al_param *p = &table->params[i];
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        for (size_t k = 0; k < p->numel; k++) {
            size_t j = p->offset + k;
            if (!m2[j]) continue;
            n++;
            same01 += s2[j] == theta0[j];
            same12 += s2[j] == s1[j];
        }
    }
    CHECK_MSG(n > 0 && same01 == 0 && same12 == 0, "%zu/%zu values equal theta0, %zu equal level 1's draw", same01, n,
              same12);
    al_free(theta0), al_free(s1), al_free(s2);
    free(m2), free(trunk);
}

static void test_random_prune_and_finetune(void) {
    if (!table) return;
    uint8_t *rp = al_mask_new(table), *trunk = al_mask_new(table), *ft = al_mask_new(table);
    load("level_02/branches/random-prune/mask.safetensors", NULL, rp);
    load("level_02/mask.safetensors", NULL, trunk);
    load("level_02/branches/finetune/mask.safetensors", NULL, ft);
    CHECK(memcmp(rp, trunk, table->total) != 0);
    for (int i = 0; i < table->n; i++) { /* same per-tensor counts as the ticket */
        const al_param *p = &table->params[i];
        int64_t a = 0, b = 0;
        for (size_t k = 0; k < p->numel; k++) a += rp[p->offset + k], b += trunk[p->offset + k];
        CHECK_MSG(a == b, "%s: %lld vs %lld", p->name, (long long)a, (long long)b);
    }
    CHECK(kept(ft) == kept(trunk));
    float *dense = al_param_block_new(table), *start = al_param_block_new(table);
    load("level_00/last.safetensors", dense, NULL);
    load("level_02/branches/finetune/start.safetensors", start, NULL);
    size_t bad = 0;
    for (size_t j = 0; j < table->total; j++) bad += start[j] != (ft[j] ? dense[j] : 0.0f);
    CHECK_MSG(bad == 0, "finetune: %zu starting values differ from the trained dense weights (x) mask", bad);
    al_free(dense), al_free(start);
    free(rp), free(trunk), free(ft);
}

/* random-prune:seed=7 beside random-prune (the run's --seed): another draw with the same exact
 * counts, in its own directory, with its arguments in report.json and its own report series. */
static void test_random_prune_seeds(void) {
    if (!table) return;
    uint8_t *plain = al_mask_new(table), *seeded = al_mask_new(table), *trunk = al_mask_new(table);
    load("level_02/branches/random-prune/mask.safetensors", NULL, plain);
    load("level_02/branches/random-prune-seed7/mask.safetensors", NULL, seeded);
    load("level_02/mask.safetensors", NULL, trunk);
    CHECK_MSG(memcmp(plain, seeded, table->total) != 0, "seed=7 drew the mask of the run's seed");
    CHECK(kept(seeded) == kept(plain) && kept(seeded) == kept(trunk));
    for (int i = 0; i < table->n; i++) { /* the ticket's per-tensor counts */
        const al_param *p = &table->params[i];
        int64_t a = 0, b = 0;
        for (size_t k = 0; k < p->numel; k++) a += seeded[p->offset + k], b += trunk[p->offset + k];
        CHECK_MSG(a == b, "%s: %lld vs %lld", p->name, (long long)a, (long long)b);
    }
    CHECK(!exists("%s/%s", "level_01/branches/random-prune-seed7")); /* only at level 2 */
    char path[2048], *text = NULL;
    snprintf(path, sizeof path, "%s/level_02/branches/random-prune-seed7/report.json", run);
    CHECK_OK(al_read_file(path, &text, NULL));
    CHECK_STR_CONTAINS(text, "\"kind\":\t\"random-prune\"");
    CHECK_STR_CONTAINS(text, "\"args\":\t\"seed=7\"");
    free(text);
    snprintf(path, sizeof path, "%s/level_02/branches/random-prune/report.json", run);
    CHECK_OK(al_read_file(path, &text, NULL));
    CHECK_MSG(text && !strstr(text, "\"args\""), "a branch without arguments names some");
    free(text);
    al_run_report *r = NULL;
    CHECK_OK(al_run_report_load(run, &r));
    int found = 0;
    for (int i = 0; r && i < r->n_series; i++)
        found += !strcmp(r->series[i].name, "random-prune-seed7") && r->series[i].n == 1;
    CHECK_MSG(found == 1, "no report series random-prune-seed7 with one point");
    al_run_report_free(r);
    free(plain), free(seeded), free(trunk);
}

/* Late rewinding: level 0 captures its weights after 2 optimizer steps; level 1 starts from them. */
static void test_late_rewinding(void) {
    if (!table) return;
    const char *tiny = getenv("AL_TINY_CORPUS");
    char train[1024], saved_run[1100], cmd[1300];
    snprintf(train, sizeof train, "%s/train", tiny);
    snprintf(saved_run, sizeof saved_run, "%s", run);
    snprintf(run, sizeof run, "%s/run_rewind", al_test_tmpdir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", run);
    CHECK(system(cmd) == 0);
    al_lottery_opts o = toy_opts(train, NULL, 1);
    snprintf(o.rewind, sizeof o.rewind, "2it");
    al_log_set_level(AL_LOG_WARN);
    CHECK_OK(al_lottery_run(&o));
    al_log_set_level(AL_LOG_INFO);
    float *theta0 = al_param_block_new(table), *rewind = al_param_block_new(table), *start = al_param_block_new(table);
    uint8_t *mask = al_mask_new(table);
    load("theta0.safetensors", theta0, NULL);
    load("rewind.safetensors", rewind, NULL);
    load("level_01/start.safetensors", start, NULL);
    load("level_01/mask.safetensors", NULL, mask);
    size_t moved = 0, bad = 0;
    for (size_t j = 0; j < table->total; j++) {
        moved += rewind[j] != theta0[j];
        bad += start[j] != (mask[j] ? rewind[j] : 0.0f);
    }
    CHECK_MSG(moved > 0, "the rewind point equals theta0");
    CHECK_MSG(bad == 0, "level 1: %zu starting values differ from the rewind point (x) mask", bad);
    al_free(theta0), al_free(rewind), al_free(start);
    free(mask);
    snprintf(run, sizeof run, "%s", saved_run);
}

static void finish(void) { al_model_free(model); }

AL_TEST_MAIN(run_toy_lottery, test_files_exist, test_exact_sparsity_and_rewinding,
             test_random_reinit_is_new_every_level, test_random_prune_and_finetune, test_random_prune_seeds,
             test_late_rewinding, finish)
