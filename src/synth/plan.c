/* The corpus plan for a seed: speakers per split and engine, their voices and base speed/pitch,
 * utterances (sentence, jittered speed/pitch) up to the hours or utterance target. Single-threaded
 * and independent of timing, so one seed gives one plan. */
#include "synth_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Engine share of each split's speakers (and so, roughly, of the audio). Measured on the 2-core dev
 * machine, audio seconds per worker second including the FLAC write: espeak-ng ~50, flite ~23,
 * festival ~5 (its start-up dominates). Festival's quarter of the default preset costs ~70% of the
 * worker time; the whole preset takes ~5 minutes on 2 busy cores (target 10). */
static const double engine_share[AL_ENGINE_COUNT] = {0.5, 0.25, 0.25};
/* Share of the total audio per split (train ~78%, each evaluation split ~7.3%). */
static const double split_share[AL_SPLIT_COUNT] = {0.78, 0.0733, 0.0733, 0.0734};

enum { STREAM_SENTENCES = 1, STREAM_PAIRS = 2, STREAM_SPEAKER = 1000, STREAM_UTT = 1000000 };

typedef struct {
    const char *accent, *variant;
} pair;

/* espeak-ng accent x variant pairs: seen = neither held out (train, dev, test-clean); test-other
 * alternates new_accent (held-out accent, any variant) and new_variant (seen accent, held-out variant). */
typedef struct {
    pair *seen, *new_accent, *new_variant;
    int n_seen, n_new_accent, n_new_variant, next_seen, next_new_accent, next_new_variant;
} pairs;

