/* Structured pruning: block:KxM and channel structures (exact counts, all-or-nothing groups, ranking
 * against a brute-force reference, ragged edge blocks, ties), random structured baselines, specs. */
#include "al_test.h"
#include "audiolottery/ds2.h"
#include "audiolottery/prune.h"

/* a (9x10) prunable, b (6) bias (not prunable), c (5x3x2 -> 5x6) prunable, d (7 -> 7x1) prunable:
 * no dimension is a multiple of the 2x3 blocks used below except c's columns */
static void make_table(al_param_table *t, int idx[4], uint64_t seed) {
    al_param_table_init(t);
    idx[0] = al_param_add(t, "a", 2, (int64_t[]){9, 10}, AL_PARAM_PRUNABLE);
    idx[1] = al_param_add(t, "b", 1, (int64_t[]){6}, AL_PARAM_TRAINABLE);
    idx[2] = al_param_add(t, "c", 3, (int64_t[]){5, 3, 2}, AL_PARAM_PRUNABLE);
    idx[3] = al_param_add(t, "d", 1, (int64_t[]){7}, AL_PARAM_PRUNABLE);
    CHECK_OK(al_param_table_alloc(t));
    al_rng rng;
    al_rng_seed(&rng, seed);
    for (size_t i = 0; i < t->total; i++) t->data[i] = (float)al_rng_normal(&rng);
}

static al_prune_opts block_opts(const char *spec, double fraction) {
    al_prune_opts o = al_prune_defaults();
    o.fraction = fraction;
    CHECK_OK(al_prune_set_structure(&o, spec));
    return o;
}

/* The brute-force view of tensor p's block (br, bc): rows x cols of the 2-D view. */
typedef struct {
    int64_t rows, cols, k, m;
} view;

static view view_of(const al_param *p, int k, int m) {
    view v = {p->shape[0], (int64_t)p->numel / p->shape[0], k, m};
    return v;
}

static int64_t n_blocks(view v) { return ((v.rows + v.k - 1) / v.k) * ((v.cols + v.m - 1) / v.m); }

/* Element j of tensor p lies in block (j / cols / k) * blocks_per_row + (j % cols) / m. */
static int64_t block_of(view v, int64_t j) { return (j / v.cols / v.k) * ((v.cols + v.m - 1) / v.m) + (j % v.cols) / v.m; }

/* Per block of tensor p: 1 if any element is 1 in mask; checks all-or-nothing against prev. */
static int64_t alive_blocks(const al_param_table *t, int i, view v, const uint8_t *mask, const uint8_t *prev) {
    const al_param *p = &t->params[i];
    int64_t nb = n_blocks(v), alive = 0;
    int *any = calloc(nb, sizeof(int)), *diff = calloc(nb, sizeof(int));
    for (int64_t j = 0; j < (int64_t)p->numel; j++) {
        int64_t b = block_of(v, j);
        uint8_t was = prev ? prev[p->offset + j] : 1;
        any[b] |= mask[p->offset + j];
        diff[b] |= mask[p->offset + j] != was;
        CHECK(!(mask[p->offset + j] && !was)); /* never revives */
    }
    for (int64_t j = 0; j < (int64_t)p->numel; j++) {
        int64_t b = block_of(v, j);
        /* a block is either as prev had it, or all zero */
        if (diff[b]) CHECK(mask[p->offset + j] == 0);
    }
    for (int64_t b = 0; b < nb; b++) alive += any[b];
    free(any), free(diff);
    return alive;
}

