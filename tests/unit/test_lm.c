/* ARPA n-gram LM: loading (plain and gzip), back-off scoring against hand-computed values,
 * upper-casing, <unk> and the OOV penalty, context-only entries, and malformed files. */
#include <zlib.h>

#include "al_test.h"
#include "audiolottery/io.h"
#include "audiolottery/lm.h"

static char *data_path(const char *name) {
    static char p[1024];
    snprintf(p, sizeof p, "%s/lm/%s", al_test_data(), name);
    return p;
}

/* log10 P of a sentence (words separated by spaces) including </s>. */
static float sentence_log10(const al_lm *lm, const char *text) {
    al_lm_state s;
    al_lm_begin(lm, &s);
    float sum = 0;
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " ");
        sum += al_lm_score(lm, &s, al_lm_word_id(lm, p, n), &s);
        p += n;
        p += *p == ' ';
    }
    return sum + al_lm_final(lm, &s);
}

static void check_tiny(const al_lm *lm) {
    CHECK(al_lm_order(lm) == 3);
    CHECK(al_lm_count(lm, 1) == 7 && al_lm_count(lm, 2) == 6 && al_lm_count(lm, 3) == 2);
    CHECK(al_lm_vocab_size(lm) == 7);
    int32_t the = al_lm_word_id(lm, "the", 3);
    CHECK(the >= 0 && !strcmp(al_lm_word(lm, the), "THE"));
    CHECK(al_lm_word_id(lm, "THE", 3) == the);
    CHECK(al_lm_word_id(lm, "CATS", 3) == al_lm_word_id(lm, "CAT", 3)); /* len counts */
    int32_t unk = al_lm_word_id(lm, "<UNK>", 5);
    CHECK(unk >= 0 && !strcmp(al_lm_word(lm, unk), "<unk>"));
    CHECK(al_lm_word_id(lm, "DOG", 3) == unk);

    al_lm_state s, t;
    al_lm_begin(lm, &s);
    CHECK_NEAR(al_lm_score(lm, &s, the, &t), -0.4, 1e-6); /* bigram <s> THE */
    al_lm_state after_the = t;
    CHECK_NEAR(al_lm_score(lm, &t, al_lm_word_id(lm, "CAT", 3), &t), -0.2, 1e-6);  /* trigram */
    CHECK_NEAR(al_lm_score(lm, &t, al_lm_word_id(lm, "SAT", 3), &t), -0.1, 1e-6);  /* trigram */
    CHECK_NEAR(al_lm_final(lm, &t), -0.3, 1e-6); /* CAT SAT </s> backs off to SAT </s>; CAT SAT has no bow */
    /* <s> THE KAT: no trigram, no bigram: bow(<s> THE) + bow(THE) + P(KAT) */
    CHECK_NEAR(al_lm_score(lm, &after_the, al_lm_word_id(lm, "KAT", 3), &t), -0.25 - 0.3 - 2.0, 1e-6);
    CHECK_NEAR(al_lm_score(lm, &after_the, unk, &t), -0.25 - 0.3 - 1.5, 1e-6);
    CHECK_NEAR(al_lm_final(lm, &after_the), -0.25 - 0.3 - 1.0, 1e-6);
    /* next may alias state */
    al_lm_state u = after_the;
    CHECK_NEAR(al_lm_score(lm, &u, al_lm_word_id(lm, "CAT", 3), &u), -0.2, 1e-6);
    CHECK_NEAR(al_lm_score(lm, &u, al_lm_word_id(lm, "SAT", 3), &u), -0.1, 1e-6);
    /* <s> CAT SAT: bigram CAT SAT; <s> CAT has no bow */
    CHECK_NEAR(sentence_log10(lm, "CAT SAT"), -0.9 - 0.5 - 0.3, 1e-6);
    CHECK_NEAR(sentence_log10(lm, "THE CAT SAT"), -0.4 - 0.2 - 0.1 - 0.3, 1e-6);
    CHECK_NEAR(sentence_log10(lm, ""), -0.5 - 1.0, 1e-6); /* bow(<s>) + P(</s>) */
    /* the spelling trie */
    int32_t n = 0;
    for (const char *p = "cat"; *p; p++) n = al_lm_spell_next(lm, n, (unsigned char)*p);
    CHECK(n > 0 && al_lm_spell_word(lm, n) == al_lm_word_id(lm, "CAT", 3));
    n = al_lm_spell_next(lm, al_lm_spell_next(lm, 0, 'C'), 'A');
    CHECK(n > 0 && al_lm_spell_word(lm, n) == -1); /* CA begins CAT but is no word */
    CHECK(al_lm_spell_next(lm, n, 'X') == -1);
    CHECK(al_lm_spell_next(lm, 0, '<') == -1); /* <s> </s> <unk> are not spelled */
    CHECK(al_lm_spell_word(lm, 0) == -1 && al_lm_spell_next(lm, -1, 'C') == -1);
}

