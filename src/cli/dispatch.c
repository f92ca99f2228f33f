/* audiolottery: the command-line program's dispatch to one subcommand per file (al_cli_main). */
#include <stdio.h>
#include <string.h>

#include "audiolottery/al.h"
#include "cli/commands.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"synth", al_cmd_synth, "make a synthetic speech corpus (LibriSpeech layout) with espeak-ng, flite, festival"},
    {"corpus", al_cmd_corpus, "read a corpus (any supported layout) and print its summary and skipped entries"},
    {"features", al_cmd_features, "compute spectrogram or log-mel features of audio files into safetensors"},
    {"train", al_cmd_train, "train a model (DeepSpeech2, Conformer-CTC) with CTC (resumable run directory)"},
    {"lottery", al_cmd_lottery, "find winning tickets: iterative magnitude pruning with rewinding, and baselines"},
    {"report", al_cmd_report, "tables, winning tickets, CSV and SVG plot of a lottery run directory"},
    {"tune-lm", al_cmd_tune_lm, "grid search of the LM weight and word bonus on a dev corpus"},
    {"score", al_cmd_score, "WER/CER and SER of transcript files (sclite .trn or Kaldi text), sclite-compatible counts"},
    {"eval", al_cmd_eval, "WER/CER of a checkpoint on a corpus (greedy or beam search with an LM)"},
    {"transcribe", al_cmd_transcribe, "text, word times, JSON / SRT / WebVTT of audio files with a checkpoint"},
    {"logits", al_cmd_logits, "per-frame log-probabilities of a checkpoint for external decoders"},
    {"export", al_cmd_export, "a pruned checkpoint as a compact model file holding only the kept weights"},
    {"info", al_cmd_info, "parameter table of a model preset or a checkpoint (with sparsity)"},
    {"bench-infer", al_cmd_bench_infer, "batch-1 real-time factor: dense, sparse (pruned) and PyTorch inference"},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *out) {
    fprintf(out,
            "audiolottery %s: speech recognition lottery tickets on CPU\n\n"
            "usage: audiolottery <command> [options]   (audiolottery <command> --help for its options)\n\n"
            "commands:\n",
            AL_VERSION_STRING);
    for (int i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
}

int al_cli_main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("audiolottery %s\n", AL_VERSION_STRING);
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "audiolottery: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
