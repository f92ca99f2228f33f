/* Conformer-CTC against PyTorch (tools/gen_conformer_fixture.py; the reference is
 * tools/conformer_reference.py over torchaudio.models.Conformer 0.13), for conformer-tiny and a size in
 * no preset: eval log-probs of each utterance alone against unmodified torchaudio and of the padded
 * batch against the masked reference; training-mode log-probs, CTC losses, every parameter gradient and
 * the BatchNorm running statistics; 20 Adam + Noam steps' losses. Tolerances (issue 13): log-probs
 * and gradients within 1e-4 relative (1e-5 of the tensor's largest value absolute), step losses 1e-3. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "al_test.h"
#include "audiolottery/loss.h"
#include "audiolottery/model.h"
#include "audiolottery/optim.h"
#include "audiolottery/prune.h"

typedef struct {
    al_st_file *f;
    char path[1024];
    al_model *m;
    int N, T, C, *lengths, *targets, *target_lengths;
    const float *x; /* (N, 80, T) */
} fixture;

static const al_st_tensor *get(const fixture *fx, const char *name) {
    const al_st_tensor *t = al_st_find(fx->f, name);
    CHECK_MSG(t != NULL, "%s lacks %s", fx->path, name);
    return t;
}

/* worst |got - want| / (abs + rel |want|) over n values with abs = 1e-5 max |want|; <= 1 passes */
static double compare(const char *what, const float *got, const float *want, size_t n, double rel) {
    double scale = 0, worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
    for (size_t i = 0; i < n; i++) {
        double r = fabs((double)got[i] - want[i]) / (1e-5 * scale + rel * fabs(want[i]) + 1e-30);
        if (r > worst) worst = r, at = i;
    }
    CHECK_MSG(worst <= 1.0, "%s[%zu]: %.8g vs torch %.8g (%.2f of the tolerance)", what, at, got[at], want[at], worst);
    return worst;
}

static int open_fixture(fixture *fx, const char *name) {
    memset(fx, 0, sizeof *fx);
    snprintf(fx->path, sizeof fx->path, "%s/conformer/%s.safetensors", al_test_data(), name);
    CHECK_OK(al_st_open(fx->path, &fx->f));
    if (!fx->f) return 0;
    const al_st_tensor *x = get(fx, "x"), *l = get(fx, "lengths"), *t = get(fx, "targets");
    const al_st_tensor *tl = get(fx, "target_lengths");
    const char *meta = al_st_metadata(fx->f, "model");
    CHECK(meta != NULL);
    if (!x || !l || !t || !tl || !meta) return 0;
    fx->N = (int)x->shape[0];
    fx->T = (int)x->shape[2];
    fx->x = x->data;
    fx->lengths = (int *)l->data;
    fx->targets = (int *)t->data;
    fx->target_lengths = (int *)tl->data;
    CHECK_OK(al_model_new_from_json(meta, fx->path, &fx->m));
    if (!fx->m) return 0;
    fx->C = al_model_classes(fx->m);
    al_param_table *tb = al_model_params(fx->m);
    CHECK_OK(al_param_table_read(tb, tb->data, fx->f, fx->path, 0));
    return 1;
}

static void close_fixture(fixture *fx) {
    al_model_free(fx->m);
    al_st_close(fx->f);
}

static void log_softmax_rows(float *x, size_t rows, int C) {
    for (size_t r = 0; r < rows; r++) {
        float *v = x + r * C;
        double mx = v[0], s = 0;
        for (int c = 1; c < C; c++) mx = fmax(mx, v[c]);
        for (int c = 0; c < C; c++) s += exp(v[c] - mx);
        for (int c = 0; c < C; c++) v[c] = (float)(v[c] - mx - log(s));
    }
}

