/* The training loop for any CTC model family: epochs of sorted-and-shuffled batches, CTC, clipping, optimizer steps, greedy
 * dev evaluation per epoch, checkpoints that make a killed run resume bit-identically. */
#include "audiolottery/io.h"
#include "audiolottery/loss.h"
#include "audiolottery/prune.h"
#include "audiolottery/train.h"
#include "train/metrics_csv.h"
#include "train/run_files.h"
#include "train/train_units.h"
#include "train/train_option_list.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

al_train_opts al_train_defaults(void) {
    al_train_opts o = {0};
    al_opt_table_defaults(&al_train_option_table, &o); /* the table's defaults (train_option_list.h) */
    o.init_seed = o.seed; /* a fresh initialisation's seed is the run's */
    return o;
}

const char *al_select_metric_name(al_select_metric m) { return m == AL_SELECT_CER ? "cer" : "wer"; }

al_status al_select_metric_parse(const char *s, al_select_metric *m) {
    if (!strcmp(s, "wer")) *m = AL_SELECT_WER;
    else if (!strcmp(s, "cer")) *m = AL_SELECT_CER;
    else return al_error(AL_ERR_INVALID, "'%s' is not a selection metric (wer | cer)", s);
    return AL_OK;
}

/* Everything that changes the result; a run directory is tied to it. The keys and their order are the
 * table's (train_option_list.h). */
al_status al_train_config_json(const al_train_opts *o, char *buf, size_t n) {
    al_text t;
    al_text_init(&t, buf, n);
    al_opt_table_config_json(&al_train_option_table, o, &t);
    if (t.overflow)
        return al_error(AL_ERR_INVALID, "train: the run's config is longer than %zu bytes (paths too long?)", n - 1);
    return AL_OK;
}

typedef struct {
    const al_train_opts *o;
    al_corpus *train, *dev;
    al_alphabet alphabet;
    al_batcher *batcher;
    al_model *model;
    al_model_state *ms; /* the one training state; dev evaluation runs on it too */
    al_optim *opt;
    al_ctc_workspace *ctc;
    al_batch batch;
    float *logits, *dlogits;
    uint8_t *mask;      /* NULL: no pruning */
    double train_seconds, audio_seconds;
    int *out_len;
    double *losses;
    al_specaugment_opts specaug;
    al_ckpt_state state;
    char last_path[4096], best_path[4096];
} trainer;

static void trainer_free(trainer *tr) {
    al_corpus_free(tr->train);
    al_corpus_free(tr->dev);
    al_batcher_free(tr->batcher);
    al_model_state_free(tr->ms);
    al_model_free(tr->model);
    al_optim_free(tr->opt);
    al_ctc_workspace_free(tr->ctc);
    al_batch_free(&tr->batch);
    free(tr->logits), free(tr->dlogits), free(tr->out_len), free(tr->losses), free(tr->mask);
}

al_status al_train_initial_weights(const al_train_opts *o, al_model *m, uint8_t **mask_out) {
    al_param_table *t = al_model_params(m);
    if (mask_out) *mask_out = NULL;
    al_status st = AL_OK;
    if (o->init_from) {
        al_st_file *f;
        st = al_st_open(o->init_from, &f);
        if (st == AL_OK) {
            st = al_param_table_read(t, t->data, f, o->init_from, 0);
            al_st_close(f);
        }
    } else {
        al_model_init_weights(m, o->init_seed);
    }
    if (st != AL_OK || !o->mask_path) return st;
    uint8_t *mask = al_mask_new(t);
    st = mask ? al_mask_load(t, o->mask_path, mask) : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) al_apply_mask(t, t->data, mask);
    if (st == AL_OK && mask_out) *mask_out = mask;
    else free(mask);
    return st;
}

static double max_duration(const al_corpus *c) {
    double m = 0;
    for (size_t i = 0; c && i < c->n; i++) m = c->utts[i].duration > m ? c->utts[i].duration : m;
    return m;
}

static int max_text(const al_corpus *c) {
    int m = 1;
    for (size_t i = 0; i < c->n; i++) {
        int l = (int)strlen(c->utts[i].text);
        m = l > m ? l : m;
    }
    return m;
}

