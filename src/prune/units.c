/* Building a unit description (al_prune_units) slice by slice. */
#include <stdlib.h>
#include <string.h>

#include "audiolottery/prune.h"

void al_prune_units_init(al_prune_units *u) { memset(u, 0, sizeof *u); }

void al_prune_units_free(al_prune_units *u) {
    free(u->start);
    free(u->slices);
    memset(u, 0, sizeof *u);
}

al_status al_prune_units_begin(al_prune_units *u) {
    /* start has n_units + 2 entries after this call: the new unit's start and its end */
    if (u->n_units + 2 > u->cap_units) {
        int cap = u->cap_units ? 2 * u->cap_units : 64;
        int *s = realloc(u->start, sizeof(int) * cap);
        if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
        u->start = s;
        u->cap_units = cap;
    }
    u->start[u->n_units] = u->n_slices;
    u->start[++u->n_units] = u->n_slices;
    return AL_OK;
}

al_status al_prune_units_add(al_prune_units *u, int param, int axis, int64_t first, int64_t count, int scored) {
    if (!u->n_units) return al_error(AL_ERR_INVALID, "prune: a unit slice was added before al_prune_units_begin");
    if (u->n_slices == u->cap_slices) {
        int cap = u->cap_slices ? 2 * u->cap_slices : 256;
        al_prune_slice *s = realloc(u->slices, sizeof *s * cap);
        if (!s) return al_error(AL_ERR_NOMEM, "out of memory");
        u->slices = s;
        u->cap_slices = cap;
    }
    u->slices[u->n_slices++] = (al_prune_slice){param, axis, first, count, scored};
    u->start[u->n_units] = u->n_slices;
    return AL_OK;
}
