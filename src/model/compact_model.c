/* Compact model files: only the kept weights, as bitmaps of kept blocks (see audiolottery/compact.h). */
#include "audiolottery/compact.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audiolottery/data.h"

/* Candidate blocks, largest first: row blocks (what the BSR kernel runs), then column blocks. */
static const int BLOCKS[][2] = {{8, 1}, {4, 1}, {2, 1}, {1, 4}, {1, 2}, {1, 1}};

typedef struct {
    int64_t rows, cols; /* the tensor as a matrix */
    int bh, bw;
} block_view;

static int64_t n_blocks(const block_view *v) { return (v->rows / v->bh) * (v->cols / v->bw); }

/* Whether block b of the mask m (rows, cols) is kept: 1 all kept, 0 all pruned, -1 mixed. */
static int block_state(const block_view *v, const uint8_t *m, int64_t b) {
    const int64_t per_row = v->cols / v->bw, r0 = b / per_row * v->bh, c0 = b % per_row * v->bw;
    int first = m[r0 * v->cols + c0] != 0;
    for (int i = 0; i < v->bh; i++)
        for (int j = 0; j < v->bw; j++)
            if ((m[(r0 + i) * v->cols + c0 + j] != 0) != first) return -1;
    return first;
}

/* The largest candidate block in which the mask (rows, cols) is all-or-nothing. */
static block_view choose_block(int64_t rows, int64_t cols, const uint8_t *m) {
    block_view v = {rows, cols, 1, 1};
    for (size_t k = 0; k < sizeof BLOCKS / sizeof BLOCKS[0]; k++) {
        v.bh = BLOCKS[k][0], v.bw = BLOCKS[k][1];
        if (rows % v.bh || cols % v.bw) continue;
        int64_t b = 0, nb = n_blocks(&v);
        while (b < nb && block_state(&v, m, b) >= 0) b++;
        if (b == nb) return v;
    }
    v.bh = v.bw = 1;
    return v;
}

/* Copies block b of w (rows, cols) into out (bh x bw, row-major), or back when to_matrix. */
static void copy_block(const block_view *v, int64_t b, float *w, float *out, int to_matrix) {
    const int64_t per_row = v->cols / v->bw, r0 = b / per_row * v->bh, c0 = b % per_row * v->bw;
    for (int i = 0; i < v->bh; i++) {
        float *row = w + (r0 + i) * v->cols + c0;
        if (to_matrix) memcpy(row, out + (size_t)i * v->bw, v->bw * sizeof(float));
        else memcpy(out + (size_t)i * v->bw, row, v->bw * sizeof(float));
    }
}

static char *suffixed(char *buf, size_t n, const char *name, const char *suffix) {
    snprintf(buf, n, "%s%s", name, suffix);
    return buf;
}

/* Adds tensor p (values w, mask m) as blocks: NAME.block, NAME.kept, NAME.values. */
static al_status add_blocks(al_st_writer *w, const al_param *p, float *data, const uint8_t *m) {
    const int64_t rows = p->shape[0], cols = (int64_t)p->numel / rows;
    block_view v = choose_block(rows, cols, m);
    const int64_t nb = n_blocks(&v), area = v.bh * v.bw;
    int64_t kept = 0;
    for (int64_t b = 0; b < nb; b++) kept += block_state(&v, m, b) == 1;
    uint8_t *bits = calloc((size_t)(nb + 7) / 8, 1);
    float *values = malloc((size_t)(kept ? kept : 1) * area * sizeof(float));
    al_status st = bits && values ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
    for (int64_t b = 0, k = 0; st == AL_OK && b < nb; b++) {
        if (block_state(&v, m, b) != 1) continue;
        bits[b / 8] |= (uint8_t)(1u << (b % 8));
        copy_block(&v, b, data, values + k++ * area, 0);
    }
    char name[AL_PARAM_NAME_MAX + 16];
    int32_t block[2] = {v.bh, v.bw};
    if (st == AL_OK) st = al_st_writer_add(w, suffixed(name, sizeof name, p->name, ".block"), AL_DT_I32, 1,
                                           (int64_t[]){2}, block);
    if (st == AL_OK) st = al_st_writer_add(w, suffixed(name, sizeof name, p->name, ".kept"), AL_DT_U8, 1,
                                           (int64_t[]){(nb + 7) / 8}, bits);
    if (st == AL_OK) st = al_st_writer_add(w, suffixed(name, sizeof name, p->name, ".values"), AL_DT_F32, 1,
                                           (int64_t[]){kept * area}, values);
    free(bits);
    free(values);
    return st;
}

