/* deepspeech.pytorch CSV manifest reader (wav_path,txt_path lines), with broken lines. */
#include "test_data_fixture.h"

static char root_[1100];

static void setup(void) {
    snprintf(root_, sizeof root_, "%s", fx_dir("ds2"));
    fx_mkdir(fx_path("%s/an4/wav", root_));
    fx_mkdir(fx_path("%s/an4/txt", root_));
    fx_tone(fx_path("%s/an4/wav/a.wav", root_), 0.5, 16000, AL_AUDIO_WAV16);
    fx_tone(fx_path("%s/an4/wav/b.wav", root_), 0.8, 8000, AL_AUDIO_WAV16);
    fx_tone(fx_path("%s/an4/wav/c.wav", root_), 0.5, 16000, AL_AUDIO_WAV16);
    fx_tone(fx_path("%s/an4/wav/d.wav", root_), 0.5, 16000, AL_AUDIO_WAV16);
    fx_text(fx_path("%s/an4/txt/a.txt", root_), "hello csv\n");
    fx_text(fx_path("%s/an4/txt/b.txt", root_), "eight  kilohertz\n");
    fx_text(fx_path("%s/an4/txt/d.txt", root_), "   \n");
    char m[4096];
    snprintf(m, sizeof m,
             "an4/wav/a.wav,an4/txt/a.txt\n"
             "%s/an4/wav/b.wav,%s/an4/txt/b.txt\n"
             "an4/wav/c.wav,an4/txt/c.txt\n"
             "only_one_column\n"
             "an4/wav/missing.wav,an4/txt/a.txt\n"
             "an4/wav/d.wav,an4/txt/d.txt\n"
             "a,b,c\n",
             root_, root_);
    fx_text(fx_path("%s/train_manifest.csv", root_), m);
}

static void test_csv_manifest(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/train_manifest.csv", root_), NULL, &c));
    if (!c) return;
    CHECK(c->type == AL_CORPUS_CSV);
    CHECK_MSG(c->n == 2, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "a");
    CHECK(u && !strcmp(u->text, "HELLO CSV") && !strcmp(u->text_raw, "hello csv\n"));
    if (u) CHECK(!strcmp(u->audio_path, fx_path("%s/an4/wav/a.wav", root_)));
    u = fx_utt(c, "b");
    CHECK(u && !strcmp(u->text, "EIGHT KILOHERTZ"));
    if (u) CHECK_NEAR(u->duration, 0.8, 1e-3);
    CHECK(c->skip_count[AL_SKIP_NO_TRANSCRIPT] == 1 && c->skip_count[AL_SKIP_BAD_LINE] == 2 &&
          c->skip_count[AL_SKIP_MISSING_AUDIO] == 1 && c->skip_count[AL_SKIP_EMPTY_TRANSCRIPT] == 1 &&
          c->n_skips == 5);
    const al_skip *s = fx_skip(c, AL_SKIP_NO_TRANSCRIPT);
    CHECK(s && s->line == 3);
    if (s) CHECK_STR_CONTAINS(s->detail, "c.txt");
    s = fx_skip(c, AL_SKIP_BAD_LINE);
    CHECK(s && s->line == 4);
    s = fx_skip(c, AL_SKIP_MISSING_AUDIO);
    CHECK(s && s->line == 5);
    if (s) CHECK_STR_CONTAINS(s->detail, "train_manifest.csv:5: missing audio file");
    al_corpus_free(c);
}

static void test_csv_detection(void) {
    al_corpus_type t;
    CHECK_OK(al_corpus_detect(fx_path("%s/train_manifest.csv", root_), &t));
    CHECK(t == AL_CORPUS_CSV);
    CHECK(al_corpus_detect(fx_path("%s/an4/txt/a.txt", root_), &t) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "a.txt");
}

AL_TEST_MAIN(setup, test_csv_manifest, test_csv_detection)