static void test_specs_and_errors(void) {
    al_prune_opts o = al_prune_defaults();
    char name[64];
    al_prune_structure_name(&o, name, sizeof name);
    CHECK(!strcmp(name, "unstructured") && o.score == AL_SCORE_L1);
    CHECK_OK(al_prune_set_structure(&o, "block:1x4"));
    al_prune_structure_name(&o, name, sizeof name);
    CHECK(!strcmp(name, "block:1x4") && o.block_k == 1 && o.block_m == 4);
    CHECK_OK(al_prune_set_structure(&o, "channel"));
    CHECK(o.structure == AL_STRUCT_CHANNEL);
    const char *bad[] = {"block:0x1", "block:8", "chanel", "block:8x", "block:x1", "block:8x1x", "block:-2x1", "block: 8x1",
                         "block:8x 1", "block:+8x1", "block:8x+1", ""};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        CHECK(al_prune_set_structure(&o, bad[k]) == AL_ERR_INVALID);
        CHECK_STR_CONTAINS(al_last_error(), "--structure");
    }
    CHECK(al_prune_set_structure(&o, "block:8") == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "block:KxM");
    CHECK(al_prune_set_structure(&o, "chanel") == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "chanel");
    CHECK_OK(al_prune_set_score(&o, "l2"));
    CHECK(o.score == AL_SCORE_L2 && !strcmp(al_prune_score_name(o.score), "l2"));
    CHECK(al_prune_set_score(&o, "l3") == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "l3");
    /* channel without a unit description */
    al_param_table t;
    int idx[4];
    make_table(&t, idx, 1);
    al_prune_plan plan;
    CHECK(al_prune_plan_level(&t, &o, 1, &plan) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "unit description");
    al_param_table_free(&t);
}

/* Iterated levels: exact block counts per pool, all-or-nothing blocks relative to the previous mask. */
static void check_levels(al_prune_scope scope) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx, 7);
    al_prune_opts o = block_opts("block:2x3", 0.3);
    o.scope = scope;
    const int K = 2, M = 3;
    /* a: 5 x 4 = 20 blocks (ragged last row and column), c: 3 x 2 = 6, d: 4 x 1 = 4 */
    int64_t blocks[4] = {20, 0, 6, 4};
    for (int k = 0; k < 4; k++)
        if (k != 1) CHECK(n_blocks(view_of(&t.params[idx[k]], K, M)) == blocks[k]);
    uint8_t *prev = al_mask_new(&t), *next = al_mask_new(&t);
    for (int level = 1; level <= 5; level++) {
        al_prune_plan plan;
        CHECK_OK(al_prune_plan_level(&t, &o, level, &plan));
        CHECK(plan.prunable_total == 30);
        CHECK_OK(al_prune_magnitude(&t, t.data, &plan, prev, next));
        int64_t alive[4] = {0};
        for (int k = 0; k < 4; k++)
            if (k != 1) alive[k] = alive_blocks(&t, idx[k], view_of(&t.params[idx[k]], K, M), next, prev);
        if (scope == AL_PRUNE_GLOBAL) {
            CHECK(plan.keep[0] == al_prune_keep_count(30, 0.3, level));
            CHECK(alive[0] + alive[2] + alive[3] == plan.keep[0]);
        } else {
            for (int k = 0; k < 4; k++)
                if (k != 1) {
                    CHECK(plan.keep[1 + idx[k]] == al_prune_keep_count(blocks[k], 0.3, level));
                    CHECK(alive[k] == plan.keep[1 + idx[k]]);
                }
        }
        for (size_t j = 0; j < t.params[idx[1]].numel; j++) CHECK(next[t.params[idx[1]].offset + j] == 1);
        al_prune_plan_free(&plan);
        memcpy(prev, next, t.total);
        /* the next level ranks new weights (the survivors only) */
        for (size_t j = 0; j < t.total; j++) t.data[j] *= (j % 5) ? 1.0f : -2.5f;
    }
    free(prev), free(next);
    al_param_table_free(&t);
}

static void test_block_exact_counts_global(void) { check_levels(AL_PRUNE_GLOBAL); }
static void test_block_exact_counts_layerwise(void) { check_levels(AL_PRUNE_LAYERWISE); }

typedef struct {
    double score;
    int64_t pos;
} ref_block;

