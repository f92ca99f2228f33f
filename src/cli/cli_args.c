/* Option-value parsing with messages that name the option and the bad value. */
#include "cli/cli_args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int al_cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v)) {
        fprintf(stderr, "%s: %s: '%s' is not a number\n", cmd, opt, s);
        return 1;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "%s: %s: %g is outside [%g, %g]\n", cmd, opt, v, lo, hi);
        return 1;
    }
    *out = v;
    return 0;
}

int al_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || errno) {
        fprintf(stderr, "%s: %s: '%s' is not an integer\n", cmd, opt, s);
        return 1;
    }
    if (v < lo || v > hi) {
        fprintf(stderr, "%s: %s: %lld is outside [%lld, %lld]\n", cmd, opt, v, (long long)lo, (long long)hi);
        return 1;
    }
    *out = v;
    return 0;
}

int al_cli_out_is_input(const char *cmd, const char *out, const char *const *inputs, int n) {
    struct stat o, in;
    if (stat(out, &o) != 0) return 0; /* a new file cannot be an input */
    for (int i = 0; i < n; i++)
        if (inputs[i] && stat(inputs[i], &in) == 0 && in.st_dev == o.st_dev && in.st_ino == o.st_ino) {
            fprintf(stderr, "%s: the output %s is the input %s; refusing to overwrite it\n", cmd, out, inputs[i]);
            return 1;
        }
    return 0;
}
