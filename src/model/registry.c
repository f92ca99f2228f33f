/* The model family registry: built-in families, plus any a program registers (tests). */
#include <cJSON.h>
#include <stddef.h>
#include <string.h>

#include "model/families.h"

#define MAX_FAMILIES 16

static const al_model_family *builtin[] = {&al_family_ds2, &al_family_conformer};
static const al_model_family *added[MAX_FAMILIES];
static int n_added;

static int n_families(void) { return (int)(sizeof builtin / sizeof *builtin) + n_added; }

static const al_model_family *family_at(int i) {
    const int nb = (int)(sizeof builtin / sizeof *builtin);
    return i < nb ? builtin[i] : added[i - nb];
}

const al_model_family *al_model_family_find(const char *arch) {
    for (int i = 0; arch && i < n_families(); i++)
        if (!strcmp(family_at(i)->name, arch)) return family_at(i);
    return NULL;
}

const al_model_family *al_model_family_for_preset(const char *preset) {
    for (int i = 0; preset && i < n_families(); i++)
        for (const char *const *p = family_at(i)->presets; *p; p++)
            if (!strcmp(*p, preset)) return family_at(i);
    return NULL;
}

al_status al_model_register(const al_model_family *f) {
    if (!f || !f->name || !f->presets || !f->preset || !f->config_to_json || !f->config_from_json || !f->describe ||
        !f->input || !f->classes || !f->output_length || !f->seconds_per_frame || !f->weights_new ||
        !f->weights_free || !f->init_weights || !f->state_new || !f->state_free || !f->forward || !f->backward ||
        f->config_size > 1024)
        return al_error(AL_ERR_INVALID, "model family: a name, presets, every required function and a config of at "
                        "most 1024 bytes are needed");
    if (al_model_family_find(f->name)) return al_error(AL_ERR_INVALID, "model family '%s' exists already", f->name);
    for (const char *const *p = f->presets; *p; p++)
        if (al_model_family_for_preset(*p))
            return al_error(AL_ERR_INVALID, "model family '%s': preset '%s' exists already", f->name, *p);
    if (n_added == MAX_FAMILIES) return al_error(AL_ERR_INVALID, "model family: more than %d added", MAX_FAMILIES);
    added[n_added++] = f;
    return AL_OK;
}

void al_model_preset_names(char *buf, size_t n) {
    al_text t;
    al_text_init(&t, buf, n);
    for (int i = 0; i < n_families(); i++)
        for (const char *const *p = family_at(i)->presets; *p; p++)
            al_text_printf(&t, "%s%s", t.len ? ", " : "", *p);
}

al_status al_model_new_from_json(const char *json, const char *path, al_model **out) {
    *out = NULL;
    cJSON *root = cJSON_Parse(json);
    if (!root) return al_error(AL_ERR_FORMAT, "%s: metadata 'model' is not JSON", path);
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(root, "arch");
    char name[64] = "ds2"; /* the first checkpoints had no arch: DeepSpeech2 */
    al_status st = AL_OK;
    if (arch && !(cJSON_IsString(arch) && strlen(arch->valuestring) < sizeof name))
        st = al_error(AL_ERR_FORMAT, "%s: metadata 'model': arch is not a short string", path);
    else if (arch)
        snprintf(name, sizeof name, "%s", arch->valuestring);
    cJSON_Delete(root);
    if (st != AL_OK) return st;
    const al_model_family *f = al_model_family_find(name);
    if (!f) {
        char names[256];
        al_text t;
        al_text_init(&t, names, sizeof names);
        for (int i = 0; i < n_families(); i++) al_text_printf(&t, "%s%s", i ? ", " : "", family_at(i)->name);
        return al_error(AL_ERR_UNSUPPORTED, "%s: metadata 'model': arch \"%s\" is not a model family here (%s)", path,
                        name, names);
    }
    _Alignas(max_align_t) char cfg[1024]; /* any family's config struct */
    if (f->config_size > sizeof cfg) return al_error(AL_ERR_INVALID, "model family '%s': config too large", f->name);
    memset(cfg, 0, sizeof cfg);
    st = f->config_from_json(json, path, cfg);
    return st == AL_OK ? al_model_new(f, cfg, out) : st;
}

al_status al_model_new_inferred(const al_st_file *file, const char *path, al_model **out) {
    *out = NULL;
    char first[512] = "";
    for (int i = 0; i < n_families(); i++) {
        const al_model_family *f = family_at(i);
        _Alignas(max_align_t) char cfg[1024];
        if (!f->config_infer || f->config_size > sizeof cfg) continue;
        memset(cfg, 0, sizeof cfg);
        al_status st = f->config_infer(file, path, cfg);
        if (st == AL_OK) return al_model_new(f, cfg, out);
        if (st != AL_ERR_NOT_FOUND) return st;
        if (!first[0]) snprintf(first, sizeof first, "%s", al_last_error());
    }
    /* no family recognises the tensor names: the first family's reason */
    return al_error(AL_ERR_FORMAT, "%s", first[0] ? first : "not a state dict of any model family");
}