al_status al_compact_save(const char *path, al_model *m, const uint8_t *mask, al_compact_stats *stats) {
    al_param_table *t = al_model_params(m);
    memset(stats, 0, sizeof *stats);
    al_st_writer *w = al_st_writer_new();
    uint8_t *nonzero = NULL;
    al_status st = w ? AL_OK : al_error(AL_ERR_NOMEM, "out of memory");
    for (int i = 0; st == AL_OK && i < t->n; i++) {
        const al_param *p = &t->params[i];
        float *data = al_param_data(t, i);
        stats->dense_bytes += (int64_t)p->numel * 4;
        const uint8_t *pm = mask ? mask + p->offset : NULL;
        if (!pm && (p->flags & AL_PARAM_PRUNABLE)) {
            free(nonzero);
            nonzero = malloc(p->numel);
            if (!nonzero) st = al_error(AL_ERR_NOMEM, "out of memory");
            for (size_t j = 0; st == AL_OK && j < p->numel; j++) nonzero[j] = data[j] != 0.0f;
            pm = nonzero;
        }
        int64_t kept = 0;
        if (st == AL_OK && (p->flags & AL_PARAM_PRUNABLE)) {
            for (size_t j = 0; j < p->numel; j++) kept += pm[j] != 0;
            stats->kept += kept, stats->prunable += (int64_t)p->numel;
        }
        if (st != AL_OK) break;
        if ((p->flags & AL_PARAM_PRUNABLE) && kept < (int64_t)p->numel) {
            st = add_blocks(w, p, data, pm);
            stats->sparse_tensors++;
        } else {
            st = al_st_writer_add(w, p->name, AL_DT_F32, p->ndim, p->shape, data);
        }
    }
    free(nonzero);
    if (st == AL_OK) st = al_model_write_meta(m, w, AL_COMPACT_FORMAT);
    if (st == AL_OK) st = al_st_writer_save(w, path);
    al_st_writer_free(w);
    struct stat sb;
    if (st == AL_OK) stats->bytes = stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
    return st;
}

int al_compact_is(const al_st_file *f) {
    const char *format = al_st_metadata(f, "format");
    return format && !strcmp(format, AL_COMPACT_FORMAT);
}

static const al_st_tensor *find_part(const al_st_file *f, const char *name, const char *suffix, al_dtype dt) {
    char key[AL_PARAM_NAME_MAX + 16];
    const al_st_tensor *x = al_st_find(f, suffixed(key, sizeof key, name, suffix));
    return x && x->dtype == dt && x->ndim == 1 ? x : NULL;
}

