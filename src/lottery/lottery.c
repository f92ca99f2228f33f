/* The lottery driver: theta0, the trunk's levels (prune, rewind, train), the baseline branches,
 * and a report.json per run; every step whose output exists is skipped. */
#include "audiolottery/lottery.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"
#include "lottery/lottery_internal.h"

static const char *branch_names[] = {"random-prune", "random-prune-global", "random-reinit", "finetune"};

const char *al_branch_kind_name(al_branch_kind k) { return branch_names[k]; }

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

al_status al_lottery_add_branch(al_lottery_opts *o, const char *spec) {
    const char *at = strchr(spec, '@');
    size_t len = at ? (size_t)(at - spec) : strlen(spec);
    int kind = -1;
    for (int k = 0; k < 4; k++)
        if (strlen(branch_names[k]) == len && !strncmp(spec, branch_names[k], len)) kind = k;
    if (kind < 0)
        return al_error(AL_ERR_INVALID, "--branch %s: unknown kind (random-prune, random-prune-global, "
                        "random-reinit, finetune)", spec);
    const char *p = at ? at + 1 : NULL;
    do {
        if (o->n_branches >= AL_LOTTERY_MAX_BRANCHES) return al_error(AL_ERR_INVALID, "too many --branch levels");
        int level = -1; /* every level >= 1 */
        if (p) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < 1 || v > 1000 || (*end && *end != ','))
                return al_error(AL_ERR_INVALID, "--branch %s: levels must be integers >= 1 (KIND@3,7)", spec);
            level = (int)v;
            p = *end ? end + 1 : NULL;
        }
        o->branch_kind[o->n_branches] = (al_branch_kind)kind;
        o->branch_level[o->n_branches++] = level;
    } while (p);
    return AL_OK;
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
        al_level_dir(o, L - 1, prev_dir, sizeof prev_dir);
        snprintf(prev_weights, sizeof prev_weights, "%s/last.safetensors", prev_dir);
        snprintf(prev_mask, sizeof prev_mask, "%s/mask.safetensors", prev_dir);
        prev = al_mask_new(t);
        st = prev ? al_load_weights_and_mask(t, prev_weights, prev_mask, prev) : al_error(AL_ERR_NOMEM, "out of memory");
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

static al_status branch_mask(const al_lottery_opts *o, al_model *m, al_branch_kind kind, int L, const char *trunk_mask_path,
                             const char *path) {
    if (al_file_exists(path)) return AL_OK;
    al_param_table *t = al_model_params(m);
    uint8_t *mask = al_mask_new(t), *level_mask = al_mask_new(t);
    al_status st = mask && level_mask ? al_mask_load(t, trunk_mask_path, level_mask)
                                      : al_error(AL_ERR_NOMEM, "out of memory");
    al_prune_plan plan;
    memset(&plan, 0, sizeof plan);
    if (st == AL_OK) st = al_prune_plan_level(t, &o->prune, L, &plan);
    uint64_t seed = o->train.seed * 1000003u + (uint64_t)L * 31u + (uint64_t)kind;
    if (st == AL_OK) {
        switch (kind) {
        case AL_BRANCH_RANDOM_PRUNE: st = al_prune_random(t, &plan, level_mask, seed, mask); break;
        case AL_BRANCH_RANDOM_PRUNE_GLOBAL: st = al_prune_random(t, &plan, NULL, seed, mask); break;
        case AL_BRANCH_RANDOM_REINIT: memcpy(mask, level_mask, t->total); break;
        case AL_BRANCH_FINETUNE: {
            char dense[4096], dense_weights[4200];
            al_level_dir(o, 0, dense, sizeof dense);
            snprintf(dense_weights, sizeof dense_weights, "%s/last.safetensors", dense);
            st = al_load_weights_and_mask(t, dense_weights, NULL, NULL);
            if (st == AL_OK) st = al_prune_magnitude(t, t->data, &plan, NULL, mask);
            break;
        }
        }
    }
    if (st == AL_OK) st = al_write_mask(t, mask, L, path);
    al_prune_plan_free(&plan);
    free(mask);
    free(level_mask);
    return st;
}

/* Trains one run (a trunk level or a branch) in dir with the given start and mask, then writes
 * its report.json. Skipped when report.json exists. */
static al_status train_and_report(const al_lottery_opts *o, al_model *m, const char *dir, const char *kind, int L,
                                  al_train_opts *to) {
    char report[4200], mask_path[4200];
    snprintf(report, sizeof report, "%s/report.json", dir);
    snprintf(mask_path, sizeof mask_path, "%s/mask.safetensors", dir);
    if (al_file_exists(report)) {
        al_log(AL_LOG_INFO, "%s: done (report.json exists)", dir);
        return AL_OK;
    }
    al_mask_report mr;
    uint8_t *mask = al_mask_new(al_model_params(m));
    al_status st = mask ? al_load_weights_and_mask(al_model_params(m), NULL, mask_path, mask)
                        : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = al_mask_count(al_model_params(m), mask, &mr);
    if (st == AL_OK && (st = al_mask_count_groups(al_model_params(m), &o->prune, mask, &mr)) != AL_OK)
        al_mask_report_free(&mr);
    free(mask);
    if (st != AL_OK) return st;
    al_log(AL_LOG_INFO, "== %s level %d: %s, %.3f%% of prunable weights remain ==", kind, L, dir,
           100.0 * mr.kept_all / mr.total_all);
    al_mask_log(al_model_params(m), &mr, &o->prune);
    to->out_dir = dir;
    to->mask_path = mask_path;
    al_train_result tr;
    double t0 = al_time_now();
    st = al_train(to, &tr);
    if (st == AL_OK) st = al_write_level_report(o, dir, kind, L, &mr, &tr, al_time_now() - t0, report);
    al_mask_report_free(&mr);
    return st;
}

