/* Mutation fuzzing of the parsers that read files users hand us: NeMo JSON-lines manifests, Kaldi
 * data directories (wav.scp, text, segments, utt2spk) and safetensors files. Each target takes
 * 2000 seeded random mutations of a valid file (bit flips, byte changes, insertions, deletions,
 * duplicated/dropped/swapped lines, truncation, copied ranges, numbers replaced by extreme ones
 * such as "nan" or 1e999, dictionary tokens, for safetensors also members such as a second
 * "__metadata__" put into the header) and checks that loading never crashes (run under
 * -DAL_SANITIZE=ON for memory errors and leaks), that a failure is a known status with a message,
 * and that what loads keeps the documented invariants. fuzz/fuzz_*.c are the libFuzzer versions. */
#include <math.h>

#include "al_test.h"
#include "fuzz_buf.h"
#include "audiolottery/al.h"

enum { TRIALS = 2000, MAX_FILE = 1 << 16 };

typedef fuzz_buf buf;

/* [*start, *end) of a random line (end includes its '\n' when there is one). */
static void random_line(al_rng *r, const buf *x, size_t *start, size_t *end) {
    fuzz_line(x, (size_t)al_rng_below(r, x->n), start, end);
}

static const char *dictionary[] = {
    "nan", "inf", "-inf", "1e999", "-1e999", "1e300", "-1", "0", "-0.0", "18446744073709551615",
    "9223372036854775807", "\"", "\\", "\\u0000", "{", "}", "[", "]", ",", ":", "null", "true", "\"\"", "[]",
    "{}", "\n", "\t", " ", "|", "..", "/", "/dev/null", "audio/a.wav", "\xff\xfe", "\xc3", "(", ")",
    "\"__metadata__\":{\"x\":\"y\"},", "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},",
    "\"dtype\":\"BF16\"", "\"shape\":[]", "\"shape\":[-1]", "\"data_offsets\":[8,4]", "\"offset\":1e999,",
    "\"duration\":-1,", "\"audio_filepath\":\"\",",
};
enum { N_DICT = sizeof dictionary / sizeof *dictionary };
static const char *numbers[] = {"nan", "-nan", "inf", "-inf", "1e999", "-1e999", "1e300", "-1e300", "-1", "0", "-0.0",
                                "0.5", "99", "18446744073709551615", "9223372036854775807", "4294967296"};
enum { N_NUMBERS = sizeof numbers / sizeof *numbers };

static int is_number_char(unsigned char c) {
    return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e';
}

/* Replaces the number at or after at (a run of digits, '.', '-', '+', 'e') with a token of numbers[]. */
static void replace_number(al_rng *r, buf *x, size_t at) {
    while (at < x->n && !(x->b[at] >= '0' && x->b[at] <= '9')) at++;
    if (at == x->n) return;
    size_t s = at, e = at;
    while (s > 0 && is_number_char(x->b[s - 1])) s--;
    while (e < x->n && is_number_char(x->b[e])) e++;
    const char *t = numbers[al_rng_below(r, N_NUMBERS)];
    fuzz_erase(x, s, e - s);
    fuzz_insert(x, s, t, strlen(t));
}

/* One random mutation of x. */
static void mutate_once(al_rng *r, buf *x) {
    unsigned char byte = (unsigned char)al_rng_below(r, 256);
    size_t at = x->n ? (size_t)al_rng_below(r, x->n + 1) : 0;
    switch (al_rng_below(r, 11)) {
    case 0: /* bit flip */
        if (at < x->n) x->b[at] ^= (unsigned char)(1u << al_rng_below(r, 8));
        break;
    case 1: /* byte change */
        if (at < x->n) x->b[at] = byte;
        break;
    case 2: fuzz_insert(x, at, &byte, 1); break;
    case 3: { /* delete a short range */
        size_t len = (size_t)al_rng_below(r, 16) + 1;
        if (at < x->n) fuzz_erase(x, at, len < x->n - at ? len : x->n - at);
        break;
    }
    case 4: /* truncate */ x->n = at; break;
    case 5: { /* duplicate a line */
        if (!x->n) break;
        size_t s, e;
        random_line(r, x, &s, &e);
        unsigned char tmp[4096];
        if (e - s <= sizeof tmp) {
            memcpy(tmp, x->b + s, e - s);
            fuzz_insert(x, e, tmp, e - s);
        }
        break;
    }
    case 6: { /* drop a line */
        if (!x->n) break;
        size_t s, e;
        random_line(r, x, &s, &e);
        fuzz_erase(x, s, e - s);
        break;
    }
    case 7: { /* swap two lines: move one line to the start of another */
        if (!x->n) break;
        size_t s, e, s2, e2;
        random_line(r, x, &s, &e);
        random_line(r, x, &s2, &e2);
        unsigned char tmp[4096];
        if (e - s > sizeof tmp || (s2 >= s && s2 < e)) break;
        memcpy(tmp, x->b + s, e - s);
        size_t len = e - s;
        fuzz_erase(x, s, len);
        fuzz_insert(x, s2 > s ? s2 - len : s2, tmp, len);
        break;
    }
    case 8: { /* copy a random range to a random place */
        if (!x->n) break;
        size_t from = (size_t)al_rng_below(r, x->n), len = (size_t)al_rng_below(r, 64) + 1;
        unsigned char tmp[64];
        if (len > x->n - from) len = x->n - from;
        memcpy(tmp, x->b + from, len);
        fuzz_insert(x, at, tmp, len);
        break;
    }
    case 9: replace_number(r, x, at); break;
    default: { /* insert a dictionary token */
        const char *t = dictionary[al_rng_below(r, N_DICT)];
        fuzz_insert(x, at, t, strlen(t));
        break;
    }
    }
}

