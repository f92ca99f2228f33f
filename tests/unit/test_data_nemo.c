/* NeMo JSON-lines manifest reader, with broken lines. */
#include "test_data_fixture.h"

static char root_[1100];

static void setup(void) {
    snprintf(root_, sizeof root_, "%s", fx_dir("nemo"));
    fx_mkdir(fx_path("%s/audio", root_));
    fx_tone(fx_path("%s/audio/a.wav", root_), 0.5, 16000, AL_AUDIO_WAV16);
    fx_tone(fx_path("%s/audio/b.flac", root_), 1.0, 16000, AL_AUDIO_FLAC16);
    fx_garbage(fx_path("%s/audio/garbage.wav", root_));
    fx_tone(fx_path("%s/audio/cut.wav", root_), 1.0, 16000, AL_AUDIO_WAV16);
    CHECK(truncate(fx_path("%s/audio/cut.wav", root_), 44 + 8000) == 0); /* data cut to 0.25 s */
    char m[8192];
    snprintf(m, sizeof m,
             "{\"audio_filepath\": \"audio/a.wav\", \"duration\": 0.5, \"text\": \"hello there\"}\n"
             "{\"audio_filepath\": \"%s/audio/b.flac\", \"text\": \"absolute path no duration\", \"speaker\": \"s7\"}\n"
             "{\"audio_filepath\": \"audio/b.flac\", \"duration\": 0.4, \"offset\": 0.5, \"text\": \"a segment\"}\n"
             "{\"audio_filepath\": \"audio/a.wav\", \"text\": \n"
             "{\"audio_filepath\": \"audio/missing.wav\", \"duration\": 1, \"text\": \"gone\"}\n"
             "{\"duration\": 1, \"text\": \"no path\"}\n"
             "{\"audio_filepath\": \"audio/a.wav\", \"duration\": 0.5}\n"
             "{\"audio_filepath\": \"audio/a.wav\", \"duration\": 3.0, \"text\": \"longer than the file\"}\n"
             "{\"audio_filepath\": \"audio/a.wav\", \"duration\": \"x\", \"text\": \"t\"}\n"
             "\n"
             "{\"audio_filepath\": \"audio/garbage.wav\", \"text\": \"garbage\"}\n"
             "{\"audio_filepath\": \"audio/a.wav\", \"text\": \"!!!\"}\n"
             "[1, 2]\n"
             "{\"audio_filepath\": \"audio/cut.wav\", \"text\": \"truncated data\"}\n",
             root_);
    fx_text(fx_path("%s/train_manifest.jsonl", root_), m);
    fx_text(fx_path("%s/copy.json", root_), m);
}

static void test_nemo_manifest(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/train_manifest.jsonl", root_), NULL, &c));
    if (!c) return;
    CHECK(c->type == AL_CORPUS_NEMO);
    CHECK_MSG(c->n == 4, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "a");
    CHECK(u && !strcmp(u->text, "HELLO THERE") && u->line == 1);
    if (u) CHECK(!strcmp(u->audio_path, fx_path("%s/audio/a.wav", root_)));
    u = fx_utt(c, "b");
    CHECK(u && !strcmp(u->speaker, "s7"));
    if (u) CHECK_NEAR(u->duration, 1.0, 1e-3); /* from the header */
    u = fx_utt(c, "b_500");
    CHECK(u && u->offset == 0.5 && u->duration == 0.4 && !strcmp(u->text, "A SEGMENT"));
    u = fx_utt(c, "cut"); /* a WAV cut inside its data loads with the length that is there */
    if (u) CHECK_NEAR(u->duration, 0.25, 1e-3);
    CHECK(u != NULL);
    CHECK(c->skip_count[AL_SKIP_BAD_LINE] == 4); /* lines 4, 6, 9, 13 */
    CHECK(c->skip_count[AL_SKIP_MISSING_AUDIO] == 1);
    CHECK(c->skip_count[AL_SKIP_NO_TRANSCRIPT] == 1);
    CHECK(c->skip_count[AL_SKIP_BAD_SEGMENT] == 1);
    CHECK(c->skip_count[AL_SKIP_NOT_AUDIO] == 1);
    CHECK(c->skip_count[AL_SKIP_EMPTY_TRANSCRIPT] == 1);
    CHECK(c->n_skips == 9);
    int lines[] = {4, 5, 6, 7, 8, 9, 11, 12, 13};
    for (size_t i = 0; i < c->n_skips && i < 9; i++) {
        CHECK_MSG(c->skips[i].line == lines[i], "skip %zu: %s", i, c->skips[i].detail);
        CHECK_STR_CONTAINS(c->skips[i].detail, "train_manifest.jsonl:");
    }
    const al_skip *s = fx_skip(c, AL_SKIP_BAD_SEGMENT);
    if (s) CHECK_STR_CONTAINS(s->detail, "duration 3.000 s");
    al_corpus_free(c);
}

