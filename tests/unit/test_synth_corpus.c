/* The tiny synthetic corpus end to end (needs espeak-ng, flite, festival + voices, fortunes):
 * layout, index.json consistency, disjoint splits, held-out voices, noisy copies with disjoint
 * noise files, and determinism across runs and thread counts. */
#include "al_test.h"
#include "audiolottery/al.h"

#include <cjson/cJSON.h>
#include <sys/stat.h>

static cJSON *load_index(const char *dir, char **raw) {
    char path[1200];
    snprintf(path, sizeof path, "%s/index.json", dir);
    if (al_read_file(path, raw, NULL) != AL_OK) return NULL;
    return cJSON_Parse(*raw);
}

static const char *str(const cJSON *o, const char *k) {
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static double num(const cJSON *o, const char *k) { return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k)); }

static int file_size_ok(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 && sb.st_size > 100;
}

/* The line "ID TEXT" is in the trans file next to the audio. */
static int trans_has(const char *dir, const cJSON *u) {
    char path[1200], line[1024], want[1024];
    snprintf(path, sizeof path, "%s/%s/%d/%d/%d-%d.trans.txt", dir, str(u, "split"), (int)num(u, "speaker"),
             (int)num(u, "chapter"), (int)num(u, "speaker"), (int)num(u, "chapter"));
    snprintf(want, sizeof want, "%s %s\n", str(u, "id"), str(u, "text"));
    FILE *fp = fopen(path, "r");
    int found = 0;
    while (fp && !found && fgets(line, sizeof line, fp)) found = !strcmp(line, want);
    if (fp) fclose(fp);
    return found;
}

/* Pairwise checks on the index (tiny: ~60 utterances). */
static void check_index(const char *dir, const cJSON *root) {
    const cJSON *utts = cJSON_GetObjectItemCaseSensitive(root, "utterances");
    int n = cJSON_GetArraySize(utts);
    CHECK_MSG(n >= 38 && n <= 42, "%d utterances", n);
    int split_count[4] = {0}, engines[3] = {0}, bad_file = 0, bad_trans = 0, bad_noisy = 0;
    double seconds = 0;
    static const char *splits[] = {"train", "dev", "test-clean", "test-other"};
    static const char *engine_names[] = {"espeak-ng", "flite", "festival"};
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, utts) {
        for (int s = 0; s < 4; s++) split_count[s] += !strcmp(str(a, "split"), splits[s]);
        for (int e = 0; e < 3; e++) engines[e] += !strcmp(str(a, "engine"), engine_names[e]);
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, str(a, "path"));
        char want_rel[256];
        snprintf(want_rel, sizeof want_rel, "%s/%d/%d/%s.flac", str(a, "split"), (int)num(a, "speaker"),
                 (int)num(a, "chapter"), str(a, "id"));
        bad_file += !file_size_ok(path) || strcmp(want_rel, str(a, "path"));
        al_audio_info info;
        if (al_audio_info_read(path, NULL, &info) == AL_OK) {
            bad_file += info.sample_rate != 16000 || info.channels != 1 || fabs(info.duration - num(a, "duration")) > 1e-3;
            bad_file += info.duration < 0.3 || info.duration > 15;
        } else {
            bad_file++;
        }
        bad_trans += !trans_has(dir, a);
        bad_file += !*str(a, "source") || !*str(a, "voice") || !(num(a, "rate") > 0);
        seconds += num(a, "duration");
        const cJSON *nz = cJSON_GetObjectItemCaseSensitive(a, "noisy");
        if (nz) {
            snprintf(path, sizeof path, "%s/%s", dir, str(nz, "path"));
            double snr = num(nz, "snr");
            bad_noisy += !file_size_ok(path) || !(snr == 0 || snr == 5 || snr == 10 || snr == 20) || !*str(nz, "noise");
        } else {
            bad_noisy++;
        }
    }
    CHECK_MSG(bad_file == 0, "%d utterances with a bad file, path or field", bad_file);
    CHECK_MSG(bad_trans == 0, "%d utterances missing from their trans file", bad_trans);
    CHECK_MSG(bad_noisy == 0, "%d utterances without a good noisy copy", bad_noisy);
    for (int s = 0; s < 4; s++) CHECK_MSG(split_count[s] > 0, "split %s empty", splits[s]);
    for (int e = 0; e < 3; e++) CHECK_MSG(engines[e] > 0, "engine %s missing", engine_names[e]);
    CHECK_MSG(seconds > 40 && seconds < 400, "tiny corpus is %.1f s", seconds);

    int spk_cross = 0, sent_cross = 0, voice_leak = 0, accent_leak_free = 0;
    cJSON_ArrayForEach(a, utts) {
        int other = !strcmp(str(a, "split"), "test-other"), accent_new = other && !strcmp(str(a, "engine"), "espeak-ng");
        cJSON_ArrayForEach(b, utts) {
            int same_split = !strcmp(str(a, "split"), str(b, "split"));
            spk_cross += !same_split && num(a, "speaker") == num(b, "speaker");
            sent_cross += !same_split && !strcmp(str(a, "text"), str(b, "text"));
            if (other && !strcmp(str(b, "split"), "train") && !strcmp(str(a, "engine"), str(b, "engine"))) {
                voice_leak += !strcmp(str(a, "voice"), str(b, "voice")) && !strcmp(str(a, "variant"), str(b, "variant"));
                if (!strcmp(str(a, "engine"), "espeak-ng") && !strcmp(str(a, "voice"), str(b, "voice"))) accent_new = 0;
                if (strcmp(str(a, "engine"), "espeak-ng") && !strcmp(str(a, "voice"), str(b, "voice"))) voice_leak++;
            }
        }
        accent_leak_free += accent_new;
    }
    CHECK_MSG(spk_cross == 0, "%d utterance pairs share a speaker across splits", spk_cross);
    CHECK_MSG(sent_cross == 0, "%d utterance pairs share a sentence across splits", sent_cross);
    CHECK_MSG(voice_leak == 0, "%d test-other utterances use a voice heard in train", voice_leak);
    CHECK_MSG(accent_leak_free > 0, "no test-other espeak-ng utterance with an accent absent from train");

    /* noise files: those used by train and by the other splits are disjoint */
    int noise_cross = 0;
    cJSON_ArrayForEach(a, utts) {
        const cJSON *na = cJSON_GetObjectItemCaseSensitive(a, "noisy");
        if (!na || !strcmp(str(na, "noise"), "babble") || strcmp(str(a, "split"), "train")) continue;
        cJSON_ArrayForEach(b, utts) {
            const cJSON *nb = cJSON_GetObjectItemCaseSensitive(b, "noisy");
            if (nb && strcmp(str(b, "split"), "train") && !strcmp(str(na, "noise_source"), str(nb, "noise_source")))
                noise_cross++;
        }
    }
    CHECK_MSG(noise_cross == 0, "%d noise files used by train and by dev/test", noise_cross);
    CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "noise")));
}

