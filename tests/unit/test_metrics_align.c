/* Alignment with sclite's costs and tie-breaking: hand-checked alignments (ties checked against
 * sclite 2.10 pra output), UTF-8 characters, rates and report lines, and a randomized check that
 * every alignment spells out both texts and has the minimum weighted cost. */
#include "al_test.h"
#include "audiolottery/core.h"
#include "audiolottery/metrics.h"

/* The ops of an alignment as a string ("DCI"). */
static const char *ops(const al_alignment *a) {
    static char s[256];
    size_t k = 0;
    for (; k < a->n && k + 1 < sizeof s; k++) s[k] = a->pairs[k].op;
    s[k] = '\0';
    return s;
}

static void check_ops(const char *ref, const char *hyp, al_token_unit unit, al_align_cost cost, const char *want) {
    al_alignment a;
    CHECK_OK(al_align(ref, hyp, unit, cost, &a));
    CHECK_MSG(!strcmp(ops(&a), want), "'%s' / '%s': ops %s, want %s", ref, hyp, ops(&a), want);
    al_alignment_free(&a);
}

static void test_pairs_point_into_the_texts(void) {
    const char *ref = "THE CAT SAT", *hyp = "THE  BAT SAT DOWN";
    al_alignment a;
    CHECK_OK(al_align(ref, hyp, AL_UNIT_WORDS, AL_COST_SCLITE, &a));
    CHECK(a.n == 4 && a.ref_tokens == 3 && a.hyp_tokens == 4);
    CHECK(a.cor == 2 && a.sub == 1 && a.ins == 1 && a.del == 0);
    CHECK(a.pairs[1].op == 'S' && a.pairs[1].ref == ref + 4 && a.pairs[1].ref_len == 3);
    CHECK(a.pairs[1].hyp == hyp + 5 && a.pairs[1].hyp_len == 3);
    CHECK(a.pairs[3].op == 'I' && a.pairs[3].ref == NULL && a.pairs[3].ref_len == 0);
    CHECK(a.pairs[3].hyp_len == 4 && !memcmp(a.pairs[3].hyp, "DOWN", 4));
    al_alignment_free(&a);
    CHECK(a.pairs == NULL && a.n == 0);
}

static void test_sclite_ties(void) {
    /* sclite: diagonal when no dearer than deletion and insertion, else deletion when strictly
     * cheaper, else insertion; substitution 4 > deletion 3, so two substitutions lose to D + I. */
    check_ops("A B", "B A", AL_UNIT_WORDS, AL_COST_SCLITE, "DCI");
    check_ops("A B", "B C", AL_UNIT_WORDS, AL_COST_SCLITE, "DCI");
    check_ops("A B C D E F G H", "D E F G H F G H", AL_UNIT_WORDS, AL_COST_SCLITE, "DDDCCIIICCC");
    check_ops("A", "B", AL_UNIT_WORDS, AL_COST_SCLITE, "S");
    check_ops("THE THE THE", "THE THE", AL_UNIT_WORDS, AL_COST_SCLITE, "DCC");
    check_ops("A A B", "A B B", AL_UNIT_WORDS, AL_COST_SCLITE, "CSC");
    /* Unit costs: the same tie order, now substitutions win. */
    check_ops("A B", "B A", AL_UNIT_WORDS, AL_COST_LEVENSHTEIN, "SS");
    check_ops("A B C D E F G H", "D E F G H F G H", AL_UNIT_WORDS, AL_COST_LEVENSHTEIN, "SSSSSCCC");
    check_ops("", "X Y", AL_UNIT_WORDS, AL_COST_SCLITE, "II");
    check_ops("X Y", "", AL_UNIT_WORDS, AL_COST_SCLITE, "DD");
    check_ops("", "", AL_UNIT_WORDS, AL_COST_SCLITE, "");
}

static void test_characters(void) {
    /* Spaces and other whitespace are not tokens; a UTF-8 code point is one token. */
    check_ops("AB CD", "ABCE", AL_UNIT_CHARS, AL_COST_SCLITE, "CCCS");
    check_ops("\xc3\x84" "B", "AB", AL_UNIT_CHARS, AL_COST_SCLITE, "SC");
    al_alignment a;
    CHECK_OK(al_align("\xe2\x82\xac\t x", "\xe2\x82\xac\nx", AL_UNIT_CHARS, AL_COST_SCLITE, &a));
    CHECK(a.ref_tokens == 2 && a.cor == 2 && a.pairs[0].ref_len == 3);
    al_alignment_free(&a);
    CHECK_OK(al_align("A\tB\r\nC", " A B C ", AL_UNIT_WORDS, AL_COST_SCLITE, &a));
    CHECK(a.ref_tokens == 3 && a.cor == 3);
    al_alignment_free(&a);
    CHECK(al_align("A", "B", (al_token_unit)7, AL_COST_SCLITE, &a) == AL_ERR_INVALID);
    CHECK(al_align("A", "B", AL_UNIT_WORDS, (al_align_cost)7, &a) == AL_ERR_INVALID);
}

