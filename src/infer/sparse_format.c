/* Sparse weight formats: CSR and k x 1 BSR built from a dense weight and its mask. */
#include "audiolottery/sparse.h"

#include <string.h>

static int kept(const float *w, const uint8_t *mask, size_t i) { return mask ? mask[i] != 0 : w[i] != 0.0f; }

void al_sparse_free(al_sparse *m) {
    if (!m) return;
    al_free(m->ptr);
    al_free(m->col);
    al_free(m->val);
    al_free(m);
}

/* Blocks of block row br (rows r0 .. r0 + kk - 1): columns with any kept entry. When col/val are
 * given, stores them from position b (col: n_blocks, val: n_blocks * k). Returns the count. */
static int64_t block_row(const float *w, const uint8_t *mask, int cols, int k, int r0, int kk, int32_t *col,
                         float *val, int64_t b) {
    int64_t n = 0;
    for (int c = 0; c < cols; c++) {
        int any = 0;
        for (int i = 0; i < kk && !any; i++) any = kept(w, mask, (size_t)(r0 + i) * cols + c);
        if (!any) continue;
        if (col) {
            col[b + n] = c;
            for (int i = 0; i < k; i++) {
                size_t j = (size_t)(r0 + i) * cols + c;
                val[(b + n) * k + i] = i < kk && kept(w, mask, j) ? w[j] : 0.0f;
            }
        }
        n++;
    }
    return n;
}

al_status al_sparse_from_dense(al_sparse_format format, int k, const float *w, const uint8_t *mask, int rows,
                               int cols, al_sparse **out) {
    if (!out) return al_error(AL_ERR_INVALID, "sparse: NULL output");
    *out = NULL;
    if (format != AL_SPARSE_CSR && format != AL_SPARSE_BSR)
        return al_error(AL_ERR_INVALID, "sparse: unknown format %d", (int)format);
    if (format == AL_SPARSE_CSR) k = 1;
    if (k < 1 || k > AL_SPARSE_MAX_K)
        return al_error(AL_ERR_INVALID, "sparse: block height %d outside 1..%d", k, AL_SPARSE_MAX_K);
    if (!w || rows < 1 || cols < 1) return al_error(AL_ERR_INVALID, "sparse: bad weight %p (%d x %d)", (const void *)w, rows, cols);

    al_sparse *m = al_calloc(1, sizeof *m);
    if (!m) return al_error(AL_ERR_NOMEM, "sparse: out of memory");
    m->format = format;
    m->rows = rows;
    m->cols = cols;
    m->k = k;
    m->block_rows = (rows + k - 1) / k;
    m->ptr = al_malloc(sizeof *m->ptr * ((size_t)m->block_rows + 1));
    if (!m->ptr) goto nomem;
    m->ptr[0] = 0;
    for (int br = 0; br < m->block_rows; br++) {
        int r0 = br * k, kk = rows - r0 < k ? rows - r0 : k;
        int64_t n = block_row(w, mask, cols, k, r0, kk, NULL, NULL, 0);
        m->ptr[br + 1] = m->ptr[br] + n;
        m->n_stored += n * kk;
    }
    m->n_blocks = m->ptr[m->block_rows];
    /* at least one element each so that an all-pruned matrix still has valid arrays */
    m->col = al_malloc(sizeof *m->col * (size_t)(m->n_blocks + 1));
    m->val = al_malloc(sizeof *m->val * (size_t)(m->n_blocks + 1) * k);
    if (!m->col || !m->val) goto nomem;
    for (int br = 0; br < m->block_rows; br++) {
        int r0 = br * k, kk = rows - r0 < k ? rows - r0 : k;
        block_row(w, mask, cols, k, r0, kk, m->col, m->val, m->ptr[br]);
    }
    *out = m;
    return AL_OK;
nomem:
    al_sparse_free(m);
    return al_error(AL_ERR_NOMEM, "sparse: out of memory for a %d x %d weight", rows, cols);
}

double al_sparse_density(const al_sparse *m) {
    return m ? (double)m->n_stored / ((double)m->rows * m->cols) : 0.0;
}

al_status al_sparse_to_dense(const al_sparse *m, float *w) {
    if (!m || !w) return al_error(AL_ERR_INVALID, "sparse: NULL matrix or output");
    memset(w, 0, sizeof *w * (size_t)m->rows * m->cols);
    for (int br = 0; br < m->block_rows; br++) {
        int r0 = br * m->k, kk = m->rows - r0 < m->k ? m->rows - r0 : m->k;
        for (int64_t b = m->ptr[br]; b < m->ptr[br + 1]; b++)
            for (int i = 0; i < kk; i++) w[(size_t)(r0 + i) * m->cols + m->col[b]] = m->val[b * m->k + i];
    }
    return AL_OK;
}
