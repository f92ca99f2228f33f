/* Sparse matrices of a model's prunable weights (see sparse_weights.h). */
#include "model/sparse_weights.h"

#include <stdlib.h>
#include <string.h>

#include "audiolottery/sparse_train.h"
#include "infer/weight_format.h"

typedef struct {
    al_weight_product p;            /* the family's declaration */
    al_sparse *m;                   /* NULL: dense */
    float *wr;                      /* (rows, cols) repacked values for refresh; NULL: not repacked */
} product;

struct al_sparse_weights {
    int n;
    product *products;              /* (n) */
    int n_params;
    const al_sparse **by_param;     /* (n_params) */
};

void al_sparse_weights_free(al_sparse_weights *s) {
    if (!s) return;
    for (int i = 0; s->products && i < s->n; i++) {
        al_sparse_free(s->products[i].m);
        al_free(s->products[i].wr);
    }
    free(s->products);
    free(s->by_param);
    free(s);
}

const al_sparse *al_sparse_weights_find(const al_sparse_weights *s, int param) {
    return s && param >= 0 && param < s->n_params ? s->by_param[param] : NULL;
}

/* Weight and mask of product q in its (rows, cols) layout: *w, *m point into the table and mask, or
 * to the buffers wr, mr the repacking filled. mask NULL: the weight's nonzeros. */
static void product_layout(const al_weight_product *q, const al_param *e, const float *w, const uint8_t *mask,
                           float *wr, float *mf, float *mr, uint8_t *mb, const float **w_out,
                           const uint8_t **m_out) {
    if (!q->repack) {
        *w_out = w;
        *m_out = mask;
        return;
    }
    for (size_t j = 0; j < e->numel; j++) mf[j] = mask ? (float)(mask[j] != 0) : (float)(w[j] != 0.0f);
    q->repack(q->ctx, w, wr);
    q->repack(q->ctx, mf, mr);
    for (size_t j = 0; j < (size_t)q->rows * q->cols; j++) mb[j] = mr[j] != 0.0f;
    *w_out = wr;
    *m_out = mb;
}

/* Product i's matrix and report entry r. */
static al_status build_one(al_sparse_weights *s, int i, const al_param_table *t, const uint8_t *mask,
                           al_weight_format format, al_weight_choice *r) {
    product *pr = &s->products[i];
    const al_weight_product *q = &pr->p;
    if (q->param < 0 || q->param >= t->n || q->rows < 1 || q->cols < 1)
        return al_error(AL_ERR_INVALID, "sparse weights: bad product %d (param %d, %d x %d)", i, q->param, q->rows,
                        q->cols);
    const al_param *e = &t->params[q->param];
    if (!q->repack && (size_t)q->rows * q->cols != e->numel)
        return al_error(AL_ERR_INVALID, "sparse weights: %s has %zu weights, not %d x %d", e->name, e->numel, q->rows,
                        q->cols);
    const float *w = al_param_data(t, q->param);
    const uint8_t *pm = mask ? mask + e->offset : NULL;
    const size_t area = (size_t)q->rows * q->cols;
    float *mf = NULL, *mr = NULL;
    uint8_t *mb = NULL;
    al_status st = AL_OK;
    if (q->repack) {
        pr->wr = al_malloc(sizeof(float) * area);
        mf = al_malloc(sizeof(float) * e->numel);
        mr = al_malloc(sizeof(float) * area);
        mb = malloc(area);
        if (!pr->wr || !mf || !mr || !mb) st = al_error(AL_ERR_NOMEM, "sparse weights: out of memory for %s", e->name);
    }
    const float *wl = NULL;
    const uint8_t *ml = NULL;
    if (st == AL_OK) product_layout(q, e, w, pm, pr->wr, mf, mr, mb, &wl, &ml);
    const double *cross = q->crossover ? q->crossover : al_infer_crossover(q->n);
    if (st == AL_OK) st = al_weight_format_pick(wl, ml, q->rows, q->cols, format, cross, &pr->m, &r->format);
    if (st == AL_OK) {
        size_t kept = 0;
        for (size_t j = 0; j < e->numel; j++) kept += pm ? pm[j] != 0 : w[j] != 0.0f;
        r->param = q->param;
        snprintf(r->name, sizeof r->name, "%s", e->name);
        r->rows = q->rows;
        r->cols = q->cols;
        r->n = q->n;
        r->kept = (double)kept / (double)e->numel;
        r->stored = pr->m ? al_sparse_density(pr->m) : 1.0;
        s->by_param[q->param] = pr->m;
    }
    al_free(mf);
    al_free(mr);
    free(mb);
    return st;
}

al_status al_sparse_weights_new(const al_param_table *t, const uint8_t *mask, const al_weight_product *p, int n,
                                al_weight_format format, al_sparse_report *r, al_sparse_weights **out) {
    *out = NULL;
    al_sparse_report local;
    if (!r) r = &local;
    memset(r, 0, sizeof *r);
    al_status st = al_weight_format_check(format, "sparse weights");
    if (st != AL_OK) return st;
    if (n < 0 || n > AL_SPARSE_REPORT_MAX)
        return al_error(AL_ERR_INVALID, "sparse weights: %d products exceed the report's %d", n, AL_SPARSE_REPORT_MAX);
    al_sparse_weights *s = calloc(1, sizeof *s);
    if (s) {
        s->n = n;
        s->n_params = t->n;
        s->products = calloc(n ? n : 1, sizeof *s->products);
        s->by_param = calloc(t->n ? t->n : 1, sizeof *s->by_param);
    }
    st = s && s->products && s->by_param ? AL_OK : al_error(AL_ERR_NOMEM, "sparse weights: out of memory");
    for (int i = 0; st == AL_OK && i < n; i++) {
        s->products[i].p = p[i];
        st = build_one(s, i, t, mask, format, &r->w[r->n++]);
    }
    int any = 0;
    for (int i = 0; st == AL_OK && i < n; i++) any |= s->products[i].m != NULL;
    if (st != AL_OK || !any) {
        al_sparse_weights_free(s);
        return st;
    }
    *out = s;
    return AL_OK;
}

al_status al_sparse_weights_refresh(al_sparse_weights *s, const al_param_table *t) {
    al_status st = AL_OK;
    for (int i = 0; s && st == AL_OK && i < s->n; i++) {
        product *pr = &s->products[i];
        if (!pr->m) continue;
        const float *w = al_param_data(t, pr->p.param);
        /* masked weights are exactly 0 (the optimizer's invariant), so the stored-but-pruned values
         * of a BSR block stay 0 */
        if (pr->p.repack) pr->p.repack(pr->p.ctx, w, pr->wr);
        st = al_sparse_refresh(pr->m, pr->p.repack ? pr->wr : w);
    }
    return st;
}
