/* Files users hand us that must be refused with a clear error instead of being read wrongly:
 * safetensors whose data sections overlap, leave gaps or repeat a name; PyTorch state dicts with a
 * layer missing in the middle or a DataParallel prefix; configs, labels and training states out of
 * range; masks of another shape or model; run-directory files that exist but cannot be read. */
#include "al_test.h"
#include "audiolottery/ds2.h"
#include "audiolottery/io.h"
#include "audiolottery/prune.h"
#include "audiolottery/train.h"
#include "train/metrics_csv.h"

#include <sys/stat.h>

static const char *tmp_path(const char *name) {
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", al_test_tmpdir(), name);
    return path;
}

/* A safetensors file with this JSON header followed by data_bytes zero bytes. */
static const char *write_raw(const char *name, const char *header, size_t data_bytes) {
    const char *path = tmp_path(name);
    size_t hl = strlen(header), n = 8 + hl + data_bytes;
    char *buf = calloc(1, n);
    for (int i = 0; i < 8; i++) buf[i] = (char)((hl >> (8 * i)) & 0xff);
    memcpy(buf + 8, header, hl);
    CHECK_OK(al_write_file_atomic(path, buf, n));
    free(buf);
    return path;
}

static void expect_st_error(const char *name, const char *header, size_t data_bytes, const char *what) {
    const char *path = write_raw(name, header, data_bytes);
    al_st_file *f = (al_st_file *)1;
    CHECK_MSG(al_st_open(path, &f) == AL_ERR_FORMAT && f == NULL, "%s was accepted", name);
    CHECK_STR_CONTAINS(al_last_error(), what);
}

static void test_safetensors_layout(void) {
    const char *ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                     "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}   ";
    al_st_file *f = NULL;
    CHECK_OK(al_st_open(write_raw("ok.safetensors", ok, 12), &f)); /* the control: padded with spaces */
    al_st_close(f);
    expect_st_error("overlap.safetensors",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                    8, "overlap or gap");
    expect_st_error("gap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
                    "tensor 'a' starts at byte 4");
    expect_st_error("tail.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
                    "4 bytes after the last tensor");
    expect_st_error("fraction.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.5,4.5]}}", 8,
                    "data_offsets");
    expect_st_error("dup.safetensors",
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                    8, "tensor 'a' appears twice");
    expect_st_error("latin1.safetensors", "{\"caf\xe9\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
                    "header is not UTF-8");
    expect_st_error("garbage.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}xyz", 4,
                    "not a JSON object");
}

/* Writes ds2-tiny's tensors (no metadata, as PyTorch would) minus those whose name starts with
 * `drop`, each name prefixed with `prefix`; extra metadata when meta_key is set. */
static const char *write_state_dict(const char *name, const char *drop, const char *prefix, const char *meta_key,
                                    const char *meta_value) {
    al_model *m = NULL;
    CHECK_OK(al_model_new_preset("ds2-tiny", &m));
    const al_param_table *t = al_model_params(m);
    al_st_writer *w = al_st_writer_new();
    for (int i = 0; i < t->n; i++) {
        const al_param *p = &t->params[i];
        if (drop && !strncmp(p->name, drop, strlen(drop))) continue;
        char full[AL_PARAM_NAME_MAX + 16];
        snprintf(full, sizeof full, "%s%s", prefix, p->name);
        CHECK_OK(al_st_writer_add(w, full, AL_DT_F32, p->ndim, p->shape, t->data + p->offset));
    }
    if (meta_key) CHECK_OK(al_st_writer_meta(w, meta_key, meta_value));
    const char *path = tmp_path(name);
    CHECK_OK(al_st_writer_save(w, path));
    al_st_writer_free(w);
    al_model_free(m);
    return path;
}

static void expect_model_error(const char *path, const char *what) {
    al_model *m = NULL;
    CHECK_MSG(al_model_load(path, &m) != AL_OK && m == NULL, "%s was accepted", path);
    CHECK_STR_CONTAINS(al_last_error(), what);
    al_model_free(m);
}