static int ref_order(const void *a, const void *b) {
    const ref_block *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Brute force: every block's norm over the weights alive in prev, scaled by full / actual size,
 * sorted, the first keep kept; compared with al_prune_magnitude's mask. */
static void check_ranking(const char *score) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx, 23);
    al_prune_opts o = block_opts("block:2x3", 0.45);
    CHECK_OK(al_prune_set_score(&o, score));
    int l2 = !strcmp(score, "l2");
    uint8_t *prev = al_mask_new(&t), *got = al_mask_new(&t), *want = al_mask_new(&t);
    al_rng rng;
    al_rng_seed(&rng, 99);
    for (int k = 0; k < 4; k++) /* element holes: blocks are scored on their live weights */
        for (size_t j = 0; k != 1 && j < t.params[idx[k]].numel; j++) prev[t.params[idx[k]].offset + j] = al_rng_uniform(&rng) > 0.2;
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, prev, got));

    ref_block refs[64];
    int n = 0;
    int64_t base = 0;
    for (int k = 0; k < 4; k++) {
        if (k == 1) continue;
        const al_param *p = &t.params[idx[k]];
        view v = view_of(p, 2, 3);
        for (int64_t b = 0; b < n_blocks(v); b++) {
            double acc = 0;
            int64_t size = 0, live = 0;
            for (int64_t j = 0; j < (int64_t)p->numel; j++) {
                if (block_of(v, j) != b) continue;
                size++;
                if (!prev[p->offset + j]) continue;
                live++;
                double w = t.data[p->offset + j];
                acc += l2 ? w * w : fabs(w);
            }
            acc *= 6.0 / (double)size;
            if (live) refs[n++] = (ref_block){l2 ? sqrt(acc) : acc, base + b};
        }
        base += n_blocks(v);
    }
    qsort(refs, n, sizeof *refs, ref_order);
    memcpy(want, prev, t.total);
    base = 0;
    for (int k = 0; k < 4; k++) {
        if (k == 1) continue;
        const al_param *p = &t.params[idx[k]];
        view v = view_of(p, 2, 3);
        for (int64_t j = 0; j < (int64_t)p->numel; j++) {
            int kept = 0;
            for (int64_t r = 0; r < plan.keep[0]; r++) kept |= refs[r].pos == base + block_of(v, j);
            if (!kept) want[p->offset + j] = 0;
        }
        base += n_blocks(v);
    }
    CHECK(memcmp(got, want, t.total) == 0);
    al_prune_plan_free(&plan);
    free(prev), free(got), free(want);
    al_param_table_free(&t);
}

static void test_ranking_l1_matches_brute_force(void) { check_ranking("l1"); }
static void test_ranking_l2_matches_brute_force(void) { check_ranking("l2"); }

/* 29 rows under block:8x1: rows 24..28 form ragged 5 x 1 blocks, scored on their mean magnitude. */
static void test_ragged_edge_blocks(void) {
    al_param_table t;
    al_param_table_init(&t);
    int w = al_param_add(&t, "fc", 2, (int64_t[]){29, 2}, AL_PARAM_PRUNABLE);
    CHECK_OK(al_param_table_alloc(&t));
    float *W = al_param_data(&t, w); /* (29, 2) */
    for (int r = 0; r < 29; r++) {
        W[r * 2 + 0] = r < 24 ? 0.9f : 1.0f; /* column 0: full blocks sum 7.2, the ragged one 5 (mean 1) */
        W[r * 2 + 1] = r < 8 ? 0.1f : 0.5f;  /* column 1: the first block is the smallest */
    }
    al_prune_opts o = block_opts("block:8x1", 0.25);
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    CHECK(plan.size[0] == 8 && plan.keep[0] == 6); /* 4 block rows x 2 columns */
    uint8_t *m = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, m));
    /* column 0: the ragged block (scaled 5 x 8 / 5 = 8) beats the 7.2 ones; column 1's pruned
     * blocks: rows 0..7 (0.8) and, of the equal 4.0 scores, the last position (the ragged block:
     * 2.5 x 8 / 5 = 4.0 ties with the full ones and loses on position) */
    for (int r = 0; r < 29; r++) {
        CHECK(m[t.params[w].offset + r * 2] == 1);
        CHECK(m[t.params[w].offset + r * 2 + 1] == (r >= 8 && r < 24));
    }
    /* L2: a ragged block of ones scores sqrt(5 x 8 / 5) = sqrt(8), a full block of 0.9 sqrt(6.48) */
    CHECK_OK(al_prune_set_score(&o, "l2"));
    al_prune_plan_free(&plan);
    o.fraction = 0.75; /* keep 2 of 8 */
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, m));
    for (int r = 0; r < 29; r++) CHECK(m[t.params[w].offset + r * 2] == (r < 8 || r >= 24));
    al_prune_plan_free(&plan);
    free(m);
    al_param_table_free(&t);
}

