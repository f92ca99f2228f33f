/* 2-D convolution as one sgemm per tile over phase-split, zero-padded input rows (see conv2d.h);
 * OpenMP over (sample, tile) forward and over samples backward. */
#include "nn/conv2d.h"

#include "audiolottery/sparse_train.h"

#include <cblas.h>
#include <limits.h>
#include <string.h>
/* Floats of z + acc per thread that auto tiling aims for (4 MB; measured on DS2 conv1 and conv2). */
#define AL_CONV_BUDGET (1 << 20)
#define AL_CONV_TILE_MAX 8192

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

int al_conv_out_len(int in, int kernel, int stride, int pad) {
    int span = in + 2 * pad - kernel;
    return span < 0 ? 0 : span / stride + 1;
}

al_status al_conv2d_out_size(const al_conv2d_cfg *cfg, int d, int t, int *d_out, int *t_out) {
    *d_out = al_conv_out_len(d, cfg->kh, cfg->stride_h, cfg->pad_h);
    *t_out = al_conv_out_len(t, cfg->kw, cfg->stride_w, cfg->pad_w);
    if (*d_out < 1 || *t_out < 1)
        return al_error(AL_ERR_INVALID, "conv2d: input %dx%d is smaller than kernel %dx%d with padding %dx%d", d, t,
                        cfg->kh, cfg->kw, cfg->pad_h, cfg->pad_w);
    return AL_OK;
}

/* Rows of the weight and acc matrices: kws * c_out. */
static int acc_rows(const al_conv2d *c) { return c->kws * c->cfg.c_out; }

al_status al_conv2d_init(al_conv2d *c, const al_conv2d_cfg *cfg) {
    memset(c, 0, sizeof *c);
    if (cfg->c_in < 1 || cfg->c_out < 1 || cfg->kh < 1 || cfg->kw < 1 || cfg->stride_h < 1 || cfg->stride_w < 1 ||
        cfg->pad_h < 0 || cfg->pad_w < 0 || cfg->tile < 0)
        return al_error(AL_ERR_INVALID,
                        "conv2d: bad config c_in %d c_out %d kernel %dx%d stride %dx%d pad %dx%d tile %d", cfg->c_in,
                        cfg->c_out, cfg->kh, cfg->kw, cfg->stride_h, cfg->stride_w, cfg->pad_h, cfg->pad_w, cfg->tile);
    const int phases = cfg->stride_w < cfg->kw ? cfg->stride_w : cfg->kw;
    const long long kr = (long long)phases * cfg->c_in * cfg->kh, m = (long long)cfg->c_out * cfg->kw;
    if (kr > INT_MAX / 4 || m > INT_MAX / 4 || (long long)cfg->c_in * cfg->kh * cfg->kw > INT_MAX / 4)
        return al_error(AL_ERR_INVALID, "conv2d: kernel %d x %dx%dx%d too large", cfg->c_out, cfg->c_in, cfg->kh,
                        cfg->kw);
    c->cfg = *cfg;
    c->kws = (cfg->kw + cfg->stride_w - 1) / cfg->stride_w;
    c->kr = (int)kr;
    if (cfg->tile && cfg->tile < c->kws)
        return al_error(AL_ERR_INVALID, "conv2d: tile %d smaller than %d kernel columns per phase", cfg->tile, c->kws);
    if (c->cfg.tile == 0) {
        long long tile = (AL_CONV_BUDGET / (kr + acc_rows(c))) & ~15LL;
        if (tile < c->kws + 15) tile = c->kws + 15;
        c->cfg.tile = (int)(tile > AL_CONV_TILE_MAX ? AL_CONV_TILE_MAX : tile);
    }
    c->nthreads = al_threads();
    const size_t z = round16((size_t)c->kr * c->cfg.tile), acc = round16((size_t)acc_rows(c) * c->cfg.tile);
    const size_t nw = round16((size_t)acc_rows(c) * c->kr);
    c->per_thread = 2 * z + acc + nw + round16((size_t)cfg->c_out);
    const size_t total = c->per_thread * c->nthreads + nw;
    c->scratch = al_malloc(total * sizeof(float));
    if (!c->scratch) return al_error(AL_ERR_NOMEM, "conv2d: cannot allocate %zu floats of scratch", total);
    c->wr = c->scratch + c->per_thread * c->nthreads;
    return AL_OK;
}

