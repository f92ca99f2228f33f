/* audiolottery: the command-line program (its commands are in src/cli/). */
#include "cli/commands.h"

int main(int argc, char **argv) { return al_cli_main(argc, argv); }
