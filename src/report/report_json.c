/* One report.json (written by the lottery driver per level and per branch) into an al_report_point. */
#include "report/report_internal.h"

#include <cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/io.h"

static const char *const SET_KEYS[AL_N_SETS] = {"dev", "test-clean", "test-other"};

const char *al_eval_set_name(al_eval_set s) { return s >= 0 && s < AL_N_SETS ? SET_KEYS[s] : "?"; }

const char *al_metric_name(al_metric m) { return m == AL_METRIC_CER ? "CER" : "WER"; }

double al_report_value(const al_report_point *p, al_eval_set s, al_metric m) {
    return m == AL_METRIC_CER ? p->sets[s].cer : p->sets[s].wer;
}

/* A finite number at key; an absent or null optional one gives NAN. */
static al_status number(const char *path, const cJSON *root, const char *key, int required, double *v) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, key);
    if (cJSON_IsNumber(x) && isfinite(x->valuedouble)) {
        *v = x->valuedouble;
        return AL_OK;
    }
    if (!x || cJSON_IsNull(x)) {
        *v = NAN;
        if (!required) return AL_OK;
        return al_error(AL_ERR_FORMAT, "%s: '%s' is missing", path, key);
    }
    return al_error(AL_ERR_FORMAT, "%s: '%s' is not a number", path, key);
}

/* "dev": {"wer": 41.2, "cer": 15.3}; an absent or null set leaves NANs. */
static al_status set_score(const char *path, const cJSON *root, const char *key, al_set_score *s) {
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, key);
    s->wer = s->cer = NAN;
    if (!o || cJSON_IsNull(o)) return AL_OK;
    if (!cJSON_IsObject(o)) return al_error(AL_ERR_FORMAT, "%s: '%s' is not an object", path, key);
    const cJSON *wer = cJSON_GetObjectItemCaseSensitive(o, "wer"), *cer = cJSON_GetObjectItemCaseSensitive(o, "cer");
    if (!cJSON_IsNumber(wer) || !cJSON_IsNumber(cer) || !isfinite(wer->valuedouble) || !isfinite(cer->valuedouble))
        return al_error(AL_ERR_FORMAT, "%s: '%s' needs numbers 'wer' and 'cer'", path, key);
    s->wer = wer->valuedouble;
    s->cer = cer->valuedouble;
    return AL_OK;
}

static al_status parse(const char *path, const cJSON *root, al_report_point *p) {
    if (!cJSON_IsObject(root)) return al_error(AL_ERR_FORMAT, "%s: not a JSON object", path);
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    if (!cJSON_IsString(kind) || !kind->valuestring[0])
        return al_error(AL_ERR_FORMAT, "%s: 'kind' is missing or not a string", path);
    double level, remaining, prunable, epoch;
    al_status st = number(path, root, "level", 1, &level);
    if (st == AL_OK) st = number(path, root, "remaining_weights", 1, &remaining);
    if (st == AL_OK) st = number(path, root, "remaining_percent", 1, &p->remaining_percent);
    if (st == AL_OK) st = number(path, root, "prunable_weights", 0, &prunable);
    if (st == AL_OK) st = number(path, root, "best_epoch", 0, &epoch);
    if (st == AL_OK) st = number(path, root, "wall_seconds", 0, &p->wall_seconds);
    if (st == AL_OK) st = number(path, root, "train_audio_seconds_per_second", 0, &p->audio_speed);
    for (int s = 0; s < AL_N_SETS && st == AL_OK; s++) st = set_score(path, root, SET_KEYS[s], &p->sets[s]);
    if (st != AL_OK) return st;
    if (level < 0 || level > 1000 || level != floor(level))
        return al_error(AL_ERR_FORMAT, "%s: 'level' %g is not a level number", path, level);
    const double max_count = 9007199254740992.0; /* 2^53: exact in a double and an int64 */
    if (!(remaining >= 0 && remaining <= max_count) || remaining != floor(remaining))
        return al_error(AL_ERR_FORMAT, "%s: 'remaining_weights' %g is not a count", path, remaining);
    if (!isnan(prunable) && (!(prunable >= 0 && prunable <= max_count) || prunable != floor(prunable)))
        return al_error(AL_ERR_FORMAT, "%s: 'prunable_weights' %g is not a count", path, prunable);
    if (!isnan(epoch) && (!(epoch >= 0 && epoch <= INT32_MAX) || epoch != floor(epoch)))
        return al_error(AL_ERR_FORMAT, "%s: 'best_epoch' %g is not an epoch number", path, epoch);
    if (!(p->remaining_percent > 0 && p->remaining_percent <= 100))
        return al_error(AL_ERR_FORMAT, "%s: 'remaining_percent' %g is outside (0, 100]", path, p->remaining_percent);
    p->kind = strdup(kind->valuestring);
    if (!p->kind) return al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    p->level = (int)level;
    p->remaining_weights = (int64_t)remaining;
    p->prunable_weights = isnan(prunable) ? -1 : (int64_t)prunable;
    p->best_epoch = isnan(epoch) ? -1 : (int)epoch;
    return AL_OK;
}

const char *al_report_percent(double v, char buf[16]) {
    snprintf(buf, 16, v >= 0.1 ? "%.1f" : "%.2g", v);
    return buf;
}

al_status al_report_point_read(const char *path, al_report_point *p) {
    memset(p, 0, sizeof *p);
    char *text = NULL;
    size_t bytes;
    al_status st = al_read_file(path, &text, &bytes);
    if (st != AL_OK) return st;
    const char *end = text;
    cJSON *root = cJSON_ParseWithLengthOpts(text, bytes, &end, 0);
    if (!root) {
        st = al_error(AL_ERR_FORMAT, "%s: not valid JSON (near byte %ld)", path, (long)(end - text));
    } else {
        st = parse(path, root, p);
    }
    cJSON_Delete(root);
    free(text);
    return st;
}
