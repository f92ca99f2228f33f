/* Option tables: a group of options (the training options, the decoding options) declared once, as one
 * descriptor per option, from which its default, config.json entry, getopt entry, parser (range check
 * and message) and --help line all come. This is the library's half (defaults, config.json); the command
 * line's half (getopt entries, parsing, --help) is src/cli/cli_option_table.h. A group lists its rows in
 * an X-macro (see train/train_option_list.h), which also makes the enum of their indices. */
#ifndef AL_TRAIN_OPTION_TABLE_H
#define AL_TRAIN_OPTION_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "audiolottery/core.h"

/* What an option's field holds, and so how it is parsed, compared and written. */
typedef enum {
    AL_OPT_STRING,    /* const char *: a path or name, taken as given */
    AL_OPT_PRESET,    /* const char *: a model preset (al_model_family_for_preset) */
    AL_OPT_FLAG,      /* int: a switch without a value; giving it sets 1 */
    AL_OPT_INT,       /* int in [lo.i, hi.i] */
    AL_OPT_I64,       /* int64_t in [lo.i, hi.i] */
    AL_OPT_U64,       /* uint64_t in [lo.i, hi.i] */
    AL_OPT_DOUBLE,    /* double in [lo.d, hi.d] */
    AL_OPT_FLOAT,     /* float in [lo.d, hi.d] (parsed as a double, then rounded) */
    AL_OPT_SELECT,    /* al_select_metric, by name (wer | cer) */
    AL_OPT_OPTIMIZER, /* al_optim_opts, by its type's name; its default is al_optim_defaults(type) */
    AL_OPT_THREADS,   /* no field: al_threads() / al_set_threads(), in [lo.i, hi.i] */
    AL_OPT_SCHEDULE,  /* al_lr_schedule, by name (anneal | noam) */
    AL_OPT_SPECAUG,   /* int AL_SPECAUG_* policy; the flag alone is ds2, --flag=NAME names one (off | ds2 | nemo) */
} al_opt_kind;

/* A value of any kind: s for STRING, PRESET; u for U64; d for DOUBLE, FLOAT; i for the others
 * (SELECT and OPTIMIZER hold their enum). */
typedef union {
    const char *s;
    int64_t i;
    uint64_t u;
    double d;
} al_opt_value;

typedef enum {
    AL_CONFIG_ALWAYS,         /* the entry is always written */
    AL_CONFIG_UNLESS_DEFAULT, /* only when the value is not the default, so that run directories made
                                 before the option existed keep their config */
} al_config_when;

typedef struct {
    const char *flag;     /* the command-line option without "--"; NULL: none (a config.json entry only) */
    const char *meta;     /* its value's name in --help ("N", "CORPUS"); NULL for a FLAG */
    al_opt_kind kind;
    size_t at;            /* offsetof its field in the group's struct (THREADS: unused) */
    al_opt_value def;     /* the default; zero: none, the field keeps what the struct holds (zero, or what
                             an OPTIMIZER row before it set) */
    al_opt_value lo, hi;  /* the accepted range of a number (.i for integer kinds, .d for DOUBLE, FLOAT) */
    const char *(*check)(al_opt_value v); /* NULL, or a further test of a value in range: why it fails, or
                                             NULL */
    const char *config;   /* config.json key; NULL: not written */
    al_config_when config_when;
    int help_rank;        /* --help prints the lines by ascending rank, ties in table order */
    const char *help;     /* --help text after the flag column: "{}" is the default (read from the
                             defaults given), "{presets}" the model presets, "\n" continues under the text */
} al_opt;

/* A group's table. Its options' getopt values are code0 + row (row: the index enum of the group). */
typedef struct {
    const al_opt *opts;
    int n;
    int code0;      /* above any single-letter option, and apart from the other groups' codes */
    int help_width; /* width of the "--flag META" column of --help */
} al_opt_table;

/* One row's initializer, for a group's X-macro list X(row, flag, meta, kind, the rest of al_opt by name):
 *   static const al_opt rows[] = {GROUP_OPTIONS(AL_OPT_ROW)}; */
#define AL_OPT_ROW(row, flag, meta, kind, ...) {flag, meta, AL_OPT_##kind, __VA_ARGS__},

/* Bit of row `row` in a mask of the options given on the command line (groups have <= 64 rows). */
#define AL_OPT_BIT(row) ((uint64_t)1 << (row))

/* The option's value in base, the group's struct; setting an OPTIMIZER sets its type only. */
al_opt_value al_opt_get(const al_opt *o, const void *base);
void al_opt_set(const al_opt *o, void *base, al_opt_value v);
/* The value as text for the kinds that have one (STRING, PRESET: "" for NULL; SELECT, OPTIMIZER: the
 * name), else NULL. */
const char *al_opt_text(const al_opt *o, al_opt_value v);
/* 1 for DOUBLE and FLOAT (the value is v.d). */
int al_opt_is_real(const al_opt *o);

/* Writes every row's default into base, in table order (see al_opt.def). */
void al_opt_table_defaults(const al_opt_table *t, void *base);
/* Appends base's config.json object, {"key":value,...} over the rows with a config key in table order
 * (reals as %.17g, text JSON-escaped); out->overflow tells the caller when it did not fit. */
void al_opt_table_config_json(const al_opt_table *t, const void *base, al_text *out);

#endif
