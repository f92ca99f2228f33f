/* LibriSpeech reader on a fixture laid out like the real corpus, with broken entries. */
#include "test_data_fixture.h"

static const char *make_fixture(void) {
    const char *root = fx_dir("LibriSpeech");
    char ch[1100], ch2[1100], dev[1100];
    snprintf(ch, sizeof ch, "%.1000s/train-clean-100/19/198", root);
    fx_mkdir(ch);
    fx_text(fx_path("%s/19-198.trans.txt", ch),
            "19-198-0000 HELLO WORLD\n"
            "19-198-0001 Mixed case   text\twith tabs\n"
            "19-198-0002 AUDIO IS MISSING\n"
            "19-198-0003 GARBAGE BYTES\n"
            "19-198-0004 \n"
            "19-198-0005 CAF\xc3\x89 123\n"
            "19-198-0006 TRUNCATED\n"
            "19-198-0007 ZERO LENGTH\n"
            "19-198-0008 LOW RATE\n"
            "19-198-0000 DUPLICATE\n");
    fx_tone(fx_path("%s/19-198-0000.flac", ch), 0.5, 16000, AL_AUDIO_FLAC16);
    fx_tone(fx_path("%s/19-198-0001.flac", ch), 1.0, 16000, AL_AUDIO_FLAC16);
    fx_garbage(fx_path("%s/19-198-0003.flac", ch));
    fx_tone(fx_path("%s/19-198-0004.flac", ch), 0.5, 16000, AL_AUDIO_FLAC16);
    fx_tone(fx_path("%s/19-198-0005.flac", ch), 0.75, 16000, AL_AUDIO_FLAC16);
    fx_truncated(fx_path("%s/19-198-0006.flac", ch));
    fx_sndfile(fx_path("%s/19-198-0007.wav", ch), 0, 16000, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
    fx_tone(fx_path("%s/19-198-0008.flac", ch), 0.5, 4000, AL_AUDIO_FLAC16);
    fx_tone(fx_path("%s/19-198-0009.flac", ch), 0.5, 16000, AL_AUDIO_FLAC16); /* no transcript line */
    snprintf(ch2, sizeof ch2, "%.1000s/train-clean-100/26/495", root);
    fx_mkdir(ch2);
    fx_text(fx_path("%s/26-495.trans.txt", ch2), "26-495-0000 SECOND SPEAKER\r\n");
    fx_tone(fx_path("%s/26-495-0000.wav", ch2), 1.5, 22050, AL_AUDIO_WAV16);
    snprintf(dev, sizeof dev, "%.1000s/dev-clean/84/121", root);
    fx_mkdir(dev);
    fx_text(fx_path("%s/84-121.trans.txt", dev), "84-121-0000 DEV UTTERANCE\n");
    fx_tone(fx_path("%s/84-121-0000.flac", dev), 0.5, 16000, AL_AUDIO_FLAC16);
    return root;
}

static const char *root_;

static void test_split_loads_good_and_reports_bad(void) {
    al_corpus *c = NULL;
    const char *split = fx_path("%s/train-clean-100", root_);
    CHECK_OK(al_corpus_load(split, NULL, &c));
    if (!c) return;
    CHECK(c->type == AL_CORPUS_LIBRISPEECH);
    CHECK_MSG(c->n == 4, "n = %zu", c->n);
    const al_utterance *u = fx_utt(c, "19-198-0000");
    CHECK(u && !strcmp(u->text, "HELLO WORLD") && !strcmp(u->speaker, "19") && u->audio_path[0] == '/');
    if (u) CHECK_NEAR(u->duration, 0.5, 1e-3);
    if (u) CHECK_STR_CONTAINS(u->source, "19-198.trans.txt");
    if (u) CHECK(u->line == 1);
    u = fx_utt(c, "19-198-0001");
    CHECK(u && !strcmp(u->text, "MIXED CASE TEXT WITH TABS") && !strcmp(u->text_raw, "Mixed case   text\twith tabs"));
    u = fx_utt(c, "19-198-0005");
    CHECK(u && !strcmp(u->text, "CAF")); /* É and digits dropped */
    u = fx_utt(c, "26-495-0000");
    CHECK(u && !strcmp(u->speaker, "26") && !strcmp(u->text, "SECOND SPEAKER"));
    if (u) CHECK_NEAR(u->duration, 1.5, 1e-3);
    CHECK(!strcmp(c->utts[0].id, "19-198-0000") && !strcmp(c->utts[c->n - 1].id, "26-495-0000"));

    CHECK(c->skip_count[AL_SKIP_MISSING_AUDIO] == 1);
    CHECK(c->skip_count[AL_SKIP_NOT_AUDIO] == 2); /* garbage + truncated */
    CHECK(c->skip_count[AL_SKIP_EMPTY_TRANSCRIPT] == 1);
    CHECK(c->skip_count[AL_SKIP_EMPTY_AUDIO] == 1);
    CHECK(c->skip_count[AL_SKIP_BAD_RATE] == 1);
    CHECK(c->skip_count[AL_SKIP_NO_TRANSCRIPT] == 1);
    CHECK(c->skip_count[AL_SKIP_BAD_LINE] == 1);
    CHECK(c->n_skips == 8 && fx_total_skips(c) == 8);
    const al_skip *s = fx_skip(c, AL_SKIP_MISSING_AUDIO);
    CHECK(s && s->line == 3);
    if (s) CHECK_STR_CONTAINS(s->detail, "19-198.trans.txt:3: missing audio file");
    s = fx_skip(c, AL_SKIP_EMPTY_TRANSCRIPT);
    CHECK(s && s->line == 5);
    s = fx_skip(c, AL_SKIP_EMPTY_AUDIO);
    CHECK(s && s->line == 8);
    s = fx_skip(c, AL_SKIP_BAD_RATE);
    CHECK(s && s->line == 9 && s->status == AL_ERR_UNSUPPORTED);
    if (s) CHECK_STR_CONTAINS(s->detail, "4000 Hz");
    s = fx_skip(c, AL_SKIP_BAD_LINE);
    CHECK(s && s->line == 10);
    if (s) CHECK_STR_CONTAINS(s->detail, "duplicate id '19-198-0000'");
    s = fx_skip(c, AL_SKIP_NO_TRANSCRIPT);
    CHECK(s && s->line == 0);
    if (s) CHECK_STR_CONTAINS(s->file, "19-198-0009.flac");
    for (size_t i = 0; i < c->n_skips; i++) CHECK(c->skips[i].reason != AL_SKIP_NOT_AUDIO || c->skips[i].line == 4 || c->skips[i].line == 7);
    for (size_t i = 1; i < c->n_skips; i++) /* sorted by file, then line */
        CHECK(strcmp(c->skips[i - 1].file, c->skips[i].file) < 0 ||
              (!strcmp(c->skips[i - 1].file, c->skips[i].file) && c->skips[i - 1].line <= c->skips[i].line));
    CHECK(al_corpus_speakers(c) == 2);
    CHECK_NEAR(al_corpus_seconds(c), 0.5 + 1.0 + 0.75 + 1.5, 1e-2);
    al_corpus_free(c);
}

static void test_parent_and_split_option(void) {
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(root_, NULL, &c));
    CHECK(c && c->n == 5); /* both splits */
    al_corpus_free(c);
    al_corpus_opts o = al_corpus_defaults();
    o.split = "dev";
    CHECK_OK(al_corpus_load(root_, &o, &c));
    CHECK(c && c->n == 1 && !strcmp(c->utts[0].id, "84-121-0000") && c->n_skips == 0);
    al_corpus_free(c);
    o.split = "test";
    CHECK(al_corpus_load(root_, &o, &c) == AL_ERR_NOT_FOUND && c == NULL);
    CHECK_STR_CONTAINS(al_last_error(), "starts with test");
}

