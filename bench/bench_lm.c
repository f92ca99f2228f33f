/* LM and decoder benchmark.
 * 1. Writes a random but valid 3-gram ARPA file of about NGRAMS n-grams (every n-gram's context is
 *    present), then loads it in a child process: load time, the child's peak RSS (ru_maxrss) and
 *    al_lm_bytes, against the time to merely read the file's bytes (the reference), plain and gzip.
 * 2. Decodes UTTS synthetic utterances of 5 s (250 frames, DS2's 50 frames/s) on one thread:
 *    peaked logits that spell random word sequences of the LM; greedy, beam 100 without an LM and
 *    beam 100 + the 3-gram (alpha 1.97, beta 4.36), also with vocab_only, as times real time.
 * Times are wall clock; decoding also prints CPU time (the process's), which a busy machine
 * does not inflate.
 * Usage: bench_lm [NGRAMS=1000000] [UTTS=100] [DIR=/tmp]
 * Last lines are machine-readable: "lm_load_s", "lm_load_gz_s", "lm_maxrss_mb", "greedy_xrt", "beam_xrt",
 * "beam_lm_xrt", "beam_lm_vocab_xrt". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "audiolottery/al.h"
#include "audiolottery/beam.h"
#include "audiolottery/decode.h"
#include "audiolottery/lm.h"

enum { FRAMES = 250, SUCC2 = 20 };

static void make_word(al_rng *r, int i, char *w) {
    int n = 2 + (int)al_rng_below(r, 4), k = 0;
    for (int j = 0; j < n; j++) w[k++] = (char)('A' + al_rng_below(r, 26));
    do w[k++] = (char)('A' + i % 26), i /= 26; /* unique suffix */
    while (i);
    w[k] = 0;
}

static double lp(al_rng *r, double lo, double hi) { return al_rng_range(r, lo, hi); }

/* Successors (real words, ids 3..V-1) of word a in the bigrams / of bigram (a, b) in the trigrams:
 * distinct in k because V - 3 is not a multiple of 997 or 991 (primes). */
static int succ2(int a, int k, int V) { return 3 + (int)(((uint64_t)a * 7919 + 13 + (uint64_t)k * 997) % (uint64_t)(V - 3)); }
static int succ3(int a, int b, int k, int V) {
    return 3 + (int)(((uint64_t)a * 31 + (uint64_t)b * 104729 + 7 + (uint64_t)k * 991) % (uint64_t)(V - 3));
}
static int n_succ3(int a, int b) { return 1 + (a + b) % 2; } /* 1.5 trigrams per bigram */

/* V words (ids 3.. are the real words; 0 <s>, 1 </s>, 2 <unk>). Returns the n-gram count. */
static int64_t write_arpa(const char *path, int V, char **words) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    al_rng r;
    al_rng_seed(&r, 42);
    int64_t n2 = (int64_t)(V - 3) * SUCC2 + SUCC2, n3 = 0;
    for (int a = 3; a < V; a++)
        for (int k = 0; k < SUCC2; k++) n3 += n_succ3(a, succ2(a, k, V));
    fprintf(f, "\\data\\\nngram 1=%d\nngram 2=%lld\nngram 3=%lld\n\n\\1-grams:\n", V, (long long)n2, (long long)n3);
    for (int i = 0; i < V; i++) fprintf(f, "%.4f\t%s\t%.4f\n", i == 0 ? -99 : i == 2 ? -10 : lp(&r, -6, -2), words[i], lp(&r, -1, 0)); /* <unk> rare */
    fprintf(f, "\n\\2-grams:\n");
    for (int k = 0; k < SUCC2; k++) fprintf(f, "%.4f\t<s> %s\t%.4f\n", lp(&r, -3, -0.3), words[3 + k], lp(&r, -1, 0));
    for (int a = 3; a < V; a++)
        for (int k = 0; k < SUCC2; k++) {
            int b = succ2(a, k, V);
            fprintf(f, "%.4f\t%s %s\t%.4f\n", lp(&r, -2, -0.3), words[a], words[b], lp(&r, -1, 0));
        }
    fprintf(f, "\n\\3-grams:\n");
    for (int a = 3; a < V; a++)
        for (int k = 0; k < SUCC2; k++) {
            int b = succ2(a, k, V);
            for (int j = 0; j < n_succ3(a, b); j++) {
                int c = succ3(a, b, j, V);
                fprintf(f, "%.4f\t%s %s %s\n", lp(&r, -2, -0.1), words[a], words[b], words[c]);
            }
        }
    fprintf(f, "\n\\end\\\n");
    return fclose(f) == 0 ? V + n2 + n3 : -1;
}

