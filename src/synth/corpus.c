/* The synth command's driver: plan, synthesise in parallel (OpenMP, one engine process per
 * utterance and worker), write outputs, noisy copies, checks. */
#include "audiolottery/io.h"
#include "synth_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* More failed utterances than this share fail the run (single odd sentences are skipped). */
#define MAX_FAILED_SHARE 0.01
/* index.json is rewritten after every this many utterances, so that a killed run resumes. */
#define CHECKPOINT_UTTS 256

al_synth_opts al_synth_defaults(void) {
    al_synth_opts o;
    memset(&o, 0, sizeof o);
    o.preset = "default";
    o.seed = 1;
    static const double snr[] = {0, 5, 10, 20};
    o.n_snr = 4;
    memcpy(o.snr, snr, sizeof snr);
    return o;
}

al_status al_synth_check_opts(const al_synth_opts *o) {
    if (!o->out_dir || !*o->out_dir) return al_error(AL_ERR_INVALID, "synth: no output directory (--out DIR)");
    if (!o->preset || (strcmp(o->preset, "default") && strcmp(o->preset, "tiny")))
        return al_error(AL_ERR_INVALID, "synth: unknown preset '%s' (default, tiny)", o->preset ? o->preset : "");
    if (o->hours < 0 || o->utterances < 0 || o->speakers < 0)
        return al_error(AL_ERR_INVALID, "synth: --hours, --utterances and --speakers must be positive");
    if (o->hours > 0 && o->utterances > 0) return al_error(AL_ERR_INVALID, "synth: give --hours or --utterances, not both");
    if (o->speakers > 0 && o->speakers < 6)
        return al_error(AL_ERR_INVALID, "synth: --speakers %d is too few (at least 6: 3 for train, 1 per evaluation split)",
                        o->speakers);
    if (o->noise && (o->n_snr < 1 || o->n_snr > 16)) return al_error(AL_ERR_INVALID, "synth: --snr needs 1 to 16 values");
    return AL_OK;
}

/* Speaker directories for every planned utterance. */
static al_status make_dirs(const char *root, const al_synth_plan *plan) {
    for (int i = 0; i < plan->n_utts; i++) {
        if (plan->utts[i].index != 0) continue; /* one directory per speaker */
        char dir[1100];
        al_synth_utt_dir(root, plan, &plan->utts[i], dir, sizeof dir);
        al_status st = al_mkdir_p(dir);
        if (st != AL_OK) return st;
    }
    return AL_OK;
}

/* Slow engines first so that the last minutes are not one festival utterance on one core. */
static int *todo_list(const al_synth_plan *plan, int *n_todo) {
    int *todo = malloc((size_t)(plan->n_utts ? plan->n_utts : 1) * sizeof *todo), n = 0;
    if (!todo) return NULL;
    static const al_synth_engine order[] = {AL_ENGINE_FESTIVAL, AL_ENGINE_FLITE, AL_ENGINE_ESPEAK};
    for (int k = 0; k < AL_ENGINE_COUNT; k++)
        for (int i = 0; i < plan->n_utts; i++)
            if (!plan->utts[i].done && plan->speakers[plan->utts[i].speaker].engine == order[k]) todo[n++] = i;
    *n_todo = n;
    return todo;
}

/* One utterance: engine, FLAC. Records the time spent per engine. */
static al_status make_one(const al_synth_opts *o, al_synth_plan *plan, al_synth_utt *u, const char *tmp,
                          al_synth_report *r) {
    const al_synth_speaker *spk = &plan->speakers[u->speaker];
    char path[1200];
    al_synth_utt_path(o->out_dir, plan, u, path, sizeof path);
    double t0 = al_time_now();
    al_audio a;
    al_status st = al_synth_say(spk, u->rate, u->pitch, plan->sentences->items[u->sentence].text, tmp, u->id, &a);
    if (st != AL_OK) return st;
    st = al_audio_write(path, &a, AL_AUDIO_FLAC16);
    u->duration = (double)a.n / AL_SAMPLE_RATE;
    al_audio_free(&a);
    if (st != AL_OK) return st;
    u->done = 1;
    double dt = al_time_now() - t0;
#pragma omp atomic
    r->engine_cpu[spk->engine] += dt;
    return AL_OK;
}

