/* Voice inventory: which engine voices, accents and variants exist, which are held out for
 * test-other, and a check that they are installed. */
#include "audiolottery/io.h"
#include "synth_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Held out (test-other only): espeak-ng accent en-029 (Caribbean) and the variants marked below,
 * flite awb (the only Scottish voice), festival ked_diphone. flite slt is kept for training
 * because festival's cmu_us_slt_arctic_hts is the same speaker. */
static const al_synth_voice voices[] = {
    {AL_ENGINE_ESPEAK, "en-us", 0, 0},          {AL_ENGINE_ESPEAK, "en-gb", 0, 0},
    {AL_ENGINE_ESPEAK, "en-gb-scotland", 0, 0}, {AL_ENGINE_ESPEAK, "en-gb-x-rp", 0, 0},
    {AL_ENGINE_ESPEAK, "en-gb-x-gbclan", 0, 0}, {AL_ENGINE_ESPEAK, "en-gb-x-gbcwmd", 0, 0},
    {AL_ENGINE_ESPEAK, "en-us-nyc", 0, 0},      {AL_ENGINE_ESPEAK, "en-029", 1, 0},
    {AL_ENGINE_FLITE, "kal16", 0, 105},         {AL_ENGINE_FLITE, "rms", 0, 0},
    {AL_ENGINE_FLITE, "slt", 0, 170},           {AL_ENGINE_FLITE, "awb", 1, 110},
    {AL_ENGINE_FESTIVAL, "kal_diphone", 0, 105}, {AL_ENGINE_FESTIVAL, "cmu_us_slt_arctic_hts", 0, 170},
    {AL_ENGINE_FESTIVAL, "ked_diphone", 1, 105},
};
enum { N_VOICES = sizeof voices / sizeof voices[0] };

/* espeak-ng variants that sound like a person (robots, whispers and croaks left out). */
static const struct {
    const char *name;
    int heldout;
} variants[] = {
    {"adam", 0},    {"Alex", 0},    {"Alicia", 0},  {"Andy", 0},     {"Annie", 0},   {"antonio", 0},
    {"aunty", 0},   {"belinda", 0}, {"benjamin", 0}, {"boris", 0},   {"caleb", 0},   {"david", 0},
    {"Denis", 0},   {"Diogo", 0},   {"ed", 0},      {"edward", 0},   {"Gene", 0},    {"gustave", 0},
    {"Henrique", 0}, {"Hugo", 0},   {"iven", 0},    {"iven2", 0},    {"Jacky", 0},   {"john", 0},
    {"linda", 0},   {"marcelo", 0}, {"Marco", 0},   {"max", 0},      {"Michael", 0}, {"michel", 0},
    {"miguel", 0},  {"Mike", 0},    {"Mr", 0},      {"Nguyen", 0},   {"pablo", 0},   {"paul", 0},
    {"pedro", 0},   {"quincy", 0},  {"rob", 0},     {"robert", 0},   {"steph", 0},   {"steph2", 0},
    {"Storm", 0},   {"travis", 0},  {"victor", 0},  {"zac", 0},      {"anika", 0},   {"f1", 0},
    {"f2", 0},      {"f3", 0},      {"f4", 0},      {"m1", 0},       {"m2", 0},      {"m3", 0},
    {"m4", 0},      {"m5", 0},      {"m6", 0},      {"norbert", 0},  {"sandro", 0},  {"shelby", 0},
    {"klatt", 0},   {"klatt2", 0},  {"klatt3", 0},  {"Andrea", 1},   {"Mario", 1},   {"f5", 1},
    {"m7", 1},      {"klatt4", 1},  {"grandma", 1},
};
enum { N_VARIANTS = sizeof variants / sizeof variants[0] };

static const char *packages[AL_ENGINE_COUNT] = {"espeak-ng", "flite", "festival"};

const char *al_synth_engine_name(al_synth_engine e) {
    static const char *names[] = {"espeak-ng", "flite", "festival"};
    return e >= 0 && e < AL_ENGINE_COUNT ? names[e] : "?";
}

const char *al_synth_split_name(al_synth_split s) {
    static const char *names[] = {"train", "dev", "test-clean", "test-other"};
    return s >= 0 && s < AL_SPLIT_COUNT ? names[s] : "?";
}

const al_synth_voice *al_synth_voice_find(al_synth_engine e, const char *name) {
    for (int i = 0; i < N_VOICES; i++)
        if (voices[i].engine == e && !strcmp(voices[i].name, name)) return &voices[i];
    return NULL;
}

/* Whitespace-separated token tok appears in text (prefix allows "!v/" style columns). */
static int has_token(const char *text, const char *prefix, const char *tok) {
    size_t np = strlen(prefix), nt = strlen(tok);
    for (const char *p = text; (p = strstr(p, tok)) != NULL; p++) {
        int end_ok = p[nt] == 0 || p[nt] == ' ' || p[nt] == '\n' || p[nt] == '\t';
        int start_ok = (size_t)(p - text) >= np && !strncmp(p - np, prefix, np) &&
                       (p - np == text || p[-(long)np - 1] == ' ' || p[-(long)np - 1] == '\n');
        if (end_ok && start_ok) return 1;
    }
    return 0;
}

