/* ds2-tiny against PyTorch (tools/gen_ds2_fixture.py): training-mode logits, CTC losses, every
 * parameter gradient, BatchNorm running statistics, 20 AdamW steps and eval-mode logits.
 * Tolerances (issue 3): logits and gradients within 1e-4 relative or 1e-5 absolute, the 20 losses
 * within 1e-3 relative. */
#include "al_test.h"
#include "audiolottery/ds2.h"
#include "audiolottery/loss.h"
#include "audiolottery/optim.h"

static al_st_file *fx;

static const al_st_tensor *get(const char *name) {
    const al_st_tensor *t = al_st_find(fx, name);
    CHECK_MSG(t != NULL, "fixture lacks %s", name);
    return t;
}

/* Compares n floats; returns the worst |a-b| / (abs_tol + rel_tol |b|) (<= 1 passes). */
static double compare(const char *what, const float *got, const float *want, size_t n, double rel, double abs_tol) {
    double worst = 0;
    size_t worst_i = 0;
    for (size_t i = 0; i < n; i++) {
        double r = fabs(got[i] - want[i]) / (abs_tol + rel * fabs(want[i]));
        if (r > worst) worst = r, worst_i = i;
    }
    CHECK_MSG(worst <= 1.0, "%s[%zu]: %.8g vs torch %.8g", what, worst_i, got[worst_i], want[worst_i]);
    return worst;
}

typedef struct {
    al_ds2 *m;
    int N, T, *lengths, *targets, *target_lengths;
    const float *x;
} setup;

static int load(setup *s) {
    char path[1024];
    snprintf(path, sizeof path, "%s/ds2/ds2_tiny_fixture.safetensors", al_test_data());
    CHECK_OK(al_st_open(path, &fx));
    if (!fx) return 0;
    const al_st_tensor *x = get("input"), *il = get("input_lengths"), *tg = get("targets"), *tl = get("target_lengths");
    if (!x || !il || !tg || !tl) return 0;
    s->N = (int)x->shape[0];
    s->T = (int)x->shape[3];
    s->x = x->data;
    s->lengths = (int *)il->data;
    s->targets = (int *)tg->data;
    s->target_lengths = (int *)tl->data;
    al_ds2_config cfg;
    CHECK_OK(al_ds2_config_infer(fx, path, &cfg));
    al_ds2_config tiny;
    CHECK_OK(al_ds2_preset("ds2-tiny", &tiny));
    CHECK(memcmp(&cfg, &tiny, sizeof cfg) == 0);
    CHECK_OK(al_ds2_new(&cfg, s->N, s->T, &s->m));
    if (!s->m) return 0;
    CHECK_OK(al_param_table_read(al_ds2_params(s->m), al_ds2_params(s->m)->data, fx, path, 0));
    return 1;
}

static int max_target(const setup *s) {
    int L = 0;
    for (int b = 0; b < s->N; b++) L = s->target_lengths[b] > L ? s->target_lengths[b] : L;
    return L;
}

/* Forward + CTC + backward, deepspeech.pytorch's loss sum(losses) / N. Returns the batch loss. */
static double step_gradients(setup *s, al_ctc_workspace *ws, float *logits, float *dlogits, double *losses,
                             int *out_lengths) {
    al_param_table *t = al_ds2_params(s->m);
    int T1 = al_ds2_forward(s->m, 1, s->x, s->lengths, s->N, s->T, logits, out_lengths);
    CHECK(T1 > 0);
    CHECK_OK(al_ctc_loss(ws, logits, T1, s->N, AL_DS2_CLASSES, out_lengths, s->targets, s->target_lengths, 0, losses,
                         dlogits));
    double loss = 0;
    for (int b = 0; b < s->N; b++) loss += losses[b];
    size_t n = (size_t)T1 * s->N * AL_DS2_CLASSES;
    for (size_t i = 0; i < n; i++) dlogits[i] /= (float)s->N;
    al_param_zero_grad(t);
    CHECK_OK(al_ds2_backward(s->m, dlogits));
    return loss / s->N;
}

