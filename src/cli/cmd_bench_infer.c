/* audiolottery bench-infer: batch-1 real-time factor of a checkpoint, dense against sparse
 * (al_model_sparsify) against PyTorch dense on the same weights. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audiolottery/al.h"
#include "audiolottery/audio.h"
#include "audiolottery/model.h"
#include "audiolottery/prune.h"
#include "cli/cli_args.h"
#include "cli/commands.h"

#define TORCH_PYTHON "/usr/bin/python3"
#define TORCH_BLAS "/usr/lib/x86_64-linux-gnu/openblas-openmp"
#define TORCH_SCRIPT "tools/torch_infer_bench.py"

typedef struct {
    const char *ckpt, *audio, *torch_script;
    double seconds;
    int repeats, threads;
    al_weight_format format;
} options;

static void usage(FILE *out) {
    fprintf(out,
            "usage: audiolottery bench-infer --checkpoint FILE [options]\n\n"
            "Times the model forward (eval mode, batch 1; features excluded, their time printed apart) on one\n"
            "utterance, as the real-time factor RTF = processing seconds / audio seconds, median of the repeats\n"
            "after a warm-up, for: our dense path; our sparse path (al_model_sparsify: the family's prunable\n"
            "weights as dense, CSR or 8x1 block-sparse, chosen per weight from its mask and the product's width; the\n"
            "choices are printed); PyTorch dense on the same weights when %s has torch (as many threads,\n"
            "LD_LIBRARY_PATH=%s). Masks come from the checkpoint's <name>_mask tensors, or are\n"
            "the nonzero weights when it has none.\n\n"
            "options:\n"
            "  --checkpoint FILE   model (required)\n"
            "  --audio FILE        utterance to run (default: a synthetic one of --seconds)\n"
            "  --seconds S         length of the synthetic utterance (default 10)\n"
            "  --repeats R         timed runs per path (default 5)\n"
            "  --threads N         OpenMP threads (default 1)\n"
            "  --format F          auto, csr, bsr8x1 or dense: force one sparse format (default auto)\n"
            "  --torch-script FILE PyTorch timing script (default: $AL_SOURCE_DIR/%s, else\n"
            "                      ../%s next to this program's directory)\n"
            "  -h, --help          this help\n",
            TORCH_PYTHON, TORCH_BLAS, TORCH_SCRIPT, TORCH_SCRIPT);
}

/* A deterministic speech-like test signal: a voiced tone (gliding pitch, harmonics, syllable-rate
 * envelope) over quiet noise. samples (n), al_malloc'd. */
static float *synth_signal(int64_t n) {
    float *s = al_malloc(sizeof(float) * (size_t)n);
    if (!s) return NULL;
    al_rng r;
    al_rng_seed(&r, 1);
    double phase = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double t = (double)i / AL_SAMPLE_RATE, f0 = 120.0 + 40.0 * sin(2.0 * M_PI * 0.7 * t);
        phase += 2.0 * M_PI * f0 / AL_SAMPLE_RATE;
        double v = 0.0;
        for (int h = 1; h <= 8; h++) v += sin(h * phase) / h;
        double env = 0.5 + 0.5 * sin(2.0 * M_PI * 4.0 * t);
        s[i] = (float)(0.1 * env * v + 0.003 * al_rng_normal(&r));
    }
    return s;
}

/* The utterance's features as the model wants them (bins, frames), its seconds and the featurizer's
 * seconds. */
static al_status features(const options *o, const al_input_spec *in, float **feat, int *bins, int *frames,
                          double *audio_s, double *feat_s) {
    al_audio a = {0};
    al_status st = AL_OK;
    if (o->audio) st = al_audio_read(o->audio, NULL, &a);
    else {
        a.n = (int64_t)(o->seconds * AL_SAMPLE_RATE);
        a.sample_rate = AL_SAMPLE_RATE;
        a.samples = synth_signal(a.n);
        if (!a.samples) st = al_error(AL_ERR_NOMEM, "out of memory for %.1f s of audio", o->seconds);
    }
    if (st != AL_OK) return st;
    al_featurizer *fz = NULL;
    st = al_featurizer_new(&in->features, &fz);
    double t0 = al_time_now();
    if (st == AL_OK) st = al_featurizer_compute(fz, a.samples, a.n, feat, bins, frames);
    *feat_s = al_time_now() - t0;
    *audio_s = (double)a.n / AL_SAMPLE_RATE;
    if (st != AL_OK && o->audio) al_error_prefix(st, "%s: ", o->audio);
    al_featurizer_free(fz);
    al_audio_free(&a);
    return st;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median seconds of o->repeats forwards after one warm-up; logits of the last in out. */
static al_status time_forward(al_model_state *m, const options *o, const float *feat, int frames, float *out,
                              double *median) {
    double *t = malloc(sizeof(double) * o->repeats);
    if (!t) return al_error(AL_ERR_NOMEM, "out of memory");
    int out_len;
    for (int r = -1; r < o->repeats; r++) {
        double t0 = al_time_now();
        int T1 = al_model_forward(m, 0, feat, &frames, 1, frames, out, &out_len);
        if (T1 < 0) {
            free(t);
            return (al_status)T1;
        }
        if (r >= 0) t[r] = al_time_now() - t0;
    }
    qsort(t, o->repeats, sizeof *t, cmp_double);
    *median = t[o->repeats / 2];
    free(t);
    return AL_OK;
}

/* The checkpoint's mask (table->total bytes, malloc'd), or NULL when it has no <name>_mask tensor. */
static al_status read_mask(const char *path, al_model *m, uint8_t **mask) {
    *mask = NULL;
    al_st_file *f;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) return st;
    int has = al_mask_present(f);
    const al_param_table *t = al_model_params(m);
    if (has && !(*mask = malloc(t->total))) st = al_error(AL_ERR_NOMEM, "out of memory");
    if (has && st == AL_OK) st = al_mask_read(t, f, path, *mask);
    al_st_close(f);
    return st;
}

