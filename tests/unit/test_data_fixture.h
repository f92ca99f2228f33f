/* Shared helpers for the tests/unit/test_data_*.c corpus tests: build a small fixture corpus
 * under $AL_TMP at run time (tones written with al_audio_write, or with libsndfile directly for
 * MP3, NIST SPHERE and zero-length files), broken entries included. */
#ifndef TEST_DATA_FIXTURE_H
#define TEST_DATA_FIXTURE_H

#include <sndfile.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "al_test.h"
#include "audiolottery/al.h"

/* printf into a static rotating buffer of 8 (copy a result that must outlive 7 more calls). */
static inline const char *fx_path(const char *fmt, ...) {
    static char bufs[8][1024];
    static int k = 0;
    char *b = bufs[k++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, 1024, fmt, ap);
    va_end(ap);
    return b;
}

/* A fresh empty directory $AL_TMP/name. */
static inline const char *fx_dir(const char *name) {
    static char dir[1100];
    snprintf(dir, sizeof dir, "%.1000s/%.90s", al_test_tmpdir(), name);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot clear %s\n", dir);
    CHECK_OK(al_mkdir_p(dir));
    return dir;
}

static inline void fx_mkdir(const char *path) { CHECK_OK(al_mkdir_p(path)); }

static inline void fx_text(const char *path, const char *content) {
    CHECK_OK(al_write_file_atomic(path, content, strlen(content)));
}

/* A 440 Hz tone of the given length. */
static inline void fx_tone_samples(float *x, int64_t n, int rate) {
    for (int64_t i = 0; i < n; i++) x[i] = 0.3f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / (float)rate);
}

static inline void fx_tone(const char *path, double seconds, int rate, al_audio_file_format fmt) {
    al_audio a = {.n = (int64_t)(seconds * rate + 0.5), .sample_rate = rate};
    a.samples = malloc(sizeof(float) * (size_t)a.n);
    fx_tone_samples(a.samples, a.n, rate);
    CHECK_OK(al_audio_write(path, &a, fmt));
    free(a.samples);
}

/* Writes with libsndfile directly: format e.g. SF_FORMAT_NIST | SF_FORMAT_PCM_16,
 * SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III; seconds 0 writes a file with no frames. */
static inline void fx_sndfile(const char *path, double seconds, int rate, int format) {
    SF_INFO si = {.samplerate = rate, .channels = 1, .format = format};
    CHECK_MSG(sf_format_check(&si), "libsndfile cannot write format 0x%x", format);
    SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
    CHECK_MSG(sf != NULL, "%s: %s", path, sf_strerror(NULL));
    if (!sf) return;
    sf_count_t n = (sf_count_t)(seconds * rate + 0.5);
    float *x = malloc(sizeof(float) * (size_t)(n + 1));
    fx_tone_samples(x, n, rate);
    if (n) CHECK(sf_writef_float(sf, x, n) == n);
    free(x);
    sf_close(sf);
}

static inline void fx_garbage(const char *path) {
    char junk[600];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)((i * 7919u + 13u) & 0xff);
    CHECK_OK(al_write_file_atomic(path, junk, sizeof junk));
}

/* A WAV cut inside its header: "RIFF" magic, no fmt chunk. */
static inline void fx_truncated(const char *path) {
    fx_tone(path, 0.5, 16000, AL_AUDIO_WAV16);
    CHECK(truncate(path, 20) == 0);
}

/* The first skip with this reason, or NULL. */
static inline const al_skip *fx_skip(const al_corpus *c, al_skip_reason r) {
    for (size_t i = 0; i < c->n_skips; i++)
        if (c->skips[i].reason == r) return &c->skips[i];
    return NULL;
}

static inline const al_utterance *fx_utt(const al_corpus *c, const char *id) {
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->utts[i].id, id)) return &c->utts[i];
    return NULL;
}

static inline size_t fx_total_skips(const al_corpus *c) {
    size_t t = 0;
    for (int r = 0; r < AL_SKIP_N; r++) t += c->skip_count[r];
    return t;
}

#endif
