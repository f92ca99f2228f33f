/* Checks on the written index.json: speaker- and sentence-disjoint splits, test-other voices
 * never heard in train. Reads the file back, so it checks what users get. */
#include "audiolottery/io.h"
#include "synth_internal.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char **items;
    int n;
} strs;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int push(strs *s, const char *a, const char *b, const char *c) {
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *x = malloc(n);
    if (!x) return -1;
    snprintf(x, n, "%s\t%s\t%s", a, b, c);
    s->items[s->n++] = x;
    return 0;
}

static void free_strs(strs *s) {
    for (int i = 0; i < s->n; i++) free(s->items[i]);
    free(s->items);
}

/* Sorted "key\tsplit\t" rows: every key in one split only. */
static int one_split_per_key(strs *s) {
    qsort(s->items, (size_t)s->n, sizeof *s->items, cmp_str);
    for (int i = 1; i < s->n; i++) {
        const char *a = s->items[i - 1], *b = s->items[i];
        size_t ka = strcspn(a, "\t"), kb = strcspn(b, "\t");
        if (ka == kb && !strncmp(a, b, ka) && strcmp(a, b)) return 0;
    }
    return 1;
}

static int contains(const strs *sorted, const char *key) {
    return bsearch(&key, sorted->items, (size_t)sorted->n, sizeof *sorted->items, cmp_str) != NULL;
}

al_status al_synth_check_index(const char *out_dir, al_synth_report *r) {
    char path[1024], *text;
    snprintf(path, sizeof path, "%s/index.json", out_dir);
    al_status st = al_read_file(path, &text, NULL);
    if (st != AL_OK) return st;
    cJSON *root = cJSON_Parse(text);
    free(text);
    const cJSON *utts = cJSON_GetObjectItemCaseSensitive(root, "utterances");
    if (!cJSON_IsArray(utts)) {
        cJSON_Delete(root);
        return al_error(AL_ERR_FORMAT, "%s: no utterances array", path);
    }
    int n = cJSON_GetArraySize(utts);
    strs spk = {calloc((size_t)n + 1, sizeof(char *)), 0}, sent = {calloc((size_t)n + 1, sizeof(char *)), 0};
    strs train_voice = {calloc(2 * (size_t)n + 1, sizeof(char *)), 0}, other_voice = {calloc((size_t)n + 1, sizeof(char *)), 0};
    int bad = !spk.items || !sent.items || !train_voice.items || !other_voice.items;
    for (const cJSON *e = utts->child; e && !bad; e = e->next) {
        const char *split = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "split"));
        const char *txt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "text"));
        const char *eng = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "engine"));
        const char *voice = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "voice"));
        const char *variant = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "variant"));
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(e, "speaker");
        if (!split || !txt || !eng || !voice || !variant || !cJSON_IsNumber(sp)) {
            bad = 2;
            break;
        }
        char id[32];
        snprintf(id, sizeof id, "%d", sp->valueint);
        bad |= push(&spk, id, split, "") | push(&sent, txt, split, "");
        /* a voice is engine + voice + variant; espeak-ng accents are also checked alone */
        if (!strcmp(split, "train")) {
            bad |= push(&train_voice, eng, voice, variant);
            if (!strcmp(eng, "espeak-ng") && !bad) bad |= push(&train_voice, eng, voice, "*");
        } else if (!strcmp(split, "test-other")) {
            bad |= push(&other_voice, eng, voice, variant);
        }
    }
    if (bad) {
        st = bad == 2 ? al_error(AL_ERR_FORMAT, "%s: an utterance lacks split/text/engine/voice/variant/speaker", path)
                      : al_error(AL_ERR_NOMEM, "%s: out of memory", path);
    } else {
        r->speaker_disjoint = one_split_per_key(&spk);
        r->sentence_disjoint = one_split_per_key(&sent);
        qsort(train_voice.items, (size_t)train_voice.n, sizeof(char *), cmp_str);
        int ok = other_voice.n > 0, new_accent = 0;
        for (int i = 0; i < other_voice.n; i++) {
            const char *v = other_voice.items[i];
            ok &= !contains(&train_voice, v);
            if (!strncmp(v, "espeak-ng\t", 10)) {
                char accent[128];
                snprintf(accent, sizeof accent, "%.*s*", (int)(strrchr(v, '\t') - v + 1), v);
                new_accent |= !contains(&train_voice, accent);
            }
        }
        r->heldout_ok = ok && new_accent;
    }
    free_strs(&spk);
    free_strs(&sent);
    free_strs(&train_voice);
    free_strs(&other_voice);
    cJSON_Delete(root);
    return st;
}
