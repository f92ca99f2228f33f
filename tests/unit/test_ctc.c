/* CTC loss: hand-computed cases, impossible alignments, and the gradient against central
 * finite differences of the double-precision loss. */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/loss.h"

static void test_single_frame_is_log_softmax(void) {
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(1, 1, 1, &ws));
    float logits[3] = {0.5f, -1.0f, 2.0f};
    int T = 1, L = 1, target = 2;
    double loss;
    float grad[3];
    CHECK_OK(al_ctc_loss(ws, logits, 1, 1, 3, &T, &target, &L, 0, &loss, grad));
    double lse = log(exp(0.5) + exp(-1.0) + exp(2.0));
    CHECK_NEAR(loss, lse - 2.0, 1e-12);
    CHECK_NEAR(grad[0], exp(0.5 - lse), 1e-6);
    CHECK_NEAR(grad[2], exp(2.0 - lse) - 1.0, 1e-6);
    al_ctc_workspace_free(ws);
}

/* Two frames, target "1 1": needs "1 _ 1", so it is impossible in 2 frames (infinite loss, zero
 * gradient) and possible in 3 with exactly one path. */
static void test_repeated_labels_need_a_blank(void) {
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(3, 2, 1, &ws));
    float logits[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    int target[2] = {1, 1}, L = 2, T = 2;
    double loss;
    float grad[9];
    CHECK_OK(al_ctc_loss(ws, logits, 3, 1, 3, &T, target, &L, 0, &loss, grad));
    CHECK(isinf(loss) && loss > 0);
    for (int i = 0; i < 9; i++) CHECK(grad[i] == 0);
    T = 3;
    CHECK_OK(al_ctc_loss(ws, logits, 3, 1, 3, &T, target, &L, 0, &loss, grad));
    CHECK_NEAR(loss, 3 * log(3.0), 1e-12); /* one path, each frame 1/3 */
    al_ctc_workspace_free(ws);
}

static void test_empty_target_is_all_blank(void) {
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(4, 0, 1, &ws));
    float logits[8] = {1, 0, 2, 0, 0, 3, -1, 0};
    int T = 4, L = 0;
    double loss;
    CHECK_OK(al_ctc_loss(ws, logits, 4, 1, 2, &T, NULL, &L, 0, &loss, NULL));
    double want = 0;
    for (int t = 0; t < 4; t++) want -= logits[2 * t] - log(exp(logits[2 * t]) + exp(logits[2 * t + 1]));
    CHECK_NEAR(loss, want, 1e-12);
    al_ctc_workspace_free(ws);
}

static void test_bad_labels_are_rejected(void) {
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(4, 2, 1, &ws));
    float logits[12] = {0};
    int T = 4, L = 2, target[2] = {1, 0}; /* blank inside the target */
    double loss;
    CHECK(al_ctc_loss(ws, logits, 4, 1, 3, &T, target, &L, 0, &loss, NULL) == AL_ERR_INVALID);
    target[1] = 3; /* out of range */
    CHECK(al_ctc_loss(ws, logits, 4, 1, 3, &T, target, &L, 0, &loss, NULL) == AL_ERR_INVALID);
    al_ctc_workspace_free(ws);
}

/* A batch of 3 utterances of different lengths (time-major, padded), gradient vs central
 * differences with a power-of-two step (exact in float for these magnitudes). */
static void test_gradient_matches_finite_differences(void) {
    enum { T_MAX = 9, B = 3, C = 5 };
    int input_lengths[B] = {9, 6, 4};
    int target_lengths[B] = {4, 3, 1};
    int targets[8] = {1, 2, 2, 3, 4, 4, 1, 3};
    float logits[T_MAX * B * C];
    al_rng rng;
    al_rng_seed(&rng, 7);
    for (int i = 0; i < T_MAX * B * C; i++) logits[i] = (float)(1.5 * al_rng_normal(&rng));
    al_ctc_workspace *ws;
    CHECK_OK(al_ctc_workspace_new(T_MAX, 4, B, &ws));
    double loss[B], lp[B], lm[B];
    float grad[T_MAX * B * C];
    CHECK_OK(al_ctc_loss(ws, logits, T_MAX, B, C, input_lengths, targets, target_lengths, 0, loss, grad));
    const float h = 1.0f / 128;
    double worst = 0;
    for (int i = 0; i < T_MAX * B * C; i++) {
        int b = i / C % B, t = i / (B * C);
        float saved = logits[i];
        logits[i] = saved + h;
        al_ctc_loss(ws, logits, T_MAX, B, C, input_lengths, targets, target_lengths, 0, lp, NULL);
        logits[i] = saved - h;
        al_ctc_loss(ws, logits, T_MAX, B, C, input_lengths, targets, target_lengths, 0, lm, NULL);
        logits[i] = saved;
        double fd = (lp[b] - lm[b]) / (2.0 * h);
        double err = fabs(fd - grad[i]);
        if (t >= input_lengths[b]) CHECK(grad[i] == 0 && fd == 0); /* padding does not matter */
        worst = fmax(worst, err / (1e-3 + fabs(fd)));
        CHECK_MSG(err <= 1e-4 + 1e-3 * fabs(fd), "t %d b %d c %d: grad %.8f, fd %.8f", t, b, i % C, grad[i], fd);
    }
    fprintf(stderr, "ctc gradient vs finite differences: worst relative error %.2e\n", worst);
    /* Each frame's gradient sums to zero (softmax minus a distribution). */
    for (int t = 0; t < T_MAX; t++)
        for (int b = 0; b < B; b++) {
            double s = 0;
            for (int c = 0; c < C; c++) s += grad[(t * B + b) * C + c];
            CHECK_NEAR(s, 0, 1e-6);
        }
    al_ctc_workspace_free(ws);
}

AL_TEST_MAIN(test_single_frame_is_log_softmax, test_repeated_labels_need_a_blank, test_empty_target_is_all_blank,
             test_bad_labels_are_rejected, test_gradient_matches_finite_differences)