/* start: the trunk's starting point (theta0, or the rewind point under late rewinding), so that a
 * random-prune branch differs from its ticket in the mask alone. */
static al_status run_branch(const al_lottery_opts *o, al_model *m, al_branch_kind kind, int L, const char *level_dir,
                            const char *start) {
    char dir[4200], mask_path[4300], trunk_mask_path[4300], init[4300];
    snprintf(dir, sizeof dir, "%s/branches/%s", level_dir, al_branch_kind_name(kind));
    snprintf(mask_path, sizeof mask_path, "%s/mask.safetensors", dir);
    snprintf(trunk_mask_path, sizeof trunk_mask_path, "%s/mask.safetensors", level_dir);
    al_status st = al_mkdir_p(dir);
    if (st == AL_OK) st = branch_mask(o, m, kind, L, trunk_mask_path, mask_path);
    if (st != AL_OK) return st;
    al_train_opts to = o->train;
    to.capture_step = 0;
    to.init_from = start;
    if (kind == AL_BRANCH_RANDOM_REINIT) {
        to.init_from = NULL; /* fresh values, different at every level */
        to.init_seed = o->train.init_seed * 7919u + 1000u + (uint64_t)L;
    } else if (kind == AL_BRANCH_FINETUNE) {
        char dense[4096];
        al_level_dir(o, 0, dense, sizeof dense);
        snprintf(init, sizeof init, "%s/last.safetensors", dense);
        to.init_from = init;
    }
    return train_and_report(o, m, dir, al_branch_kind_name(kind), L, &to);
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
    if (st != AL_OK) return st;
    al_prune_units units;
    al_prune_units_init(&units);
    if (o->prune.structure == AL_STRUCT_CHANNEL) {
        st = al_model_units(m, &units);
        run.prune.units = &units;
    }
    int last = 0;
    if (st == AL_OK) st = al_lottery_last_level(o, al_model_params(m), &last);
    for (int b = 0; b < o->n_branches && st == AL_OK; b++)
        if (o->branch_level[b] > last)
            st = al_error(AL_ERR_INVALID, "--branch %s@%d: the run's last level is %d",
                          al_branch_kind_name(o->branch_kind[b]), o->branch_level[b], last);
    char train_config[4096], config[8192], theta0[4096], rewind_point[4096];
    if (st == AL_OK) st = al_train_config_json(&o->train, train_config, sizeof train_config);
    if (st == AL_OK) st = lottery_config(o, train_config, config, sizeof config);
    snprintf(theta0, sizeof theta0, "%s/theta0.safetensors", o->run_dir);
    snprintf(rewind_point, sizeof rewind_point, "%s/rewind.safetensors", o->run_dir);
    if (st == AL_OK) st = al_run_dir_claim(o->run_dir, config);
    if (st == AL_OK) st = write_theta0(o, m, theta0);
    for (int L = 0; L <= last && st == AL_OK; L++) {
        char dir[4096], mask_path[4200];
        al_level_dir(o, L, dir, sizeof dir);
        snprintf(mask_path, sizeof mask_path, "%s/mask.safetensors", dir);
        st = al_mkdir_p(dir);
        if (st == AL_OK) st = trunk_mask(o, m, L, mask_path);
        if (st != AL_OK) break;
        al_train_opts to = o->train;
        to.init_from = L > 0 && capture ? rewind_point : theta0;
        to.capture_step = L == 0 ? capture : 0;
        to.capture_path = L == 0 && capture ? rewind_point : NULL;
        st = train_and_report(o, m, dir, "trunk", L, &to);
        if (st == AL_OK && L == 0 && capture && !al_file_exists(rewind_point))
            st = al_error(AL_ERR_INVALID, "level 0 ended before the rewind point %s (%lld steps)", o->rewind,
                          (long long)capture);
        for (int b = 0; b < o->n_branches && st == AL_OK && L > 0; b++)
            if (o->branch_level[b] == L || o->branch_level[b] == -1)
                st = run_branch(o, m, o->branch_kind[b], L, dir, to.init_from);
    }
    if (st == AL_OK) al_log(AL_LOG_INFO, "lottery run complete: %s (audiolottery report %s)", o->run_dir, o->run_dir);
    al_prune_units_free(&units);
    al_model_free(m);
    return st;
}
