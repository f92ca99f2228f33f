/* Audio file reading and writing through libsndfile (WAV, FLAC, OGG, MP3, NIST SPHERE, headerless
 * 16-bit PCM): downmix to mono, cut a segment by seeking, resample, atomic writes. */
#include "audiolottery/audio.h"
#include "audiolottery/io.h"

#include <errno.h>
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define AL_MIN_RATE 8000
#define AL_MAX_RATE 192000
#define READ_CHUNK_FRAMES 16384
/* MP3 frame counts from headers are estimates; allow this many frames of shortfall. */
#define MP3_FRAME_SLACK 4608

al_audio_read_opts al_audio_read_defaults(void) {
    al_audio_read_opts o = {.target_rate = AL_SAMPLE_RATE, .offset = 0, .duration = 0, .raw_rate = 0, .raw_channels = 1};
    return o;
}

static const char *major_format_name(int format) {
    switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV: return "WAV";
    case SF_FORMAT_WAVEX: return "WAV";
    case SF_FORMAT_FLAC: return "FLAC";
    case SF_FORMAT_OGG: return "OGG";
    case SF_FORMAT_MPEG: return "MP3";
    case SF_FORMAT_NIST: return "NIST";
    case SF_FORMAT_RAW: return "RAW";
    case SF_FORMAT_AIFF: return "AIFF";
    default: return "other";
    }
}

/* Opens path for reading; on failure returns an error naming the file and the problem. */
static al_status open_audio(const char *path, const al_audio_read_opts *opts, SNDFILE **out, SF_INFO *info) {
    *out = NULL;
    memset(info, 0, sizeof *info);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return al_error(errno == ENOENT ? AL_ERR_NOT_FOUND : AL_ERR_IO, "%s: cannot open audio: %s", path,
                        strerror(errno));
    if (S_ISDIR(sb.st_mode)) return al_error(AL_ERR_FORMAT, "%s: is a directory, not an audio file", path);
    if (sb.st_size == 0) return al_error(AL_ERR_EMPTY, "%s: empty file (0 bytes)", path);
    if (opts && opts->raw_rate > 0) {
        info->format = SF_FORMAT_RAW | SF_FORMAT_PCM_16 | SF_ENDIAN_LITTLE;
        info->samplerate = opts->raw_rate;
        info->channels = opts->raw_channels > 0 ? opts->raw_channels : 1;
    }
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf)
        return al_error(AL_ERR_FORMAT, "%s: not a readable audio file (%s)", path, sf_strerror(NULL));
    if (info->samplerate < AL_MIN_RATE || info->samplerate > AL_MAX_RATE) {
        sf_close(sf);
        return al_error(AL_ERR_UNSUPPORTED, "%s: unsupported sample rate %d Hz (supported %d..%d)", path,
                        info->samplerate, AL_MIN_RATE, AL_MAX_RATE);
    }
    if (info->channels < 1) {
        sf_close(sf);
        return al_error(AL_ERR_FORMAT, "%s: bad channel count %d", path, info->channels);
    }
    if (info->frames <= 0) {
        sf_close(sf);
        return al_error(AL_ERR_EMPTY, "%s: zero-length audio (no samples)", path);
    }
    *out = sf;
    return AL_OK;
}

al_status al_audio_info_read(const char *path, const al_audio_read_opts *opts, al_audio_info *info) {
    SNDFILE *sf;
    SF_INFO si;
    al_status st = open_audio(path, opts, &sf, &si);
    if (st != AL_OK) return st;
    memset(info, 0, sizeof *info);
    info->sample_rate = si.samplerate;
    info->channels = si.channels;
    info->frames = si.frames;
    info->duration = (double)si.frames / si.samplerate;
    snprintf(info->format, sizeof info->format, "%s", major_format_name(si.format));
    sf_close(sf);
    return AL_OK;
}

