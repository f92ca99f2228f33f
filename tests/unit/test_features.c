/* Feature parity with PyTorch (fixtures from tools/gen_feature_fixtures.py) and error cases. */
#include "al_test.h"

#include "audiolottery/al.h"

#define TOL 1e-4

static const char *const SIGNALS[] = {"short", "odd", "tones"};

/* Reads tests/data/features/<name>.wav. */
static int read_fixture_wav(const char *name, al_audio *a) {
    char path[1024];
    snprintf(path, sizeof path, "%s/features/%s.wav", al_test_data(), name);
    al_audio_read_opts o = al_audio_read_defaults();
    int st = al_audio_read(path, &o, a);
    CHECK_OK(st);
    return st == AL_OK;
}

static al_st_file *open_reference(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/features/reference.safetensors", al_test_data());
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(path, &f));
    return f;
}

/* Max |ours - reference| over a (bins, frames) tensor; -1 when the shapes differ. */
static double max_abs_diff(const float *ours, int bins, int frames, const al_st_tensor *ref) {
    CHECK(ref != NULL);
    if (!ref || ref->dtype != AL_DT_F32 || ref->ndim != 2) return -1.0;
    CHECK_MSG(ref->shape[0] == bins && ref->shape[1] == frames, "shape (%d, %d) vs reference (%lld, %lld)", bins,
              frames, (long long)ref->shape[0], (long long)ref->shape[1]);
    if (ref->shape[0] != bins || ref->shape[1] != frames) return -1.0;
    double worst = 0.0;
    for (int64_t i = 0; i < ref->numel; i++) {
        float r;
        memcpy(&r, (const char *)ref->data + 4 * i, 4);
        double d = fabs((double)ours[i] - r);
        if (!(d <= worst)) worst = d; /* NaN makes worst NaN, failing the check */
    }
    return worst;
}

static void check_parity(al_feature_opts o, const char *suffix, const char *only) {
    al_st_file *ref = open_reference();
    al_featurizer *fz = NULL;
    CHECK_OK(al_featurizer_new(&o, &fz));
    if (!ref || !fz) goto done;
    for (size_t s = 0; s < sizeof SIGNALS / sizeof *SIGNALS; s++) {
        if (only && strcmp(only, SIGNALS[s]) != 0) continue;
        al_audio a;
        if (!read_fixture_wav(SIGNALS[s], &a)) continue;
        float *feat = NULL;
        int bins = 0, frames = 0;
        CHECK_OK(al_featurizer_compute(fz, a.samples, a.n, &feat, &bins, &frames));
        CHECK(frames == 1 + a.n / o.hop_length);
        char name[64];
        snprintf(name, sizeof name, "%s.%s", SIGNALS[s], suffix);
        double d = feat ? max_abs_diff(feat, bins, frames, al_st_find(ref, name)) : -1.0;
        fprintf(stderr, "  %-18s (%3d, %3d) max abs diff %.3g\n", name, bins, frames, d);
        CHECK_MSG(d >= 0.0 && d <= TOL, "%s: max abs diff %g > %g", name, d, TOL);
        al_free(feat);
        al_audio_free(&a);
    }
done:
    al_featurizer_free(fz);
    al_st_close(ref);
}

static void test_spectrogram_parity(void) { check_parity(al_feature_defaults(AL_FEAT_SPECTROGRAM), "spectrogram", NULL); }

static void test_logmel_parity(void) { check_parity(al_feature_defaults(AL_FEAT_LOGMEL), "logmel", NULL); }

static void test_logmel_normalized_parity(void) {
    al_feature_opts o = al_feature_defaults(AL_FEAT_LOGMEL);
    o.normalize = 1;
    check_parity(o, "logmel_norm", "short");
}