static void print_choices(const al_sparse_report *r) {
    printf("%-34s %11s %6s %7s %7s  %s\n", "weight", "matrix", "n", "kept", "stored", "format");
    for (int i = 0; i < r->n; i++) {
        const al_weight_choice *w = &r->w[i];
        char shape[32];
        snprintf(shape, sizeof shape, "%dx%d", w->rows, w->cols);
        printf("%-34s %11s %6d %6.1f%% %6.1f%%  %s\n", w->name, shape, w->n, 100.0 * w->kept, 100.0 * w->stored,
               al_weight_format_name(w->format));
    }
}

/* The script's path: --torch-script, $AL_SOURCE_DIR/tools/..., or ../tools/... beside the program. */
static int torch_script_path(const options *o, char *path, size_t cap) {
    if (o->torch_script) return snprintf(path, cap, "%s", o->torch_script) < (int)cap;
    const char *src = getenv("AL_SOURCE_DIR");
    if (src && *src) return snprintf(path, cap, "%s/%s", src, TORCH_SCRIPT) < (int)cap;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    return snprintf(path, cap, "%s/../%s", exe, TORCH_SCRIPT) < (int)cap;
}

static int is_compact(const char *path) {
    al_st_file *f;
    if (al_st_open(path, &f) != AL_OK) return 0;
    int compact = al_compact_is(f);
    al_st_close(f);
    return compact;
}

/* PyTorch's median seconds on the features (with o->threads threads), or a negative value with
 * the reason printed. */
static double time_torch(const options *o, const float *feat, int bins, int frames) {
    char script[PATH_MAX], dir[] = "/tmp/al_bench_infer_XXXXXX", feat_path[PATH_MAX], cmd[4 * PATH_MAX];
    if (!torch_script_path(o, script, sizeof script) || access(script, R_OK) != 0) {
        printf("pytorch: not measured (no %s: give --torch-script)\n", o->torch_script ? o->torch_script : TORCH_SCRIPT);
        return -1.0;
    }
    if (is_compact(o->ckpt)) {
        printf("pytorch: not measured (a compact file: give the checkpoint it was exported from)\n");
        return -1.0;
    }
    if (system(TORCH_PYTHON " -c 'import torch' >/dev/null 2>&1") != 0) {
        printf("pytorch: not measured (%s cannot import torch)\n", TORCH_PYTHON);
        return -1.0;
    }
    if (strchr(script, '\'') || strchr(o->ckpt, '\'') || !mkdtemp(dir)) {
        printf("pytorch: not measured (cannot quote the paths or make a scratch directory)\n");
        return -1.0;
    }
    snprintf(feat_path, sizeof feat_path, "%s/features.safetensors", dir);
    al_st_writer *w = al_st_writer_new();
    al_status st = w ? al_st_writer_add(w, "utterance", AL_DT_F32, 2, (int64_t[]){bins, frames}, feat)
                     : al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = al_st_writer_save(w, feat_path);
    al_st_writer_free(w);
    double median = -1.0;
    if (st != AL_OK) printf("pytorch: not measured (%s)\n", al_last_error());
    else {
        snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=%d LD_LIBRARY_PATH=%s %s '%s' '%s' '%s' %d %d 2>&1", o->threads,
                 TORCH_BLAS, TORCH_PYTHON, script, o->ckpt, feat_path, o->repeats, o->threads);
        FILE *p = popen(cmd, "r");
        char line[512], last[512] = "";
        while (p && fgets(line, sizeof line, p)) {
            line[strcspn(line, "\n")] = '\0';
            if (sscanf(line, "torch_median_s %lf", &median) != 1) snprintf(last, sizeof last, "%s", line);
            if (!strncmp(line, "torch_version ", 14)) printf("pytorch: torch %s\n", line + 14);
        }
        if (!p || pclose(p) != 0 || median < 0) {
            printf("pytorch: not measured (%s failed: %s)\n", script, last[0] ? last : "no output");
            median = -1.0;
        }
    }
    unlink(feat_path);
    rmdir(dir);
    return median;
}

