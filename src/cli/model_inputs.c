/* Model inputs for logits and transcribe (see model_inputs.h). */
#include "cli/model_inputs.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/audio.h"
#include "audiolottery/io.h"

al_status al_cli_read_feature_inputs(const char *path, int bins, al_cli_input **out, int *n) {
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) return st;
    *n = al_st_count(f);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) st = al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK && *n == 0) st = al_error(AL_ERR_EMPTY, "%s: no tensors", path);
    for (int i = 0; st == AL_OK && i < *n; i++) {
        const al_st_tensor *t = al_st_get(f, i);
        if (t->dtype != AL_DT_F32 || t->ndim != 2 || t->shape[0] != bins || t->shape[1] < 1 ||
            t->shape[1] > INT32_MAX / bins) {
            st = al_error(AL_ERR_FORMAT, "%s: tensor '%s' is not a 2-D F32 (%d bins, frames) matrix", path, t->name,
                          bins);
            break;
        }
        al_cli_input *in = &(*out)[i];
        in->name = strdup(t->name);
        in->bins = (int)t->shape[0];
        in->frames = (int)t->shape[1];
        in->feat = al_malloc(t->nbytes);
        if (!in->name || !in->feat) st = al_error(AL_ERR_NOMEM, "out of memory");
        else memcpy(in->feat, t->data, t->nbytes);
    }
    al_st_close(f);
    return st;
}

al_status al_cli_read_audio_inputs(const al_input_spec *input, char **paths, int n, al_cli_input *in) {
    al_featurizer *fz;
    al_status st = al_featurizer_new(&input->features, &fz);
    for (int i = 0; st == AL_OK && i < n; i++) {
        al_audio a;
        st = al_audio_read(paths[i], NULL, &a);
        if (st == AL_OK) st = al_featurizer_compute(fz, a.samples, a.n, &in[i].feat, &in[i].bins, &in[i].frames);
        if (st != AL_OK && a.samples) al_error_prefix(st, "%s: ", paths[i]);
        al_audio_free(&a);
    }
    al_featurizer_free(fz);
    return st;
}

void al_cli_free_inputs(al_cli_input *in, int n) {
    for (int i = 0; in && i < n; i++) {
        free(in[i].name);
        al_free(in[i].feat);
    }
    free(in);
}

int al_cli_max_frames(const al_cli_input *in, int n) {
    int m = 1;
    for (int i = 0; i < n; i++) m = in[i].frames > m ? in[i].frames : m;
    return m;
}

int al_cli_run_model(al_model_state *s, const al_cli_input *in, float *out) {
    const al_input_spec spec = al_model_input(al_model_state_model(s));
    if (in->bins != spec.bins)
        return al_error(AL_ERR_FORMAT, "input '%s' has %d bins, the model expects %d", in->name, in->bins, spec.bins);
    int out_len;
    int T1 = al_model_forward(s, 0, in->feat, &in->frames, 1, in->frames, out, &out_len);
    return T1 < 0 ? T1 : out_len;
}

al_status al_cli_open_corpus_and_model(const char *corpus_path, double max_duration, const char *ckpt,
                                       int batch_size, al_corpus **corpus, al_model **model, al_model_state **state) {
    *corpus = NULL;
    *model = NULL;
    *state = NULL;
    al_corpus_opts co = al_corpus_defaults();
    co.max_duration = max_duration;
    al_status st = al_corpus_load(corpus_path, &co, corpus);
    if (st == AL_OK && (*corpus)->n == 0) st = al_error(AL_ERR_EMPTY, "%s: no usable utterances", corpus_path);
    if (st != AL_OK) return st;
    double longest = 0;
    for (size_t i = 0; i < (*corpus)->n; i++) longest = fmax(longest, (*corpus)->utts[i].duration);
    st = al_model_load(ckpt, model);
    if (st != AL_OK) return st;
    const al_input_spec in = al_model_input(*model);
    return al_model_state_new(*model, batch_size, al_input_frames(&in, longest) + 1, state);
}