static void test_defaults(void) {
    al_feature_opts s = al_feature_defaults(AL_FEAT_SPECTROGRAM), m = al_feature_defaults(AL_FEAT_LOGMEL);
    CHECK(s.n_fft == 320 && s.win_length == 320 && s.hop_length == 160 && s.window == AL_WINDOW_HAMMING && s.normalize);
    CHECK(m.n_fft == 512 && m.win_length == 400 && m.hop_length == 160 && m.window == AL_WINDOW_HANN && !m.normalize);
    CHECK(m.n_mels == 80 && m.f_min == 0.0 && m.f_max == 8000.0);
    al_featurizer *fz = NULL;
    CHECK_OK(al_featurizer_new(&s, &fz));
    if (fz) {
        CHECK(al_featurizer_bins(fz) == 161);
        CHECK(al_featurizer_frames(fz, 16000) == 101);
        CHECK(al_featurizer_frames(fz, 16159) == 101);
        CHECK(al_featurizer_opts(fz)->type == AL_FEAT_SPECTROGRAM);
    }
    al_featurizer_free(fz);
    al_feature_type t;
    CHECK_OK(al_feature_type_parse("logmel", &t));
    CHECK(t == AL_FEAT_LOGMEL);
    CHECK(strcmp(al_feature_type_name(AL_FEAT_SPECTROGRAM), "spectrogram") == 0);
    CHECK(al_feature_type_parse("mfcc", &t) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "mfcc");
}

static void test_bad_opts(void) {
    al_featurizer *fz = (al_featurizer *)1;
    al_feature_opts o = al_feature_defaults(AL_FEAT_SPECTROGRAM);
    o.n_fft = 321;
    CHECK(al_featurizer_new(&o, &fz) == AL_ERR_INVALID && fz == NULL);
    CHECK_STR_CONTAINS(al_last_error(), "n_fft");
    o = al_feature_defaults(AL_FEAT_SPECTROGRAM);
    o.win_length = 400;
    CHECK(al_featurizer_new(&o, &fz) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "win_length");
    o = al_feature_defaults(AL_FEAT_LOGMEL);
    o.f_max = 9000.0;
    CHECK(al_featurizer_new(&o, &fz) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "f_max");
}

/* Too short for reflect padding, silent (std 0), non-finite: clear errors, no output. */
static void test_errors(void) {
    for (int type = 0; type < 2; type++) {
        al_feature_opts o = al_feature_defaults((al_feature_type)type);
        o.normalize = 1;
        al_featurizer *fz = NULL;
        CHECK_OK(al_featurizer_new(&o, &fz));
        if (!fz) continue;
        int half = o.n_fft / 2;
        float *x = calloc(4000, sizeof(float));
        float *feat = (float *)1;
        int bins = 7, frames = 7;
        for (int i = 0; i < 4000; i++) x[i] = (float)sin(0.1 * i);
        CHECK(al_featurizer_compute(fz, x, half, &feat, &bins, &frames) == AL_ERR_INVALID);
        CHECK(feat == NULL && bins == 0 && frames == 0);
        CHECK_STR_CONTAINS(al_last_error(), "reflect padding");
        CHECK_OK(al_featurizer_compute(fz, x, half + 1, &feat, &bins, &frames)); /* the shortest valid */
        CHECK(frames == 1 + (half + 1) / 160);
        al_free(feat);

        memset(x, 0, 4000 * sizeof(float));
        CHECK(al_featurizer_compute(fz, x, 4000, &feat, &bins, &frames) == AL_ERR_EMPTY);
        CHECK(feat == NULL);
        CHECK_STR_CONTAINS(al_last_error(), "std is 0");

        x[1234] = NAN;
        CHECK(al_featurizer_compute(fz, x, 4000, &feat, &bins, &frames) == AL_ERR_INVALID);
        CHECK_STR_CONTAINS(al_last_error(), "non-finite");
        x[1234] = INFINITY;
        CHECK(al_featurizer_compute(fz, x, 4000, &feat, &bins, &frames) == AL_ERR_INVALID);
        CHECK_STR_CONTAINS(al_last_error(), "non-finite");
        x[1234] = 1e13f;
        CHECK(al_featurizer_compute(fz, x, 4000, &feat, &bins, &frames) == AL_ERR_INVALID);
        CHECK_STR_CONTAINS(al_last_error(), "out of range");
        CHECK(feat == NULL);
        free(x);
        al_featurizer_free(fz);
    }
}

