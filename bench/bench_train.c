/* Training-step throughput of a DeepSpeech2 preset on random features: forward, CTC, backward,
 * gradient clipping and an AdamW step per batch, as in training. Prints the median step time,
 * audio seconds per second and peak RSS.
 *   bench_train [--model ds2-small] [--batch 16] [--seconds 4] [--steps 10] [--warmup 2] [--threads N]
 *   bench_train --infer ...   eval-mode forward only (real-time factor at the given batch) */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "audiolottery/al.h"
#include "audiolottery/ds2.h"
#include "audiolottery/loss.h"
#include "audiolottery/optim.h"
#include "audiolottery/train.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *model = "ds2-small";
    int batch = 16, steps = 10, warmup = 2, infer = 0;
    double seconds = 4;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--infer")) infer = 1;
        else if (v && !strcmp(a, "--model")) model = v, i++;
        else if (v && !strcmp(a, "--batch")) batch = atoi(v), i++;
        else if (v && !strcmp(a, "--seconds")) seconds = atof(v), i++;
        else if (v && !strcmp(a, "--steps")) steps = atoi(v), i++;
        else if (v && !strcmp(a, "--warmup")) warmup = atoi(v), i++;
        else if (v && !strcmp(a, "--threads")) al_set_threads(atoi(v)), i++;
        else {
            fprintf(stderr, "bench_train: unknown argument %s\n", a);
            return 2;
        }
    }
    al_ds2_config cfg;
    al_ds2 *m;
    int T = al_frames_for_seconds(seconds);
    if (al_ds2_preset(model, &cfg) != AL_OK || al_ds2_new(&cfg, batch, T, &m) != AL_OK) {
        fprintf(stderr, "bench_train: %s\n", al_last_error());
        return 1;
    }
    al_ds2_init_weights(m, 1);
    al_param_table *t = al_ds2_params(m);
    al_rng rng;
    al_rng_seed(&rng, 7);
    size_t nx = (size_t)batch * cfg.n_bins * T;
    float *x = al_malloc(sizeof(float) * nx);
    for (size_t i = 0; i < nx; i++) x[i] = (float)al_rng_normal(&rng);
    int *lengths = malloc(sizeof(int) * batch), *out_len = malloc(sizeof(int) * batch);
    const int L = (int)(seconds * 12); /* ~12 characters per second of speech */
    int *targets = malloc(sizeof(int) * batch * L), *target_lengths = malloc(sizeof(int) * batch);
    for (int b = 0; b < batch; b++) {
        lengths[b] = T;
        target_lengths[b] = L;
        for (int k = 0; k < L; k++) targets[b * L + k] = 1 + (int)al_rng_below(&rng, cfg.n_classes - 1);
    }
    int T1 = al_ds2_output_length(T);
    size_t nl = (size_t)T1 * batch * cfg.n_classes;
    float *logits = malloc(sizeof(float) * nl), *dlogits = malloc(sizeof(float) * nl);
    double *losses = malloc(sizeof(double) * batch);
    al_ctc_workspace *ws;
    al_optim *opt;
    al_optim_opts oo = al_optim_defaults(AL_OPTIM_ADAMW);
    if (al_ctc_workspace_new(T1, L, batch, &ws) != AL_OK || al_optim_new(t, &oo, &opt) != AL_OK) return 1;
    double *times = malloc(sizeof(double) * steps);
    for (int s = 0; s < warmup + steps; s++) {
        double t0 = al_time_now();
        if (al_ds2_forward(m, !infer, x, lengths, batch, T, logits, out_len) < 0) {
            fprintf(stderr, "bench_train: %s\n", al_last_error());
            return 1;
        }
        if (!infer) {
            al_ctc_loss(ws, logits, T1, batch, cfg.n_classes, out_len, targets, target_lengths, 0, losses, dlogits);
            for (size_t i = 0; i < nl; i++) dlogits[i] /= (float)batch;
            al_param_zero_grad(t);
            al_ds2_backward(m, dlogits);
            al_clip_grad_norm(t, 400);
            al_optim_step(opt, t, NULL);
        }
        if (s >= warmup) times[s - warmup] = al_time_now() - t0;
    }
    qsort(times, steps, sizeof *times, cmp_double);
    double med = times[steps / 2];
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("audiolottery %s %s: batch %d x %.1f s, %d threads: median step %.4f s, %.2f audio-s/s, "
           "real-time factor %.5f, peak RSS %.0f MiB\n",
           model, infer ? "inference" : "training", batch, seconds, al_threads(), med, batch * seconds / med,
           med / (batch * seconds), ru.ru_maxrss / 1024.0);
    al_ctc_workspace_free(ws);
    al_optim_free(opt);
    al_ds2_free(m);
    return 0;
}
