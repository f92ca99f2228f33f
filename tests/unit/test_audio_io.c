/* Audio reading/writing: formats, segments, downmix, resampling, and every bad-input case. */
#include "al_test.h"
#include "audiolottery/al.h"

#include <math.h>
#include <sndfile.h>

static char dir[1024];

static void path_in(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

/* A 440 Hz tone of n samples at rate, amplitude 0.5. */
static al_audio tone(int rate, int64_t n) {
    al_audio a = {al_malloc(sizeof(float) * n), n, rate};
    for (int64_t i = 0; i < n; i++) a.samples[i] = 0.5f * sinf(2 * (float)M_PI * 440 * i / rate);
    return a;
}

static void write_raw_file(const char *path, const void *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    if (!fp) return;
    fwrite(data, 1, n, fp);
    fclose(fp);
}

static void test_roundtrip_wav_flac_exact_int16(void) {
    al_audio a = tone(16000, 8000);
    const char *names[] = {"t.wav", "t.flac"};
    for (int k = 0; k < 2; k++) {
        char p[1100];
        path_in(p, sizeof p, names[k]);
        CHECK_OK(al_audio_write(p, &a, k ? AL_AUDIO_FLAC16 : AL_AUDIO_WAV16));
        al_audio_info info;
        CHECK_OK(al_audio_info_read(p, NULL, &info));
        CHECK(info.sample_rate == 16000 && info.channels == 1 && info.frames == 8000);
        CHECK_NEAR(info.duration, 0.5, 1e-9);
        CHECK(strcmp(info.format, k ? "FLAC" : "WAV") == 0);
        al_audio b;
        CHECK_OK(al_audio_read(p, NULL, &b));
        CHECK(b.n == 8000 && b.sample_rate == 16000);
        /* int16 quantisation: the write rounds x*32767, the read divides by 32767. */
        double maxdiff = 0;
        for (int64_t i = 0; i < b.n && i < a.n; i++) maxdiff = fmax(maxdiff, fabs(a.samples[i] - b.samples[i]));
        CHECK(maxdiff <= 0.5 / 32767 + 1e-7);
        al_audio_free(&b);
    }
    al_audio_free(&a);
}

static void test_segment_by_offset_and_duration(void) {
    al_audio a = tone(16000, 32000);
    for (int64_t i = 0; i < a.n; i++) a.samples[i] = (float)(i % 1000) / 32767.0f; /* exact in int16 */
    char p[1100];
    path_in(p, sizeof p, "seg.flac");
    CHECK_OK(al_audio_write(p, &a, AL_AUDIO_FLAC16));
    al_audio_read_opts o = al_audio_read_defaults();
    o.offset = 0.5;
    o.duration = 0.25;
    al_audio b;
    CHECK_OK(al_audio_read(p, &o, &b));
    CHECK(b.n == 4000);
    if (b.n == 4000) CHECK(b.samples[0] == a.samples[8000] && b.samples[3999] == a.samples[11999]);
    al_audio_free(&b);
    o.offset = 1.9;
    o.duration = 1.0; /* past the end: clipped to what exists */
    CHECK_OK(al_audio_read(p, &o, &b));
    CHECK(b.n == 1600);
    al_audio_free(&b);
    o.offset = 5.0;
    CHECK(al_audio_read(p, &o, &b) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "past the end");
    o.offset = NAN; /* a NaN offset must not read from the start */
    CHECK(al_audio_read(p, &o, &b) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "seg.flac: segment offset nan s");
    o.offset = 0.5;
    o.duration = INFINITY;
    CHECK(al_audio_read(p, &o, &b) == AL_ERR_INVALID);
    o.duration = 1e-5; /* rounds to 0 samples */
    CHECK(al_audio_read(p, &o, &b) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "holds no sample");
    al_audio_free(&a);
}

static void test_stereo_downmix_and_resample(void) {
    char p[1100];
    path_in(p, sizeof p, "stereo44k.wav");
    SF_INFO info = {.samplerate = 44100, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
    CHECK(sf != NULL);
    if (!sf) return;
    short frames[44100 * 2];
    for (int i = 0; i < 44100; i++) {
        short v = (short)(10000 * sin(2 * M_PI * 1000 * i / 44100.0));
        frames[2 * i] = v;
        frames[2 * i + 1] = (short)(v / 2);
    }
    sf_writef_short(sf, frames, 44100);
    sf_close(sf);

    al_audio_read_opts o = al_audio_read_defaults();
    o.target_rate = 0;
    al_audio b;
    CHECK_OK(al_audio_read(p, &o, &b));
    CHECK(b.n == 44100 && b.sample_rate == 44100);
    if (b.n == 44100) CHECK_NEAR(b.samples[7], 0.75 * frames[14] / 32767.0, 1e-4);
    al_audio_free(&b);

    CHECK_OK(al_audio_read(p, NULL, &b)); /* default: 16 kHz */
    CHECK(b.sample_rate == 16000);
    CHECK(llabs(b.n - 16000) <= 2);
    /* The 1 kHz tone survives: count zero crossings over the middle second-ish. */
    int crossings = 0;
    for (int64_t i = 1001; i < 15000; i++) crossings += (b.samples[i - 1] < 0) != (b.samples[i] < 0);
    CHECK(crossings > 1740 && crossings < 1760); /* 2 per cycle, 13999/16 ms ≈ 875 cycles */
    al_audio_free(&b);
}

static void test_raw_pcm(void) {
    short pcm[1600];
    for (int i = 0; i < 1600; i++) pcm[i] = (short)(i * 7 - 5000);
    char p[1100];
    path_in(p, sizeof p, "a.raw");
    write_raw_file(p, pcm, sizeof pcm);
    al_audio_read_opts o = al_audio_read_defaults();
    o.raw_rate = 8000;
    o.target_rate = 0;
    al_audio b;
    CHECK_OK(al_audio_read(p, &o, &b));
    CHECK(b.n == 1600 && b.sample_rate == 8000);
    if (b.n == 1600) CHECK(b.samples[100] == (float)pcm[100] / 32767.0f);
    al_audio_free(&b);
}

static void test_nist_sphere_and_ogg(void) {
    struct { const char *name; int format; const char *expect; } cases[] = {
        {"s.sph", SF_FORMAT_NIST | SF_FORMAT_PCM_16, "NIST"},
        {"s.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS, "OGG"},
        {"s.mp3", SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "MP3"},
    };
    for (int k = 0; k < 3; k++) {
        char p[1100];
        path_in(p, sizeof p, cases[k].name);
        SF_INFO info = {.samplerate = 16000, .channels = 1, .format = cases[k].format};
        if (!sf_format_check(&info)) {
            fprintf(stderr, "libsndfile cannot write %s here; skipping that format\n", cases[k].expect);
            continue;
        }
        SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
        CHECK(sf != NULL);
        if (!sf) continue;
        float x[16000];
        for (int i = 0; i < 16000; i++) x[i] = 0.3f * sinf(2 * (float)M_PI * 300 * i / 16000);
        sf_writef_float(sf, x, 16000);
        sf_close(sf);
        al_audio_info inf;
        CHECK_OK(al_audio_info_read(p, NULL, &inf));
        CHECK_MSG(strcmp(inf.format, cases[k].expect) == 0, "%s read as %s", cases[k].name, inf.format);
        al_audio b;
        CHECK_OK(al_audio_read(p, NULL, &b));
        CHECK_MSG(llabs(b.n - 16000) <= 1152, "%s: %lld samples", cases[k].name, (long long)b.n);
        double e = 0;
        for (int64_t i = 0; i < b.n; i++) e += b.samples[i] * b.samples[i];
        CHECK(b.n > 0 && sqrt(e / b.n) > 0.15); /* rms of a 0.3 sine ≈ 0.21 */
        al_audio_free(&b);
    }
}

static void test_bad_inputs_name_the_file(void) {
    al_audio b;
    char p[1100];
    path_in(p, sizeof p, "missing.flac");
    CHECK(al_audio_read(p, NULL, &b) == AL_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(al_last_error(), "missing.flac");

    path_in(p, sizeof p, "garbage.flac");
    write_raw_file(p, "this is not audio at all, just text\n", 36);
    CHECK(al_audio_read(p, NULL, &b) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "garbage.flac");

    path_in(p, sizeof p, "empty.wav");
    write_raw_file(p, "", 0);
    CHECK(al_audio_read(p, NULL, &b) == AL_ERR_EMPTY);
    CHECK_STR_CONTAINS(al_last_error(), "empty.wav");

    /* A WAV header with zero frames. */
    path_in(p, sizeof p, "zero.wav");
    SF_INFO info = {.samplerate = 16000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    SNDFILE *sf = sf_open(p, SFM_WRITE, &info);
    sf_close(sf);
    CHECK(al_audio_read(p, NULL, &b) == AL_ERR_EMPTY);
    CHECK_STR_CONTAINS(al_last_error(), "zero-length");

    /* Truncated: a FLAC file cut in half. */
    al_audio a = tone(16000, 16000);
    for (int64_t i = 0; i < a.n; i++) a.samples[i] += 0.3f * sinf((float)(i * i) * 1e-4f); /* incompressible-ish */
    path_in(p, sizeof p, "full.flac");
    CHECK_OK(al_audio_write(p, &a, AL_AUDIO_FLAC16));
    char *data;
    size_t n;
    CHECK_OK(al_read_file(p, &data, &n));
    path_in(p, sizeof p, "truncated.flac");
    write_raw_file(p, data, n / 2);
    free(data);
    CHECK(al_audio_read(p, NULL, &b) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "truncated.flac");

    /* A WAV cut in half: header promises more than the data holds. */
    path_in(p, sizeof p, "full.wav");
    CHECK_OK(al_audio_write(p, &a, AL_AUDIO_WAV16));
    CHECK_OK(al_read_file(p, &data, &n));
    path_in(p, sizeof p, "truncated.wav");
    write_raw_file(p, data, n / 2);
    free(data);
    al_status st = al_audio_read(p, NULL, &b);
    /* libsndfile clamps a WAV's frame count to the file size; either way no garbage may come back. */
    if (st == AL_OK) {
        CHECK(b.n <= 8000);
        al_audio_free(&b);
    } else {
        CHECK_STR_CONTAINS(al_last_error(), "truncated.wav");
    }

    /* Unsupported sample rate. */
    al_audio slow = tone(4000, 4000);
    path_in(p, sizeof p, "rate4k.wav");
    CHECK_OK(al_audio_write(p, &slow, AL_AUDIO_WAV16));
    CHECK(al_audio_read(p, NULL, &b) == AL_ERR_UNSUPPORTED);
    CHECK_STR_CONTAINS(al_last_error(), "4000 Hz");
    al_audio_free(&slow);
    al_audio_free(&a);
}

static void test_write_is_atomic(void) {
    char p[1100];
    path_in(p, sizeof p, "keep.wav");
    al_audio a = tone(16000, 1600);
    CHECK_OK(al_audio_write(p, &a, AL_AUDIO_WAV16));
    al_audio empty = {a.samples, 0, 16000};
    CHECK(al_audio_write(p, &empty, AL_AUDIO_WAV16) != AL_OK);
    al_audio b;
    CHECK_OK(al_audio_read(p, NULL, &b)); /* the old file is intact */
    CHECK(b.n == 1600);
    al_audio_free(&b);
    al_audio_free(&a);
}

static void run_setup(void) { snprintf(dir, sizeof dir, "%s", al_test_tmpdir()); }

AL_TEST_MAIN(run_setup, test_roundtrip_wav_flac_exact_int16, test_segment_by_offset_and_duration,
             test_stereo_downmix_and_resample, test_raw_pcm, test_nist_sphere_and_ogg, test_bad_inputs_name_the_file,
             test_write_is_atomic)
