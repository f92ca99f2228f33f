/* One utterance from one engine: command line per engine, warp, 16 kHz, trimmed. */
#include "synth_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static al_status write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "wb");
    if (!fp) return al_error(AL_ERR_IO, "%s: cannot create", path);
    int bad = fprintf(fp, "%s\n", text) < 0;
    bad |= fclose(fp) != 0;
    return bad ? al_error(AL_ERR_IO, "%s: write failed", path) : AL_OK;
}

/* Builds the engine's command line (numbers formatted into a[]) and runs it. */
static al_status run_engine(const al_synth_speaker *spk, double rate, double pitch, const char *text,
                            const char *wav, const char *txt, const char *err) {
    char a[3][512];
    const al_synth_voice *v = al_synth_voice_find(spk->engine, spk->voice);
    if (!v) return al_error(AL_ERR_INVALID, "synth: unknown %s voice '%s'", al_synth_engine_name(spk->engine), spk->voice);
    double speed = rate / spk->warp; /* the warp shortens by 1/warp: the engine makes up for it */
    if (spk->engine == AL_ENGINE_ESPEAK) {
        snprintf(a[0], sizeof a[0], "%s+%s", spk->voice, spk->variant);
        snprintf(a[1], sizeof a[1], "%d", (int)lround(rate));
        snprintf(a[2], sizeof a[2], "%d", (int)lround(pitch));
        char *argv[] = {"espeak-ng", "-v", a[0], "-s", a[1], "-p", a[2], "-w", (char *)wav, (char *)text, NULL};
        return al_synth_spawn(argv, NULL, err);
    }
    if (spk->engine == AL_ENGINE_FLITE) {
        snprintf(a[0], sizeof a[0], "duration_stretch=%.4f", 1.0 / speed);
        snprintf(a[1], sizeof a[1], "int_f0_target_mean=%.1f", v->f0 * pitch);
        char *argv[12] = {"flite", "-voice", (char *)v->name, "--setf", a[0]};
        int n = 5;
        if (v->f0 > 0) { /* voices without pitch control (rms) ignore int_f0_target_mean */
            argv[n++] = "--setf";
            argv[n++] = a[1];
        }
        argv[n++] = "-t";
        argv[n++] = (char *)text;
        argv[n++] = "-o";
        argv[n++] = (char *)wav;
        argv[n] = NULL;
        return al_synth_spawn(argv, NULL, err);
    }
    al_status st = write_text(txt, text);
    if (st != AL_OK) return st;
    if (!strcmp(v->name, "cmu_us_slt_arctic_hts"))
        snprintf(a[0], sizeof a[0],
                 "(begin (voice_%s) (set! hts_engine_params (append hts_engine_params "
                 "(list (list \"-r\" %.4f) (list \"-fm\" %.3f)))))",
                 v->name, speed, 12.0 * log2(pitch));
    else
        snprintf(a[0], sizeof a[0],
                 "(begin (voice_%s) (Parameter.set 'Duration_Stretch %.4f) (set! int_lr_params "
                 "'((target_f0_mean %.1f) (target_f0_std %.1f) (model_f0_mean 170) (model_f0_std 34))))",
                 v->name, 1.0 / speed, v->f0 * pitch, 15.0 * pitch);
    char *argv[] = {"text2wave", "-eval", a[0], "-o", (char *)wav, (char *)txt, NULL};
    return al_synth_spawn(argv, NULL, err);
}

al_status al_synth_say(const al_synth_speaker *spk, double rate, double pitch, const char *text, const char *tmp_dir,
                       const char *tag, al_audio *out) {
    memset(out, 0, sizeof *out);
    char wav[1024], txt[1024], err[1024];
    snprintf(wav, sizeof wav, "%s/%s.wav", tmp_dir, tag);
    snprintf(txt, sizeof txt, "%s/%s.txt", tmp_dir, tag);
    snprintf(err, sizeof err, "%s/%s.err", tmp_dir, tag);
    char *lower = strdup(text);
    if (!lower) return al_error(AL_ERR_NOMEM, "synth: out of memory");
    for (char *p = lower; *p; p++) *p = (char)tolower((unsigned char)*p); /* all-caps words get spelled */
    al_status st = run_engine(spk, rate, pitch, lower, wav, txt, err);
    free(lower);
    al_audio raw = {0};
    if (st == AL_OK) {
        al_audio_read_opts ro = al_audio_read_defaults();
        ro.target_rate = 0;
        st = al_audio_read(wav, &ro, &raw);
    }
    remove(wav);
    remove(txt);
    remove(err);
    if (st != AL_OK) return al_error_prefix(st, "synth %s %s: ", al_synth_engine_name(spk->engine), spk->voice);
    int in_rate = (int)lround(raw.sample_rate * spk->warp);
    if (in_rate == AL_SAMPLE_RATE) {
        *out = raw;
    } else {
        st = al_resample(raw.samples, raw.n, in_rate, AL_SAMPLE_RATE, &out->samples, &out->n);
        out->sample_rate = AL_SAMPLE_RATE;
        al_audio_free(&raw);
        if (st != AL_OK) return st;
    }
    st = al_synth_trim(out, -40.0, 0.075);
    if (st != AL_OK) {
        al_audio_free(out);
        return al_error(st, "synth %s %s: the engine produced silence for \"%s\"", al_synth_engine_name(spk->engine),
                        spk->voice, text);
    }
    return AL_OK;
}
