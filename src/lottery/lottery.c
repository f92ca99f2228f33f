/* The lottery driver: theta0, the trunk's levels (prune, rewind, train), the baseline branches,
 * and a report.json per run; every step whose output exists is skipped. */
#include "audiolottery/lottery.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"
#include "lottery/branches.h"
#include "lottery/lottery_internal.h"
#include "train/run_files.h"
#include "train/train_units.h"

al_lottery_opts al_lottery_defaults(void) {
    al_lottery_opts o;
    memset(&o, 0, sizeof o);
    o.train = al_train_defaults();
    o.run_dir = "runs/lottery";
    o.levels = 10;
    o.prune = al_prune_defaults();
    snprintf(o.rewind, sizeof o.rewind, "init");
    return o;
}

/* Share (%) of the prunable counts that the plan keeps at level L. */
static al_status kept_percent(const al_param_table *t, const al_prune_opts *o, int L, double *percent) {
    al_prune_plan plan;
    al_status st = al_prune_plan_level(t, o, L, &plan);
    if (st != AL_OK) return st;
    *percent = plan.prunable_total ? 100.0 * (double)plan.kept_total / (double)plan.prunable_total : 0;
    al_prune_plan_free(&plan);
    return AL_OK;
}

al_status al_lottery_last_level(const al_lottery_opts *o, const al_param_table *t, int *last) {
    *last = o->levels;
    if (o->target_percent <= 0) return AL_OK;
    /* the floor: what ignored tensors and pools pruned at rate 0 keep however long pruning goes on */
    double percent;
    al_status st = kept_percent(t, &o->prune, 1 << 20, &percent);
    if (st != AL_OK) return st;
    if (percent > o->target_percent)
        return al_error(AL_ERR_INVALID, "--target-percent %g is never reached: pruning stops at %.2f%% "
                        "(set by --prune-ignore, --prune-rate and --prune-fraction)", o->target_percent, percent);
    /* the plan's exact counts: ignored tensors, per-tensor rates and structure included */
    for (int L = 0; L <= AL_LOTTERY_MAX_LEVELS; L++) {
        if ((st = kept_percent(t, &o->prune, L, &percent)) != AL_OK) return st;
        if (percent <= o->target_percent) {
            *last = L;
            return AL_OK;
        }
    }
    return al_error(AL_ERR_INVALID, "--target-percent %g takes more than %d levels (%.2f%% remain at the "
                    "last one)", o->target_percent, AL_LOTTERY_MAX_LEVELS, percent);
}

/* Everything that changes the result; a run directory is tied to it. */
static al_status lottery_config(const al_lottery_opts *o, const char *train_config, char *buf, size_t n) {
    al_text t;
    al_text_init(&t, buf, n);
    al_text_printf(&t, "{\"levels\":%d,\"target_percent\":%.17g,\"fraction\":%.17g,\"scope\":\"%s\",\"rewind\":",
                   o->levels, o->target_percent, o->prune.fraction,
                   o->prune.scope == AL_PRUNE_GLOBAL ? "global" : "layerwise");
    al_text_json_string(&t, o->rewind);
    al_text_printf(&t, ",\"test_clean\":");
    al_text_json_string(&t, o->test_clean ? o->test_clean : "");
    al_text_printf(&t, ",\"test_other\":");
    al_text_json_string(&t, o->test_other ? o->test_other : "");
    al_text_printf(&t, ",\"ignore\":[");
    for (int i = 0; i < o->prune.n_ignore; i++) {
        if (i) al_text_printf(&t, ",");
        al_text_json_string(&t, o->prune.ignore[i]);
    }
    al_text_printf(&t, "],\"rates\":[");
    for (int i = 0; i < o->prune.n_rates; i++) {
        char rule[1024]; /* "name=rate" */
        if (snprintf(rule, sizeof rule, "%s=%.17g", o->prune.rate_name[i], o->prune.rate[i]) >= (int)sizeof rule)
            t.overflow = 1;
        if (i) al_text_printf(&t, ",");
        al_text_json_string(&t, rule);
    }
    al_text_printf(&t, "]");
    /* only structured runs name their structure, so unstructured run dirs keep their config */
    if (o->prune.structure != AL_STRUCT_UNSTRUCTURED) {
        char structure[64];
        al_prune_structure_name(&o->prune, structure, sizeof structure);
        al_text_printf(&t, ",\"structure\":\"%s\",\"block_score\":\"%s\"", structure,
                       al_prune_score_name(o->prune.score));
    }
    al_text_printf(&t, ",\"train\":%s}", train_config);
    if (t.overflow)
        return al_error(AL_ERR_INVALID, "the run's config is longer than %zu bytes (too many or too long "
                        "paths, --prune-ignore or --prune-rate names?)", n - 1);
    return AL_OK;
}