static void test_load_and_score(void) {
    al_lm *lm = NULL;
    CHECK_OK(al_lm_load(data_path("tiny.arpa"), NULL, &lm));
    if (!lm) return;
    check_tiny(lm);
    CHECK(al_lm_bytes(lm) > 0);
    al_lm_free(lm);
}

static void test_gzip(void) {
    char *text;
    size_t n;
    CHECK_OK(al_read_file(data_path("tiny.arpa"), &text, &n));
    char path[1100];
    snprintf(path, sizeof path, "%s/tiny.arpa.gz", al_test_tmpdir());
    gzFile f = gzopen(path, "wb");
    CHECK(f && gzwrite(f, text, (unsigned)n) == (int)n);
    CHECK(f && gzclose(f) == Z_OK);
    free(text);
    al_lm *lm = NULL;
    CHECK_OK(al_lm_load(path, NULL, &lm));
    if (lm) check_tiny(lm);
    al_lm_free(lm);
}

static void test_use_unk_off(void) {
    al_lm_opts o = al_lm_defaults();
    o.use_unk = 0, o.oov_log10 = -434.29f; /* ctcdecode's OOV_SCORE */
    al_lm *lm = NULL;
    CHECK_OK(al_lm_load(data_path("tiny.arpa"), &o, &lm));
    if (!lm) return;
    al_lm_state s, t;
    al_lm_begin(lm, &s);
    CHECK(al_lm_word_id(lm, "DOG", 3) == -1);
    CHECK(al_lm_word_id(lm, "<unk>", 5) >= 0); /* the word itself is still there */
    CHECK_NEAR(al_lm_score(lm, &s, al_lm_word_id(lm, "DOG", 3), &t), -434.29, 1e-3);
    CHECK(t.len == 0);
    CHECK_NEAR(sentence_log10(lm, "THE CAT SAT"), -0.4 - 0.2 - 0.1 - 0.3, 1e-6); /* in-vocabulary unchanged */
    al_lm_free(lm);
}

static void test_oov_penalty_and_missing_context(void) {
    al_lm *lm = NULL;
    al_log_set_level(AL_LOG_ERROR); /* the missing context is logged as a warning */
    CHECK_OK(al_lm_load(data_path("nounk_gap.arpa"), NULL, &lm));
    if (!lm) return;
    al_lm_state s, t;
    al_lm_begin(lm, &s);
    CHECK(al_lm_word_id(lm, "C", 1) == -1);
    CHECK_NEAR(al_lm_score(lm, &s, -1, &t), -10.0, 0);
    CHECK(t.len == 0);
    int32_t A = al_lm_word_id(lm, "a", 1), B = al_lm_word_id(lm, "B", 1);
    CHECK_NEAR(al_lm_score(lm, &s, B, &s), -0.3 - 0.6, 1e-6);
    CHECK_NEAR(al_lm_score(lm, &s, A, &s), -0.1 - 0.5, 1e-6); /* B A is context-only: backs off */
    CHECK_NEAR(al_lm_score(lm, &s, B, &s), -0.05, 1e-6);      /* ... and reaches the trigram B A B */
    al_lm_begin(lm, &s);
    CHECK_NEAR(al_lm_score(lm, &s, A, &s), -0.2, 1e-6);
    CHECK_NEAR(al_lm_final(lm, &s), -0.2 - 0.9, 1e-6);
    al_lm_free(lm);
    al_lm_opts o = al_lm_defaults();
    o.oov_log10 = -4.5f;
    CHECK_OK(al_lm_load(data_path("nounk_gap.arpa"), &o, &lm));
    al_log_set_level(AL_LOG_INFO);
    if (!lm) return;
    al_lm_begin(lm, &s);
    CHECK_NEAR(al_lm_score(lm, &s, al_lm_word_id(lm, "ZZZ", 3), &t), -4.5, 0);
    al_lm_free(lm);
}

