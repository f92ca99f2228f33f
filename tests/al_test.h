/* Minimal test harness: CHECK macros count failures; AL_TEST_MAIN runs the listed tests and
 * exits non-zero if any check failed. Prints "N passed, N failed" as its last line. */
#ifndef AL_TEST_H
#define AL_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int al_test_failures_ = 0;
static int al_test_checks_ = 0;

#define CHECK(cond)                                                                                    \
    do {                                                                                               \
        al_test_checks_++;                                                                             \
        if (!(cond)) {                                                                                 \
            al_test_failures_++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                   \
        }                                                                                              \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                           \
    do {                                                                                               \
        al_test_checks_++;                                                                             \
        if (!(cond)) {                                                                                 \
            al_test_failures_++;                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);                   \
            fprintf(stderr, __VA_ARGS__);                                                              \
            fputc('\n', stderr);                                                                       \
        }                                                                                              \
    } while (0)

#define CHECK_OK(expr)                                                                                 \
    do {                                                                                               \
        int st_ = (expr);                                                                              \
        CHECK_MSG(st_ == 0, "%s returned %d: %s", #expr, st_, al_last_error());                        \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                          \
    do {                                                                                               \
        double a_ = (a), b_ = (b);                                                                     \
        CHECK_MSG(fabs(a_ - b_) <= (tol), "%s = %.9g, %s = %.9g, tol %g", #a, a_, #b, b_, (double)(tol)); \
    } while (0)

#define CHECK_STR_CONTAINS(haystack, needle)                                                           \
    do {                                                                                               \
        const char *h_ = (haystack);                                                                   \
        CHECK_MSG(h_ && strstr(h_, (needle)), "'%s' does not contain '%s'", h_ ? h_ : "(null)", (needle)); \
    } while (0)

/* max |got - ref| / max |ref| over n values (1e-30 guards an all-zero ref) */
static inline double al_test_rel_diff(const float *got, const float *ref, size_t n) {
    double d = 0.0, s = 1e-30;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)got[i] - ref[i]));
        s = fmax(s, fabs((double)ref[i]));
    }
    return d / s;
}

typedef void (*al_test_fn)(void);

static inline int al_test_run(const char *names[], al_test_fn fns[], int n) {
    int failed_tests = 0;
    for (int i = 0; i < n; i++) {
        int before = al_test_failures_;
        fns[i]();
        int ok = al_test_failures_ == before;
        failed_tests += !ok;
        fprintf(stderr, "[%s] %s\n", ok ? "PASS" : "FAIL", names[i]);
    }
    printf("%d passed, %d failed\n", n - failed_tests, failed_tests);
    return failed_tests ? 1 : 0;
}

/* AL_TEST_MAIN(test_a, test_b, ...) */
#define AL_TEST_MAIN(...)                                                                              \
    int main(void) {                                                                                   \
        al_test_fn fns_[] = {__VA_ARGS__};                                                             \
        const char *all_ = #__VA_ARGS__;                                                               \
        enum { N_ = sizeof fns_ / sizeof fns_[0] };                                                    \
        const char *names_[N_];                                                                        \
        static char buf_[8192];                                                                        \
        snprintf(buf_, sizeof buf_, "%s", all_);                                                       \
        char *save_ = NULL, *tok_ = strtok_r(buf_, ", ", &save_);                                      \
        for (int i_ = 0; i_ < N_; i_++) {                                                              \
            names_[i_] = tok_ ? tok_ : "?";                                                            \
            tok_ = strtok_r(NULL, ", ", &save_);                                                       \
        }                                                                                              \
        return al_test_run(names_, fns_, N_);                                                          \
    }

/* A scratch directory for this test (from AL_TMP, created on demand). */
static inline const char *al_test_tmpdir(void) {
    static char dir[1024];
    const char *t = getenv("AL_TMP");
    snprintf(dir, sizeof dir, "%s", t && *t ? t : "/tmp/al_test");
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot create %s\n", dir);
    return dir;
}

static inline const char *al_test_data(void) {
    const char *d = getenv("AL_TEST_DATA");
    return d ? d : "tests/data";
}

#endif