/* 8/16-bit integer sources are read as shorts and divided by 32767 exactly as deepspeech.pytorch
 * (int16 -> float32 / 32767); other sources are read as floats (libsndfile scales by 1/32768)
 * and rescaled to the same convention. */
static int reads_as_short(int format) {
    int sub = format & SF_FORMAT_SUBMASK;
    return sub == SF_FORMAT_PCM_16 || sub == SF_FORMAT_PCM_S8 || sub == SF_FORMAT_PCM_U8;
}

/* Reads `frames` interleaved frames into mono out[] (channel mean). Returns frames read, -1 when
 * out of memory. */
static int64_t read_mono(SNDFILE *sf, const SF_INFO *info, float *out, int64_t frames) {
    int ch = info->channels;
    int as_short = reads_as_short(info->format);
    size_t chunk_items = (size_t)READ_CHUNK_FRAMES * ch;
    void *buf = malloc(chunk_items * (as_short ? sizeof(short) : sizeof(float)));
    if (!buf) return -1;
    int64_t done = 0;
    const float float_scale = 32768.0f / 32767.0f;
    while (done < frames) {
        sf_count_t want = frames - done < READ_CHUNK_FRAMES ? frames - done : READ_CHUNK_FRAMES;
        sf_count_t got = as_short ? sf_readf_short(sf, buf, want) : sf_readf_float(sf, buf, want);
        if (got <= 0) break;
        for (sf_count_t f = 0; f < got; f++) {
            float acc = 0;
            for (int c = 0; c < ch; c++) {
                size_t k = (size_t)f * ch + c;
                acc += as_short ? (float)((short *)buf)[k] / 32767.0f : ((float *)buf)[k] * float_scale;
            }
            out[done + f] = ch == 1 ? acc : acc / (float)ch;
        }
        done += got;
    }
    free(buf);
    return done;
}

al_status al_audio_read(const char *path, const al_audio_read_opts *opts_in, al_audio *out) {
    memset(out, 0, sizeof *out);
    al_audio_read_opts opts = opts_in ? *opts_in : al_audio_read_defaults();
    if (!isfinite(opts.offset) || !isfinite(opts.duration))
        return al_error(AL_ERR_INVALID, "%s: segment offset %g s / duration %g s is not a finite number", path,
                        opts.offset, opts.duration);
    SNDFILE *sf;
    SF_INFO info;
    al_status st = open_audio(path, &opts, &sf, &info);
    if (st != AL_OK) return st;
    int is_mp3 = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_MPEG;

    int64_t start = opts.offset > 0 ? (int64_t)llround(opts.offset * info.samplerate) : 0;
    int64_t count = info.frames - start;
    if (opts.offset < 0 || start >= info.frames) {
        sf_close(sf);
        return al_error(AL_ERR_INVALID, "%s: offset %.3f s is past the end of the audio (%.3f s)", path, opts.offset,
                        (double)info.frames / info.samplerate);
    }
    if (opts.duration > 0) {
        int64_t want = (int64_t)llround(opts.duration * info.samplerate);
        if (want < count) count = want;
        if (count <= 0) {
            sf_close(sf);
            return al_error(AL_ERR_INVALID, "%s: a segment of %g s holds no sample at %d Hz", path, opts.duration,
                            info.samplerate);
        }
    }
    if (start > 0) {
        if (info.seekable) {
            if (sf_seek(sf, start, SEEK_SET) < 0) {
                sf_close(sf);
                return al_error(AL_ERR_FORMAT, "%s: cannot seek to %.3f s (%s)", path, opts.offset, sf_strerror(sf));
            }
        } else {
            /* Not seekable: decode and discard up to the offset. */
            float *skip = malloc(sizeof(float) * READ_CHUNK_FRAMES);
            if (!skip) {
                sf_close(sf);
                return al_error(AL_ERR_NOMEM, "%s: out of memory skipping to %.3f s", path, opts.offset);
            }
            int64_t skipped = 0;
            while (skipped < start) {
                int64_t n = start - skipped < READ_CHUNK_FRAMES / info.channels ? start - skipped
                                                                                  : READ_CHUNK_FRAMES / info.channels;
                sf_count_t got = sf_readf_float(sf, skip, n);
                if (got <= 0) break;
                skipped += got;
            }
            free(skip);
        }
    }
    float *mono = al_malloc(sizeof(float) * (size_t)count);
    if (!mono) {
        sf_close(sf);
        return al_error(AL_ERR_NOMEM, "%s: out of memory for %lld samples", path, (long long)count);
    }
    int64_t got = read_mono(sf, &info, mono, count);
    int decode_error = sf_error(sf);
    char decode_msg[256];
    snprintf(decode_msg, sizeof decode_msg, "%s", sf_strerror(sf));
    sf_close(sf);
    int64_t slack = is_mp3 ? MP3_FRAME_SLACK : 0;
    if (got < 0) {
        al_free(mono);
        return al_error(AL_ERR_NOMEM, "%s: out of memory decoding", path);
    }
    if (got + slack < count || got == 0) {
        al_free(mono);
        if (got == 0)
            return al_error(AL_ERR_FORMAT, "%s: corrupt audio: no samples could be decoded (%s)", path, decode_msg);
        return al_error(AL_ERR_FORMAT, "%s: truncated or corrupt audio: header promises %lld samples, only %lld decoded%s%s",
                        path, (long long)count, (long long)got, decode_error ? ": " : "", decode_error ? decode_msg : "");
    }

    out->samples = mono;
    out->n = got;
    out->sample_rate = info.samplerate;
    if (opts.target_rate > 0 && opts.target_rate != info.samplerate) {
        float *res;
        int64_t n_res;
        st = al_resample(mono, got, info.samplerate, opts.target_rate, &res, &n_res);
        al_free(mono);
        memset(out, 0, sizeof *out);
        if (st != AL_OK) return al_error_prefix(st, "%s: ", path);
        out->samples = res;
        out->n = n_res;
        out->sample_rate = opts.target_rate;
    }
    return AL_OK;
}

