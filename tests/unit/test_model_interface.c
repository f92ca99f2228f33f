/* The model interface (audiolottery/model.h): the registry, DeepSpeech2 through the interface equal
 * to its own API, one read-only model serving several states on several threads (dense and
 * sparse), and the test family's gradients against central differences. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "al_test.h"
#include "audiolottery/ds2.h"
#include "audiolottery/model.h"
#include "family/linear_ctc.h"

static void random_fill(float *x, size_t n, uint64_t seed) {
    al_rng r;
    al_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = (float)al_rng_normal(&r);
}

static void test_registry(void) {
    CHECK(al_model_family_find("ds2") && al_model_family_for_preset("ds2-small") == al_model_family_find("ds2"));
    CHECK(!al_model_family_find("linear-ctc") && !al_model_family_for_preset("linear-tiny"));
    CHECK_OK(al_model_register(&al_family_linear_ctc));
    CHECK(al_model_family_for_preset("linear-tiny") == &al_family_linear_ctc);
    CHECK(al_model_register(&al_family_linear_ctc) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "'linear-ctc' exists already");
    char names[512];
    al_model_preset_names(names, sizeof names);
    CHECK_STR_CONTAINS(names, "ds2-tiny, conformer-tiny, conformer-small, conformer-medium, linear-tiny, linear-small");
    al_model *m = NULL;
    CHECK(al_model_new_preset("nope", &m) == AL_ERR_INVALID && !m);
    CHECK_STR_CONTAINS(al_last_error(), "unknown model preset 'nope' (ds2-paper");
    CHECK(al_model_new_from_json("{\"arch\":\"rnnt\"}", "x.safetensors", &m) == AL_ERR_UNSUPPORTED && !m);
    CHECK_STR_CONTAINS(al_last_error(), "x.safetensors: metadata 'model': arch \"rnnt\" is not a model family here");
    /* a config round trip through JSON, for each family */
    const char *presets[] = {"ds2-tiny", "linear-tiny"};
    for (int i = 0; i < 2; i++) {
        al_model *a = NULL, *b = NULL;
        char ja[512], jb[512];
        CHECK_OK(al_model_new_preset(presets[i], &a));
        CHECK_OK(al_model_config_json(a, ja, sizeof ja));
        CHECK_OK(al_model_new_from_json(ja, "mem", &b));
        CHECK_OK(al_model_config_json(b, jb, sizeof jb));
        CHECK(!strcmp(ja, jb) && al_model_family_of(a) == al_model_family_of(b));
        al_model_free(a);
        al_model_free(b);
    }
}

/* ds2-tiny through al_model and through al_ds2: the same weights and bit-identical logits. */
static void test_ds2_same_through_interface(void) {
    al_model *m = NULL;
    al_model_state *s = NULL;
    al_ds2 *d = NULL;
    al_ds2_config cfg;
    CHECK_OK(al_ds2_preset("ds2-tiny", &cfg));
    CHECK_OK(al_model_new_preset("ds2-tiny", &m));
    CHECK_OK(al_ds2_new(&cfg, 2, 60, &d));
    if (!m || !d) return;
    CHECK_OK(al_model_state_new(m, 2, 60, &s));
    al_model_init_weights(m, 11);
    al_ds2_init_weights(d, 11);
    const al_param_table *tm = al_model_params(m), *td = al_ds2_params(d);
    CHECK(tm->total == td->total && !memcmp(tm->data, td->data, sizeof(float) * tm->total));
    const al_input_spec in = al_model_input(m);
    CHECK(in.bins == 161 && in.features.type == AL_FEAT_SPECTROGRAM && in.features.hop_length == 160);
    CHECK(al_model_output_length(m, 60) == al_ds2_output_length(60) && al_model_classes(m) == 29);
    CHECK_NEAR(al_model_seconds_per_frame(m), 0.02, 1e-12);
    float x[2 * 161 * 60];
    random_fill(x, sizeof x / sizeof *x, 5);
    int len[2] = {60, 41}, ol1[2], ol2[2];
    const int T1 = al_ds2_output_length(60);
    float *a = malloc(sizeof(float) * T1 * 2 * 29), *b = malloc(sizeof(float) * T1 * 2 * 29);
    for (int train = 0; train < 2; train++) {
        CHECK(al_model_forward(s, train, x, len, 2, 60, a, ol1) == T1);
        CHECK(al_ds2_forward(d, train, x, len, 2, 60, b, ol2) == T1);
        CHECK(!memcmp(a, b, sizeof(float) * T1 * 2 * 29) && ol1[1] == ol2[1]);
    }
    free(a), free(b);
    al_model_state_free(s);
    al_model_free(m);
    al_ds2_free(d);
}

/* Eval-mode forwards of two states of one model, run at once on two threads, equal one state's
 * sequential results: first dense, then on the model's sparse matrices. */
