/* audiolottery score: WER/CER and SER of a hypothesis transcript file against a reference. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"
#include "audiolottery/metrics.h"
#include "cli/commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery score --ref FILE --hyp FILE [options]\n\n"
            "Aligns each hypothesis to the reference with the same utterance id and prints the Kaldi lines\n"
            "  %%WER x.xx [ errors / words, i ins, d del, s sub ]   (%%CER with --cer)\n"
            "  %%SER x.xx [ utterances with errors / utterances ]\n"
            "with NIST sclite's alignment (costs: insertion 3, deletion 3, substitution 4; same counts as\n"
            "sclite -s). Tokens are words, or with --cer characters without spaces (as deepspeech.pytorch).\n\n"
            "Transcript files: sclite .trn (\"text (id)\" lines) or Kaldi text (\"id text\" lines), detected per\n"
            "file: .trn when its first non-blank line ends with \"(...)\", else Kaldi. Empty transcripts are\n"
            "allowed (\"(id)\", or a Kaldi line with only the id). An id of the reference missing from the\n"
            "hypotheses is scored as an empty hypothesis (all deletions) and listed on stderr; an id only in\n"
            "the hypotheses, a duplicate id or a .trn line without \"(id)\" is an error naming file:line.\n\n"
            "options (default):\n"
            "  --ref FILE        reference transcripts (required)\n"
            "  --hyp FILE        hypothesis transcripts (required)\n"
            "  --cer             score characters instead of words\n"
            "  --cost C          sclite | levenshtein (unit costs, the plain edit distance of Kaldi\n"
            "                    compute-wer and deepspeech.pytorch); default sclite\n"
            "  --format F        auto | kaldi | trn, for both files; default auto\n"
            "  --errors FILE     write each utterance's alignment, in reference order:\n"
            "                      id: <id>\n"
            "                      scores: (#C #S #D #I) c s d i\n"
            "                      ref: <tokens, *** where the hypothesis inserted one>\n"
            "                      hyp: <tokens, *** where a reference token was deleted>\n"
            "                      ops: <C|S|D|I per column>\n"
            "                    and an empty line; columns padded to the wider token\n"
            "  --trn-dir DIR     write DIR/ref.trn and DIR/hyp.trn (sclite input, reference order,\n"
            "                    \"(id)\" for a missing hypothesis): sclite -r DIR/ref.trn trn -h DIR/hyp.trn trn\n"
            "  -h, --help        this help\n");
}

typedef struct {
    const char *ref_path, *hyp_path, *errors_path, *trn_dir;
    al_token_unit unit;
    al_align_cost cost;
    al_text_format format;
} score_opts;

/* Returns 0 (ok), 1 (help printed) or 2 (bad usage). */
static int parse(int argc, char **argv, score_opts *o) {
    static const struct option longopts[] = {{"ref", 1, 0, 'r'},     {"hyp", 1, 0, 'y'},     {"cer", 0, 0, 'c'},
                                              {"cost", 1, 0, 'k'},    {"format", 1, 0, 'f'},  {"errors", 1, 0, 'e'},
                                              {"trn-dir", 1, 0, 't'}, {"help", 0, 0, 'h'},    {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': o->ref_path = optarg; break;
        case 'y': o->hyp_path = optarg; break;
        case 'c': o->unit = AL_UNIT_CHARS; break;
        case 'k':
            if (!strcmp(optarg, "sclite")) o->cost = AL_COST_SCLITE;
            else if (!strcmp(optarg, "levenshtein")) o->cost = AL_COST_LEVENSHTEIN;
            else {
                fprintf(stderr, "score: --cost: '%s' is not sclite or levenshtein\n", optarg);
                return 2;
            }
            break;
        case 'f':
            if (al_text_format_parse(optarg, &o->format) != AL_OK) {
                fprintf(stderr, "score: --format: %s\n", al_last_error());
                return 2;
            }
            break;
        case 'e': o->errors_path = optarg; break;
        case 't': o->trn_dir = optarg; break;
        case 'h': usage(stdout); return 1;
        default: usage(stderr); return 2;
        }
    }
    if (!o->ref_path || !o->hyp_path || optind < argc) {
        fprintf(stderr, "score: --ref and --hyp are required (see --help)\n");
        return 2;
    }
    return 0;
}