void al_audio_free(al_audio *a) {
    if (!a) return;
    al_free(a->samples);
    memset(a, 0, sizeof *a);
}

al_status al_audio_write(const char *path, const al_audio *a, al_audio_file_format fmt) {
    if (a->n <= 0 || a->sample_rate <= 0) return al_error(AL_ERR_INVALID, "%s: nothing to write", path);
    short *pcm = malloc(sizeof(short) * (size_t)a->n);
    if (!pcm) return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    for (int64_t i = 0; i < a->n; i++) {
        float v = a->samples[i] * 32767.0f;
        pcm[i] = (short)lrintf(v > 32767.0f ? 32767.0f : v < -32768.0f ? -32768.0f : v);
    }
    al_atomic_file af;
    al_status st = al_atomic_open(&af, path);
    if (st != AL_OK) {
        free(pcm);
        return st;
    }
    SF_INFO info = {.samplerate = a->sample_rate, .channels = 1};
    info.format = fmt == AL_AUDIO_FLAC16 ? SF_FORMAT_FLAC | SF_FORMAT_PCM_16 : SF_FORMAT_WAV | SF_FORMAT_PCM_16;
    SNDFILE *sf = sf_open_fd(fileno(af.fp), SFM_WRITE, &info, 0);
    if (!sf) {
        al_atomic_abort(&af);
        free(pcm);
        return al_error(AL_ERR_IO, "%s: cannot write audio (%s)", path, sf_strerror(NULL));
    }
    sf_count_t written = sf_writef_short(sf, pcm, a->n);
    int close_err = sf_close(sf);
    free(pcm);
    if (written != a->n || close_err != 0) {
        al_atomic_abort(&af);
        return al_error(AL_ERR_IO, "%s: audio write failed", path);
    }
    return al_atomic_commit(&af);
}
