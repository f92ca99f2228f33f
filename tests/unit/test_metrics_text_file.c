/* Transcript files for scoring: format detection, parsing, id lookup, pairing, errors with
 * file:line, and the .trn writer. */
#include "al_test.h"
#include "audiolottery/io.h"
#include "audiolottery/metrics.h"

static const char *write_tmp(const char *name, const char *content) {
    static char path[8][1100];
    static int k = 0;
    char *p = path[k++ % 8];
    snprintf(p, 1100, "%s/%s", al_test_tmpdir(), name);
    CHECK_OK(al_write_file_atomic(p, content, strlen(content)));
    return p;
}

static void test_detects_and_parses_both_formats(void) {
    al_text_file t;
    CHECK_OK(al_text_file_read(write_tmp("a.trn", "\n  HELLO  WORLD (u1) \r\n(u2)\nA (B) C (u3)\n"), AL_TEXT_AUTO, &t));
    CHECK(t.format == AL_TEXT_TRN && t.n == 3);
    CHECK(!strcmp(t.items[0].id, "u1") && !strcmp(t.items[0].text, "HELLO  WORLD") && t.items[0].line == 2);
    CHECK(!strcmp(t.items[1].id, "u2") && !strcmp(t.items[1].text, ""));
    CHECK(!strcmp(t.items[2].id, "u3") && !strcmp(t.items[2].text, "A (B) C"));
    const al_text_entry *e = al_text_file_find(&t, "u3");
    CHECK(e == &t.items[2]);
    CHECK(al_text_file_find(&t, "u4") == NULL);
    al_text_file_free(&t);
    CHECK(t.items == NULL && t.n == 0);

    CHECK_OK(al_text_file_read(write_tmp("a.txt", "u1 HELLO\nu2\n\tu3\tA (B)\n"), AL_TEXT_AUTO, &t));
    CHECK(t.format == AL_TEXT_KALDI && t.n == 3);
    CHECK(!strcmp(t.items[0].text, "HELLO") && !strcmp(t.items[1].text, "") && !strcmp(t.items[2].id, "u3"));
    CHECK(!strcmp(t.items[2].text, "A (B)") && t.items[2].line == 3);
    al_text_file_free(&t);

    /* Forced format: the same .trn line read as Kaldi text. */
    CHECK_OK(al_text_file_read(write_tmp("b.trn", "HELLO (u1)\n"), AL_TEXT_KALDI, &t));
    CHECK(t.n == 1 && !strcmp(t.items[0].id, "HELLO") && !strcmp(t.items[0].text, "(u1)"));
    al_text_file_free(&t);
    CHECK_OK(al_text_file_read(write_tmp("empty.txt", "\n \n"), AL_TEXT_AUTO, &t));
    CHECK(t.n == 0 && t.format == AL_TEXT_KALDI);
    al_text_file_free(&t);
}

static void check_error(const char *name, const char *content, const char *want) {
    al_text_file t;
    const char *path = write_tmp(name, content);
    al_status st = al_text_file_read(path, AL_TEXT_AUTO, &t);
    CHECK_MSG(st == AL_ERR_FORMAT, "%s: status %d", name, st);
    char full[1300];
    snprintf(full, sizeof full, "%s:%s", path, want);
    CHECK_STR_CONTAINS(al_last_error(), full);
    CHECK(t.items == NULL && t.n == 0 && t.path == NULL);
}

static void test_errors_name_file_and_line(void) {
    check_error("noid.trn", "A (x)\nB C\n", "2: no utterance id");
    check_error("open.trn", "A (x)\nB (y\n", "2: no utterance id");
    check_error("emptyid.trn", "A (x)\nB ()\n", "2: empty utterance id");
    check_error("spaceid.trn", "A (x y)\n", "1: utterance id \"(x y)\" contains whitespace");
    /* Detection looks at the first non-blank line only: this Kaldi file reads as .trn. */
    check_error("kaldi_paren.txt", "u1 A (B)\nu2 C\n", "2: no utterance id");
    check_error("dup.txt", "x A\ny B\nx C\n", "3: duplicate utterance id 'x' (first at line 1)");
    check_error("dup.trn", "A (x)\n\n\nB (x)\n", "4: duplicate utterance id 'x' (first at line 1)");
    const char nul[] = "u1 A\nu2 B\0C\nu3 D\n"; /* would silently lose u3 */
    char nul_path[1100];
    snprintf(nul_path, sizeof nul_path, "%s/nul.txt", al_test_tmpdir());
    CHECK_OK(al_write_file_atomic(nul_path, nul, sizeof nul - 1));
    al_text_file nt;
    CHECK(al_text_file_read(nul_path, AL_TEXT_AUTO, &nt) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "nul.txt:2: NUL byte");
    al_text_file t;
    CHECK(al_text_file_read("/nonexistent/ref.trn", AL_TEXT_AUTO, &t) != AL_OK);
    CHECK_STR_CONTAINS(al_last_error(), "/nonexistent/ref.trn");
    al_text_format f;
    CHECK_OK(al_text_format_parse("trn", &f));
    CHECK(f == AL_TEXT_TRN && !strcmp(al_text_format_name(f), "trn"));
    CHECK(al_text_format_parse("csv", &f) == AL_ERR_INVALID);
}