static void run_tiny(const char *dir, int threads, int noise, al_synth_report *r) {
    al_synth_opts o = al_synth_defaults();
    o.out_dir = dir;
    o.preset = "tiny";
    o.seed = 11;
    o.threads = threads;
    o.noise = noise;
    o.utterances = 40; /* the tiny preset's speakers, fewer utterances: keeps the test fast */
    CHECK_OK(al_synth_corpus(&o, r));
}

static void test_tiny_corpus(void) {
    char a[1100], b[1100], cmd[2300];
    snprintf(a, sizeof a, "%s/tiny_a", al_test_tmpdir());
    snprintf(b, sizeof b, "%s/tiny_b", al_test_tmpdir());
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", a, b);
    CHECK(system(cmd) == 0);
    al_synth_report ra, rb;
    run_tiny(a, 2, 1, &ra);
    CHECK(ra.speaker_disjoint && ra.sentence_disjoint && ra.heldout_ok);
    CHECK(ra.skipped == 0 && ra.failed == 0 && ra.noisy > 0);
    char *raw_a = NULL, *raw_b = NULL;
    cJSON *ia = load_index(a, &raw_a);
    CHECK_MSG(ia != NULL, "%s/index.json unreadable", a);
    if (ia) check_index(a, ia);

    /* same seed, other thread count: the same index (sentences, speakers, parameters, durations, noise) */
    run_tiny(b, 1, 1, &rb);
    cJSON *ib = load_index(b, &raw_b);
    CHECK(ib != NULL);
    CHECK_MSG(raw_a && raw_b && !strcmp(raw_a, raw_b), "index.json differs between two runs with seed 11");

    /* resume: a second run over a finished corpus keeps every utterance */
    al_synth_report rc;
    run_tiny(b, 2, 0, &rc);
    CHECK_MSG(rc.skipped == rb.utterances[0] + rb.utterances[1] + rb.utterances[2] + rb.utterances[3],
              "kept %d of the earlier run's utterances", rc.skipped);
    cJSON_Delete(ia);
    cJSON_Delete(ib);
    free(raw_a);
    free(raw_b);
    CHECK(system(cmd) == 0);
}

static void test_bad_options(void) {
    al_synth_opts o = al_synth_defaults();
    al_synth_report r;
    CHECK(al_synth_corpus(&o, &r) == AL_ERR_INVALID); /* no out_dir */
    o.out_dir = al_test_tmpdir();
    o.preset = "huge";
    CHECK(al_synth_corpus(&o, &r) == AL_ERR_INVALID);
    CHECK_STR_CONTAINS(al_last_error(), "huge");
    o.preset = "tiny";
    o.hours = 1;
    o.utterances = 5;
    CHECK(al_synth_corpus(&o, &r) == AL_ERR_INVALID);
}

AL_TEST_MAIN(test_tiny_corpus, test_bad_options)
