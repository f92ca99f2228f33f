/* NeMo JSON-lines manifests: {"audio_filepath": ..., "duration": s, "text": ..., "offset": s}
 * per line; relative paths are relative to the manifest's directory. */
#include <cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

/* al_path_utt_id of the file, plus "_<offset ms>" for a segment. */
static char *id_for(const char *audio, double offset) {
    char *base = al_path_utt_id(audio);
    if (!base || offset <= 0) return base;
    size_t n = strlen(base) + 32;
    char *id = malloc(n);
    /* %.0f, not a cast to an integer: a manifest's offset may be 1e999 (inf) before it is checked */
    if (id) snprintf(id, n, "%s_%.0f", base, floor(offset * 1000 + 0.5));
    free(base);
    return id;
}

/* Optional number field: absent -> *v unchanged and true; present but not a number -> false. */
static bool opt_number(const cJSON *obj, const char *key, double *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!x || cJSON_IsNull(x)) return true;
    if (!cJSON_IsNumber(x)) return false;
    *v = x->valuedouble;
    return true;
}

static al_status read_entry(al_corpus *c, const char *src, const char *dir, int line, char *s) {
    cJSON *j = cJSON_Parse(s);
    al_status st = AL_OK;
    if (!j || !cJSON_IsObject(j)) {
        st = al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "not a JSON object: %.60s", s);
        cJSON_Delete(j);
        return st;
    }
    const cJSON *audio = cJSON_GetObjectItemCaseSensitive(j, "audio_filepath");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(j, "text");
    const cJSON *spk = cJSON_GetObjectItemCaseSensitive(j, "speaker");
    double duration = -1, offset = 0;
    if (!cJSON_IsString(audio) || !audio->valuestring[0])
        st = al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "no \"audio_filepath\" string");
    else if (!opt_number(j, "duration", &duration) || !opt_number(j, "offset", &offset))
        st = al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "\"duration\"/\"offset\" is not a number");
    else if (duration < 0 && duration != -1) /* -1 (or no field): take the duration from the audio */
        st = al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "\"duration\" %g is negative", duration);
    else if (!cJSON_IsString(text))
        st = al_data_skip(c, src, line, AL_SKIP_NO_TRANSCRIPT, AL_ERR_NOT_FOUND, "no \"text\" string");
    else {
        char *path = al_path_join(dir, audio->valuestring);
        char *id = id_for(audio->valuestring, offset);
        char speaker[32] = ""; /* NeMo manifests often number their speakers */
        if (cJSON_IsNumber(spk)) snprintf(speaker, sizeof speaker, "%.17g", spk->valuedouble);
        if (!path || !id) st = al_error(AL_ERR_NOMEM, "out of memory");
        else {
            al_utterance u = {.id = id, .audio_path = path, .offset = offset, .duration = duration,
                              .text_raw = text->valuestring,
                              .speaker = cJSON_IsString(spk) ? spk->valuestring : speaker, .source = src, .line = line};
            st = al_data_add_utt(c, &u);
        }
        free(path);
        free(id);
    }
    cJSON_Delete(j);
    return st;
}

al_status al_read_nemo(al_corpus *c, const char *manifest, const al_corpus_opts *o) {
    (void)o;
    return al_read_manifest_lines(c, manifest, read_entry);
}
