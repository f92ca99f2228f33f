/* What the DS2 sparse inference and training weights share: choosing a weight's format from its
 * mask and the crossover densities, and a conv mask in the repacked layout the products run on. */
#include <stdlib.h>

#include "model/ds2_sparse.h"

enum { BSR_K = 8 }; /* block height; sparse_mm.c has kernels specialised for 1 (CSR), 4 and 8 */

al_status al_ds2_pick_format(const float *w, const uint8_t *mask, int rows, int cols, al_ds2_format format,
                             const double crossover[2], al_sparse **out, al_ds2_format *chosen) {
    *out = NULL;
    al_sparse *csr = NULL, *bsr = NULL;
    al_status st = AL_OK;
    if (format == AL_DS2_FORMAT_AUTO || format == AL_DS2_FORMAT_CSR)
        st = al_sparse_from_dense(AL_SPARSE_CSR, 1, w, mask, rows, cols, &csr);
    if (st == AL_OK && (format == AL_DS2_FORMAT_AUTO || format == AL_DS2_FORMAT_BSR8))
        st = al_sparse_from_dense(AL_SPARSE_BSR, BSR_K, w, mask, rows, cols, &bsr);
    if (st == AL_OK && format == AL_DS2_FORMAT_AUTO) {
        /* a format's time relative to dense: its stored density / its crossover */
        double t_csr = al_sparse_density(csr) / crossover[0], t_bsr = al_sparse_density(bsr) / crossover[1];
        format = t_csr < 1.0 && t_csr <= t_bsr ? AL_DS2_FORMAT_CSR
                 : t_bsr < 1.0                ? AL_DS2_FORMAT_BSR8
                                              : AL_DS2_FORMAT_DENSE;
    }
    if (st == AL_OK && format != AL_DS2_FORMAT_DENSE) {
        al_sparse **keep = format == AL_DS2_FORMAT_CSR ? &csr : &bsr;
        *out = *keep;
        *keep = NULL;
    }
    if (st == AL_OK) *chosen = format;
    al_sparse_free(csr);
    al_sparse_free(bsr);
    return st;
}

al_status al_ds2_conv_mask_repacked(const al_conv2d *conv, const float *w, const uint8_t *mask, size_t numel,
                                    uint8_t *mb) {
    const size_t n = (size_t)conv->kws * conv->cfg.c_out * conv->kr;
    float *mf = al_malloc(sizeof(float) * numel); /* (c_out, c_in, kh, kw) mask as 0 / 1 */
    float *mr = al_malloc(sizeof(float) * n);     /* (rows, cols) repacked mask as 0 / 1 */
    al_status st = mf && mr ? AL_OK : al_error(AL_ERR_NOMEM, "ds2 sparse: out of memory for a conv mask");
    if (st == AL_OK) {
        for (size_t j = 0; j < numel; j++) mf[j] = mask ? (float)(mask[j] != 0) : (float)(w[j] != 0.0f);
        /* the repacking's padding columns (kernel columns that do not exist) come out 0: pruned */
        al_conv2d_repack(conv, mf, mr);
        for (size_t j = 0; j < n; j++) mb[j] = mr[j] != 0.0f;
    }
    al_free(mf);
    al_free(mr);
    return st;
}
