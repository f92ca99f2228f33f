/* audiolottery info: the parameter table of a preset or a checkpoint, with sparsity when the
 * checkpoint carries masks (<name>_mask U8 tensors). */
#include <string.h>

#include "audiolottery/al.h"
#include "cli/commands.h"

static void usage(FILE *out) {
    char presets[512];
    al_model_preset_names(presets, sizeof presets);
    fprintf(out,
            "usage: audiolottery info --model PRESET\n"
            "       audiolottery info CHECKPOINT\n\n"
            "Prints the parameter table (name, shape, count, prunable; for a checkpoint with masks the kept\n"
            "share of each tensor), total and prunable counts, and the config. Presets: %s.\n",
            presets);
}

/* Kept weights of entry p according to f's "<name>_mask" tensor (or, in a compact model file, its
 * kept blocks); -1 when there is none. */
static int64_t kept_by_mask(const al_st_file *f, const al_param *p) {
    if (!f) return -1;
    if (al_compact_is(f)) return al_compact_kept(f, p->name, (int64_t)p->numel);
    char key[AL_PARAM_NAME_MAX + 8];
    snprintf(key, sizeof key, "%s_mask", p->name);
    const al_st_tensor *m = al_st_find(f, key);
    if (!m || m->dtype != AL_DT_U8 || (size_t)m->numel != p->numel) return -1;
    int64_t kept = 0;
    for (size_t i = 0; i < p->numel; i++) kept += ((const uint8_t *)m->data)[i] != 0;
    return kept;
}

static void print_table(al_model *m, const al_st_file *f) {
    const al_param_table *t = al_model_params(m);
    printf("%-44s %-16s %12s %-8s %s\n", "name", "shape", "count", "prunable", "kept");
    int64_t kept_total = 0, masked_numel = 0;
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        char shape[64] = "";
        for (int d = 0; d < p->ndim; d++)
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d ? "x" : "", (long long)p->shape[d]);
        const char *kind = p->flags & AL_PARAM_BUFFER ? "buffer" : p->flags & AL_PARAM_PRUNABLE ? "yes" : "no";
        int64_t kept = p->flags & AL_PARAM_PRUNABLE ? kept_by_mask(f, p) : -1;
        char keep[32] = "";
        if (kept >= 0) {
            snprintf(keep, sizeof keep, "%.2f%%", 100.0 * kept / p->numel);
            kept_total += kept;
            masked_numel += p->numel;
        }
        printf("%-44s %-16s %12zu %-8s %s\n", p->name, shape, p->numel, kind, keep);
    }
    size_t total = al_param_count_trainable(t), prunable = al_param_count_prunable(t);
    printf("\nparameters: %zu trainable, %zu prunable (%.1f%%)\n", total, prunable, 100.0 * prunable / total);
    if (masked_numel)
        printf("masks: %lld of %lld masked weights kept (%.2f%%)\n", (long long)kept_total, (long long)masked_numel,
               100.0 * kept_total / masked_numel);
    char config[512];
    al_model_describe(m, config, sizeof config);
    printf("config: %s\n", config);
}

int al_cmd_info(int argc, char **argv) {
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    al_model *m = NULL;
    al_st_file *f = NULL;
    al_status st;
    if (argc == 3 && !strcmp(argv[1], "--model")) {
        if (!al_model_family_for_preset(argv[2])) { /* bad usage (exit 2) */
            al_model_new_preset(argv[2], &m);      /* for its message, which lists the presets */
            fprintf(stderr, "info: --model: %s\n", al_last_error());
            return 2;
        }
        st = al_model_new_preset(argv[2], &m);
    } else if (argc == 2 && argv[1][0] != '-') {
        st = al_model_load(argv[1], &m);
        if (st == AL_OK) st = al_st_open(argv[1], &f);
        if (st == AL_OK) {
            const char *keys[] = {"state", "config"};
            for (int i = 0; i < 2; i++)
                if (al_st_metadata(f, keys[i])) printf("%s: %s\n", keys[i], al_st_metadata(f, keys[i]));
        }
    } else {
        usage(stderr);
        return 2;
    }
    if (st != AL_OK) {
        fprintf(stderr, "info: %s\n", al_last_error());
        al_model_free(m);
        al_st_close(f);
        return 1;
    }
    print_table(m, f);
    al_model_free(m);
    al_st_close(f);
    return 0;
}
