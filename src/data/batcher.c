/* Batches by duration: deepspeech.pytorch DSRandomSampler (sorted, fixed batches, batch order
 * shuffled per epoch with seed + epoch) and a bucketed variant whose batch contents change per
 * epoch while padding stays low. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/data.h"

struct al_batcher {
    al_batch_opts o;
    size_t n;
    size_t *sorted; /* utterance indices by (duration, index) */
};

al_batch_opts al_batch_defaults(void) {
    return (al_batch_opts){.batch_size = 20, .mode = AL_BATCH_SORTED, .bucket_batches = 8, .seed = 0};
}

static _Thread_local const double *tl_dur;

static int by_duration(const void *a, const void *b) {
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (tl_dur[i] != tl_dur[j]) return tl_dur[i] < tl_dur[j] ? -1 : 1;
    return (i > j) - (i < j);
}

al_status al_batcher_new(const al_corpus *c, const al_batch_opts *o, al_batcher **out) {
    *out = NULL;
    if (o->batch_size == 0) return al_error(AL_ERR_INVALID, "batcher: batch_size must be > 0");
    if (o->mode == AL_BATCH_BUCKET && o->bucket_batches == 0)
        return al_error(AL_ERR_INVALID, "batcher: bucket_batches must be > 0");
    /* Keeps batch_size * bucket_batches and the rounding up of counts free of overflow. */
    if (o->batch_size > (size_t)INT32_MAX || o->bucket_batches > (size_t)INT32_MAX)
        return al_error(AL_ERR_INVALID, "batcher: batch_size %zu / bucket_batches %zu above %d", o->batch_size,
                        o->bucket_batches, INT32_MAX);
    if (o->mode != AL_BATCH_SORTED && o->mode != AL_BATCH_BUCKET)
        return al_error(AL_ERR_INVALID, "batcher: unknown mode %d", (int)o->mode);
    al_batcher *b = calloc(1, sizeof *b);
    double *dur = malloc((c->n + 1) * sizeof *dur);
    if (b) b->sorted = malloc((c->n + 1) * sizeof(size_t));
    if (!b || !dur || !b->sorted) {
        free(dur);
        al_batcher_free(b);
        return al_error(AL_ERR_NOMEM, "batcher: out of memory");
    }
    b->o = *o;
    b->n = c->n;
    for (size_t i = 0; i < c->n; i++) {
        dur[i] = c->utts[i].duration;
        b->sorted[i] = i;
    }
    tl_dur = dur;
    qsort(b->sorted, b->n, sizeof(size_t), by_duration);
    free(dur);
    *out = b;
    return AL_OK;
}

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

/* Batches never cross a bucket boundary; SORTED is one bucket holding everything. */
static size_t bucket_size(const al_batcher *b) {
    return b->o.mode == AL_BATCH_BUCKET ? b->o.batch_size * b->o.bucket_batches : (b->n ? b->n : 1);
}

size_t al_batcher_n_batches(const al_batcher *b) {
    size_t bs = bucket_size(b), full = b->n / bs, rest = b->n % bs;
    return full * ceil_div(bs, b->o.batch_size) + ceil_div(rest, b->o.batch_size);
}

al_status al_batcher_epoch(const al_batcher *b, uint64_t epoch, al_batches *out) {
    memset(out, 0, sizeof *out);
    size_t nb = al_batcher_n_batches(b), bs = bucket_size(b);
    size_t *items = malloc((b->n + 1) * sizeof *items), *start = malloc((nb + 1) * sizeof *start);
    size_t *len = malloc((nb + 1) * sizeof *len), *perm = malloc((nb + 1) * sizeof *perm);
    out->offsets = malloc((nb + 1) * sizeof *out->offsets);
    out->items = malloc((b->n + 1) * sizeof *out->items);
    if (!items || !start || !len || !perm || !out->offsets || !out->items) {
        free(items), free(start), free(len), free(perm);
        al_batches_free(out);
        return al_error(AL_ERR_NOMEM, "batcher: out of memory");
    }
    al_rng rng;
    al_rng_seed(&rng, b->o.seed + epoch);
    memcpy(items, b->sorted, b->n * sizeof *items);
    size_t k = 0;
    for (size_t lo = 0; lo < b->n; lo += bs) {
        size_t hi = lo + bs < b->n ? lo + bs : b->n;
        if (b->o.mode == AL_BATCH_BUCKET) al_rng_shuffle_size(&rng, items + lo, hi - lo);
        for (size_t s = lo; s < hi; s += b->o.batch_size) {
            start[k] = s;
            len[k++] = hi - s < b->o.batch_size ? hi - s : b->o.batch_size;
        }
    }
    for (size_t j = 0; j < nb; j++) perm[j] = j;
    al_rng_shuffle_size(&rng, perm, nb);
    size_t pos = 0;
    for (size_t j = 0; j < nb; j++) {
        out->offsets[j] = pos;
        memcpy(out->items + pos, items + start[perm[j]], len[perm[j]] * sizeof *items);
        pos += len[perm[j]];
    }
    out->offsets[nb] = pos;
    out->n_batches = nb;
    free(items), free(start), free(len), free(perm);
    return AL_OK;
}

void al_batcher_free(al_batcher *b) {
    if (!b) return;
    free(b->sorted);
    free(b);
}

void al_batches_free(al_batches *e) {
    free(e->offsets);
    free(e->items);
    memset(e, 0, sizeof *e);
}

double al_batches_padding_ratio(const al_batches *e, const al_corpus *c) {
    double area = 0, used = 0;
    for (size_t j = 0; j < e->n_batches; j++) {
        double mx = 0;
        for (size_t i = e->offsets[j]; i < e->offsets[j + 1]; i++) {
            double d = c->utts[e->items[i]].duration;
            used += d;
            if (d > mx) mx = d;
        }
        area += mx * (double)(e->offsets[j + 1] - e->offsets[j]);
    }
    return area > 0 ? (area - used) / area : 0;
}