/* Utterances alone against unmodified torchaudio, and the padded batch in eval mode. */
static void check_eval(fixture *fx) {
    const int N = fx->N, T = fx->T, C = fx->C;
    al_model_state *s = NULL;
    CHECK_OK(al_model_state_new(fx->m, N, T, &s));
    if (!s) return;
    float *x1 = malloc(sizeof(float) * 80 * T), *out = malloc(sizeof(float) * (size_t)T * N * C);
    int ol[8];
    for (int i = 0; i < N; i++) {
        const int L = fx->lengths[i];
        for (int f = 0; f < 80; f++) memcpy(x1 + (size_t)f * L, fx->x + ((size_t)i * 80 + f) * T, sizeof(float) * L);
        int T1 = al_model_forward(s, 0, x1, &L, 1, L, out, ol);
        char name[32];
        snprintf(name, sizeof name, "single.%d", i);
        const al_st_tensor *want = get(fx, name);
        CHECK(want && T1 == (int)want->shape[0]);
        if (!want || T1 != (int)want->shape[0]) continue;
        log_softmax_rows(out, T1, C);
        compare(name, out, want->data, (size_t)T1 * C, 1e-4);
    }
    int T1 = al_model_forward(s, 0, fx->x, fx->lengths, N, T, out, ol);
    const al_st_tensor *want = get(fx, "eval");
    if (want && T1 == (int)want->shape[0]) {
        log_softmax_rows(out, (size_t)T1 * N, C);
        for (int i = 0; i < N; i++) /* the valid frames of each utterance */
            for (int t = 0; t < ol[i]; t++)
                compare("eval", out + ((size_t)t * N + i) * C, (const float *)want->data + ((size_t)t * N + i) * C, C, 1e-4);
    } else {
        CHECK_MSG(0, "eval: %d frames", T1);
    }
    free(x1), free(out);
    al_model_state_free(s);
}

/* Forward, CTC (sum / N) and backward at the current weights; returns the loss, logits in out. */
static double step_loss(fixture *fx, al_model_state *s, al_ctc_workspace *ws, float *out, float *dout, double *losses,
                        int *ol) {
    const int N = fx->N, C = fx->C;
    int T1 = al_model_forward(s, 1, fx->x, fx->lengths, N, fx->T, out, ol);
    CHECK(T1 > 0);
    if (T1 <= 0) return NAN;
    CHECK_OK(al_ctc_loss(ws, out, T1, N, C, ol, fx->targets, fx->target_lengths, 0, losses, dout));
    double sum = 0;
    for (int i = 0; i < N; i++) sum += losses[i];
    for (size_t i = 0; i < (size_t)T1 * N * C; i++) dout[i] /= (float)N;
    al_param_table *t = al_model_params(fx->m);
    al_param_zero_grad(t);
    CHECK_OK(al_model_backward(s, dout));
    return sum / N;
}

