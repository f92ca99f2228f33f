/* The --structure and --block-score options: parsing and naming. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "audiolottery/prune.h"

al_status al_prune_set_structure(al_prune_opts *o, const char *spec) {
    if (!strcmp(spec, "unstructured") || !strcmp(spec, "channel")) {
        o->structure = spec[0] == 'u' ? AL_STRUCT_UNSTRUCTURED : AL_STRUCT_CHANNEL;
        return AL_OK;
    }
    if (strncmp(spec, "block:", 6))
        return al_error(AL_ERR_INVALID, "--structure %s: unknown structure (unstructured, block:KxM, channel)", spec);
    char *x, *end;
    long k = strtol(spec + 6, &x, 10);
    long m = *x == 'x' ? strtol(x + 1, &end, 10) : 0;
    /* digits only: strtol alone would take "block: 8x+1" */
    if (!isdigit((unsigned char)spec[6]) || *x != 'x' || !isdigit((unsigned char)x[1]) || *end || k < 1 || m < 1 ||
        k > 65536 || m > 65536)
        return al_error(AL_ERR_INVALID, "--structure %s: expected block:KxM with integers K, M >= 1 (block:8x1)", spec);
    o->structure = AL_STRUCT_BLOCK;
    o->block_k = (int)k;
    o->block_m = (int)m;
    return AL_OK;
}

al_status al_prune_set_score(al_prune_opts *o, const char *name) {
    if (!strcmp(name, "l1")) o->score = AL_SCORE_L1;
    else if (!strcmp(name, "l2")) o->score = AL_SCORE_L2;
    else return al_error(AL_ERR_INVALID, "--block-score %s: expected l1 or l2", name);
    return AL_OK;
}

void al_prune_structure_name(const al_prune_opts *o, char *buf, size_t n) {
    if (o->structure == AL_STRUCT_BLOCK) snprintf(buf, n, "block:%dx%d", o->block_k, o->block_m);
    else snprintf(buf, n, "%s", o->structure == AL_STRUCT_CHANNEL ? "channel" : "unstructured");
}

const char *al_prune_score_name(al_prune_score s) { return s == AL_SCORE_L2 ? "l2" : "l1"; }