/* Optimizer steps of `rewind` ("<N>it", "<N>ep"); 0 for "init". A point after the end of level 0's
 * training is refused here, before level 0 trains for nothing. */
static al_status rewind_steps(const al_lottery_opts *o, int64_t *steps) {
    *steps = 0;
    if (!strcmp(o->rewind, "init")) return AL_OK;
    char *end;
    errno = 0;
    long long v = strtoll(o->rewind, &end, 10);
    if (end == o->rewind || errno || v < 1 || v > INT32_MAX || (strcmp(end, "it") && strcmp(end, "ep")))
        return al_error(AL_ERR_INVALID, "--rewind %s: expected init, <N>it or <N>ep (1 <= N <= %d)", o->rewind,
                        INT32_MAX);
    int per_epoch = !strcmp(end, "ep");
    al_corpus_opts co = al_corpus_defaults();
    co.min_duration = o->train.min_duration;
    co.max_duration = o->train.max_duration;
    al_corpus *c;
    al_status st = al_corpus_load(o->train.train_path, &co, &c);
    if (st != AL_OK) return st;
    al_batch_opts bo = al_batch_defaults();
    bo.batch_size = o->train.batch_size;
    al_batcher *b;
    st = al_batcher_new(c, &bo, &b);
    int64_t n_batches = st == AL_OK ? (int64_t)al_batcher_n_batches(b) : 0;
    *steps = per_epoch ? v * n_batches : v;
    if (st == AL_OK && *steps > n_batches * o->train.epochs)
        st = al_error(AL_ERR_INVALID, "--rewind %s: step %lld comes after level 0's training ends (%d epochs of %lld "
                      "batches)", o->rewind, (long long)*steps, o->train.epochs, (long long)n_batches);
    al_batcher_free(b);
    al_corpus_free(c);
    return st;
}

static al_status write_theta0(const al_lottery_opts *o, al_model *m, const char *path) {
    if (al_file_exists(path)) return AL_OK;
    al_model_init_weights(m, o->train.init_seed);
    al_log(AL_LOG_INFO, "theta0 (seed %llu): %s", (unsigned long long)o->train.init_seed, path);
    return al_ckpt_save(path, m, NULL, NULL);
}

/* Level L's mask: all ones for level 0, else pruned from level L-1's final weights and mask. */
static al_status trunk_mask(const al_lottery_opts *o, al_model *m, int L, const char *path) {
    if (al_file_exists(path)) return AL_OK;
    al_param_table *t = al_model_params(m);
    uint8_t *mask = al_mask_new(t), *prev = NULL;
    al_status st = mask ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK && L > 0) {
        char prev_dir[4096], prev_weights[4200], prev_mask[4200];
        prev = al_mask_new(t);
        st = prev ? al_run_level_dir(prev_dir, sizeof prev_dir, o->run_dir, L - 1)
                  : al_error(AL_ERR_NOMEM, "out of memory");
        if (st == AL_OK) st = al_run_file(prev_weights, sizeof prev_weights, prev_dir, AL_RUN_LAST);
        if (st == AL_OK) st = al_run_file(prev_mask, sizeof prev_mask, prev_dir, AL_RUN_MASK);
        if (st == AL_OK) st = al_load_weights_and_mask(t, prev_weights, prev_mask, prev);
        al_prune_plan plan;
        if (st == AL_OK) st = al_prune_plan_level(t, &o->prune, L, &plan);
        if (st == AL_OK) {
            st = al_prune_magnitude(t, t->data, &plan, prev, mask);
            al_prune_plan_free(&plan);
        }
    }
    if (st == AL_OK) st = al_write_mask(t, mask, L, path);
    free(mask);
    free(prev);
    return st;
}

/* The branch's mask at level L, from its kind (see branches.c), into path. */
static al_status branch_mask(const al_lottery_opts *o, al_model *m, const al_lottery_branch *b, int L,
                             const char *trunk_mask_path, const char *path) {
    if (al_file_exists(path)) return AL_OK;
    al_param_table *t = al_model_params(m);
    uint8_t *mask = al_mask_new(t), *level_mask = al_mask_new(t);
    al_status st = mask && level_mask ? al_mask_load(t, trunk_mask_path, level_mask)
                                      : al_error(AL_ERR_NOMEM, "out of memory");
    al_prune_plan plan;
    memset(&plan, 0, sizeof plan);
    if (st == AL_OK) st = al_prune_plan_level(t, &o->prune, L, &plan);
    const al_branch_ctx c = {o, b, t, L, &plan, level_mask};
    if (st == AL_OK) st = b->type->mask(&c, mask);
    if (st == AL_OK) st = al_write_mask(t, mask, L, path);
    al_prune_plan_free(&plan);
    free(mask);
    free(level_mask);
    return st;
}