static void check_training(fixture *fx) {
    const int N = fx->N, T = fx->T, C = fx->C, T1 = al_model_output_length(fx->m, T);
    al_model_state *s = NULL;
    al_ctc_workspace *ws = NULL;
    CHECK_OK(al_model_state_new(fx->m, N, T, &s));
    CHECK_OK(al_ctc_workspace_new(T1, 16, N, &ws));
    float *out = malloc(sizeof(float) * (size_t)T1 * N * C), *dout = malloc(sizeof(float) * (size_t)T1 * N * C);
    double losses[8];
    int ol[8];
    if (!s || !ws) return;
    step_loss(fx, s, ws, out, dout, losses, ol);
    const al_st_tensor *lw = get(fx, "losses"), *tw = get(fx, "train");
    for (int i = 0; lw && i < N; i++) CHECK_NEAR(losses[i], ((const float *)lw->data)[i], 1e-4 * fabs(losses[i]));
    log_softmax_rows(out, (size_t)T1 * N, C);
    for (int i = 0; tw && i < N; i++)
        for (int t = 0; t < ol[i]; t++)
            compare("train", out + ((size_t)t * N + i) * C, (const float *)tw->data + ((size_t)t * N + i) * C, C, 1e-4);
    const al_param_table *tb = al_model_params(fx->m);
    int grads = 0, buffers = 0, zeros = 0;
    double worst = 0, scale = 0; /* scale: the largest reference gradient of the model */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < tb->n; k++) {
            const al_param *p = &tb->params[k];
            char name[AL_PARAM_NAME_MAX + 16];
            snprintf(name, sizeof name, "%s.%s", p->flags & AL_PARAM_BUFFER ? "after1" : "grad", p->name);
            const al_st_tensor *want = pass ? get(fx, name) : al_st_find(fx->f, name);
            if (!want || (size_t)want->numel != p->numel) continue;
            const float *w = want->data, *got = p->flags & AL_PARAM_BUFFER ? al_param_data(tb, k) : al_param_grad(tb, k);
            double top = 0, off = 0;
            for (size_t i = 0; i < p->numel; i++) top = fmax(top, fabs(w[i])), off = fmax(off, fabs(got[i]));
            if (!pass) {
                if (!(p->flags & AL_PARAM_BUFFER)) scale = fmax(scale, top);
                continue;
            }
            if (!(p->flags & AL_PARAM_BUFFER) && top < 1e-9 * scale) {
                /* zero in exact arithmetic (a bias before training-mode BatchNorm): float32 leaves
                 * rounding residue, to be small against the model's gradients */
                CHECK_MSG(off <= 1e-5 * scale, "%s: %.3g where torch has 0 (model scale %.3g)", name, off, scale);
                zeros++;
                continue;
            }
            worst = fmax(worst, compare(name, got, w, p->numel, 1e-4));
            p->flags & AL_PARAM_BUFFER ? buffers++ : grads++;
        }
    fprintf(stderr, "%s: %d gradients (and %d that are 0 in exact arithmetic) and %d buffers, worst at %.2f of the "
            "tolerance\n", fx->path, grads, zeros, buffers, worst);
    CHECK(grads > 20 && buffers >= 2);
    free(out), free(dout);
    al_ctc_workspace_free(ws);
    al_model_state_free(s);
}

/* 20 Adam steps (betas 0.9 / 0.98, eps 1e-9, weight decay 1e-6) with the Noam schedule (peak 1e-3,
 * 5 warm-up steps) and gradient clipping 5, from the fixture's weights. */
static void check_steps(fixture *fx) {
    const int N = fx->N, T = fx->T, C = fx->C, T1 = al_model_output_length(fx->m, T);
    al_param_table *tb = al_model_params(fx->m);
    CHECK_OK(al_param_table_read(tb, tb->data, fx->f, fx->path, 0)); /* back to the fixture's weights */
    al_model_state *s = NULL;
    al_ctc_workspace *ws = NULL;
    al_optim *opt = NULL;
    al_optim_opts oo = al_optim_defaults(AL_OPTIM_ADAM);
    oo.beta2 = 0.98, oo.eps = 1e-9, oo.weight_decay = 1e-6;
    CHECK_OK(al_model_state_new(fx->m, N, T, &s));
    CHECK_OK(al_ctc_workspace_new(T1, 16, N, &ws));
    CHECK_OK(al_optim_new(tb, &oo, &opt));
    const al_st_tensor *want = get(fx, "steps");
    float *out = malloc(sizeof(float) * (size_t)T1 * N * C), *dout = malloc(sizeof(float) * (size_t)T1 * N * C);
    double losses[8];
    int ol[8];
    for (int step = 1; s && ws && opt && want && step <= (int)want->numel; step++) {
        al_optim_set_lr(opt, al_noam_lr(1e-3, 5, step));
        double loss = step_loss(fx, s, ws, out, dout, losses, ol);
        double ref = ((const float *)want->data)[step - 1];
        CHECK_MSG(fabs(loss - ref) <= 1e-3 * fabs(ref), "step %d: loss %.6f vs torch %.6f", step, loss, ref);
        al_clip_grad_norm(tb, 5.0);
        al_optim_step(opt, tb, NULL);
    }
    free(out), free(dout);
    al_optim_free(opt);
    al_ctc_workspace_free(ws);
    al_model_state_free(s);
}

static void run(const char *name) {
    fixture fx;
    if (!open_fixture(&fx, name)) return;
    check_eval(&fx);
    check_training(&fx);
    check_steps(&fx);
    close_fixture(&fx);
}

