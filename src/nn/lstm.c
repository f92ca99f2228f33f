/* LSTM forward/backward on variable-length batches (see lstm.h).
 *
 * State buffers have T+1 time slots so that both directions read their previous state from a
 * slot that exists: the forward direction reads h_{t-1} from slot t and writes h_t to slot t+1
 * (slot 0 is the zero initial state); the reverse direction reads h_{t+1} from slot t+1 and
 * writes h_t to slot t (slot T is the zero initial state). The states of an utterance that is not
 * running at time t (t >= len) are zero, so its reverse direction starts from zero at its own
 * end; its dgates rows are zero too, so the whole-sequence sgemms of backward can run over all
 * T*N rows. */
#include "nn/lstm.h"
#include "nn/lstm_cell.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Element-wise loops over fewer floats than this stay on one thread. */
#define LSTM_OMP_MIN 8192

static float sigmoidf(float v) { return 1.0f / (1.0f + expf(-v)); }

/* tanh through one expf: glibc's tanhf goes through expm1f, which took a tenth of the layer's
 * time. Absolute error about 1e-7. */
static float tanh_fast(float v) { return 2.0f * sigmoidf(2.0f * v) - 1.0f; }

/* Whether the two directions' recurrences run side by side, one thread each. Inside that
 * parallel region OpenBLAS and the element-wise loops run on one thread. */
static int directions_in_parallel(const al_lstm_cache *c) { return c->dirs == 2 && al_threads() > 1; }

void al_lstm_cache_free(al_lstm_cache *c) {
    al_free(c->lengths);
    al_free(c->rows);
    for (int d = 0; d < 2; d++) {
        al_lstm_dir_cache *dc = &c->dir[d];
        al_free(dc->gates);
        al_free(dc->c);
        al_free(dc->h);
        al_free(dc->dh);
        al_free(dc->dc);
        al_free(dc->bias);
    }
    memset(c, 0, sizeof *c);
}

al_status al_lstm_cache_init(al_lstm_cache *c, int in, int hidden, int bidirectional, int t_max, int n_max) {
    memset(c, 0, sizeof *c);
    if (in < 1 || hidden < 1 || t_max < 1 || n_max < 1 || (bidirectional != 0 && bidirectional != 1))
        return al_error(AL_ERR_INVALID, "lstm: bad sizes (in %d, hidden %d, bidirectional %d, t_max %d, n_max %d)",
                        in, hidden, bidirectional, t_max, n_max);
    c->in = in;
    c->hidden = hidden;
    c->dirs = 1 + bidirectional;
    c->t_max = t_max;
    c->n_max = n_max;
    const size_t H = hidden, TN = (size_t)t_max * n_max, state = (TN + n_max) * H; /* (T+1, N, H) */
    int ok = (c->lengths = al_malloc(n_max * sizeof(int))) && (c->rows = al_malloc(t_max * sizeof(int)));
    for (int d = 0; ok && d < c->dirs; d++) {
        al_lstm_dir_cache *dc = &c->dir[d];
        ok = (dc->gates = al_malloc(TN * 4 * H * sizeof(float))) && (dc->c = al_malloc(state * sizeof(float))) &&
             (dc->h = al_malloc(state * sizeof(float))) && (dc->dh = al_malloc(n_max * H * sizeof(float))) &&
             (dc->dc = al_malloc(n_max * H * sizeof(float))) && (dc->bias = al_malloc(4 * H * sizeof(float)));
    }
    if (!ok) {
        al_lstm_cache_free(c);
        return al_error(AL_ERR_NOMEM, "lstm: cannot allocate the cache for t_max %d, n_max %d, in %d, hidden %d", t_max,
                        n_max, in, hidden);
    }
    return AL_OK;
}

/* gates (T*N, 4H) = x (T*N, In) . W_ih^T (In, 4H), bias (4H) = b_ih + b_hh (the cell adds it);
 * sih (sparse W_ih) NULL: sgemm. */
static al_status project_input(const al_lstm_cache *c, al_lstm_dir_cache *dc, const float *x, const al_lstm_dir *w,
                               const al_sparse *sih, float *ws) {
    const int TN = c->T * c->N, In = c->in, G = 4 * c->hidden;
    for (int k = 0; k < G; k++) dc->bias[k] = w->b_ih[k] + w->b_hh[k];
    if (sih) return al_sparse_mm_xt_ws(sih, x, TN, 0.0f, dc->gates, ws);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, TN, G, In, 1.0f, x, In, w->w_ih, In, 0.0f, dc->gates, G);
    return AL_OK;
}

/* The recurrence of direction d (0 forward, 1 reverse) over the projected gates: step by step
 * gates[t] += h_prev . W_hh^T, then the activations and the cell update. shh (sparse W_hh) NULL:
 * sgemm. */
