/* Training-step throughput of a model preset (any family) on random features: forward, CTC, backward,
 * gradient clipping and an AdamW step per batch, as in training. Prints the median step time,
 * audio seconds per second and peak RSS.
 *   bench_train [--model ds2-small] [--batch 16] [--seconds 4] [--steps 10] [--warmup 2] [--threads N]
 *               [--mask-density P] [--mask-structure unstructured|block8x1]
 * --mask-density P < 1 prunes every prunable tensor at random to density P (independent entries, or
 * whole 8 x 1 blocks of 8 consecutive output rows in one input column) and trains as a lottery level
 * does: masked optimizer steps, with the weights on sparse matrices where al_model_sparse_train
 * finds that faster (its choices are printed).
 *   bench_train --infer ...   eval-mode forward only (real-time factor at the given batch); with
 *                             --mask-density, on the eval-mode sparse matrices (al_model_sparsify) */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "audiolottery/al.h"
#include "audiolottery/loss.h"
#include "audiolottery/optim.h"
#include "audiolottery/prune.h"
#include "audiolottery/train.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A random mask of density p over t's prunable tensors (rows = shape[0]), block: 8 x 1 blocks along
 * the rows; the weights it prunes are zeroed. */
static uint8_t *random_mask(al_param_table *t, double p, int block, al_rng *r) {
    uint8_t *mask = al_mask_new(t);
    if (!mask) return NULL;
    for (int i = 0; i < t->n; i++) {
        const al_param *e = &t->params[i];
        if (!(e->flags & AL_PARAM_PRUNABLE)) continue;
        const size_t rows = e->shape[0], cols = e->numel / rows, k = block ? 8 : 1;
        for (size_t r0 = 0; r0 < rows; r0 += k)
            for (size_t c = 0; c < cols; c++) {
                uint8_t keep = al_rng_uniform(r) < p;
                for (size_t j = r0; j < rows && j < r0 + k; j++) mask[e->offset + j * cols + c] = keep;
            }
    }
    al_apply_mask(t, t->data, mask);
    return mask;
}

