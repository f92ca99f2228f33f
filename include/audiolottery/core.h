/* audiolottery core: status codes, last-error message, logging, aligned allocation, RNG,
 * progress reporting.
 *
 * Usage:
 *   al_status st = al_audio_read("a.flac", &audio);
 *   if (st != AL_OK) fprintf(stderr, "error: %s\n", al_last_error());
 *
 * Errors are values: every library call that can fail returns an al_status (AL_OK == 0,
 * errors negative) and records a human-readable message naming the file and the problem.
 * The message is thread-local: it belongs to the calling thread and stays valid until that
 * thread's next failing call.
 */
#ifndef AUDIOLOTTERY_CORE_H
#define AUDIOLOTTERY_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    AL_OK = 0,
    AL_ERR_INVALID = -1,     /* bad argument or bad value in a config */
    AL_ERR_IO = -2,          /* open/read/write/rename failed */
    AL_ERR_FORMAT = -3,      /* a file's content is malformed */
    AL_ERR_NOMEM = -4,       /* allocation failed */
    AL_ERR_UNSUPPORTED = -5, /* valid but not supported (e.g. a piped wav.scp entry) */
    AL_ERR_NOT_FOUND = -6,   /* a file or key is missing */
    AL_ERR_EXTERNAL = -7,    /* a child process (TTS engine) failed */
    AL_ERR_EMPTY = -8,       /* input has no usable content (empty transcript, silent audio) */
} al_status;

/* Short name of a status ("invalid argument", ...). Static string. */
const char *al_status_str(al_status st);

/* The calling thread's last error message ("" if none). Owned by the library; valid until
 * the same thread's next failing call. */
const char *al_last_error(void);

/* Records a printf-style message for the calling thread and returns st, so that callers can
 * write `return al_error(AL_ERR_IO, "%s: cannot open: %s", path, strerror(errno));`. */
al_status al_error(al_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the calling thread's last error with more context ("while reading X: ") and
 * returns st unchanged. */
al_status al_error_prefix(al_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- logging ---------------------------------------------------------------------------- */
typedef enum { AL_LOG_DEBUG = 0, AL_LOG_INFO = 1, AL_LOG_WARN = 2, AL_LOG_ERROR = 3 } al_log_level;
typedef void (*al_log_fn)(al_log_level level, const char *msg, void *user);

/* Default: messages at or above AL_LOG_INFO go to stderr. Not thread-safe to change while
 * other threads log. */
void al_log_set_callback(al_log_fn fn, void *user);
void al_log_set_level(al_log_level min_level);
void al_log(al_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- memory ----------------------------------------------------------------------------- */
/* 64-byte aligned allocation (cache line / AVX-512). Returns NULL on failure. Free with
 * al_free. al_calloc zeroes. */
void *al_malloc(size_t bytes);
void *al_calloc(size_t count, size_t size);
void al_free(void *p);

/* ---- random numbers --------------------------------------------------------------------- */
/* xoshiro256** seeded through splitmix64: one seed gives one stream on every platform. */
typedef struct { uint64_t s[4]; } al_rng;

void al_rng_seed(al_rng *rng, uint64_t seed);
/* An independent stream derived from (seed, stream id), e.g. one per utterance or per worker,
 * so parallel work stays deterministic whatever the scheduling. */
void al_rng_seed_stream(al_rng *rng, uint64_t seed, uint64_t stream);
uint64_t al_rng_u64(al_rng *rng);
double al_rng_uniform(al_rng *rng);                      /* [0, 1) */
double al_rng_range(al_rng *rng, double lo, double hi);  /* [lo, hi) */
uint64_t al_rng_below(al_rng *rng, uint64_t n);          /* [0, n), unbiased; n > 0 */
double al_rng_normal(al_rng *rng);                       /* N(0, 1) */
void al_rng_shuffle_size(al_rng *rng, size_t *a, size_t n);  /* Fisher-Yates */

/* ---- progress ---------------------------------------------------------------------------- */
/* A one-line progress bar with rate and ETA on stderr, redrawn at most every 0.5 s (or printed
 * as plain lines every 10% when stderr is not a terminal). Thread-safe updates. */
typedef struct al_progress al_progress;
al_progress *al_progress_start(const char *label, uint64_t total, const char *unit);
void al_progress_add(al_progress *p, uint64_t done); /* done: increment */
/* A short note shown after the counts (e.g. "loss 41.2"); copied. */
void al_progress_note(al_progress *p, const char *note);
void al_progress_finish(al_progress *p);             /* prints the final line, frees p */

/* ---- bounded text ------------------------------------------------------------------------ */
/* Builds text in a fixed buffer: appends never write past it (the text stays NUL-terminated) and
 * `overflow` records that something was cut, for the caller to report. */
typedef struct {
    char *buf;
    size_t cap, len;
    int overflow;
} al_text;

void al_text_init(al_text *t, char *buf, size_t cap); /* cap >= 1 */
void al_text_printf(al_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a quoted JSON string: quotes, backslashes and control characters escaped. */
void al_text_json_string(al_text *t, const char *s);

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF), reading at most n bytes; 0 when there is none. */
size_t al_utf8_sequence(const char *p, size_t n);
/* 1 when the n bytes at s are valid UTF-8. */
int al_utf8_valid(const char *s, size_t n);

/* Monotonic wall clock in seconds. */
double al_time_now(void);

/* Number of threads the library uses (OpenMP's max, or 1 without OpenMP) and a setter
 * (n <= 0 keeps the default). */
int al_threads(void);
void al_set_threads(int n);
/* The calling thread's number inside an OpenMP parallel region (0 outside one or without OpenMP). */
int al_thread_num(void);

#ifdef __cplusplus
}
#endif
#endif