static al_status recur_forward(const al_lstm_cache *c, al_lstm_dir_cache *dc, const al_lstm_dir *w, int d,
                               const al_sparse *shh, float *ws) {
    const int T = c->T, N = c->N, H = c->hidden, G = 4 * H;
    const size_t NH = (size_t)N * H;
    memset(dc->h + (d ? T : 0) * NH, 0, NH * sizeof(float));
    memset(dc->c + (d ? T : 0) * NH, 0, NH * sizeof(float));
    for (int s = 0; s < T; s++) {
        const int t = d ? T - 1 - s : s;
        const size_t prev = (size_t)(d ? t + 1 : t) * NH, cur = (size_t)(d ? t : t + 1) * NH;
        float *gt = dc->gates + (size_t)t * N * G; /* (N, 4H) */
        /* gt[0:rows] += h_prev (rows, H) . W_hh^T (H, 4H) */
        if (shh) {
            al_status st = al_sparse_mm_xt_ws(shh, dc->h + prev, c->rows[t], 1.0f, gt, ws);
            if (st != AL_OK) return st;
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c->rows[t], G, H, 1.0f, dc->h + prev, H, w->w_hh, H,
                        1.0f, gt, G);
        }
#pragma omp parallel for if (N * G >= LSTM_OMP_MIN)
        for (int j = 0; j < N; j++) {
            float *cj = dc->c + cur + (size_t)j * H, *hj = dc->h + cur + (size_t)j * H; /* (H) */
            if (t >= c->lengths[j]) { /* not running: zero state */
                memset(cj, 0, H * sizeof(float));
                memset(hj, 0, H * sizeof(float));
                continue;
            }
            al_lstm_cell(gt + (size_t)j * G, dc->bias, dc->c + prev + (size_t)j * H, cj, hj, H);
        }
    }
    return AL_OK;
}

size_t al_lstm_sparse_scratch(const al_lstm_cache *c, const al_sparse *w_ih, const al_sparse *w_hh) {
    size_t ih = w_ih ? al_sparse_mm_xt_scratch(w_ih, c->t_max * c->n_max) : 0;
    size_t hh = w_hh ? al_sparse_mm_xt_scratch(w_hh, c->n_max) : 0;
    return ih > hh ? ih : hh;
}

static al_status forward(float *y, al_lstm_cache *c, const float *x, const int *lengths, const al_lstm_dir *w,
                         const al_lstm_sparse *s, int T, int N) {
    if (T < 1 || T > c->t_max || N < 1 || N > c->n_max)
        return al_error(AL_ERR_INVALID, "lstm: batch (T %d, N %d) outside the cache's (t_max %d, n_max %d)", T, N,
                        c->t_max, c->n_max);
    for (int b = 0; b < N; b++)
        if (lengths[b] < 1 || lengths[b] > T)
            return al_error(AL_ERR_INVALID, "lstm: length %d of utterance %d is outside 1..%d", lengths[b], b, T);
    for (int d = 0; s && d < c->dirs; d++)
        if (s->ws_floats < al_lstm_sparse_scratch(c, s->w_ih[d], s->w_hh[d]) || (s->ws_floats && !s->ws[d]))
            return al_error(AL_ERR_INVALID, "lstm: sparse scratch of direction %d smaller than %zu floats", d,
                            al_lstm_sparse_scratch(c, s->w_ih[d], s->w_hh[d]));
    c->T = T;
    c->N = N;
    memcpy(c->lengths, lengths, N * sizeof(int));
    for (int t = 0; t < T; t++) {
        c->rows[t] = N;
        while (c->rows[t] > 0 && lengths[c->rows[t] - 1] <= t) c->rows[t]--;
    }
    al_status st[2] = {AL_OK, AL_OK};
    for (int d = 0; d < c->dirs; d++)
        st[d] = project_input(c, &c->dir[d], x, &w[d], s ? s->w_ih[d] : NULL, s ? s->ws[d] : NULL);
    if (st[0] == AL_OK && st[1] == AL_OK) {
#pragma omp parallel for num_threads(2) if (directions_in_parallel(c))
        for (int d = 0; d < c->dirs; d++)
            st[d] = recur_forward(c, &c->dir[d], &w[d], d, s ? s->w_hh[d] : NULL, s ? s->ws[d] : NULL);
    }
    if (st[0] != AL_OK || st[1] != AL_OK) {
        c->T = 0;
        return st[0] != AL_OK ? st[0] : st[1];
    }

    /* y (T, N, H) = h of the forward direction (slot t+1) + h of the reverse direction (slot t) */
    const int H = c->hidden;
    const size_t NH = (size_t)N * H;
#pragma omp parallel for if (T * NH >= LSTM_OMP_MIN)
    for (int t = 0; t < T; t++) {
        float *yt = y + t * NH;
        const float *hf = c->dir[0].h + (t + 1) * NH;
        if (c->dirs == 1) memcpy(yt, hf, NH * sizeof(float));
        else
            for (size_t i = 0; i < NH; i++) yt[i] = hf[i] + c->dir[1].h[t * NH + i];
    }
    return AL_OK;
}