/* Runs a listing command into scratch/name and reads it. */
static al_status listing(char *const argv[], const char *scratch, const char *name, char **text) {
    char out[1024], err[1024];
    snprintf(out, sizeof out, "%s/%s.txt", scratch, name);
    snprintf(err, sizeof err, "%s/%s.err", scratch, name);
    al_status st = al_synth_spawn(argv, out, err);
    if (st == AL_OK) st = al_read_file(out, text, NULL);
    remove(out);
    remove(err);
    return st;
}

static al_status missing(int allow_missing, const char *what, al_synth_engine e) {
    if (!allow_missing)
        return al_error(AL_ERR_NOT_FOUND, "synth: %s is not installed (Debian package %s%s); use --allow-missing to leave it out",
                        what, packages[e], e == AL_ENGINE_FESTIVAL ? " with festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts" : "");
    al_log(AL_LOG_WARN, "synth: %s is not installed: left out", what);
    return AL_OK;
}

static int festival_voice_installed(const char *name) {
    static const char *dirs[] = {"/usr/share/festival/voices/english/", "/usr/share/festival/voices/us/"};
    for (int i = 0; i < 2; i++) {
        char path[256];
        struct stat sb;
        snprintf(path, sizeof path, "%s%s", dirs[i], name);
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return 1;
    }
    return 0;
}

al_status al_synth_inventory_load(al_synth_inventory *inv, int allow_missing, const char *scratch) {
    memset(inv, 0, sizeof *inv);
    static const char *programs[AL_ENGINE_COUNT] = {"espeak-ng", "flite", "text2wave"};
    char *lists[AL_ENGINE_COUNT] = {NULL, NULL, NULL}, *variant_list = NULL;
    al_status st = AL_OK;
    for (int e = 0; e < AL_ENGINE_COUNT && st == AL_OK; e++) {
        if (!al_synth_have_program(programs[e])) {
            char what[64];
            snprintf(what, sizeof what, "program %s", programs[e]);
            st = missing(allow_missing, what, (al_synth_engine)e);
            continue;
        }
        inv->engine_ok[e] = 1;
        if (e == AL_ENGINE_ESPEAK) {
            char *a1[] = {"espeak-ng", "--voices=en", NULL}, *a2[] = {"espeak-ng", "--voices=variant", NULL};
            st = listing(a1, scratch, "espeak-voices", &lists[e]);
            if (st == AL_OK) st = listing(a2, scratch, "espeak-variants", &variant_list);
        } else if (e == AL_ENGINE_FLITE) {
            char *a[] = {"flite", "-lv", NULL};
            st = listing(a, scratch, "flite-voices", &lists[e]);
        }
    }
    for (int i = 0; i < N_VOICES && st == AL_OK; i++) {
        const al_synth_voice *v = &voices[i];
        if (!inv->engine_ok[v->engine]) continue;
        int ok = v->engine == AL_ENGINE_FESTIVAL ? festival_voice_installed(v->name)
                                                 : has_token(lists[v->engine], "", v->name);
        if (ok) {
            inv->voices[inv->n_voices++] = v;
        } else {
            char what[96];
            snprintf(what, sizeof what, "%s voice %s", al_synth_engine_name(v->engine), v->name);
            st = missing(allow_missing, what, v->engine);
        }
    }
    for (int i = 0; i < N_VARIANTS && st == AL_OK && variant_list; i++) {
        if (has_token(variant_list, "!v/", variants[i].name)) {
            inv->variant_heldout[inv->n_variants] = variants[i].heldout;
            inv->variants[inv->n_variants++] = variants[i].name;
        } else {
            char what[96];
            snprintf(what, sizeof what, "espeak-ng variant %s", variants[i].name);
            st = missing(allow_missing, what, AL_ENGINE_ESPEAK);
        }
    }
    for (int e = 0; e < AL_ENGINE_COUNT; e++) free(lists[e]);
    free(variant_list);
    return st;
}

void al_synth_heldout_describe(const al_synth_inventory *inv, char *buf, size_t size) {
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < inv->n_voices; i++) {
        const al_synth_voice *v = inv->voices[i];
        if (!v->heldout) continue;
        len += snprintf(buf + len, len < size ? size - len : 0, "%s%s %s%s", len ? ", " : "",
                        al_synth_engine_name(v->engine), v->engine == AL_ENGINE_ESPEAK ? "accent " : "", v->name);
    }
    int first = 1;
    for (int i = 0; i < inv->n_variants && len < size; i++) {
        if (!inv->variant_heldout[i]) continue;
        len += snprintf(buf + len, len < size ? size - len : 0, "%s%s", first ? "; espeak-ng variants " : "+",
                        inv->variants[i]);
        first = 0;
    }
}
