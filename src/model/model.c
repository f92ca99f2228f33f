/* al_model and al_model_state: a family's weights and states behind one API (audiolottery/model.h). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/model.h"

struct al_model {
    const al_model_family *f;
    al_units *units;      /* output units: characters unless set */
    void *cfg;            /* the family's config struct (config_size bytes) */
    void *weights;        /* the family's weights */
    al_param_table *table; /* owned by the weights */
};

struct al_model_state {
    al_model *m;
    void *impl;
};

int al_input_frames(const al_input_spec *in, double seconds) {
    /* 1 + samples / hop, as the featurizer frames a signal (centred windows) */
    return 1 + (int)(llround(seconds * in->features.sample_rate) / in->features.hop_length);
}

al_status al_model_new(const al_model_family *f, const void *cfg, al_model **out) {
    *out = NULL;
    al_status st = f->config_check ? f->config_check(cfg) : AL_OK;
    if (st != AL_OK) return st;
    al_model *m = calloc(1, sizeof *m);
    if (m) m->cfg = malloc(f->config_size);
    if (!m || !m->cfg) {
        free(m);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    m->f = f;
    memcpy(m->cfg, cfg, f->config_size);
    st = al_units_chars(&m->units);
    if (st == AL_OK) st = f->weights_new(m->cfg, &m->weights, &m->table);
    if (st != AL_OK) {
        al_units_free(m->units);
        free(m->cfg);
        free(m);
        return st;
    }
    *out = m;
    return AL_OK;
}

al_status al_model_new_preset(const char *preset, al_model **out) {
    *out = NULL;
    const al_model_family *f = al_model_family_for_preset(preset);
    if (!f) {
        char names[512];
        al_model_preset_names(names, sizeof names);
        return al_error(AL_ERR_INVALID, "unknown model preset '%s' (%s)", preset, names);
    }
    _Alignas(max_align_t) char cfg[1024];
    if (f->config_size > sizeof cfg) return al_error(AL_ERR_INVALID, "model family '%s': config too large", f->name);
    al_status st = f->preset(preset, cfg);
    return st == AL_OK ? al_model_new(f, cfg, out) : st;
}

void al_model_free(al_model *m) {
    if (!m) return;
    al_units_free(m->units);
    m->f->weights_free(m->weights);
    free(m->cfg);
    free(m);
}

const al_model_family *al_model_family_of(const al_model *m) { return m->f; }
const char *al_model_arch(const al_model *m) { return m->f->name; }
const void *al_model_config(const al_model *m) { return m->cfg; }
al_param_table *al_model_params(al_model *m) { return m->table; }
al_status al_model_config_json(const al_model *m, char *buf, size_t n) { return m->f->config_to_json(m->cfg, buf, n); }
void al_model_describe(const al_model *m, char *buf, size_t n) { m->f->describe(m->cfg, buf, n); }
void al_model_init_weights(al_model *m, uint64_t seed) { m->f->init_weights(m->weights, seed); }

al_status al_model_units(al_model *m, al_prune_units *u) {
    if (!m->f->units)
        return al_error(AL_ERR_UNSUPPORTED, "model family '%s' has no channel units (--structure channel)", m->f->name);
    return m->f->units(m->weights, u);
}

al_status al_model_new_preset_classes(const char *preset, int classes, al_model **out) {
    *out = NULL;
    const al_model_family *f = al_model_family_for_preset(preset);
    if (!f) return al_model_new_preset(preset, out); /* its error */
    if (!f->set_classes) return al_error(AL_ERR_UNSUPPORTED, "model family '%s' has a fixed set of classes", f->name);
    _Alignas(max_align_t) char cfg[1024];
    if (f->config_size > sizeof cfg) return al_error(AL_ERR_INVALID, "model family '%s': config too large", f->name);
    al_status st = f->preset(preset, cfg);
    if (st != AL_OK) return st;
    f->set_classes(cfg, classes);
    return al_model_new(f, cfg, out);
}

const al_units *al_model_output_units(const al_model *m) { return m->units; }

al_status al_model_set_output_units(al_model *m, al_units *u) {
    if (al_units_classes(u) != al_model_classes(m)) {
        al_status st = al_error(AL_ERR_INVALID, "%s units have %d classes, the model %d", al_units_name(u),
                                al_units_classes(u), al_model_classes(m));
        al_units_free(u);
        return st;
    }
    al_units_free(m->units);
    m->units = u;
    return AL_OK;
}

al_input_spec al_model_input(const al_model *m) { return m->f->input(m->cfg); }
int al_model_classes(const al_model *m) { return m->f->classes(m->cfg); }
int al_model_output_length(const al_model *m, int frames) { return m->f->output_length(m->cfg, frames); }
double al_model_seconds_per_frame(const al_model *m) { return m->f->seconds_per_frame(m->cfg); }
al_head_kind al_model_head(const al_model *m) { return m->f->head; }

double al_model_min_seconds(const al_model *m, int outputs) {
    const al_input_spec in = al_model_input(m);
    int frames = 1;
    while (frames < 1000 && al_model_output_length(m, frames) < outputs) frames++;
    /* al_input_frames(s) = 1 + samples / hop: `frames` frames from (frames - 1) hops of audio */
    return frames == 1 ? 0.0 : (double)(frames - 1) * in.features.hop_length / in.features.sample_rate;
}

al_status al_model_sparsify(al_model *m, const uint8_t *mask, al_weight_format format, int max_batch, int max_frames,
                            al_sparse_report *r) {
    if (r) memset(r, 0, sizeof *r);
    if (!m->f->sparsify)
        return al_error(AL_ERR_UNSUPPORTED, "model family '%s' has no sparse inference kernels", m->f->name);
    return m->f->sparsify(m->weights, mask, format, max_batch, max_frames, r);
}

void al_model_densify(al_model *m) {
    if (m->f->densify) m->f->densify(m->weights);
}

al_status al_model_state_new(al_model *m, int max_batch, int max_frames, al_model_state **out) {
    *out = NULL;
    al_model_state *s = calloc(1, sizeof *s);
    if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
    s->m = m;
    al_status st = m->f->state_new(m->weights, max_batch, max_frames, &s->impl);
    if (st != AL_OK) {
        free(s);
        return st;
    }
    *out = s;
    return AL_OK;
}

void al_model_state_free(al_model_state *s) {
    if (!s) return;
    s->m->f->state_free(s->impl);
    free(s);
}

al_model *al_model_state_model(al_model_state *s) { return s->m; }

int al_model_forward(al_model_state *s, int train, const float *x, const int *lengths, int N, int T, float *out,
                     int *out_lengths) {
    return s->m->f->forward(s->impl, train, x, lengths, N, T, out, out_lengths);
}

al_status al_model_backward(al_model_state *s, const float *dout) { return s->m->f->backward(s->impl, dout); }

void al_model_state_set_seed(al_model_state *s, uint64_t seed) {
    if (s->m->f->set_seed) s->m->f->set_seed(s->impl, seed);
}

al_status al_model_sparse_train(al_model_state *s, const uint8_t *mask, al_weight_format format,
                                al_sparse_report *r) {
    if (r) memset(r, 0, sizeof *r);
    if (!s->m->f->sparse_train) return AL_OK; /* dense training */
    return s->m->f->sparse_train(s->impl, mask, format, r);
}

al_status al_model_sparse_refresh(al_model_state *s) {
    return s->m->f->sparse_refresh ? s->m->f->sparse_refresh(s->impl) : AL_OK;
}

void al_model_sparse_train_off(al_model_state *s) {
    if (s->m->f->sparse_train_off) s->m->f->sparse_train_off(s->impl);
}
