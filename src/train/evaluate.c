/* Greedy evaluation of a model on a corpus: WER and CER. */
#include "audiolottery/decode.h"
#include "audiolottery/train.h"

#include <stdlib.h>
#include <string.h>

static int by_duration(const void *a, const void *b, void *corpus) {
    const al_corpus *c = corpus;
    double da = c->utts[*(const size_t *)a].duration, db = c->utts[*(const size_t *)b].duration;
    return da < db ? -1 : da > db ? 1 : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static size_t longest_text(const al_corpus *c) {
    size_t m = 1;
    for (size_t i = 0; i < c->n; i++) {
        size_t l = strlen(c->utts[i].text);
        m = l > m ? l : m;
    }
    return m;
}

static double longest_duration(const al_corpus *c) {
    double m = 0;
    for (size_t i = 0; i < c->n; i++) m = c->utts[i].duration > m ? c->utts[i].duration : m;
    return m;
}

al_status al_evaluate(al_ds2 *m, const al_corpus *corpus, const al_alphabet *a, int batch_size, al_eval_result *r,
                      char ***hyp_out) {
    memset(r, 0, sizeof *r);
    if (hyp_out) *hyp_out = NULL;
    if (corpus->n == 0) return al_error(AL_ERR_EMPTY, "evaluate: the corpus has no utterances");
    const al_ds2_config *cfg = al_ds2_cfg(m);
    size_t *order = malloc(sizeof(size_t) * corpus->n);
    char **hyps = calloc(corpus->n, sizeof *hyps);
    al_batch b;
    int max_frames = al_frames_for_seconds(longest_duration(corpus)) + 1;
    al_status st = order && hyps ? al_batch_alloc(&b, batch_size, max_frames, (int)longest_text(corpus))
                                 : al_error(AL_ERR_NOMEM, "evaluate: out of memory");
    if (st != AL_OK) {
        free(order), free(hyps);
        return st;
    }
    for (size_t i = 0; i < corpus->n; i++) order[i] = i;
    qsort_r(order, corpus->n, sizeof *order, by_duration, (void *)corpus);
    size_t max_T1 = (size_t)al_ds2_output_length(max_frames);
    float *logits = malloc(sizeof(float) * max_T1 * batch_size * cfg->n_classes);
    int *out_len = malloc(sizeof(int) * batch_size);
    if (!logits || !out_len) st = al_error(AL_ERR_NOMEM, "evaluate: out of memory");
    al_batch_source src = {.corpus = corpus, .alphabet = a};
    for (size_t start = 0; start < corpus->n && st == AL_OK; start += batch_size) {
        int n = corpus->n - start < (size_t)batch_size ? (int)(corpus->n - start) : batch_size;
        st = al_batch_load(&b, &src, order + start, n, 0, 0);
        int T1 = st == AL_OK ? al_ds2_forward(m, 0, b.x, b.lengths, b.N, b.T, logits, out_len) : st;
        if (T1 < 0) st = (al_status)T1;
        for (int i = 0; i < n && st == AL_OK; i++) {
            const al_utterance *u = &corpus->utts[order[start + i]];
            char *hyp;
            st = al_ctc_greedy(logits + (size_t)i * cfg->n_classes, out_len[i], (size_t)n * cfg->n_classes,
                               cfg->n_classes, a, &hyp);
            if (st == AL_OK) st = al_score_words(u->text, hyp, &r->words);
            if (st == AL_OK) st = al_score_chars(u->text, hyp, &r->chars);
            r->seconds += u->duration;
            hyps[order[start + i]] = hyp;
        }
    }
    free(logits), free(out_len), free(order);
    al_batch_free(&b);
    if (st == AL_OK && hyp_out) {
        *hyp_out = hyps;
    } else {
        for (size_t i = 0; i < corpus->n; i++) free(hyps[i]);
        free(hyps);
    }
    return st;
}
