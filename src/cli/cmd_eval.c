/* audiolottery eval: WER/CER of a checkpoint on a corpus, greedy or beam search with an LM. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"
#include "audiolottery/train.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "cli/decode_options.h"
#include "cli/model_inputs.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery eval --checkpoint FILE --corpus CORPUS [options]\n\n"
            "Decodes every utterance of CORPUS (any layout 'audiolottery corpus' reads) and prints the\n"
            "Kaldi-style lines %%WER x.xx [ errors / words, i ins, d del, s sub ], the same for characters\n"
            "(CER without spaces) and %%SER. Counts use sclite's alignment (see docs/FORMATS.md). Accepts our\n"
            "checkpoints and PyTorch state dicts (DeepSpeech2, Conformer) in safetensors.\n\n"
            "options (default):\n"
            "  --checkpoint FILE   model (required)\n"
            "  --corpus CORPUS     corpus to score (required)\n"
            "  --batch-size N      16\n"
            "  --max-duration S    skip longer utterances (0: none)\n"
            "  --hyps FILE         write 'utterance-id hypothesis' lines (Kaldi text format)\n"
            "  --trn-dir DIR       write DIR/ref.trn and DIR/hyp.trn (sclite: sclite -r ref.trn -h hyp.trn -i wsj)\n"
            "  --errors FILE       per-utterance word alignments (see docs/FORMATS.md)\n"
            "  --threads N         OpenMP threads (all cores: %d)\n",
            al_threads());
    al_cli_decode_usage(out);
    fprintf(out, "  -h, --help          this help\n");
}

static al_status write_hyps(const char *path, const al_corpus *c, char **hyps) {
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) return st;
    for (size_t i = 0; i < c->n; i++) fprintf(af.fp, "%s %s\n", c->utts[i].id, hyps[i]);
    return al_atomic_commit(&af);
}

static al_status write_trn(const char *dir, const al_corpus *c, char **hyps) {
    const char **ids = malloc(sizeof *ids * c->n), **refs = malloc(sizeof *refs * c->n);
    char path[4096];
    al_status st = ids && refs ? al_mkdir_p(dir) : al_error(AL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == AL_OK && i < c->n; i++) ids[i] = c->utts[i].id, refs[i] = c->utts[i].text;
    snprintf(path, sizeof path, "%s/ref.trn", dir);
    if (st == AL_OK) st = al_write_trn(path, c->n, ids, refs);
    snprintf(path, sizeof path, "%s/hyp.trn", dir);
    if (st == AL_OK) st = al_write_trn(path, c->n, ids, (const char *const *)hyps);
    free(ids), free(refs);
    return st;
}

static al_status write_errors(const char *path, const al_corpus *c, char **hyps) {
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    for (size_t i = 0; st == AL_OK && i < c->n; i++) {
        al_alignment a;
        st = al_align(c->utts[i].text, hyps[i], AL_UNIT_WORDS, AL_COST_SCLITE, &a);
        if (st == AL_OK) st = al_alignment_write(af.fp, c->utts[i].id, &a);
        if (st == AL_OK) al_alignment_free(&a);
    }
    if (st != AL_OK) {
        if (af.fp) al_atomic_abort(&af);
        return st;
    }
    return al_atomic_commit(&af);
}

int al_cmd_eval(int argc, char **argv) {
    static const struct option own[] = {{"checkpoint", 1, 0, 'c'}, {"corpus", 1, 0, 'k'}, {"batch-size", 1, 0, 'b'},
                                        {"max-duration", 1, 0, 'x'}, {"hyps", 1, 0, 'H'}, {"trn-dir", 1, 0, 'T'},
                                        {"errors", 1, 0, 'E'}, {"threads", 1, 0, 'j'}, {"help", 0, 0, 'h'},
                                        {0, 0, 0, 0}};
    struct option longopts[AL_CLI_DECODE_LONGOPTS + sizeof own / sizeof *own];
    al_cli_decode_longopts(own, longopts);
    const char *ckpt = NULL, *corpus_path = NULL, *hyps_path = NULL, *trn_dir = NULL, *errors = NULL;
    int64_t batch = 16, v;
    double max_duration = 0;
    al_cli_decode dec;
    al_cli_decode_begin(&dec);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int handled = al_cli_decode_option("eval", c, optarg, &dec);
        if (handled < 0) return 2;
        if (handled) continue;
        int bad = 0;
        switch (c) {
        case 'c': ckpt = optarg; break;
        case 'k': corpus_path = optarg; break;
        case 'b': bad = al_cli_int("eval", "--batch-size", optarg, 1, 4096, &batch); break;
        case 'x': bad = al_cli_double("eval", "--max-duration", optarg, 0, 1e6, &max_duration); break;
        case 'H': hyps_path = optarg; break;
        case 'T': trn_dir = optarg; break;
        case 'E': errors = optarg; break;
        case 'j': bad = al_cli_int("eval", "--threads", optarg, 1, 1024, &v); al_set_threads((int)v); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (bad) return 2;
    }
    if (!ckpt || !corpus_path || optind < argc) {
        fprintf(stderr, "eval: --checkpoint and --corpus are required (see --help)\n");
        return 2;
    }
    al_corpus *corpus = NULL;
    al_model *m = NULL;
    al_model_state *ms = NULL;
    char **hyps = NULL;
    al_eval_result r;
    al_status st = al_cli_decode_end(&dec);
    if (st == AL_OK) st = al_cli_open_corpus_and_model(corpus_path, max_duration, ckpt, (int)batch, &corpus, &m, &ms);
    al_alphabet a = al_alphabet_default();
    double t0 = al_time_now();
    if (st == AL_OK) st = al_evaluate(ms, corpus, &a, (int)batch, al_cli_decode_opts(&dec), &r, &hyps);
    if (st == AL_OK && hyps_path) st = write_hyps(hyps_path, corpus, hyps);
    if (st == AL_OK && trn_dir) st = write_trn(trn_dir, corpus, hyps);
    if (st == AL_OK && errors) st = write_errors(errors, corpus, hyps);
    if (st == AL_OK) {
        char line[160];
        printf("%s: %zu utterances, %.2f h of audio (%zu skipped), %s, %.1f s\n", corpus_path, corpus->n,
               r.seconds / 3600, corpus->n_skips, al_cli_decode_describe(&dec), al_time_now() - t0);
        al_format_kaldi(&r.words, "WER", line, sizeof line);
        printf("%s\n", line);
        al_format_kaldi(&r.chars, "CER", line, sizeof line);
        printf("%s\n", line);
        al_format_kaldi_ser(&r.words, line, sizeof line);
        printf("%s\n", line);
    } else {
        fprintf(stderr, "eval: %s\n", al_last_error());
    }
    if (hyps)
        for (size_t i = 0; i < corpus->n; i++) free(hyps[i]);
    free(hyps);
    al_cli_decode_free(&dec);
    al_model_state_free(ms);
    al_model_free(m);
    al_corpus_free(corpus);
    return st == AL_OK ? 0 : 1;
}