static void test_pairing(void) {
    al_text_file ref, hyp, extra;
    CHECK_OK(al_text_file_read(write_tmp("r.txt", "a 1\nb 2\nc 3\n"), AL_TEXT_AUTO, &ref));
    CHECK_OK(al_text_file_read(write_tmp("h.trn", "3 (c)\n1 (a)\n"), AL_TEXT_AUTO, &hyp));
    ptrdiff_t *m;
    CHECK_OK(al_text_file_pair(&ref, &hyp, &m));
    CHECK(m[0] == 1 && m[1] == -1 && m[2] == 0);
    free(m);
    const char *xp = write_tmp("x.trn", "1 (a)\n9 (z)\n");
    CHECK_OK(al_text_file_read(xp, AL_TEXT_AUTO, &extra));
    CHECK(al_text_file_pair(&ref, &extra, &m) == AL_ERR_FORMAT && m == NULL);
    char want[1200];
    snprintf(want, sizeof want, "%s:2: utterance 'z' is not in the reference", xp);
    CHECK_STR_CONTAINS(al_last_error(), want);
    al_text_file_free(&ref), al_text_file_free(&hyp), al_text_file_free(&extra);
}

static void test_write_trn(void) {
    char path[1100];
    snprintf(path, sizeof path, "%s/out.trn", al_test_tmpdir());
    const char *ids[] = {"u1", "u2", "u3"}, *texts[] = {"  A \t B ", NULL, ""};
    CHECK_OK(al_write_trn(path, 3, ids, texts));
    char *data;
    CHECK_OK(al_read_file(path, &data, NULL));
    CHECK_MSG(!strcmp(data, "A B (u1)\n(u2)\n(u3)\n"), "got '%s'", data);
    free(data);
    al_text_file t;
    CHECK_OK(al_text_file_read(path, AL_TEXT_AUTO, &t));
    CHECK(t.format == AL_TEXT_TRN && t.n == 3 && !strcmp(t.items[0].text, "A B"));
    al_text_file_free(&t);
    const char *bad_ids[] = {"a(1)", "b c", ""};
    for (int i = 0; i < 3; i++) {
        CHECK(al_write_trn(path, 1, &bad_ids[i], texts) == AL_ERR_INVALID);
        CHECK_STR_CONTAINS(al_last_error(), "cannot go into a .trn file");
    }
    CHECK_OK(al_read_file(path, &data, NULL)); /* the earlier file is untouched */
    CHECK(!strcmp(data, "A B (u1)\n(u2)\n(u3)\n"));
    free(data);
}

/* A UTF-8 byte-order mark is not part of the first line. */
static void test_byte_order_mark(void) {
    al_text_file t;
    CHECK_OK(al_text_file_read(write_tmp("bom.trn", "\xEF\xBB\xBFHELLO WORLD (u1)\n"), AL_TEXT_AUTO, &t));
    CHECK(t.n == 1 && !strcmp(t.items[0].text, "HELLO WORLD"));
    al_text_file_free(&t);
    CHECK_OK(al_text_file_read(write_tmp("bom.txt", "\xEF\xBB\xBFu1 HELLO\n"), AL_TEXT_AUTO, &t));
    CHECK(t.n == 1 && !strcmp(t.items[0].id, "u1"));
    al_text_file_free(&t);
}

AL_TEST_MAIN(test_detects_and_parses_both_formats, test_errors_name_file_and_line, test_pairing, test_write_trn,
             test_byte_order_mark)
