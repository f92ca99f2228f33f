/* Multi-head self-attention forward/backward (see attention.h).
 *
 * Per (n, head) item, with dh = d / heads, len = lengths[n], s = 1 / sqrt(dh), A = P or the
 * dropped-out P' = P * keep / (1 - p):
 *   forward   S[:, :len] = s q_h k_h[:len]^T ; P = row softmax over the first len keys (0 beyond)
 *             ctx_h = A[:, :len] v_h[:len]
 *   backward  dv_h[:len] = A[:, :len]^T dctx_h ; G = dctx_h v_h[:len]^T (dL/dA)
 *             G *= keep / (1 - p) (dL/dP) ; dS = P * (G - rowsum(P * G))
 *             dq_h = s dS k_h[:len] ; dk_h[:len] = s dS^T q_h ; dk_h, dv_h = 0 at padded keys
 * Scores of padded keys are never computed, so their k and v have no influence at all. */
#include "nn/attention.h"
#include "nn/fast_exp.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Element-wise loops over fewer floats than this stay on one thread. */
#define MHSA_OMP_MIN 16384

void al_mhsa_free(al_mhsa *a) {
    al_free(a->lengths);
    al_free(a->qkv);
    al_free(a->probs);
    al_free(a->keep);
    al_free(a->ctx);
    al_free(a->dctx);
    al_free(a->dqkv);
    al_free(a->colsum);
    al_free(a->scratch);
    memset(a, 0, sizeof *a);
}

al_status al_mhsa_init(al_mhsa *a, int d, int heads, int n_max, int t_max) {
    memset(a, 0, sizeof *a);
    if (d < 1 || heads < 1 || n_max < 1 || t_max < 1 || d % heads != 0)
        return al_error(AL_ERR_INVALID,
                        "attention: bad sizes (d %d, heads %d, n_max %d, t_max %d; d %% heads must be 0)", d, heads,
                        n_max, t_max);
    a->d = d;
    a->heads = heads;
    a->n_max = n_max;
    a->t_max = t_max;
    int threads = al_threads();
    if (threads < 1) threads = 1;
    if ((long long)threads > (long long)n_max * heads) threads = n_max * heads;
    a->n_scratch = threads;
    const size_t NT = (size_t)n_max * t_max, TT = (size_t)t_max * t_max, P = (size_t)n_max * heads * TT;
    int ok = (a->lengths = al_malloc(n_max * sizeof(int))) && (a->qkv = al_malloc(NT * 3 * d * sizeof(float))) &&
             (a->probs = al_malloc(P * sizeof(float))) && (a->keep = al_malloc(P)) &&
             (a->ctx = al_malloc(NT * d * sizeof(float))) && (a->dctx = al_malloc(NT * d * sizeof(float))) &&
             (a->dqkv = al_malloc(NT * 3 * d * sizeof(float))) && (a->colsum = al_malloc(3 * d * sizeof(double))) &&
             (a->scratch = al_malloc(threads * TT * sizeof(float)));
    if (!ok) {
        al_mhsa_free(a);
        return al_error(AL_ERR_NOMEM, "attention: cannot allocate the cache for n_max %d, t_max %d, d %d, heads %d",
                        n_max, t_max, d, heads);
    }
    return AL_OK;
}

/* Threads for the per-item loops of a batch of `items` (n, head) pairs. */
static int item_threads(const al_mhsa *a, int items) {
    int nt = al_threads();
    if (nt > a->n_scratch) nt = a->n_scratch;
    if (nt > items) nt = items;
    return nt < 1 ? 1 : nt;
}

/* out (cols) += column sums of m (rows, cols), each column summed in double in row order. */
static void add_column_sums(float *out, const float *m, int rows, int cols, double *acc) {
    enum { BLOCK = 32 };
    const int blocks = (cols + BLOCK - 1) / BLOCK;
#pragma omp parallel for schedule(static) if ((size_t)rows * cols >= MHSA_OMP_MIN)
    for (int b = 0; b < blocks; b++) {
        const int c0 = b * BLOCK, c1 = c0 + BLOCK < cols ? c0 + BLOCK : cols;
        for (int c = c0; c < c1; c++) acc[c] = 0.0;
        for (int r = 0; r < rows; r++) {
            const float *row = m + (size_t)r * cols;
            for (int c = c0; c < c1; c++) acc[c] += row[c];
        }
        for (int c = c0; c < c1; c++) out[c] += (float)acc[c];
    }
}

/* rows (rows, cols) += b (cols) */
static void add_bias(float *m, const float *b, int rows, int cols) {
#pragma omp parallel for schedule(static) if ((size_t)rows * cols >= MHSA_OMP_MIN)
    for (int r = 0; r < rows; r++) {
        float *row = m + (size_t)r * cols;
        for (int c = 0; c < cols; c++) row[c] += b[c];
    }
}

