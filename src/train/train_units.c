/* A training run's output units (--units): characters, or SentencePiece BPE trained on the training
 * transcripts once and kept in the run directory (units.model), so that a resumed run, and every
 * checkpoint, has the same pieces. */
#include <stdlib.h>

#include "audiolottery/io.h"
#include "audiolottery/train.h"
#include "train/run_files.h"
#include "train/train_units.h"

/* The run's BPE units: read from dir/units.model, or trained on the corpus's transcripts and saved. */
static al_status bpe_units(const char *dir, const al_corpus *train, int pieces, al_units **out) {
    char path[4200];
    al_status st = al_run_file(path, sizeof path, dir, AL_RUN_UNITS);
    if (st != AL_OK) return st;
    if (al_file_exists(path)) {
        char *data = NULL;
        size_t bytes = 0;
        st = al_read_file(path, &data, &bytes);
        if (st == AL_OK) st = al_units_from_model(data, bytes, out);
        free(data);
        if (st != AL_OK) return al_error_prefix(st, "%s: ", path);
        /* A resumed run or a lottery level must not silently switch vocabulary size. */
        if (al_units_classes(*out) != pieces + 1) {
            int found = al_units_classes(*out) - 1;
            al_units_free(*out);
            *out = NULL;
            return al_error(AL_ERR_INVALID, "%s: holds %d BPE pieces but --units asks for bpe:%d", path, found,
                            pieces);
        }
        return AL_OK;
    }
    const char **texts = malloc(sizeof(char *) * (train->n ? train->n : 1));
    if (!texts) return al_error(AL_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < train->n; i++) texts[i] = train->utts[i].text;
    st = al_units_train_bpe(texts, train->n, pieces, out);
    free(texts);
    const void *model;
    size_t bytes;
    if (st == AL_OK) st = al_units_model(*out, &model, &bytes);
    if (st == AL_OK) st = al_write_file_atomic(path, model, bytes);
    if (st == AL_OK) al_log(AL_LOG_INFO, "%s: %d BPE pieces from %zu transcripts", path, pieces, train->n);
    return st;
}

al_status al_train_units(const al_train_opts *o, const al_corpus *train, al_model **model) {
    int pieces = 0;
    al_status st = al_units_parse(o->units ? o->units : "chars", &pieces);
    if (st != AL_OK || pieces == 0) return st;
    al_units *u = NULL;
    st = bpe_units(o->out_dir, train, pieces, &u);
    al_model *m = NULL;
    if (st == AL_OK) st = al_model_new_preset_classes(o->model, al_units_classes(u), &m);
    if (st == AL_OK) {
        st = al_model_set_output_units(m, u);
        u = NULL;
    }
    al_units_free(u);
    if (st != AL_OK) {
        al_model_free(m);
        return al_error_prefix(st, "--units %s: ", o->units);
    }
    al_model_free(*model);
    *model = m;
    return AL_OK;
}