/* Tensor p from NAME.block / NAME.kept / NAME.values into data (zeros where pruned). */
static al_status read_blocks(const al_param *p, float *data, const al_st_file *f, const char *path) {
    const al_st_tensor *bt = find_part(f, p->name, ".block", AL_DT_I32), *kt = find_part(f, p->name, ".kept", AL_DT_U8),
                       *vt = find_part(f, p->name, ".values", AL_DT_F32);
    if (!bt || !kt || !vt)
        return al_error(AL_ERR_FORMAT, "%s: tensor '%s' is missing (neither whole nor as .block/.kept/.values)", path,
                        p->name);
    int32_t bh, bw;
    if (bt->numel != 2) return al_error(AL_ERR_FORMAT, "%s: '%s.block' must hold 2 values", path, p->name);
    memcpy(&bh, bt->data, 4);
    memcpy(&bw, (const char *)bt->data + 4, 4);
    block_view v = {p->shape[0], (int64_t)p->numel / p->shape[0], bh, bw};
    if (bh < 1 || bw < 1 || v.rows % bh || v.cols % bw)
        return al_error(AL_ERR_FORMAT, "%s: block %dx%d of '%s' does not divide its %lldx%lld matrix", path, bh, bw,
                        p->name, (long long)v.rows, (long long)v.cols);
    const int64_t nb = n_blocks(&v), area = (int64_t)bh * bw;
    if (area > 8) return al_error(AL_ERR_FORMAT, "%s: block %dx%d of '%s' is larger than 8 weights", path, bh, bw, p->name);
    if (kt->numel != (nb + 7) / 8)
        return al_error(AL_ERR_FORMAT, "%s: '%s.kept' holds %lld bytes, expected %lld", path, p->name,
                        (long long)kt->numel, (long long)((nb + 7) / 8));
    const uint8_t *bits = kt->data;
    int64_t kept = 0;
    for (int64_t b = 0; b < nb; b++) kept += bits[b / 8] >> (b % 8) & 1;
    if (vt->numel != kept * area)
        return al_error(AL_ERR_FORMAT, "%s: '%s.values' holds %lld values, its kept bits ask for %lld", path, p->name,
                        (long long)vt->numel, (long long)(kept * area));
    memset(data, 0, p->numel * sizeof(float));
    float block[8]; /* the largest block area */
    for (int64_t b = 0, k = 0; b < nb; b++) {
        if (!(bits[b / 8] >> (b % 8) & 1)) continue;
        memcpy(block, (const float *)vt->data + k++ * area, area * sizeof(float)); /* vt->data may be unaligned */
        copy_block(&v, b, data, block, 1);
    }
    return AL_OK;
}

al_status al_compact_read(al_param_table *t, const al_st_file *f, const char *path) {
    al_status st = AL_OK;
    for (int i = 0; st == AL_OK && i < t->n; i++) {
        const al_param *p = &t->params[i];
        const al_st_tensor *x = al_st_find(f, p->name);
        if (!x) {
            st = read_blocks(p, al_param_data(t, i), f, path);
            continue;
        }
        int same = x->dtype == AL_DT_F32 && x->ndim == p->ndim;
        for (int d = 0; same && d < p->ndim; d++) same = x->shape[d] == p->shape[d];
        if (!same) return al_error(AL_ERR_FORMAT, "%s: tensor '%s' is not F32 of the model's shape", path, p->name);
        memcpy(al_param_data(t, i), x->data, p->numel * sizeof(float));
    }
    return st;
}

int64_t al_compact_kept(const al_st_file *f, const char *name, int64_t numel) {
    if (al_st_find(f, name)) return numel;
    const al_st_tensor *bt = find_part(f, name, ".block", AL_DT_I32), *kt = find_part(f, name, ".kept", AL_DT_U8);
    if (!bt || !kt || bt->numel != 2) return -1;
    int32_t b[2];
    memcpy(b, bt->data, sizeof b);
    /* the same bounds read_blocks enforces on loading (the matrix shape is not known here) */
    if (b[0] < 1 || b[1] < 1 || (int64_t)b[0] * b[1] > 8 || numel % ((int64_t)b[0] * b[1])) return -1;
    int64_t kept = 0, nb = numel / ((int64_t)b[0] * b[1]);
    const uint8_t *bits = kt->data;
    for (int64_t i = 0; i < nb && i / 8 < kt->numel; i++) kept += bits[i / 8] >> (i % 8) & 1;
    return kept * b[0] * b[1];
}
