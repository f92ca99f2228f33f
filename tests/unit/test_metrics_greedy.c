/* WER/CER counts on hand-checked cases and CTC greedy decoding. */
#include "al_test.h"

#include <math.h>
#include "audiolottery/decode.h"
#include "audiolottery/metrics.h"

static void test_word_errors(void) {
    al_error_counts c = {0};
    CHECK_OK(al_score_words("THE CAT SAT ON THE MAT", "THE CAT SAT ON MAT", &c));
    CHECK(c.ref == 6 && c.del == 1 && c.ins == 0 && c.sub == 0);
    CHECK_OK(al_score_words("A B C", "A X C D", &c));
    CHECK(c.ref == 9 && c.sub == 1 && c.ins == 1 && c.del == 1);
    CHECK_OK(al_score_words("HELLO", "  HELLO  ", &c)); /* spacing does not matter */
    CHECK(c.utts == 3 && c.utts_with_errors == 2);
    CHECK_NEAR(al_error_rate(&c), 100.0 * 3 / 10, 1e-12);
    char line[128];
    al_format_kaldi(&c, "WER", line, sizeof line);
    CHECK(strcmp(line, "%WER 30.00 [ 3 / 10, 1 ins, 1 del, 1 sub ]") == 0);
    al_error_counts e = {0};
    CHECK_OK(al_score_words("", "EXTRA WORDS", &e));
    CHECK(e.ref == 0 && e.ins == 2 && al_error_rate(&e) == 100.0);
}

static void test_char_errors_ignore_spaces(void) {
    al_error_counts c = {0};
    CHECK_OK(al_score_chars("AB CD", "ABCE", &c)); /* refs without spaces: ABCD vs ABCE */
    CHECK(c.ref == 4 && c.sub == 1 && c.ins == 0 && c.del == 0);
}

static void test_greedy_merges_repeats_and_drops_blanks(void) {
    al_alphabet a = al_alphabet_default(); /* _ ' A B ... Z space */
    int A = a.index['A'], B = a.index['B'], S = a.index[' '];
    /* frames:  A A _ A B space space _ B space */
    int path[] = {A, A, 0, A, B, S, S, 0, B, S};
    enum { T = 10 };
    float scores[T * 29];
    for (int t = 0; t < T; t++)
        for (int c = 0; c < 29; c++) scores[t * 29 + c] = c == path[t] ? 1.0f : 0.0f;
    char *text;
    CHECK_OK(al_ctc_greedy(scores, T, 29, 29, &a, &text));
    CHECK_MSG(strcmp(text, "AAB B") == 0, "got '%s'", text);
    free(text);
    CHECK(al_ctc_greedy(scores, T, 29, 28, &a, &text) == AL_ERR_INVALID);
    CHECK(al_ctc_greedy(scores, -1, 29, 29, &a, &text) == AL_ERR_INVALID && !text);
    scores[3 * 29 + 5] = NAN; /* a diverged model must not decode to plausible text */
    CHECK(al_ctc_greedy(scores, T, 29, 29, &a, &text) == AL_ERR_INVALID && !text);
    CHECK_STR_CONTAINS(al_last_error(), "frame 3 label 5: non-finite");
}

AL_TEST_MAIN(test_word_errors, test_char_errors_ignore_spaces, test_greedy_merges_repeats_and_drops_blanks)
