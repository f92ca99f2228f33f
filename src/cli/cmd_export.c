/* audiolottery export: a pruned checkpoint as a compact model file (kept weights only). */
#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "audiolottery/al.h"
#include "audiolottery/prune.h"
#include "audiolottery/train.h"
#include "cli/cli_args.h"
#include "cli/commands.h"
#include "train/run_files.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery export --checkpoint FILE --out FILE [--mask FILE]\n\n"
            "Writes a compact model file holding only the kept weights (one bit per weight, or per 8x1 block for\n"
            "block-structured tickets, plus the kept values; format in docs/FORMATS.md) and prints its size next\n"
            "to the checkpoint's. transcribe, eval, tune-lm, logits, info, export and bench-infer read it like a\n"
            "checkpoint.\n\n"
            "The mask comes from --mask, else from the checkpoint's own <param>_mask tensors, else from\n"
            "mask.safetensors beside the checkpoint (a lottery level or branch directory), else the nonzero\n"
            "weights are the kept ones.\n\n"
            "options:\n"
            "  --checkpoint FILE   pruned model (required)\n"
            "  --mask FILE         masks (<param>_mask U8 tensors)\n"
            "  --out FILE          compact model file to write (required)\n"
            "  -h, --help          this help\n");
}

/* *mask: the mask file to use (see usage), or NULL for the nonzero weights. */
static al_status find_mask(const char *ckpt, const char *mask_opt, char *buf, size_t n, const char **mask) {
    *mask = mask_opt;
    if (mask_opt) return AL_OK;
    al_st_file *f;
    if (al_st_open(ckpt, &f) == AL_OK) {
        int own = al_mask_present(f);
        al_st_close(f);
        if (own) {
            *mask = ckpt;
            return AL_OK;
        }
    }
    al_status st = al_run_file_beside(buf, n, ckpt, AL_RUN_MASK);
    struct stat sb;
    if (st == AL_OK && stat(buf, &sb) == 0) *mask = buf;
    return st;
}

static double mb(int64_t bytes) { return bytes / 1e6; }

/* mask_path: from find_mask (NULL: the nonzero weights are kept). */
static al_status run(const char *ckpt, const char *mask_path, const char *out) {
    al_model *m;
    al_status st = al_model_load(ckpt, &m);
    if (st != AL_OK) return st;
    uint8_t *mask = NULL;
    if (mask_path) {
        mask = al_mask_new(al_model_params(m));
        st = mask ? al_mask_load(al_model_params(m), mask_path, mask) : al_error(AL_ERR_NOMEM, "out of memory");
        if (st == AL_OK) fprintf(stderr, "mask: %s\n", mask_path);
    } else {
        fprintf(stderr, "mask: none found; the nonzero weights are the kept ones\n");
    }
    al_compact_stats s;
    if (st == AL_OK) st = al_compact_save(out, m, mask, &s);
    if (st == AL_OK) {
        struct stat sb;
        int64_t ckpt_bytes = stat(ckpt, &sb) == 0 ? (int64_t)sb.st_size : -1;
        printf("wrote %s: %.2f MB; kept %lld of %lld prunable weights (%.2f%%), %d tensors stored as kept blocks\n",
               out, mb(s.bytes), (long long)s.kept, (long long)s.prunable, 100.0 * s.kept / s.prunable,
               s.sparse_tensors);
        printf("the same weights dense: %.2f MB (%.1fx the compact file); the checkpoint %s: %.2f MB\n",
               mb(s.dense_bytes), (double)s.dense_bytes / s.bytes, ckpt, mb(ckpt_bytes));
    }
    free(mask);
    al_model_free(m);
    return st;
}

int al_cmd_export(int argc, char **argv) {
    static const struct option longopts[] = {{"checkpoint", 1, 0, 'c'}, {"mask", 1, 0, 'm'}, {"out", 1, 0, 'o'},
                                              {"help", 0, 0, 'h'},       {0, 0, 0, 0}};
    const char *ckpt = NULL, *mask = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': ckpt = optarg; break;
        case 'm': mask = optarg; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!ckpt || !out || optind < argc) {
        fprintf(stderr, "export: needs --checkpoint and --out (see --help)\n");
        return 2;
    }
    char buf[4200];
    const char *mask_path;
    al_status st = find_mask(ckpt, mask, buf, sizeof buf, &mask_path);
    if (st == AL_OK && al_cli_out_is_input("export", out, (const char *const[]){ckpt, mask_path}, 2)) return 2;
    if (st == AL_OK) st = run(ckpt, mask_path, out);
    if (st != AL_OK) fprintf(stderr, "export: %s\n", al_last_error());
    return st == AL_OK ? 0 : 1;
}
