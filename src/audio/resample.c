/* Sample-rate conversion with libsamplerate. */
#include "audiolottery/audio.h"

#include <math.h>
#include <samplerate.h>

al_status al_resample(const float *in, int64_t n_in, int rate_in, int rate_out, float **out, int64_t *n_out) {
    *out = NULL;
    *n_out = 0;
    if (rate_in <= 0 || rate_out <= 0 || n_in <= 0)
        return al_error(AL_ERR_INVALID, "resample: bad arguments (%lld samples, %d -> %d Hz)", (long long)n_in,
                        rate_in, rate_out);
    double ratio = (double)rate_out / rate_in;
    int64_t cap = (int64_t)ceil((double)n_in * ratio) + 16;
    float *buf = al_malloc(sizeof(float) * (size_t)cap);
    if (!buf) return al_error(AL_ERR_NOMEM, "resample: out of memory");
    if (rate_in == rate_out) {
        for (int64_t i = 0; i < n_in; i++) buf[i] = in[i];
        *out = buf;
        *n_out = n_in;
        return AL_OK;
    }
    SRC_DATA d = {.data_in = in,
                  .data_out = buf,
                  .input_frames = (long)n_in,
                  .output_frames = (long)cap,
                  .src_ratio = ratio,
                  .end_of_input = 1};
    int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1);
    if (err) {
        al_free(buf);
        return al_error(AL_ERR_INVALID, "resample %d -> %d Hz failed: %s", rate_in, rate_out, src_strerror(err));
    }
    *out = buf;
    *n_out = d.output_frames_gen;
    return AL_OK;
}
