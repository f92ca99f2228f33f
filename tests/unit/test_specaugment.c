/* SpecAugment: masks stay within their limits, masked cells hold the value, seeded determinism. */
#include "al_test.h"

#include "audiolottery/al.h"

enum { BINS = 161, FRAMES = 300 };

static void fill(float *spec) { /* (BINS, FRAMES), every cell non-zero */
    for (int i = 0; i < BINS * FRAMES; i++) spec[i] = 1.0f + (float)(i % 97);
}

/* Counts fully masked rows and columns; every changed cell must lie in one of them. */
static void count_masked(const float *spec, float value, int *rows, int *cols, int *stray) {
    static int row_full[BINS], col_full[FRAMES];
    *rows = *cols = *stray = 0;
    for (int b = 0; b < BINS; b++) {
        row_full[b] = 1;
        for (int t = 0; t < FRAMES; t++) row_full[b] &= spec[b * FRAMES + t] == value;
        *rows += row_full[b];
    }
    for (int t = 0; t < FRAMES; t++) {
        col_full[t] = 1;
        for (int b = 0; b < BINS; b++) col_full[t] &= spec[b * FRAMES + t] == value;
        *cols += col_full[t];
    }
    float ref[BINS * FRAMES];
    fill(ref);
    for (int b = 0; b < BINS; b++)
        for (int t = 0; t < FRAMES; t++)
            if (spec[b * FRAMES + t] != ref[b * FRAMES + t] && !row_full[b] && !col_full[t]) (*stray)++;
}

static void test_defaults(void) {
    al_specaugment_opts o = al_specaugment_defaults();
    CHECK(o.freq_masks == 1 && o.freq_width == 27 && o.time_masks == 1 && o.time_width == 70 && o.value == 0.0f);
}

/* Over many seeds: masked rows <= masks x F, masked columns <= masks x T, nothing else touched,
 * and the widths actually vary up to the limit (so a no-op would fail). */
static void test_limits(void) {
    static float spec[BINS * FRAMES];
    al_specaugment_opts o = al_specaugment_defaults();
    o.freq_masks = 2;
    o.time_masks = 3;
    o.value = -7.5f;
    int max_rows = 0, max_cols = 0, min_rows = BINS, stray_total = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        al_rng rng;
        al_rng_seed(&rng, seed);
        fill(spec);
        CHECK_OK(al_specaugment(spec, BINS, FRAMES, &o, &rng));
        int rows, cols, stray;
        count_masked(spec, o.value, &rows, &cols, &stray);
        CHECK(rows <= o.freq_masks * o.freq_width);
        CHECK(cols <= o.time_masks * o.time_width);
        stray_total += stray;
        if (rows > max_rows) max_rows = rows;
        if (cols > max_cols) max_cols = cols;
        if (rows < min_rows) min_rows = rows;
    }
    CHECK(stray_total == 0);
    CHECK_MSG(max_rows > o.freq_width && max_cols > o.time_width, "rows %d cols %d", max_rows, max_cols);
    CHECK(min_rows < max_rows);
}

/* One mask of each kind: the masked block is a single band of width <= limit holding value 0. */
static void test_single_mask_zero(void) {
    static float spec[BINS * FRAMES];
    al_specaugment_opts o = al_specaugment_defaults();
    int seen_band = 0;
    for (uint64_t seed = 1; seed < 50; seed++) {
        al_rng rng;
        al_rng_seed(&rng, seed);
        fill(spec);
        CHECK_OK(al_specaugment(spec, BINS, FRAMES, &o, &rng));
        int first = -1, last = -1, zero_rows = 0;
        for (int b = 0; b < BINS; b++) {
            int all = 1;
            for (int t = 0; t < FRAMES; t++) all &= spec[b * FRAMES + t] == 0.0f;
            if (all) {
                if (first < 0) first = b;
                last = b;
                zero_rows++;
            }
        }
        if (zero_rows) {
            seen_band = 1;
            CHECK(last - first + 1 == zero_rows); /* contiguous */
            CHECK(zero_rows <= 27);
        }
    }
    CHECK(seen_band);
}

static void test_determinism(void) {
    static float a[BINS * FRAMES], b[BINS * FRAMES], c[BINS * FRAMES];
    al_specaugment_opts o = al_specaugment_defaults();
    o.freq_masks = o.time_masks = 2;
    al_rng r1, r2, r3;
    al_rng_seed(&r1, 42);
    al_rng_seed(&r2, 42);
    al_rng_seed(&r3, 43);
    fill(a);
    fill(b);
    fill(c);
    CHECK_OK(al_specaugment(a, BINS, FRAMES, &o, &r1));
    CHECK_OK(al_specaugment(b, BINS, FRAMES, &o, &r2));
    CHECK_OK(al_specaugment(c, BINS, FRAMES, &o, &r3));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK(memcmp(a, c, sizeof a) != 0);
}

/* Widths larger than the spectrogram are clipped; bad arguments are errors. */
static void test_edges(void) {
    float small[3 * 4];
    for (int i = 0; i < 12; i++) small[i] = 1.0f;
    al_specaugment_opts o = {.freq_masks = 5, .freq_width = 100, .time_masks = 5, .time_width = 100, .value = 0.0f};
    al_rng rng;
    al_rng_seed(&rng, 3);
    CHECK_OK(al_specaugment(small, 3, 4, &o, &rng));
    o.time_masks = -1;
    CHECK(al_specaugment(small, 3, 4, &o, &rng) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "specaugment");
    o = al_specaugment_defaults();
    CHECK(al_specaugment(small, 0, 4, &o, &rng) == AL_ERR_INVALID);
}

/* NeMo's policy: 2 frequency masks <= 27 bins, 10 time masks each <= 5% of the frames (15 of 300). */
static void test_nemo(void) {
    al_specaugment_opts o = al_specaugment_nemo();
    CHECK(o.freq_masks == 2 && o.freq_width == 27 && o.time_masks == 10 && o.time_ratio == 0.05);
    static float spec[BINS * FRAMES];
    int widest = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        fill(spec);
        al_rng r;
        al_rng_seed(&r, seed);
        CHECK_OK(al_specaugment(spec, BINS, FRAMES, &o, &r));
        int rows, cols, stray;
        count_masked(spec, 0.0f, &rows, &cols, &stray);
        CHECK(stray == 0 && rows <= 2 * 27 && cols <= 10 * 15);
        widest = cols > widest ? cols : widest;
    }
    CHECK_MSG(widest > 70, "10 masks of up to 15 frames never covered more than %d frames", widest);
}

AL_TEST_MAIN(test_defaults, test_limits, test_single_mask_zero, test_determinism, test_edges, test_nemo)
