/* libFuzzer target: safetensors files. The input is written to a file under $TMPDIR (or /tmp)
 * and opened with al_st_open: no crash, a failure carries a message, and every tensor of an
 * opened file is self-consistent and readable to its last byte.
 *
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DAL_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_safetensors
 *   mkdir -p seeds && cp some/checkpoint.safetensors seeds/   # small ones: tests/data has some
 *   build-fuzz/fuzz_safetensors -max_total_time=600 -max_len=8192 seeds */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audiolottery/al.h"

static char path[1100];
static unsigned sink; /* the tensor bytes are summed into it so that every byte is read */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/al_fuzz_%ld.safetensors", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, size, fp) != size) abort(); /* the fuzzer's own set-up failed */
    fclose(fp);
    al_st_file *f = NULL;
    if (al_st_open(path, &f) != AL_OK) {
        if (f || !al_last_error()[0]) __builtin_trap();
        return 0;
    }
    for (int i = 0; i < al_st_count(f); i++) {
        const al_st_tensor *t = al_st_get(f, i);
        int64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) numel *= t->shape[d];
        if (numel != t->numel || t->nbytes != (size_t)t->numel * al_dtype_size(t->dtype) || !al_st_find(f, t->name))
            __builtin_trap();
        for (size_t k = 0; k < t->nbytes; k++) sink += ((const unsigned char *)t->data)[k];
    }
    al_st_close(f);
    return 0;
}
