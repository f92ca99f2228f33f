/* Utterances -> padded model input: read audio, augment, the model's features, SpecAugment, labels.
 * Parallel over utterances with one featurizer per thread; each utterance draws from its own
 * random stream so the result does not depend on scheduling. */
#include "audiolottery/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
al_status al_batch_alloc(al_batch *b, const al_input_spec *input, int max_batch, int max_frames, int max_labels) {
    memset(b, 0, sizeof *b);
    b->input = *input;
    b->max_batch = max_batch;
    b->max_frames = max_frames;
    b->max_labels = max_labels;
    b->x = al_malloc(sizeof(float) * (size_t)max_batch * input->bins * max_frames);
    b->lengths = malloc(sizeof(int) * max_batch);
    b->targets = malloc(sizeof(int) * (size_t)max_batch * max_labels);
    b->target_lengths = malloc(sizeof(int) * max_batch);
    b->feats = calloc(max_batch, sizeof *b->feats);
    b->frames = calloc(max_batch, sizeof *b->frames);
    b->status = calloc(max_batch, sizeof *b->status);
    b->messages = calloc(max_batch, sizeof *b->messages);
    b->n_featurizers = al_threads();
    b->featurizers = calloc(b->n_featurizers, sizeof *b->featurizers);
    for (int i = 0; b->featurizers && i < b->n_featurizers; i++)
        if (al_featurizer_new(&input->features, &b->featurizers[i]) != AL_OK) {
            al_batch_free(b);
            return al_error_prefix(AL_ERR_INVALID, "batch: ");
        }
    if (!b->x || !b->lengths || !b->targets || !b->target_lengths || !b->feats || !b->frames || !b->status ||
        !b->messages || !b->featurizers) {
        al_batch_free(b);
        return al_error(AL_ERR_NOMEM, "batch: out of memory (%d x %d frames)", max_batch, max_frames);
    }
    return AL_OK;
}

void al_batch_free(al_batch *b) {
    al_free(b->x);
    free(b->lengths);
    free(b->targets);
    free(b->target_lengths);
    for (int i = 0; b->featurizers && i < b->n_featurizers; i++) al_featurizer_free(b->featurizers[i]);
    free(b->featurizers);
    free(b->feats);
    free(b->frames);
    free(b->status);
    free(b->messages);
    memset(b, 0, sizeof *b);
}

/* One utterance's normalised spectrogram (bins, frames), al_malloc'd. */
static al_status utterance_features(const al_batch_source *src, const al_utterance *u, al_featurizer *fz,
                                    int want_bins, al_rng *rng, float **feat, int *frames) {
    al_audio_read_opts ro = al_audio_read_defaults();
    ro.offset = u->offset;
    ro.duration = u->offset > 0 || u->duration > 0 ? u->duration : 0;
    al_audio a;
    al_status st = al_audio_read(u->audio_path, &ro, &a);
    if (st == AL_OK && src->augment) st = al_augment_apply(src->augment, &a, rng);
    int bins;
    if (st == AL_OK) st = al_featurizer_compute(fz, a.samples, a.n, feat, &bins, frames);
    if (st == AL_OK && bins != want_bins) {
        al_free(*feat);
        *feat = NULL;
        st = al_error(AL_ERR_INVALID, "%d feature bins, the model wants %d", bins, want_bins);
    }
    al_audio_free(&a);
    if (st == AL_OK && src->specaug) st = al_specaugment(*feat, bins, *frames, src->specaug, rng);
    if (st != AL_OK) return al_error_prefix(st, "utterance %s: ", u->id);
    return AL_OK;
}

al_status al_batch_load(al_batch *b, const al_batch_source *src, const size_t *items, int n, int epoch,
                        int batch_index) {
    if (n < 1 || n > b->max_batch) return al_error(AL_ERR_INVALID, "batch: %d utterances (capacity %d)", n, b->max_batch);
    float **feats = b->feats;
    int *frames = b->frames;
    al_status *status = b->status;
    char (*messages)[512] = b->messages;
#pragma omp parallel for schedule(dynamic, 1) num_threads(b->n_featurizers)
    for (int i = 0; i < n; i++) {
        int thread = al_thread_num();
        al_rng rng;
        al_rng_seed_stream(&rng, src->seed, ((uint64_t)epoch << 40) ^ ((uint64_t)batch_index << 16) ^ (uint64_t)i);
        feats[i] = NULL;
        status[i] = utterance_features(src, &src->corpus->utts[items[i]], b->featurizers[thread], b->input.bins, &rng,
                                       &feats[i], &frames[i]);
        if (status[i] != AL_OK) snprintf(messages[i], sizeof messages[i], "%s", al_last_error());
    }
    al_status st = AL_OK;
    int T = 0;
    for (int i = 0; i < n && st == AL_OK; i++) {
        if (status[i] != AL_OK) st = al_error(status[i], "%s", messages[i]);
        else if (frames[i] > b->max_frames)
            st = al_error(AL_ERR_INVALID, "utterance %s: %d frames exceed the batch capacity %d",
                          src->corpus->utts[items[i]].id, frames[i], b->max_frames);
        else if (frames[i] > T) T = frames[i];
    }
    if (st == AL_OK) {
        b->N = n;
        b->T = T;
        int offset = 0;
        const int bins = b->input.bins;
        for (int i = 0; i < n && st == AL_OK; i++) {
            float *dst = b->x + (size_t)i * bins * T;
            for (int f = 0; f < bins; f++) {
                memcpy(dst + (size_t)f * T, feats[i] + (size_t)f * frames[i], sizeof(float) * frames[i]);
                memset(dst + (size_t)f * T + frames[i], 0, sizeof(float) * (T - frames[i]));
            }
            b->lengths[i] = frames[i];
            const char *text = src->corpus->utts[items[i]].text;
            int len = (int)strlen(text);
            if (len > b->max_labels) {
                st = al_error(AL_ERR_INVALID, "utterance %s: %d characters exceed the batch capacity %d",
                              src->corpus->utts[items[i]].id, len, b->max_labels);
                break;
            }
            if (src->units) { /* BPE pieces: at most one more than the characters (a leading word marker) */
                st = al_units_encode(src->units, text, b->targets + offset, b->max_labels, &len);
                if (st != AL_OK) {
                    st = al_error_prefix(st, "utterance %s: ", src->corpus->utts[items[i]].id);
                    break;
                }
            } else {
                for (int k = 0; k < len; k++) b->targets[offset + k] = src->alphabet->index[(unsigned char)text[k]];
            }
            b->target_lengths[i] = len;
            offset += len;
        }
    }
    for (int i = 0; i < n; i++) {
        al_free(feats[i]);
        feats[i] = NULL;
    }
    return st;
}
