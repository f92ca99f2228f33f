/* Output units: characters round-trip through the default alphabet; SentencePiece BPE trained on
 * transcripts round-trips text, is shorter than characters, and reloads from its serialised model
 * with the same encoding; unit specs parse. */
#include <stdlib.h>
#include <string.h>

#include "al_test.h"
#include "audiolottery/units.h"

static const char *words[] = {"THE", "CAT", "SAT", "ON", "A", "MAT", "AND", "THEN", "IT", "RAN", "AWAY", "FROM",
                              "DOG", "THAT", "WAS", "BARKING", "AT", "NIGHT", "SO", "LOUD", "SHE", "SAID",
                              "DON'T", "WORRY", "ABOUT", "THINGS", "WE", "CANNOT", "CHANGE"};

static void roundtrip(const al_units *u, const char *text, int *n_out) {
    int ids[256], n = 0;
    char *back = NULL;
    CHECK_OK(al_units_encode(u, text, ids, 256, &n));
    for (int i = 0; i < n; i++) CHECK(ids[i] >= 1 && ids[i] < al_units_classes(u));
    CHECK_OK(al_units_decode(u, ids, n, &back));
    CHECK_MSG(back && !strcmp(back, text), "'%s' came back as '%s'", text, back ? back : "(null)");
    free(back);
    *n_out = n;
}

static void test_chars(void) {
    al_units *u = NULL;
    CHECK_OK(al_units_chars(&u));
    if (!u) return;
    int n;
    CHECK(al_units_classes(u) == 29 && !al_units_is_bpe(u) && !strcmp(al_units_name(u), "chars"));
    roundtrip(u, "HELLO WORLD'S", &n);
    CHECK(n == 13);
    int ids[4];
    CHECK(al_units_encode(u, "a", ids, 4, &n) == AL_ERR_INVALID); /* lower case is not in the alphabet */
    al_units_free(u);
}

static void test_bpe(void) {
    enum { N = 300 };
    char *texts[N];
    al_rng rng;
    al_rng_seed(&rng, 5);
    for (int i = 0; i < N; i++) {
        char buf[256] = "";
        int k = 3 + (int)al_rng_below(&rng, 8);
        for (int j = 0; j < k; j++) {
            if (j) strcat(buf, " ");
            strcat(buf, words[al_rng_below(&rng, sizeof words / sizeof *words)]);
        }
        texts[i] = strdup(buf);
    }
    al_units *u = NULL, *v = NULL;
    CHECK_OK(al_units_train_bpe((const char *const *)texts, N, 64, &u));
    if (u) {
        CHECK(al_units_is_bpe(u) && al_units_classes(u) == 65 && !strcmp(al_units_name(u), "bpe:64"));
        int n, total_pieces = 0, total_chars = 0;
        for (int i = 0; i < 20; i++) {
            roundtrip(u, texts[i], &n);
            total_pieces += n, total_chars += (int)strlen(texts[i]);
        }
        CHECK_MSG(total_pieces < total_chars / 2, "%d pieces for %d characters", total_pieces, total_chars);
        roundtrip(u, "THAT DOG SAT", &n); /* not a training sentence */
        /* greedy decoding of a best path: each class held 2 frames, blanks between; a piece's
         * characters take its first frame */
        int ids[64], m = 0;
        CHECK_OK(al_units_encode(u, "THAT DOG SAT", ids, 64, &m));
        const int C = al_units_classes(u), T = 3 * m + 1;
        float *scores = calloc((size_t)T * C, sizeof(float));
        for (int t = 0; t < T; t++) scores[(size_t)t * C] = 1.0f; /* blank */
        for (int k = 0; k < m; k++)
            for (int r = 0; r < 2; r++) scores[(size_t)(3 * k + 1 + r) * C + ids[k]] = 2.0f;
        char *text = NULL;
        int *frames = NULL;
        CHECK_OK(al_units_greedy(u, scores, T, C, C, &text, &frames));
        CHECK_MSG(text && !strcmp(text, "THAT DOG SAT"), "greedy gave '%s'", text ? text : "(null)");
        for (size_t i = 1; text && frames && i < strlen(text); i++) CHECK(frames[i] >= frames[i - 1]);
        CHECK(frames && frames[0] == 1 && frames[strlen(text) - 1] == 3 * (m - 1) + 1);
        free(text), free(frames), free(scores);
        const void *model;
        size_t bytes;
        CHECK_OK(al_units_model(u, &model, &bytes));
        CHECK_OK(al_units_from_model(model, bytes, &v));
        int a[256], b[256], na = 0, nb = 0;
        CHECK_OK(al_units_encode(u, texts[7], a, 256, &na));
        if (v) CHECK_OK(al_units_encode(v, texts[7], b, 256, &nb));
        CHECK(na == nb && !memcmp(a, b, sizeof(int) * na));
        al_units *junk = NULL;
        CHECK(al_units_from_model("junk", 4, &junk) == AL_ERR_FORMAT && !junk); /* junk is not a model */
    }
    al_units_free(u);
    al_units_free(v);
    for (int i = 0; i < N; i++) free(texts[i]);
}

static void test_parse(void) {
    int p = -1;
    CHECK(al_units_parse("chars", &p) == AL_OK && p == 0);
    CHECK(al_units_parse("bpe:256", &p) == AL_OK && p == 256);
    CHECK(al_units_parse("bpe:5", &p) == AL_ERR_INVALID);
    CHECK(al_units_parse("bpe:256x", &p) == AL_ERR_INVALID);
    CHECK(al_units_parse("words", &p) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "'words' is not chars or bpe:N");
}

AL_TEST_MAIN(test_chars, test_bpe, test_parse)
