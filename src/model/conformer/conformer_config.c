/* Conformer-CTC presets, config checks and the subsampling's sizes. */
#include <string.h>

#include "audiolottery/data.h"
#include "model/conformer/conformer_internal.h"

static const struct {
    const char *name;
    al_conformer_config cfg;
} presets[] = {
    /* d, heads, ffn, layers, kernel: conformer-tiny 245,469 parameters with 29 labels, -small
     * 12,445,517, -medium 26,212,637 */
    {"conformer-tiny", {64, 4, 128, 2, 15, AL_CONFORMER_BINS, 29, 0.1f}},
    {"conformer-small", {176, 4, 704, 16, 31, AL_CONFORMER_BINS, 29, 0.1f}},
    {"conformer-medium", {256, 4, 1024, 16, 31, AL_CONFORMER_BINS, 29, 0.1f}},
};

al_status al_conformer_preset(const char *name, al_conformer_config *cfg) {
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
        if (!strcmp(name, presets[i].name)) {
            *cfg = presets[i].cfg;
            return AL_OK;
        }
    return al_error(AL_ERR_INVALID, "unknown conformer preset '%s'", name);
}

/* Conv2d(kernel 3, stride 2, no padding) on each axis: (L - 1) / 2, twice. */
static int sub_len(int n) { return n >= 3 ? (n - 1) / 2 : 0; }

int al_conformer_output_length(int frames) { return sub_len(sub_len(frames)); }

int al_conformer_sub_bins(const al_conformer_config *c, int stage) {
    return stage == 0 ? sub_len(c->n_bins) : sub_len(sub_len(c->n_bins));
}

al_status al_conformer_config_check(const al_conformer_config *c) {
    const struct {
        const char *name;
        int value, lo, hi;
    } f[] = {{"d", c->d, 1, AL_CONFORMER_MAX_DIM},
             {"heads", c->heads, 1, AL_CONFORMER_MAX_DIM},
             {"ffn", c->ffn, 1, 4 * AL_CONFORMER_MAX_DIM},
             {"layers", c->layers, 1, AL_CONFORMER_MAX_LAYERS},
             {"kernel", c->kernel, 1, 255},
             {"frequency bins", c->n_bins, AL_CONFORMER_BINS, AL_CONFORMER_BINS},
             {"classes", c->n_classes, 2, AL_UNITS_MAX_CLASSES}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (f[i].value < f[i].lo || f[i].value > f[i].hi)
            return al_error(AL_ERR_INVALID, "conformer: %s %d outside %d..%d", f[i].name, f[i].value, f[i].lo,
                            f[i].hi);
    if (c->d % c->heads)
        return al_error(AL_ERR_INVALID, "conformer: d %d is not a multiple of heads %d", c->d, c->heads);
    if (c->kernel % 2 == 0) return al_error(AL_ERR_INVALID, "conformer: kernel %d is not odd", c->kernel);
    if (!(c->dropout >= 0.0f && c->dropout < 1.0f))
        return al_error(AL_ERR_INVALID, "conformer: dropout %g outside [0, 1)", c->dropout);
    return AL_OK;
}