static int gzip_file(const char *src, const char *dst) {
    FILE *in = fopen(src, "rb");
    gzFile out = gzopen(dst, "wb1");
    char buf[1 << 16];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = gzwrite(out, buf, (unsigned)n) == (int)n;
    if (in) fclose(in);
    if (out) ok &= gzclose(out) == Z_OK;
    return ok ? 0 : -1;
}

static double read_bytes_s(const char *path) {
    double t0 = al_time_now();
    gzFile f = gzopen(path, "rb");
    static char buf[1 << 18];
    while (f && gzread(f, buf, sizeof buf) > 0) {
    }
    if (f) gzclose(f);
    return al_time_now() - t0;
}

/* Loads path in a child; prints time and memory. Returns the load seconds (< 0 on error). */
static double load_in_child(const char *path, double *maxrss_mb) {
    int fds[2];
    if (pipe(fds)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        double t0 = al_time_now();
        al_lm *lm;
        al_status st = al_lm_load(path, NULL, &lm);
        double res[2] = {st == AL_OK ? al_time_now() - t0 : -1, st == AL_OK ? (double)al_lm_bytes(lm) : 0};
        if (st != AL_OK) fprintf(stderr, "bench_lm: %s\n", al_last_error());
        if (write(fds[1], res, sizeof res) != sizeof res) _exit(2);
        _exit(0);
    }
    close(fds[1]);
    double res[2] = {-1, 0};
    if (read(fds[0], res, sizeof res) != sizeof res) res[0] = -1;
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    *maxrss_mb = ru.ru_maxrss / 1024.0; /* the largest child so far: call in increasing order */
    printf("  %-40s load %.2f s (reading the bytes alone: %.2f s), al_lm_bytes %.1f MB, child ru_maxrss %.1f MB\n",
           strrchr(path, '/') + 1, res[0], read_bytes_s(path), res[1] / 1e6, *maxrss_mb);
    return res[0];
}

/* Logits (FRAMES, C) spelling a random walk over the LM's bigrams, peaked: the spelled label gets
 * logit 8 + U(0, 1), every other label U(0, 2) (the spelled label has p ~ 0.98). */
static void make_utterance(al_rng *r, const al_alphabet *a, int V, char **words, float *x) {
    int C = a->n, t = 0, w = 3 + (int)al_rng_below(r, SUCC2); /* a word that starts sentences */
    while (t < FRAMES) {
        for (const char *p = words[w]; *p && t < FRAMES; p++) {
            int label[3] = {a->index[(unsigned char)*p], a->blank, a->blank};
            int n = 1 + (int)al_rng_below(r, 3);
            for (int j = 0; j < n && t < FRAMES; j++, t++) {
                for (int c = 0; c < C; c++) x[t * C + c] = (float)al_rng_range(r, 0, 2);
                x[t * C + label[j]] = (float)(8 + al_rng_uniform(r));
            }
        }
        for (int j = 0; j < 2 && t < FRAMES; j++, t++) {
            for (int c = 0; c < C; c++) x[t * C + c] = (float)al_rng_range(r, 0, 2);
            x[t * C + (j ? a->blank : a->index[' '])] = (float)(8 + al_rng_uniform(r));
        }
        w = succ2(w, (int)al_rng_below(r, SUCC2), V);
    }
}