static void test_ties_keep_the_lower_position(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx, 3);
    for (size_t j = 0; j < t.total; j++) t.data[j] = 1.0f; /* every block has the same mean */
    al_prune_opts o = block_opts("block:2x3", 0.5);
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 1, &plan));
    CHECK(plan.keep[0] == 15);
    uint8_t *m = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, m));
    /* the first 15 positions: a's 20 blocks come first, row-major */
    view v = view_of(&t.params[idx[0]], 2, 3);
    for (int64_t j = 0; j < 90; j++) CHECK(m[t.params[idx[0]].offset + j] == (block_of(v, j) < 15));
    CHECK(alive_blocks(&t, idx[2], view_of(&t.params[idx[2]], 2, 3), m, NULL) == 0);
    CHECK(alive_blocks(&t, idx[3], view_of(&t.params[idx[3]], 2, 3), m, NULL) == 0);
    al_prune_plan_free(&plan);
    free(m);
    al_param_table_free(&t);
}

/* block:1x1 is element pruning: the same masks as unstructured, random baselines included. */
static void test_block_1x1_is_unstructured(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx, 5);
    al_prune_opts u = al_prune_defaults(), b = block_opts("block:1x1", 0.2);
    al_prune_plan pu, pb;
    CHECK_OK(al_prune_plan_level(&t, &u, 3, &pu));
    CHECK_OK(al_prune_plan_level(&t, &b, 3, &pb));
    CHECK(pu.keep[0] == pb.keep[0] && pu.prunable_total == pb.prunable_total);
    uint8_t *mu = al_mask_new(&t), *mb = al_mask_new(&t), *ru = al_mask_new(&t), *rb = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &pu, NULL, mu));
    CHECK_OK(al_prune_magnitude(&t, t.data, &pb, NULL, mb));
    CHECK(memcmp(mu, mb, t.total) == 0);
    CHECK_OK(al_prune_random(&t, &pu, mu, 17, ru));
    CHECK_OK(al_prune_random(&t, &pb, mu, 17, rb));
    CHECK(memcmp(ru, rb, t.total) == 0);
    CHECK_OK(al_prune_random(&t, &pu, NULL, 17, ru));
    CHECK_OK(al_prune_random(&t, &pb, NULL, 17, rb));
    CHECK(memcmp(ru, rb, t.total) == 0);
    al_prune_plan_free(&pu), al_prune_plan_free(&pb);
    free(mu), free(mb), free(ru), free(rb);
    al_param_table_free(&t);
}

static void test_random_blocks(void) {
    al_param_table t;
    int idx[4];
    make_table(&t, idx, 9);
    al_prune_opts o = block_opts("block:2x3", 0.2);
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(&t, &o, 4, &plan));
    uint8_t *ticket = al_mask_new(&t), *r1 = al_mask_new(&t), *r2 = al_mask_new(&t), *r3 = al_mask_new(&t);
    CHECK_OK(al_prune_magnitude(&t, t.data, &plan, NULL, ticket));
    CHECK_OK(al_prune_random(&t, &plan, ticket, 5, r1));
    CHECK_OK(al_prune_random(&t, &plan, ticket, 5, r2));
    CHECK_OK(al_prune_random(&t, &plan, ticket, 6, r3));
    CHECK(memcmp(r1, r2, t.total) == 0 && memcmp(r1, r3, t.total) != 0);
    for (int k = 0; k < 4; k++) {
        if (k == 1) continue;
        view v = view_of(&t.params[idx[k]], 2, 3);
        CHECK(alive_blocks(&t, idx[k], v, r1, NULL) == alive_blocks(&t, idx[k], v, ticket, NULL));
    }
    CHECK_OK(al_prune_random(&t, &plan, NULL, 5, r2));
    int64_t kept = 0;
    for (int k = 0; k < 4; k++)
        if (k != 1) kept += alive_blocks(&t, idx[k], view_of(&t.params[idx[k]], 2, 3), r2, NULL);
    CHECK(kept == plan.keep[0] && kept == al_prune_keep_count(30, 0.2, 4));
    al_mask_report r;
    CHECK_OK(al_mask_count(&t, r2, &r));
    CHECK_OK(al_mask_count_groups(&t, &o, r2, &r));
    CHECK(r.groups_total[idx[0]] == 20 && r.groups_total[idx[1]] == 0 && r.groups_total[idx[3]] == 4);
    CHECK(r.groups_kept[idx[0]] + r.groups_kept[idx[2]] + r.groups_kept[idx[3]] == kept);
    al_mask_report_free(&r);
    al_prune_plan_free(&plan);
    free(ticket), free(r1), free(r2), free(r3);
    al_param_table_free(&t);
}

