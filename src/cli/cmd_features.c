/* audiolottery features: spectrogram or log-mel features of audio files into one safetensors file. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/input_names.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery features AUDIO... --out FILE.safetensors [options]\n\n"
            "Computes features of each AUDIO file (read as mono, resampled to 16 kHz) and writes them as 2-D F32\n"
            "tensors of shape (bins, frames) into one safetensors file, written atomically (nothing is written\n"
            "if any input fails). A single input is stored as \"features\"; several inputs are named after their\n"
            "file name without extension, and inputs whose names collide are named after their whole path\n"
            "without extension, with '/' replaced by '_' (a/x.wav and b/x.wav -> a_x and b_x).\n"
            "__metadata__ holds format, type, sample_rate, n_fft, win_length, hop_length, window, normalize,\n"
            "n_mels (logmel) and source.<tensor name> = input path.\n\n"
            "options:\n"
            "  --out FILE          output safetensors file (required)\n"
            "  --type TYPE         spectrogram: DeepSpeech2 log1p|STFT|, Hamming 20 ms, hop 10 ms, 161 bins;\n"
            "                      logmel: 80-bin log-mel (n_fft 512, Hann 25 ms, hop 10 ms); default: spectrogram\n"
            "  --raw-rate HZ       inputs are headerless 16-bit little-endian mono PCM at HZ; default: off\n"
            "  --normalize         per-utterance (x - mean) / std; default: on for spectrogram, off for logmel\n"
            "  --no-normalize      no normalisation\n"
            "  -h, --help          this help\n\n"
            "exit status: 0 written, 1 an input or the output failed, 2 bad usage\n");
}

static al_status add_metadata(al_st_writer *w, const al_feature_opts *fo) {
    char buf[64];
    struct {
        const char *key;
        int value;
    } ints[] = {{"sample_rate", fo->sample_rate}, {"n_fft", fo->n_fft}, {"win_length", fo->win_length},
                {"hop_length", fo->hop_length}, {"n_mels", fo->n_mels}};
    al_status st = al_st_writer_meta(w, "format", "audiolottery-features");
    if (st == AL_OK) st = al_st_writer_meta(w, "type", al_feature_type_name(fo->type));
    if (st == AL_OK) st = al_st_writer_meta(w, "layout", "(bins, frames)");
    if (st == AL_OK) st = al_st_writer_meta(w, "window", fo->window == AL_WINDOW_HANN ? "hann" : "hamming");
    if (st == AL_OK) st = al_st_writer_meta(w, "normalize", fo->normalize ? "1" : "0");
    for (size_t i = 0; st == AL_OK && i < sizeof ints / sizeof *ints; i++) {
        if (!strcmp(ints[i].key, "n_mels") && fo->type != AL_FEAT_LOGMEL) continue;
        snprintf(buf, sizeof buf, "%d", ints[i].value);
        st = al_st_writer_meta(w, ints[i].key, buf);
    }
    return st;
}

/* Reads, featurizes and adds one input to w. */
static al_status add_input(al_st_writer *w, al_featurizer *fz, const al_audio_read_opts *ro, const char *path,
                           const char *name, int64_t *frames_total) {
    al_audio a;
    al_status st = al_audio_read(path, ro, &a);
    if (st != AL_OK) return st;
    float *feat = NULL; /* (bins, frames) */
    int bins, frames;
    st = al_featurizer_compute(fz, a.samples, a.n, &feat, &bins, &frames);
    al_audio_free(&a);
    if (st != AL_OK) return al_error_prefix(st, "%s: ", path);
    int64_t shape[2] = {bins, frames};
    st = al_st_writer_add(w, name, AL_DT_F32, 2, shape, feat);
    al_free(feat);
    if (st != AL_OK) return al_error_prefix(st, "%s: ", path);
    char key[1100];
    snprintf(key, sizeof key, "source.%s", name);
    *frames_total += frames;
    return al_st_writer_meta(w, key, path);
}

int al_cmd_features(int argc, char **argv) {
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                              {"type", required_argument, NULL, 't'},
                                              {"raw-rate", required_argument, NULL, 'r'},
                                              {"normalize", no_argument, NULL, 'n'},
                                              {"no-normalize", no_argument, NULL, 'N'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *out = NULL;
    al_feature_type type = AL_FEAT_SPECTROGRAM;
    int normalize = -1; /* -1: the type's default */
    long raw_rate = 0;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 't':
            if (al_feature_type_parse(optarg, &type) != AL_OK) {
                fprintf(stderr, "features: --type: %s\n", al_last_error());
                return 2;
            }
            break;
        case 'r': {
            char *end;
            errno = 0;
            raw_rate = strtol(optarg, &end, 10);
            if (end == optarg || *end || errno || raw_rate < 1 || raw_rate > 1000000) {
                fprintf(stderr, "features: --raw-rate needs a sample rate in Hz, got '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'n': normalize = 1; break;
        case 'N': normalize = 0; break;
        case 'h': usage(stdout); return 0;
        case ':': fprintf(stderr, "features: %s needs a value (audiolottery features --help)\n", argv[optind - 1]); return 2;
        default: fprintf(stderr, "features: unknown option '%s' (audiolottery features --help)\n", argv[optind - 1]); return 2;
        }
    }
    int n_inputs = argc - optind;
    if (!out || n_inputs < 1) {
        fprintf(stderr, "features: %s\n\n", !out ? "--out is required" : "no AUDIO input given");
        usage(stderr);
        return 2;
    }
    char **inputs = argv + optind;
    if (al_cli_out_is_input("features", out, (const char *const *)inputs, n_inputs)) return 2;
    char **names = al_cli_input_names("features", inputs, n_inputs);
    if (!names) return 2;

    al_feature_opts fo = al_feature_defaults(type);
    if (normalize >= 0) fo.normalize = normalize;
    al_audio_read_opts ro = al_audio_read_defaults();
    ro.target_rate = fo.sample_rate;
    ro.raw_rate = (int)raw_rate;
    al_featurizer *fz = NULL;
    al_st_writer *w = al_st_writer_new();
    al_status st = w ? al_featurizer_new(&fo, &fz) : al_error(AL_ERR_NOMEM, "features: out of memory");
    if (st == AL_OK) st = add_metadata(w, &fo);
    int64_t frames_total = 0;
    for (int i = 0; st == AL_OK && i < n_inputs; i++) st = add_input(w, fz, &ro, inputs[i], names[i], &frames_total);
    if (st == AL_OK) st = al_st_writer_save(w, out);
    if (st == AL_OK)
        fprintf(stderr, "features: wrote %d %s tensor%s (%lld frames) to %s\n", n_inputs, al_feature_type_name(type),
                n_inputs == 1 ? "" : "s", (long long)frames_total, out);
    else
        fprintf(stderr, "features: error: %s\n", al_last_error());
    al_st_writer_free(w);
    al_featurizer_free(fz);
    for (int i = 0; i < n_inputs; i++) free(names[i]);
    free(names);
    return st == AL_OK ? 0 : 1;
}
