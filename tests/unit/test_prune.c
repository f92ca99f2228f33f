/* Pruning: exact counts, global vs layer-wise magnitude, tie-breaking, ignore and own-rate rules,
 * random baselines, mask I/O. */
#include "al_test.h"
#include "audiolottery/lottery.h"
#include "audiolottery/prune.h"

/* a (4x5) prunable, b (6) bias (trainable, not prunable), c (3x4) prunable, d (7) prunable */
static void make_table(al_param_table *t, int idx[4]) {
    al_param_table_init(t);
    idx[0] = al_param_add(t, "a", 2, (int64_t[]){4, 5}, AL_PARAM_PRUNABLE);
    idx[1] = al_param_add(t, "b", 1, (int64_t[]){6}, AL_PARAM_TRAINABLE);
    idx[2] = al_param_add(t, "c", 2, (int64_t[]){3, 4}, AL_PARAM_PRUNABLE);
    idx[3] = al_param_add(t, "d", 1, (int64_t[]){7}, AL_PARAM_PRUNABLE);
    CHECK_OK(al_param_table_alloc(t));
    al_rng rng;
    al_rng_seed(&rng, 11);
    for (size_t i = 0; i < t->total; i++) t->data[i] = (float)al_rng_normal(&rng);
}

static int64_t kept_in(const al_param_table *t, const uint8_t *m, int i) {
    int64_t k = 0;
    for (size_t j = 0; j < t->params[i].numel; j++) k += m[t->params[i].offset + j];
    return k;
}

static void test_keep_counts_are_exact(void) {
    CHECK(al_prune_keep_count(5566816, 0.2, 0) == 5566816);
    CHECK(al_prune_keep_count(5566816, 0.2, 1) == 4453453); /* 4453452.8 */
    CHECK(al_prune_keep_count(5566816, 0.2, 10) == 597732);  /* 0.8^10 * n = 597732.3 */
    CHECK(al_prune_keep_count(10, 0.25, 1) == 8);            /* 7.5 rounds away from zero */
    CHECK(al_prune_keep_count(39, 0.2, 14) == 2);
}

static void test_global_magnitude_keeps_the_largest(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx);
    al_prune_opts o = al_prune_defaults();
    o.fraction = 0.5;
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    CHECK(plan.prunable_total == 39 && plan.keep[0] == 20 && plan.kept_total == 20); /* 19.5 -> 20 */
    uint8_t *m = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, m));
    /* every kept weight is at least as large as every pruned one */
    float min_kept = 1e30f, max_pruned = 0;
    int64_t kept = 0;
    for (int k = 0; k < 4; k++) {
        if (k == 1) continue;
        const al_param *p = &t.params[idx[k]];
        for (size_t j = 0; j < p->numel; j++) {
            float v = fabsf(t.data[p->offset + j]);
            if (m[p->offset + j]) min_kept = fminf(min_kept, v), kept++;
            else max_pruned = fmaxf(max_pruned, v);
        }
    }
    CHECK(kept == 20 && min_kept >= max_pruned);
    CHECK(kept_in(&t, m, idx[1]) == 6); /* not prunable: untouched */

    /* level 2 from level 1's mask with new weights: only survivors compete, exact count */
    for (size_t i = 0; i < t.total; i++) t.data[i] *= (i % 3) ? 1.0f : -3.0f;
    al_prune_plan plan2;
    CHECK_OK(al_prune_plan_level(&t, &o, 2, &plan2));
    uint8_t *m2 = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan2, m, m2));
    int64_t kept2 = 0;
    for (size_t i = 0; i < t.total; i++) {
        CHECK(!(m2[i] && !m[i])); /* never revives a pruned weight */
    }
    for (int k = 0; k < 4; k++) kept2 += k == 1 ? 0 : kept_in(&t, m2, idx[k]);
    CHECK(kept2 == 10); /* round(0.25 * 39) = 9.75 -> 10 */
    al_prune_plan_free(&plan);
    al_prune_plan_free(&plan2);
    free(m), free(m2);
    al_param_table_free(&t);
}

static void test_ties_keep_the_lower_position(void) {
    al_param_table t;
    al_param_table_init(&t);
    int a = al_param_add(&t, "a", 1, (int64_t[]){6}, AL_PARAM_PRUNABLE);
    CHECK_OK(al_param_table_alloc(&t));
    float *w = al_param_data(&t, a);
    float v[6] = {1, -2, 2, 1, -1, 0.5f};
    memcpy(w, v, sizeof v);
    al_prune_opts o = al_prune_defaults();
    o.fraction = 0.5;
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    uint8_t *m = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, m));
    /* keep 3: |-2| and |2|, then the first of the three 1s */
    uint8_t want[6] = {1, 1, 1, 0, 0, 0};
    CHECK(memcmp(m, want, 6) == 0);
    al_prune_plan_free(&plan);
    free(m);
    al_param_table_free(&t);
}

static void test_layerwise_ignore_and_own_rate(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx);
    al_prune_opts o = al_prune_defaults();
    o.scope = AL_PRUNE_LAYERWISE;
    CHECK_OK(al_prune_add_ignore(&o, "d"));
    CHECK_OK(al_prune_add_rate(&o, "c=0.5"));
    CHECK(al_prune_add_rate(&o, "c=1.5") == AL_ERR_INVALID);
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 2, &plan));
    uint8_t *m = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, m));
    CHECK(kept_in(&t, m, idx[0]) == al_prune_keep_count(20, 0.2, 2)); /* 12.8 -> 13 */
    CHECK(kept_in(&t, m, idx[2]) == 3);                                 /* 12 * 0.25 */
    CHECK(kept_in(&t, m, idx[3]) == 7);                                 /* ignored */
    CHECK(plan.kept_total == 13 + 3 + 7);
    al_prune_plan_free(&plan);
    al_prune_opts bad = al_prune_defaults();
    CHECK_OK(al_prune_add_ignore(&bad, "b"));
    CHECK(al_prune_plan_level(&t, &bad, 1, &plan) == AL_ERR_INVALID); /* b is not prunable */
    CHECK_STR_CONTAINS(al_last_error(), "'b'");
    free(m);
    al_param_table_free(&t);
}