/* ds2-tiny: C = 4 conv channels, L = 2 layers of H = 16 units, F = 41 frequency rows. */
typedef struct {
    al_ds2 *m;
    al_param_table *t;
    int C, H, L;
    int conv0, conv3, ih[2][2], hh[2][2], fc;
} tiny;

static void tiny_new(tiny *x) {
    al_ds2_config cfg;
    CHECK_OK(al_ds2_preset("ds2-tiny", &cfg));
    CHECK_OK(al_ds2_new(&cfg, 1, 16, &x->m));
    al_ds2_init_weights(x->m, 42);
    x->t = al_ds2_params(x->m);
    x->C = cfg.conv_channels, x->H = cfg.hidden_size, x->L = cfg.hidden_layers;
    x->conv0 = al_param_find(x->t, "conv.seq_module.0.weight");
    x->conv3 = al_param_find(x->t, "conv.seq_module.3.weight");
    x->fc = al_param_find(x->t, "fc.0.module.1.weight");
    char name[96];
    for (int k = 0; k < 2; k++)
        for (int d = 0; d < 2; d++) {
            snprintf(name, sizeof name, "rnns.%d.rnn.weight_ih_l0%s", k, d ? "_reverse" : "");
            x->ih[k][d] = al_param_find(x->t, name);
            snprintf(name, sizeof name, "rnns.%d.rnn.weight_hh_l0%s", k, d ? "_reverse" : "");
            x->hh[k][d] = al_param_find(x->t, name);
        }
}

static int row_zero(const al_param_table *t, int i, int64_t row, const uint8_t *m) {
    const al_param *p = &t->params[i];
    int64_t cols = (int64_t)p->numel / p->shape[0];
    for (int64_t c = 0; c < cols; c++)
        if (m[p->offset + row * cols + c]) return 0;
    return 1;
}

/* Units in position order: conv0 channels 0..C-1, conv3 channels, layer 0's units, layer 1's. */
static int n_units(const tiny *x) { return 2 * x->C + 2 * x->H; }

/* pruned[u] read off the owners' rows (valid while no layer collapses entirely). */
static void read_pruned(const tiny *x, const uint8_t *m, int *pruned) {
    for (int u = 0; u < n_units(x); u++) {
        int layer = u < x->C ? 0 : u < 2 * x->C ? 1 : u < 2 * x->C + x->H ? 2 : 3;
        int owner[4] = {x->conv0, x->conv3, x->ih[0][0], x->ih[1][0]};
        int first[4] = {0, x->C, 2 * x->C, 2 * x->C + x->H};
        pruned[u] = row_zero(x->t, owner[layer], u - first[layer], m);
    }
}

/* The whole mask rebuilt from the pruned units (on top of prev) and compared: weight (r, c) lives
 * iff it lived in prev and its row's unit and its column's unit both live. Returns kept units and
 * fills the kept count per layer. */
static int check_channel_mask(const tiny *x, const uint8_t *m, const uint8_t *prev, const int *pruned,
                              int kept_per_layer[4]) {
    const al_param_table *t = x->t;
    int C = x->C, H = x->H;
    const int *p0 = pruned, *p3 = pruned + C, *pl[2] = {pruned + 2 * C, pruned + 2 * C + H};
    int kept = 0;
    for (int c = 0; c < C; c++) kept_per_layer[0] += !p0[c], kept_per_layer[1] += !p3[c];
    for (int j = 0; j < H; j++) kept_per_layer[2] += !pl[0][j], kept_per_layer[3] += !pl[1][j];
    uint8_t *want = al_mask_new(t);
    const int64_t per_in = 21 * 11, F = 41;
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        int64_t rows = p->shape[0], cols = (int64_t)p->numel / rows;
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < cols; c++) {
                int dead = 0;
                if (i == x->conv0) dead = p0[r];
                else if (i == x->conv3) dead = p3[r] || p0[c / per_in];
                else if (i == x->fc) dead = pl[1][c];
                for (int k = 0; k < 2; k++)
                    for (int d = 0; d < 2; d++) {
                        if (i == x->ih[k][d]) dead = pl[k][r % H] || (k ? pl[0][c] : p3[c / F]);
                        if (i == x->hh[k][d]) dead = pl[k][r % H] || pl[k][c];
                    }
                want[p->offset + r * cols + c] = !dead && (!prev || prev[p->offset + r * cols + c]);
            }
    }
    CHECK(memcmp(want, m, t->total) == 0);
    free(want);
    for (int k = 0; k < 4; k++) kept += kept_per_layer[k];
    return kept;
}