/* Scores, softmax, dropout and context of item (n, hd); scr: (T, T) scratch. */
static void forward_item(al_mhsa *a, int n, int hd, float *scr, uint64_t seed) {
    const int T = a->T, d = a->d, dh = d / a->heads, ld = 3 * d, len = a->lengths[n];
    const size_t TT = (size_t)T * T, item = (size_t)n * a->heads + hd;
    const float *q = a->qkv + (size_t)n * T * ld + (size_t)hd * dh, *k = q + d, *v = q + 2 * d;
    float *P = a->probs + item * TT;
    const float scale = 1.0f / sqrtf((float)dh);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, len, dh, scale, q, ld, k, ld, 0.0f, P, T);
    for (int i = 0; i < T; i++) {
        float *row = P + (size_t)i * T;
        float m = row[0];
        for (int j = 1; j < len; j++) m = row[j] > m ? row[j] : m;
        float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
        for (int j = 0; j < len; j++) {
            row[j] = al_expf_fast(row[j] - m);
            sum += row[j];
        }
        const float inv = 1.0f / sum; /* sum >= 1: the maximum contributes exp(0) */
        for (int j = 0; j < len; j++) row[j] *= inv;
        for (int j = len; j < T; j++) row[j] = 0.0f;
    }
    const float *A = P;
    if (a->p > 0.0f) {
        al_rng rng;
        al_rng_seed_stream(&rng, seed, (uint64_t)item);
        unsigned char *keep = a->keep + item * TT;
        const double p = a->p;
        const float s = a->drop_scale;
        for (size_t i = 0; i < TT; i++) {
            const int kept = al_rng_uniform(&rng) >= p;
            keep[i] = (unsigned char)kept;
            scr[i] = kept ? P[i] * s : 0.0f;
        }
        A = scr;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, len, 1.0f, A, T, v, ld, 0.0f,
                a->ctx + (size_t)n * T * d + (size_t)hd * dh, d);
}

al_status al_mhsa_forward(al_mhsa *a, float *y, const float *x, const int *lengths, const float *w_in, const float *b_in,
                          const float *w_out, const float *b_out, int N, int T, float p, uint64_t seed) {
    if (N < 1 || N > a->n_max || T < 1 || T > a->t_max)
        return al_error(AL_ERR_INVALID, "attention: batch (N %d, T %d) outside the capacity (n_max %d, t_max %d)", N, T,
                        a->n_max, a->t_max);
    if (!(p >= 0.0f && p < 1.0f)) return al_error(AL_ERR_INVALID, "attention: dropout %g outside [0, 1)", (double)p);
    for (int n = 0; n < N; n++)
        if (lengths[n] < 1 || lengths[n] > T)
            return al_error(AL_ERR_INVALID, "attention: length %d of utterance %d is outside 1..%d", lengths[n], n, T);
    const int d = a->d, NT = N * T, items = N * a->heads;
    a->N = N;
    a->T = T;
    a->p = p;
    a->drop_scale = p > 0.0f ? 1.0f / (1.0f - p) : 1.0f;
    memcpy(a->lengths, lengths, N * sizeof(int));

    if (a->sp_in) {
        al_status st = al_sparse_mm_xt(a->sp_in, x, NT, 0.0f, a->qkv);
        if (st != AL_OK) {
            a->T = 0; /* no forward for a backward to use */
            return st;
        }
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, NT, 3 * d, d, 1.0f, x, d, w_in, d, 0.0f, a->qkv, 3 * d);
    }
    add_bias(a->qkv, b_in, NT, 3 * d);

    const size_t TT = (size_t)a->t_max * a->t_max;
#pragma omp parallel for schedule(static) num_threads(item_threads(a, items))
    for (int it = 0; it < items; it++)
        forward_item(a, it / a->heads, it % a->heads, a->scratch + (size_t)al_thread_num() * TT, seed);

    if (a->sp_out) {
        al_status st = al_sparse_mm_xt(a->sp_out, a->ctx, NT, 0.0f, y);
        if (st != AL_OK) {
            a->T = 0;
            return st;
        }
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, NT, d, d, 1.0f, a->ctx, d, w_out, d, 0.0f, y, d);
    }
    add_bias(y, b_out, NT, d);
    return AL_OK;
}

void al_mhsa_use_sparse(al_mhsa *a, const al_sparse *w_in, const al_sparse *w_out, const al_sparse_ws *ws,
                        float *dval) {
    a->sp_in = w_in;
    a->sp_out = w_out;
    a->ws = ws;
    a->dval = dval;
}

/* dW (rows, cols) += the gradient of Y = X W^T at m's stored positions: dY (n, rows), X (n, cols). */
static al_status sparse_grad(const al_mhsa *a, const al_sparse *m, const float *dy, const float *x, int n, float *dw) {
    al_status st = al_sparse_grad_w_xt(m, dy, x, n, 0.0f, a->dval, a->ws);
    return st == AL_OK ? al_sparse_scatter_grad(m, a->dval, dw) : st;
}

