/* Noise mixing (true SNR, fixed level, looping, determinism) and the training augmenter. */
#include "al_test.h"

#include "audiolottery/al.h"

enum { N = 16000, NN = 5000 }; /* speech and (shorter, so looped) noise lengths */

static void make_speech(float *x, int n) {
    al_rng rng;
    al_rng_seed(&rng, 11);
    for (int i = 0; i < n; i++) x[i] = (float)(0.3 * sin(0.05 * i) + 0.05 * al_rng_normal(&rng));
}

static void make_noise(float *x, int n, uint64_t seed) {
    al_rng rng;
    al_rng_seed(&rng, seed);
    for (int i = 0; i < n; i++) x[i] = (float)(0.2 * al_rng_normal(&rng));
}

/* 20·log10(rms(clean) / rms(mix - clean)) */
static double measured_snr(const float *clean, const float *mix, int n) {
    double es = 0.0, en = 0.0;
    for (int i = 0; i < n; i++) {
        double d = (double)mix[i] - clean[i];
        es += (double)clean[i] * clean[i];
        en += d * d;
    }
    return 10.0 * log10(es / en);
}

static void test_snr_exact(void) {
    static float clean[N], mix[N], noise[NN];
    make_speech(clean, N);
    make_noise(noise, NN, 5);
    const double snrs[] = {-5.0, 0.0, 7.3, 20.0, 40.0};
    for (int k = 0; k < 5; k++) {
        memcpy(mix, clean, sizeof mix);
        al_rng rng;
        al_rng_seed(&rng, 100 + k);
        CHECK_OK(al_mix_noise_snr(mix, N, noise, NN, snrs[k], &rng));
        CHECK_NEAR(measured_snr(clean, mix, N), snrs[k], 0.01);
    }
}

/* Zero speech makes the mix exactly level·noise segment: check it is the looped noise read from
 * one start offset, wrapping around (NN < N). */
static void test_level_exact_and_looping(void) {
    static float mix[N], noise[NN];
    make_noise(noise, NN, 6);
    const double level = 0.37;
    memset(mix, 0, sizeof mix);
    al_rng rng;
    al_rng_seed(&rng, 9);
    CHECK_OK(al_mix_noise_level(mix, N, noise, NN, level, &rng));
    int start = -1;
    for (int j = 0; j < NN && start < 0; j++)
        if (mix[0] == (float)(level * noise[j]) && mix[1] == (float)(level * noise[(j + 1) % NN])) start = j;
    CHECK(start >= 0);
    int mismatches = 0;
    for (int i = 0; start >= 0 && i < N; i++) mismatches += mix[i] != (float)(level * noise[(start + i) % NN]);
    CHECK(mismatches == 0);

    /* With speech: mix = speech + level·noise, in the same arithmetic. */
    static float clean[N], mix2[N];
    make_speech(clean, N);
    memcpy(mix2, clean, sizeof mix2);
    al_rng_seed(&rng, 9); /* same seed, same start */
    CHECK_OK(al_mix_noise_level(mix2, N, noise, NN, level, &rng));
    mismatches = 0;
    for (int i = 0; start >= 0 && i < N; i++)
        mismatches += mix2[i] != (float)(clean[i] + level * noise[(start + i) % NN]);
    CHECK(mismatches == 0);
}

static void test_determinism(void) {
    static float a[N], b[N], c[N], noise[NN];
    make_speech(a, N);
    memcpy(b, a, sizeof a);
    memcpy(c, a, sizeof a);
    make_noise(noise, NN, 7);
    al_rng r1, r2, r3;
    al_rng_seed(&r1, 5);
    al_rng_seed(&r2, 5);
    al_rng_seed(&r3, 6);
    CHECK_OK(al_mix_noise_snr(a, N, noise, NN, 10.0, &r1));
    CHECK_OK(al_mix_noise_snr(b, N, noise, NN, 10.0, &r2));
    CHECK_OK(al_mix_noise_snr(c, N, noise, NN, 10.0, &r3));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
}

static void test_silent_and_errors(void) {
    static float silent[N], noise[NN], speech[N], copy[N];
    make_noise(noise, NN, 8);
    al_rng rng;
    al_rng_seed(&rng, 1);
    CHECK_OK(al_mix_noise_snr(silent, N, noise, NN, 10.0, &rng));
    int nonzero = 0;
    for (int i = 0; i < N; i++) nonzero += silent[i] != 0.0f;
    CHECK(nonzero == 0);
    make_speech(speech, N);
    memcpy(copy, speech, sizeof copy);
    float zeros[NN] = {0};
    CHECK_OK(al_mix_noise_snr(speech, N, zeros, NN, 10.0, &rng)); /* silent noise: unchanged */
    CHECK(memcmp(speech, copy, sizeof copy) == 0);
    CHECK(al_mix_noise_snr(speech, N, noise, 0, 10.0, &rng) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "noise is empty");
    CHECK(al_mix_noise_level(speech, N, NULL, NN, 0.1, &rng) == AL_ERR_INVALID);
    CHECK(al_mix_noise_snr(speech, N, noise, NN, NAN, &rng) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "not finite");
}