al_status al_lstm_forward(float *y, al_lstm_cache *c, const float *x, const int *lengths, const al_lstm_dir *w,
                          int T, int N) {
    return forward(y, c, x, lengths, w, NULL, T, N);
}

al_status al_lstm_forward_sparse(float *y, al_lstm_cache *c, const float *x, const int *lengths, const al_lstm_dir *w,
                                 const al_lstm_sparse *s, int T, int N) {
    return forward(y, c, x, lengths, w, s, T, N);
}

/* BPTT of direction d: turns gates into dL/d(pre-activations), zero at padded positions. shh
 * (sparse W_hh) NULL: sgemm. */
static al_status recur_backward(const al_lstm_cache *c, al_lstm_dir_cache *dc, const float *dy, const al_lstm_dir *w,
                                int d, const al_sparse *shh, const al_sparse_ws *ws) {
    const int T = c->T, N = c->N, H = c->hidden, G = 4 * H;
    const size_t NH = (size_t)N * H;
    /* Utterances that have not started yet (in reverse time) must carry zero dh and dc. */
    memset(dc->dh, 0, NH * sizeof(float));
    memset(dc->dc, 0, NH * sizeof(float));
    for (int s = 0; s < T; s++) {
        const int t = d ? s : T - 1 - s;
        const size_t prev = (size_t)(d ? t + 1 : t) * NH, cur = (size_t)(d ? t : t + 1) * NH;
        float *gt = dc->gates + (size_t)t * N * G; /* (N, 4H) */
#pragma omp parallel for if (N * G >= LSTM_OMP_MIN)
        for (int j = 0; j < N; j++) {
            float *a = gt + (size_t)j * G; /* (4H): i, f, g, o in, dL/d(pre-activations) out */
            if (t >= c->lengths[j]) {
                memset(a, 0, G * sizeof(float));
                continue;
            }
            const float *dyj = dy + (size_t)t * NH + (size_t)j * H;
            const float *cp = dc->c + prev + (size_t)j * H, *cj = dc->c + cur + (size_t)j * H;
            float *dhj = dc->dh + (size_t)j * H, *dcj = dc->dc + (size_t)j * H;
            for (int k = 0; k < H; k++) {
                float ig = a[k], fg = a[H + k], gg = a[2 * H + k], og = a[3 * H + k];
                float tc = tanh_fast(cj[k]), dhk = dhj[k] + dyj[k];
                float dck = dcj[k] + dhk * og * (1.0f - tc * tc);
                a[k] = dck * gg * ig * (1.0f - ig);
                a[H + k] = dck * cp[k] * fg * (1.0f - fg);
                a[2 * H + k] = dck * ig * (1.0f - gg * gg);
                a[3 * H + k] = dhk * tc * og * (1.0f - og);
                dcj[k] = dck * fg;
            }
        }
        /* dh[0:rows] (rows, H) = dgates[t][0:rows] (rows, 4H) . W_hh (4H, H): dL/dh_prev. Rows past
         * rows[t] have not started yet (forward direction) or have ended (reverse). */
        if (s == T - 1) break;
        if (shh) {
            al_status st = al_sparse_mm_xt_t(shh, gt, c->rows[t], 0.0f, dc->dh, ws);
            if (st != AL_OK) return st;
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->rows[t], H, G, 1.0f, gt, G, w->w_hh, H, 0.0f,
                        dc->dh, H);
        }
    }
    return AL_OK;
}

/* dW (rows, cols) += dY^T (rows, TN) . X (TN, cols) at m's stored positions, through dval. */
static al_status sparse_grad_w(const al_sparse *m, const float *dy, const float *x, int TN, float *dval,
                               const al_sparse_ws *ws, float *dw) {
    al_status st = al_sparse_grad_w_xt(m, dy, x, TN, 0.0f, dval, ws);
    return st != AL_OK ? st : al_sparse_scatter_grad(m, dval, dw);
}

/* Adds direction d's weight and input gradients from its dgates (T*N, 4H); sih, shh (sparse W_ih,
 * W_hh) NULL: sgemm. */
