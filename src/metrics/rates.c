/* Corpus error rates and the Kaldi report lines. */
#include "audiolottery/metrics.h"

#include <stdio.h>

double al_error_rate(const al_error_counts *c) {
    int64_t e = c->ins + c->del + c->sub;
    if (c->ref == 0) return e ? 100.0 : 0.0;
    return 100.0 * (double)e / (double)c->ref;
}

double al_sentence_error_rate(const al_error_counts *c) {
    return c->utts ? 100.0 * (double)c->utts_with_errors / (double)c->utts : 0.0;
}

void al_format_kaldi(const al_error_counts *c, const char *label, char *buf, size_t n) {
    snprintf(buf, n, "%%%s %.2f [ %lld / %lld, %lld ins, %lld del, %lld sub ]", label, al_error_rate(c),
             (long long)(c->ins + c->del + c->sub), (long long)c->ref, (long long)c->ins, (long long)c->del,
             (long long)c->sub);
}

void al_format_kaldi_ser(const al_error_counts *c, char *buf, size_t n) {
    snprintf(buf, n, "%%SER %.2f [ %lld / %lld ]", al_sentence_error_rate(c), (long long)c->utts_with_errors,
             (long long)c->utts);
}