/* The duration filters select training utterances only: dev is always scored whole, so that model
 * selection (and the numbers reported with it) sees every dev utterance. */
/* model_min: the shortest training utterance the model turns into an output frame (al_model_min_seconds) */
static al_status load_corpus(const char *path, const al_train_opts *o, double model_min, const char *what,
                             al_corpus **out) {
    al_corpus_opts co = al_corpus_defaults();
    if (!strcmp(what, "train")) {
        co.min_duration = fmax(o->min_duration, model_min);
        co.max_duration = o->max_duration;
    }
    al_status st = al_corpus_load(path, &co, out);
    if (st != AL_OK) return al_error_prefix(st, "%s corpus: ", what);
    if ((*out)->n == 0) return al_error(AL_ERR_EMPTY, "%s corpus %s: no usable utterances", what, path);
    al_log(AL_LOG_INFO, "%s: %zu utterances, %.2f h (%zu skipped)", what, (*out)->n, al_corpus_seconds(*out) / 3600,
           (*out)->n_skips);
    return AL_OK;
}

static al_status trainer_setup(trainer *tr, const al_train_opts *o) {
    memset(tr, 0, sizeof *tr);
    tr->o = o;
    tr->alphabet = al_alphabet_default();
    al_status st = al_run_file(tr->last_path, sizeof tr->last_path, o->out_dir, AL_RUN_LAST);
    if (st == AL_OK) st = al_run_file(tr->best_path, sizeof tr->best_path, o->out_dir, AL_RUN_BEST);
    if (st == AL_OK) st = al_model_new_preset(o->model, &tr->model);
    if (st != AL_OK) return st;
    if (al_model_head(tr->model) != AL_HEAD_CTC)
        return al_error(AL_ERR_UNSUPPORTED, "train: model family '%s' is not a CTC model (its training loop comes "
                        "with the RNN-Transducer)", al_model_arch(tr->model));
    /* a manifest's duration may exceed the audio by the corpus check's 0.05 s tolerance */
    const double model_min = al_model_min_seconds(tr->model, 2);
    st = load_corpus(o->train_path, o, model_min > 0 ? model_min + 0.05 : 0.0, "train", &tr->train);
    if (st == AL_OK && o->dev_path) st = load_corpus(o->dev_path, o, 0, "dev", &tr->dev);
    if (st == AL_OK) st = al_train_units(o, tr->train, &tr->model); /* BPE: the model gets their classes */
    if (st != AL_OK) return st;

    al_batch_opts bo = al_batch_defaults();
    bo.batch_size = o->batch_size;
    bo.seed = o->seed;
    st = al_batcher_new(tr->train, &bo, &tr->batcher);
    if (st != AL_OK) return st;
    const al_input_spec in = al_model_input(tr->model);
    double longest = fmax(max_duration(tr->train), max_duration(tr->dev));
    int max_frames = al_input_frames(&in, longest) + 1;
    int max_labels = max_text(tr->train);
    if (tr->dev && max_text(tr->dev) > max_labels) max_labels = max_text(tr->dev);
    max_labels += 1; /* BPE: a word-start piece may stand alone before the first character */
    st = al_model_state_new(tr->model, o->batch_size, max_frames, &tr->ms);
    if (st != AL_OK) return st;
    st = al_train_initial_weights(o, tr->model, &tr->mask);
    if (st != AL_OK) return st;
    st = al_optim_new(al_model_params(tr->model), &o->optim, &tr->opt);
    int T1 = al_model_output_length(tr->model, max_frames);
    if (st == AL_OK) st = al_ctc_workspace_new(T1, max_labels, o->batch_size, &tr->ctc);
    if (st == AL_OK) st = al_batch_alloc(&tr->batch, &in, o->batch_size, max_frames, max_labels);
    size_t nl = (size_t)T1 * o->batch_size * al_model_classes(tr->model);
    tr->logits = malloc(sizeof(float) * nl);
    tr->dlogits = malloc(sizeof(float) * nl);
    tr->out_len = malloc(sizeof(int) * o->batch_size);
    tr->losses = malloc(sizeof(double) * o->batch_size);
    if (st == AL_OK && (!tr->logits || !tr->dlogits || !tr->out_len || !tr->losses))
        st = al_error(AL_ERR_NOMEM, "out of memory");
    tr->specaug = o->spec_augment == AL_SPECAUG_NEMO ? al_specaugment_nemo() : al_specaugment_defaults();
    return st;
}

