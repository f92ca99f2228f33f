/* Common Voice reader: clips/NAME.mp3 (written with libsndfile's MPEG encoder) + split tsv files. */
#include "test_data_fixture.h"

static char root_[1100];
#define MP3 (SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)

static void setup(void) {
    snprintf(root_, sizeof root_, "%s", fx_dir("cv-corpus/en"));
    fx_mkdir(fx_path("%s/clips", root_));
    fx_sndfile(fx_path("%s/clips/common_voice_en_1.mp3", root_), 1.0, 16000, MP3);
    fx_sndfile(fx_path("%s/clips/common_voice_en_2.mp3", root_), 2.0, 16000, MP3);
    fx_sndfile(fx_path("%s/clips/common_voice_en_3.mp3", root_), 1.0, 16000, MP3);
    fx_sndfile(fx_path("%s/clips/common_voice_en_4.mp3", root_), 1.0, 16000, MP3);
    fx_garbage(fx_path("%s/clips/common_voice_en_5.mp3", root_));
    /* columns in a different order than usual: found by header name */
    fx_text(fx_path("%s/train.tsv", root_),
            "client_id\tpath\tsentence\tup_votes\tdown_votes\tage\tgender\taccent\n"
            "spk1\tcommon_voice_en_1.mp3\tHello, world!\t2\t0\t\t\t\n"
            "spk2\tcommon_voice_en_2.mp3\tIt's \"fine\".\t2\t0\ttwenties\tmale\t\n"
            "spk1\tcommon_voice_en_missing.mp3\tgone\t2\t0\t\t\t\n"
            "spk3\tcommon_voice_en_3.mp3\n"
            "spk2\tcommon_voice_en_3.mp3\t\t2\t0\t\t\t\n"
            "spk4\tcommon_voice_en_5.mp3\tnot really mp3\t2\t0\t\t\t\n");
    fx_text(fx_path("%s/dev.tsv", root_), "client_id\tpath\tsentence\nspk9\tcommon_voice_en_4.mp3\tdev sentence\n");
    fx_text(fx_path("%s/test.tsv", root_), "client_id\tfile\ttext\nspk9\tcommon_voice_en_4.mp3\tno columns\n");
}

static void test_commonvoice_train(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(root_, NULL, &c));
    if (!c) return;
    CHECK(c->type == AL_CORPUS_COMMONVOICE);
    CHECK_MSG(c->n == 2, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "common_voice_en_1");
    CHECK(u && !strcmp(u->text, "HELLO WORLD") && !strcmp(u->speaker, "spk1") && u->line == 2);
    if (u) CHECK_NEAR(u->duration, 1.0, 0.1); /* mp3 frame padding */
    u = fx_utt(c, "common_voice_en_2");
    CHECK(u && !strcmp(u->text, "IT'S FINE") && !strcmp(u->speaker, "spk2"));
    if (u) CHECK_NEAR(u->duration, 2.0, 0.1);
    CHECK(c->skip_count[AL_SKIP_MISSING_AUDIO] == 1 && c->skip_count[AL_SKIP_BAD_LINE] == 1 &&
          c->skip_count[AL_SKIP_EMPTY_TRANSCRIPT] == 1 && c->skip_count[AL_SKIP_NOT_AUDIO] == 1 && c->n_skips == 4);
    const al_skip *s = fx_skip(c, AL_SKIP_BAD_LINE);
    CHECK(s && s->line == 5);
    if (s) CHECK_STR_CONTAINS(s->detail, "train.tsv:5");
    s = fx_skip(c, AL_SKIP_NOT_AUDIO);
    CHECK(s && s->line == 7);
    CHECK(al_corpus_speakers(c) == 2);
    al_corpus_free(c);
}

static void test_commonvoice_splits(void) {
    al_corpus_opts o = al_corpus_defaults();
    o.split = "dev";
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(root_, &o, &c));
    CHECK(c && c->n == 1 && !strcmp(c->utts[0].text, "DEV SENTENCE"));
    al_corpus_free(c);
    c = NULL;
    o.split = "test"; /* header lacks path/sentence: whole-corpus error */
    CHECK(al_corpus_load(root_, &o, &c) == AL_ERR_FORMAT && !c);
    CHECK_STR_CONTAINS(al_last_error(), "test.tsv:1");
    o.split = "other";
    CHECK(al_corpus_load(root_, &o, &c) == AL_ERR_NOT_FOUND && !c);
    CHECK_STR_CONTAINS(al_last_error(), "other.tsv");
}

static void test_commonvoice_detection(void) {
    al_corpus_type t;
    CHECK_OK(al_corpus_detect(root_, &t));
    CHECK(t == AL_CORPUS_COMMONVOICE);
    const char *bare = fx_dir("cv-clips-only");
    fx_mkdir(fx_path("%s/clips", bare));
    CHECK(al_corpus_detect(bare, &t) == AL_ERR_FORMAT);
}

AL_TEST_MAIN(setup, test_commonvoice_train, test_commonvoice_splits, test_commonvoice_detection)