static al_status run(const options *o) {
    float *feat = NULL;
    int bins, frames;
    double audio_s, feat_s;
    al_model *m = NULL;
    al_model_state *s = NULL;
    al_status st = al_model_load(o->ckpt, &m);
    const al_input_spec in = m ? al_model_input(m) : (al_input_spec){0};
    if (st == AL_OK) st = features(o, &in, &feat, &bins, &frames, &audio_s, &feat_s);
    if (st == AL_OK) st = al_model_state_new(m, 1, frames, &s);
    uint8_t *mask = NULL;
    if (st == AL_OK) st = read_mask(o->ckpt, m, &mask);
    if (st != AL_OK) {
        al_model_state_free(s);
        al_model_free(m);
        al_free(feat);
        return st;
    }
    const size_t n_out = (size_t)al_model_output_length(m, frames) * al_model_classes(m);
    float *dense = malloc(sizeof(float) * n_out), *sparse = malloc(sizeof(float) * n_out);
    char config[512];
    al_model_describe(m, config, sizeof config);
    printf("bench-infer: %s (%s), %.2f s %s utterance (%d frames), %d thread%s, median of %d runs\n", o->ckpt,
           config, audio_s, o->audio ? "audio" : "synthetic", frames, o->threads, o->threads > 1 ? "s" : "",
           o->repeats);
    printf("RTF = model forward seconds / audio seconds, features excluded (features alone: %.4f s, RTF %.5f)\n",
           feat_s, feat_s / audio_s);
    printf("masks: %s\n", mask ? "the checkpoint's _mask tensors" : "none in the checkpoint: the nonzero weights");
    double t_dense = 0, t_sparse = 0;
    al_sparse_report r;
    if (!dense || !sparse) st = al_error(AL_ERR_NOMEM, "out of memory");
    if (st == AL_OK) st = time_forward(s, o, feat, frames, dense, &t_dense);
    if (st == AL_OK) st = al_model_sparsify(m, mask, o->format, 1, frames, &r);
    if (st == AL_OK) st = time_forward(s, o, feat, frames, sparse, &t_sparse);
    if (st == AL_OK) {
        double diff = 0.0, scale = 1e-30;
        for (size_t i = 0; i < n_out; i++) {
            diff = fmax(diff, fabs((double)dense[i] - sparse[i]));
            scale = fmax(scale, fabs((double)dense[i]));
        }
        print_choices(&r);
        printf("sparse logits: max |sparse - dense| / max |dense| = %.2e\n", diff / scale);
        double t_torch = time_torch(o, feat, bins, frames);
        printf("%-14s %10s %9s\n", "path", "median s", "RTF");
        printf("%-14s %10.4f %9.5f\n", "ours dense", t_dense, t_dense / audio_s);
        printf("%-14s %10.4f %9.5f\n", "ours sparse", t_sparse, t_sparse / audio_s);
        if (t_torch > 0) printf("%-14s %10.4f %9.5f\n", "pytorch dense", t_torch, t_torch / audio_s);
        printf("sparse/dense time %.3f (%.2fx faster)\n", t_sparse / t_dense, t_dense / t_sparse);
        if (t_torch > 0) {
            printf("sparse/pytorch time %.3f (%.2fx faster)\n", t_sparse / t_torch, t_torch / t_sparse);
            printf("dense/pytorch time %.3f\n", t_dense / t_torch);
        }
    }
    free(dense);
    free(sparse);
    free(mask);
    al_model_state_free(s);
    al_model_free(m);
    al_free(feat);
    return st;
}

int al_cmd_bench_infer(int argc, char **argv) {
    static const struct option longopts[] = {
        {"checkpoint", 1, 0, 'c'}, {"audio", 1, 0, 'a'},  {"seconds", 1, 0, 's'},      {"repeats", 1, 0, 'r'},
        {"threads", 1, 0, 'j'},    {"format", 1, 0, 'f'}, {"torch-script", 1, 0, 't'}, {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    options o = {.seconds = 10.0, .repeats = 5, .threads = 1, .format = AL_WEIGHT_FORMAT_AUTO};
    int c;
    int64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': o.ckpt = optarg; break;
        case 'a': o.audio = optarg; break;
        case 's':
            if (al_cli_double("bench-infer", "--seconds", optarg, 0.1, 3600.0, &o.seconds)) return 2;
            break;
        case 'r':
            if (al_cli_int("bench-infer", "--repeats", optarg, 1, 1000, &v)) return 2;
            o.repeats = (int)v;
            break;
        case 'j':
            if (al_cli_int("bench-infer", "--threads", optarg, 1, 1024, &v)) return 2;
            o.threads = (int)v;
            break;
        case 'f':
            if (al_weight_format_parse(optarg, &o.format) != AL_OK) {
                fprintf(stderr, "bench-infer: --format: %s\n", al_last_error());
                return 2;
            }
            break;
        case 't': o.torch_script = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.ckpt || optind != argc) {
        fprintf(stderr, "bench-infer: needs --checkpoint and no other arguments (see --help)\n");
        return 2;
    }
    al_set_threads(o.threads);
    al_status st = run(&o);
    if (st != AL_OK) fprintf(stderr, "bench-infer: %s\n", al_last_error());
    return st == AL_OK ? 0 : 1;
}
