/* audiolottery logits: per-frame log-probabilities of a checkpoint for external decoders. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/train.h"
#include "cli/commands.h"
#include "cli/input_names.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery logits --checkpoint FILE (--features FILE.safetensors | AUDIO...) --out FILE.safetensors\n\n"
            "Writes per-frame log-probabilities (log-softmax of the model output), one 2-D F32 tensor of shape\n"
            "(output frames, classes) per utterance, in the order and under the names of the input tensors\n"
            "(--features, the layout 'audiolottery features' writes: (bins, frames) tensors, already\n"
            "normalised) or of the audio files (named as 'audiolottery features' names them). Each utterance\n"
            "runs alone in eval mode. The checkpoint may be ours or a PyTorch DeepSpeech2 state_dict saved as\n"
            "safetensors with the deepspeech.pytorch names and no metadata: the architecture is then inferred\n"
            "from the tensor names and shapes. __metadata__ holds the labels (class order).\n\n"
            "options:\n"
            "  --checkpoint FILE   model (required)\n"
            "  --features FILE     input features instead of audio files\n"
            "  --out FILE          output safetensors (required)\n"
            "  --threads N         OpenMP threads (all cores: %d)\n"
            "  -h, --help          this help\n",
            al_threads());
}

typedef struct {
    char *name;
    float *feat; /* (bins, frames), al_malloc'd */
    int bins, frames;
} input;

static al_status read_feature_inputs(const char *path, input **out, int *n) {
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) return st;
    *n = al_st_count(f);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out) st = al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK && *n == 0) st = al_error(AL_ERR_EMPTY, "%s: no tensors", path);
    for (int i = 0; st == AL_OK && i < *n; i++) {
        const al_st_tensor *t = al_st_get(f, i);
        if (t->dtype != AL_DT_F32 || t->ndim != 2 || t->shape[1] < 1) {
            st = al_error(AL_ERR_FORMAT, "%s: tensor '%s' is not a 2-D F32 (bins, frames) matrix", path, t->name);
            break;
        }
        input *in = &(*out)[i];
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

static al_status read_audio_inputs(char **paths, int n, input *in) {
    al_feature_opts fo = al_feature_defaults(AL_FEAT_SPECTROGRAM);
    al_featurizer *fz;
    al_status st = al_featurizer_new(&fo, &fz);
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

/* log-softmax over each frame of logits (T, 1, C), written to out (T, C). */
static void log_softmax_rows(float *out, const float *logits, int T, int C) {
    for (int t = 0; t < T; t++) {
        const float *x = logits + (size_t)t * C;
        double m = x[0], s = 0;
        for (int c = 1; c < C; c++) m = fmax(m, x[c]);
        for (int c = 0; c < C; c++) s += exp(x[c] - m);
        double lse = m + log(s);
        for (int c = 0; c < C; c++) out[(size_t)t * C + c] = (float)(x[c] - lse);
    }
}

static al_status run(const char *ckpt, input *in, int n, const char *out_path) {
    int max_frames = 1;
    for (int i = 0; i < n; i++) max_frames = in[i].frames > max_frames ? in[i].frames : max_frames;
    al_ds2 *m;
    al_status st = al_ckpt_open_model(ckpt, 1, max_frames, &m);
    if (st != AL_OK) return st;
    const al_ds2_config *cfg = al_ds2_cfg(m);
    size_t cap = (size_t)al_ds2_output_length(max_frames) * cfg->n_classes;
    float *logits = malloc(sizeof(float) * cap), *logp = malloc(sizeof(float) * cap);
    al_st_writer *w = al_st_writer_new();
    if (!logits || !logp || !w) st = al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; st == AL_OK && i < n; i++) {
        if (in[i].bins != cfg->n_bins) {
            st = al_error(AL_ERR_FORMAT, "input '%s' has %d bins, the model expects %d", in[i].name, in[i].bins,
                          cfg->n_bins);
            break;
        }
        int out_len;
        int T1 = al_ds2_forward(m, 0, in[i].feat, &in[i].frames, 1, in[i].frames, logits, &out_len);
        if (T1 < 0) {
            st = (al_status)T1;
            break;
        }
        log_softmax_rows(logp, logits, out_len, cfg->n_classes);
        st = al_st_writer_add(w, in[i].name, AL_DT_F32, 2, (int64_t[]){out_len, cfg->n_classes}, logp);
    }
    al_alphabet a = al_alphabet_default();
    char labels[AL_ALPHABET_MAX + 1];
    snprintf(labels, sizeof labels, "%.*s", a.n, a.labels);
    if (st == AL_OK) st = al_st_writer_meta(w, "labels", labels);
    if (st == AL_OK) st = al_st_writer_meta(w, "format", "audiolottery-logprobs");
    if (st == AL_OK) st = al_st_writer_save(w, out_path);
    al_st_writer_free(w);
    free(logits), free(logp);
    al_ds2_free(m);
    return st;
}

int al_cmd_logits(int argc, char **argv) {
    static const struct option longopts[] = {{"checkpoint", 1, 0, 'c'}, {"features", 1, 0, 'f'}, {"out", 1, 0, 'o'},
                                              {"threads", 1, 0, 'j'},    {"help", 0, 0, 'h'},     {0, 0, 0, 0}};
    const char *ckpt = NULL, *features = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': ckpt = optarg; break;
        case 'f': features = optarg; break;
        case 'o': out = optarg; break;
        case 'j': al_set_threads(atoi(optarg)); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int n_audio = argc - optind;
    if (!ckpt || !out || (features ? n_audio != 0 : n_audio == 0)) {
        fprintf(stderr, "logits: needs --checkpoint, --out and either --features or audio files (see --help)\n");
        return 2;
    }
    input *in = NULL;
    int n = 0;
    al_status st;
    if (features) {
        st = read_feature_inputs(features, &in, &n);
    } else {
        n = n_audio;
        in = calloc(n, sizeof *in);
        char **names = al_cli_input_names("logits", argv + optind, n);
        st = in && names ? AL_OK : al_error(AL_ERR_INVALID, "cannot name the inputs");
        for (int i = 0; st == AL_OK && i < n; i++) in[i].name = names[i];
        free(names);
        if (st == AL_OK) st = read_audio_inputs(argv + optind, n, in);
    }
    if (st == AL_OK) st = run(ckpt, in, n, out);
    if (st != AL_OK) fprintf(stderr, "logits: %s\n", al_last_error());
    for (int i = 0; in && i < n; i++) {
        free(in[i].name);
        al_free(in[i].feat);
    }
    free(in);
    return st == AL_OK ? 0 : 1;
}
