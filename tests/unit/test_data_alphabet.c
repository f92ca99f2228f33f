/* The alphabet type and transcript normalisation. */
#include "al_test.h"
#include "audiolottery/al.h"

static char *norm(const al_alphabet *a, const char *raw, al_oov_policy p, al_status *st) {
    char *out = NULL;
    *st = al_text_normalise(a, raw, p, &out);
    return out;
}

static void test_default_alphabet(void) {
    al_alphabet a = al_alphabet_default();
    CHECK(a.n == 29 && a.blank == 0 && a.labels[0] == '_');
    CHECK(a.index['\''] == 1 && a.index['A'] == 2 && a.index['Z'] == 27 && a.index[' '] == 28);
    CHECK(a.index['a'] == -1 && a.index['0'] == -1);
    for (int i = 0; i < a.n; i++) CHECK(a.index[(unsigned char)a.labels[i]] == i);
}

static void test_alphabet_init_errors(void) {
    al_alphabet a;
    CHECK(al_alphabet_init(&a, "_ab a", 0) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "twice");
    CHECK(al_alphabet_init(&a, "_ab", 3) == AL_ERR_INVALID);
    CHECK(al_alphabet_init(&a, "_", 0) == AL_ERR_INVALID);
    CHECK(al_alphabet_init(&a, "_abc\xc3\xa9 ", 0) == AL_ERR_INVALID); /* "é": two UTF-8 bytes */
    CHECK_STR_CONTAINS(al_last_error(), "0xc3 at 4 is not printable ASCII");
    CHECK(al_alphabet_init(&a, "_ab\t", 0) == AL_ERR_INVALID);
    CHECK_OK(al_alphabet_init(&a, "abc_ ", 3));
    CHECK(a.blank == 3 && a.index['_'] == 3 && a.n == 5);
}

static void test_normalise_basic(void) {
    al_alphabet a = al_alphabet_default();
    al_status st;
    char *s = norm(&a, "  hello\tWorld \n  again  ", AL_OOV_DROP, &st);
    CHECK(st == AL_OK && s && !strcmp(s, "HELLO WORLD AGAIN"));
    free(s);
    s = norm(&a, "don't stop", AL_OOV_DROP, &st);
    CHECK(st == AL_OK && s && !strcmp(s, "DON'T STOP"));
    free(s);
    s = norm(&a, "Well, - it's 42 ok!", AL_OOV_DROP, &st); /* punctuation, digits dropped; one space left */
    CHECK(st == AL_OK && s && !strcmp(s, "WELL IT'S OK"));
    free(s);
    s = norm(&a, "a_b", AL_OOV_DROP, &st); /* the blank is never a transcript character */
    CHECK(st == AL_OK && s && !strcmp(s, "AB"));
    free(s);
    s = norm(&a, "caf\xc3\xa9 na\xc3\xafve", AL_OOV_DROP, &st); /* multi-byte UTF-8 dropped whole */
    CHECK(st == AL_OK && s && !strcmp(s, "CAF NAVE"));
    free(s);
}

static void test_normalise_skip_and_empty(void) {
    al_alphabet a = al_alphabet_default();
    al_status st;
    char *s = norm(&a, "caf\xc3\xa9", AL_OOV_SKIP, &st);
    CHECK(st == AL_ERR_UNSUPPORTED && s == NULL);
    CHECK_STR_CONTAINS(al_last_error(), "\xc3\xa9");
    s = norm(&a, "plain words", AL_OOV_SKIP, &st);
    CHECK(st == AL_OK && s && !strcmp(s, "PLAIN WORDS"));
    free(s);
    s = norm(&a, " 123 !? ", AL_OOV_DROP, &st);
    CHECK(st == AL_ERR_EMPTY && s == NULL);
    s = norm(&a, "", AL_OOV_DROP, &st);
    CHECK(st == AL_ERR_EMPTY && s == NULL);
    s = norm(&a, "\t \n", AL_OOV_SKIP, &st);
    CHECK(st == AL_ERR_EMPTY && s == NULL);
}

static void test_custom_lowercase_alphabet(void) {
    al_alphabet a;
    CHECK_OK(al_alphabet_init(&a, "-abc", 0)); /* no space label: words run together */
    al_status st;
    char *s = norm(&a, "Ab ca", AL_OOV_DROP, &st);
    CHECK(st == AL_OK && s && !strcmp(s, "abca"));
    free(s);
}

AL_TEST_MAIN(test_default_alphabet, test_alphabet_init_errors, test_normalise_basic, test_normalise_skip_and_empty,
             test_custom_lowercase_alphabet)
