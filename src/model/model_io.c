/* Model files: a model's tensors and metadata in safetensors (checkpoints, compact files, bare
 * PyTorch state dicts), for every family. */
#include <stdlib.h>
#include <string.h>

#include "audiolottery/compact.h"
#include "audiolottery/data.h"
#include "audiolottery/model.h"

/* The model decodes with the default labels: a checkpoint trained with others would decode to
 * wrong text silently. */
static al_status check_labels(const al_st_file *f, const char *path) {
    const char *labels = al_st_metadata(f, "labels");
    al_alphabet a = al_alphabet_default();
    if (!labels || (strlen(labels) == (size_t)a.n && !memcmp(labels, a.labels, (size_t)a.n))) return AL_OK;
    return al_error(AL_ERR_UNSUPPORTED, "%s: labels \"%s\" differ from the default \"%.*s\"", path, labels, a.n,
                    a.labels);
}

/* BatchNorm layers get a num_batches_tracked (I64 scalar) beside their running statistics. */
static al_status add_num_batches_tracked(al_st_writer *w, const al_param_table *t, int64_t count) {
    const char *suffix = ".running_mean";
    for (int i = 0; i < t->n; i++) {
        const char *name = t->params[i].name;
        size_t len = strlen(name), sl = strlen(suffix);
        if (len <= sl || strcmp(name + len - sl, suffix)) continue;
        char key[AL_PARAM_NAME_MAX + 32];
        snprintf(key, sizeof key, "%.*s.num_batches_tracked", (int)(len - sl), name);
        al_status st = al_st_writer_add(w, key, AL_DT_I64, 0, NULL, &count);
        if (st != AL_OK) return st;
    }
    return AL_OK;
}

al_status al_model_write_tensors(al_model *m, al_st_writer *w, int64_t num_batches_tracked) {
    al_param_table *t = al_model_params(m);
    al_status st = al_param_table_write(t, t->data, w);
    return st == AL_OK ? add_num_batches_tracked(w, t, num_batches_tracked) : st;
}

al_status al_model_write_meta(const al_model *m, al_st_writer *w, const char *format) {
    char buf[512];
    al_status st = al_model_config_json(m, buf, sizeof buf);
    if (st == AL_OK) st = al_st_writer_meta(w, "format", format);
    if (st == AL_OK) st = al_st_writer_meta(w, "model", buf);
    al_alphabet a = al_alphabet_default();
    snprintf(buf, sizeof buf, "%.*s", a.n, a.labels);
    if (st == AL_OK) st = al_st_writer_meta(w, "labels", buf);
    const al_units *u = al_model_output_units(m);
    if (st == AL_OK && al_units_is_bpe(u)) { /* characters: no key, as before units existed */
        char *model = NULL;
        st = al_st_writer_meta(w, "units", al_units_name(u));
        if (st == AL_OK) st = al_units_model_base64(u, &model);
        if (st == AL_OK) st = al_st_writer_meta(w, "units_model", model);
        free(model);
    }
    return st;
}

/* The output units a model file names ("units", "units_model"), onto m; none: characters. */
static al_status read_units(const al_st_file *f, const char *path, al_model *m) {
    const char *name = al_st_metadata(f, "units"), *model = al_st_metadata(f, "units_model");
    if (!name || !strcmp(name, "chars")) return AL_OK;
    if (!model) return al_error(AL_ERR_FORMAT, "%s: units %s without their model (units_model)", path, name);
    al_units *u;
    al_status st = al_units_from_base64(model, &u);
    if (st == AL_OK) st = al_model_set_output_units(m, u);
    return st == AL_OK ? AL_OK : al_error_prefix(st, "%s: ", path);
}

al_status al_model_load(const char *path, al_model **model) {
    *model = NULL;
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) return st;
    const char *meta = al_st_metadata(f, "model");
    st = meta ? al_model_new_from_json(meta, path, model) : al_model_new_inferred(f, path, model);
    if (st == AL_OK) st = check_labels(f, path);
    if (st == AL_OK) st = read_units(f, path, *model);
    al_param_table *t = st == AL_OK ? al_model_params(*model) : NULL;
    if (st == AL_OK) st = al_compact_is(f) ? al_compact_read(t, f, path) : al_param_table_read(t, t->data, f, path, 0);
    if (st != AL_OK) {
        al_model_free(*model);
        *model = NULL;
    }
    al_st_close(f);
    return st;
}

al_status al_model_load_with_state(const char *path, int max_batch, int max_frames, al_model **model,
                                   al_model_state **state) {
    *state = NULL;
    al_status st = al_model_load(path, model);
    if (st == AL_OK && (st = al_model_state_new(*model, max_batch, max_frames, state)) != AL_OK) {
        al_model_free(*model);
        *model = NULL;
    }
    return st;
}
