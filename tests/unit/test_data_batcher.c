/* Batching: DSRandomSampler semantics, bucketing, determinism, permutation, padding ratio. */
#include "al_test.h"
#include "audiolottery/al.h"

#define N 103

static al_utterance utts_[N];
static al_corpus corpus_;

static void make_corpus(void) {
    al_rng r;
    al_rng_seed(&r, 7);
    for (int i = 0; i < N; i++) utts_[i].duration = al_rng_range(&r, 0.5, 15.0);
    corpus_.utts = utts_;
    corpus_.n = N;
}

static int is_permutation(const al_batches *e, size_t n) {
    char seen[N] = {0};
    if (e->offsets[0] != 0 || e->offsets[e->n_batches] != n) return 0;
    for (size_t i = 0; i < n; i++) {
        if (e->items[i] >= n || seen[e->items[i]]) return 0;
        seen[e->items[i]] = 1;
    }
    return 1;
}

/* rank[i]: position of utterance i in duration order. */
static void ranks(size_t *rank) {
    for (int i = 0; i < N; i++) {
        size_t r = 0;
        for (int j = 0; j < N; j++)
            r += utts_[j].duration < utts_[i].duration || (utts_[j].duration == utts_[i].duration && j < i);
        rank[i] = r;
    }
}

static void test_sorted_matches_dsrandomsampler(void) {
    make_corpus();
    al_batch_opts o = al_batch_defaults();
    o.seed = 123;
    al_batcher *b = NULL;
    CHECK_OK(al_batcher_new(&corpus_, &o, &b));
    if (!b) return;
    CHECK(al_batcher_n_batches(b) == 6);
    size_t rank[N];
    ranks(rank);
    for (uint64_t ep = 0; ep < 3; ep++) {
        al_batches e;
        CHECK_OK(al_batcher_epoch(b, ep, &e));
        CHECK(e.n_batches == 6 && is_permutation(&e, N));
        /* expected batch order: shuffle of 0..5 with seed + epoch */
        size_t perm[6] = {0, 1, 2, 3, 4, 5};
        al_rng r;
        al_rng_seed(&r, o.seed + ep);
        al_rng_shuffle_size(&r, perm, 6);
        for (size_t j = 0; j < e.n_batches; j++) {
            size_t len = e.offsets[j + 1] - e.offsets[j];
            CHECK(len == (perm[j] == 5 ? 3 : 20));
            for (size_t k = 0; k < len; k++) /* batch perm[j] = sorted ranks [20 perm[j], ...) in order */
                CHECK(rank[e.items[e.offsets[j] + k]] == perm[j] * 20 + k);
        }
        al_batches_free(&e);
    }
    al_batcher_free(b);
}

static void test_determinism_and_variation(void) {
    make_corpus();
    al_batch_opts o = al_batch_defaults();
    o.batch_size = 8;
    o.seed = 5;
    for (int mode = 0; mode < 2; mode++) {
        o.mode = (al_batch_mode)mode;
        al_batcher *b = NULL;
        CHECK_OK(al_batcher_new(&corpus_, &o, &b));
        if (!b) return;
        al_batches e1, e1b, e2;
        CHECK_OK(al_batcher_epoch(b, 1, &e1));
        CHECK_OK(al_batcher_epoch(b, 1, &e1b));
        CHECK_OK(al_batcher_epoch(b, 2, &e2));
        CHECK(is_permutation(&e1, N) && is_permutation(&e2, N));
        CHECK(!memcmp(e1.items, e1b.items, N * sizeof(size_t)) &&
              !memcmp(e1.offsets, e1b.offsets, (e1.n_batches + 1) * sizeof(size_t)));
        CHECK(memcmp(e1.items, e2.items, N * sizeof(size_t)) != 0);
        al_batches_free(&e1);
        al_batches_free(&e1b);
        al_batches_free(&e2);
        al_batcher_free(b);
    }
}

/* in[i] = 1 for the utterances in the batch that holds utterance u. */
static void batch_members(const al_batches *e, size_t u, char *in) {
    memset(in, 0, N);
    for (size_t j = 0; j < e->n_batches; j++)
        for (size_t i = e->offsets[j]; i < e->offsets[j + 1]; i++)
            if (e->items[i] == u)
                for (size_t k = e->offsets[j]; k < e->offsets[j + 1]; k++) in[e->items[k]] = 1;
}