static void test_state_dicts(void) {
    al_model *m = NULL;
    CHECK_OK(al_model_load(write_state_dict("full.safetensors", NULL, "", NULL, NULL), &m));
    CHECK(m && !strcmp(al_model_arch(m), "ds2") && ((const al_ds2_config *)al_model_config(m))->hidden_layers == 2);
    al_model_free(m);
    /* ds2-tiny has LSTM layers 0 and 1: without layer 0's input weights it must not load as none */
    expect_model_error(write_state_dict("gap.safetensors", "rnns.0.rnn.weight_ih", "", NULL, NULL),
                       "has tensors of LSTM layer 1, but 'rnns.0.rnn.weight_ih_l0' is missing");
    expect_model_error(write_state_dict("dp.safetensors", NULL, "module.", NULL, NULL), "DataParallel");
    expect_model_error(write_state_dict("frac.safetensors", NULL, "", "model",
                                        "{\"arch\":\"ds2\",\"conv_channels\":4.5,\"hidden_layers\":2,"
                                        "\"hidden_size\":16,\"n_bins\":161,\"n_classes\":29}"),
                       "conv_channels 4.5 is not a size");
    expect_model_error(write_state_dict("huge.safetensors", NULL, "", "model",
                                        "{\"arch\":\"ds2\",\"conv_channels\":4,\"hidden_layers\":2,"
                                        "\"hidden_size\":100000,\"n_bins\":161,\"n_classes\":29}"),
                       "hidden size 100000 outside 1..16384");
    expect_model_error(write_state_dict("labels.safetensors", NULL, "", "labels", "_'abcdefghijklmnopqrstuvwxyz "),
                       "labels \"_'abcdefghijklmnopqrstuvwxyz \" differ from the default");
}

static void test_training_state_out_of_range(void) {
    al_model *m = NULL;
    CHECK_OK(al_model_new_preset("ds2-tiny", &m));
    if (!m) return;
    al_ckpt_state s = {.epoch = 1, .step_in_epoch = 3, .lr = 3e-4, .best_dev = 1e9};
    snprintf(s.config_json, sizeof s.config_json, "{}");
    const char *path = tmp_path("state.safetensors");
    CHECK_OK(al_ckpt_save(path, m, NULL, &s));
    al_ckpt_state back;
    CHECK_OK(al_ckpt_restore(path, m, NULL, &back));
    CHECK(back.epoch == 1 && back.step_in_epoch == 3);
    s.step_in_epoch = -3; /* would index the batch list before its start */
    CHECK_OK(al_ckpt_save(path, m, NULL, &s));
    CHECK(al_ckpt_restore(path, m, NULL, &back) == AL_ERR_FORMAT);
    CHECK_STR_CONTAINS(al_last_error(), "step_in_epoch -3 is not a count");
    al_model_free(m);
}

static void test_mask_of_another_shape_or_model(void) {
    al_param_table t;
    al_param_table_init(&t);
    al_param_add(&t, "w", 2, (int64_t[]){2, 3}, AL_PARAM_PRUNABLE);
    CHECK_OK(al_param_table_alloc(&t));
    uint8_t ones[6] = {1, 1, 1, 1, 1, 1}, *mask = al_mask_new(&t); /* the table's layout may pad */
    const struct {
        const char *file, *name, *what;
        int64_t shape[2];
    } bad[] = {{"transposed.safetensors", "w_mask", "not a U8 tensor of the weight's shape", {3, 2}},
               {"deeper.safetensors", "v_mask", "mask 'v_mask' belongs to no prunable weight", {2, 3}}};
    for (int k = 0; k < 2; k++) {
        al_st_writer *w = al_st_writer_new();
        CHECK_OK(al_st_writer_add(w, "w_mask", AL_DT_U8, 2, k == 0 ? bad[k].shape : (int64_t[]){2, 3}, ones));
        if (k == 1) CHECK_OK(al_st_writer_add(w, bad[k].name, AL_DT_U8, 2, bad[k].shape, ones));
        const char *path = tmp_path(bad[k].file);
        CHECK_OK(al_st_writer_save(w, path));
        al_st_writer_free(w);
        al_st_file *f = NULL;
        CHECK_OK(al_st_open(path, &f));
        if (!f) continue;
        CHECK(al_mask_read(&t, f, path, mask) == AL_ERR_FORMAT);
        CHECK_STR_CONTAINS(al_last_error(), bad[k].what);
        al_st_close(f);
    }
    free(mask);
    al_param_table_free(&t);
}

/* A metrics.csv or config.json that exists but cannot be read is never replaced. */
static void test_unreadable_run_files_are_kept(void) {
    char dir[1200], sub[1300];
    snprintf(dir, sizeof dir, "%s", tmp_path("run"));
    snprintf(sub, sizeof sub, "%s/metrics.csv", dir); /* a directory: reading it fails with EISDIR */
    CHECK_OK(al_mkdir_p(sub));
    CHECK(al_metrics_csv_append(dir, "1,2,3,4,5,6,0\n") == AL_ERR_IO);
    CHECK(al_metrics_csv_trim(dir, 0) == AL_ERR_IO);
    struct stat sb;
    CHECK(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode));
    snprintf(sub, sizeof sub, "%s/config.json", dir);
    CHECK_OK(al_mkdir_p(sub));
    CHECK(al_run_dir_claim(dir, "{}") == AL_ERR_IO);
    CHECK(stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode));
}

AL_TEST_MAIN(test_safetensors_layout, test_state_dicts, test_training_state_out_of_range,
             test_mask_of_another_shape_or_model, test_unreadable_run_files_are_kept)
