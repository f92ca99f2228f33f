/* audiolottery synthetic speech corpus: sentences from Debian text packages spoken by hundreds of
 * synthetic speakers (espeak-ng accents x variants, flite voices, festival voices), written in
 * LibriSpeech layout with an index.json, optional noisy copies.
 *
 * Usage:
 *   al_synth_opts o = al_synth_defaults();        // preset "default", seed 1
 *   o.out_dir = "/tmp/corpus";
 *   al_synth_report r;
 *   if (al_synth_corpus(&o, &r) != AL_OK) fprintf(stderr, "%s\n", al_last_error());
 *   al_synth_print_report(stdout, &o, &r);        // hours, speakers, PASS/FAIL checks
 *
 * Pieces usable on their own (tests use them):
 *   char buf[512]; int words;
 *   al_synth_normalize("It's 42 o'clock!", buf, sizeof buf, &words);   // "IT'S FORTY TWO O'CLOCK"
 *   al_synth_trim(&audio, -40.0, 0.075);                                // cut leading/trailing silence
 *
 * Determinism: one seed gives the same sentences, speakers, parameters and noise choices whatever
 * the thread count (per-utterance streams, al_rng_seed_stream); the audio is identical given the
 * same engine versions.
 * Thread-safety: every function is reentrant; engines run as child processes (posix_spawn, text
 * passed in argv or a temporary file, never through a shell).
 */
#ifndef AUDIOLOTTERY_SYNTH_H
#define AUDIOLOTTERY_SYNTH_H

#include "audiolottery/audio.h"
#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { AL_ENGINE_ESPEAK = 0, AL_ENGINE_FLITE = 1, AL_ENGINE_FESTIVAL = 2, AL_ENGINE_COUNT = 3 } al_synth_engine;
typedef enum {
    AL_SPLIT_TRAIN = 0,
    AL_SPLIT_DEV = 1,
    AL_SPLIT_TEST_CLEAN = 2,
    AL_SPLIT_TEST_OTHER = 3,
    AL_SPLIT_COUNT = 4
} al_synth_split;

const char *al_synth_engine_name(al_synth_engine e); /* "espeak-ng", "flite", "festival" */
const char *al_synth_split_name(al_synth_split s);   /* "train", "dev", "test-clean", "test-other" */

/* ---- text ------------------------------------------------------------------------------- */
/* Normalises one sentence to the alphabet A-Z, apostrophe and single spaces, uppercase:
 * integers (up to 999999) are spelled out, '&' becomes AND, hyphens and dashes separate words,
 * other punctuation is removed. Rejects (AL_ERR_EMPTY, no message set) sentences that would be
 * read differently from their transcript: acronyms / all-caps words of 2+ letters, digits inside
 * words, decimals, non-ASCII letters, symbols like @ # $ % / = < > _ ~. *n_words gets the word count. */
al_status al_synth_normalize(const char *in, char *out, size_t out_size, int *n_words);

typedef struct {
    char *text;         /* normalised (uppercase) */
    const char *source; /* Debian package name, static */
} al_synth_sentence;

typedef struct {
    al_synth_sentence *items;
    size_t n;
} al_synth_sentences;

/* Loads the built-in sources (fortune cookie files of the packages fortunes and fortunes-min),
 * splits them into sentences, normalises, keeps those of min_words..max_words words,
 * deduplicates, in a fixed order. Missing source files are skipped; none found is an error. */
al_status al_synth_sentences_load(int min_words, int max_words, al_synth_sentences *out);
void al_synth_sentences_free(al_synth_sentences *s);

/* ---- speakers --------------------------------------------------------------------------- */
/* A synthetic speaker. rate and pitch are the speaker's base values (jittered per utterance):
 *   espeak-ng: rate in words per minute (-s), pitch 0..99 (-p);
 *   flite, festival: rate = speed factor (1 normal, >1 faster), pitch = f0 factor (1 = the voice's
 *   own; 1 also where the voice has no pitch control: flite rms).
 * warp (flite, festival; 1 for espeak-ng) scales pitch and formants together by resampling (a
 * vocal-tract-length change), the engine's speed is corrected so that rate still holds. */