void al_conv2d_free(al_conv2d *c) {
    al_free(c->scratch);
    memset(c, 0, sizeof *c);
}

/* Per-thread scratch: z and dz (kr, tile), acc (kws * c_out, tile), dw partial (kws * c_out, kr),
 * db partial (c_out). */
static float *scratch_z(const al_conv2d *c, int tid) { return c->scratch + c->per_thread * tid; }
static float *scratch_dz(const al_conv2d *c, int tid) { return scratch_z(c, tid) + round16((size_t)c->kr * c->cfg.tile); }
static float *scratch_acc(const al_conv2d *c, int tid) {
    return scratch_dz(c, tid) + round16((size_t)c->kr * c->cfg.tile);
}
static float *scratch_dw(const al_conv2d *c, int tid) {
    return scratch_acc(c, tid) + round16((size_t)acc_rows(c) * c->cfg.tile);
}
static float *scratch_db(const al_conv2d *c, int tid) {
    return scratch_dw(c, tid) + round16((size_t)acc_rows(c) * c->kr);
}

/* A tile: output rows od0 .. od0 + nr - 1, columns ot0 .. ot0 + tw - 1. Its matrices have nr
 * segments of zw = tw + kws - 1 columns, one per output row (leading dimension ld = nr * zw).
 * Z row (ph, ci, ki), column r * zw + q holds x[ci][(od0 + r) * sh - ph_pad + ki][(ot0 + q) * sw + ph - pw]
 * (0 outside x), so kernel column kj = mm * sw + ph of output (r, j) reads Z column r * zw + j + mm. */
typedef struct {
    int od0, nr, ot0, tw, zw, ld;
} conv_tile;

typedef struct {
    int tw_max, r_max, row_tiles, chunks;
} conv_plan;

static conv_plan plan_tiles(const al_conv2d *c, int d_out, int t_out) {
    conv_plan p;
    const int halo = c->kws - 1, tile = c->cfg.tile;
    p.tw_max = tile - halo < t_out ? tile - halo : t_out;
    p.r_max = tile / (p.tw_max + halo);
    if (p.r_max > d_out) p.r_max = d_out;
    p.row_tiles = (d_out + p.r_max - 1) / p.r_max;
    p.chunks = (t_out + p.tw_max - 1) / p.tw_max;
    return p;
}

static conv_tile tile_at(const al_conv2d *c, const conv_plan *p, int idx, int d_out, int t_out) {
    conv_tile r;
    r.od0 = (idx / p->chunks) * p->r_max;
    r.nr = d_out - r.od0 < p->r_max ? d_out - r.od0 : p->r_max;
    r.ot0 = (idx % p->chunks) * p->tw_max;
    r.tw = t_out - r.ot0 < p->tw_max ? t_out - r.ot0 : p->tw_max;
    r.zw = r.tw + c->kws - 1;
    r.ld = r.nr * r.zw;
    return r;
}

/* For phase ph: input column of q is base + q * sw; q in [lo, hi) lies inside [0, t). */
static void phase_range(const al_conv2d_cfg *g, const conv_tile *rt, int ph, int t, int *base, int *lo, int *hi) {
    const int sw = g->stride_w;
    *base = rt->ot0 * sw + ph - g->pad_w;
    int a = *base >= 0 ? 0 : (-*base + sw - 1) / sw;
    int b = t - *base <= 0 ? 0 : (t - *base + sw - 1) / sw;
    *lo = a < rt->zw ? a : rt->zw;
    *hi = b < *lo ? *lo : b < rt->zw ? b : rt->zw;
}