static void mutate(al_rng *r, buf *x) {
    int n = 1 + (int)al_rng_below(r, 4);
    for (int i = 0; i < n; i++) mutate_once(r, x);
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    CHECK_MSG(f != NULL, "cannot write %s", path);
    if (!f) return;
    CHECK(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static char *join(const char *dir, const char *name) {
    static char bufs[8][1200];
    static int k = 0;
    char *b = bufs[k++ % 8];
    snprintf(b, 1200, "%s/%s", dir, name);
    return b;
}

static int known_status(al_status st) { return st <= AL_ERR_INVALID && st >= AL_ERR_EMPTY; }

/* ---- corpora ------------------------------------------------------------------------------ */
#define AUDIO_SECONDS 1.0

/* A fresh directory $AL_TMP/name with audio/{a,b,c}.wav (AUDIO_SECONDS of 16 kHz tone each). */
static const char *corpus_dir(const char *name) {
    static char dir[1100];
    snprintf(dir, sizeof dir, "%s/%s", al_test_tmpdir(), name);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    CHECK_OK(al_mkdir_p(join(dir, "audio")));
    al_audio a = {.n = (int64_t)(AUDIO_SECONDS * 16000), .sample_rate = 16000};
    a.samples = calloc((size_t)a.n, sizeof *a.samples);
    for (int64_t i = 0; i < a.n; i++) a.samples[i] = 0.3f * sinf(0.17f * (float)i);
    CHECK_OK(al_audio_write(join(dir, "audio/a.wav"), &a, AL_AUDIO_WAV16));
    CHECK_OK(al_audio_write(join(dir, "audio/b.wav"), &a, AL_AUDIO_WAV16));
    CHECK_OK(al_audio_write(join(dir, "audio/c.wav"), &a, AL_AUDIO_WAV16));
    free(a.samples);
    return dir;
}

/* Loads path; returns 0 when it failed, 1 when it loaded without skips, 2 with skips. A failure
 * must be a known status with a message; a loaded corpus must keep the invariants al_corpus_load
 * documents (the audio files are AUDIO_SECONDS long). */
static int load_and_check(const char *path, const char *what, int trial) {
    al_corpus *c = NULL;
    al_status st = al_corpus_load(path, NULL, &c);
    if (st != AL_OK) {
        CHECK_MSG(known_status(st) && al_last_error()[0] && c == NULL, "%s trial %d: status %d, message '%s'", what,
                  trial, st, al_last_error());
        return 0;
    }
    int bad = 0;
    for (size_t i = 0; i < c->n; i++) {
        const al_utterance *u = &c->utts[i];
        int ok = u->id && u->audio_path && u->text && u->text[0] && u->text_raw && u->speaker && u->source &&
                 u->line >= 1 && isfinite(u->offset) && u->offset >= 0 && isfinite(u->duration) && u->duration > 0 &&
                 u->offset + u->duration <= AUDIO_SECONDS + 0.05 + 1e-9;
        if (!ok && bad++ < 3)
            fprintf(stderr, "%s trial %d: utterance %zu '%s' offset %g duration %g text '%s'\n", what, trial, i,
                    u->id ? u->id : "(null)", u->offset, u->duration, u->text ? u->text : "(null)");
    }
    for (size_t i = 0; i < c->n_skips; i++)
        if (!c->skips[i].detail || !c->skips[i].file || c->skips[i].reason >= AL_SKIP_N) bad++;
    CHECK_MSG(bad == 0, "%s trial %d: %d entries break the corpus invariants", what, trial, bad);
    int skipped = c->n_skips > 0;
    al_corpus_free(c);
    return 1 + skipped;
}

static const char nemo_manifest[] =
    "{\"audio_filepath\": \"audio/a.wav\", \"duration\": 1.0, \"text\": \"hello world\"}\n"
    "{\"audio_filepath\": \"audio/b.wav\", \"duration\": 0.4, \"offset\": 0.5, \"text\": \"it's a test\", "
    "\"speaker\": \"s1\"}\n"
    "{\"audio_filepath\": \"audio/c.wav\", \"text\": \"no duration given\"}\n"
    "{\"audio_filepath\": \"audio/b.wav\", \"duration\": 0.25, \"offset\": 0.0, \"text\": \"segment one\"}\n";

static void test_nemo_manifest_mutations(void) {
    al_set_threads(1); /* header reads of 3 files: OpenMP start-up would dominate on a busy machine */
    const char *dir = corpus_dir("fuzz_nemo");
    const char *path = join(dir, "m.jsonl");
    write_bytes(path, nemo_manifest, strlen(nemo_manifest));
    CHECK(load_and_check(path, "nemo (valid)", -1) == 1);
    al_rng r;
    al_rng_seed(&r, 1);
    buf x = {malloc(MAX_FILE), 0, MAX_FILE};
    int outcome[3] = {0};
    for (int trial = 0; trial < TRIALS; trial++) {
        memcpy(x.b, nemo_manifest, x.n = strlen(nemo_manifest));
        mutate(&r, &x);
        write_bytes(path, x.b, x.n);
        outcome[load_and_check(path, "nemo", trial)]++;
    }
    free(x.b);
    fprintf(stderr, "nemo: %d mutated manifests failed, %d loaded whole, %d loaded with skips\n", outcome[0],
            outcome[1], outcome[2]);
    CHECK(outcome[1] > 0 && outcome[2] > 0); /* the mutations reach the error paths, not only them */
}

static const char *kaldi_files[] = {"wav.scp", "text", "segments", "utt2spk"};
static const char *kaldi_valid[] = {
    "ra audio/a.wav\nrb audio/b.wav\nrc audio/c.wav\n",
    "u1 HELLO WORLD\nu2 it's a TEST\nu3 THIRD one\nu4 last segment\n",
    "u1 ra 0.0 1.0\nu2 rb 0.1 0.6\nu3 rc 0.5 -1\nu4 rb 0.6 1.0\n",
    "u1 spk1\nu2 spk1\nu3 spk2\nu4 spk2\n",
};

static void test_kaldi_dir_mutations(void) {
    const char *dir = corpus_dir("fuzz_kaldi");
    for (int f = 0; f < 4; f++) write_bytes(join(dir, kaldi_files[f]), kaldi_valid[f], strlen(kaldi_valid[f]));
    CHECK(load_and_check(dir, "kaldi (valid)", -1) == 1);
    al_rng r;
    al_rng_seed(&r, 2);
    buf x = {malloc(MAX_FILE), 0, MAX_FILE};
    int outcome[3] = {0};
    for (int trial = 0; trial < TRIALS; trial++) {
        int f = (int)al_rng_below(&r, 4);
        memcpy(x.b, kaldi_valid[f], x.n = strlen(kaldi_valid[f]));
        mutate(&r, &x);
        write_bytes(join(dir, kaldi_files[f]), x.b, x.n);
        outcome[load_and_check(dir, kaldi_files[f], trial)]++;
        write_bytes(join(dir, kaldi_files[f]), kaldi_valid[f], strlen(kaldi_valid[f]));
    }
    free(x.b);
    fprintf(stderr, "kaldi: %d mutated directories failed, %d loaded whole, %d loaded with skips\n", outcome[0],
            outcome[1], outcome[2]);
    CHECK(outcome[1] > 0 && outcome[2] > 0);
}

/* ---- safetensors ------------------------------------------------------------------------- */
static void valid_safetensors(const char *path) {
    al_st_writer *w = al_st_writer_new();
    float f[6] = {1, 2, 3, 4, 5, 6};
    uint8_t m[6] = {1, 0, 1, 1, 0, 1};
    int64_t l[2] = {7, -7};
    int64_t s23[2] = {2, 3}, s2[1] = {2};
    CHECK_OK(al_st_writer_add(w, "conv.weight", AL_DT_F32, 2, s23, f));
    CHECK_OK(al_st_writer_add(w, "conv.weight_mask", AL_DT_U8, 2, s23, m));
    CHECK_OK(al_st_writer_add(w, "steps", AL_DT_I64, 1, s2, l));
    CHECK_OK(al_st_writer_add(w, "scalar", AL_DT_F32, 0, s2, f));
    CHECK_OK(al_st_writer_meta(w, "format", "pt"));
    CHECK_OK(al_st_writer_meta(w, "labels", "_'ABC "));
    CHECK_OK(al_st_writer_save(w, path));
    al_st_writer_free(w);
}

/* Members of a safetensors header, valid alone, to put before the real ones (duplicates included). */
static const char *header_members[] = {
    "\"__metadata__\":{\"x\":\"y\"},", "\"__metadata__\":{},", "\"__metadata__\":{\"format\":1},",
    "\"__metadata__\":[],", "\"conv.weight\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},",
    "\"w\":{\"dtype\":\"F64\",\"shape\":[1,1],\"data_offsets\":[0,8]},",
    "\"e\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[0,0]},",
    "\"big\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]},",
    "\"d\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]},",
};
enum { N_MEMBERS = sizeof header_members / sizeof *header_members };

/* Opens path; a loaded file's tensors must be self-consistent and readable to their last byte. */
static int open_and_check(const char *path, int trial) {
    al_st_file *f = NULL;
    al_status st = al_st_open(path, &f);
    if (st != AL_OK) {
        CHECK_MSG(known_status(st) && al_last_error()[0] && f == NULL, "safetensors trial %d: status %d, message '%s'",
                  trial, st, al_last_error());
        return 0;
    }
    int bad = 0;
    unsigned sum = 0;
    for (int i = 0; i < al_st_count(f); i++) {
        const al_st_tensor *t = al_st_get(f, i);
        int64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) numel *= t->shape[d];
        if (!t->name || t->ndim < 0 || t->ndim > AL_ST_MAX_DIMS || numel != t->numel ||
            t->nbytes != (size_t)t->numel * al_dtype_size(t->dtype) || !al_st_find(f, t->name))
            bad++;
        for (size_t k = 0; k < t->nbytes; k++) sum += ((const unsigned char *)t->data)[k]; /* ASan: in bounds */
    }
    const char *fmt = al_st_metadata(f, "format");
    if (fmt) sum += (unsigned)strlen(fmt);
    CHECK_MSG(bad == 0, "safetensors trial %d: %d inconsistent tensors (sum %u)", trial, bad, sum);
    al_st_close(f);
    return 1;
}

static void test_safetensors_mutations(void) {
    const char *dir = al_test_tmpdir();
    const char *valid = join(dir, "fuzz_valid.safetensors"), *path = join(dir, "fuzz.safetensors");
    valid_safetensors(valid);
    char *orig;
    size_t n_orig;
    CHECK_OK(al_read_file(valid, &orig, &n_orig));
    CHECK(open_and_check(valid, -1));
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | (unsigned char)orig[i];
    al_rng r;
    al_rng_seed(&r, 3);
    buf x = {malloc(MAX_FILE), 0, MAX_FILE};
    int loaded = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        int mode = (int)al_rng_below(&r, 3);
        if (mode == 0) { /* anywhere in the file, header length prefix included */
            memcpy(x.b, orig, x.n = n_orig);
            mutate(&r, &x);
        } else { /* inside the JSON header, with the length prefix fixed up (or the data block after it) */
            memcpy(x.b, orig + 8, x.n = (size_t)hlen);
            if (al_rng_below(&r, 4) == 0) { /* a member (maybe a duplicate) at the start of the object */
                const char *m = header_members[al_rng_below(&r, N_MEMBERS)];
                fuzz_insert(&x, 1, m, strlen(m));
            }
            mutate(&r, &x);
            uint64_t h = mode == 1 ? x.n : x.n + al_rng_below(&r, 9) - 4;
            size_t body = n_orig - 8 - (size_t)hlen;
            if (8 + x.n + body > MAX_FILE) continue;
            memmove(x.b + 8, x.b, x.n);
            for (int i = 0; i < 8; i++) x.b[i] = (unsigned char)(h >> (8 * i));
            memcpy(x.b + 8 + x.n, orig + 8 + hlen, body);
            x.n += 8 + body;
        }
        write_bytes(path, x.b, x.n);
        loaded += open_and_check(path, trial);
    }
    free(x.b);
    free(orig);
    fprintf(stderr, "safetensors: %d of %d mutated files opened\n", loaded, TRIALS);
    CHECK(loaded > 0 && loaded < TRIALS);
}

AL_TEST_MAIN(test_nemo_manifest_mutations, test_kaldi_dir_mutations, test_safetensors_mutations)
