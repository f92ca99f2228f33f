/* Batched real FFT (src/audio/fft_batch.c) against a double-precision DFT; code paths bit-identical;
 * lanes independent; the featurizer against a double-precision STFT for frame counts that are not
 * a multiple of the batch. */
#include "al_test.h"

#include "audio/fft_batch.h"
#include "audio/melbank.h"
#include "audiolottery/al.h"

enum { B = AL_FFT_BATCH };

/* Sizes: DS2 spectrogram, log-mel, 2·3·5·4, the smallest, odd factors 7 and 11·13 (generic radix). */
static const int SIZES[] = {320, 512, 120, 2, 4, 6, 10, 42, 286};

/* x: (n, B) uniform in [-1, 1). */
static float *random_batch(int n, uint64_t seed) {
    float *x = al_malloc(sizeof(float) * (size_t)n * B);
    al_rng rng;
    al_rng_seed(&rng, seed);
    for (int i = 0; x && i < n * B; i++) x[i] = (float)(2.0 * al_rng_uniform(&rng) - 1.0);
    return x;
}

/* Runs a plan for size n on path isa over in (n, B); out (n/2 + 1, 2, B) al_malloc'd, or NULL
 * with *unsupported set when this CPU lacks the path. */
static float *transform(int n, al_fft_isa isa, const float *in, int *unsupported) {
    al_fft_batch *p = NULL;
    al_status st = al_fft_batch_new(n, isa, &p);
    *unsupported = st == AL_ERR_UNSUPPORTED;
    if (!*unsupported) CHECK_OK(st);
    float *out = p ? al_malloc(sizeof(float) * (size_t)(n / 2 + 1) * 2 * B) : NULL;
    if (out) al_fft_batch_forward(p, in, out);
    al_fft_batch_free(p);
    return out;
}

static void test_against_dft(void) {
    for (size_t si = 0; si < sizeof SIZES / sizeof *SIZES; si++) {
        const int n = SIZES[si], nf = n / 2 + 1;
        float *x = random_batch(n, 100 + (uint64_t)n);
        int unsupported;
        float *X = x ? transform(n, AL_FFT_ISA_AUTO, x, &unsupported) : NULL;
        CHECK(X != NULL);
        if (!X) {
            al_free(x);
            continue;
        }
        double worst = 0.0, peak = 0.0;
        for (int f = 0; f < B; f++)
            for (int k = 0; k < nf; k++) {
                double re = 0.0, im = 0.0;
                for (int t = 0; t < n; t++) {
                    double a = -2.0 * M_PI * (double)((long)k * t % n) / n;
                    re += x[t * B + f] * cos(a);
                    im += x[t * B + f] * sin(a);
                }
                double dr = X[(2 * k) * B + f] - re, di = X[(2 * k + 1) * B + f] - im;
                double err = sqrt(dr * dr + di * di), mag = sqrt(re * re + im * im);
                if (!(err <= worst)) worst = err; /* NaN makes worst NaN, failing the check */
                if (mag > peak) peak = mag;
            }
        double rel = worst / peak;
        fprintf(stderr, "  n = %3d: max error / max magnitude %.3g\n", n, rel);
        CHECK_MSG(rel <= 1e-6, "n = %d: max error %g of max magnitude %g (%g > 1e-6)", n, worst, peak, rel);
        al_free(X);
        al_free(x);
    }
}

/* Every available code path gives the same bits as the baseline one. */
static void test_paths_identical(void) {
    int compared = 0;
    for (size_t si = 0; si < sizeof SIZES / sizeof *SIZES; si++) {
        const int n = SIZES[si];
        const size_t bytes = sizeof(float) * (size_t)(n / 2 + 1) * 2 * B;
        float *x = random_batch(n, 200 + (uint64_t)n);
        int unsupported;
        float *base = x ? transform(n, AL_FFT_ISA_DEFAULT, x, &unsupported) : NULL;
        CHECK(base != NULL);
        for (al_fft_isa isa = AL_FFT_ISA_AVX2; base && isa <= AL_FFT_ISA_AVX512; isa++) {
            float *other = transform(n, isa, x, &unsupported);
            if (unsupported) continue;
            CHECK_MSG(other && memcmp(base, other, bytes) == 0, "n = %d: path %d differs from the baseline", n,
                      (int)isa);
            compared++;
            al_free(other);
        }
        al_free(base);
        al_free(x);
    }
    al_fft_batch *p = NULL;
    CHECK_OK(al_fft_batch_new(320, AL_FFT_ISA_AUTO, &p));
    int best = p ? (int)al_fft_batch_isa(p) : -1;
    al_fft_batch_free(p);
    fprintf(stderr, "  %d (size, path) pairs compared with the baseline path (best path here: %d)\n", compared, best);
    CHECK(best == AL_FFT_ISA_DEFAULT || compared > 0);
}

/* Lanes never mix: one lane's result does not depend on what the other lanes hold. */
static void test_lanes_independent(void) {
    const int n = 320;
    float *x = random_batch(n, 300), *y = random_batch(n, 301);
    if (!x || !y) goto done;
    for (int t = 0; t < n; t++)
        for (int f = 0; f < B; f++)
            if (f != 5) y[t * B + f] = f % 2 ? NAN : 1e30f * y[t * B + f];
    for (int t = 0; t < n; t++) y[t * B + 5] = x[t * B + 5];
    int unsupported;
    float *X = transform(n, AL_FFT_ISA_AUTO, x, &unsupported), *Y = transform(n, AL_FFT_ISA_AUTO, y, &unsupported);
    int same = X && Y;
    for (int k = 0; same && k < 2 * (n / 2 + 1); k++) same = memcmp(&X[k * B + 5], &Y[k * B + 5], sizeof(float)) == 0;
    CHECK(same);
    al_free(X);
    al_free(Y);
done:
    al_free(x);
    al_free(y);
}

