/* Beam search over a batch of utterances: one workspace per OpenMP thread. */
#include "audiolottery/beam.h"

#include <stdlib.h>
#include <string.h>
#ifdef AL_HAVE_OPENMP
#include <omp.h>
#endif

al_status al_beam_decode_batch(const float *logits, int T, int N, const int *lengths, const al_alphabet *a,
                               const al_beam_opts *o, al_beam_result *results) {
    if (T < 0 || N < 0) return al_error(AL_ERR_INVALID, "beam batch: bad shape (%d, %d, %d)", T, N, a->n);
    memset(results, 0, sizeof *results * (size_t)N); /* every result empty, also when a length is bad */
    for (int n = 0; n < N; n++) {
        if (lengths[n] < 0 || lengths[n] > T)
            return al_error(AL_ERR_INVALID, "beam batch: utterance %d has %d frames, the block %d", n, lengths[n], T);
    }
    int bad = N; /* the first failing utterance, and its status and message */
    al_status bad_st = AL_OK;
    char bad_msg[512] = "";
    const int C = a->n;
#pragma omp parallel
    {
        al_beam_ws *ws = NULL;
        al_status st = al_beam_ws_new(o->beam_width, C, T, &ws);
#pragma omp for schedule(dynamic, 1)
        for (int n = 0; n < N; n++) {
            al_status s = st != AL_OK ? st
                                      : al_beam_decode(ws, logits + (size_t)n * C, lengths[n], (size_t)N * C, a, o,
                                                       &results[n]);
            if (s != AL_OK) {
#pragma omp critical(al_beam_batch_error)
                if (n < bad) {
                    bad = n, bad_st = s;
                    snprintf(bad_msg, sizeof bad_msg, "%s", al_last_error());
                }
            }
        }
        al_beam_ws_free(ws);
    }
    if (bad < N) {
        for (int n = 0; n < N; n++) al_beam_result_free(&results[n]);
        return al_error(bad_st, "beam batch: utterance %d: %s", bad, bad_msg);
    }
    return AL_OK;
}
