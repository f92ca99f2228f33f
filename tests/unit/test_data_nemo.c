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

AL_TEST_MAIN(setup, test_nemo_manifest, test_nemo_detection)