/* z (kr, ld) for tile rt of one sample x (c_in, d, t); see conv_tile. */
static void build_z(float *z, const float *x, const al_conv2d *c, const conv_tile *rt, int d, int t) {
    const al_conv2d_cfg *g = &c->cfg;
    const int sw = g->stride_w, phases = c->kr / (g->c_in * g->kh);
    for (int ph = 0; ph < phases; ph++) {
        int base, lo, hi;
        phase_range(g, rt, ph, t, &base, &lo, &hi);
        for (int ci = 0; ci < g->c_in; ci++)
            for (int ki = 0; ki < g->kh; ki++) {
                float *dst = z + ((size_t)(ph * g->c_in + ci) * g->kh + ki) * rt->ld;
                for (int r = 0; r < rt->nr; r++, dst += rt->zw) {
                    int id = (rt->od0 + r) * g->stride_h - g->pad_h + ki;
                    if (id < 0 || id >= d || hi == lo) {
                        memset(dst, 0, (size_t)rt->zw * sizeof(float));
                        continue;
                    }
                    const float *row = x + ((size_t)ci * d + id) * t; /* row[base + q * sw] */
                    memset(dst, 0, (size_t)lo * sizeof(float));
                    if (sw == 1)
                        memcpy(dst + lo, row + base + lo, (size_t)(hi - lo) * sizeof(float));
                    else
                        for (int q = lo; q < hi; q++) dst[q] = row[base + q * sw];
                    memset(dst + hi, 0, (size_t)(rt->zw - hi) * sizeof(float));
                }
            }
    }
}

/* dx (c_in, d, t) of one sample += dz (kr, ld) at the positions build_z read. */
static void scatter_dz(float *dx, const float *dz, const al_conv2d *c, const conv_tile *rt, int d, int t) {
    const al_conv2d_cfg *g = &c->cfg;
    const int sw = g->stride_w, phases = c->kr / (g->c_in * g->kh);
    for (int ph = 0; ph < phases; ph++) {
        int base, lo, hi;
        phase_range(g, rt, ph, t, &base, &lo, &hi);
        for (int ci = 0; ci < g->c_in; ci++)
            for (int ki = 0; ki < g->kh; ki++) {
                const float *src = dz + ((size_t)(ph * g->c_in + ci) * g->kh + ki) * rt->ld;
                for (int r = 0; r < rt->nr; r++, src += rt->zw) {
                    int id = (rt->od0 + r) * g->stride_h - g->pad_h + ki;
                    if (id < 0 || id >= d) continue;
                    float *row = dx + ((size_t)ci * d + id) * t; /* row[base + q * sw] */
                    if (sw == 1)
#pragma omp simd
                        for (int q = lo; q < hi; q++) row[base + q] += src[q];
                    else
                        for (int q = lo; q < hi; q++) row[base + q * sw] += src[q];
                }
            }
    }
}

void al_conv2d_repack(const al_conv2d *c, const float *w, float *wr) {
    const al_conv2d_cfg *g = &c->cfg;
    const int cik = g->c_in * g->kh, phases = c->kr / cik;
    for (int mm = 0; mm < c->kws; mm++)
        for (int co = 0; co < g->c_out; co++)
            for (int ph = 0; ph < phases; ph++) {
                int kj = mm * g->stride_w + ph;
                float *dst = wr + ((size_t)mm * g->c_out + co) * c->kr + (size_t)ph * cik;
                for (int rr = 0; rr < cik; rr++) dst[rr] = kj < g->kw ? w[((size_t)co * cik + rr) * g->kw + kj] : 0.0f;
            }
}

al_status al_conv2d_mask_repacked(const al_conv2d *c, const float *w, const uint8_t *mask, size_t numel, uint8_t *mb) {
    const size_t n = (size_t)c->kws * c->cfg.c_out * c->kr;
    float *mf = al_malloc(sizeof(float) * numel); /* (c_out, c_in, kh, kw) mask as 0 / 1 */
    float *mr = al_malloc(sizeof(float) * n);     /* (rows, cols) repacked mask as 0 / 1 */
    al_status st = mf && mr ? AL_OK : al_error(AL_ERR_NOMEM, "conv2d: out of memory for a repacked mask");
    if (st == AL_OK) {
        for (size_t j = 0; j < numel; j++) mf[j] = mask ? (float)(mask[j] != 0) : (float)(w[j] != 0.0f);
        al_conv2d_repack(c, mf, mr);
        for (size_t j = 0; j < n; j++) mb[j] = mr[j] != 0.0f;
    }
    al_free(mf);
    al_free(mr);
    return st;
}

