/* Option-value parsing shared by the subcommands: each prints "<cmd>: <option>: ..." on a bad
 * value and returns non-zero, so that a command can `return 2` (bad usage). */
#ifndef AL_CLI_ARGS_H
#define AL_CLI_ARGS_H

#include <stdint.h>

/* A finite number in [lo, hi]. */
int al_cli_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
/* An integer in [lo, hi]. */
int al_cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *out);
/* Non-zero (after printing why) when the output file out is one of the n input files (the same
 * file, however named): writing it would destroy the input. NULL inputs are skipped. */
int al_cli_out_is_input(const char *cmd, const char *out, const char *const *inputs, int n);

#endif
