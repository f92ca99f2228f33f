/* Noisy copies: each clean utterance mixed at an SNR drawn from the list with real recordings
 * (ufoai ambience: city, machines, wind, fire, water...; asterisk music on hold) or a babble of
 * other speakers of the same split. Noise files are split in two disjoint groups: of each source's
 * files sorted by name, every 4th (i % 4 == 3) is for dev/test-clean/test-other, the rest for train. */
#include "audiolottery/io.h"
#include "synth_internal.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UFOAI_PK3 "/usr/share/games/ufoai/base/0snd.pk3"
#define MOH_DIR "/usr/share/asterisk/moh"
#define NOISE_MAX_SECONDS 20.0 /* per file: random offsets give variety, decoding stays fast */
#define BABBLE_TALKERS 4

enum { GROUP_TRAIN = 0, GROUP_EVAL = 1, KIND_AMBIENCE = 0, KIND_MUSIC = 1, N_KINDS = 2 };
enum { STREAM_NOISE = 3000000 };

typedef struct {
    char name[96];
    al_audio audio;
} noise_file;

typedef struct {
    noise_file *files[2][N_KINDS]; /* [group][kind] */
    int n[2][N_KINDS];
} noise_bank;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Reads the files of dir ending in ext, sorted by name, into the two groups. A missing dir is
 * a warning (that kind of noise is then not used). */
static al_status load_dir(noise_bank *b, int kind, const char *dir, const char *ext) {
    DIR *d = opendir(dir);
    if (!d) {
        al_log(AL_LOG_WARN, "synth --noise: %s not found: no %s noise (Debian package %s)", dir,
               kind == KIND_MUSIC ? "music" : "ambience", kind == KIND_MUSIC ? "asterisk-moh-opsound-wav" : "ufoai-sound");
        return AL_OK;
    }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512) {
        size_t len = strlen(e->d_name), le = strlen(ext);
        if (len > le && !strcmp(e->d_name + len - le, ext) && len < 90) names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    al_status st = AL_OK;
    for (int g = 0; g < 2; g++) b->files[g][kind] = calloc((size_t)n + 1, sizeof(noise_file));
    al_audio *audio = calloc((size_t)n + 1, sizeof *audio);
    al_status *sts = calloc((size_t)n + 1, sizeof *sts);
    if (!b->files[0][kind] || !b->files[1][kind] || !audio || !sts) st = al_error(AL_ERR_NOMEM, "synth --noise: out of memory");
    char first_error[1024] = "";
#pragma omp parallel for schedule(dynamic, 1) num_threads(al_threads()) if (st == AL_OK)
    for (int i = 0; i < n; i++) {
        if (!names[i] || !audio) continue;
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        al_audio_read_opts ro = al_audio_read_defaults();
        ro.duration = NOISE_MAX_SECONDS;
        sts[i] = al_audio_read(path, &ro, &audio[i]);
        if (sts[i] != AL_OK) {
#pragma omp critical(al_synth_noise_load)
            snprintf(first_error, sizeof first_error, "%s", al_last_error());
        }
    }
    for (int i = 0; i < n; i++) {
        if (st == AL_OK && names[i] && sts[i] == AL_OK) {
            int g = i % 4 == 3 ? GROUP_EVAL : GROUP_TRAIN;
            noise_file *f = &b->files[g][kind][b->n[g][kind]++];
            snprintf(f->name, sizeof f->name, "%s", names[i]);
            f->audio = audio[i];
        } else {
            if (st == AL_OK && names[i]) st = al_error(sts[i], "%s", first_error);
            if (audio) al_audio_free(&audio[i]);
        }
        free(names[i]);
    }
    free(audio);
    free(sts);
    return st;
}

static al_status load_bank(noise_bank *b, const char *tmp) {
    memset(b, 0, sizeof *b);
    char dir[1200], err[1300];
    snprintf(dir, sizeof dir, "%s/ambience", tmp);
    snprintf(err, sizeof err, "%s/unzip.err", tmp);
    al_status st = al_mkdir_p(dir);
    if (st != AL_OK) return st;
    char *argv[] = {"unzip", "-q", "-o", "-j", UFOAI_PK3, "sound/ambience/*.ogg", "-d", dir, NULL};
    if (al_synth_spawn(argv, NULL, err) != AL_OK)
        al_log(AL_LOG_WARN, "synth --noise: cannot extract %s (Debian packages ufoai-sound, unzip): %s", UFOAI_PK3, al_last_error());
    remove(err);
    st = load_dir(b, KIND_AMBIENCE, dir, ".ogg");
    if (st == AL_OK) st = load_dir(b, KIND_MUSIC, MOH_DIR, ".wav");
    /* the extracted files are in memory now */
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < b->n[g][KIND_AMBIENCE]; i++) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, b->files[g][KIND_AMBIENCE][i].name);
            remove(path);
        }
    rmdir(dir);
    return st;
}