static void test_rates_and_lines(void) {
    al_error_counts c = {0};
    CHECK_OK(al_score_words("A B C D E F G H", "D E F G H F G H", &c));
    CHECK_OK(al_score_words("A B", "A B", &c));
    CHECK_OK(al_score_chars("", "", &c));
    CHECK(c.ref == 10 && c.ins == 3 && c.del == 3 && c.sub == 0 && c.utts == 3 && c.utts_with_errors == 1);
    char line[128];
    al_format_kaldi(&c, "WER", line, sizeof line);
    CHECK_MSG(!strcmp(line, "%WER 60.00 [ 6 / 10, 3 ins, 3 del, 0 sub ]"), "%s", line);
    al_format_kaldi_ser(&c, line, sizeof line);
    CHECK_MSG(!strcmp(line, "%SER 33.33 [ 1 / 3 ]"), "%s", line);
    al_error_counts none = {0};
    CHECK(al_sentence_error_rate(&none) == 0.0);
}

/* Weighted cost of the best alignment by the textbook recurrence (no tie-breaking involved). */
static int min_cost(const int *r, int nr, const int *h, int nh, int ins, int del, int sub) {
    int d[13][13];
    for (int i = 0; i <= nr; i++)
        for (int j = 0; j <= nh; j++) {
            if (!i || !j) {
                d[i][j] = i * del + j * ins;
                continue;
            }
            int best = d[i - 1][j - 1] + (r[i - 1] == h[j - 1] ? 0 : sub);
            if (d[i - 1][j] + del < best) best = d[i - 1][j] + del;
            if (d[i][j - 1] + ins < best) best = d[i][j - 1] + ins;
            d[i][j] = best;
        }
    return d[nr][nh];
}

static void test_random_alignments_are_optimal_and_complete(void) {
    al_rng rng;
    al_rng_seed(&rng, 7);
    int bad = 0;
    for (int trial = 0; trial < 3000 && bad < 5; trial++) {
        int r[12], h[12], nr = (int)al_rng_below(&rng, 13), nh = (int)al_rng_below(&rng, 13);
        char rs[64] = "", hs[64] = "";
        static const char *words[] = {"A ", "B ", "C ", "D "};
        for (int i = 0; i < nr; i++) r[i] = (int)al_rng_below(&rng, 4), strcat(rs, words[r[i]]);
        for (int j = 0; j < nh; j++) h[j] = (int)al_rng_below(&rng, 4), strcat(hs, words[h[j]]);
        al_align_cost cost = trial % 2 ? AL_COST_LEVENSHTEIN : AL_COST_SCLITE;
        int ic = cost == AL_COST_SCLITE ? 3 : 1, sc = cost == AL_COST_SCLITE ? 4 : 1;
        al_alignment a;
        CHECK_OK(al_align(rs, hs, AL_UNIT_WORDS, cost, &a));
        /* The pairs spell out both texts in order, and the counts agree with the ops. */
        char rr[64] = "", hh[64] = "";
        int64_t n_c = 0, n_s = 0, n_d = 0, n_i = 0;
        for (size_t k = 0; k < a.n; k++) {
            const al_align_pair *p = &a.pairs[k];
            if (p->ref) strncat(rr, p->ref, (size_t)p->ref_len), strcat(rr, " ");
            if (p->hyp) strncat(hh, p->hyp, (size_t)p->hyp_len), strcat(hh, " ");
            int same = p->ref && p->hyp && p->ref_len == p->hyp_len && !memcmp(p->ref, p->hyp, (size_t)p->ref_len);
            int ok = (p->op == 'C' && same) || (p->op == 'S' && p->ref && p->hyp && !same) ||
                     (p->op == 'D' && p->ref && !p->hyp) || (p->op == 'I' && !p->ref && p->hyp);
            if (!ok) bad++;
            n_c += p->op == 'C', n_s += p->op == 'S', n_d += p->op == 'D', n_i += p->op == 'I';
        }
        int weighted = (int)(ic * (n_d + n_i) + sc * n_s);
        int want = min_cost(r, nr, h, nh, ic, ic, sc);
        if (strcmp(rr, rs) || strcmp(hh, hs) || n_c != a.cor || n_s != a.sub || n_d != a.del || n_i != a.ins ||
            weighted != want) {
            bad++;
            fprintf(stderr, "'%s' / '%s' (%s): cost %d, min %d\n", rs, hs, cost ? "lev" : "sclite", weighted, want);
        }
        al_alignment_free(&a);
    }
    CHECK(bad == 0);
}

AL_TEST_MAIN(test_pairs_point_into_the_texts, test_sclite_ties, test_characters, test_rates_and_lines,
             test_random_alignments_are_optimal_and_complete)