static void test_nemo_detection(void) {
    al_corpus_type t;
    CHECK_OK(al_corpus_detect(fx_path("%s/copy.json", root_), &t));
    CHECK(t == AL_CORPUS_NEMO);
    CHECK_OK(al_corpus_detect(fx_path("%s/train_manifest.jsonl", root_), &t));
    CHECK(t == AL_CORPUS_NEMO);
    CHECK(al_corpus_detect(fx_path("%s/audio/a.wav", root_), &t) == AL_ERR_FORMAT);
    al_corpus_opts o = al_corpus_defaults();
    o.type = AL_CORPUS_NEMO;
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/copy.json", root_), &o, &c));
    CHECK(c && c->n == 4);
    al_corpus_free(c);
}

/* Utterance ids: unique, no whitespace, cut at the last extension; numbers as speakers; only -1
 * as an unknown duration; segments too short for one feature frame. */
static void test_nemo_ids_and_values(void) {
    const char *dir = fx_dir("nemo_ids");
    char d[1100];
    snprintf(d, sizeof d, "%s", dir);
    fx_mkdir(fx_path("%s/spk1", d));
    fx_mkdir(fx_path("%s/spk2", d));
    const char *files[] = {"spk1/0001.wav", "spk2/0001.wav", "my clip.wav", "a.v1.wav", "a.v2.wav"};
    for (int i = 0; i < 5; i++) fx_tone(fx_path("%s/%s", d, files[i]), 0.5, 16000, AL_AUDIO_WAV16);
    fx_text(fx_path("%s/m.json", d),
            "{\"audio_filepath\": \"spk1/0001.wav\", \"text\": \"one\", \"speaker\": 3}\n"
            "{\"audio_filepath\": \"spk2/0001.wav\", \"text\": \"same name\"}\n"
            "{\"audio_filepath\": \"my clip.wav\", \"text\": \"space\"}\n"
            "{\"audio_filepath\": \"a.v1.wav\", \"text\": \"first\"}\n"
            "{\"audio_filepath\": \"a.v2.wav\", \"text\": \"second\", \"duration\": -1}\n"
            "{\"audio_filepath\": \"a.v1.wav\", \"text\": \"negative\", \"duration\": -3}\n"
            "{\"audio_filepath\": \"a.v1.wav\", \"text\": \"short\", \"offset\": 0.1, \"duration\": 0.005}\n");
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/m.json", d), NULL, &c));
    if (!c) return;
    CHECK_MSG(c->n == 4, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "0001");
    CHECK(u && u->line == 1 && !strcmp(u->speaker, "3"));
    CHECK(fx_utt(c, "my_clip") && fx_utt(c, "a.v1") && fx_utt(c, "a.v2"));
    CHECK(c->skip_count[AL_SKIP_BAD_LINE] == 2 && c->skip_count[AL_SKIP_TOO_SHORT] == 1 && c->n_skips == 3);
    for (size_t i = 0; i < c->n_skips; i++) {
        const al_skip *s = &c->skips[i];
        if (s->line == 2) CHECK_STR_CONTAINS(s->detail, "duplicate utterance id '0001'");
        if (s->line == 2) CHECK_STR_CONTAINS(s->detail, "first: ");
        if (s->line == 6) CHECK_STR_CONTAINS(s->detail, "\"duration\" -3 is negative");
        if (s->line == 7) CHECK_STR_CONTAINS(s->detail, "shorter than the 0.02 s");
        CHECK(s->line == 2 || s->line == 6 || s->line == 7);
    }
    al_corpus_free(c);
}

/* A NUL byte (a zero-filled block, a UTF-16 file) is an error naming the line, not the silent end
 * of the manifest. */
static void test_nemo_nul_byte(void) {
    const char *path = fx_path("%s/nul.json", root_);
    const char text[] = "{\"audio_filepath\": \"audio/a.wav\", \"text\": \"hello\"}\n\0\0\0\n"
                        "{\"audio_filepath\": \"audio/b.flac\", \"text\": \"lost\"}\n";
    CHECK_OK(al_write_file_atomic(path, text, sizeof text - 1));
    al_corpus *c = NULL;
    CHECK(al_corpus_load(path, NULL, &c) == AL_ERR_FORMAT && !c);
    CHECK_STR_CONTAINS(al_last_error(), "nul.json:2: NUL byte");
}

AL_TEST_MAIN(setup, test_nemo_manifest, test_nemo_detection, test_nemo_ids_and_values, test_nemo_nul_byte)