static void test_one_model_many_states(void) {
    al_model *m = NULL;
    CHECK_OK(al_model_new_preset("ds2-tiny", &m));
    if (!m) return;
    al_model_init_weights(m, 3);
    al_param_table *t = al_model_params(m);
    for (int i = 0; i < t->n; i++) /* prune about 70% so that sparse formats win */
        if (t->params[i].flags & AL_PARAM_PRUNABLE) {
            float *w = al_param_data(t, i);
            for (size_t j = 0; j < t->params[i].numel; j++)
                if (j % 10 < 7) w[j] = 0.0f;
        }
    enum { T = 50, K = 29 };
    const int T1 = al_model_output_length(m, T);
    float x[2][161 * T], ref[2][32 * K], got[2][32 * K];
    random_fill(x[0], 161 * T, 1);
    random_fill(x[1], 161 * T, 2);
    al_model_state *s[2] = {NULL, NULL};
    CHECK_OK(al_model_state_new(m, 1, T, &s[0]));
    CHECK_OK(al_model_state_new(m, 1, T, &s[1]));
    if (!s[0] || !s[1] || T1 > 32) return;
    for (int sparse = 0; sparse < 2; sparse++) {
        if (sparse) {
            al_sparse_report r;
            CHECK_OK(al_model_sparsify(m, NULL, AL_WEIGHT_FORMAT_AUTO, 1, T, &r));
            int any = 0;
            for (int i = 0; i < r.n; i++) any |= r.w[i].format != AL_WEIGHT_FORMAT_DENSE;
            CHECK_MSG(any && r.n == 10, "%d weights, none sparse", r.n);
            CHECK(!strcmp(t->params[r.w[2].param].name, r.w[2].name));
        }
        int len = T, ol;
        for (int u = 0; u < 2; u++) CHECK(al_model_forward(s[0], 0, x[u], &len, 1, T, ref[u], &ol) == T1);
        int rc[2];
#pragma omp parallel for num_threads(2) schedule(static, 1)
        for (int u = 0; u < 2; u++) {
            int l = T, o;
            rc[u] = al_model_forward(s[u], 0, x[u], &l, 1, T, got[u], &o);
        }
        for (int u = 0; u < 2; u++)
            CHECK_MSG(rc[u] == T1 && !memcmp(ref[u], got[u], sizeof(float) * T1 * K), "state %d (sparse %d)", u,
                      sparse);
    }
    al_model_state_free(s[0]);
    al_model_state_free(s[1]);
    al_model_free(m);
}

/* L = sum(out * R) over valid frames: dL/dout = R. */
static double probe_loss(al_model_state *s, const float *x, const int *len, int N, int T, const float *R, float *out) {
    int ol[4];
    int T1 = al_model_forward(s, 1, x, len, N, T, out, ol);
    const int K = al_model_classes(al_model_state_model(s));
    double L = 0;
    for (int t = 0; t < T1; t++)
        for (int n = 0; n < N; n++)
            for (int k = 0; t < ol[n] && k < K; k++)
                L += (double)out[((size_t)t * N + n) * K + k] * R[((size_t)t * N + n) * K + k];
    return L;
}

static void test_family_gradients(void) {
    al_model *m = NULL;
    al_model_state *s = NULL;
    CHECK_OK(al_model_new_preset("linear-tiny", &m));
    if (!m) return;
    CHECK_OK(al_model_state_new(m, 2, 12, &s));
    al_model_init_weights(m, 9);
    enum { N = 2, T = 12, F = 80, K = 29 };
    float x[N * F * T], R[T * N * K], out[T * N * K];
    random_fill(x, N * F * T, 4);
    random_fill(R, T * N * K, 6);
    int len[N] = {12, 7};
    for (int t = 7; t < T; t++) /* padded frames of utterance 1 get no gradient */
        for (int k = 0; k < K; k++) R[((size_t)t * N + 1) * K + k] = 0.0f;
    al_param_table *t = al_model_params(m);
    al_param_zero_grad(t);
    probe_loss(s, x, len, N, T, R, out);
    CHECK_OK(al_model_backward(s, R));
    double worst = 0;
    for (int i = 0; i < t->n; i++)
        for (size_t j = 0; j < t->params[i].numel; j += 97) {
            float *w = al_param_data(t, i) + j, w0 = *w;
            const float eps = 1e-3f; /* small: a step of 1e-2 crosses ReLU kinks */
            *w = w0 + eps;
            double lp = probe_loss(s, x, len, N, T, R, out);
            *w = w0 - eps;
            double lm = probe_loss(s, x, len, N, T, R, out);
            *w = w0;
            double fd = (lp - lm) / (2 * eps), g = al_param_grad(t, i)[j];
            worst = fmax(worst, fabs(fd - g) / fmax(1.0, fabs(fd)));
        }
    CHECK_MSG(worst < 1e-2, "worst relative gradient error %g", worst);
    fprintf(stderr, "linear-ctc gradients: worst relative error %.2e\n", worst);
    al_model_state_free(s);
    al_model_free(m);
}

AL_TEST_MAIN(test_registry, test_ds2_same_through_interface, test_one_model_many_states, test_family_gradients)
