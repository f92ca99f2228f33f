/* Zeroes the frames of every sample past its length. */
#include "nn/seqmask.h"

#include <string.h>

al_status al_seqmask(float *x, const int *lengths, int n, int rows, int t) {
    if (n < 0 || rows < 0 || t < 0) return al_error(AL_ERR_INVALID, "seqmask: bad size n %d rows %d t %d", n, rows, t);
    for (int i = 0; i < n; i++)
        if (lengths[i] < 0 || lengths[i] > t)
            return al_error(AL_ERR_INVALID, "seqmask: length %d of sample %d outside [0, %d]", lengths[i], i, t);
    const long total = (long)n * rows;
#pragma omp parallel for schedule(static)
    for (long r = 0; r < total; r++) {
        int len = lengths[r / rows];
        memset(x + (size_t)r * t + len, 0, (size_t)(t - len) * sizeof(float));
    }
    return AL_OK;
}
