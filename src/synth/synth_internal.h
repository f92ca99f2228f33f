/* Internal pieces of the synthetic corpus maker, shared between the files of src/synth. */
#ifndef AL_SYNTH_INTERNAL_H
#define AL_SYNTH_INTERNAL_H

#include "audiolottery/synth.h"

/* ---- spawn.c: child processes ---------------------------------------------------------- */
/* Runs argv[0] (PATH search) with stdin from /dev/null, stdout to stdout_path (NULL: /dev/null)
 * and stderr to err_path; waits. Non-zero exit is AL_ERR_EXTERNAL quoting the command and the
 * last line of its stderr. */
al_status al_synth_spawn(char *const argv[], const char *stdout_path, const char *err_path);
int al_synth_have_program(const char *name); /* executable found in PATH */

/* ---- voices.c: inventory, held-out sets, availability ----------------------------------- */
typedef struct {
    al_synth_engine engine;
    const char *name;
    int heldout;      /* 1: only in test-other */
    double f0;        /* flite/festival: the voice's mean f0 in Hz (0: no pitch control) */
} al_synth_voice;

typedef struct {
    const al_synth_voice *voices[32]; /* available voices, inventory order */
    int n_voices;
    const char *variants[128];        /* espeak-ng variants available */
    int variant_heldout[128];
    int n_variants;
    int engine_ok[AL_ENGINE_COUNT];
} al_synth_inventory;

/* Checks the engines and voices (espeak-ng --voices, flite -lv, festival voice dirs). A missing
 * one is AL_ERR_NOT_FOUND naming it and the Debian package, unless allow_missing (then a warning
 * and it is left out). scratch: a directory for the listings. */
al_status al_synth_inventory_load(al_synth_inventory *inv, int allow_missing, const char *scratch);
const al_synth_voice *al_synth_voice_find(al_synth_engine e, const char *name);
/* "voices held out for test-other" as text. */
void al_synth_heldout_describe(const al_synth_inventory *inv, char *buf, size_t size);

/* ---- plan.c: speakers, utterances, sentences for a seed --------------------------------- */
typedef struct {
    int speaker;        /* index into plan speakers */
    int index;          /* utterance number within the speaker (chapter) */
    size_t sentence;    /* index into the sentence list */
    double rate, pitch; /* jittered */
    char id[40];        /* SPK-CHAP-UTT */
    double duration;    /* filled after synthesis */
    int done;           /* audio exists */
} al_synth_utt;

typedef struct {
    al_synth_speaker *speakers;
    int n_speakers;
    al_synth_utt *utts;
    int n_utts;
    const al_synth_sentences *sentences;
} al_synth_plan;

al_status al_synth_plan_make(const al_synth_opts *opts, const al_synth_inventory *inv,
                             const al_synth_sentences *sentences, al_synth_plan *plan);
void al_synth_plan_free(al_synth_plan *plan);
/* out_dir/<split>/SPK/CHAP (no trailing slash) and the utterance's .flac path. */
void al_synth_utt_dir(const char *root, const al_synth_plan *plan, const al_synth_utt *u, char *buf, size_t size);
void al_synth_utt_path(const char *root, const al_synth_plan *plan, const al_synth_utt *u, char *buf, size_t size);

/* ---- index.c: index.json, trans files, SPEAKERS.txt ------------------------------------- */
/* Marks utterances done (with their duration) whose entry in an existing out_dir/index.json
 * matches the plan and whose file exists; *done counts them. No index is not an error; an index
 * of another plan (its "plan" fingerprint differs) is AL_ERR_INVALID. */
al_status al_synth_index_resume(const char *out_dir, al_synth_plan *plan, int *done);

typedef struct {
    const char *kind; /* "ambience", "music", "babble" */
    char name[96];    /* file name, or the babble's utterance ids */
    double snr;
} al_synth_noise_choice;

/* Writes only index.json with the utterances done so far (a checkpoint for resuming). */
al_status al_synth_write_index(const char *out_dir, const al_synth_opts *opts, const al_synth_inventory *inv,
                               const al_synth_plan *plan);
/* Writes index.json, SPEAKERS.txt and the trans files (under root and, if noisy, under
 * root/noisy). noisy may be NULL. All atomically. */
al_status al_synth_write_outputs(const char *out_dir, const al_synth_opts *opts, const al_synth_inventory *inv,
                                 const al_synth_plan *plan, const al_synth_noise_choice *noisy,
                                 const char *noise_sets_json);

/* ---- noisy.c ---------------------------------------------------------------------------- */
/* Writes out_dir/noisy/<split>/... for every done utterance; choices[i] records what was used.
 * *noise_sets_json gets a JSON object naming the files of each noise group (malloc'd). */
al_status al_synth_make_noisy(const al_synth_opts *opts, const al_synth_plan *plan, al_synth_noise_choice *choices,
                              char **noise_sets_json, int *written);

/* ---- check.c: verifies the written index ------------------------------------------------ */
al_status al_synth_check_index(const char *out_dir, al_synth_report *r);

#endif