static const char *fixture(const char *name) {
    static char path[4][1024];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/features/%s", al_test_data(), name);
    return path[k];
}

/* A fresh copy of the test speech as an al_audio. */
static al_audio speech_audio(void) {
    al_audio a = {.samples = al_malloc(sizeof(float) * N), .n = N, .sample_rate = AL_SAMPLE_RATE};
    make_speech(a.samples, N);
    return a;
}

static void test_augmenter_noise(void) {
    const char *files[] = {fixture("tones.wav"), fixture("odd.wav")};
    al_augment_opts o = al_augment_defaults();
    CHECK(o.n_noise_files == 0 && o.speed_lo == 1.0 && o.speed_hi == 1.0 && o.gain_lo_db == 0.0 && o.gain_hi_db == 0.0);
    o.noise_files = files;
    o.n_noise_files = 2;
    o.noise_prob = 1.0;
    o.noise_lo = o.noise_hi = 12.5;
    al_augmenter *aug = NULL;
    CHECK_OK(al_augmenter_new(&o, &aug));
    if (!aug) return;
    for (uint64_t seed = 0; seed < 4; seed++) {
        al_audio a = speech_audio();
        static float clean[N];
        make_speech(clean, N);
        al_rng rng;
        al_rng_seed(&rng, seed);
        CHECK_OK(al_augment_apply(aug, &a, &rng));
        CHECK(a.n == N);
        CHECK_NEAR(measured_snr(clean, a.samples, N), 12.5, 0.01);
        al_audio_free(&a);
    }
    al_augmenter_free(aug);

    /* noise_prob 0: never mixed. */
    o.noise_prob = 0.0;
    CHECK_OK(al_augmenter_new(&o, &aug));
    al_audio a = speech_audio();
    static float clean[N];
    make_speech(clean, N);
    al_rng rng;
    al_rng_seed(&rng, 1);
    if (aug) CHECK_OK(al_augment_apply(aug, &a, &rng));
    CHECK(memcmp(a.samples, clean, sizeof clean) == 0);
    al_audio_free(&a);
    al_augmenter_free(aug);
}

static void test_augmenter_speed_gain_determinism(void) {
    al_augment_opts o = al_augment_defaults();
    o.gain_lo_db = o.gain_hi_db = 6.0;
    al_augmenter *aug = NULL;
    CHECK_OK(al_augmenter_new(&o, &aug));
    if (!aug) return;
    al_audio a = speech_audio();
    al_rng rng;
    al_rng_seed(&rng, 1);
    CHECK_OK(al_augment_apply(aug, &a, &rng));
    static float clean[N];
    make_speech(clean, N);
    float g = (float)pow(10.0, 6.0 / 20.0);
    int wrong = 0;
    for (int i = 0; i < N; i++) wrong += a.samples[i] != clean[i] * g;
    CHECK(wrong == 0);
    al_audio_free(&a);
    al_augmenter_free(aug);

    o = al_augment_defaults();
    o.speed_lo = 0.9;
    o.speed_hi = 1.1;
    CHECK_OK(al_augmenter_new(&o, &aug));
    if (!aug) return;
    al_audio x = speech_audio(), y = speech_audio();
    al_rng r1, r2;
    al_rng_seed(&r1, 77);
    al_rng_seed(&r2, 77);
    CHECK_OK(al_augment_apply(aug, &x, &r1));
    CHECK_OK(al_augment_apply(aug, &y, &r2));
    CHECK(x.n == y.n && memcmp(x.samples, y.samples, sizeof(float) * (size_t)x.n) == 0);
    CHECK_MSG(x.n >= N / 1.1 - 2 && x.n <= N / 0.9 + 2 && x.n != N, "speed-perturbed length %lld", (long long)x.n);
    al_audio_free(&x);
    al_audio_free(&y);
    al_augmenter_free(aug);
}

static void test_augmenter_errors(void) {
    const char *files[] = {fixture("tones.wav"), fixture("no_such_noise.wav")};
    al_augment_opts o = al_augment_defaults();
    o.noise_files = files;
    o.n_noise_files = 2;
    al_augmenter *aug = (al_augmenter *)1;
    CHECK(al_augmenter_new(&o, &aug) != AL_OK && aug == NULL);
    CHECK_STR_CONTAINS(al_last_error(), "no_such_noise.wav");
    o = al_augment_defaults();
    o.speed_lo = 1.2;
    o.speed_hi = 0.8;
    CHECK(al_augmenter_new(&o, &aug) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "speed");
    o = al_augment_defaults();
    CHECK_OK(al_augmenter_new(&o, &aug));
    if (!aug) return;
    al_audio a = speech_audio();
    a.sample_rate = 8000;
    al_rng rng;
    al_rng_seed(&rng, 1);
    CHECK(al_augment_apply(aug, &a, &rng) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "8000 Hz");
    al_audio_free(&a);
    al_augmenter_free(aug);
}

AL_TEST_MAIN(test_snr_exact, test_level_exact_and_looping, test_determinism, test_silent_and_errors,
             test_augmenter_noise, test_augmenter_speed_gain_determinism, test_augmenter_errors)
