/* index.json (every utterance and speaker), SPEAKERS.txt, LibriSpeech trans files; resume from a
 * previous index. All writes atomic. */
#include "audiolottery/io.h"
#include "synth_internal.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int file_exists(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

static const char *str_item(const cJSON *o, const char *key) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) ? it->valuestring : "";
}

static double num_item(const cJSON *o, const char *key) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) ? it->valuedouble : NAN;
}

static int cmp_entry_id(const void *a, const void *b) {
    return strcmp(str_item(*(const cJSON *const *)a, "id"), str_item(*(const cJSON *const *)b, "id"));
}

static int cmp_key_id(const void *key, const void *entry) {
    return strcmp((const char *)key, str_item(*(const cJSON *const *)entry, "id"));
}

/* The index entry matches what the plan would make now. */
static int entry_matches(const cJSON *e, const al_synth_plan *plan, const al_synth_utt *u) {
    const al_synth_speaker *spk = &plan->speakers[u->speaker];
    return !strcmp(str_item(e, "text"), plan->sentences->items[u->sentence].text) &&
           !strcmp(str_item(e, "engine"), al_synth_engine_name(spk->engine)) && !strcmp(str_item(e, "voice"), spk->voice) &&
           !strcmp(str_item(e, "variant"), spk->variant) && num_item(e, "rate") == u->rate &&
           num_item(e, "pitch") == u->pitch && num_item(e, "warp") == spk->warp && num_item(e, "duration") > 0;
}

/* FNV-1a over every planned utterance's path (split, speaker, chapter, id), text and voice: two
 * plans with the same fingerprint write the same files. */
