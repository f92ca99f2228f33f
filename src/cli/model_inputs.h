/* Inputs of the commands that run a model on utterances (logits, transcribe): features read from
 * a safetensors file or computed from audio files, run one at a time in eval mode. */
#ifndef AL_CLI_MODEL_INPUTS_H
#define AL_CLI_MODEL_INPUTS_H

#include "audiolottery/data.h"
#include "audiolottery/model.h"

typedef struct {
    char *name;  /* tensor name, or the name given to an audio file (malloc'd) */
    float *feat; /* (bins, frames) features as the model wants them (al_model_input), al_malloc'd */
    int bins, frames;
} al_cli_input;

/* Every (bins, frames) F32 tensor of a features file, in file order; another number of rows than
 * `bins` (the model's) is an error naming the tensor. */
al_status al_cli_read_feature_inputs(const char *path, int bins, al_cli_input **out, int *n);
/* The features `input` asks for of audio files into in[0..n) (names already set by the caller). */
al_status al_cli_read_audio_inputs(const al_input_spec *input, char **paths, int n, al_cli_input *in);
void al_cli_free_inputs(al_cli_input *in, int n);
int al_cli_max_frames(const al_cli_input *in, int n);

/* Runs state s's model (eval mode, batch of one) on in; logits (T_out, classes) into out (capacity
 * for al_model_output_length(in->frames) rows); returns T_out or a negative al_status. */
int al_cli_run_model(al_model_state *s, const al_cli_input *in, float *out);

/* Loads the corpus at corpus_path (utterances longer than max_duration skipped; 0: none), the
 * checkpoint, and a state with capacity for batch_size x the corpus's longest utterance (eval,
 * tune-lm). */
al_status al_cli_open_corpus_and_model(const char *corpus_path, double max_duration, const char *ckpt,
                                       int batch_size, al_corpus **corpus, al_model **model, al_model_state **state);

#endif