static void test_oov_skip_policy(void) {
    al_corpus_opts o = al_corpus_defaults();
    o.oov = AL_OOV_SKIP;
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/train-clean-100", root_), &o, &c));
    if (!c) return;
    CHECK(c->n == 3 && !fx_utt(c, "19-198-0005"));
    const al_skip *s = fx_skip(c, AL_SKIP_OOV);
    CHECK(c->skip_count[AL_SKIP_OOV] == 1 && s && s->line == 6);
    if (s) CHECK_STR_CONTAINS(s->detail, "\xc3\x89");
    al_corpus_free(c);
}

static void test_duration_filters(void) {
    al_corpus_opts o = al_corpus_defaults();
    o.min_duration = 0.6;
    o.max_duration = 1.2;
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(fx_path("%s/train-clean-100", root_), &o, &c));
    if (!c) return;
    CHECK(c->n == 2 && fx_utt(c, "19-198-0001") && fx_utt(c, "19-198-0005"));
    CHECK(c->skip_count[AL_SKIP_TOO_SHORT] == 1 && c->skip_count[AL_SKIP_TOO_LONG] == 1);
    const al_skip *s = fx_skip(c, AL_SKIP_TOO_LONG);
    if (s) CHECK_STR_CONTAINS(s->detail, "26-495-0000");
    al_corpus_free(c);
    o.min_duration = 2.0; /* max < min */
    CHECK(al_corpus_load(fx_path("%s/train-clean-100", root_), &o, &c) == AL_ERR_INVALID);
}