static void test_random_baselines(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx);
    al_prune_opts o = al_prune_defaults();
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 3, &plan));
    uint8_t *ticket = al_mask_new(&t), *r1 = al_mask_new(&t), *r2 = al_mask_new(&t), *r3 = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, ticket));
    CHECK_OK(al_prune_random(&t, &plan, ticket, 5, r1));
    CHECK_OK(al_prune_random(&t, &plan, ticket, 5, r2));
    CHECK_OK(al_prune_random(&t, &plan, ticket, 6, r3));
    CHECK(memcmp(r1, r2, t.total) == 0); /* seeded */
    CHECK(memcmp(r1, r3, t.total) != 0);
    for (int k = 0; k < 4; k++) CHECK(kept_in(&t, r1, idx[k]) == kept_in(&t, ticket, idx[k])); /* same per layer */
    CHECK_OK(al_prune_random(&t, &plan, NULL, 5, r2)); /* global random: the pool's count */
    int64_t kept = 0;
    for (int k = 0; k < 4; k++) kept += k == 1 ? 0 : kept_in(&t, r2, idx[k]);
    CHECK(kept == plan.keep[0]);
    al_prune_plan_free(&plan);
    free(ticket), free(r1), free(r2), free(r3);
    al_param_table_free(&t);
}

static void test_mask_io_and_report(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx);
    uint8_t *m = al_mask_new(&t), *back = al_mask_new(&t);
    for (size_t i = 0; i < t.total; i += 2) m[i] = 0;
    for (size_t j = 0; j < t.params[idx[1]].numel; j++) m[t.params[idx[1]].offset + j] = 1; /* bias stays 1 */
    char path[1200];
    snprintf(path, sizeof path, "%s/mask.safetensors", al_test_tmpdir());
    al_st_writer *w = al_st_writer_new();
    CHECK_OK(al_mask_write(&t, m, w));
    CHECK_OK(al_st_writer_save(w, path));
    al_st_writer_free(w);
    al_st_file *f;
    CHECK_OK(al_st_open(path, &f));
    CHECK(al_st_find(f, "a_mask") && !al_st_find(f, "b_mask"));
    CHECK_OK(al_mask_read(&t, f, path, back));
    for (int k = 0; k < 4; k++)
        for (size_t j = 0; j < t.params[idx[k]].numel; j++)
            CHECK(back[t.params[idx[k]].offset + j] == m[t.params[idx[k]].offset + j]);
    al_st_close(f);
    al_mask_report r;
    CHECK_OK(al_mask_count(&t, m, &r));
    CHECK(r.total_all == 39 && r.total[idx[1]] == 0);
    CHECK(r.kept_all == kept_in(&t, m, idx[0]) + kept_in(&t, m, idx[2]) + kept_in(&t, m, idx[3]));
    al_mask_report_free(&r);
    free(m), free(back);
    al_param_table_free(&t);
}

static void test_non_finite_weights_are_refused(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx);
    al_prune_opts o = al_prune_defaults();
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    const size_t bad = t.params[idx[2]].offset + 2;
    t.data[bad] = NAN;
    uint8_t *prev = al_mask_new(&t), *m = al_mask_new(&t);
    CHECK(al_prune_magnitude(&t, t.data, &plan, prev, m) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "'c' holds a non-finite weight (element 2)");
    prev[bad] = 0; /* an already pruned weight does not take part */
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, prev, m));
    al_prune_plan_free(&plan);
    free(prev), free(m);
    al_param_table_free(&t);
}

/* --target-percent follows the plan's exact counts, ignored tensors included (39 prunable weights:
 * a 20, c 12, d 7). */
static void test_target_level_follows_the_plan(void) {
    al_param_table t;
    int idx[4], last = -1;
    make_table(&t, idx);
    al_lottery_opts o = al_lottery_defaults();
    o.target_percent = 50; /* kept 39, 31, 25, 20 (51.3%), 16 (41.0%) */
    CHECK_OK(al_lottery_last_level(&o, &t, &last));
    CHECK(last == 4);
    CHECK_OK(al_prune_add_ignore(&o.prune, "a"));
    o.target_percent = 60; /* 20 + round(19 x 0.8^L): L = 7 keeps 20 + 4 (61.5%), L = 8 20 + 3 (59.0%) */
    CHECK_OK(al_lottery_last_level(&o, &t, &last));
    CHECK(last == 8);
    o.target_percent = 50; /* never below 20/39 = 51.3% */
    CHECK(al_lottery_last_level(&o, &t, &last) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "never reached: pruning stops at 51.28%");
    o = al_lottery_defaults();
    o.target_percent = 50;
    o.prune.fraction = 0;
    CHECK(al_lottery_last_level(&o, &t, &last) == AL_ERR_INVALID);
    o.target_percent = 0; /* no target: --levels */
    CHECK_OK(al_lottery_last_level(&o, &t, &last));
    CHECK(last == o.levels);
    al_param_table_free(&t);
}

AL_TEST_MAIN(test_keep_counts_are_exact, test_global_magnitude_keeps_the_largest, test_ties_keep_the_lower_position,
             test_layerwise_ignore_and_own_rate, test_random_baselines, test_mask_io_and_report,
             test_non_finite_weights_are_refused, test_target_level_follows_the_plan)
