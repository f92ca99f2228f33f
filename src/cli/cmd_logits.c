/* audiolottery logits: per-frame log-probabilities of a checkpoint for external decoders. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/input_names.h"
#include "cli/model_inputs.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery logits --checkpoint FILE (--features FILE.safetensors | AUDIO...) --out FILE.safetensors\n\n"
            "Writes per-frame log-probabilities (log-softmax of the model output), one 2-D F32 tensor of shape\n"
            "(output frames, classes) per utterance, in the order and under the names of the input tensors\n"
            "(--features, the layout 'audiolottery features' writes: (bins, frames) tensors, already\n"
            "normalised) or of the audio files (named as 'audiolottery features' names them). Each utterance\n"
            "runs alone in eval mode. The checkpoint may be ours or a PyTorch state_dict of a model family\n"
            "(DeepSpeech2, Conformer; docs/FORMATS.md) saved as safetensors with no metadata: the family and\n"
            "architecture are then inferred from the tensor names and shapes. __metadata__ holds the labels (class order), or for BPE\n"
            "units \"units\" (bpe:N) and \"units_model\" (the SentencePiece model, base64; class k > 0 is\n"
            "piece k - 1).\n\n"
            "options:\n"
            "  --checkpoint FILE   model (required)\n"
            "  --features FILE     input features instead of audio files\n"
            "  --out FILE          output safetensors (required)\n"
            "  --threads N         OpenMP threads (all cores: %d)\n"
            "  -h, --help          this help\n",
            al_threads());
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

static al_status run(al_model *m, al_cli_input *in, int n, const char *out_path) {
    int max_frames = al_cli_max_frames(in, n);
    al_model_state *s;
    al_status st = al_model_state_new(m, 1, max_frames, &s);
    if (st != AL_OK) return st;
    const int C = al_model_classes(m);
    size_t cap = (size_t)al_model_output_length(m, max_frames) * C;
    float *logits = malloc(sizeof(float) * cap), *logp = malloc(sizeof(float) * cap);
    al_st_writer *w = al_st_writer_new();
    if (!logits || !logp || !w) st = al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; st == AL_OK && i < n; i++) {
        int out_len = al_cli_run_model(s, &in[i], logits);
        if (out_len < 0) {
            st = (al_status)out_len;
            break;
        }
        log_softmax_rows(logp, logits, out_len, C);
        st = al_st_writer_add(w, in[i].name, AL_DT_F32, 2, (int64_t[]){out_len, C}, logp);
    }
    al_alphabet a = al_alphabet_default();
    char labels[AL_ALPHABET_MAX + 1];
    snprintf(labels, sizeof labels, "%.*s", a.n, a.labels);
    const al_units *units = al_model_output_units(m);
    if (st == AL_OK && !al_units_is_bpe(units)) st = al_st_writer_meta(w, "labels", labels);
    if (st == AL_OK && al_units_is_bpe(units)) { /* class k > 0 is SentencePiece piece k - 1 */
        char *model = NULL;
        st = al_st_writer_meta(w, "units", al_units_name(units));
        if (st == AL_OK) st = al_units_model_base64(units, &model);
        if (st == AL_OK) st = al_st_writer_meta(w, "units_model", model);
        free(model);
    }
    if (st == AL_OK) st = al_st_writer_meta(w, "format", "audiolottery-logprobs");
    if (st == AL_OK) st = al_st_writer_save(w, out_path);
    al_st_writer_free(w);
    free(logits), free(logp);
    al_model_state_free(s);
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
        case 'j': {
            int64_t v;
            if (al_cli_int("logits", "--threads", optarg, 1, 1024, &v)) return 2;
            al_set_threads((int)v);
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int n_audio = argc - optind;
    if (!ckpt || !out || (features ? n_audio != 0 : n_audio == 0)) {
        fprintf(stderr, "logits: needs --checkpoint, --out and either --features or audio files (see --help)\n");
        return 2;
    }
    if (al_cli_out_is_input("logits", out, (const char *const[]){ckpt, features}, 2) ||
        al_cli_out_is_input("logits", out, (const char *const *)argv + optind, n_audio))
        return 2;
    al_cli_input *in = NULL;
    int n = 0;
    al_model *m = NULL;
    al_status st = al_model_load(ckpt, &m);
    const al_input_spec spec = m ? al_model_input(m) : (al_input_spec){0};
    if (st != AL_OK) {
    } else if (features) {
        st = al_cli_read_feature_inputs(features, spec.bins, &in, &n);
    } else {
        n = n_audio;
        in = calloc(n, sizeof *in);
        char **names = al_cli_input_names("logits", argv + optind, n);
        st = in && names ? AL_OK : al_error(AL_ERR_INVALID, "cannot name the inputs");
        for (int i = 0; st == AL_OK && i < n; i++) in[i].name = names[i];
        free(names);
        if (st == AL_OK) st = al_cli_read_audio_inputs(&spec, argv + optind, n, in);
    }
    if (st == AL_OK) st = run(m, in, n, out);
    if (st != AL_OK) fprintf(stderr, "logits: %s\n", al_last_error());
    al_cli_free_inputs(in, n);
    al_model_free(m);
    return st == AL_OK ? 0 : 1;
}