static void test_bucket_keeps_batches_in_bucket(void) {
    make_corpus();
    al_batch_opts o = al_batch_defaults();
    o.mode = AL_BATCH_BUCKET;
    o.batch_size = 5;
    o.bucket_batches = 4; /* buckets of 20 sorted utterances: 5 full + 1 of 3 */
    al_batcher *b = NULL;
    CHECK_OK(al_batcher_new(&corpus_, &o, &b));
    if (!b) return;
    CHECK(al_batcher_n_batches(b) == 21);
    size_t rank[N];
    ranks(rank);
    al_batches e0, e1;
    CHECK_OK(al_batcher_epoch(b, 0, &e0));
    CHECK_OK(al_batcher_epoch(b, 1, &e1));
    for (size_t j = 0; j < e0.n_batches; j++) {
        size_t bucket = rank[e0.items[e0.offsets[j]]] / 20;
        for (size_t i = e0.offsets[j]; i < e0.offsets[j + 1]; i++) CHECK(rank[e0.items[i]] / 20 == bucket);
    }
    /* contents change between epochs: utterance 0 gets other batch mates */
    char in0[N], in1[N];
    batch_members(&e0, 0, in0);
    batch_members(&e1, 0, in1);
    CHECK(memcmp(in0, in1, N) != 0);
    al_batches_free(&e0);
    al_batches_free(&e1);
    al_batcher_free(b);
}

static void test_padding_ratio(void) {
    al_utterance u[4] = {{.duration = 1}, {.duration = 2}, {.duration = 3}, {.duration = 4}};
    al_corpus c = {.utts = u, .n = 4};
    size_t off[3] = {0, 2, 4}, items[4] = {0, 1, 2, 3};
    al_batches e = {.n_batches = 2, .offsets = off, .items = items};
    CHECK_NEAR(al_batches_padding_ratio(&e, &c), 2.0 / 12.0, 1e-12);
    size_t mixed[4] = {0, 3, 1, 2}; /* {1,4},{2,3}: area 8 + 6, used 10 */
    e.items = mixed;
    CHECK_NEAR(al_batches_padding_ratio(&e, &c), 4.0 / 14.0, 1e-12);

    /* sorted and bucketed batching pad far less than a random batching of the same sizes */
    make_corpus();
    al_batch_opts o = al_batch_defaults();
    al_batcher *bs = NULL, *bb = NULL;
    CHECK_OK(al_batcher_new(&corpus_, &o, &bs));
    o.mode = AL_BATCH_BUCKET;
    o.bucket_batches = 2;
    CHECK_OK(al_batcher_new(&corpus_, &o, &bb));
    if (!bs || !bb) return;
    al_batches es, eb;
    CHECK_OK(al_batcher_epoch(bs, 0, &es));
    CHECK_OK(al_batcher_epoch(bb, 0, &eb));
    al_batches er = es;
    size_t shuffled[N];
    for (size_t i = 0; i < N; i++) shuffled[i] = i;
    al_rng r;
    al_rng_seed(&r, 1);
    al_rng_shuffle_size(&r, shuffled, N);
    er.items = shuffled;
    double ps = al_batches_padding_ratio(&es, &corpus_), pb = al_batches_padding_ratio(&eb, &corpus_),
           pr = al_batches_padding_ratio(&er, &corpus_);
    CHECK_MSG(ps <= pb && pb < 0.6 * pr, "sorted %.3f bucket %.3f random %.3f", ps, pb, pr);
    al_batches_free(&es);
    al_batches_free(&eb);
    al_batcher_free(bs);
    al_batcher_free(bb);
}

static void test_bad_options(void) {
    make_corpus();
    al_batch_opts o = al_batch_defaults();
    al_batcher *b = NULL;
    o.batch_size = 0;
    CHECK(al_batcher_new(&corpus_, &o, &b) == AL_ERR_INVALID && !b);
    o = al_batch_defaults();
    o.mode = AL_BATCH_BUCKET;
    o.bucket_batches = 0;
    CHECK(al_batcher_new(&corpus_, &o, &b) == AL_ERR_INVALID && !b);
    o.bucket_batches = (size_t)1 << 40; /* batch_size * bucket_batches would overflow */
    o.batch_size = (size_t)1 << 40;
    CHECK(al_batcher_new(&corpus_, &o, &b) == AL_ERR_INVALID && !b);
    al_corpus empty = {0};
    CHECK_OK(al_batcher_new(&empty, &(al_batch_opts){.batch_size = 4}, &b));
    al_batches e;
    if (b) CHECK_OK(al_batcher_epoch(b, 0, &e));
    if (b) CHECK(e.n_batches == 0 && e.offsets[0] == 0);
    if (b) al_batches_free(&e);
    al_batcher_free(b);
}

AL_TEST_MAIN(test_sorted_matches_dsrandomsampler, test_determinism_and_variation, test_bucket_keeps_batches_in_bucket,
             test_padding_ratio, test_bad_options)