/* Training-mode dropout draws from the seed given before the forward: the same seed, the same
 * output; another seed, another; eval mode draws nothing. */
static void test_dropout_seeds(void) {
    fixture fx;
    if (!open_fixture(&fx, "tiny")) return;
    al_model *m = NULL;
    CHECK_OK(al_model_new_preset("conformer-tiny", &m)); /* dropout 0.1 */
    al_model_state *s = NULL;
    if (m) CHECK_OK(al_model_state_new(m, fx.N, fx.T, &s));
    const size_t n = (size_t)al_model_output_length(fx.m, fx.T) * fx.N * fx.C;
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
    int ol[8];
    if (s) {
        al_model_init_weights(m, 5);
        const float *outs[2] = {a, b};
        for (int train = 1; train >= 0; train--) {
            for (int k = 0; k < 2; k++) {
                al_model_state_set_seed(s, 11);
                CHECK(al_model_forward(s, train, fx.x, fx.lengths, fx.N, fx.T, (float *)outs[k], ol) > 0);
            }
            CHECK_MSG(!memcmp(a, b, sizeof(float) * n), "train %d: the same seed gave another output", train);
            al_model_state_set_seed(s, 12);
            CHECK(al_model_forward(s, train, fx.x, fx.lengths, fx.N, fx.T, b, ol) > 0);
            CHECK_MSG(train ? memcmp(a, b, sizeof(float) * n) != 0 : !memcmp(a, b, sizeof(float) * n),
                      "train %d: another seed %s", train, train ? "changed nothing" : "changed the eval output");
        }
    }
    free(a), free(b);
    al_model_state_free(s);
    al_model_free(m);
    close_fixture(&fx);
}

/* Eval-mode forwards on the model's sparse matrices (al_model_sparsify) equal the dense ones up to
 * float rounding, with 90% of every prunable weight zeroed (unstructured, then in 8 x 1 blocks). */
static void test_sparse_inference(void) {
    fixture fx;
    if (!open_fixture(&fx, "tiny")) return;
    al_param_table *t = al_model_params(fx.m);
    al_model_state *s = NULL;
    CHECK_OK(al_model_state_new(fx.m, fx.N, fx.T, &s));
    const size_t n = (size_t)al_model_output_length(fx.m, fx.T) * fx.N * fx.C;
    float *dense = malloc(sizeof(float) * n), *sparse = malloc(sizeof(float) * n);
    int ol[8];
    for (int blocks = 0; s && blocks < 2; blocks++) {
        al_rng rng;
        al_rng_seed(&rng, 3 + blocks);
        for (int k = 0; k < t->n; k++) {
            const al_param *p = &t->params[k];
            if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
            const size_t cols = p->numel / p->shape[0];
            float *w = al_param_data(t, k);
            for (size_t r = 0; r < (size_t)p->shape[0]; r += blocks ? 8 : 1)
                for (size_t c = 0; c < cols; c++)
                    if (al_rng_uniform(&rng) < 0.9)
                        for (size_t j = r; j < (size_t)p->shape[0] && j < r + (blocks ? 8 : 1); j++) w[j * cols + c] = 0;
        }
        al_model_densify(fx.m);
        CHECK(al_model_forward(s, 0, fx.x, fx.lengths, fx.N, fx.T, dense, ol) > 0);
        al_sparse_report r;
        CHECK_OK(al_model_sparsify(fx.m, NULL, AL_WEIGHT_FORMAT_AUTO, fx.N, fx.T, &r));
        int chosen = 0;
        for (int i = 0; i < r.n; i++) chosen += r.w[i].format != AL_WEIGHT_FORMAT_DENSE;
        CHECK_MSG(chosen > 0, "no weight chose a sparse format at 10%% density (%s)", blocks ? "blocks" : "unstructured");
        CHECK(al_model_forward(s, 0, fx.x, fx.lengths, fx.N, fx.T, sparse, ol) > 0);
        compare(blocks ? "sparse bsr logits" : "sparse csr logits", sparse, dense, n, 1e-5);
    }
    free(dense), free(sparse);
    al_model_state_free(s);
    close_fixture(&fx);
}