int main(int argc, char **argv) {
    long ngrams = argc > 1 ? atol(argv[1]) : 1000000;
    int utts = argc > 2 ? atoi(argv[2]) : 100;
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    int V = (int)(ngrams / 51) + 3; /* 1 + 20 + 30 n-grams per word */
    while ((V - 3) % 997 == 0 || (V - 3) % 991 == 0) V++;
    if (V < 100 || utts < 1) {
        fprintf(stderr, "usage: bench_lm [NGRAMS>=5000] [UTTS>=1] [DIR]\n");
        return 2;
    }
    al_set_threads(1);
    char **words = malloc(sizeof(char *) * V);
    al_rng r;
    al_rng_seed(&r, 7);
    for (int i = 0; i < V; i++) {
        words[i] = malloc(16);
        if (i < 3) strcpy(words[i], i == 0 ? "<s>" : i == 1 ? "</s>" : "<unk>");
        else make_word(&r, i, words[i]);
    }
    char path[1024], gz[1100];
    snprintf(path, sizeof path, "%s/bench_lm_%d.arpa", dir, (int)getpid());
    snprintf(gz, sizeof gz, "%s.gz", path);
    double t0 = al_time_now();
    int64_t total = write_arpa(path, V, words);
    if (total < 0 || gzip_file(path, gz)) {
        fprintf(stderr, "bench_lm: cannot write %s\n", path);
        return 1;
    }
    printf("3-gram ARPA: %d words, %lld n-grams (written in %.1f s)\n", V, (long long)total, al_time_now() - t0);
    double rss_plain, rss_gz;
    double load_plain = load_in_child(path, &rss_plain), load_gz = load_in_child(gz, &rss_gz);
    if (load_plain < 0 || load_gz < 0) return 1;

    al_lm *lm;
    if (al_lm_load(path, NULL, &lm) != AL_OK) {
        fprintf(stderr, "bench_lm: %s\n", al_last_error());
        return 1;
    }
    remove(path), remove(gz);
    /* scoring speed: a random walk through the bigrams */
    al_lm_state s;
    al_lm_begin(lm, &s);
    int w = 3, n_score = 2000000;
    float sum = 0;
    t0 = al_time_now();
    for (int i = 0; i < n_score; i++) {
        sum += al_lm_score(lm, &s, al_lm_word_id(lm, words[w], strlen(words[w])), &s);
        w = succ2(w, i % SUCC2, V);
    }
    printf("al_lm_word_id + al_lm_score: %.0f ns per word (sum %.1f)\n", (al_time_now() - t0) / n_score * 1e9, sum);

    al_alphabet a = al_alphabet_default();
    float *x = malloc(sizeof(float) * (size_t)utts * FRAMES * a.n);
    for (int u = 0; u < utts; u++) make_utterance(&r, &a, V, words, x + (size_t)u * FRAMES * a.n);
    double audio = utts * FRAMES / 50.0;
    clock_t c0 = clock();
    t0 = al_time_now();
    for (int u = 0; u < utts; u++) {
        char *text;
        if (al_ctc_greedy(x + (size_t)u * FRAMES * a.n, FRAMES, a.n, a.n, &a, &text) != AL_OK) return 1;
        free(text);
    }
    double greedy_s = al_time_now() - t0, greedy_cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    al_beam_opts o = al_beam_defaults(); /* beam 100, cutoff_top_n 40 (all 29 labels), cutoff_prob 1 */
    al_beam_ws *ws;
    if (al_beam_ws_new(o.beam_width, a.n, FRAMES, &ws) != AL_OK) return 1;
    double beam_s[3], beam_cpu[3];
    static const char *names[3] = {"", " + LM", " + LM, vocab_only"};
    for (int with_lm = 0; with_lm < 3; with_lm++) {
        o.lm = with_lm ? lm : NULL, o.alpha = with_lm ? 1.97f : 0, o.beta = with_lm ? 4.36f : 0;
        o.vocab_only = with_lm == 2;
        c0 = clock();
        t0 = al_time_now();
        for (int u = 0; u < utts; u++) {
            al_beam_result res;
            if (al_beam_decode(ws, x + (size_t)u * FRAMES * a.n, FRAMES, a.n, &a, &o, &res) != AL_OK) {
                fprintf(stderr, "bench_lm: %s\n", al_last_error());
                return 1;
            }
            if (u == 0) printf("  beam%s: '%.60s...'\n", names[with_lm], res.text);
            al_beam_result_free(&res);
        }
        beam_s[with_lm] = al_time_now() - t0;
        beam_cpu[with_lm] = (double)(clock() - c0) / CLOCKS_PER_SEC;
    }
    printf("decoding %d utterances x %.0f s on one thread:\n", utts, FRAMES / 50.0);
    printf("  greedy              %8.1f x real time (CPU time: %.1f x)\n", audio / greedy_s, audio / greedy_cpu);
    printf("  beam 100            %8.1f x real time (CPU time: %.1f x; %.0fx slower than greedy)\n", audio / beam_s[0],
           audio / beam_cpu[0], beam_s[0] / greedy_s);
    printf("  beam 100 + 3-gram   %8.1f x real time (CPU time: %.1f x; %.0fx slower than greedy)\n", audio / beam_s[1],
           audio / beam_cpu[1], beam_s[1] / greedy_s);
    printf("  ... vocab_only      %8.1f x real time (CPU time: %.1f x; %.0fx slower than greedy)\n", audio / beam_s[2],
           audio / beam_cpu[2], beam_s[2] / greedy_s);
    printf("lm_load_s %.3f\nlm_load_gz_s %.3f\nlm_maxrss_mb %.1f\ngreedy_xrt %.1f\nbeam_xrt %.1f\nbeam_lm_xrt %.1f\n"
           "beam_lm_vocab_xrt %.1f\n", load_plain, load_gz, rss_plain, audio / greedy_s, audio / beam_s[0], audio / beam_s[1],
           audio / beam_s[2]);
    al_beam_ws_free(ws);
    al_lm_free(lm);
    free(x);
    for (int i = 0; i < V; i++) free(words[i]);
    free(words);
    return 0;
}