/* Aligns every reference utterance with its hypothesis ("" when missing), adds the counts and
 * writes the alignments to errors (may be NULL). */
static al_status score_all(const al_text_file *ref, const al_text_file *hyp, const ptrdiff_t *match,
                           const score_opts *o, FILE *errors, al_error_counts *counts) {
    for (size_t i = 0; i < ref->n; i++) {
        const char *h = match[i] >= 0 ? hyp->items[match[i]].text : "";
        al_alignment a;
        al_status st = al_align(ref->items[i].text, h, o->unit, o->cost, &a);
        if (st != AL_OK) return al_error_prefix(st, "%s:%d: ", ref->path, ref->items[i].line);
        al_error_counts_add(counts, &a);
        if (errors) st = al_alignment_write(errors, ref->items[i].id, &a);
        al_alignment_free(&a);
        if (st != AL_OK) return al_error_prefix(st, "%s: ", o->errors_path);
    }
    return AL_OK;
}

static al_status write_trns(const char *dir, const al_text_file *ref, const al_text_file *hyp,
                            const ptrdiff_t *match) {
    size_t n = ref->n ? ref->n : 1;
    const char **ids = malloc(sizeof *ids * n), **rt = malloc(sizeof *rt * n), **ht = malloc(sizeof *ht * n);
    size_t plen = strlen(dir) + 16;
    char *path = malloc(plen);
    al_status st = ids && rt && ht && path ? al_mkdir_p(dir) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) {
        for (size_t i = 0; i < ref->n; i++) {
            ids[i] = ref->items[i].id;
            rt[i] = ref->items[i].text;
            ht[i] = match[i] >= 0 ? hyp->items[match[i]].text : NULL;
        }
        snprintf(path, plen, "%s/ref.trn", dir);
        st = al_write_trn(path, ref->n, ids, rt);
    }
    if (st == AL_OK) {
        snprintf(path, plen, "%s/hyp.trn", dir);
        st = al_write_trn(path, ref->n, ids, ht);
    }
    free(ids), free(rt), free(ht), free(path);
    return st;
}

static void report_missing(const al_text_file *ref, const al_text_file *hyp, const ptrdiff_t *match) {
    size_t missing = 0;
    for (size_t i = 0; i < ref->n; i++) missing += match[i] < 0;
    if (!missing) return;
    fprintf(stderr, "score: %zu reference utterance%s not in %s, scored as empty hypotheses:", missing,
            missing == 1 ? "" : "s", hyp->path);
    for (size_t i = 0; i < ref->n; i++)
        if (match[i] < 0) fprintf(stderr, " %s", ref->items[i].id);
    fputc('\n', stderr);
}

int al_cmd_score(int argc, char **argv) {
    score_opts o = {.unit = AL_UNIT_WORDS, .cost = AL_COST_SCLITE, .format = AL_TEXT_AUTO};
    int r = parse(argc, argv, &o);
    if (r) return r == 1 ? 0 : r;
    al_text_file ref = {0}, hyp = {0};
    ptrdiff_t *match = NULL;
    al_error_counts counts = {0};
    al_atomic_file af = {0};
    al_status st = al_text_file_read(o.ref_path, o.format, &ref);
    if (st == AL_OK) st = al_text_file_read(o.hyp_path, o.format, &hyp);
    if (st == AL_OK) st = al_text_file_pair(&ref, &hyp, &match);
    if (st == AL_OK && o.errors_path) st = al_atomic_open(&af, o.errors_path);
    if (st == AL_OK) st = score_all(&ref, &hyp, match, &o, af.fp, &counts);
    if (af.fp) {
        if (st == AL_OK) st = al_atomic_commit(&af);
        else al_atomic_abort(&af);
    }
    if (st == AL_OK && o.trn_dir) st = write_trns(o.trn_dir, &ref, &hyp, match);
    if (st == AL_OK) {
        report_missing(&ref, &hyp, match);
        char line[160];
        al_format_kaldi(&counts, o.unit == AL_UNIT_CHARS ? "CER" : "WER", line, sizeof line);
        printf("%s\n", line);
        al_format_kaldi_ser(&counts, line, sizeof line);
        printf("%s\n", line);
    } else {
        fprintf(stderr, "score: %s\n", al_last_error());
    }
    free(match);
    al_text_file_free(&ref);
    al_text_file_free(&hyp);
    return st == AL_OK ? 0 : 1;
}
