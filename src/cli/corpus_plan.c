/* The batch plan of `audiolottery corpus --plan` (see corpus_plan.h). */
#include "cli/corpus_plan.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"

static cJSON *utterances_json(const al_corpus *c) {
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < c->n; i++) {
        const al_utterance *u = &c->utts[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddStringToObject(o, "id", u->id) || !cJSON_AddStringToObject(o, "audio", u->audio_path) ||
            !cJSON_AddNumberToObject(o, "offset", u->offset) || !cJSON_AddNumberToObject(o, "duration", u->duration) ||
            !cJSON_AddStringToObject(o, "text", u->text) || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static al_status epochs_json(cJSON *root, const al_corpus *c, int epochs, int batch_size, uint64_t seed) {
    al_batch_opts bo = al_batch_defaults();
    bo.batch_size = batch_size;
    bo.seed = seed;
    al_batcher *b;
    al_status st = al_batcher_new(c, &bo, &b);
    if (st != AL_OK) return st;
    cJSON *all = cJSON_AddArrayToObject(root, "epochs");
    for (int e = 0; all && e < epochs && st == AL_OK; e++) {
        al_batches bs;
        st = al_batcher_epoch(b, e, &bs);
        cJSON *epoch = st == AL_OK ? cJSON_CreateArray() : NULL;
        for (size_t j = 0; epoch && j < bs.n_batches; j++) {
            cJSON *batch = cJSON_CreateArray();
            for (size_t k = bs.offsets[j]; batch && k < bs.offsets[j + 1]; k++)
                cJSON_AddItemToArray(batch, cJSON_CreateNumber((double)bs.items[k]));
            cJSON_AddItemToArray(epoch, batch);
        }
        if (st == AL_OK) {
            cJSON_AddItemToArray(all, epoch);
            al_batches_free(&bs);
        }
    }
    al_batcher_free(b);
    return st == AL_OK && !all ? al_error(AL_ERR_NOMEM, "out of memory") : st;
}

al_status al_write_batch_plan(const char *path, const al_corpus *c, int epochs, int batch_size, uint64_t seed) {
    cJSON *root = cJSON_CreateObject();
    cJSON *utts = utterances_json(c);
    if (!root || !utts) {
        cJSON_Delete(root);
        cJSON_Delete(utts);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    cJSON_AddNumberToObject(root, "batch_size", batch_size);
    cJSON_AddNumberToObject(root, "seed", (double)seed);
    cJSON_AddItemToObject(root, "utterances", utts);
    al_status st = epochs_json(root, c, epochs, batch_size, seed);
    char *text = st == AL_OK ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (st != AL_OK) return st;
    if (!text) return al_error(AL_ERR_NOMEM, "out of memory");
    st = al_write_file_atomic(path, text, strlen(text));
    free(text);
    return st;
}
