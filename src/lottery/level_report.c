/* Per-run files of the lottery: mask files, report.json. */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"
#include "lottery/lottery_internal.h"
#include "train/run_files.h"

al_status al_load_weights_and_mask(al_param_table *t, const char *weights_path, const char *mask_path, uint8_t *mask) {
    al_st_file *f;
    al_status st = AL_OK;
    if (weights_path) {
        st = al_st_open(weights_path, &f);
        if (st != AL_OK) return st;
        st = al_param_table_read(t, t->data, f, weights_path, 0);
        al_st_close(f);
    }
    if (st != AL_OK || !mask_path) return st;
    return al_mask_load(t, mask_path, mask);
}

al_status al_write_mask(const al_param_table *t, const uint8_t *mask, int level, const char *path) {
    al_mask_report r;
    al_status st = al_mask_count(t, mask, &r);
    if (st != AL_OK) return st;
    al_st_writer *w = al_st_writer_new();
    char buf[64];
    st = w ? al_mask_write(t, mask, w) : al_error(AL_ERR_NOMEM, "out of memory");
    snprintf(buf, sizeof buf, "%d", level);
    if (st == AL_OK) st = al_st_writer_meta(w, "level", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)r.kept_all);
    if (st == AL_OK) st = al_st_writer_meta(w, "remaining_weights", buf);
    snprintf(buf, sizeof buf, "%lld", (long long)r.total_all);
    if (st == AL_OK) st = al_st_writer_meta(w, "prunable_weights", buf);
    if (st == AL_OK) st = al_st_writer_save(w, path);
    al_st_writer_free(w);
    al_mask_report_free(&r);
    return st;
}

/* Greedy WER/CER of model m on the corpus at path into obj[name]; nothing when path is NULL. The
 * state is sized for this set's longest utterance. */
static al_status score_set(al_model *m, const al_train_opts *to, const char *path, const char *name, cJSON *obj) {
    if (!path) return AL_OK;
    al_corpus_opts co = al_corpus_defaults(); /* whole set: the duration filters are for training only */
    al_corpus *c;
    al_status st = al_corpus_load(path, &co, &c);
    if (st != AL_OK) return al_error_prefix(st, "%s set: ", name);
    double longest = 0;
    for (size_t i = 0; i < c->n; i++) longest = fmax(longest, c->utts[i].duration);
    const al_input_spec in = al_model_input(m);
    al_model_state *s = NULL;
    st = c->n ? al_model_state_new(m, to->batch_size, al_input_frames(&in, longest) + 1, &s)
              : al_error(AL_ERR_EMPTY, "%s set %s: no usable utterances", name, path);
    al_eval_result r;
    al_alphabet a = al_alphabet_default();
    if (st == AL_OK) st = al_evaluate(s, c, &a, to->batch_size, NULL, &r, NULL);
    if (st == AL_OK) {
        cJSON *e = cJSON_AddObjectToObject(obj, name);
        cJSON_AddNumberToObject(e, "wer", al_error_rate(&r.words));
        cJSON_AddNumberToObject(e, "cer", al_error_rate(&r.chars));
        cJSON_AddNumberToObject(e, "words", (double)r.words.ref);
        al_log(AL_LOG_INFO, "  %s: WER %.2f CER %.2f", name, al_error_rate(&r.words), al_error_rate(&r.chars));
    }
    al_model_state_free(s);
    al_corpus_free(c);
    return st;
}

/* dir's best checkpoint, or its last one when there is no best (no dev set). */
static al_status scored_checkpoint(const char *dir, char *ckpt, size_t n) {
    al_status st = al_run_file(ckpt, n, dir, AL_RUN_BEST);
    if (st == AL_OK && !al_file_exists(ckpt)) st = al_run_file(ckpt, n, dir, AL_RUN_LAST);
    return st;
}

al_status al_write_level_report(const al_lottery_opts *o, const char *dir, const al_lottery_branch *b, int level,
                                const al_mask_report *mr, const al_train_result *tr, double wall_seconds,
                                const char *path) {
    char ckpt[4200];
    al_model *m = NULL;
    al_status st = scored_checkpoint(dir, ckpt, sizeof ckpt);
    if (st == AL_OK) st = al_model_load(ckpt, &m);
    if (st != AL_OK) return st;
    cJSON *root = cJSON_CreateObject();
    if (!root) {
        al_model_free(m);
        return al_error(AL_ERR_NOMEM, "out of memory");
    }
    cJSON_AddStringToObject(root, "kind", b ? al_branch_type_name(b->type) : "trunk");
    /* only a branch with arguments names them, so the reports of the others keep their bytes */
    if (b && b->args[0]) cJSON_AddStringToObject(root, "args", b->args);
    cJSON_AddNumberToObject(root, "level", level);
    cJSON_AddNumberToObject(root, "remaining_weights", (double)mr->kept_all);
    cJSON_AddNumberToObject(root, "prunable_weights", (double)mr->total_all);
    cJSON_AddNumberToObject(root, "remaining_percent", 100.0 * mr->kept_all / mr->total_all);
    cJSON *per = cJSON_AddArrayToObject(root, "per_tensor");
    for (int i = 0; i < mr->n; i++) {
        if (!mr->total[i]) continue;
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", al_model_params(m)->params[i].name);
        cJSON_AddNumberToObject(e, "kept", (double)mr->kept[i]);
        cJSON_AddNumberToObject(e, "total", (double)mr->total[i]);
        cJSON_AddNumberToObject(e, "percent", 100.0 * mr->kept[i] / mr->total[i]);
        cJSON_AddItemToArray(per, e);
    }
    cJSON_AddNumberToObject(root, "best_epoch", tr->best_epoch);
    cJSON_AddStringToObject(root, "checkpoint", ckpt);
    if (st == AL_OK) st = score_set(m, &o->train, o->train.dev_path, "dev", root);
    if (st == AL_OK) st = score_set(m, &o->train, o->test_clean, "test-clean", root);
    if (st == AL_OK) st = score_set(m, &o->train, o->test_other, "test-other", root);
    cJSON_AddNumberToObject(root, "wall_seconds", wall_seconds);
    /* throughput of the training steps run by this call (a resumed run counts its last part) */
    cJSON_AddNumberToObject(root, "train_audio_seconds_per_second",
                            tr->train_seconds > 0 ? tr->audio_seconds / tr->train_seconds : 0);
    char *text = st == AL_OK ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    al_model_free(m);
    if (st != AL_OK) return st;
    if (!text) return al_error(AL_ERR_NOMEM, "out of memory");
    st = al_write_file_atomic(path, text, strlen(text));
    free(text);
    return st;
}