static void free_bank(noise_bank *b) {
    for (int g = 0; g < 2; g++)
        for (int k = 0; k < N_KINDS; k++) {
            for (int i = 0; i < b->n[g][k]; i++) al_audio_free(&b->files[g][k][i].audio);
            free(b->files[g][k]);
        }
}

static char *sets_json(const noise_bank *b) {
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    static const char *gname[2] = {"train", "dev_test"}, *kname[N_KINDS] = {"ambience", "music"};
    len += snprintf(s + len, cap - len,
                    "{\"rule\": \"per source, files sorted by name: every 4th (i %% 4 == 3) for dev/test-clean/"
                    "test-other, the others for train; babble: %d other speakers of the same split\"",
                    BABBLE_TALKERS);
    for (int g = 0; g < 2; g++) {
        len += snprintf(s + len, cap - len, ", \"%s\": {", gname[g]);
        for (int k = 0; k < N_KINDS; k++) {
            len += snprintf(s + len, cap - len, "%s\"%s\": [", k ? ", " : "", kname[k]);
            for (int i = 0; i < b->n[g][k] && len + 200 < cap; i++)
                len += snprintf(s + len, cap - len, "%s\"%s\"", i ? ", " : "", b->files[g][k][i].name);
            len += snprintf(s + len, cap - len, "]");
        }
        len += snprintf(s + len, cap - len, "}");
    }
    snprintf(s + len, cap - len, "}");
    return s;
}

/* Babble: BABBLE_TALKERS other utterances of the same split by other speakers, each scaled to
 * unit RMS and summed. The ids go to name. */
static al_status make_babble(const al_synth_opts *o, const al_synth_plan *plan, const int *split_utts, int n_split,
                             const al_synth_utt *self, al_rng *rng, al_audio *out, char *name, size_t name_size) {
    memset(out, 0, sizeof *out);
    name[0] = 0;
    al_status st = AL_OK;
    for (int t = 0, tries = 0; t < BABBLE_TALKERS && tries < 50 && st == AL_OK; tries++) {
        const al_synth_utt *u = &plan->utts[split_utts[al_rng_below(rng, (uint64_t)n_split)]];
        if (u->speaker == self->speaker) continue;
        char path[1200];
        al_synth_utt_path(o->out_dir, plan, u, path, sizeof path);
        al_audio a;
        st = al_audio_read(path, NULL, &a);
        if (st != AL_OK) break;
        double e = 0;
        for (int64_t i = 0; i < a.n; i++) e += (double)a.samples[i] * a.samples[i];
        float g = e > 0 ? (float)(1.0 / sqrt(e / (double)a.n)) : 0.f;
        if (a.n > out->n) {
            float *s = al_calloc((size_t)a.n, sizeof *s);
            if (!s) st = al_error(AL_ERR_NOMEM, "synth --noise: out of memory");
            else {
                if (out->n) memcpy(s, out->samples, (size_t)out->n * sizeof *s);
                al_free(out->samples);
                out->samples = s;
                out->n = a.n;
            }
        }
        for (int64_t i = 0; i < a.n && st == AL_OK; i++) out->samples[i] += g * a.samples[i];
        al_audio_free(&a);
        size_t len = strlen(name);
        snprintf(name + len, name_size - len, "%s%s", t ? "+" : "", u->id);
        t++;
    }
    out->sample_rate = AL_SAMPLE_RATE;
    if (st == AL_OK && !out->n) st = al_error(AL_ERR_EMPTY, "synth --noise: no other speaker for babble");
    if (st != AL_OK) al_audio_free(out);
    return st;
}