/* One batch: forward, CTC, backward, clip, step. Returns the batch loss (sum / N), or a
 * non-finite value when the batch was skipped. */
static al_status train_batch(trainer *tr, const size_t *items, int n, int epoch, int index, double *loss) {
    const al_train_opts *o = tr->o;
    const al_units *units = al_model_output_units(tr->model);
    al_batch_source src = {.corpus = tr->train, .alphabet = &tr->alphabet, .seed = o->seed,
                           .units = al_units_is_bpe(units) ? units : NULL,
                           .specaug = o->spec_augment ? &tr->specaug : NULL};
    al_batch *b = &tr->batch;
    al_status st = al_batch_load(b, &src, items, n, epoch, index);
    if (st != AL_OK) return st;
    /* the batch's own draws for the model (dropout): a resumed run repeats them */
    al_rng rng;
    al_rng_seed_stream(&rng, o->seed ^ 0x6d6f64656cULL, ((uint64_t)epoch << 32) ^ (uint64_t)index);
    al_model_state_set_seed(tr->ms, al_rng_u64(&rng));
    int T1 = al_model_forward(tr->ms, 1, b->x, b->lengths, b->N, b->T, tr->logits, tr->out_len);
    if (T1 < 0) return (al_status)T1;
    const int C = al_model_classes(tr->model);
    st = al_ctc_loss(tr->ctc, tr->logits, T1, b->N, C, tr->out_len, b->targets, b->target_lengths,
                     tr->alphabet.blank, tr->losses, tr->dlogits);
    if (st != AL_OK) return st;
    double sum = 0;
    for (int i = 0; i < b->N; i++) /* an impossible alignment: +inf, with a zero gradient already */
        sum += o->zero_infinity && isinf(tr->losses[i]) && tr->losses[i] > 0 ? 0.0 : tr->losses[i];
    *loss = sum / b->N;
    if (!isfinite(*loss)) return AL_OK; /* skipped, as the seed does with an infinite loss */
    size_t nl = (size_t)T1 * b->N * C;
    for (size_t i = 0; i < nl; i++) tr->dlogits[i] /= (float)b->N;
    al_param_table *t = al_model_params(tr->model);
    al_param_zero_grad(t);
    st = al_model_backward(tr->ms, tr->dlogits);
    if (st != AL_OK) return st;
    /* masked weights get no gradient, as with PyTorch's weight_orig * mask: clipping sees only the
     * kept weights' gradients (the same with dense and sparse kernels) */
    if (tr->mask) al_apply_mask(t, t->grad, tr->mask);
    double norm = al_clip_grad_norm(t, o->clip);
    if (!isfinite(norm)) {
        *loss = NAN;
        return AL_OK;
    }
    if (o->schedule == AL_SCHEDULE_NOAM) /* the lr of this step from the step count: resumes exactly */
        al_optim_set_lr(tr->opt, al_noam_lr(o->optim.lr, o->warmup_steps, tr->opt->step + 1));
    al_optim_step(tr->opt, t, tr->mask);
    return al_model_sparse_refresh(tr->ms);
}

/* A masked run's weights train on sparse matrices where that is faster: built from the weights as
 * they are now (started or resumed). */
static al_status sparse_setup(trainer *tr) {
    if (!tr->mask || tr->o->dense_train) return AL_OK;
    al_sparse_report r;
    al_status st = al_model_sparse_train(tr->ms, tr->mask, AL_WEIGHT_FORMAT_AUTO, &r);
    for (int i = 0; st == AL_OK && i < r.n; i++)
        al_log(AL_LOG_INFO, "%s trains %s (%.1f%% kept, %.1f%% of the dense work)", r.w[i].name,
               al_weight_format_name(r.w[i].format), 100 * r.w[i].kept, 100 * r.w[i].stored);
    return st;
}