/* sw: the sparse wr, or NULL for sgemm on c->wr. */
static void forward_tile(const al_conv2d *c, const al_sparse *sw, int tid, float *y, const float *x, const float *b,
                         const conv_tile *rt, int s, int d, int t, int d_out, int t_out) {
    const al_conv2d_cfg *g = &c->cfg;
    float *z = scratch_z(c, tid), *acc = scratch_acc(c, tid);
    build_z(z, x + (size_t)s * g->c_in * d * t, c, rt, d, t);
    /* acc (kws * c_out, ld) = wr (kws * c_out, kr) x z (kr, ld): all kernel columns in one product
     * (the sparse product cannot fail: its operands were checked by the caller) */
    if (sw) al_sparse_mm(sw, z, rt->ld, 0.0f, acc);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, acc_rows(c), rt->ld, c->kr, 1.0f, c->wr, c->kr, z,
                    rt->ld, 0.0f, acc, rt->ld);
    /* y[co][od0 + r][ot0 + j] = b[co] + sum over mm of acc[mm * c_out + co][r * zw + j + mm] */
    for (int co = 0; co < g->c_out; co++)
        for (int r = 0; r < rt->nr; r++) {
            float *dst = y + (((size_t)s * g->c_out + co) * d_out + rt->od0 + r) * t_out + rt->ot0;
            const float bc = b ? b[co] : 0.0f;
#pragma omp simd
            for (int j = 0; j < rt->tw; j++) dst[j] = bc;
            for (int mm = 0; mm < c->kws; mm++) {
                const float *src = acc + ((size_t)mm * g->c_out + co) * rt->ld + (size_t)r * rt->zw + mm;
#pragma omp simd
                for (int j = 0; j < rt->tw; j++) dst[j] += src[j];
            }
        }
}

/* dwr and dx of sample s += the gradients from tile rt. sw NULL: dwr is a dense (kws, c_out, kr)
 * partial; else dwr is a partial of sw's stored values (n_blocks * k) and both products run on sw. */
static void backward_tile(const al_conv2d *c, const al_sparse *sw, int tid, float *dx, float *dwr, const float *dy,
                          const float *x, const conv_tile *rt, int s, int d, int t, int d_out, int t_out) {
    const al_conv2d_cfg *g = &c->cfg;
    const int m = acc_rows(c), kr = c->kr;
    float *z = scratch_z(c, tid), *dz = scratch_dz(c, tid), *dys = scratch_acc(c, tid);
    /* dys (kws * c_out, ld): dys[mm * c_out + co][r * zw + j + mm] = dy[co][od0 + r][ot0 + j] for j < tw,
     * 0 elsewhere (the acc positions that reached y) */
    for (int mm = 0; mm < c->kws; mm++)
        for (int co = 0; co < g->c_out; co++) {
            float *row = dys + ((size_t)mm * g->c_out + co) * rt->ld;
            memset(row, 0, (size_t)rt->ld * sizeof(float));
            for (int r = 0; r < rt->nr; r++)
                memcpy(row + (size_t)r * rt->zw + mm,
                       dy + (((size_t)s * g->c_out + co) * d_out + rt->od0 + r) * t_out + rt->ot0,
                       (size_t)rt->tw * sizeof(float));
        }
    if (dwr) {
        build_z(z, x + (size_t)s * g->c_in * d * t, c, rt, d, t);
        /* dwr (kws * c_out, kr) += dys (kws * c_out, ld) x z (kr, ld)^T, sparse: at sw's stored positions
         * (the sparse kernels cannot fail: their operands were checked by the caller) */
        if (sw) al_sparse_grad_w(sw, dys, z, rt->ld, 1.0f, dwr);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, kr, rt->ld, 1.0f, dys, rt->ld, z, rt->ld, 1.0f, dwr,
                        kr);
    }
    if (dx) {
        /* dz (kr, ld) = wr (kws * c_out, kr)^T x dys (kws * c_out, ld) */
        if (sw) al_sparse_mm_t(sw, dys, rt->ld, 0.0f, dz);
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kr, rt->ld, m, 1.0f, c->wr, kr, dys, rt->ld, 0.0f, dz,
                        rt->ld);
        scatter_dz(dx + (size_t)s * g->c_in * d * t, dz, c, rt, d, t);
    }
}