/* A training step on the state's sparse matrices (al_model_sparse_train, 10% of each prunable weight
 * kept in 8 x 1 blocks) gives the dense step's gradients up to float rounding: every gradient of a
 * weight the sparse path stores, and of every other parameter (which the input gradients reach). */
static void test_sparse_training(void) {
    fixture fx;
    if (!open_fixture(&fx, "tiny")) return;
    al_param_table *t = al_model_params(fx.m);
    uint8_t *mask = al_mask_new(t);
    al_rng rng;
    al_rng_seed(&rng, 9);
    for (int k = 0; mask && k < t->n; k++) {
        const al_param *p = &t->params[k];
        if (!(p->flags & AL_PARAM_PRUNABLE)) continue;
        const size_t cols = p->numel / p->shape[0];
        for (size_t r = 0; r < (size_t)p->shape[0]; r += 8)
            for (size_t c = 0; c < cols; c++) {
                const uint8_t keep = al_rng_uniform(&rng) < 0.1;
                for (size_t j = r; j < (size_t)p->shape[0] && j < r + 8; j++) mask[p->offset + j * cols + c] = keep;
            }
    }
    if (mask) al_apply_mask(t, t->data, mask);
    const int T1 = al_model_output_length(fx.m, fx.T);
    al_model_state *s = NULL;
    al_ctc_workspace *ws = NULL;
    CHECK_OK(al_model_state_new(fx.m, fx.N, fx.T, &s));
    CHECK_OK(al_ctc_workspace_new(T1, 16, fx.N, &ws));
    float *out = malloc(sizeof(float) * (size_t)T1 * fx.N * fx.C), *dout = malloc(sizeof(float) * (size_t)T1 * fx.N * fx.C);
    float *dense = malloc(sizeof(float) * t->total);
    double losses[8];
    int ol[8];
    if (s && ws && mask) {
        step_loss(&fx, s, ws, out, dout, losses, ol);
        al_apply_mask(t, t->grad, mask);
        memcpy(dense, t->grad, sizeof(float) * t->total);
        al_sparse_report r;
        CHECK_OK(al_model_sparse_train(s, mask, AL_WEIGHT_FORMAT_AUTO, &r));
        int chosen = 0;
        for (int i = 0; i < r.n; i++) chosen += r.w[i].format != AL_WEIGHT_FORMAT_DENSE;
        CHECK_MSG(chosen > 0 && r.n > 0, "no weight trains sparse at 10%% density in blocks");
        step_loss(&fx, s, ws, out, dout, losses, ol);
        al_apply_mask(t, t->grad, mask);
        double scale = 0; /* the model's largest gradient */
        for (size_t i = 0; i < t->total; i++) scale = fmax(scale, fabs(dense[i]));
        for (int k = 0; k < t->n; k++) {
            const al_param *p = &t->params[k];
            if (p->flags & AL_PARAM_BUFFER) continue;
            const float *g = al_param_grad(t, k), *want = dense + p->offset;
            double top = 0, got = 0;
            for (size_t i = 0; i < p->numel; i++) top = fmax(top, fabs(want[i])), got = fmax(got, fabs(g[i]));
            if (top < 1e-5 * scale) /* rounding residue of a gradient that is 0 in exact arithmetic */
                CHECK_MSG(got < 1e-5 * scale, "%s: %.3g against a model scale of %.3g", p->name, got, scale);
            else
                compare(p->name, g, want, p->numel, 1e-4);
        }
        CHECK_OK(al_model_sparse_refresh(s));
        al_model_sparse_train_off(s);
    }
    free(out), free(dout), free(dense), free(mask);
    al_ctc_workspace_free(ws);
    al_model_state_free(s);
    close_fixture(&fx);
}

static void test_tiny(void) { run("tiny"); }
static void test_other_size(void) { run("other"); }

AL_TEST_MAIN(test_tiny, test_other_size, test_dropout_seeds, test_sparse_inference, test_sparse_training)