static void test_detection(void) {
    al_corpus_type t = AL_CORPUS_AUTO;
    CHECK_OK(al_corpus_detect(fx_path("%s/train-clean-100", root_), &t));
    CHECK(t == AL_CORPUS_LIBRISPEECH);
    t = AL_CORPUS_AUTO;
    CHECK_OK(al_corpus_detect(root_, &t));
    CHECK(t == AL_CORPUS_LIBRISPEECH);
    CHECK(al_corpus_detect(fx_path("%s/train-clean-100/19", root_), &t) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "unknown corpus layout");
    CHECK(al_corpus_detect(fx_path("%s/nope", root_), &t) == AL_ERR_NOT_FOUND);
    al_corpus *c = NULL;
    CHECK(al_corpus_load(fx_path("%s/nope", root_), NULL, &c) == AL_ERR_NOT_FOUND && !c);
    CHECK_STR_CONTAINS(al_last_error(), "nope");
    al_corpus_opts o = al_corpus_defaults();
    o.type = AL_CORPUS_KALDI; /* forced type that does not fit: whole-corpus error */
    CHECK(al_corpus_load(root_, &o, &c) != AL_OK && !c);
    CHECK_STR_CONTAINS(al_last_error(), "wav.scp");
}

static void test_reload_is_identical(void) {
    al_corpus *a = NULL, *b = NULL;
    CHECK_OK(al_corpus_load(root_, NULL, &a));
    CHECK_OK(al_corpus_load(root_, NULL, &b));
    if (!a || !b) return;
    CHECK(a->n == b->n && a->n_skips == b->n_skips);
    for (size_t i = 0; i < a->n && i < b->n; i++)
        CHECK(!strcmp(a->utts[i].id, b->utts[i].id) && a->utts[i].duration == b->utts[i].duration);
    for (size_t i = 0; i < a->n_skips && i < b->n_skips; i++) CHECK(!strcmp(a->skips[i].detail, b->skips[i].detail));
    al_corpus_free(a);
    al_corpus_free(b);
}

static void setup(void) { root_ = strdup(make_fixture()); }

/* Glob characters in the corpus's own path are part of the name, not a pattern. */
static void test_path_with_glob_characters(void) {
    char root[1100], ch[1200], split[1200];
    snprintf(root, sizeof root, "%s", fx_dir("Libri[v2]*?"));
    snprintf(ch, sizeof ch, "%s/train-clean-100/7/8", root);
    snprintf(split, sizeof split, "%s/train-clean-100", root);
    fx_mkdir(ch);
    fx_text(fx_path("%s/7-8.trans.txt", ch), "7-8-0000 BRACKETS\n");
    fx_tone(fx_path("%s/7-8-0000.flac", ch), 0.5, 16000, AL_AUDIO_FLAC16);
    al_corpus_type t;
    CHECK_OK(al_corpus_detect(split, &t));
    CHECK(t == AL_CORPUS_LIBRISPEECH);
    al_corpus *c = NULL;
    CHECK_OK(al_corpus_load(root, NULL, &c)); /* the parent: finds its split */
    CHECK(c && c->n == 1);
    al_corpus_free(c);
}

AL_TEST_MAIN(setup, test_split_loads_good_and_reports_bad, test_parent_and_split_option, test_oov_skip_policy,
             test_duration_filters, test_detection, test_reload_is_identical, test_path_with_glob_characters)
