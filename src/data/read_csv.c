/* deepspeech.pytorch CSV manifests: "wav_path,txt_path" per line, the txt file holding the
 * transcript; relative paths are relative to the manifest's directory. */
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"
#include "data/data_internal.h"

static al_status read_entry(al_corpus *c, const char *src, const char *dir, int line, char *s) {
    char *comma = strchr(s, ',');
    if (!comma || strchr(comma + 1, ','))
        return al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "expected 'wav_path,txt_path', got '%.80s'", s);
    *comma = '\0';
    char *wav = al_trim(s), *txt = al_trim(comma + 1);
    if (!*wav || !*txt)
        return al_data_skip(c, src, line, AL_SKIP_BAD_LINE, AL_ERR_FORMAT, "empty wav_path or txt_path");
    char *wav_path = al_path_join(dir, wav), *txt_path = al_path_join(dir, txt), *text = NULL;
    al_status st = AL_OK;
    if (!wav_path || !txt_path) st = al_error(AL_ERR_NOMEM, "out of memory");
    else if (!al_is_file(txt_path))
        st = al_data_skip(c, src, line, AL_SKIP_NO_TRANSCRIPT, AL_ERR_NOT_FOUND, "transcript file %s missing", txt_path);
    else if (al_read_text_file(txt_path, &text) != AL_OK)
        st = al_data_skip(c, src, line, AL_SKIP_NO_TRANSCRIPT, AL_ERR_IO, "%s", al_last_error());
    else {
        char *id = al_path_utt_id(wav);
        if (!id) st = al_error(AL_ERR_NOMEM, "out of memory");
        else {
            al_utterance u = {.id = id, .audio_path = wav_path, .duration = -1, .text_raw = text, .speaker = "",
                              .source = src, .line = line};
            st = al_data_add_utt(c, &u);
        }
        free(id);
    }
    free(text);
    free(wav_path);
    free(txt_path);
    return st;
}

al_status al_read_csv(al_corpus *c, const char *manifest, const al_corpus_opts *o) {
    (void)o;
    return al_read_manifest_lines(c, manifest, read_entry);
}