/* L1 of a row of tensor i over alive weights. */
static double row_l1(const tiny *x, int i, int64_t row, const uint8_t *prev, int *alive) {
    const al_param *p = &x->t->params[i];
    int64_t cols = (int64_t)p->numel / p->shape[0];
    double s = 0;
    for (int64_t c = 0; c < cols; c++) {
        size_t e = p->offset + (size_t)(row * cols + c);
        if (!prev || prev[e]) s += fabs(x->t->data[e]), *alive = 1;
    }
    return s;
}

/* L1 of LSTM unit j's 16 gate rows (ih and hh, both directions). */
static double unit_score(const tiny *x, int k, int j) {
    double s = 0;
    for (int d = 0; d < 2; d++)
        for (int w = 0; w < 2; w++) {
            int i = w ? x->hh[k][d] : x->ih[k][d];
            const al_param *p = &x->t->params[i];
            int64_t cols = (int64_t)p->numel / p->shape[0];
            for (int g = 0; g < 4; g++)
                for (int64_t c = 0; c < cols; c++) {
                    size_t e = p->offset + (size_t)((g * x->H + j) * cols + c);
                    s += fabs(x->t->data[e]);
                }
        }
    return s;
}

typedef struct {
    double score;
    int64_t pos;
} ref_unit;

/* Brute-force global ranking: every alive unit's L1 over its output rows, the best `keep` kept
 * (ties: lower position); dead units count as pruned; layer 1's units stay when keep_layer1. */
static void reference_pruned(const tiny *x, const uint8_t *prev, int64_t keep, int keep_layer1, int *pruned) {
    ref_unit r[128];
    int n = 0, C = x->C, H = x->H;
    for (int u = 0; u < n_units(x); u++) {
        int alive = 0;
        double s;
        if (u < 2 * C) s = row_l1(x, u < C ? x->conv0 : x->conv3, u % C, prev, &alive);
        else {
            int k = (u - 2 * C) / H, j = (u - 2 * C) % H;
            s = 0;
            for (int d = 0; d < 2; d++)
                for (int g = 0; g < 4; g++)
                    s += row_l1(x, x->ih[k][d], g * H + j, prev, &alive) + row_l1(x, x->hh[k][d], g * H + j, prev, &alive);
        }
        pruned[u] = !(keep_layer1 && u >= 2 * C + H);
        if (!pruned[u]) continue;
        if (alive) r[n++] = (ref_unit){s, u};
    }
    qsort(r, n, sizeof *r, ref_order);
    for (int64_t k = 0; k < keep; k++) pruned[r[k].pos] = 0;
}