static al_status save_last(trainer *tr) {
    return al_ckpt_save(tr->last_path, tr->model, tr->opt, &tr->state);
}

static al_status end_of_epoch(trainer *tr, int epoch, double seconds) {
    const al_train_opts *o = tr->o;
    al_ckpt_state *s = &tr->state;
    double train_loss = s->loss_count ? s->loss_sum / s->loss_count : NAN;
    al_eval_result r = {0};
    double wer = NAN, cer = NAN;
    if (tr->dev) {
        al_status st = al_evaluate(tr->ms, tr->dev, &tr->alphabet, o->batch_size, NULL, &r, NULL);
        if (st != AL_OK) return al_error_prefix(st, "dev evaluation: ");
        wer = al_error_rate(&r.words);
        cer = al_error_rate(&r.chars);
    }
    double lr = al_optim_lr(tr->opt);
    char row[512];
    snprintf(row, sizeof row, "%d,%.6f,%.4f,%.4f,%.9g,%.1f,%lld\n", epoch + 1, train_loss, wer, cer, lr, seconds,
             (long long)s->skipped);
    char wl[128] = "", cl[128] = "";
    if (tr->dev) {
        al_format_kaldi(&r.words, "WER", wl, sizeof wl);
        al_format_kaldi(&r.chars, "CER", cl, sizeof cl);
    }
    al_log(AL_LOG_INFO, "epoch %d/%d: train loss %.3f, dev %s %s, lr %.3g, %.0f s", epoch + 1, o->epochs, train_loss,
           wl, cl, lr, seconds);
    if (o->schedule == AL_SCHEDULE_ANNEAL) al_optim_set_lr(tr->opt, lr / o->anneal);
    s->lr = al_optim_lr(tr->opt);
    s->epoch = epoch + 1;
    s->step_in_epoch = 0;
    s->loss_sum = 0;
    s->loss_count = 0;
    al_status st = AL_OK;
    double score = o->select_by == AL_SELECT_CER ? cer : wer;
    if (tr->dev && score < s->best_dev) {
        s->best_dev = score;
        s->best_epoch = epoch + 1;
        st = al_ckpt_save(tr->best_path, tr->model, NULL, s);
    }
    /* the row first: a kill before the checkpoint repeats the epoch, whose row the resume trims */
    if (st == AL_OK) st = al_metrics_csv_append(o->out_dir, row);
    if (st == AL_OK) st = save_last(tr);
    return st;
}

