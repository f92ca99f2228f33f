/* Hardtanh(0, 20): values, NaN, in-place use, and the gradient mask (strict inequalities, as
 * PyTorch's hardtanh_backward) computed from the input or the output alike. */
#include "al_test.h"
#include "nn/activation.h"

static void test_hardtanh_forward(void) {
    float x[7] = {-3.0f, 0.0f, 1e-7f, 7.5f, 20.0f, 25.0f, NAN}, y[7];
    const float want[6] = {0.0f, 0.0f, 1e-7f, 7.5f, 20.0f, 20.0f};
    al_hardtanh_forward(y, x, 0.0f, 20.0f, 7);
    for (int i = 0; i < 6; i++) CHECK(y[i] == want[i]);
    CHECK(isnan(y[6]));
    al_hardtanh_forward(x, x, 0.0f, 20.0f, 7); /* in place */
    CHECK(memcmp(x, y, sizeof y) == 0);
}

static void test_hardtanh_backward(void) {
    float x[7] = {-3.0f, 0.0f, 1e-7f, 7.5f, 20.0f, 25.0f, 19.999998f}, y[7], dy[7], dx[7], dx2[7];
    for (int i = 0; i < 7; i++) dy[i] = (float)(i + 1), dx[i] = dx2[i] = 0.5f; /* backward adds */
    al_hardtanh_forward(y, x, 0.0f, 20.0f, 7);
    al_hardtanh_backward(dx, dy, x, 0.0f, 20.0f, 7);
    al_hardtanh_backward(dx2, dy, y, 0.0f, 20.0f, 7);
    const float want[7] = {0.5f, 0.5f, 3.5f, 4.5f, 0.5f, 0.5f, 7.5f}; /* passes only inside (0, 20) */
    for (int i = 0; i < 7; i++) CHECK_MSG(dx[i] == want[i] && dx2[i] == want[i], "i %d: %g %g", i, dx[i], dx2[i]);
}

/* Large enough for the OpenMP split: the result equals the serial definition. */
static void test_hardtanh_large(void) {
    enum { N = 100003 };
    static float x[N], y[N], dy[N], dx[N];
    for (int i = 0; i < N; i++) x[i] = (float)(i % 61) - 20.0f + 0.25f, dy[i] = 1.0f;
    al_hardtanh_forward(y, x, 0.0f, 20.0f, N);
    al_hardtanh_backward(dx, dy, y, 0.0f, 20.0f, N);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        float want = x[i] < 0 ? 0 : x[i] > 20 ? 20 : x[i];
        bad += y[i] != want || dx[i] != (x[i] > 0 && x[i] < 20 ? 1.0f : 0.0f);
    }
    CHECK(bad == 0);
}

AL_TEST_MAIN(test_hardtanh_forward, test_hardtanh_backward, test_hardtanh_large)
