/* Tensor names for input files (features, logits): "features" for a single input; otherwise the
 * file name without extension, and for inputs whose names collide the whole path without
 * extension with '/' replaced by '_' (a/x.wav and b/x.wav -> a_x and b_x). */
#ifndef AL_CLI_INPUT_NAMES_H
#define AL_CLI_INPUT_NAMES_H

/* Returns a malloc'd array of n malloc'd names (free each, then the array), or NULL after
 * printing "<cmd>: ..." when two inputs would still share a name or memory runs out. */
char **al_cli_input_names(const char *cmd, char **inputs, int n);

#endif
