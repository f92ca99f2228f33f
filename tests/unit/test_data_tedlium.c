/* TED-LIUM reader: sph/TALK.sph (NIST SPHERE via libsndfile) + stm/TALK.stm segments. */
#include "test_data_fixture.h"

static char root_[1100];
#define SPH (SF_FORMAT_NIST | SF_FORMAT_PCM_16)

static void setup(void) {
    snprintf(root_, sizeof root_, "%s", fx_dir("TEDLIUM_release-3/legacy/train"));
    fx_mkdir(fx_path("%s/sph", root_));
    fx_mkdir(fx_path("%s/stm", root_));
    fx_sndfile(fx_path("%s/sph/TalkA_2010.sph", root_), 3.0, 16000, SPH);
    fx_text(fx_path("%s/stm/TalkA_2010.stm", root_),
            ";; comment line\n"
            "TalkA_2010 1 TalkA_2010 0.00 1.00 <o,f0,male> hello {NOISE} world it 's <unk> fine\n"
            "TalkA_2010 1 TalkA_2010 1.00 1.50 <o,f0,male> ignore_time_segment_in_scoring\n"
            "TalkA_2010 1 TalkA_2010 1.50 2.50 <o,f0,male> second segment\n"
            "TalkA_2010 1 TalkA_2010 2.50 4.00 <o,f0,male> past the end\n"
            "TalkA_2010 1 TalkA_2010 bad 1 <o,f0,male> x\n"
            "TalkA_2010 1 TalkA_2010 2.00 2.50 <o,f0,male> {NOISE}\n"
            "TalkA_2010 1\n"
            "TalkA_2010 1 TalkA_2010 nan 1.00 <o,f0,male> not a time\n"
            "TalkA_2010 1 TalkA_2010 1.00 inf <o,f0,male> not a time either\n");
    fx_text(fx_path("%s/stm/TalkB_2011.stm", root_), "TalkB_2011 1 TalkB_2011 0.0 1.0 <o,f0,female> no audio\n");
}

static void test_tedlium_segments(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(root_, NULL, &c));
    if (!c) return;
    CHECK(c->type == AL_CORPUS_TEDLIUM);
    CHECK_MSG(c->n == 2, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "TalkA_2010-0000000-0000100");
    CHECK(u && !strcmp(u->text, "HELLO WORLD IT'S FINE") && u->offset == 0 && u->duration == 1.0 && u->line == 2);
    if (u) CHECK(!strcmp(u->speaker, "TalkA_2010") && strstr(u->audio_path, "/sph/TalkA_2010.sph"));
    u = fx_utt(c, "TalkA_2010-0000150-0000250");
    CHECK(u && !strcmp(u->text, "SECOND SEGMENT") && u->offset == 1.5 && u->duration == 1.0);
    if (u) { /* the segment reads as exactly its samples */
        al_audio_read_opts ro = al_audio_read_defaults();
        ro.offset = u->offset;
        ro.duration = u->duration;
        al_audio a = {0};
        CHECK_OK(al_audio_read(u->audio_path, &ro, &a));
        CHECK_MSG(a.n == 16000, "n = %lld", (long long)a.n);
        al_audio_free(&a);
    }
    CHECK(c->skip_count[AL_SKIP_IGNORED_SEGMENT] == 1 && c->skip_count[AL_SKIP_BAD_SEGMENT] == 1 &&
          c->skip_count[AL_SKIP_BAD_LINE] == 4 && c->skip_count[AL_SKIP_EMPTY_TRANSCRIPT] == 1 &&
          c->skip_count[AL_SKIP_MISSING_AUDIO] == 1 && c->n_skips == 8);
    for (size_t i = 0; i < c->n_skips; i++)
        if (c->skips[i].line >= 9) CHECK_STR_CONTAINS(c->skips[i].detail, "bad times");
    const al_skip *s = fx_skip(c, AL_SKIP_IGNORED_SEGMENT);
    CHECK(s && s->line == 3);
    s = fx_skip(c, AL_SKIP_BAD_SEGMENT);
    CHECK(s && s->line == 5);
    s = fx_skip(c, AL_SKIP_MISSING_AUDIO);
    if (s) CHECK_STR_CONTAINS(s->detail, "TalkB_2011.stm:1: missing audio file");
    al_corpus_free(c);
}

static void test_tedlium_detection_and_split(void) {
    al_corpus_type t;
    CHECK_OK(al_corpus_detect(root_, &t));
    CHECK(t == AL_CORPUS_TEDLIUM);
    /* the release's legacy/ dir holds train/dev/test: --split picks one */
    char parent[1100];
    snprintf(parent, sizeof parent, "%.1000s/..", root_);
    al_corpus_opts o = al_corpus_defaults();
    o.split = "train";
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(parent, &o, &c));
    CHECK(c && c->n == 2 && c->type == AL_CORPUS_TEDLIUM);
    al_corpus_free(c);
    CHECK(al_corpus_load(parent, NULL, &c) == AL_ERR_FORMAT);
}

AL_TEST_MAIN(setup, test_tedlium_segments, test_tedlium_detection_and_split)
