/* Inputs of the commands that run a model on utterances (logits, transcribe): features read from
 * a safetensors file or computed from audio files, run one at a time in eval mode. */
#ifndef AL_CLI_MODEL_INPUTS_H
#define AL_CLI_MODEL_INPUTS_H

#include "audiolottery/data.h"
#include "audiolottery/ds2.h"

typedef struct {
    char *name;  /* tensor name, or the name given to an audio file (malloc'd) */
    float *feat; /* (bins, frames) normalised spectrogram, al_malloc'd */
    int bins, frames;
} al_cli_input;

/* Every (bins, frames) F32 tensor of a features file, in file order. */
al_status al_cli_read_feature_inputs(const char *path, al_cli_input **out, int *n);
/* Spectrograms of audio files into in[0..n) (names already set by the caller). */
al_status al_cli_read_audio_inputs(char **paths, int n, al_cli_input *in);
void al_cli_free_inputs(al_cli_input *in, int n);
int al_cli_max_frames(const al_cli_input *in, int n);

/* Runs m (eval mode, batch of one) on in; logits (T_out, classes) into out (capacity for
 * al_ds2_output_length(in->frames) rows); returns T_out or a negative al_status. */
int al_cli_run_model(al_ds2 *m, const al_cli_input *in, float *out);

/* Loads the corpus at corpus_path (utterances longer than max_duration skipped; 0: none) and the
 * checkpoint with capacity for batch_size x the corpus's longest utterance (eval, tune-lm). */
al_status al_cli_open_corpus_and_model(const char *corpus_path, double max_duration, const char *ckpt,
                                       int batch_size, al_corpus **corpus, al_ds2 **model);

#endif
