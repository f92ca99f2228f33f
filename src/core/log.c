/* Logging through a replaceable callback (default: stderr). */
#include "audiolottery/core.h"

#include <stdarg.h>
#include <stdio.h>

static void log_to_stderr(al_log_level level, const char *msg, void *user) {
    (void)user;
    static const char *names[] = {"debug", "info", "warning", "error"};
    if (level == AL_LOG_INFO)
        fprintf(stderr, "%s\n", msg);
    else
        fprintf(stderr, "%s: %s\n", names[level], msg);
}

static al_log_fn log_fn = log_to_stderr;
static void *log_user = NULL;
static al_log_level log_min = AL_LOG_INFO;

void al_log_set_callback(al_log_fn fn, void *user) {
    log_fn = fn ? fn : log_to_stderr;
    log_user = user;
}

void al_log_set_level(al_log_level min_level) { log_min = min_level; }

void al_log(al_log_level level, const char *fmt, ...) {
    if (level < log_min) return;
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_fn(level, msg, log_user);
}