static al_status check_call(const al_conv2d *c, int n, int d, int t, int *d_out, int *t_out) {
    if (!c->scratch) return al_error(AL_ERR_INVALID, "conv2d: layer not initialised");
    if (n < 1 || d < 1 || t < 1) return al_error(AL_ERR_INVALID, "conv2d: bad input size n %d d %d t %d", n, d, t);
    al_status st = al_conv2d_out_size(&c->cfg, d, t, d_out, t_out);
    if (st != AL_OK) return st;
    if ((long long)d * t > INT_MAX || (long long)*d_out * *t_out > INT_MAX)
        return al_error(AL_ERR_INVALID, "conv2d: input %dx%d too large", d, t);
    return AL_OK;
}

static int call_threads(const al_conv2d *c) {
    int nt = al_threads();
    return nt < c->nthreads ? nt : c->nthreads;
}

/* The forward on sgemm over c->wr (sw NULL, repacked from w here) or on the sparse wr sw. */
static al_status forward(al_conv2d *c, const al_sparse *sw, float *y, const float *x, const float *w, const float *b,
                         int n, int d, int t) {
    int d_out, t_out;
    al_status st = check_call(c, n, d, t, &d_out, &t_out);
    if (st != AL_OK) return st;
    if (sw && (sw->rows != acc_rows(c) || sw->cols != c->kr))
        return al_error(AL_ERR_INVALID, "conv2d: sparse weights are %d x %d, the repacked layout is %d x %d", sw->rows,
                        sw->cols, acc_rows(c), c->kr);
    if (!sw) al_conv2d_repack(c, w, c->wr);
    const conv_plan p = plan_tiles(c, d_out, t_out);
    const int ntiles = p.row_tiles * p.chunks, nt = call_threads(c);
    const long items = (long)n * ntiles;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (long it = 0; it < items; it++) {
        conv_tile rt = tile_at(c, &p, (int)(it % ntiles), d_out, t_out);
        forward_tile(c, sw, al_thread_num(), y, x, b, &rt, (int)(it / ntiles), d, t, d_out, t_out);
    }
    return AL_OK;
}

al_status al_conv2d_forward(al_conv2d *c, float *y, const float *x, const float *w, const float *b, int n, int d,
                            int t) {
    return forward(c, NULL, y, x, w, b, n, d, t);
}

al_status al_conv2d_forward_sparse(al_conv2d *c, const al_sparse *s, float *y, const float *x, const float *b, int n,
                                   int d, int t) {
    if (!s) return al_error(AL_ERR_INVALID, "conv2d: NULL sparse weights");
    return forward(c, s, y, x, NULL, b, n, d, t);
}

/* Floats of one thread's partial dW: the dense repacked weights (sw NULL) or sw's stored values. */
static size_t partial_floats(const al_conv2d *c, const al_sparse *sw) {
    return sw ? (size_t)sw->n_blocks * sw->k : (size_t)acc_rows(c) * c->kr;
}

size_t al_conv2d_backward_sparse_ws(const al_conv2d *c, const al_sparse *s) {
    return round16(partial_floats(c, s)) * c->nthreads;
}

/* Thread tid's partial dW: in the scratch (sw NULL) or in ws. */
static float *partial_dw(const al_conv2d *c, const al_sparse *sw, float *ws, int tid) {
    return sw ? ws + round16(partial_floats(c, sw)) * tid : scratch_dw(c, tid);
}

/* The backward on sgemm over c->wr (sw NULL, repacked from w here; partial dW in the scratch) or on
 * the sparse wr sw (partials of its stored values in ws). */
