/* Checkpoints: model tensors under PyTorch names, optimizer moments, training state in metadata. */
#include "audiolottery/train.h"

#include <cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>


#define OPT_M "optimizer.exp_avg."
#define OPT_V "optimizer.exp_avg_sq."

static al_status add_optimizer(al_st_writer *w, const al_param_table *t, const al_optim *opt) {
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (!(p->flags & AL_PARAM_TRAINABLE)) continue;
        char key[AL_PARAM_NAME_MAX + 32];
        snprintf(key, sizeof key, OPT_M "%s", p->name);
        al_status st = al_st_writer_add(w, key, AL_DT_F32, p->ndim, p->shape, opt->m + p->offset);
        if (st == AL_OK && opt->v) {
            snprintf(key, sizeof key, OPT_V "%s", p->name);
            st = al_st_writer_add(w, key, AL_DT_F32, p->ndim, p->shape, opt->v + p->offset);
        }
        if (st != AL_OK) return st;
    }
    return AL_OK;
}

al_status al_ckpt_save(const char *path, al_model *m, const al_optim *opt, const al_ckpt_state *s) {
    al_param_table *t = al_model_params(m);
    al_st_writer *w = al_st_writer_new();
    if (!w) return al_error(AL_ERR_NOMEM, "out of memory");
    char buf[512];
    al_status st = al_model_write_tensors(m, w, s ? s->global_step : 0);
    if (st == AL_OK && opt) st = add_optimizer(w, t, opt);
    if (st == AL_OK) st = al_model_write_meta(m, w, "audiolottery-checkpoint-1");
    if (st == AL_OK && s) {
        snprintf(buf, sizeof buf,
                 "{\"epoch\":%d,\"step_in_epoch\":%d,\"global_step\":%lld,\"skipped\":%lld,\"lr\":%.17g,"
                 "\"best_dev\":%.17g,\"best_epoch\":%d,\"optimizer_step\":%lld,\"loss_sum\":%.17g,"
                 "\"loss_count\":%lld}",
                 s->epoch, s->step_in_epoch, (long long)s->global_step, (long long)s->skipped, s->lr,
                 s->best_dev, s->best_epoch, (long long)(opt ? opt->step : 0), s->loss_sum,
                 (long long)s->loss_count);
        st = al_st_writer_meta(w, "state", buf);
        if (st == AL_OK) st = al_st_writer_meta(w, "config", s->config_json);
    }
    if (st == AL_OK) st = al_st_writer_save(w, path);
    al_st_writer_free(w);
    return st;
}

static al_status read_optimizer(const al_st_file *f, const char *path, const al_param_table *t, al_optim *opt) {
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (!(p->flags & AL_PARAM_TRAINABLE)) continue;
        float *blocks[2] = {opt->m, opt->v};
        const char *prefix[2] = {OPT_M, OPT_V};
        for (int k = 0; k < 2 && blocks[k]; k++) {
            char key[AL_PARAM_NAME_MAX + 32];
            snprintf(key, sizeof key, "%s%s", prefix[k], p->name);
            const al_st_tensor *x = al_st_find(f, key);
            if (!x || x->dtype != AL_DT_F32 || !al_param_same_shape(p, x))
                return al_error(AL_ERR_FORMAT, "%s: optimizer state '%s' is missing or not F32 of the weight's shape",
                                path, key);
            memcpy(blocks[k] + p->offset, x->data, sizeof(float) * p->numel);
        }
    }
    return AL_OK;
}

static al_status parse_state(const char *json, const char *path, al_ckpt_state *s, int64_t *opt_step) {
    cJSON *root = cJSON_Parse(json);
    if (!root) return al_error(AL_ERR_FORMAT, "%s: metadata 'state' is not JSON", path);
    const char *keys[] = {"epoch", "step_in_epoch", "global_step", "skipped", "lr", "best_dev", "best_epoch",
                          "optimizer_step", "loss_sum", "loss_count"};
    /* counts: whole numbers >= 0 (best_epoch 0: none yet) that an int64 or an int holds exactly */
    const bool count[] = {1, 1, 1, 1, 0, 0, 1, 1, 0, 1};
    double v[10];
    for (int i = 0; i < 10; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        /* checkpoints before --select-by named the best dev score after the only metric, WER */
        if (!x && i == 5) x = cJSON_GetObjectItemCaseSensitive(root, "best_dev_wer");
        if (!cJSON_IsNumber(x)) {
            cJSON_Delete(root);
            return al_error(AL_ERR_FORMAT, "%s: metadata 'state' lacks %s", path, keys[i]);
        }
        v[i] = x->valuedouble;
        double max = i == 0 || i == 1 || i == 6 ? INT32_MAX : 9007199254740992.0; /* 2^53 */
        if (count[i] && !(v[i] >= 0 && v[i] <= max && v[i] == floor(v[i]))) {
            cJSON_Delete(root);
            return al_error(AL_ERR_FORMAT, "%s: metadata 'state': %s %g is not a count", path, keys[i], v[i]);
        }
    }
    cJSON_Delete(root);
    s->epoch = (int)v[0];
    s->step_in_epoch = (int)v[1];
    s->global_step = (int64_t)v[2];
    s->skipped = (int64_t)v[3];
    s->lr = v[4];
    s->best_dev = v[5];
    s->best_epoch = (int)v[6];
    *opt_step = (int64_t)v[7];
    s->loss_sum = v[8];
    s->loss_count = (int64_t)v[9];
    return AL_OK;
}

al_status al_ckpt_restore(const char *path, al_model *m, al_optim *opt, al_ckpt_state *state) {
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) return st;
    al_param_table *t = al_model_params(m);
    const char *sj = al_st_metadata(f, "state"), *cj = al_st_metadata(f, "config");
    if (!sj || !cj) st = al_error(AL_ERR_FORMAT, "%s: not a training checkpoint (no state in the metadata)", path);
    int64_t opt_step = 0;
    if (st == AL_OK) st = parse_state(sj, path, state, &opt_step);
    if (st == AL_OK) {
        snprintf(state->config_json, sizeof state->config_json, "%s", cj);
        st = al_param_table_read(t, t->data, f, path, 0);
    }
    if (st == AL_OK && opt) {
        st = read_optimizer(f, path, t, opt);
        opt->step = opt_step;
        al_optim_set_lr(opt, state->lr);
    }
    al_st_close(f);
    return st;
}
