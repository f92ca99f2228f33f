/* The audiolottery CLI with the test family "linear-ctc" registered: the same commands, one more
 * family (tests/cli/test_train_model_family.sh drives it). */
#include <stdio.h>

#include "cli/commands.h"
#include "family/linear_ctc.h"

int main(int argc, char **argv) {
    if (al_model_register(&al_family_linear_ctc) != AL_OK) {
        fprintf(stderr, "%s\n", al_last_error());
        return 1;
    }
    return al_cli_main(argc, argv);
}
