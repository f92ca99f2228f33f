/* libFuzzer target: corpus manifests. The first input byte picks the file the rest of the input
 * becomes: 0 a NeMo JSON-lines manifest, 1..4 the Kaldi data directory's wav.scp, text, segments
 * or utt2spk (the other three stay valid). The audio (three 1 s WAVs) and the valid Kaldi files
 * are written once to a fresh directory under $TMPDIR (or /tmp). Loading must not crash, a failure
 * must carry a message, and every loaded utterance must be a real segment of its audio.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DAL_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_manifest
 *   build-fuzz/fuzz_manifest -max_total_time=600 -max_len=4096 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/al.h"

#define AUDIO_SECONDS 1.0

static char root[1024];
static const char *kaldi_files[] = {"wav.scp", "text", "segments", "utt2spk"};
static const char *kaldi_valid[] = {
    "ra audio/a.wav\nrb audio/b.wav\nrc audio/c.wav\n",
    "u1 HELLO WORLD\nu2 it's a TEST\nu3 THIRD one\nu4 last segment\n",
    "u1 ra 0.0 1.0\nu2 rb 0.1 0.6\nu3 rc 0.5 -1\nu4 rb 0.6 1.0\n",
    "u1 spk1\nu2 spk1\nu3 spk2\nu4 spk2\n",
};

static const char *path_in(const char *sub, const char *name) {
    static char bufs[4][1200];
    static int k = 0;
    char *b = bufs[k++ % 4];
    snprintf(b, 1200, "%s/%s%s%s", root, sub, *sub ? "/" : "", name);
    return b;
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n) abort(); /* the fuzzer's own set-up failed */
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/al_fuzz_manifest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root) || al_mkdir_p(path_in("kaldi", "")) != AL_OK || al_mkdir_p(path_in("kaldi", "audio")) != AL_OK)
        abort();
    al_audio a = {.n = (int64_t)(AUDIO_SECONDS * 16000), .sample_rate = 16000};
    a.samples = calloc((size_t)a.n, sizeof *a.samples);
    if (!a.samples) abort();
    for (int64_t i = 0; i < a.n; i++) a.samples[i] = 0.3f * sinf(0.17f * (float)i);
    const char *names[] = {"audio/a.wav", "audio/b.wav", "audio/c.wav"};
    for (int i = 0; i < 3; i++)
        if (al_audio_write(path_in("kaldi", names[i]), &a, AL_AUDIO_WAV16) != AL_OK) abort();
    free(a.samples);
    for (int f = 0; f < 4; f++) write_bytes(path_in("kaldi", kaldi_files[f]), kaldi_valid[f], strlen(kaldi_valid[f]));
    al_log_set_level(AL_LOG_ERROR);
    return 0;
}

static void load(const char *path) {
    al_corpus *c = NULL;
    al_status st = al_corpus_load(path, NULL, &c);
    if (st != AL_OK) {
        if (c || !al_last_error()[0]) __builtin_trap();
        return;
    }
    for (size_t i = 0; i < c->n; i++) {
        const al_utterance *u = &c->utts[i];
        if (!u->id || !u->text || !u->text[0] || !isfinite(u->offset) || u->offset < 0 || !isfinite(u->duration) ||
            u->duration <= 0 || u->offset + u->duration > AUDIO_SECONDS + 0.05 + 1e-9)
            __builtin_trap();
    }
    al_corpus_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    int target = data[0] % 5;
    if (target == 0) {
        /* the manifest sits in kaldi/ so that its relative audio paths resolve */
        write_bytes(path_in("kaldi", "m.jsonl"), data + 1, size - 1);
        load(path_in("kaldi", "m.jsonl"));
    } else {
        const char *file = path_in("kaldi", kaldi_files[target - 1]);
        write_bytes(file, data + 1, size - 1);
        load(path_in("kaldi", ""));
        write_bytes(file, kaldi_valid[target - 1], strlen(kaldi_valid[target - 1]));
    }
    return 0;
}