/* dq, dk, dv of item (n, hd) into dqkv from dctx; scr: (T, T) scratch. */
static void backward_item(al_mhsa *a, int n, int hd, float *scr) {
    const int T = a->T, d = a->d, dh = d / a->heads, ld = 3 * d, len = a->lengths[n];
    const size_t TT = (size_t)T * T, item = (size_t)n * a->heads + hd;
    const float *q = a->qkv + (size_t)n * T * ld + (size_t)hd * dh, *k = q + d, *v = q + 2 * d;
    const float *P = a->probs + item * TT, *dc = a->dctx + (size_t)n * T * d + (size_t)hd * dh;
    const unsigned char *keep = a->keep + item * TT;
    float *dq = a->dqkv + (size_t)n * T * ld + (size_t)hd * dh, *dk = dq + d, *dv = dq + 2 * d;
    const float scale = 1.0f / sqrtf((float)dh), s = a->drop_scale;
    const int dropout = a->p > 0.0f;

    const float *A = P;
    if (dropout) {
        for (size_t i = 0; i < TT; i++) scr[i] = keep[i] ? P[i] * s : 0.0f;
        A = scr;
    }
    /* dv[:len] = A[:, :len]^T dctx_h */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, len, dh, T, 1.0f, A, T, dc, d, 0.0f, dv, ld);
    /* G[:, :len] = dctx_h v[:len]^T (overwrites A's scratch: dv is done) */
    float *G = scr;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, len, dh, 1.0f, dc, d, v, ld, 0.0f, G, T);
    for (int i = 0; i < T; i++) {
        float *g = G + (size_t)i * T;
        const float *pr = P + (size_t)i * T;
        if (dropout) {
            const unsigned char *kr = keep + (size_t)i * T;
            for (int j = 0; j < len; j++) g[j] = kr[j] ? g[j] * s : 0.0f;
        }
        double dot = 0.0;
        for (int j = 0; j < len; j++) dot += (double)pr[j] * g[j];
        const float fdot = (float)dot;
        for (int j = 0; j < len; j++) g[j] = pr[j] * (g[j] - fdot);
    }
    /* dq = s dS[:, :len] k[:len];  dk[:len] = s dS[:, :len]^T q */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, dh, len, scale, G, T, k, ld, 0.0f, dq, ld);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, len, dh, T, scale, G, T, q, ld, 0.0f, dk, ld);
    for (int t = len; t < T; t++) {
        memset(dk + (size_t)t * ld, 0, dh * sizeof(float));
        memset(dv + (size_t)t * ld, 0, dh * sizeof(float));
    }
}

al_status al_mhsa_backward(al_mhsa *a, float *dx, float *dw_in, float *db_in, float *dw_out, float *db_out,
                           const float *dy, const float *x, const float *w_in, const float *w_out) {
    if (a->T < 1) return al_error(AL_ERR_INVALID, "attention: backward without a forward");
    const int d = a->d, NT = a->N * a->T, items = a->N * a->heads;
    al_status st = AL_OK;
    if (dw_out && a->sp_out) st = sparse_grad(a, a->sp_out, dy, a->ctx, NT, dw_out);
    else if (dw_out)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, d, NT, 1.0f, dy, d, a->ctx, d, 1.0f, dw_out, d);
    if (db_out) add_column_sums(db_out, dy, NT, d, a->colsum);
    if (st != AL_OK || (!dx && !dw_in && !db_in)) return st;

    if (a->sp_out) st = al_sparse_mm_xt_t(a->sp_out, dy, NT, 0.0f, a->dctx, a->ws);
    else cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, NT, d, d, 1.0f, dy, d, w_out, d, 0.0f, a->dctx, d);
    if (st != AL_OK) return st;
    const size_t TT = (size_t)a->t_max * a->t_max;
#pragma omp parallel for schedule(static) num_threads(item_threads(a, items))
    for (int it = 0; it < items; it++)
        backward_item(a, it / a->heads, it % a->heads, a->scratch + (size_t)al_thread_num() * TT);

    if (dx && a->sp_in) st = al_sparse_mm_xt_t(a->sp_in, a->dqkv, NT, 1.0f, dx, a->ws);
    else if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, NT, d, 3 * d, 1.0f, a->dqkv, 3 * d, w_in, d, 1.0f, dx, d);
    if (st == AL_OK && dw_in && a->sp_in) st = sparse_grad(a, a->sp_in, a->dqkv, x, NT, dw_in);
    else if (st == AL_OK && dw_in)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 3 * d, d, NT, 1.0f, a->dqkv, 3 * d, x, d, 1.0f, dw_in, d);
    if (db_in) add_column_sums(db_in, a->dqkv, NT, 3 * d, a->colsum);
    return st;
}