static void test_ds2_tiny_matches_pytorch(void) {
    setup s = {0};
    if (!load(&s)) return;
    al_param_table *t = al_ds2_params(s.m);
    const al_st_tensor *want_logits = get("logits");
    if (!want_logits) return;
    int T1 = (int)want_logits->shape[0];
    size_t nl = (size_t)T1 * s.N * AL_DS2_CLASSES;
    float *logits = malloc(sizeof(float) * nl), *dlogits = malloc(sizeof(float) * nl);
    double losses[8];
    int out_lengths[8];
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(T1, max_target(&s), s.N, &ws));

    step_gradients(&s, ws, logits, dlogits, losses, out_lengths);
    const int *want_len = get("output_lengths")->data;
    for (int b = 0; b < s.N; b++) CHECK(out_lengths[b] == want_len[b]);
    double w = compare("logits", logits, want_logits->data, nl, 1e-4, 1e-5);
    fprintf(stderr, "logits: worst error %.3f of tolerance\n", w);
    const float *want_losses = get("losses")->data;
    for (int b = 0; b < s.N; b++) CHECK_NEAR(losses[b], want_losses[b], 1e-4 * fabs(want_losses[b]));

    double worst_grad = 0;
    const char *worst_name = "";
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        char name[160];
        snprintf(name, sizeof name, "%s.%s", p->flags & AL_PARAM_BUFFER ? "after1" : "grad", p->name);
        const al_st_tensor *want = get(name);
        if (!want) continue;
        const float *got = p->flags & AL_PARAM_BUFFER ? al_param_data(t, i) : al_param_grad(t, i);
        double r = compare(name, got, want->data, p->numel, 1e-4, 1e-5);
        if (!(p->flags & AL_PARAM_BUFFER) && r > worst_grad) worst_grad = r, worst_name = p->name;
    }
    fprintf(stderr, "gradients: worst error %.3f of tolerance (%s)\n", worst_grad, worst_name);
    al_ctc_workspace_free(ws);
    free(logits);
    free(dlogits);
    al_ds2_free(s.m);
    al_st_close(fx);
}

static void test_ds2_tiny_adamw_steps_match_pytorch(void) {
    setup s = {0};
    if (!load(&s)) return;
    al_param_table *t = al_ds2_params(s.m);
    const al_st_tensor *want_losses = get("adamw_losses");
    const char *lr = al_st_metadata(fx, "lr");
    if (!want_losses || !lr) return;
    int T1 = al_ds2_output_length(s.T);
    size_t nl = (size_t)T1 * s.N * AL_DS2_CLASSES;
    float *logits = malloc(sizeof(float) * nl), *dlogits = malloc(sizeof(float) * nl);
    double losses[8];
    int out_lengths[8];
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(T1, max_target(&s), s.N, &ws));
    al_optim_opts o = al_optim_defaults(AL_OPTIM_ADAMW);
    o.lr = atof(lr);
    al_optim *opt;
    CHECK_OK(al_optim_new(t, &o, &opt));
    const float *want = want_losses->data;
    for (int step = 0; step < want_losses->numel; step++) {
        double loss = step_gradients(&s, ws, logits, dlogits, losses, out_lengths);
        CHECK_MSG(fabs(loss - want[step]) <= 1e-3 * fabs(want[step]), "step %d: loss %.6f vs torch %.6f", step, loss,
                  want[step]);
        al_clip_grad_norm(t, 400.0);
        al_optim_step(opt, t, NULL);
    }
    /* Final weights drift apart only by float rounding amplified over 20 steps. */
    for (int i = 0; i < t->n; i++) {
        if (t->params[i].flags & AL_PARAM_BUFFER) continue;
        char name[160];
        snprintf(name, sizeof name, "final.%s", t->params[i].name);
        const al_st_tensor *w = get(name);
        if (w) compare(name, al_param_data(t, i), w->data, t->params[i].numel, 1e-3, 1e-4);
    }
    int T1e = al_ds2_forward(s.m, 0, s.x, s.lengths, s.N, s.T, logits, out_lengths);
    CHECK(T1e == T1);
    compare("eval_logits", logits, get("eval_logits")->data, nl, 1e-3, 1e-4);
    al_optim_free(opt);
    al_ctc_workspace_free(ws);
    free(logits);
    free(dlogits);
    al_ds2_free(s.m);
    al_st_close(fx);
}

static void test_parameter_counts_of_presets(void) {
    struct { const char *name; size_t params; } want[] = {{"ds2-paper", 86618400}, {"ds2-small", 5580832}};
    for (int i = 0; i < 2; i++) {
        al_ds2_config cfg;
        CHECK_OK(al_ds2_preset(want[i].name, &cfg));
        al_ds2 *m;
        CHECK_OK(al_ds2_new(&cfg, 1, 16, &m));
        if (!m) continue;
        CHECK_MSG(al_param_count_trainable(al_ds2_params(m)) == want[i].params, "%s: %zu parameters", want[i].name,
                  al_param_count_trainable(al_ds2_params(m)));
        al_ds2_free(m);
    }
    al_ds2_config cfg;
    CHECK(al_ds2_preset("ds2-huge", &cfg) == AL_ERR_INVALID);
}

AL_TEST_MAIN(test_parameter_counts_of_presets, test_ds2_tiny_matches_pytorch, test_ds2_tiny_adamw_steps_match_pytorch)
