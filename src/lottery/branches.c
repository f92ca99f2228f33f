/* The branch registry: each baseline kind's mask and start, and --branch parsing
 * ("KIND[:KEY=N,...][@L,...]", see lottery.h). */
#include "lottery/branches.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lottery/lottery_internal.h"
#include "train/run_files.h"

/* The value of b's argument key when given, else dflt. */
static uint64_t arg_or(const al_lottery_branch *b, const char *key, uint64_t dflt) {
    for (int i = 0; i < AL_BRANCH_MAX_ARGS && b->type->args[i]; i++)
        if (!strcmp(b->type->args[i], key) && (b->given >> i & 1u)) return b->arg[i];
    return dflt;
}

/* A random mask with the level's counts: per tensor as in the ticket (like: the trunk's mask) or
 * per pool (like: NULL). salt: the kind's number in the seed, fixed so that existing run
 * directories keep their masks. */
static al_status random_mask(const al_branch_ctx *c, const uint8_t *like, unsigned salt, uint8_t *mask) {
    uint64_t seed = arg_or(c->b, "seed", c->o->train.seed) * 1000003u + (uint64_t)c->level * 31u + salt;
    return al_prune_random(c->t, c->plan, like, seed, mask);
}

static al_status random_prune_mask(const al_branch_ctx *c, uint8_t *mask) {
    return random_mask(c, c->trunk_mask, 0, mask);
}

static al_status random_prune_global_mask(const al_branch_ctx *c, uint8_t *mask) {
    return random_mask(c, NULL, 1, mask);
}

static al_status ticket_mask(const al_branch_ctx *c, uint8_t *mask) {
    memcpy(mask, c->trunk_mask, c->t->total);
    return AL_OK;
}

/* Freshly drawn initial values, new at every level. */
static al_status reinit_start(const al_lottery_opts *o, const al_lottery_branch *b, int level, al_train_opts *to,
                              char *path, size_t n) {
    (void)path, (void)n;
    to->init_from = NULL;
    to->init_seed = arg_or(b, "seed", o->train.init_seed) * 7919u + 1000u + (uint64_t)level;
    return AL_OK;
}

/* Level 0's trained weights. */
static al_status dense_weights(const al_lottery_opts *o, char *path, size_t n) {
    char dir[4096];
    al_status st = al_run_level_dir(dir, sizeof dir, o->run_dir, 0);
    return st == AL_OK ? al_run_file(path, n, dir, AL_RUN_LAST) : st;
}

/* One-shot magnitude pruning of level 0's trained weights to the level's counts. */
static al_status finetune_mask(const al_branch_ctx *c, uint8_t *mask) {
    char dense[4200];
    al_status st = dense_weights(c->o, dense, sizeof dense);
    if (st == AL_OK) st = al_load_weights_and_mask(c->t, dense, NULL, NULL);
    return st == AL_OK ? al_prune_magnitude(c->t, c->t->data, c->plan, NULL, mask) : st;
}

static al_status finetune_start(const al_lottery_opts *o, const al_lottery_branch *b, int level, al_train_opts *to,
                                char *path, size_t n) {
    (void)b, (void)level;
    to->init_from = path;
    return dense_weights(o, path, n);
}

static const al_branch_type KINDS[] = {
    {"random-prune", {"seed"}, random_prune_mask, NULL},
    {"random-prune-global", {"seed"}, random_prune_global_mask, NULL},
    {"random-reinit", {"seed"}, ticket_mask, reinit_start},
    {"finetune", {NULL}, finetune_mask, finetune_start},
};
enum { N_KINDS = sizeof KINDS / sizeof KINDS[0] };

const char *al_branch_type_name(const al_branch_type *t) { return t->name; }

static int is_arg(const al_branch_type *t, int i) { return i < AL_BRANCH_MAX_ARGS && t->args[i]; }

/* "random-prune[:seed=N], ..., finetune", for messages. */
static const char *kinds_list(char *buf, size_t n) {
    al_text t;
    al_text_init(&t, buf, n);
    for (int k = 0; k < N_KINDS; k++) {
        al_text_printf(&t, "%s%s", k ? ", " : "", KINDS[k].name);
        for (int i = 0; is_arg(&KINDS[k], i); i++) al_text_printf(&t, "%s%s=N", i ? "," : "[:", KINDS[k].args[i]);
        if (is_arg(&KINDS[k], 0)) al_text_printf(&t, "]");
    }
    return buf;
}

static al_status parse_kind(const char *spec, size_t len, al_lottery_branch *b) {
    for (int k = 0; k < N_KINDS && !b->type; k++)
        if (strlen(KINDS[k].name) == len && !strncmp(spec, KINDS[k].name, len)) b->type = &KINDS[k];
    char kinds[512];
    return b->type ? AL_OK
                   : al_error(AL_ERR_INVALID, "--branch %s: unknown kind '%.*s' (%s)", spec, (int)len, spec,
                              kinds_list(kinds, sizeof kinds));
}