static al_status make_pairs(const al_synth_inventory *inv, uint64_t seed, pairs *p) {
    memset(p, 0, sizeof *p);
    int n = inv->n_voices * (inv->n_variants ? inv->n_variants : 1);
    p->seen = calloc(n + 1, sizeof *p->seen);
    p->new_accent = calloc(n + 1, sizeof *p->new_accent);
    p->new_variant = calloc(n + 1, sizeof *p->new_variant);
    if (!p->seen || !p->new_accent || !p->new_variant) return al_error(AL_ERR_NOMEM, "synth plan: out of memory");
    for (int i = 0; i < inv->n_voices; i++) {
        const al_synth_voice *v = inv->voices[i];
        if (v->engine != AL_ENGINE_ESPEAK) continue;
        for (int j = 0; j < inv->n_variants; j++) {
            pair pr = {v->name, inv->variants[j]};
            if (v->heldout)
                p->new_accent[p->n_new_accent++] = pr;
            else if (inv->variant_heldout[j])
                p->new_variant[p->n_new_variant++] = pr;
            else
                p->seen[p->n_seen++] = pr;
        }
    }
    al_rng rng;
    al_rng_seed_stream(&rng, seed, STREAM_PAIRS);
    for (int k = 0; k < 3; k++) {
        pair *a = k == 0 ? p->seen : k == 1 ? p->new_accent : p->new_variant;
        int m = k == 0 ? p->n_seen : k == 1 ? p->n_new_accent : p->n_new_variant;
        for (int i = m - 1; i > 0; i--) {
            int j = (int)al_rng_below(&rng, (uint64_t)i + 1);
            pair t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
    return AL_OK;
}

/* Voices of engine e usable in split s (held-out ones only in test-other). */
static int engine_voices(const al_synth_inventory *inv, al_synth_engine e, int heldout, const al_synth_voice **out) {
    int n = 0;
    for (int i = 0; i < inv->n_voices; i++)
        if (inv->voices[i]->engine == e && inv->voices[i]->heldout == heldout) out[n++] = inv->voices[i];
    return n;
}

static int engine_usable(const al_synth_inventory *inv, al_synth_engine e, al_synth_split s, const pairs *pp) {
    if (!inv->engine_ok[e]) return 0;
    if (e == AL_ENGINE_ESPEAK) return s == AL_SPLIT_TEST_OTHER ? pp->n_new_accent > 0 : pp->n_seen > 0;
    const al_synth_voice *v[32];
    return engine_voices(inv, e, s == AL_SPLIT_TEST_OTHER, v) > 0;
}

/* Speakers per engine for a split of n speakers: shares, at least one per usable engine. */
static void engine_counts(int n, const int usable[AL_ENGINE_COUNT], int counts[AL_ENGINE_COUNT]) {
    int total = 0, first = -1;
    for (int e = 0; e < AL_ENGINE_COUNT; e++) {
        counts[e] = 0;
        if (!usable[e]) continue;
        if (first < 0) first = e;
        if (e != first) {
            counts[e] = (int)lround(engine_share[e] * n);
            if (counts[e] < 1) counts[e] = 1;
        }
        total += counts[e];
    }
    if (first >= 0) counts[first] = n - total > 1 ? n - total : 1;
}

static void make_speaker(al_synth_speaker *spk, const al_synth_inventory *inv, pairs *pp, int k_in_engine,
                         uint64_t seed, int index) {
    al_rng rng;
    al_rng_seed_stream(&rng, seed, STREAM_SPEAKER + (uint64_t)index);
    int other = spk->split == AL_SPLIT_TEST_OTHER;
    if (spk->engine == AL_ENGINE_ESPEAK) {
        pair p = !other                                ? pp->seen[pp->next_seen++ % pp->n_seen]
                 : k_in_engine % 2 == 0 || !pp->n_new_variant ? pp->new_accent[pp->next_new_accent++ % pp->n_new_accent]
                                                              : pp->new_variant[pp->next_new_variant++ % pp->n_new_variant];
        snprintf(spk->voice, sizeof spk->voice, "%s", p.accent);
        snprintf(spk->variant, sizeof spk->variant, "%s", p.variant);
        spk->rate = round(al_rng_range(&rng, 130, 200));
        spk->pitch = round(al_rng_range(&rng, 20, 80));
        spk->warp = 1.0;
        return;
    }
    const al_synth_voice *v[32];
    int nv = engine_voices(inv, spk->engine, other, v);
    const al_synth_voice *voice = v[k_in_engine % nv];
    snprintf(spk->voice, sizeof spk->voice, "%s", voice->name);
    spk->variant[0] = 0;
    spk->rate = round(100 * al_rng_range(&rng, 0.82, 1.2)) / 100;
    double pitch = round(100 * al_rng_range(&rng, 0.8, 1.25)) / 100;
    spk->pitch = voice->f0 > 0 ? pitch : 1.0;
    spk->warp = round(100 * al_rng_range(&rng, 0.88, 1.12)) / 100;
}

/* Rough seconds of speech for a sentence (plans the hours target; real durations are measured). */
static double estimate_seconds(const al_synth_speaker *spk, const char *text) {
    int words = 1;
    for (const char *p = text; *p; p++) words += *p == ' ';
    /* measured after trimming: espeak-ng ~1.35 x its nominal words/min, flite/festival ~3.4 words/s */
    double wps = spk->engine == AL_ENGINE_ESPEAK ? spk->rate / 60.0 * 1.35 : 3.4 * spk->rate;
    return words / wps + 0.15;
}

static void jitter(const al_synth_speaker *spk, al_rng *rng, double *rate, double *pitch) {
    if (spk->engine == AL_ENGINE_ESPEAK) {
        *rate = round(spk->rate * al_rng_range(rng, 0.94, 1.06));
        *pitch = fmin(99, fmax(0, round(spk->pitch + al_rng_range(rng, -5, 5))));
    } else {
        *rate = round(1000 * spk->rate * al_rng_range(rng, 0.95, 1.05)) / 1000;
        const al_synth_voice *v = al_synth_voice_find(spk->engine, spk->voice);
        *pitch = v && v->f0 > 0 ? round(1000 * spk->pitch * al_rng_range(rng, 0.96, 1.04)) / 1000 : 1.0;
    }
}

static void split_speakers(const al_synth_opts *o, int n[AL_SPLIT_COUNT]) {
    int total = o->speakers > 0 ? o->speakers : strcmp(o->preset, "tiny") ? 312 : 21;
    int eval = (int)lround(total * 0.077);
    if (eval < 3) eval = 3;
    n[AL_SPLIT_DEV] = n[AL_SPLIT_TEST_CLEAN] = n[AL_SPLIT_TEST_OTHER] = eval;
    n[AL_SPLIT_TRAIN] = total - 3 * eval > 3 ? total - 3 * eval : 3;
}

static al_status plan_utts(const al_synth_opts *o, al_synth_plan *plan, const size_t *order, size_t n_sent,
                           const int first_spk[AL_SPLIT_COUNT + 1]) {
    double hours = o->hours > 0 ? o->hours : strcmp(o->preset, "tiny") ? 2.05 : 0.06;
    size_t sent_start = 0;
    int cap = 0;
    for (int s = 0; s < AL_SPLIT_COUNT; s++) {
        int ns = first_spk[s + 1] - first_spk[s];
        size_t sent_len = (size_t)(split_share[s] * (double)n_sent);
        if (s == AL_SPLIT_COUNT - 1) sent_len = n_sent - sent_start;
        if (sent_len == 0 || ns == 0)
            return al_error(AL_ERR_INVALID, "synth: too few sentences or speakers for split %s",
                            al_synth_split_name((al_synth_split)s));
        int64_t max_utts = o->utterances > 0 ? (int64_t)llround(split_share[s] * (double)o->utterances) : INT32_MAX;
        if (max_utts < 1) max_utts = 1;
        double target = o->utterances > 0 ? 1e300 : split_share[s] * hours * 3600.0, est = 0;
        for (int64_t j = 0; j < max_utts && est < target; j++) {
            if (plan->n_utts == cap) {
                cap = cap ? 2 * cap : 1024;
                al_synth_utt *u = realloc(plan->utts, (size_t)cap * sizeof *u);
                if (!u) return al_error(AL_ERR_NOMEM, "synth plan: out of memory");
                plan->utts = u;
            }
            al_synth_utt *u = &plan->utts[plan->n_utts];
            memset(u, 0, sizeof *u);
            u->speaker = first_spk[s] + (int)(j % ns);
            u->index = (int)(j / ns);
            u->sentence = order[sent_start + (size_t)j % sent_len];
            const al_synth_speaker *spk = &plan->speakers[u->speaker];
            al_rng rng;
            al_rng_seed_stream(&rng, o->seed, STREAM_UTT + (uint64_t)plan->n_utts);
            jitter(spk, &rng, &u->rate, &u->pitch);
            snprintf(u->id, sizeof u->id, "%d-%d-%04d", spk->id, spk->chapter, u->index);
            est += estimate_seconds(spk, plan->sentences->items[u->sentence].text);
            plan->n_utts++;
        }
        sent_start += sent_len;
    }
    return AL_OK;
}

al_status al_synth_plan_make(const al_synth_opts *o, const al_synth_inventory *inv, const al_synth_sentences *sentences,
                             al_synth_plan *plan) {
    memset(plan, 0, sizeof *plan);
    plan->sentences = sentences;
    int n_split[AL_SPLIT_COUNT], first_spk[AL_SPLIT_COUNT + 1];
    split_speakers(o, n_split);
    pairs pp;
    size_t *order = NULL;
    al_status st = make_pairs(inv, o->seed, &pp);
    int total = 0;
    for (int s = 0; s < AL_SPLIT_COUNT; s++) total += n_split[s] + AL_ENGINE_COUNT;
    plan->speakers = calloc((size_t)total, sizeof *plan->speakers);
    order = malloc(sentences->n * sizeof *order);
    if (st == AL_OK && (!plan->speakers || !order)) st = al_error(AL_ERR_NOMEM, "synth plan: out of memory");
    for (int s = 0; s < AL_SPLIT_COUNT && st == AL_OK; s++) {
        first_spk[s] = plan->n_speakers;
        int usable[AL_ENGINE_COUNT], counts[AL_ENGINE_COUNT];
        for (int e = 0; e < AL_ENGINE_COUNT; e++) usable[e] = engine_usable(inv, (al_synth_engine)e, (al_synth_split)s, &pp);
        engine_counts(n_split[s], usable, counts);
        int most = 0;
        for (int e = 0; e < AL_ENGINE_COUNT; e++) most = counts[e] > most ? counts[e] : most;
        /* engines interleaved, so that a small --utterances still reaches every engine */
        for (int k = 0; k < most; k++)
            for (int e = 0; e < AL_ENGINE_COUNT; e++) {
                if (k >= counts[e]) continue;
                al_synth_speaker *spk = &plan->speakers[plan->n_speakers];
                spk->split = (al_synth_split)s;
                spk->engine = (al_synth_engine)e;
                spk->id = 1001 + plan->n_speakers;
                spk->chapter = 100001 + plan->n_speakers;
                make_speaker(spk, inv, &pp, k, o->seed, plan->n_speakers);
                plan->n_speakers++;
            }
        if (first_spk[s] == plan->n_speakers)
            st = al_error(AL_ERR_NOT_FOUND, "synth: no engine/voice available for split %s",
                          al_synth_split_name((al_synth_split)s));
    }
    first_spk[AL_SPLIT_COUNT] = plan->n_speakers;
    if (st == AL_OK) {
        for (size_t i = 0; i < sentences->n; i++) order[i] = i;
        al_rng rng;
        al_rng_seed_stream(&rng, o->seed, STREAM_SENTENCES);
        al_rng_shuffle_size(&rng, order, sentences->n);
        st = plan_utts(o, plan, order, sentences->n, first_spk);
    }
    free(order);
    free(pp.seen);
    free(pp.new_accent);
    free(pp.new_variant);
    if (st != AL_OK) al_synth_plan_free(plan);
    return st;
}

void al_synth_plan_free(al_synth_plan *plan) {
    free(plan->speakers);
    free(plan->utts);
    memset(plan, 0, sizeof *plan);
}

void al_synth_utt_dir(const char *root, const al_synth_plan *plan, const al_synth_utt *u, char *buf, size_t size) {
    const al_synth_speaker *spk = &plan->speakers[u->speaker];
    snprintf(buf, size, "%s/%s/%d/%d", root, al_synth_split_name(spk->split), spk->id, spk->chapter);
}

void al_synth_utt_path(const char *root, const al_synth_plan *plan, const al_synth_utt *u, char *buf, size_t size) {
    char dir[1024];
    al_synth_utt_dir(root, plan, u, dir, sizeof dir);
    snprintf(buf, size, "%s/%s.flac", dir, u->id);
}