static void plan_fingerprint(const al_synth_plan *plan, char out[17]) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < plan->n_utts; i++) {
        const al_synth_utt *u = &plan->utts[i];
        const al_synth_speaker *spk = &plan->speakers[u->speaker];
        char rel[1200];
        al_synth_utt_path("", plan, u, rel, sizeof rel);
        const char *parts[] = {rel, plan->sentences->items[u->sentence].text, al_synth_engine_name(spk->engine),
                               spk->voice, spk->variant};
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
            for (const char *c = parts[k];; c++) {
                h = (h ^ (unsigned char)*c) * 1099511628211ull;
                if (!*c) break;
            }
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

al_status al_synth_index_resume(const char *out_dir, al_synth_plan *plan, int *done_out) {
    *done_out = 0;
    char path[1024], *text;
    snprintf(path, sizeof path, "%s/index.json", out_dir);
    if (al_read_file(path, &text, NULL) != AL_OK) return AL_OK;
    cJSON *root = cJSON_Parse(text);
    free(text);
    /* Another plan (other options, seed or installed voices) would leave its speakers' files beside
     * this one's, and the corpus reader would mix them, across splits too. Indexes written before
     * the fingerprint existed are resumed as before. */
    char fp[17];
    plan_fingerprint(plan, fp);
    const cJSON *old_fp = cJSON_GetObjectItemCaseSensitive(root, "plan");
    if (cJSON_IsString(old_fp) && strcmp(old_fp->valuestring, fp)) {
        cJSON_Delete(root);
        return al_error(AL_ERR_INVALID,
                        "%s holds a corpus of another plan (other options, seed or installed voices); its files would "
                        "mix with this one's: use a new --out, or the options that made it",
                        out_dir);
    }
    const cJSON *utts = cJSON_GetObjectItemCaseSensitive(root, "utterances");
    int n = cJSON_GetArraySize(utts), done = 0;
    const cJSON **entries = n > 0 ? malloc((size_t)n * sizeof *entries) : NULL;
    if (entries) {
        int k = 0;
        for (const cJSON *e = utts->child; e; e = e->next) entries[k++] = e;
        qsort(entries, (size_t)n, sizeof *entries, cmp_entry_id);
        for (int i = 0; i < plan->n_utts; i++) {
            al_synth_utt *u = &plan->utts[i];
            const cJSON **hit = bsearch(u->id, entries, (size_t)n, sizeof *entries, cmp_key_id);
            char flac[1200];
            al_synth_utt_path(out_dir, plan, u, flac, sizeof flac);
            if (hit && entry_matches(*hit, plan, u) && file_exists(flac)) {
                u->done = 1;
                u->duration = num_item(*hit, "duration");
                done++;
            }
        }
    }
    free(entries);
    cJSON_Delete(root);
    *done_out = done;
    return AL_OK;
}

static int cmp_speaker_utt(const void *a, const void *b, void *ctx) {
    const al_synth_utt *x = (const al_synth_utt *)ctx + *(const int *)a, *y = (const al_synth_utt *)ctx + *(const int *)b;
    if (x->speaker != y->speaker) return x->speaker < y->speaker ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* One trans file per speaker/chapter under root, with the done utterances in order. */
static al_status write_trans(const char *root, const al_synth_plan *plan, const int *order, int n) {
    al_status st = AL_OK;
    for (int i = 0; i < n && st == AL_OK;) {
        const al_synth_utt *u0 = &plan->utts[order[i]];
        const al_synth_speaker *spk = &plan->speakers[u0->speaker];
        char dir[1024], path[1100];
        al_synth_utt_dir(root, plan, u0, dir, sizeof dir);
        snprintf(path, sizeof path, "%s/%d-%d.trans.txt", dir, spk->id, spk->chapter);
        al_atomic_file af;
        st = al_atomic_open(&af, path);
        int j = i;
        for (; j < n && plan->utts[order[j]].speaker == u0->speaker; j++)
            if (st == AL_OK)
                fprintf(af.fp, "%s %s\n", plan->utts[order[j]].id, plan->sentences->items[plan->utts[order[j]].sentence].text);
        if (st == AL_OK) st = al_atomic_commit(&af);
        i = j;
    }
    return st;
}

static cJSON *speaker_json(const al_synth_speaker *spk, int utts, double seconds) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", spk->id);
    cJSON_AddNumberToObject(o, "chapter", spk->chapter);
    cJSON_AddStringToObject(o, "split", al_synth_split_name(spk->split));
    cJSON_AddStringToObject(o, "engine", al_synth_engine_name(spk->engine));
    cJSON_AddStringToObject(o, "voice", spk->voice);
    cJSON_AddStringToObject(o, "variant", spk->variant);
    cJSON_AddNumberToObject(o, "rate", spk->rate);
    cJSON_AddNumberToObject(o, "pitch", spk->pitch);
    cJSON_AddNumberToObject(o, "warp", spk->warp);
    cJSON_AddNumberToObject(o, "utterances", utts);
    cJSON_AddNumberToObject(o, "seconds", round(seconds * 1000) / 1000);
    return o;
}

static cJSON *utt_json(const al_synth_plan *plan, const al_synth_utt *u, const al_synth_noise_choice *nc) {
    const al_synth_speaker *spk = &plan->speakers[u->speaker];
    const al_synth_sentence *s = &plan->sentences->items[u->sentence];
    cJSON *o = cJSON_CreateObject();
    char rel[256];
    snprintf(rel, sizeof rel, "%s/%d/%d/%s.flac", al_synth_split_name(spk->split), spk->id, spk->chapter, u->id);
    cJSON_AddStringToObject(o, "id", u->id);
    cJSON_AddStringToObject(o, "split", al_synth_split_name(spk->split));
    cJSON_AddNumberToObject(o, "speaker", spk->id);
    cJSON_AddNumberToObject(o, "chapter", spk->chapter);
    cJSON_AddStringToObject(o, "engine", al_synth_engine_name(spk->engine));
    cJSON_AddStringToObject(o, "voice", spk->voice);
    cJSON_AddStringToObject(o, "variant", spk->variant);
    cJSON_AddNumberToObject(o, "rate", u->rate);
    cJSON_AddNumberToObject(o, "pitch", u->pitch);
    cJSON_AddNumberToObject(o, "warp", spk->warp);
    cJSON_AddStringToObject(o, "text", s->text);
    cJSON_AddStringToObject(o, "source", s->source);
    cJSON_AddNumberToObject(o, "duration", u->duration);
    cJSON_AddStringToObject(o, "path", rel);
    if (nc && nc->kind) {
        cJSON *n = cJSON_AddObjectToObject(o, "noisy");
        char nrel[300];
        snprintf(nrel, sizeof nrel, "noisy/%s", rel);
        cJSON_AddStringToObject(n, "path", nrel);
        cJSON_AddStringToObject(n, "noise", nc->kind);
        cJSON_AddStringToObject(n, "noise_source", nc->name);
        cJSON_AddNumberToObject(n, "snr", nc->snr);
    }
    return o;
}

static al_status write_index(const char *out_dir, const al_synth_opts *opts, const al_synth_inventory *inv,
                             const al_synth_plan *plan, const al_synth_noise_choice *noisy, const char *noise_sets,
                             const int *order, int n) {
    cJSON *root = cJSON_CreateObject();
    char held[512];
    al_synth_heldout_describe(inv, held, sizeof held);
    cJSON_AddStringToObject(root, "format", "audiolottery-synth");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddNumberToObject(root, "seed", (double)opts->seed);
    cJSON_AddStringToObject(root, "preset", opts->preset);
    char fp[17];
    plan_fingerprint(plan, fp);
    cJSON_AddStringToObject(root, "plan", fp);
    cJSON_AddNumberToObject(root, "sample_rate", AL_SAMPLE_RATE);
    cJSON_AddStringToObject(root, "test_other_heldout", held);
    cJSON_AddItemToObject(root, "noise", noise_sets ? cJSON_Parse(noise_sets) : cJSON_CreateNull());
    cJSON *spks = cJSON_AddArrayToObject(root, "speakers");
    for (int i = 0; i < n;) {
        int sp = plan->utts[order[i]].speaker, j = i;
        double secs = 0;
        for (; j < n && plan->utts[order[j]].speaker == sp; j++) secs += plan->utts[order[j]].duration;
        cJSON_AddItemToArray(spks, speaker_json(&plan->speakers[sp], j - i, secs));
        i = j;
    }
    cJSON *utts = cJSON_AddArrayToObject(root, "utterances");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(utts, utt_json(plan, &plan->utts[order[i]], noisy ? &noisy[order[i]] : NULL));
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    if (!json) return al_error(AL_ERR_NOMEM, "%s/index.json: out of memory", out_dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/index.json", out_dir);
    al_status st = al_write_file_atomic(path, json, strlen(json));
    free(json);
    return st;
}

static al_status write_speakers_txt(const char *out_dir, const al_synth_plan *plan, const int *order, int n) {
    char path[1024];
    snprintf(path, sizeof path, "%s/SPEAKERS.txt", out_dir);
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    fprintf(af.fp, "; audiolottery synthetic speakers (rate: espeak-ng words/min, else speed factor;\n"
                   "; pitch: espeak-ng 0-99, else f0 factor; warp: formant/pitch factor by resampling)\n"
                   ";ID   |SUBSET     |MINUTES|ENGINE    |VOICE                 |VARIANT |RATE  |PITCH|WARP\n");
    for (int i = 0; i < n;) {
        int sp = plan->utts[order[i]].speaker, j = i;
        double secs = 0;
        for (; j < n && plan->utts[order[j]].speaker == sp; j++) secs += plan->utts[order[j]].duration;
        const al_synth_speaker *s = &plan->speakers[sp];
        fprintf(af.fp, "%-6d|%-11s|%7.2f|%-10s|%-22s|%-8s|%6.2f|%5.2f|%4.2f\n", s->id, al_synth_split_name(s->split),
                secs / 60, al_synth_engine_name(s->engine), s->voice, s->variant[0] ? s->variant : "-", s->rate,
                s->pitch, s->warp);
        i = j;
    }
    return al_atomic_commit(&af);
}

/* The done utterances ordered by speaker, then utterance number (malloc'd). */
static int *done_order(const al_synth_plan *plan, int *n_done) {
    int *order = malloc((size_t)(plan->n_utts ? plan->n_utts : 1) * sizeof *order), n = 0;
    if (!order) return NULL;
    for (int i = 0; i < plan->n_utts; i++)
        if (plan->utts[i].done) order[n++] = i;
    qsort_r(order, (size_t)n, sizeof *order, cmp_speaker_utt, plan->utts);
    *n_done = n;
    return order;
}

al_status al_synth_write_index(const char *out_dir, const al_synth_opts *opts, const al_synth_inventory *inv,
                               const al_synth_plan *plan) {
    int n;
    int *order = done_order(plan, &n);
    if (!order) return al_error(AL_ERR_NOMEM, "%s: out of memory", out_dir);
    al_status st = write_index(out_dir, opts, inv, plan, NULL, NULL, order, n);
    free(order);
    return st;
}

al_status al_synth_write_outputs(const char *out_dir, const al_synth_opts *opts, const al_synth_inventory *inv,
                                 const al_synth_plan *plan, const al_synth_noise_choice *noisy, const char *noise_sets) {
    int n;
    int *order = done_order(plan, &n);
    if (!order) return al_error(AL_ERR_NOMEM, "%s: out of memory", out_dir);
    al_status st = write_trans(out_dir, plan, order, n);
    if (st == AL_OK && noisy) {
        char root[1100];
        snprintf(root, sizeof root, "%s/noisy", out_dir);
        st = write_trans(root, plan, order, n);
    }
    if (st == AL_OK) st = write_speakers_txt(out_dir, plan, order, n);
    if (st == AL_OK) st = write_index(out_dir, opts, inv, plan, noisy, noise_sets, order, n);
    free(order);
    return st;
}