static void test_channel_ds2_tiny(void) {
    tiny x;
    tiny_new(&x);
    al_prune_units units;
    CHECK_OK(al_ds2_units(x.m, &units));
    CHECK(units.n_units == 2 * x.C + x.L * x.H);
    al_prune_opts o = al_prune_defaults();
    CHECK_OK(al_prune_set_structure(&o, "channel"));
    o.units = &units;
    o.fraction = 0.5;
    /* global: exact unit counts over two iterated levels, the brute-force ranking, consistent
     * across gates, directions and consumers */
    uint8_t *prev = al_mask_new(x.t), *next = al_mask_new(x.t);
    int pruned[128];
    for (int level = 1; level <= 2; level++) {
        al_prune_plan plan;
        CHECK_OK(al_prune_plan_level(x.t, &o, level, &plan));
        CHECK(plan.prunable_total == 40 && plan.keep[0] == al_prune_keep_count(40, 0.5, level));
        CHECK_OK(al_prune_magnitude(x.t, x.t->data, &plan, prev, next));
        reference_pruned(&x, level > 1 ? prev : NULL, plan.keep[0], 0, pruned);
        int per[4] = {0};
        CHECK(check_channel_mask(&x, next, prev, pruned, per) == plan.keep[0]);
        for (size_t e = 0; e < x.t->total; e++) CHECK(!(next[e] && !prev[e]));
        al_prune_plan_free(&plan);
        memcpy(prev, next, x.t->total);
    }
    /* layerwise: each layer keeps its own count, and its best units by the brute-force score */
    o.scope = AL_PRUNE_LAYERWISE;
    al_prune_plan plan;
    CHECK_OK(al_prune_plan_level(x.t, &o, 1, &plan));
    CHECK_OK(al_prune_magnitude(x.t, x.t->data, &plan, NULL, next));
    int per[4] = {0};
    read_pruned(&x, next, pruned);
    check_channel_mask(&x, next, NULL, pruned, per);
    CHECK(per[0] == 2 && per[1] == 2 && per[2] == 8 && per[3] == 8);
    for (int k = 0; k < 2; k++) {
        double min_kept = 1e30, max_pruned = 0;
        for (int j = 0; j < x.H; j++) {
            double s = unit_score(&x, k, j);
            if (row_zero(x.t, x.ih[k][0], j, next)) max_pruned = fmax(max_pruned, s);
            else min_kept = fmin(min_kept, s);
        }
        CHECK(min_kept >= max_pruned);
    }
    al_mask_report r;
    CHECK_OK(al_mask_count(x.t, next, &r));
    CHECK_OK(al_mask_count_groups(x.t, &o, next, &r));
    CHECK(r.groups_total[x.ih[0][0]] == 16 && r.groups_kept[x.ih[0][0]] == 8 && r.groups_total[x.fc] == 0);
    CHECK(r.groups_total[x.conv0] == 4 && r.groups_kept[x.conv3] == 2);
    al_mask_report_free(&r);
    /* random channels: the ticket's units per owner, or the pool's count, consistent everywhere */
    CHECK_OK(al_prune_random(x.t, &plan, next, 8, prev));
    int rper[4] = {0};
    read_pruned(&x, prev, pruned);
    check_channel_mask(&x, prev, NULL, pruned, rper);
    CHECK(memcmp(rper, per, sizeof per) == 0 && memcmp(prev, next, x.t->total) != 0);
    al_prune_plan_free(&plan);
    o.scope = AL_PRUNE_GLOBAL;
    CHECK_OK(al_prune_plan_level(x.t, &o, 1, &plan));
    CHECK_OK(al_prune_random(x.t, &plan, NULL, 8, prev));
    int gper[4] = {0};
    read_pruned(&x, prev, pruned);
    CHECK(check_channel_mask(&x, prev, NULL, pruned, gper) == 20);
    al_prune_plan_free(&plan);
    /* rules name owners: ignoring a layer's first tensor keeps its units; a consumer-only
     * tensor is refused */
    CHECK_OK(al_prune_add_ignore(&o, "rnns.1.rnn.weight_ih_l0"));
    CHECK_OK(al_prune_plan_level(x.t, &o, 1, &plan));
    CHECK(plan.size[0] == 24 && plan.keep[0] == 12 && plan.prunable_total == 40);
    CHECK_OK(al_prune_magnitude(x.t, x.t->data, &plan, NULL, next));
    int iper[4] = {0};
    reference_pruned(&x, NULL, 12, 1, pruned);
    check_channel_mask(&x, next, NULL, pruned, iper);
    CHECK(iper[3] == 16 && iper[0] + iper[1] + iper[2] == 12);
    al_prune_plan_free(&plan);
    CHECK_OK(al_prune_add_ignore(&o, "rnns.1.rnn.weight_hh_l0"));
    CHECK(al_prune_plan_level(x.t, &o, 1, &plan) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "rnns.1.rnn.weight_hh_l0");
    free(prev), free(next);
    al_prune_units_free(&units);
    al_ds2_free(x.m);
}

AL_TEST_MAIN(test_specs_and_errors, test_block_exact_counts_global, test_block_exact_counts_layerwise,
             test_ranking_l1_matches_brute_force, test_ranking_l2_matches_brute_force, test_ragged_edge_blocks,
             test_ties_keep_the_lower_position, test_block_1x1_is_unstructured, test_random_blocks,
             test_channel_ds2_tiny)
