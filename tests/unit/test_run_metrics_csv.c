/* A run directory's metrics.csv: rows are appended under one header, and a resume drops the rows
 * of epochs its checkpoint has not finished (written before a kill cut the checkpoint off). */
#include "al_test.h"
#include "audiolottery/io.h"
#include "train/metrics_csv.h"

static char *read_csv(const char *dir) {
    char path[1200], *text = NULL;
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    CHECK_OK(al_read_file(path, &text, NULL));
    return text;
}

static void test_append_and_trim(void) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/run", al_test_tmpdir());
    CHECK_OK(al_mkdir_p(dir));
    CHECK_OK(al_metrics_csv_trim(dir, 0)); /* no file yet: nothing to do */
    CHECK_OK(al_metrics_csv_append(dir, "1,10.5,99,70,0.0003,5.0,0\n"));
    CHECK_OK(al_metrics_csv_append(dir, "2,9.5,98,60,0.0003,5.0,0\n"));
    CHECK_OK(al_metrics_csv_append(dir, "3,8.5,97,50,0.0003,5.0,0\n"));
    const char *header = "epoch,train_loss,dev_wer,dev_cer,lr,epoch_seconds,skipped_batches\n";
    char *text = read_csv(dir);
    CHECK(!strncmp(text, header, strlen(header)));
    CHECK(!strcmp(text + strlen(header), "1,10.5,99,70,0.0003,5.0,0\n2,9.5,98,60,0.0003,5.0,0\n3,8.5,97,50,0.0003,5.0,0\n"));
    free(text);

    CHECK_OK(al_metrics_csv_trim(dir, 3)); /* every row finished: unchanged */
    text = read_csv(dir);
    CHECK(strstr(text, "\n3,8.5") != NULL);
    free(text);

    CHECK_OK(al_metrics_csv_trim(dir, 1));
    text = read_csv(dir);
    CHECK(!strcmp(text + strlen(header), "1,10.5,99,70,0.0003,5.0,0\n"));
    free(text);

    CHECK_OK(al_metrics_csv_trim(dir, 0)); /* only the header is left */
    text = read_csv(dir);
    CHECK(!strcmp(text, header));
    free(text);
}

AL_TEST_MAIN(test_append_and_trim)