static al_status unknown_arg(const char *spec, const char *key, size_t len, const al_branch_type *t) {
    char takes[256];
    al_text a;
    al_text_init(&a, takes, sizeof takes);
    for (int i = 0; is_arg(t, i); i++) al_text_printf(&a, "%s%s", i ? ", " : "takes ", t->args[i]);
    return al_error(AL_ERR_INVALID, "--branch %s: unknown argument '%.*s' (%s %s)", spec, (int)len, key, t->name,
                    is_arg(t, 0) ? takes : "takes no arguments");
}

/* An unsigned decimal integer of 64 bits: digits only (no sign, no spaces), nothing after them. */
static int parse_u64(const char *s, size_t len, uint64_t *v) {
    if (len < 1 || len > 20 || strspn(s, "0123456789") < len) return 0;
    char digits[24];
    memcpy(digits, s, len);
    digits[len] = '\0';
    errno = 0;
    unsigned long long x = strtoull(digits, NULL, 10);
    *v = x;
    return errno == 0;
}

/* One "KEY=N" (item: len bytes) of spec into b. */
static al_status parse_arg(const char *spec, const char *item, size_t len, al_lottery_branch *b) {
    const char *eq = memchr(item, '=', len);
    if (!eq) return al_error(AL_ERR_INVALID, "--branch %s: '%.*s' is not KEY=N (KIND:seed=7@2)", spec, (int)len, item);
    size_t key = (size_t)(eq - item);
    int i = 0;
    while (is_arg(b->type, i) && (strlen(b->type->args[i]) != key || strncmp(item, b->type->args[i], key))) i++;
    if (!is_arg(b->type, i)) return unknown_arg(spec, item, key, b->type);
    if (b->given >> i & 1u) return al_error(AL_ERR_INVALID, "--branch %s: %s given twice", spec, b->type->args[i]);
    const char *value = eq + 1;
    size_t value_len = len - key - 1;
    if (!parse_u64(value, value_len, &b->arg[i]))
        return al_error(AL_ERR_INVALID, "--branch %s: %s takes an integer from 0 to %llu, got '%.*s'", spec,
                        b->type->args[i], (unsigned long long)UINT64_MAX, (int)value_len, value);
    b->given |= 1u << i;
    return AL_OK;
}

/* The arguments between ':' (p) and '@' or the end (end). */
static al_status parse_args(const char *spec, const char *p, const char *end, al_lottery_branch *b) {
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        al_status st = parse_arg(spec, p, (size_t)(stop - p), b);
        if (st != AL_OK || !comma) return st;
        p = comma + 1;
    }
}

/* b->name (the kind, then "-KEYN" per given argument) and b->args ("KEY=N,..."), both in the
 * kind's argument order, so that one set of arguments always maps to one directory. */
static al_status name_branch(const char *spec, al_lottery_branch *b) {
    al_text name, args;
    al_text_init(&name, b->name, sizeof b->name);
    al_text_init(&args, b->args, sizeof b->args);
    al_text_printf(&name, "%s", b->type->name);
    for (int i = 0; is_arg(b->type, i); i++) {
        if (!(b->given >> i & 1u)) continue;
        unsigned long long v = b->arg[i];
        al_text_printf(&name, "-%s%llu", b->type->args[i], v);
        al_text_printf(&args, "%s%s=%llu", args.len ? "," : "", b->type->args[i], v);
    }
    if (name.overflow || args.overflow)
        return al_error(AL_ERR_INVALID, "--branch %s: its name is longer than %d bytes", spec, AL_BRANCH_NAME_MAX - 1);
    return AL_OK;
}

/* b at every level of "L1,L2,..." (levels: after '@'), or at every level >= 1 (levels NULL). */
static al_status add_levels(al_lottery_opts *o, const char *spec, const char *levels, const al_lottery_branch *b) {
    const char *p = levels;
    do {
        if (o->n_branches >= AL_LOTTERY_MAX_BRANCHES) return al_error(AL_ERR_INVALID, "too many --branch levels");
        int level = -1;
        if (p) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || v < 1 || v > 1000 || (*end && *end != ','))
                return al_error(AL_ERR_INVALID, "--branch %s: levels must be integers >= 1 (KIND@3,7)", spec);
            level = (int)v;
            p = *end ? end + 1 : NULL;
        }
        o->branch[o->n_branches] = *b;
        o->branch[o->n_branches++].level = level;
    } while (p);
    return AL_OK;
}

al_status al_lottery_add_branch(al_lottery_opts *o, const char *spec) {
    const char *at = strchr(spec, '@');
    size_t head = at ? (size_t)(at - spec) : strlen(spec);
    const char *colon = memchr(spec, ':', head);
    al_lottery_branch b;
    memset(&b, 0, sizeof b);
    al_status st = parse_kind(spec, colon ? (size_t)(colon - spec) : head, &b);
    if (st == AL_OK && colon) st = parse_args(spec, colon + 1, spec + head, &b);
    if (st == AL_OK) st = name_branch(spec, &b);
    if (st == AL_OK) st = add_levels(o, spec, at ? at + 1 : NULL, &b);
    return st;
}
