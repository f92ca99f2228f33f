/* libFuzzer entry point for the ARPA reader: each input is written to an in-memory file and
 * loaded with al_lm_load; a loaded LM is scored word after word. Build with clang and
 * -DAL_FUZZ=ON, then run e.g.:  ./fuzz_arpa -max_total_time=600 corpus_dir tests/data/lm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "audiolottery/lm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        al_log_set_level(AL_LOG_ERROR);
        fd = memfd_create("arpa", 0);
        if (fd < 0) abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    al_lm *lm = NULL;
    if (al_lm_load(path, NULL, &lm) == AL_OK) {
        al_lm_state s;
        al_lm_begin(lm, &s);
        for (int32_t w = 0; w < al_lm_vocab_size(lm) && w < 64; w++) al_lm_score(lm, &s, w, &s);
        al_lm_final(lm, &s);
        al_lm_free(lm);
    } else if (lm != NULL || al_last_error()[0] == 0) {
        abort(); /* a failure must leave no LM and say why */
    }
    return 0;
}
