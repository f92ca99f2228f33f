/* Option tables on the command line: getopt entries, parsing and --help (see cli_option_table.h). */
#include "cli/cli_option_table.h"

#include <string.h>

#include "audiolottery/al.h"
#include "cli/cli_args.h"

#define MAX_ROWS 64 /* the bits of a mask of given options */

void al_cli_table_longopts(const al_opt_table *t, const struct option *own, struct option *out) {
    for (int r = 0; r < t->n; r++) {
        const al_opt *o = &t->opts[r];
        if (o->flag)
            *out++ = (struct option){o->flag, o->kind == AL_OPT_FLAG       ? no_argument
                                              : o->kind == AL_OPT_SPECAUG ? optional_argument
                                                                          : required_argument,
                                     NULL, t->code0 + r};
    }
    size_t k = 0;
    do out[k] = own[k];
    while (own[k++].name);
}

/* A model preset is checked here, so that a bad one is bad usage found before any data is read. */
static int parse_preset(const char *cmd, const char *name, const char *arg) {
    if (al_model_family_for_preset(arg)) return 0;
    al_model *m;
    al_model_new_preset(arg, &m); /* for its message, which lists the presets */
    fprintf(stderr, "%s: %s: %s\n", cmd, name, al_last_error());
    return 1;
}

/* For the parsers that report through al_last_error. */
static int named_error(const char *cmd, const char *name) {
    fprintf(stderr, "%s: %s: %s\n", cmd, name, al_last_error());
    return 1;
}

/* arg as o's value; non-zero (message printed) when it is not one. name: "--flag". */
static int parse_value(const char *cmd, const char *name, const al_opt *o, const char *arg, al_opt_value *v) {
    int64_t x;
    al_select_metric metric;
    al_optim_type type;
    switch (o->kind) {
    case AL_OPT_STRING: v->s = arg; break;
    case AL_OPT_PRESET: v->s = arg; return parse_preset(cmd, name, arg);
    case AL_OPT_FLAG: v->i = 1; break;
    case AL_OPT_INT:
    case AL_OPT_I64:
    case AL_OPT_THREADS: return al_cli_int(cmd, name, arg, o->lo.i, o->hi.i, &v->i);
    case AL_OPT_U64:
        if (al_cli_int(cmd, name, arg, o->lo.i, o->hi.i, &x)) return 1;
        v->u = (uint64_t)x;
        break;
    case AL_OPT_DOUBLE:
    case AL_OPT_FLOAT: return al_cli_double(cmd, name, arg, o->lo.d, o->hi.d, &v->d);
    case AL_OPT_SELECT:
        if (al_select_metric_parse(arg, &metric) != AL_OK) return named_error(cmd, name);
        v->i = metric;
        break;
    case AL_OPT_OPTIMIZER:
        if (al_optim_type_parse(arg, &type) != AL_OK) return named_error(cmd, name);
        v->i = type;
        break;
    case AL_OPT_SCHEDULE: {
        al_lr_schedule sched;
        if (al_lr_schedule_parse(arg, &sched) != AL_OK) return named_error(cmd, name);
        v->i = sched;
        break;
    }
    case AL_OPT_SPECAUG: {
        int policy = AL_SPECAUG_DS2; /* the flag alone */
        if (arg && al_specaug_policy_parse(arg, &policy) != AL_OK) return named_error(cmd, name);
        v->i = policy;
        break;
    }
    }
    return 0;
}

int al_cli_table_parse(const char *cmd, const al_opt_table *t, int c, const char *arg, void *base,
                       uint64_t *given) {
    const int r = c - t->code0;
    if (r < 0 || r >= t->n) return 0;
    const al_opt *o = &t->opts[r];
    char name[64];
    snprintf(name, sizeof name, "--%s", o->flag);
    al_opt_value v = {0};
    if (parse_value(cmd, name, o, arg, &v)) return -1;
    const char *why = o->check ? o->check(v) : NULL;
    if (why) {
        fprintf(stderr, "%s: %s: %s\n", cmd, name, why);
        return -1;
    }
    al_opt_set(o, base, v);
    *given |= AL_OPT_BIT(r);
    return 1;
}

static void print_default(FILE *out, const al_opt *o, al_opt_value v) {
    const char *text = o->kind == AL_OPT_SPECAUG ? al_specaug_policy_name((int)v.i)
                       : o->kind == AL_OPT_FLAG  ? (v.i ? "on" : "off")
                                                 : al_opt_text(o, v);
    if (text) fputs(text, out);
    else if (o->kind == AL_OPT_U64) fprintf(out, "%llu", (unsigned long long)v.u);
    else if (al_opt_is_real(o)) fprintf(out, "%g", v.d);
    else fprintf(out, "%lld", (long long)v.i);
}

/* "  --flag META" padded to the table's column, then the help text with its placeholders filled in. */
static void print_line(FILE *out, const al_opt_table *t, const al_opt *o, const void *defaults) {
    char name[64], presets[512];
    /* an optional value is glued to its flag (--flag[=P]) */
    const char *sep = o->kind == AL_OPT_SPECAUG ? "" : " ";
    snprintf(name, sizeof name, "--%s%s%s", o->flag, o->meta ? sep : "", o->meta ? o->meta : "");
    fprintf(out, "  %-*s", t->help_width, name);
    for (const char *p = o->help; *p;) {
        if (!strncmp(p, "{}", 2)) {
            print_default(out, o, al_opt_get(o, defaults));
            p += 2;
        } else if (!strncmp(p, "{presets}", 9)) {
            al_model_preset_names(presets, sizeof presets);
            fputs(presets, out);
            p += 9;
        } else if (*p == '\n') {
            fprintf(out, "\n  %*s", t->help_width, "");
            p++;
        } else {
            fputc(*p++, out);
        }
    }
    fputc('\n', out);
}

void al_cli_table_usage(FILE *out, const al_opt_table *t, const void *defaults) {
    int order[MAX_ROWS], n = 0; /* the rows with a flag, by help_rank (a stable insertion sort) */
    for (int r = 0; r < t->n; r++) {
        if (!t->opts[r].flag) continue;
        int k = n++;
        for (; k > 0 && t->opts[order[k - 1]].help_rank > t->opts[r].help_rank; k--) order[k] = order[k - 1];
        order[k] = r;
    }
    for (int k = 0; k < n; k++) print_line(out, t, &t->opts[order[k]], defaults);
}