static al_status synthesize(const al_synth_opts *o, const al_synth_inventory *inv, al_synth_plan *plan,
                            const char *tmp, al_synth_report *r) {
    int n_todo;
    int *todo = todo_list(plan, &n_todo);
    if (!todo) return al_error(AL_ERR_NOMEM, "synth: out of memory");
    al_progress *prog = al_progress_start("synth", (uint64_t)n_todo, "utts");
    int failed = 0;
    char first_error[1024] = "";
    al_status st = AL_OK;
    for (int c0 = 0; c0 < n_todo && st == AL_OK; c0 += CHECKPOINT_UTTS) {
        int c1 = c0 + CHECKPOINT_UTTS < n_todo ? c0 + CHECKPOINT_UTTS : n_todo;
#pragma omp parallel for schedule(dynamic, 1) num_threads(al_threads())
        for (int k = c0; k < c1; k++) {
            al_synth_utt *u = &plan->utts[todo[k]];
            if (make_one(o, plan, u, tmp, r) != AL_OK) {
#pragma omp critical(al_synth_fail)
                {
                    if (!failed) snprintf(first_error, sizeof first_error, "%s", al_last_error());
                    failed++;
                    al_log(AL_LOG_WARN, "synth: %s skipped: %s", u->id, al_last_error());
                }
            }
            al_progress_add(prog, 1);
        }
        if (c1 < n_todo) st = al_synth_write_index(o->out_dir, o, inv, plan); /* a killed run resumes from here */
    }
    al_progress_finish(prog);
    free(todo);
    r->failed = failed;
    if (st == AL_OK && failed && (failed > MAX_FAILED_SHARE * plan->n_utts || failed == n_todo))
        st = al_error(AL_ERR_EXTERNAL, "synth: %d of %d utterances failed; first: %s", failed, n_todo, first_error);
    return st;
}

static void fill_report(const al_synth_plan *plan, al_synth_report *r) {
    char *seen = calloc((size_t)plan->n_speakers + 1, 1);
    for (int i = 0; i < plan->n_utts; i++) {
        const al_synth_utt *u = &plan->utts[i];
        if (!u->done) continue;
        const al_synth_speaker *spk = &plan->speakers[u->speaker];
        r->seconds[spk->split] += u->duration;
        r->utterances[spk->split]++;
        r->engine_seconds[spk->engine] += u->duration;
        if (seen && !seen[u->speaker]) {
            seen[u->speaker] = 1;
            r->speakers[spk->split]++;
            r->speakers_engine[spk->split][spk->engine]++;
        }
    }
    free(seen);
}

al_status al_synth_corpus(const al_synth_opts *o, al_synth_report *r) {
    memset(r, 0, sizeof *r);
    double t0 = al_time_now();
    al_status st = al_synth_check_opts(o);
    if (st != AL_OK) return st;
    al_set_threads(o->threads);
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s/.synth-tmp", o->out_dir);
    st = al_mkdir_p(tmp);
    if (st != AL_OK) return st;
    al_synth_inventory inv;
    al_synth_sentences sentences = {0};
    al_synth_plan plan = {0};
    st = al_synth_inventory_load(&inv, o->allow_missing, tmp);
    if (st == AL_OK) st = al_synth_sentences_load(4, 20, &sentences);
    if (st == AL_OK) st = al_synth_plan_make(o, &inv, &sentences, &plan);
    if (st == AL_OK) {
        al_synth_heldout_describe(&inv, r->heldout, sizeof r->heldout);
        st = al_synth_index_resume(o->out_dir, &plan, &r->skipped);
        if (st == AL_OK && r->skipped) al_log(AL_LOG_INFO, "synth: %d utterances already made, kept", r->skipped);
        if (st == AL_OK)
            al_log(AL_LOG_INFO, "synth: %d speakers, %d utterances planned from %zu sentences, %d threads",
                   plan.n_speakers, plan.n_utts, sentences.n, al_threads());
        if (st == AL_OK) st = make_dirs(o->out_dir, &plan);
    }
    if (st == AL_OK) st = synthesize(o, &inv, &plan, tmp, r);
    if (st == AL_OK) st = al_synth_write_outputs(o->out_dir, o, &inv, &plan, NULL, NULL);
    if (st == AL_OK && o->noise) {
        al_synth_noise_choice *choices = calloc((size_t)plan.n_utts + 1, sizeof *choices);
        char *sets = NULL;
        st = choices ? AL_OK : al_error(AL_ERR_NOMEM, "synth: out of memory");
        char noisy_root[1100];
        snprintf(noisy_root, sizeof noisy_root, "%s/noisy", o->out_dir);
        if (st == AL_OK) st = make_dirs(noisy_root, &plan);
        if (st == AL_OK) st = al_synth_make_noisy(o, &plan, choices, &sets, &r->noisy);
        if (st == AL_OK) st = al_synth_write_outputs(o->out_dir, o, &inv, &plan, choices, sets);
        free(sets);
        free(choices);
    }
    if (st == AL_OK) {
        fill_report(&plan, r);
        st = al_synth_check_index(o->out_dir, r);
    }
    rmdir(tmp);
    al_synth_plan_free(&plan);
    al_synth_sentences_free(&sentences);
    r->wall = al_time_now() - t0;
    return st;
}