/* Silence is fine without normalisation: finite constant output (log(1e-9) for the log-mel). */
static void test_silence_unnormalized(void) {
    al_feature_opts o = al_feature_defaults(AL_FEAT_LOGMEL);
    al_featurizer *fz = NULL;
    CHECK_OK(al_featurizer_new(&o, &fz));
    float x[1000] = {0};
    float *feat = NULL;
    int bins, frames;
    CHECK_OK(fz ? al_featurizer_compute(fz, x, 1000, &feat, &bins, &frames) : AL_ERR_INVALID);
    if (feat) {
        CHECK(bins == 80 && frames == 7);
        for (int i = 0; i < bins * frames; i++) CHECK_NEAR(feat[i], log(1e-9), 1e-5);
    }
    al_free(feat);
    al_featurizer_free(fz);
}

/* More mel filters than frequency bins (some filters empty): bins = n_mels, all finite. */
static void test_many_mels(void) {
    al_feature_opts o = al_feature_defaults(AL_FEAT_LOGMEL);
    o.n_fft = 64;
    o.win_length = 64;
    o.n_mels = 40;
    al_featurizer *fz = NULL;
    CHECK_OK(al_featurizer_new(&o, &fz));
    if (!fz) return;
    enum { NS = 24000 }; /* 151 frames: more than one block of frames */
    static float x[NS];
    for (int i = 0; i < NS; i++) x[i] = (float)sin(0.3 * i) * 0.2f;
    float *feat = NULL;
    int bins, frames;
    CHECK_OK(al_featurizer_compute(fz, x, NS, &feat, &bins, &frames));
    CHECK(bins == 40 && frames == 1 + NS / 160);
    int bad = 0;
    for (int i = 0; feat && i < bins * frames; i++) bad += !isfinite(feat[i]);
    CHECK(feat && bad == 0);
    al_free(feat);
    al_featurizer_free(fz);
}

/* A featurizer reused across inputs of different lengths gives the same result as a fresh one. */
static void test_reuse(void) {
    al_feature_opts o = al_feature_defaults(AL_FEAT_SPECTROGRAM);
    al_featurizer *a = NULL, *b = NULL;
    CHECK_OK(al_featurizer_new(&o, &a));
    CHECK_OK(al_featurizer_new(&o, &b));
    if (!a || !b) goto done;
    enum { N1 = 9000, N2 = 3301 };
    float x[N1];
    al_rng rng;
    al_rng_seed(&rng, 7);
    for (int i = 0; i < N1; i++) x[i] = (float)al_rng_normal(&rng) * 0.1f;
    float *f1 = NULL, *f2 = NULL, *f3 = NULL;
    int bins, frames, bins2, frames2;
    CHECK_OK(al_featurizer_compute(a, x, N1, &f1, &bins, &frames));
    CHECK_OK(al_featurizer_compute(a, x, N2, &f2, &bins2, &frames2));
    CHECK_OK(al_featurizer_compute(b, x, N2, &f3, &bins, &frames));
    if (f2 && f3) CHECK(memcmp(f2, f3, sizeof(float) * (size_t)bins2 * frames2) == 0);
    al_free(f1);
    al_free(f2);
    al_free(f3);
done:
    al_featurizer_free(a);
    al_featurizer_free(b);
}

AL_TEST_MAIN(test_spectrogram_parity, test_logmel_parity, test_logmel_normalized_parity, test_defaults, test_bad_opts,
             test_errors, test_silence_unnormalized, test_many_mels, test_reuse)
