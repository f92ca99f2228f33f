/* Front-end benchmark: DeepSpeech2 spectrogram (and log-mel) of SECONDS of synthetic audio on one
 * thread, REPS times; prints the median speed as times real time (audio seconds per wall second).
 * Usage: bench_frontend [SECONDS=60] [REPS=21]
 * Last lines are machine-readable: "spectrogram_xrt <median>" and "logmel_xrt <median>". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "audiolottery/al.h"

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median x-real-time of REPS runs of one feature type over x (n samples). Returns < 0 on error. */
static double bench_type(al_feature_type type, const float *x, int64_t n, int reps) {
    al_feature_opts o = al_feature_defaults(type);
    al_featurizer *fz;
    if (al_featurizer_new(&o, &fz) != AL_OK) {
        fprintf(stderr, "bench_frontend: %s\n", al_last_error());
        return -1.0;
    }
    double *times = malloc(sizeof(double) * (size_t)reps);
    double result = -1.0;
    int r = 0;
    for (; times && r < reps; r++) {
        float *feat;
        int bins, frames;
        double t0 = al_time_now();
        al_status st = al_featurizer_compute(fz, x, n, &feat, &bins, &frames);
        times[r] = al_time_now() - t0;
        if (st != AL_OK) {
            fprintf(stderr, "bench_frontend: %s\n", al_last_error());
            break;
        }
        al_free(feat);
    }
    if (times && r == reps) {
        qsort(times, (size_t)reps, sizeof *times, cmp_double);
        result = (double)n / AL_SAMPLE_RATE / times[reps / 2];
        printf("%-12s %d x %.0f s audio: median %.3f ms, min %.3f ms -> %.0fx real time\n",
               al_feature_type_name(type), reps, (double)n / AL_SAMPLE_RATE, times[reps / 2] * 1e3, times[0] * 1e3,
               result);
    }
    free(times);
    al_featurizer_free(fz);
    return result;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 60.0;
    int reps = argc > 2 ? atoi(argv[2]) : 21;
    if (!(seconds >= 0.1) || reps < 1) {
        fprintf(stderr, "usage: bench_frontend [SECONDS=60] [REPS=21]\n");
        return 2;
    }
    al_set_threads(1);
    int64_t n = (int64_t)(seconds * AL_SAMPLE_RATE);
    float *x = al_malloc(sizeof(float) * (size_t)n); /* (n) tones + noise, int16 scale / 32767 */
    if (!x) return 1;
    al_rng rng;
    al_rng_seed(&rng, 1);
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(0.1 * sin(2 * M_PI * 440.0 * i / AL_SAMPLE_RATE) + 0.05 * sin(2 * M_PI * 2500.0 * i / AL_SAMPLE_RATE) +
                       0.02 * al_rng_normal(&rng));
    double spec = bench_type(AL_FEAT_SPECTROGRAM, x, n, reps);
    double mel = bench_type(AL_FEAT_LOGMEL, x, n, reps);
    al_free(x);
    if (spec < 0 || mel < 0) return 1;
    printf("spectrogram_xrt %.0f\nlogmel_xrt %.0f\n", spec, mel);
    return 0;
}