static al_status noisy_one(const al_synth_opts *o, const al_synth_plan *plan, const noise_bank *b, const int *split_utts,
                           int n_split, int index, al_synth_noise_choice *c) {
    const al_synth_utt *u = &plan->utts[index];
    const al_synth_speaker *spk = &plan->speakers[u->speaker];
    int g = spk->split == AL_SPLIT_TRAIN ? GROUP_TRAIN : GROUP_EVAL;
    al_rng rng;
    al_rng_seed_stream(&rng, o->seed, STREAM_NOISE + (uint64_t)index);
    double r = al_rng_uniform(&rng);
    int kind = r < 0.5 ? KIND_AMBIENCE : r < 0.75 ? KIND_MUSIC : -1; /* -1: babble */
    if (kind >= 0 && b->n[g][kind] == 0) kind = b->n[g][KIND_AMBIENCE] ? KIND_AMBIENCE : -1;
    c->snr = o->snr[al_rng_below(&rng, (uint64_t)o->n_snr)];
    char clean[1200], noisy[1300], root[1100];
    al_synth_utt_path(o->out_dir, plan, u, clean, sizeof clean);
    snprintf(root, sizeof root, "%s/noisy", o->out_dir);
    al_synth_utt_path(root, plan, u, noisy, sizeof noisy);
    al_audio speech, babble = {0};
    const al_audio *noise;
    al_status st = AL_OK;
    if (kind >= 0) {
        const noise_file *f = &b->files[g][kind][al_rng_below(&rng, (uint64_t)b->n[g][kind])];
        c->kind = kind == KIND_AMBIENCE ? "ambience" : "music";
        snprintf(c->name, sizeof c->name, "%s", f->name);
        noise = &f->audio;
    } else {
        c->kind = "babble";
        st = make_babble(o, plan, split_utts, n_split, u, &rng, &babble, c->name, sizeof c->name);
        noise = &babble;
    }
    if (st == AL_OK) st = al_audio_read(clean, NULL, &speech);
    if (st != AL_OK) {
        al_audio_free(&babble);
        return st;
    }
    st = al_mix_noise_snr(speech.samples, speech.n, noise->samples, noise->n, c->snr, &rng);
    float peak = 0;
    for (int64_t i = 0; i < speech.n; i++) peak = fmaxf(peak, fabsf(speech.samples[i]));
    if (peak > 0.99f)
        for (int64_t i = 0; i < speech.n; i++) speech.samples[i] *= 0.99f / peak; /* no clipping */
    if (st == AL_OK) st = al_audio_write(noisy, &speech, AL_AUDIO_FLAC16);
    al_audio_free(&speech);
    al_audio_free(&babble);
    return st;
}

al_status al_synth_make_noisy(const al_synth_opts *o, const al_synth_plan *plan, al_synth_noise_choice *choices,
                              char **noise_sets_json, int *written) {
    *noise_sets_json = NULL;
    *written = 0;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s/.synth-tmp", o->out_dir);
    noise_bank b;
    al_status st = load_bank(&b, tmp);
    int *split_utts[AL_SPLIT_COUNT] = {0}, n_split[AL_SPLIT_COUNT] = {0};
    for (int s = 0; s < AL_SPLIT_COUNT && st == AL_OK; s++) {
        split_utts[s] = malloc((size_t)(plan->n_utts + 1) * sizeof(int));
        if (!split_utts[s]) st = al_error(AL_ERR_NOMEM, "synth --noise: out of memory");
    }
    for (int i = 0; i < plan->n_utts && st == AL_OK; i++) {
        if (!plan->utts[i].done) continue;
        int s = plan->speakers[plan->utts[i].speaker].split;
        split_utts[s][n_split[s]++] = i;
    }
    int failed = 0, done = 0, total = 0;
    for (int s = 0; s < AL_SPLIT_COUNT; s++) total += n_split[s];
    char first_error[1024] = "";
    if (st == AL_OK) {
        al_progress *prog = al_progress_start("noisy", (uint64_t)total, "utts");
#pragma omp parallel for schedule(dynamic, 4) num_threads(al_threads()) reduction(+ : done)
        for (int i = 0; i < plan->n_utts; i++) {
            if (!plan->utts[i].done) continue;
            int s = plan->speakers[plan->utts[i].speaker].split;
            al_status ust = noisy_one(o, plan, &b, split_utts[s], n_split[s], i, &choices[i]);
            if (ust == AL_OK) {
                done++;
            } else {
                choices[i].kind = NULL;
#pragma omp critical(al_synth_noisy_fail)
                if (!failed++) snprintf(first_error, sizeof first_error, "%s", al_last_error());
            }
            al_progress_add(prog, 1);
        }
        al_progress_finish(prog);
        if (failed) st = al_error(AL_ERR_IO, "synth --noise: %d noisy copies failed; first: %s", failed, first_error);
    }
    if (st == AL_OK) {
        *noise_sets_json = sets_json(&b);
        if (!*noise_sets_json) st = al_error(AL_ERR_NOMEM, "synth --noise: out of memory");
    }
    *written = done;
    for (int s = 0; s < AL_SPLIT_COUNT; s++) free(split_utts[s]);
    free_bank(&b);
    return st;
}