int main(int argc, char **argv) {
    const char *model = "ds2-small";
    int batch = 16, steps = 10, warmup = 2, infer = 0;
    double seconds = 4, density = 1;
    int block = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--infer")) infer = 1;
        else if (v && !strcmp(a, "--model")) model = v, i++;
        else if (v && !strcmp(a, "--batch")) batch = atoi(v), i++;
        else if (v && !strcmp(a, "--seconds")) seconds = atof(v), i++;
        else if (v && !strcmp(a, "--steps")) steps = atoi(v), i++;
        else if (v && !strcmp(a, "--warmup")) warmup = atoi(v), i++;
        else if (v && !strcmp(a, "--threads")) al_set_threads(atoi(v)), i++;
        else if (v && !strcmp(a, "--mask-density")) density = atof(v), i++;
        else if (v && !strcmp(a, "--mask-structure") && (!strcmp(v, "unstructured") || !strcmp(v, "block8x1")))
            block = !strcmp(v, "block8x1"), i++;
        else {
            fprintf(stderr, "bench_train: unknown argument %s\n", a);
            return 2;
        }
    }
    al_model *m;
    al_model_state *ms = NULL;
    if (al_model_new_preset(model, &m) != AL_OK) {
        fprintf(stderr, "bench_train: %s\n", al_last_error());
        return 1;
    }
    const al_input_spec in = al_model_input(m);
    const int T = al_input_frames(&in, seconds), C = al_model_classes(m);
    if (al_model_state_new(m, batch, T, &ms) != AL_OK) {
        fprintf(stderr, "bench_train: %s\n", al_last_error());
        return 1;
    }
    al_model_init_weights(m, 1);
    al_param_table *t = al_model_params(m);
    al_rng rng;
    al_rng_seed(&rng, 7);
    uint8_t *mask = NULL;
    if (density <= 0 || density > 1) {
        fprintf(stderr, "bench_train: --mask-density %g is not in (0, 1]\n", density);
        return 2;
    }
    if (density < 1) {
        al_sparse_report rep;
        /* training: the sparse training matrices; inference: the eval-mode ones */
        if (!(mask = random_mask(t, density, block, &rng)) ||
            (infer ? al_model_sparsify(m, mask, AL_WEIGHT_FORMAT_AUTO, batch, T, &rep)
                   : al_model_sparse_train(ms, mask, AL_WEIGHT_FORMAT_AUTO, &rep)) != AL_OK) {
            fprintf(stderr, "bench_train: %s\n", mask ? al_last_error() : "out of memory");
            return 1;
        }
        for (int i = 0; i < rep.n; i++)
            printf("%s: %.1f%% kept, %s %s (%.1f%% of the dense work)\n", rep.w[i].name, 100 * rep.w[i].kept,
                   infer ? "runs" : "trains", al_weight_format_name(rep.w[i].format), 100 * rep.w[i].stored);
    }
    size_t nx = (size_t)batch * in.bins * T;
    float *x = al_malloc(sizeof(float) * nx);
    for (size_t i = 0; i < nx; i++) x[i] = (float)al_rng_normal(&rng);
    int *lengths = malloc(sizeof(int) * batch), *out_len = malloc(sizeof(int) * batch);
    const int L = (int)(seconds * 12); /* ~12 characters per second of speech */
    int *targets = malloc(sizeof(int) * batch * L), *target_lengths = malloc(sizeof(int) * batch);
    for (int b = 0; b < batch; b++) {
        lengths[b] = T;
        target_lengths[b] = L;
        for (int k = 0; k < L; k++) targets[b * L + k] = 1 + (int)al_rng_below(&rng, C - 1);
    }
    int T1 = al_model_output_length(m, T);
    size_t nl = (size_t)T1 * batch * C;
    float *logits = malloc(sizeof(float) * nl), *dlogits = malloc(sizeof(float) * nl);
    double *losses = malloc(sizeof(double) * batch);
    al_ctc_workspace *ws;
    al_optim *opt;
    al_optim_opts oo = al_optim_defaults(AL_OPTIM_ADAMW);
    if (al_ctc_workspace_new(T1, L, batch, &ws) != AL_OK || al_optim_new(t, &oo, &opt) != AL_OK) return 1;
    double *times = malloc(sizeof(double) * steps);
    for (int s = 0; s < warmup + steps; s++) {
        double t0 = al_time_now();
        if (al_model_forward(ms, !infer, x, lengths, batch, T, logits, out_len) < 0) {
            fprintf(stderr, "bench_train: %s\n", al_last_error());
            return 1;
        }
        if (!infer) {
            al_ctc_loss(ws, logits, T1, batch, C, out_len, targets, target_lengths, 0, losses, dlogits);
            for (size_t i = 0; i < nl; i++) dlogits[i] /= (float)batch;
            al_param_zero_grad(t);
            al_model_backward(ms, dlogits);
            al_clip_grad_norm(t, 400);
            al_optim_step(opt, t, mask);
            if (al_model_sparse_refresh(ms) != AL_OK) {
                fprintf(stderr, "bench_train: %s\n", al_last_error());
                return 1;
            }
        }
        if (s >= warmup) times[s - warmup] = al_time_now() - t0;
    }
    qsort(times, steps, sizeof *times, cmp_double);
    double med = times[steps / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("audiolottery %s %s: mask density %g %s, batch %d x %.1f s, %d threads: median step %.4f s, %.2f audio-s/s, "
           "real-time factor %.5f, peak RSS %.0f MiB\n",
           model, infer ? "inference" : "training", density, block ? "block8x1" : "unstructured", batch, seconds,
           al_threads(), med, batch * seconds / med, med / (batch * seconds), ru.ru_maxrss / 1024.0);
    al_ctc_workspace_free(ws);
    al_optim_free(opt);
    al_model_state_free(ms);
    al_model_free(m);
    free(mask);
    return 0;
}
