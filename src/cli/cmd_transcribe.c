/* audiolottery transcribe: text (and word times) of audio files with a checkpoint. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/decode.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/decode_options.h"
#include "cli/model_inputs.h"
#include "audiolottery/transcript.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery transcribe --checkpoint FILE AUDIO... [options]\n\n"
            "Transcribes each AUDIO file (any format the front end reads; resampled to 16 kHz), greedy or with\n"
            "beam search and an LM. Word times come from the frames at which the best path emits each word's\n"
            "characters.\n\n"
            "options (default):\n"
            "  --checkpoint FILE   model (required; ours, a compact file of 'export', or a PyTorch state_dict of\n"
            "                      DeepSpeech2 or Conformer); pruned weights (exact zeros) run on sparse kernels\n"
            "  --format F          txt | json | srt | vtt (txt); srt and vtt take one AUDIO per output file\n"
            "  --out FILE          write here (atomically) instead of standard output\n"
            "  --threads N         OpenMP threads (all cores: %d)\n"
            ,
            al_threads());
    al_cli_decode_usage(out);
    fprintf(out, "  -h, --help          this help\n");
}

static al_status transcribe(al_model_state *s, const al_beam_opts *beam, al_beam_ws *ws, const al_cli_input *in,
                            const char *file, al_transcript *t) {
    const al_model *m = al_model_state_model(s);
    const int C = al_model_classes(m);
    const al_input_spec spec = al_model_input(m);
    float *logits = malloc(sizeof(float) * (size_t)al_model_output_length(m, in->frames) * C);
    if (!logits) return al_error(AL_ERR_NOMEM, "out of memory");
    int T = al_cli_run_model(s, in, logits);
    al_status st = T < 0 ? (al_status)T : AL_OK;
    al_alphabet a = al_alphabet_default();
    int *frames = NULL;
    t->file = file;
    t->duration = (in->frames - 1) * (double)spec.features.hop_length / spec.features.sample_rate;
    const al_units *units = al_model_output_units(m);
    if (st == AL_OK && beam && al_units_is_bpe(units))
        st = al_error(AL_ERR_UNSUPPORTED, "beam search (and the LM) needs character units; %s decodes greedily",
                      al_units_name(units));
    if (st == AL_OK && !beam)
        st = al_units_is_bpe(units) ? al_units_greedy(units, logits, T, C, C, &t->text, &frames)
                                    : al_ctc_greedy_frames(logits, T, C, C, &a, &t->text, &frames);
    if (st == AL_OK && beam) {
        al_beam_result r;
        st = al_beam_decode(ws, logits, T, C, &a, beam, &r);
        if (st == AL_OK) t->text = r.text, frames = r.frames;
    }
    if (st == AL_OK) st = al_word_times(t->text, frames, al_model_seconds_per_frame(m), &t->words, &t->n_words);
    free(frames);
    free(logits);
    return st;
}

static al_status write_all(const char *path, const al_transcript *t, int n, al_transcript_format f) {
    if (!path) {
        al_status st = al_transcripts_write(stdout, t, n, f);
        /* a full disk or closed pipe shows only when the buffer is flushed */
        if (st == AL_OK && fflush(stdout) != 0) st = al_error(AL_ERR_IO, "stdout: write failed: %s", strerror(errno));
        return st;
    }
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    st = al_transcripts_write(af.fp, t, n, f);
    if (st != AL_OK) {
        al_atomic_abort(&af);
        return al_error_prefix(st, "%s: ", path);
    }
    return al_atomic_commit(&af);
}

int al_cmd_transcribe(int argc, char **argv) {
    static const struct option own[] = {{"checkpoint", 1, 0, 'c'}, {"format", 1, 0, 'f'}, {"out", 1, 0, 'o'},
                                        {"threads", 1, 0, 'j'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    struct option longopts[AL_CLI_DECODE_LONGOPTS + sizeof own / sizeof *own];
    al_cli_decode_longopts(own, longopts);
    al_cli_decode dec;
    al_cli_decode_begin(&dec);
    const char *ckpt = NULL, *out = NULL;
    al_transcript_format format = AL_TRANSCRIPT_TXT;
    int c;
    int64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int handled = al_cli_decode_option("transcribe", c, optarg, &dec);
        if (handled < 0) return 2;
        if (handled) continue;
        switch (c) {
        case 'c': ckpt = optarg; break;
        case 'f':
            if (al_transcript_format_parse(optarg, &format) != AL_OK) {
                fprintf(stderr, "transcribe: %s\n", al_last_error());
                return 2;
            }
            break;
        case 'o': out = optarg; break;
        case 'j':
            if (al_cli_int("transcribe", "--threads", optarg, 1, 1024, &v)) return 2;
            al_set_threads((int)v);
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int n = argc - optind;
    if (!ckpt || n < 1) {
        fprintf(stderr, "transcribe: needs --checkpoint and at least one audio file (see --help)\n");
        return 2;
    }
    if ((format == AL_TRANSCRIPT_SRT || format == AL_TRANSCRIPT_VTT) && n != 1) {
        fprintf(stderr, "transcribe: --format %s takes one audio file\n", al_transcript_format_ext(format));
        return 2;
    }
    al_cli_input *in = calloc(n, sizeof *in);
    al_transcript *t = calloc(n, sizeof *t);
    al_model *m = NULL;
    al_model_state *s = NULL;
    al_beam_ws *ws = NULL;
    al_status st = in && t ? al_cli_decode_end(&dec) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = al_model_load(ckpt, &m);
    if (st == AL_OK && al_units_classes(al_model_output_units(m)) != al_model_classes(m))
        st = al_error(AL_ERR_FORMAT, "%s: %d classes, but its %s units have %d (a model with other units keeps them "
                      "in its metadata)", ckpt, al_model_classes(m), al_units_name(al_model_output_units(m)),
                      al_units_classes(al_model_output_units(m)));
    al_input_spec spec = m ? al_model_input(m) : (al_input_spec){0};
    if (st == AL_OK) st = al_cli_read_audio_inputs(&spec, argv + optind, n, in);
    const int max_frames = al_cli_max_frames(in, n);
    if (st == AL_OK) st = al_model_state_new(m, 1, max_frames, &s);
    /* pruned weights run on sparse kernels (a family without them runs dense) */
    if (st == AL_OK && (st = al_model_sparsify(m, NULL, AL_WEIGHT_FORMAT_AUTO, 1, max_frames, NULL)) ==
                           AL_ERR_UNSUPPORTED)
        st = AL_OK;
    const al_beam_opts *beam = al_cli_decode_opts(&dec);
    al_beam_opts with_frames;
    if (beam) {
        with_frames = *beam;
        with_frames.want_frames = 1;
        beam = &with_frames;
    }
    if (st == AL_OK && beam)
        st = al_beam_ws_new(beam->beam_width, al_model_classes(m), al_model_output_length(m, max_frames), &ws);
    for (int i = 0; st == AL_OK && i < n; i++) st = transcribe(s, beam, ws, &in[i], argv[optind + i], &t[i]);
    if (st == AL_OK) st = write_all(out, t, n, format);
    if (st != AL_OK) fprintf(stderr, "transcribe: %s\n", al_last_error());
    for (int i = 0; t && i < n; i++) {
        free(t[i].text);
        al_word_times_free(t[i].words, t[i].n_words);
    }
    free(t);
    al_cli_free_inputs(in, n);
    al_beam_ws_free(ws);
    al_cli_decode_free(&dec);
    al_model_state_free(s);
    al_model_free(m);
    return st == AL_OK ? 0 : 1;
}