al_status al_train(const al_train_opts *o, al_train_result *r) {
    if (r) memset(r, 0, sizeof *r);
    if (!o->train_path || !o->out_dir) return al_error(AL_ERR_INVALID, "train: --train and --out are required");
    if (o->epochs < 1 || o->batch_size < 1 || o->anneal <= 0 || o->clip <= 0 || o->warmup_steps < 1)
        return al_error(AL_ERR_INVALID, "train: bad options (epochs %d, batch size %d, anneal %g, clip %g)", o->epochs,
                        o->batch_size, o->anneal, o->clip);
    al_status st = al_mkdir_p(o->out_dir);
    char config[4096];
    if (st == AL_OK) st = al_train_config_json(o, config, sizeof config);
    if (st == AL_OK) st = al_run_dir_claim(o->out_dir, config);
    if (st != AL_OK) return st;
    trainer tr;
    st = trainer_setup(&tr, o);
    al_ckpt_state *s = &tr.state;
    if (st == AL_OK) {
        memset(s, 0, sizeof *s);
        s->lr = o->optim.lr;
        s->best_dev = 1e9;
        snprintf(s->config_json, sizeof s->config_json, "%s", config);
        if (al_file_exists(tr.last_path)) {
            st = al_ckpt_restore(tr.last_path, tr.model, tr.opt, s);
            size_t n_batches = al_batcher_n_batches(tr.batcher);
            if (st == AL_OK && (s->epoch > o->epochs || (size_t)s->step_in_epoch > n_batches))
                st = al_error(AL_ERR_FORMAT, "%s: its state (epoch %d, batch %d) lies outside this run (%d epochs of "
                              "%zu batches)", tr.last_path, s->epoch, s->step_in_epoch, o->epochs, n_batches);
            if (st == AL_OK) st = al_metrics_csv_trim(o->out_dir, s->epoch);
            if (st == AL_OK)
                al_log(AL_LOG_INFO, "resuming from %s: epoch %d, batch %d", tr.last_path, s->epoch + 1,
                       s->step_in_epoch);
        } else {
            /* the starting point (initial weights with the mask applied), for audits of rewinding */
            char start[4200];
            st = al_run_file(start, sizeof start, o->out_dir, AL_RUN_START);
            if (st == AL_OK) st = al_ckpt_save(start, tr.model, NULL, NULL);
        }
    }
    if (st == AL_OK) st = sparse_setup(&tr);
    int64_t steps_this_call = 0;
    for (int epoch = st == AL_OK ? s->epoch : o->epochs; epoch < o->epochs && st == AL_OK; epoch++) {
        al_batches batches;
        st = al_batcher_epoch(tr.batcher, epoch, &batches);
        if (st != AL_OK) break;
        char label[64];
        snprintf(label, sizeof label, "epoch %d/%d", epoch + 1, o->epochs);
        al_progress *p = o->quiet ? NULL : al_progress_start(label, batches.n_batches, "batches");
        al_progress_add(p, s->step_in_epoch);
        double start = al_time_now();
        for (int j = s->step_in_epoch; j < (int)batches.n_batches && st == AL_OK; j++) {
            size_t lo = batches.offsets[j], hi = batches.offsets[j + 1];
            double loss, t0 = al_time_now();
            st = train_batch(&tr, batches.items + lo, (int)(hi - lo), epoch, j, &loss);
            if (st != AL_OK) break;
            tr.train_seconds += al_time_now() - t0;
            for (size_t k = lo; k < hi; k++) tr.audio_seconds += tr.train->utts[batches.items[k]].duration;
            if (isfinite(loss)) {
                s->loss_sum += loss;
                s->loss_count++;
                s->global_step++;
                if (o->capture_step > 0 && s->global_step == o->capture_step && o->capture_path &&
                    !al_file_exists(o->capture_path))
                    st = al_ckpt_save(o->capture_path, tr.model, NULL, NULL);
            } else {
                s->skipped++;
                al_log(AL_LOG_WARN, "epoch %d batch %d: non-finite loss, batch skipped", epoch + 1, j + 1);
            }
            s->step_in_epoch = j + 1;
            char note[64];
            snprintf(note, sizeof note, "loss %.2f", s->loss_count ? s->loss_sum / s->loss_count : NAN);
            al_progress_note(p, note);
            al_progress_add(p, 1);
            steps_this_call++;
            int last_of_epoch = j + 1 == (int)batches.n_batches;
            if (o->stop_after_steps > 0 && steps_this_call >= o->stop_after_steps && !last_of_epoch) {
                st = save_last(&tr);
                al_progress_finish(p);
                p = NULL;
                al_batches_free(&batches);
                if (st == AL_OK) al_log(AL_LOG_INFO, "stopped after %lld steps as asked", (long long)steps_this_call);
                trainer_free(&tr);
                return st;
            }
            if (o->checkpoint_every > 0 && (j + 1) % o->checkpoint_every == 0 && !last_of_epoch) st = save_last(&tr);
        }
        al_progress_finish(p);
        al_batches_free(&batches);
        if (st == AL_OK) st = end_of_epoch(&tr, epoch, al_time_now() - start);
    }
    if (st == AL_OK && tr.dev)
        al_log(AL_LOG_INFO, "best dev %s %.2f at epoch %d: %s", o->select_by == AL_SELECT_CER ? "CER" : "WER",
               s->best_dev, s->best_epoch, tr.best_path);
    if (r && st == AL_OK) {
        r->best_epoch = s->best_epoch;
        r->best_dev = s->best_dev;
        r->train_seconds = tr.train_seconds;
        r->audio_seconds = tr.audio_seconds;
    }
    trainer_free(&tr);
    return st;
}
