/* synth pieces without engines: sentence normalisation, silence trimming, sentence loading. */
#include "al_test.h"
#include "audiolottery/al.h"

static void norm_is(const char *in, const char *want, int want_words) {
    char out[256];
    int words = -1;
    al_status st = al_synth_normalize(in, out, sizeof out, &words);
    CHECK_MSG(st == AL_OK, "'%s' rejected", in);
    if (st != AL_OK) return;
    CHECK_MSG(!strcmp(out, want), "'%s' -> '%s', want '%s'", in, out, want);
    CHECK_MSG(words == want_words, "'%s': %d words, want %d", in, words, want_words);
}

static void norm_rejects(const char *in) {
    char out[256];
    int words;
    CHECK_MSG(al_synth_normalize(in, out, sizeof out, &words) == AL_ERR_EMPTY, "'%s' accepted as '%s'", in, out);
}

static void test_normalize_words(void) {
    norm_is("Hello, world!", "HELLO WORLD", 2);
    norm_is("  It's a dog's life -- isn't it?  ", "IT'S A DOG'S LIFE ISN'T IT", 6);
    norm_is("\"Quoted\" (parens); semi: colon.", "QUOTED PARENS SEMI COLON", 4);
    norm_is("well-known rock & roll", "WELL KNOWN ROCK AND ROLL", 5);
    norm_is("I said \xE2\x80\x9C" "don\xE2\x80\x99t\xE2\x80\x9D \xE2\x80\x94 twice", "I SAID DON'T TWICE", 4);
    norm_is("'tis the season'", "TIS THE SEASON", 3);
}

static void test_normalize_numbers(void) {
    norm_is("I have 3 cats", "I HAVE THREE CATS", 4);
    norm_is("0 and 15 and 40", "ZERO AND FIFTEEN AND FORTY", 5);
    norm_is("in 1984 we had 100 ways", "IN ONE THOUSAND NINE HUNDRED EIGHTY FOUR WE HAD ONE HUNDRED WAYS", 12);
    norm_is("42.", "FORTY TWO", 2);
    norm_is("3000 ships", "THREE THOUSAND SHIPS", 3);
}

static void test_normalize_rejects(void) {
    norm_rejects("version 3.5 is out");  /* decimal */
    norm_rejects("the 1st time");        /* digits inside a word */
    norm_rejects("call 0800 now");       /* leading zero */
    norm_rejects("pay 1,000 dollars");   /* grouped number */
    norm_rejects("the NASA budget");     /* acronym: spoken letter by letter */
    norm_rejects("mail me@example.com"); /* symbol */
    norm_rejects("x = y + 1");
    norm_rejects("caf\xC3\xA9 au lait");  /* non-ASCII letter */
    norm_rejects("... !!! ???");         /* no words */
    norm_rejects("1234567 items");       /* too large to spell */
}

static void test_normalize_small_buffer(void) {
    char out[8];
    int words;
    CHECK(al_synth_normalize("a sentence much longer than the buffer", out, sizeof out, &words) == AL_ERR_EMPTY);
}

/* 0.5 s silence + 1 s tone + 0.7 s silence at 16 kHz, with faint noise in the silence. */
static al_audio padded_tone(void) {
    al_audio a = {0};
    a.sample_rate = 16000;
    a.n = 16000 * 22 / 10;
    a.samples = al_calloc((size_t)a.n, sizeof(float));
    al_rng rng;
    al_rng_seed(&rng, 7);
    for (int64_t i = 0; i < a.n; i++) {
        a.samples[i] = (float)(1e-4 * al_rng_normal(&rng)); /* -80 dB: silence */
        if (i >= 8000 && i < 24000) a.samples[i] += 0.5f * (float)sin(2 * M_PI * 220 * i / 16000.0);
    }
    return a;
}

static void test_trim_keeps_margin(void) {
    al_audio a = padded_tone();
    CHECK_OK(al_synth_trim(&a, -40.0, 0.075));
    /* 1 s of tone + 75 ms on each side, to the 10 ms frame */
    CHECK_NEAR((double)a.n / 16000, 1.15, 0.011);
    CHECK(fabsf(a.samples[0]) < 0.01f);
    /* the tone starts 75 ms (1200 samples) in */
    CHECK(fabsf(a.samples[1100]) < 0.01f);
    float peak = 0;
    for (int i = 1200; i < 1400; i++) peak = fmaxf(peak, fabsf(a.samples[i]));
    CHECK(peak > 0.4f);
    al_audio_free(&a);
}

static void test_trim_margin_clamped_and_silence(void) {
    al_audio a = padded_tone();
    CHECK_OK(al_synth_trim(&a, -40.0, 2.0)); /* margin larger than the padding: nothing to cut */
    CHECK(a.n == 16000 * 22 / 10);
    al_audio_free(&a);
    al_audio z = {al_calloc(1600, sizeof(float)), 1600, 16000};
    CHECK(al_synth_trim(&z, -40.0, 0.075) == AL_ERR_EMPTY);
    al_audio_free(&z);
}

static void test_sentences_load(void) {
    al_synth_sentences s;
    al_status st = al_synth_sentences_load(4, 20, &s);
    CHECK_MSG(st == AL_OK, "%s (packages fortunes, fortunes-min)", al_last_error());
    if (st != AL_OK) return;
    CHECK_MSG(s.n > 5000, "only %zu sentences", s.n);
    int bad = 0, sources = 0;
    const char *last_source = "";
    for (size_t i = 0; i < s.n; i++) {
        int words = 1;
        for (const char *p = s.items[i].text; *p; p++) {
            words += *p == ' ';
            bad += !((*p >= 'A' && *p <= 'Z') || *p == '\'' || *p == ' ');
        }
        bad += words < 4 || words > 20;
        if (strcmp(last_source, s.items[i].source)) sources++, last_source = s.items[i].source;
    }
    CHECK_MSG(bad == 0, "%d bad characters or lengths", bad);
    CHECK(sources >= 2); /* fortunes-min and fortunes */
    /* deduplicated: no sentence twice (checked on the first 3000 against all) */
    int dups = 0;
    for (size_t i = 0; i < 3000 && i < s.n; i++)
        for (size_t j = i + 1; j < s.n; j++) dups += !strcmp(s.items[i].text, s.items[j].text);
    CHECK_MSG(dups == 0, "%d duplicates", dups);
    al_synth_sentences_free(&s);
}

AL_TEST_MAIN(test_normalize_words, test_normalize_numbers, test_normalize_rejects, test_normalize_small_buffer,
             test_trim_keeps_margin, test_trim_margin_clamped_and_silence, test_sentences_load)
