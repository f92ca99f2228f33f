/* Evaluation of a model on a corpus: per-utterance logits (batched forward passes), then greedy or
 * beam-search decoding and WER/CER scoring. The two steps are separate so that decoding options
 * can be tuned without running the model again (tune-lm). */
#include "audiolottery/decode.h"
#include "audiolottery/train.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef AL_HAVE_OPENMP
#include <omp.h>
#endif

static int by_duration(const void *a, const void *b, void *corpus) {
    const al_corpus *c = corpus;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double da = c->utts[i].duration, db = c->utts[j].duration;
    return da < db ? -1 : da > db ? 1 : (i > j) - (i < j);
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

void al_utt_logits_free(al_utt_logits *l, size_t n) {
    for (size_t i = 0; l && i < n; i++) al_free(l[i].logits);
    free(l);
}

al_status al_corpus_logits(al_model_state *s, const al_corpus *corpus, const al_alphabet *a, int batch_size,
                           al_utt_logits **out) {
    *out = NULL;
    if (corpus->n == 0) return al_error(AL_ERR_EMPTY, "evaluate: the corpus has no utterances");
    const al_model *m = al_model_state_model(s);
    if (al_model_head(m) != AL_HEAD_CTC)
        return al_error(AL_ERR_UNSUPPORTED, "evaluate: model family '%s' has no per-frame CTC output",
                        al_model_arch(m));
    const int C = al_model_classes(m);
    const al_input_spec in = al_model_input(m);
    const al_units *units = al_model_output_units(m);
    if (al_units_classes(units) != C) /* found before the forward passes, not after */
        return al_error(AL_ERR_FORMAT, "evaluate: the model has %d classes, its %s units %d (a model with other units "
                        "keeps them in its checkpoint's metadata)", C, al_units_name(units), al_units_classes(units));
    size_t *order = malloc(sizeof(size_t) * corpus->n);
    al_utt_logits *res = calloc(corpus->n, sizeof *res);
    al_batch b;
    int max_frames = al_input_frames(&in, longest_duration(corpus)) + 1;
    al_status st = order && res ? al_batch_alloc(&b, &in, batch_size, max_frames, (int)longest_text(corpus))
                                : al_error(AL_ERR_NOMEM, "evaluate: out of memory");
    if (st != AL_OK) {
        free(order), free(res);
        return st;
    }
    for (size_t i = 0; i < corpus->n; i++) order[i] = i;
    qsort_r(order, corpus->n, sizeof *order, by_duration, (void *)corpus);
    size_t max_T1 = (size_t)al_model_output_length(m, max_frames);
    float *logits = malloc(sizeof(float) * max_T1 * batch_size * C);
    int *out_len = malloc(sizeof(int) * batch_size);
    if (!logits || !out_len) st = al_error(AL_ERR_NOMEM, "evaluate: out of memory");
    al_batch_source src = {.corpus = corpus, .alphabet = a};
    /* utterances too short for one output frame (a Conformer's subsampling needs 7 input frames) come
     * first in duration order: no logits, an empty hypothesis. A manifest's duration may exceed the
     * audio by up to 0.05 s (the corpus check's tolerance): for a model with a minimum, judged by that. */
    const double margin = al_model_min_seconds(m, 1) > 0 ? 0.05 : 0.0;
    size_t first = 0;
    while (first < corpus->n &&
           al_model_output_length(m, al_input_frames(&in, corpus->utts[order[first]].duration - margin)) < 1)
        first++;
    for (size_t start = first; start < corpus->n && st == AL_OK; start += batch_size) {
        int n = corpus->n - start < (size_t)batch_size ? (int)(corpus->n - start) : batch_size;
        st = al_batch_load(&b, &src, order + start, n, 0, 0);
        int T1 = st == AL_OK ? al_model_forward(s, 0, b.x, b.lengths, b.N, b.T, logits, out_len) : st;
        if (T1 < 0) st = (al_status)T1;
        for (int i = 0; i < n && st == AL_OK; i++) { /* (T1, n, C) -> utterance's (out_len, C) */
            al_utt_logits *u = &res[order[start + i]];
            u->T = out_len[i];
            u->logits = al_malloc(sizeof(float) * (size_t)u->T * C);
            if (!u->logits) st = al_error(AL_ERR_NOMEM, "evaluate: out of memory");
            for (int t = 0; u->logits && t < u->T; t++)
                memcpy(u->logits + (size_t)t * C, logits + ((size_t)t * n + i) * C, sizeof(float) * C);
        }
    }
    free(logits), free(out_len), free(order);
    al_batch_free(&b);
    if (st != AL_OK) {
        al_utt_logits_free(res, corpus->n);
        return st;
    }
    *out = res;
    return AL_OK;
}

al_status al_decode_and_score(const al_utt_logits *l, const al_corpus *corpus, int C, const al_alphabet *a,
                              const al_units *units, const al_beam_opts *beam, al_eval_result *r, char ***hyp_out) {
    const int bpe = units && al_units_is_bpe(units);
    if (bpe && beam)
        return al_error(AL_ERR_UNSUPPORTED, "beam search (and the LM) needs character units; %s decodes greedily",
                        al_units_name(units));
    memset(r, 0, sizeof *r);
    if (hyp_out) *hyp_out = NULL;
    char **hyps = calloc(corpus->n ? corpus->n : 1, sizeof *hyps);
    al_status *status = calloc(corpus->n ? corpus->n : 1, sizeof *status);
    int max_T = 1;
    for (size_t i = 0; i < corpus->n; i++) max_T = l[i].T > max_T ? l[i].T : max_T;
    al_status st = hyps && status ? AL_OK : al_error(AL_ERR_NOMEM, "evaluate: out of memory");
    /* The first failing utterance's message: al_last_error() is per thread, so it is copied on the
     * worker that failed. */
    size_t bad = SIZE_MAX;
    char bad_msg[512] = "";
#pragma omp parallel if (st == AL_OK)
    {
        al_beam_ws *ws = NULL;
        al_status wst = beam ? al_beam_ws_new(beam->beam_width, C, max_T, &ws) : AL_OK;
#pragma omp for schedule(dynamic, 1)
        for (size_t i = 0; i < corpus->n; i++) {
            if (l[i].T == 0) { /* no output frame: an empty hypothesis */
                status[i] = (hyps[i] = calloc(1, 1)) ? AL_OK : AL_ERR_NOMEM;
                continue;
            }
            if (wst != AL_OK) {
                status[i] = wst;
                continue;
            }
            if (bpe) {
                status[i] = al_units_greedy(units, l[i].logits, l[i].T, C, C, &hyps[i], NULL);
            } else if (!beam) {
                status[i] = al_ctc_greedy(l[i].logits, l[i].T, C, C, a, &hyps[i]);
            } else {
                al_beam_result res;
                status[i] = al_beam_decode(ws, l[i].logits, l[i].T, C, a, beam, &res);
                if (status[i] == AL_OK) hyps[i] = res.text, res.text = NULL;
                if (status[i] == AL_OK) al_beam_result_free(&res);
            }
            if (status[i] != AL_OK) {
#pragma omp critical(al_decode_and_score_error)
                if (i < bad) {
                    bad = i;
                    snprintf(bad_msg, sizeof bad_msg, "%s", al_last_error());
                }
            }
        }
        al_beam_ws_free(ws);
    }
    if (st == AL_OK && bad != SIZE_MAX)
        st = al_error(status[bad], "decoding utterance %s: %s", corpus->utts[bad].id, bad_msg);
    for (size_t i = 0; i < corpus->n && st == AL_OK; i++) {
        st = al_score_words(corpus->utts[i].text, hyps[i], &r->words);
        if (st == AL_OK) st = al_score_chars(corpus->utts[i].text, hyps[i], &r->chars);
        r->seconds += corpus->utts[i].duration;
    }
    free(status);
    if (st == AL_OK && hyp_out) {
        *hyp_out = hyps;
    } else {
        for (size_t i = 0; hyps && i < corpus->n; i++) free(hyps[i]);
        free(hyps);
    }
    return st;
}

al_status al_evaluate(al_model_state *s, const al_corpus *corpus, const al_alphabet *a, int batch_size,
                      const al_beam_opts *beam, al_eval_result *r, char ***hyp_out) {
    al_utt_logits *l;
    memset(r, 0, sizeof *r);
    al_status st = al_corpus_logits(s, corpus, a, batch_size, &l);
    if (st != AL_OK) return st;
    const al_model *m = al_model_state_model(s);
    st = al_decode_and_score(l, corpus, al_model_classes(m), a, al_model_output_units(m), beam, r, hyp_out);
    al_utt_logits_free(l, corpus->n);
    return st;
}