static const char *good_header = "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1 <s> -0.1\n-1 </s>\n-0.5 A -0.2\n\n";

/* Writes text to a temp file named name and expects al_lm_load to fail with st and a message
 * containing "name:line:" and what. */
static void expect_error(const char *name, const char *text, size_t len, al_status want, int line, const char *what) {
    char path[1100], where[1200];
    snprintf(path, sizeof path, "%s/%s", al_test_tmpdir(), name);
    CHECK_OK(al_write_file_atomic(path, text, len));
    al_lm *lm = (al_lm *)1;
    al_status st = al_lm_load(path, NULL, &lm);
    CHECK_MSG(st == want, "%s: status %d, want %d (%s)", name, st, want, al_last_error());
    CHECK(lm == NULL);
    if (line > 0) {
        snprintf(where, sizeof where, "%s:%d:", path, line);
        CHECK_STR_CONTAINS(al_last_error(), where);
    }
    CHECK_STR_CONTAINS(al_last_error(), what);
}

static void expect_bad(const char *name, const char *body, int line, const char *what) {
    char text[2048];
    snprintf(text, sizeof text, "%s%s", good_header, body);
    expect_error(name, text, strlen(text), AL_ERR_FORMAT, line, what);
}

static void test_malformed(void) {
    /* lines 1-9 are good_header; the 2-grams section starts at line 10 */
    char control[512];
    snprintf(control, sizeof control, "%s\\2-grams:\n-0.3 A </s>\n\n\\end\\\n", good_header);
    char path[1100];
    snprintf(path, sizeof path, "%s/control.arpa", al_test_tmpdir());
    CHECK_OK(al_write_file_atomic(path, control, strlen(control)));
    al_lm *lm = NULL;
    CHECK_OK(al_lm_load(path, NULL, &lm)); /* the bodies below break this good file one way each */
    al_lm_free(lm);
    expect_bad("count.arpa", "\\2-grams:\n-0.3 A </s>\n-0.3 <s> A\n\n\\end\\\n", 12, "more 2-grams than the 1 declared");
    expect_bad("fewer.arpa", "\\2-grams:\n\n\\end\\\n", 11, "0 2-grams, but \\data\\ declares 1");
    expect_bad("fields.arpa", "\\2-grams:\n-0.3 A\n\n\\end\\\n", 11, "got 2 fields");
    expect_bad("order.arpa", "\\2-grams:\n-0.3 A </s> A -0.1\n\n\\end\\\n", 11, "got 5 fields");
    expect_bad("bow_top.arpa", "\\2-grams:\n-0.3 A </s> -0.1\n\n\\end\\\n", 11, "got 4 fields");
    expect_bad("number.arpa", "\\2-grams:\n-0.x A </s>\n\n\\end\\\n", 11, "bad log10 probability '-0.x'");
    expect_bad("nan.arpa", "\\2-grams:\nnan A </s>\n\n\\end\\\n", 11, "bad log10 probability");
    expect_bad("positive.arpa", "\\2-grams:\n0.5 A </s>\n\n\\end\\\n", 11, "bad log10 probability '0.5'");
    expect_bad("word.arpa", "\\2-grams:\n-0.3 A B\n\n\\end\\\n", 11, "word 'B' is not a 1-gram");
    expect_bad("end.arpa", "\\2-grams:\n-0.3 A </s>\n", 11, "missing \\end\\");
    expect_bad("end2.arpa", "\\2-grams:\n-0.3 A </s>\n\n\\3-grams:\n", 13, "expected '\\end\\'");
    expect_bad("section.arpa", "\\3-grams:\n-0.3 A </s>\n\n\\end\\\n", 10, "expected '\\2-grams:'");
    const char *dup = "\\data\\\nngram 1=2\n\n\\1-grams:\n-1 a\n-1 A\n\n\\end\\\n";
    expect_error("dup_case.arpa", dup, strlen(dup), AL_ERR_FORMAT, 6, "duplicate 1-gram 'A'");
    const char *dup2 = "\\data\\\nngram 1=2\nngram 2=2\n\n\\1-grams:\n-1 a -1\n-1 b\n\n\\2-grams:\n-1 a b\n-1 A B\n\n\\end\\\n";
    expect_error("dup_bigram.arpa", dup2, strlen(dup2), AL_ERR_FORMAT, 11, "duplicate 2-gram");
    const char *huge_bow =
        "\\data\\\nngram 1=2\nngram 2=1\n\n\\1-grams:\n-1 a 1e39\n-1 b\n\n\\2-grams:\n-1 a b\n\n\\end\\\n";
    /* 1e39 is +inf as a float */
    expect_error("huge_bow.arpa", huge_bow, strlen(huge_bow), AL_ERR_FORMAT, 6, "bad back-off weight '1e39'");
    const char *nodata = "ngram 1=1\n\\1-grams:\n-1 a\n\\end\\\n";
    expect_error("nodata.arpa", nodata, strlen(nodata), AL_ERR_FORMAT, 4, "no \\data\\ line");
    expect_error("empty.arpa", "", 0, AL_ERR_FORMAT, 0, "no \\data\\ line");
    const char *badcount = "\\data\\\nngram 1=x\n";
    expect_error("badcount.arpa", badcount, strlen(badcount), AL_ERR_FORMAT, 2, "bad count");
    const char *skip = "\\data\\\nngram 1=1\nngram 3=1\n";
    expect_error("skip.arpa", skip, strlen(skip), AL_ERR_FORMAT, 3, "expected 'ngram 2=COUNT'");
    char big[512] = "\\data\\\n";
    for (int n = 1; n <= AL_LM_MAX_ORDER + 1; n++) snprintf(big + strlen(big), sizeof big - strlen(big), "ngram %d=1\n", n);
    expect_error("order9.arpa", big, strlen(big), AL_ERR_UNSUPPORTED, AL_LM_MAX_ORDER + 2, "not supported");
    const char nul[] = "\\data\\\nngram 1=1\n\n\\1-grams:\n-1 a\0b\n\n\\end\\\n";
    expect_error("nul.arpa", nul, sizeof nul - 1, AL_ERR_FORMAT, 5, "NUL byte");
    lm = (al_lm *)1;
    CHECK(al_lm_load("/nonexistent/x.arpa", NULL, &lm) == AL_ERR_NOT_FOUND && lm == NULL);
    CHECK_STR_CONTAINS(al_last_error(), "/nonexistent/x.arpa");
}

static void test_windows_line_ends_and_junk_before_data(void) {
    const char *text = "made by hand\r\n\r\n\\data\\\r\nngram 1=2\r\n\r\n\\1-grams:\r\n-1 a\r\n-0.25\tb\r\n\r\n\\end\\\r\n";
    char path[1100];
    snprintf(path, sizeof path, "%s/crlf.arpa", al_test_tmpdir());
    CHECK_OK(al_write_file_atomic(path, text, strlen(text)));
    al_lm *lm = NULL;
    CHECK_OK(al_lm_load(path, NULL, &lm));
    if (!lm) return;
    al_lm_state s;
    al_lm_begin(lm, &s); /* no <s>: empty context */
    CHECK(s.len == 0);
    CHECK_NEAR(al_lm_score(lm, &s, al_lm_word_id(lm, "B", 1), &s), -0.25, 0);
    CHECK_NEAR(al_lm_final(lm, &s), -10.0, 0); /* no </s> and no <unk>: the OOV penalty */
    al_lm_free(lm);
}

AL_TEST_MAIN(test_load_and_score, test_gzip, test_use_unk_off, test_oov_penalty_and_missing_context, test_malformed,
             test_windows_line_ends_and_junk_before_data)