static al_status add_gradients(const al_lstm_cache *c, al_lstm_dir_cache *dc, float *dx, const al_lstm_dir *g,
                               const float *x, const al_lstm_dir *w, int d, const al_sparse *sih, const al_sparse *shh,
                               const al_sparse_ws *ws, float *dval) {
    const int TN = c->T * c->N, In = c->in, H = c->hidden, G = 4 * H;
    const float *dgates = dc->gates;
    const float *h_prev = dc->h + (d ? (size_t)c->N * H : 0); /* (T*N, H): the state each step read */
    al_status st = AL_OK;
    /* dW_hh (4H, H) += dgates^T (4H, T*N) . h_prev (T*N, H) */
    if (shh) st = sparse_grad_w(shh, dgates, h_prev, TN, dval, ws, g->w_hh);
    else cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, H, TN, 1.0f, dgates, G, h_prev, H, 1.0f, g->w_hh, H);
    /* dW_ih (4H, In) += dgates^T (4H, T*N) . x (T*N, In) */
    if (st == AL_OK && sih) st = sparse_grad_w(sih, dgates, x, TN, dval, ws, g->w_ih);
    else if (st == AL_OK)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, G, In, TN, 1.0f, dgates, G, x, In, 1.0f, g->w_ih, In);
    /* dx (T*N, In) += dgates (T*N, 4H) . W_ih (4H, In) */
    if (st == AL_OK && sih) st = al_sparse_mm_xt_t(sih, dgates, TN, 1.0f, dx, ws);
    else if (st == AL_OK)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, TN, In, G, 1.0f, dgates, G, w->w_ih, In, 1.0f, dx, In);
    if (st != AL_OK) return st;
    /* db_ih, db_hh (4H) += column sums of dgates */
    memset(dc->bias, 0, G * sizeof(float));
    for (size_t r = 0; r < (size_t)TN; r++)
        for (int k = 0; k < G; k++) dc->bias[k] += dgates[r * G + k];
    for (int k = 0; k < G; k++) {
        g->b_ih[k] += dc->bias[k];
        g->b_hh[k] += dc->bias[k];
    }
    return AL_OK;
}

/* AL_OK when s's workspaces and dval hold what its matrices need (checked before any gradient is
 * added, so that a bad s leaves dx and g untouched). */
static al_status check_sparse_train(const al_lstm_cache *c, const al_lstm_sparse_train *s) {
    for (int d = 0; d < c->dirs; d++) {
        const al_sparse *m[2] = {s->fwd.w_ih[d], s->fwd.w_hh[d]};
        for (int i = 0; i < 2; i++) {
            if (!m[i]) continue;
            /* the kernels run on as many threads as the workspace holds, at least one */
            if (!s->ws[d].buf || s->ws[d].bytes < al_sparse_ws_bytes(m[i], 1))
                return al_error(AL_ERR_INVALID, "lstm: sparse workspace of direction %d smaller than %zu bytes", d,
                                al_sparse_ws_bytes(m[i], 1));
            if (!s->dval || s->dval_floats < (size_t)m[i]->n_blocks * m[i]->k)
                return al_error(AL_ERR_INVALID, "lstm: sparse dval smaller than %zu floats",
                                (size_t)m[i]->n_blocks * m[i]->k);
        }
    }
    return AL_OK;
}

al_status al_lstm_backward(float *dx, const al_lstm_dir *g, al_lstm_cache *c, const float *dy, const float *x,
                           const al_lstm_dir *w) {
    return al_lstm_backward_sparse(dx, g, c, dy, x, w, NULL);
}

al_status al_lstm_backward_sparse(float *dx, const al_lstm_dir *g, al_lstm_cache *c, const float *dy, const float *x,
                                  const al_lstm_dir *w, const al_lstm_sparse_train *s) {
    if (c->T < 1) return al_error(AL_ERR_INVALID, "lstm: backward without a new forward through this cache");
    al_status st[2] = {s ? check_sparse_train(c, s) : AL_OK, AL_OK};
    if (st[0] != AL_OK) return st[0];
#pragma omp parallel for num_threads(2) if (directions_in_parallel(c))
    for (int d = 0; d < c->dirs; d++)
        st[d] = recur_backward(c, &c->dir[d], dy, &w[d], d, s ? s->fwd.w_hh[d] : NULL, s ? &s->ws[d] : NULL);
    for (int d = 0; d < c->dirs && st[0] == AL_OK && st[1] == AL_OK; d++)
        st[d] = add_gradients(c, &c->dir[d], dx, &g[d], x, &w[d], d, s ? s->fwd.w_ih[d] : NULL,
                              s ? s->fwd.w_hh[d] : NULL, s ? &s->ws[d] : NULL, s ? s->dval : NULL);
    c->T = 0;
    return st[0] != AL_OK ? st[0] : st[1];
}