/* With --units bpe:N: the run's units, trained once on the training transcripts into
 * RUN/units.model (every level and branch copies it), and *m replaced by the preset with their
 * classes. */
static al_status run_units(const al_lottery_opts *o, al_model **m) {
    int pieces = 0;
    al_status st = al_units_parse(o->train.units ? o->train.units : "chars", &pieces);
    if (st != AL_OK || pieces == 0) return st;
    al_corpus_opts co = al_corpus_defaults();
    co.min_duration = o->train.min_duration;
    co.max_duration = o->train.max_duration;
    al_corpus *c = NULL;
    al_train_opts to = o->train;
    to.out_dir = o->run_dir;
    st = al_mkdir_p(o->run_dir);
    if (st == AL_OK) st = al_corpus_load(o->train.train_path, &co, &c);
    if (st == AL_OK) st = al_train_units(&to, c, m);
    al_corpus_free(c);
    return st;
}

/* dir/units.model from RUN/units.model, for a train run of a BPE lottery (its trainer reads it). */
static al_status share_units(const al_lottery_opts *o, const char *dir) {
    int pieces = 0;
    char from[4200], to[4200];
    al_status st = al_units_parse(o->train.units ? o->train.units : "chars", &pieces);
    if (st != AL_OK || pieces == 0) return st;
    st = al_run_file(from, sizeof from, o->run_dir, AL_RUN_UNITS);
    if (st == AL_OK) st = al_run_file(to, sizeof to, dir, AL_RUN_UNITS);
    if (st != AL_OK || al_file_exists(to)) return st;
    char *data = NULL;
    size_t bytes = 0;
    st = al_read_file(from, &data, &bytes);
    if (st == AL_OK) st = al_write_file_atomic(to, data, bytes);
    free(data);
    return st;
}

/* Trains one run (a trunk level, or branch b) in dir with the given start and mask, then writes
 * its report.json. Skipped when report.json exists. */
static al_status train_and_report(const al_lottery_opts *o, al_model *m, const char *dir,
                                  const al_lottery_branch *b, int L, al_train_opts *to) {
    char report[4200], mask_path[4200];
    al_status st = al_run_file(report, sizeof report, dir, AL_RUN_REPORT);
    if (st == AL_OK) st = al_run_file(mask_path, sizeof mask_path, dir, AL_RUN_MASK);
    if (st != AL_OK) return st;
    if (al_file_exists(report)) {
        al_log(AL_LOG_INFO, "%s: done (report.json exists)", dir);
        return AL_OK;
    }
    al_mask_report mr;
    uint8_t *mask = al_mask_new(al_model_params(m));
    st = mask ? al_load_weights_and_mask(al_model_params(m), NULL, mask_path, mask)
              : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = al_mask_count(al_model_params(m), mask, &mr);
    if (st == AL_OK && (st = al_mask_count_groups(al_model_params(m), &o->prune, mask, &mr)) != AL_OK)
        al_mask_report_free(&mr);
    free(mask);
    if (st != AL_OK) return st;
    al_log(AL_LOG_INFO, "== %s level %d: %s, %.3f%% of prunable weights remain ==", b ? b->name : "trunk", L, dir,
           100.0 * mr.kept_all / mr.total_all);
    al_mask_log(al_model_params(m), &mr, &o->prune);
    to->out_dir = dir;
    to->mask_path = mask_path;
    al_train_result tr;
    double t0 = al_time_now();
    st = share_units(o, dir);
    if (st == AL_OK) st = al_train(to, &tr);
    if (st == AL_OK) st = al_write_level_report(o, dir, b, L, &mr, &tr, al_time_now() - t0, report);
    al_mask_report_free(&mr);
    return st;
}

/* start: the trunk's starting point (theta0, or the rewind point under late rewinding), where a
 * kind without a start function of its own begins. */
