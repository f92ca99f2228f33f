/* AdamW and SGD-Nesterov with gradient clipping against torch.optim trajectories
 * (tools/gen_optim_fixture.py), and mask enforcement. */
#include "al_test.h"
#include "audiolottery/optim.h"

enum { N_PARAMS = 3, STEPS = 6 };
static const float MAX_NORM = 2.0f;

static al_st_file *fixture(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/optim/optim_fixture.safetensors", al_test_data());
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(path, &f));
    return f;
}

static const float *tensor(const al_st_file *f, const char *name, size_t numel) {
    const al_st_tensor *t = al_st_find(f, name);
    CHECK_MSG(t && (size_t)t->numel == numel, "fixture tensor %s", name);
    return t ? t->data : NULL;
}

/* A table shaped like the fixture's parameters, initialised from it. */
static void build_table(const al_st_file *f, al_param_table *t, int idx[N_PARAMS]) {
    al_param_table_init(t);
    for (int k = 0; k < N_PARAMS; k++) {
        char name[32];
        snprintf(name, sizeof name, "p%d.init", k);
        const al_st_tensor *x = al_st_find(f, name);
        idx[k] = al_param_add(t, name, x->ndim, x->shape, AL_PARAM_PRUNABLE);
    }
    CHECK_OK(al_param_table_alloc(t));
    for (int k = 0; k < N_PARAMS; k++)
        memcpy(al_param_data(t, idx[k]), al_st_find(f, t->params[idx[k]].name)->data,
               t->params[idx[k]].numel * sizeof(float));
}

static void check_trajectory(al_optim_type type, const char *prefix) {
    al_st_file *f = fixture();
    if (!f) return;
    al_param_table t;
    int idx[N_PARAMS];
    build_table(f, &t, idx);
    al_optim_opts o = al_optim_defaults(type);
    o.lr = 3e-2;
    o.weight_decay = 1e-2;
    al_optim *opt;
    CHECK_OK(al_optim_new(&t, &o, &opt));
    double worst = 0;
    for (int s = 0; s < STEPS; s++) {
        char name[64];
        for (int k = 0; k < N_PARAMS; k++) {
            snprintf(name, sizeof name, "p%d.grad.s%d", k, s);
            const float *g = tensor(f, name, t.params[idx[k]].numel);
            if (g) memcpy(al_param_grad(&t, idx[k]), g, t.params[idx[k]].numel * sizeof(float));
        }
        double norm = al_clip_grad_norm(&t, MAX_NORM);
        snprintf(name, sizeof name, "%s.norm.s%d", prefix, s);
        const float *want_norm = tensor(f, name, 1);
        if (want_norm) CHECK_NEAR(norm, want_norm[0], 1e-5 * want_norm[0]);
        al_optim_step(opt, &t, NULL);
        for (int k = 0; k < N_PARAMS; k++) {
            snprintf(name, sizeof name, "%s.p%d.s%d", prefix, k, s);
            const float *want = tensor(f, name, t.params[idx[k]].numel);
            const float *got = al_param_data(&t, idx[k]);
            for (size_t i = 0; want && i < t.params[idx[k]].numel; i++) {
                double err = fabs(got[i] - want[i]);
                worst = fmax(worst, err);
                CHECK_MSG(err <= 1e-6 + 1e-5 * fabs(want[i]), "%s[%zu]: %.9g vs torch %.9g", name, i, got[i], want[i]);
            }
        }
    }
    fprintf(stderr, "%s vs torch over %d steps: max abs diff %.3g\n", prefix, STEPS, worst);
    al_optim_free(opt);
    al_param_table_free(&t);
    al_st_close(f);
}

static void test_adamw_matches_torch(void) { check_trajectory(AL_OPTIM_ADAMW, "adamw"); }
static void test_sgd_nesterov_matches_torch(void) { check_trajectory(AL_OPTIM_SGD, "sgd"); }

static void test_mask_is_law(void) {
    al_param_table t;
    al_param_table_init(&t);
    int w = al_param_add(&t, "w", 2, (int64_t[]){4, 8}, AL_PARAM_PRUNABLE);
    int b = al_param_add(&t, "b", 1, (int64_t[]){4}, AL_PARAM_TRAINABLE);
    CHECK_OK(al_param_table_alloc(&t));
    uint8_t *mask = malloc(t.total);
    memset(mask, 1, t.total);
    for (int i = 0; i < 32; i += 3) mask[t.params[w].offset + i] = 0;
    mask[t.params[b].offset] = 0; /* not prunable: must be ignored */
    al_optim_opts o = al_optim_defaults(AL_OPTIM_ADAMW);
    al_optim *opt;
    CHECK_OK(al_optim_new(&t, &o, &opt));
    al_rng rng;
    al_rng_seed(&rng, 3);
    for (size_t i = 0; i < t.total; i++) t.data[i] = (float)al_rng_normal(&rng);
    for (int step = 0; step < 5; step++) {
        for (size_t i = 0; i < t.total; i++) t.grad[i] = (float)al_rng_normal(&rng);
        al_optim_step(opt, &t, mask);
        for (int i = 0; i < 32; i++) {
            size_t k = t.params[w].offset + i;
            if (i % 3 == 0) CHECK(t.data[k] == 0 && t.grad[k] == 0 && opt->m[k] == 0 && opt->v[k] == 0);
            else CHECK(t.data[k] != 0);
        }
        CHECK(al_param_data(&t, b)[0] != 0);
    }
    CHECK(al_param_count_trainable(&t) == 36 && al_param_count_prunable(&t) == 32);
    al_optim_reset(opt, &t);
    CHECK(opt->step == 0 && opt->m[t.params[w].offset + 1] == 0);
    free(mask);
    al_optim_free(opt);
    al_param_table_free(&t);
}

static void test_clip_leaves_small_gradients_alone(void) {
    al_param_table t;
    al_param_table_init(&t);
    al_param_add(&t, "w", 1, (int64_t[]){2}, AL_PARAM_TRAINABLE);
    al_param_add(&t, "running_mean", 1, (int64_t[]){2}, AL_PARAM_BUFFER);
    CHECK_OK(al_param_table_alloc(&t));
    t.grad[0] = 3;
    t.grad[1] = 4;
    t.grad[t.params[1].offset] = 100; /* buffers never count */
    CHECK_NEAR(al_clip_grad_norm(&t, 10.0), 5.0, 1e-12);
    CHECK(t.grad[0] == 3 && t.grad[1] == 4);
    CHECK_NEAR(al_clip_grad_norm(&t, 1.0), 5.0, 1e-12);
    CHECK_NEAR(t.grad[0], 3 / (5 + 1e-6), 1e-6);
    al_param_table_free(&t);
}

AL_TEST_MAIN(test_adamw_matches_torch, test_sgd_nesterov_matches_torch, test_mask_is_law,
             test_clip_leaves_small_gradients_alone)
