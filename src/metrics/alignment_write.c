/* The errors file written by `audiolottery score --errors`: one block per utterance, in reference
 * order, modelled on sclite's pra report:
 *
 *   id: utt7
 *   scores: (#C #S #D #I) 5 0 3 3
 *   ref: A   B   C   D E *** *** *** F G H
 *   hyp: *** *** *** D E F   G   H   F G H
 *   ops: D   D   D   C C I   I   I   C C C
 *   <empty line>
 *
 * ref/hyp/ops hold one column per alignment pair, padded with spaces to the widest of the pair's
 * tokens (and "***", which stands for the missing side of an insertion or deletion); ops are
 * C (correct), S (substitution), D (deletion: the reference token has no hypothesis token) and
 * I (insertion). Lines end after their last token (no trailing spaces). */
#include "audiolottery/metrics.h"

#include <stdio.h>

static const char gap[] = "***";

static int width(const al_align_pair *p) {
    int r = p->ref ? p->ref_len : 3, h = p->hyp ? p->hyp_len : 3;
    return r > h ? r : h;
}

static void row(FILE *fp, const char *label, const al_alignment *a, int which) {
    fputs(label, fp);
    for (size_t k = 0; k < a->n; k++) {
        const al_align_pair *p = &a->pairs[k];
        const char *s = which == 0 ? p->ref : which == 1 ? p->hyp : &p->op;
        int len = which == 0 ? p->ref_len : which == 1 ? p->hyp_len : 1;
        if (!s) s = gap, len = 3;
        fprintf(fp, " %.*s", len, s);
        if (k + 1 < a->n) fprintf(fp, "%*s", width(p) - len, "");
    }
    fputc('\n', fp);
}

al_status al_alignment_write(FILE *fp, const char *id, const al_alignment *a) {
    fprintf(fp, "id: %s\nscores: (#C #S #D #I) %lld %lld %lld %lld\n", id, (long long)a->cor, (long long)a->sub,
            (long long)a->del, (long long)a->ins);
    row(fp, "ref:", a, 0);
    row(fp, "hyp:", a, 1);
    row(fp, "ops:", a, 2);
    fputc('\n', fp);
    return ferror(fp) ? al_error(AL_ERR_IO, "errors file: write failed") : AL_OK;
}
