/* Option tables, the library's half: field access by kind, defaults, config.json (see option_table.h). */
#include "train/option_table.h"

#include <string.h>

#include "audiolottery/optim.h"
#include "audiolottery/train.h"

al_opt_value al_opt_get(const al_opt *o, const void *base) {
    const char *p = (const char *)base + o->at;
    al_opt_value v = {0};
    switch (o->kind) {
    case AL_OPT_STRING:
    case AL_OPT_PRESET: v.s = *(const char *const *)p; break;
    case AL_OPT_FLAG:
    case AL_OPT_INT: v.i = *(const int *)p; break;
    case AL_OPT_I64: v.i = *(const int64_t *)p; break;
    case AL_OPT_U64: v.u = *(const uint64_t *)p; break;
    case AL_OPT_DOUBLE: v.d = *(const double *)p; break;
    case AL_OPT_FLOAT: v.d = *(const float *)p; break;
    case AL_OPT_SELECT: v.i = *(const al_select_metric *)p; break;
    case AL_OPT_SCHEDULE: v.i = *(const al_lr_schedule *)p; break;
    case AL_OPT_SPECAUG: v.i = *(const int *)p; break;
    case AL_OPT_OPTIMIZER: v.i = ((const al_optim_opts *)p)->type; break;
    case AL_OPT_THREADS: v.i = al_threads(); break;
    }
    return v;
}

void al_opt_set(const al_opt *o, void *base, al_opt_value v) {
    char *p = (char *)base + o->at;
    switch (o->kind) {
    case AL_OPT_STRING:
    case AL_OPT_PRESET: *(const char **)p = v.s; break;
    case AL_OPT_FLAG:
    case AL_OPT_INT: *(int *)p = (int)v.i; break;
    case AL_OPT_I64: *(int64_t *)p = v.i; break;
    case AL_OPT_U64: *(uint64_t *)p = v.u; break;
    case AL_OPT_DOUBLE: *(double *)p = v.d; break;
    case AL_OPT_FLOAT: *(float *)p = (float)v.d; break;
    case AL_OPT_SELECT: *(al_select_metric *)p = (al_select_metric)v.i; break;
    case AL_OPT_SCHEDULE: *(al_lr_schedule *)p = (al_lr_schedule)v.i; break;
    case AL_OPT_SPECAUG: *(int *)p = (int)v.i; break;
    case AL_OPT_OPTIMIZER: ((al_optim_opts *)p)->type = (al_optim_type)v.i; break; /* the type only */
    case AL_OPT_THREADS: al_set_threads((int)v.i); break;
    }
}

const char *al_opt_text(const al_opt *o, al_opt_value v) {
    switch (o->kind) {
    case AL_OPT_STRING:
    case AL_OPT_PRESET: return v.s ? v.s : "";
    case AL_OPT_SELECT: return al_select_metric_name((al_select_metric)v.i);
    case AL_OPT_OPTIMIZER: return al_optim_type_name((al_optim_type)v.i);
    case AL_OPT_SCHEDULE: return al_lr_schedule_name((al_lr_schedule)v.i);
    default: return NULL;
    }
}

int al_opt_is_real(const al_opt *o) { return o->kind == AL_OPT_DOUBLE || o->kind == AL_OPT_FLOAT; }

static int same_value(const al_opt *o, al_opt_value a, al_opt_value b) {
    if (o->kind == AL_OPT_STRING || o->kind == AL_OPT_PRESET) return a.s == b.s || (a.s && b.s && !strcmp(a.s, b.s));
    if (o->kind == AL_OPT_U64) return a.u == b.u;
    return al_opt_is_real(o) ? a.d == b.d : a.i == b.i;
}

void al_opt_table_defaults(const al_opt_table *t, void *base) {
    const al_opt_value none = {0};
    for (int r = 0; r < t->n; r++) {
        const al_opt *o = &t->opts[r];
        if (o->kind == AL_OPT_OPTIMIZER) /* every setting of the optimiser, not only its type */
            *(al_optim_opts *)((char *)base + o->at) = al_optim_defaults((al_optim_type)o->def.i);
        else if (!same_value(o, o->def, none))
            al_opt_set(o, base, o->def);
    }
}

static void config_value(const al_opt *o, al_opt_value v, al_text *out) {
    const char *text = al_opt_text(o, v);
    if (text) al_text_json_string(out, text);
    else if (o->kind == AL_OPT_U64) al_text_printf(out, "%llu", (unsigned long long)v.u);
    else if (al_opt_is_real(o)) al_text_printf(out, "%.17g", v.d);
    else al_text_printf(out, "%lld", (long long)v.i);
}

void al_opt_table_config_json(const al_opt_table *t, const void *base, al_text *out) {
    const char *sep = "";
    al_text_printf(out, "{");
    for (int r = 0; r < t->n; r++) {
        const al_opt *o = &t->opts[r];
        if (!o->config) continue;
        al_opt_value v = al_opt_get(o, base);
        if (o->config_when == AL_CONFIG_UNLESS_DEFAULT && same_value(o, v, o->def)) continue;
        al_text_printf(out, "%s\"%s\":", sep, o->config);
        config_value(o, v, out);
        sep = ",";
    }
    al_text_printf(out, "}");
}
