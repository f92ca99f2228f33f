/* Kaldi data dir reader: wav.scp, text, utt2spk, optional segments; piped entries skipped. */
#include "test_data_fixture.h"

static char root_[1100];

static void setup(void) {
    snprintf(root_, sizeof root_, "%s", fx_dir("kaldi"));
    const char *d = fx_path("%s/data/train", root_);
    fx_mkdir(fx_path("%s/wav", d));
    fx_tone(fx_path("%s/data/train/wav/u1.wav", root_), 0.5, 16000, AL_AUDIO_WAV16);
    fx_tone(fx_path("%s/data/train/wav/u2.wav", root_), 1.0, 16000, AL_AUDIO_WAV16);
    fx_tone(fx_path("%s/data/train/wav/u5.wav", root_), 1.0, 16000, AL_AUDIO_WAV16);
    char scp[4096];
    snprintf(scp, sizeof scp,
             "u1 wav/u1.wav\n"
             "u2 %s/data/train/wav/u2.wav\n"
             "u3 sox /corpus/u3.sph -t wav - |\n"
             "u4 wav/missing.wav\n"
             "u5 wav/u5.wav\n",
             root_);
    fx_text(fx_path("%s/data/train/wav.scp", root_), scp);
    fx_text(fx_path("%s/data/train/text", root_), "u1 hello kaldi\nu2 second one\nu3 piped\nu4 missing\nu6 no audio\n");
    fx_text(fx_path("%s/data/train/utt2spk", root_), "u1 spkA\nu2 spkB\nu3 spkA\nu4 spkB\n");

    fx_mkdir(fx_path("%s/data/seg/wav", root_));
    fx_tone(fx_path("%s/data/seg/wav/r1.wav", root_), 3.0, 16000, AL_AUDIO_WAV16);
    fx_text(fx_path("%s/data/seg/wav.scp", root_), "r1 wav/r1.wav\nr2 cat /x/r2.wav |\n");
    fx_text(fx_path("%s/data/seg/segments", root_),
            "s1 r1 0.00 1.00\ns2 r1 1.00 2.50\ns3 r2 0 1\ns4 r1 2 1\ns5 r1 0 1\ns7 r1 2.5 -1\ns8 r1 1 -5\n");
    fx_text(fx_path("%s/data/seg/text", root_),
            "s1 first\ns2 second\ns3 piped\ns4 bad times\ns6 no segment\ns7 rest\ns8 negative end\n");
}

static void test_kaldi_plain(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/data/train", root_), NULL, &c));
    if (!c) return;
    CHECK(c->type == AL_CORPUS_KALDI);
    CHECK_MSG(c->n == 2, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "u1");
    CHECK(u && !strcmp(u->text, "HELLO KALDI") && !strcmp(u->speaker, "spkA") && u->line == 1);
    if (u) CHECK(!strcmp(u->audio_path, fx_path("%s/data/train/wav/u1.wav", root_)));
    u = fx_utt(c, "u2");
    CHECK(u && !strcmp(u->speaker, "spkB"));
    if (u) CHECK_NEAR(u->duration, 1.0, 1e-3);
    const al_skip *s = fx_skip(c, AL_SKIP_UNSUPPORTED);
    CHECK(c->skip_count[AL_SKIP_UNSUPPORTED] == 1 && s && s->line == 3 && s->status == AL_ERR_UNSUPPORTED);
    if (s) CHECK_STR_CONTAINS(s->detail, "wav.scp:3: unsupported entry: u3: piped command");
    CHECK(c->skip_count[AL_SKIP_MISSING_AUDIO] == 2); /* u4 (file), u6 (no wav.scp line) */
    s = fx_skip(c, AL_SKIP_NO_TRANSCRIPT);
    CHECK(c->skip_count[AL_SKIP_NO_TRANSCRIPT] == 1 && s && s->line == 5);
    if (s) CHECK_STR_CONTAINS(s->detail, "wav.scp:5");
    CHECK(c->n_skips == 4);
    al_corpus_free(c);
}

static void test_kaldi_segments(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/data/seg", root_), NULL, &c));
    if (!c) return;
    CHECK_MSG(c->n == 3, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "s2");
    CHECK(u && u->offset == 1.0 && u->duration == 1.5 && !strcmp(u->speaker, ""));
    u = fx_utt(c, "s7"); /* end -1: to the end of the recording */
    CHECK(u && u->offset == 2.5);
    if (u) CHECK_NEAR(u->duration, 0.5, 1e-3);
    const al_skip *s = fx_skip(c, AL_SKIP_UNSUPPORTED);
    CHECK(s && s->line == 2 && s->status == AL_ERR_UNSUPPORTED);
    if (s) CHECK_STR_CONTAINS(s->file, "wav.scp");
    s = fx_skip(c, AL_SKIP_BAD_LINE);
    CHECK(s && s->line == 4);
    if (s) CHECK_STR_CONTAINS(s->detail, "segments:4");
    s = fx_skip(c, AL_SKIP_NO_TRANSCRIPT);
    CHECK(s && s->line == 5);
    s = fx_skip(c, AL_SKIP_MISSING_AUDIO);
    CHECK(s && s->line == 5);
    if (s) CHECK_STR_CONTAINS(s->detail, "text:5");
    CHECK(c->skip_count[AL_SKIP_BAD_LINE] == 2 && !fx_utt(c, "s8")); /* only -1 means "to the end" */
    CHECK(c->n_skips == 5);
    al_corpus_free(c);
}

static void test_kaldi_detection_and_split(void) {
    al_corpus_type t;
    CHECK_OK(al_corpus_detect(fx_path("%s/data/train", root_), &t));
    CHECK(t == AL_CORPUS_KALDI);
    al_corpus_opts o = al_corpus_defaults();
    o.split = "train";
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/data", root_), &o, &c));
    CHECK(c && c->n == 2);
    al_corpus_free(c);
    c = NULL;
    o.type = AL_CORPUS_TEDLIUM; /* forced wrong type: whole-corpus error */
    o.split = NULL;
    CHECK(al_corpus_load(fx_path("%s/data/train", root_), &o, &c) != AL_OK && !c);
    CHECK_STR_CONTAINS(al_last_error(), "stm");
}

AL_TEST_MAIN(setup, test_kaldi_plain, test_kaldi_segments, test_kaldi_detection_and_split)