static void test_bad_size(void) {
    al_fft_batch *p = (al_fft_batch *)1;
    CHECK(al_fft_batch_new(321, AL_FFT_ISA_AUTO, &p) == AL_ERR_INVALID && p == NULL);
    CHECK_STR_CONTAINS(al_last_error(), "321");
    CHECK(al_fft_batch_new(0, AL_FFT_ISA_AUTO, &p) == AL_ERR_INVALID);
}

/* Double-precision STFT features as al_feature_opts describe them (normalize off). x: (n);
 * returns (bins, frames) malloc'd. mb: the filterbank for logmel. */
static double *reference_features(const al_feature_opts *o, const al_melbank *mb, const float *x, int64_t n,
                                  int *frames) {
    const int nfft = o->n_fft, nf = nfft / 2 + 1, wl = o->win_length, off = (nfft - wl) / 2;
    const int nb = o->type == AL_FEAT_LOGMEL ? o->n_mels : nf;
    const int nt = (int)(1 + n / o->hop_length);
    double *y = malloc(sizeof(double) * (size_t)nb * nt), *frame = malloc(sizeof(double) * nfft),
           *power = malloc(sizeof(double) * nf);
    double a0 = o->window == AL_WINDOW_HAMMING ? 0.54 : 0.5;
    for (int t = 0; y && frame && power && t < nt; t++) {
        for (int i = 0; i < nfft; i++) {
            int64_t k = (int64_t)t * o->hop_length - nfft / 2 + i;
            if (k < 0) k = -k;
            if (k >= n) k = 2 * (n - 1) - k;
            int wi = i - off;
            frame[i] = wi >= 0 && wi < wl ? x[k] * (a0 - (1.0 - a0) * cos(2.0 * M_PI * wi / wl)) : 0.0;
        }
        for (int k = 0; k < nf; k++) {
            double re = 0.0, im = 0.0;
            for (int i = 0; i < nfft; i++) {
                double a = -2.0 * M_PI * (double)((long)k * i % nfft) / nfft;
                re += frame[i] * cos(a);
                im += frame[i] * sin(a);
            }
            power[k] = re * re + im * im;
            if (o->type == AL_FEAT_SPECTROGRAM) y[(size_t)k * nt + t] = log1p(sqrt(power[k]));
        }
        for (int m = 0; o->type == AL_FEAT_LOGMEL && m < nb; m++) {
            double acc = 0.0;
            for (int k = 0; k < mb->len[m]; k++) acc += mb->w[mb->off[m] + k] * power[mb->start[m] + k];
            y[(size_t)m * nt + t] = log(acc + o->log_offset);
        }
    }
    free(frame);
    free(power);
    *frames = nt;
    return y;
}

/* The featurizer over frame counts around multiples of the batch (the last batch partly filled). */
static void test_features_tail(void) {
    const int counts[] = {2, B - 1, B, B + 1, 2 * B + 1, 3 * B + 7};
    for (int type = 0; type < 2; type++) {
        al_feature_opts o = al_feature_defaults((al_feature_type)type);
        o.normalize = 0;
        al_featurizer *fz = NULL;
        al_melbank mb = {0};
        CHECK_OK(al_featurizer_new(&o, &fz));
        if (type == AL_FEAT_LOGMEL)
            CHECK_OK(al_melbank_build(&mb, o.n_fft / 2 + 1, o.sample_rate, o.f_min, o.f_max, o.n_mels));
        double worst = 0.0;
        for (size_t c = 0; fz && c < sizeof counts / sizeof *counts; c++) {
            int64_t n = (int64_t)(counts[c] - 1) * o.hop_length + 100; /* counts[c] frames */
            if (n <= o.n_fft / 2) n = o.n_fft / 2 + 1;
            float *x = malloc(sizeof(float) * (size_t)n);
            al_rng rng;
            al_rng_seed(&rng, 400 + c);
            for (int64_t i = 0; i < n; i++) x[i] = (float)(0.1 * al_rng_normal(&rng) + 0.3 * sin(0.05 * i));
            float *feat = NULL;
            int bins = 0, frames = 0, ref_frames = 0;
            CHECK_OK(al_featurizer_compute(fz, x, n, &feat, &bins, &frames));
            double *ref = reference_features(&o, &mb, x, n, &ref_frames);
            CHECK(frames == ref_frames && frames == counts[c]);
            for (int i = 0; feat && ref && frames == ref_frames && i < bins * frames; i++) {
                double d = fabs(feat[i] - ref[i]);
                if (!(d <= worst)) worst = d;
            }
            al_free(feat);
            free(ref);
            free(x);
        }
        fprintf(stderr, "  %-11s max abs diff vs double STFT %.3g\n", al_feature_type_name(o.type), worst);
        CHECK_MSG(worst <= 2e-5, "%s: max abs diff %g > 2e-5", al_feature_type_name(o.type), worst);
        al_melbank_free(&mb);
        al_featurizer_free(fz);
    }
}

AL_TEST_MAIN(test_against_dft, test_paths_identical, test_lanes_independent, test_bad_size, test_features_tail)