typedef struct {
    int id;      /* numeric, LibriSpeech-like */
    int chapter; /* one chapter per speaker */
    al_synth_split split;
    al_synth_engine engine;
    char voice[40];   /* espeak-ng accent (en-us ...), flite voice, festival voice */
    char variant[24]; /* espeak-ng variant (m3, Alex ...); "" for other engines */
    double rate, pitch, warp;
} al_synth_speaker;

/* ---- one utterance ---------------------------------------------------------------------- */
/* Speaks lower-cased text with spk's voice at the given rate/pitch (already jittered), in the
 * scratch directory tmp_dir (files named after tag), then warps, resamples to 16 kHz mono and trims
 * silence. out is allocated (al_audio_free). An engine that fails is AL_ERR_EXTERNAL naming the
 * command and its stderr. */
al_status al_synth_say(const al_synth_speaker *spk, double rate, double pitch, const char *text,
                       const char *tmp_dir, const char *tag, al_audio *out);

/* Cuts leading and trailing silence in place: frames (10 ms) quieter than threshold_db below the
 * loudest frame are silence; margin_s seconds of the silence are kept on each side.
 * AL_ERR_EMPTY if the signal has no sound at all. */
al_status al_synth_trim(al_audio *a, double threshold_db, double margin_s);

/* ---- corpus ----------------------------------------------------------------------------- */
typedef struct {
    const char *out_dir;  /* required */
    const char *preset;   /* "default" (~2 h, 300+ speakers) or "tiny" (a few minutes) */
    double hours;         /* > 0 overrides the preset's total hours */
    int64_t utterances;   /* > 0: this many utterances in all instead of an hours target */
    int speakers;         /* > 0 overrides the preset's total number of speakers */
    uint64_t seed;        /* default 1 */
    int threads;          /* <= 0: al_threads() */
    int noise;            /* also write noisy copies under out_dir/noisy */
    double snr[16];       /* SNRs (dB) drawn per noisy utterance; default 0,5,10,20 */
    int n_snr;
    int allow_missing;    /* exclude missing engines/voices with a warning instead of failing */
} al_synth_opts;

al_synth_opts al_synth_defaults(void);

typedef struct {
    double seconds[AL_SPLIT_COUNT];
    int utterances[AL_SPLIT_COUNT];
    int speakers[AL_SPLIT_COUNT];
    int speakers_engine[AL_SPLIT_COUNT][AL_ENGINE_COUNT];
    double engine_seconds[AL_ENGINE_COUNT];     /* audio made per engine */
    double engine_cpu[AL_ENGINE_COUNT];         /* worker seconds per engine this run (engine .. FLAC write) */
    int skipped;                                /* utterances already done (resumed) */
    int failed;                                 /* utterances an engine failed on (left out) */
    int noisy;                                  /* noisy copies written */
    double wall;                                /* seconds */
    int speaker_disjoint, sentence_disjoint, heldout_ok; /* checks made on the written index */
    char heldout[256];                          /* voices held out for test-other, readable */
} al_synth_report;

/* AL_OK when opts can make a corpus (output dir, preset, sizes, SNRs), else AL_ERR_INVALID saying
 * which option is wrong. al_synth_corpus checks it first. */
al_status al_synth_check_opts(const al_synth_opts *opts);

/* Makes the corpus in opts->out_dir: DIR/<split>/SPK/CHAP/SPK-CHAP-UTT.flac, SPK-CHAP.trans.txt,
 * DIR/index.json, DIR/SPEAKERS.txt (and DIR/noisy/<split>/... with --noise). Utterances whose
 * file exists and whose index.json entry matches the plan are kept (resume). */
al_status al_synth_corpus(const al_synth_opts *opts, al_synth_report *report);

/* Prints hours/utterances/speakers per split and engine, held-out voices, wall time, and
 * PASS/FAIL lines for: total >= 1.5 h, speakers >= 200, all engines present, speaker- and
 * sentence-disjoint splits, test-other voices absent from train. Returns the number of FAILs; the
 * two size checks count only for the full default preset (no --hours/--utterances/--speakers). */
int al_synth_print_report(FILE *out, const al_synth_opts *opts, const al_synth_report *r);

#ifdef __cplusplus
}
#endif
#endif
