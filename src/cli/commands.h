/* The CLI's subcommands: one file each (cmd_<name>.c), each taking argc/argv after the
 * subcommand name (argv[0] is the subcommand) and returning the process exit code. */
#ifndef AL_CLI_COMMANDS_H
#define AL_CLI_COMMANDS_H

/* The whole program: dispatches argv[1] to its subcommand (dispatch.c). A program that registers
 * model families of its own (al_model_register; tests/family/) calls it from its main. */
int al_cli_main(int argc, char **argv);

int al_cmd_features(int argc, char **argv); /* cmd_features.c */
int al_cmd_synth(int argc, char **argv);    /* cmd_synth.c */
int al_cmd_corpus(int argc, char **argv);   /* cmd_corpus.c */
int al_cmd_train(int argc, char **argv);    /* cmd_train.c */
int al_cmd_eval(int argc, char **argv);     /* cmd_eval.c */
int al_cmd_info(int argc, char **argv);     /* cmd_info.c */
int al_cmd_logits(int argc, char **argv);   /* cmd_logits.c */
int al_cmd_lottery(int argc, char **argv);  /* cmd_lottery.c */
int al_cmd_report(int argc, char **argv);   /* cmd_report.c */
int al_cmd_transcribe(int argc, char **argv); /* cmd_transcribe.c */
int al_cmd_score(int argc, char **argv);    /* cmd_score.c */
int al_cmd_tune_lm(int argc, char **argv);  /* cmd_tune_lm.c */
int al_cmd_bench_infer(int argc, char **argv); /* cmd_bench_infer.c */
int al_cmd_export(int argc, char **argv);   /* cmd_export.c */

#endif