static al_status run_branch(const al_lottery_opts *o, al_model *m, const al_lottery_branch *b, int L,
                            const char *level_dir, const char *start) {
    char dir[4200], mask_path[4300], trunk_mask_path[4300], init[4300];
    al_status st = al_run_branch_dir(dir, sizeof dir, level_dir, b->name);
    if (st == AL_OK) st = al_run_file(mask_path, sizeof mask_path, dir, AL_RUN_MASK);
    if (st == AL_OK) st = al_run_file(trunk_mask_path, sizeof trunk_mask_path, level_dir, AL_RUN_MASK);
    if (st == AL_OK) st = al_mkdir_p(dir);
    if (st == AL_OK) st = branch_mask(o, m, b, L, trunk_mask_path, mask_path);
    if (st != AL_OK) return st;
    al_train_opts to = o->train;
    to.capture_step = 0;
    to.init_from = start;
    if (b->type->start) st = b->type->start(o, b, L, &to, init, sizeof init);
    return st == AL_OK ? train_and_report(o, m, dir, b, L, &to) : st;
}

al_status al_lottery_run(const al_lottery_opts *opts) {
    al_lottery_opts run = *opts; /* with the model's units for --structure channel */
    const al_lottery_opts *o = &run;
    if (!o->train.train_path || !o->run_dir) return al_error(AL_ERR_INVALID, "--train and --out are required");
    int64_t capture = 0;
    al_status st = rewind_steps(o, &capture);
    if (st != AL_OK) return st;
    al_model *m = NULL; /* the parameter table: masks, pruning, theta0 (no state: nothing runs here) */
    st = al_model_new_preset(o->train.model, &m);
    if (st == AL_OK) st = run_units(o, &m); /* BPE: the model gets their classes */
    if (st != AL_OK) {
        al_model_free(m);
        return st;
    }
    al_prune_units units;
    al_prune_units_init(&units);
    if (o->prune.structure == AL_STRUCT_CHANNEL) {
        st = al_model_units(m, &units);
        run.prune.units = &units;
    }
    int last = 0;
    if (st == AL_OK) st = al_lottery_last_level(o, al_model_params(m), &last);
    for (int b = 0; b < o->n_branches && st == AL_OK; b++)
        if (o->branch[b].level > last)
            st = al_error(AL_ERR_INVALID, "--branch %s%s%s@%d: the run's last level is %d",
                          al_branch_type_name(o->branch[b].type), o->branch[b].args[0] ? ":" : "", o->branch[b].args,
                          o->branch[b].level, last);
    char train_config[4096], config[8192], theta0[4096], rewind_point[4096];
    if (st == AL_OK) st = al_train_config_json(&o->train, train_config, sizeof train_config);
    if (st == AL_OK) st = lottery_config(o, train_config, config, sizeof config);
    if (st == AL_OK) st = al_run_file(theta0, sizeof theta0, o->run_dir, AL_RUN_THETA0);
    if (st == AL_OK) st = al_run_file(rewind_point, sizeof rewind_point, o->run_dir, AL_RUN_REWIND);
    if (st == AL_OK) st = al_run_dir_claim(o->run_dir, config);
    if (st == AL_OK) st = write_theta0(o, m, theta0);
    for (int L = 0; L <= last && st == AL_OK; L++) {
        char dir[4096], mask_path[4200];
        st = al_run_level_dir(dir, sizeof dir, o->run_dir, L);
        if (st == AL_OK) st = al_run_file(mask_path, sizeof mask_path, dir, AL_RUN_MASK);
        if (st == AL_OK) st = al_mkdir_p(dir);
        if (st == AL_OK) st = trunk_mask(o, m, L, mask_path);
        if (st != AL_OK) break;
        al_train_opts to = o->train;
        to.init_from = L > 0 && capture ? rewind_point : theta0;
        to.capture_step = L == 0 ? capture : 0;
        to.capture_path = L == 0 && capture ? rewind_point : NULL;
        st = train_and_report(o, m, dir, NULL, L, &to);
        if (st == AL_OK && L == 0 && capture && !al_file_exists(rewind_point))
            st = al_error(AL_ERR_INVALID, "level 0 ended before the rewind point %s (%lld steps)", o->rewind,
                          (long long)capture);
        for (int b = 0; b < o->n_branches && st == AL_OK && L > 0; b++)
            if (o->branch[b].level == L || o->branch[b].level == -1)
                st = run_branch(o, m, &o->branch[b], L, dir, to.init_from);
    }
    if (st == AL_OK) al_log(AL_LOG_INFO, "lottery run complete: %s (audiolottery report %s)", o->run_dir, o->run_dir);
    al_prune_units_free(&units);
    al_model_free(m);
    return st;
}