static al_status backward(al_conv2d *c, const al_sparse *sw, float *ws, float *dx, float *dw, float *db,
                          const float *dy, const float *x, const float *w, int n, int d, int t) {
    int d_out, t_out;
    al_status st = check_call(c, n, d, t, &d_out, &t_out);
    if (st != AL_OK) return st;
    const al_conv2d_cfg *g = &c->cfg;
    if (sw && (sw->rows != acc_rows(c) || sw->cols != c->kr))
        return al_error(AL_ERR_INVALID, "conv2d: sparse weights are %d x %d, the repacked layout is %d x %d", sw->rows,
                        sw->cols, acc_rows(c), c->kr);
    if (!sw) al_conv2d_repack(c, w, c->wr);
    const conv_plan p = plan_tiles(c, d_out, t_out);
    const int P = d_out * t_out, ntiles = p.row_tiles * p.chunks;
    int nt = call_threads(c);
    if (n < nt) nt = 1; /* one thread: OpenBLAS may thread the sgemm calls itself */
    const size_t npart = partial_floats(c, sw), ndense = (size_t)acc_rows(c) * c->kr;
    for (int i = 0; i < nt; i++) {
        if (dw) memset(partial_dw(c, sw, ws, i), 0, npart * sizeof(float));
        memset(scratch_db(c, i), 0, (size_t)g->c_out * sizeof(float));
    }
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (int s = 0; s < n; s++) {
        const int tid = al_thread_num();
        if (db) {
            float *dbp = scratch_db(c, tid);
            const float *dys = dy + (size_t)s * g->c_out * P; /* (c_out, P) */
            for (int co = 0; co < g->c_out; co++) {
                double acc = 0.0;
                for (int q = 0; q < P; q++) acc += dys[(size_t)co * P + q];
                dbp[co] += (float)acc;
            }
        }
        if (dw || dx)
            for (int idx = 0; idx < ntiles; idx++) {
                conv_tile rt = tile_at(c, &p, idx, d_out, t_out);
                backward_tile(c, sw, tid, dx, dw ? partial_dw(c, sw, ws, tid) : NULL, dy, x, &rt, s, d, t, d_out, t_out);
            }
    }
    /* fixed-order sums of the per-thread partials */
    if (dw) {
        int np = nt; /* dense repacked partials the loop below sums */
        if (sw) {
            /* stored values summed in thread order into partial 0, then scattered into the zeroed dense
             * partial of thread 0 (repacked layout), which the loop below maps to dw's layout */
            float *tot = partial_dw(c, sw, ws, 0);
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
            for (size_t v = 0; v < npart; v++)
                for (int i = 1; i < nt; i++) tot[v] += partial_dw(c, sw, ws, i)[v];
            memset(scratch_dw(c, 0), 0, ndense * sizeof(float));
            al_sparse_scatter_grad(sw, tot, scratch_dw(c, 0));
            np = 1;
        }
        const size_t nw = (size_t)g->c_out * g->c_in * g->kh * g->kw;
        const int cik = g->c_in * g->kh;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
        for (size_t j = 0; j < nw; j++) {
            /* dw[co][rr][kj] (rr = ci * kh + ki) sits at [kj / sw][co][(kj % sw) * cik + rr] of a partial */
            const size_t kj = j % g->kw, rr = j / g->kw % cik, co = j / g->kw / cik;
            const size_t src = (kj / g->stride_w * g->c_out + co) * c->kr + kj % g->stride_w * cik + rr;
            float sum = 0.0f;
            for (int i = 0; i < np; i++) sum += scratch_dw(c, i)[src];
            dw[j] += sum;
        }
    }
    if (db)
        for (int co = 0; co < g->c_out; co++) {
            float sum = 0.0f;
            for (int i = 0; i < nt; i++) sum += scratch_db(c, i)[co];
            db[co] += sum;
        }
    return AL_OK;
}

al_status al_conv2d_backward(al_conv2d *c, float *dx, float *dw, float *db, const float *dy, const float *x,
                             const float *w, int n, int d, int t) {
    return backward(c, NULL, NULL, dx, dw, db, dy, x, w, n, d, t);
}

al_status al_conv2d_backward_sparse(al_conv2d *c, const al_sparse *s, float *ws, float *dx, float *dw, float *db,
                                    const float *dy, const float *x, int n, int d, int t) {
    if (!s || (dw && !ws)) return al_error(AL_ERR_INVALID, "conv2d: NULL sparse weights or workspace");
    return backward(c, s, ws, dx, dw, db, dy, x, NULL, n, d, t);
}
