/* CTC loss and its gradient with respect to the logits, in log space (double precision).
 *
 * For one utterance with T frames and target l (length L), the extended label sequence l' has
 * S = 2L + 1 entries (blank, l1, blank, l2, ..., lL, blank). alpha[t][s] and beta[t][s] are the
 * log forward/backward variables of Graves et al. (2006), both including the emission at t, so
 *   p(l|x)           = logsumexp(alpha[T-1][S-1], alpha[T-1][S-2])
 *   occupancy[t][c]  = sum_{s: l'_s = c} exp(alpha[t][s] + beta[t][s] - lp[t][c] - log p)
 *   dloss/dlogits    = softmax - occupancy.
 */
#include "audiolottery/loss.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
/* Per-thread scratch: log-softmax (T_max, C) is sized at call time because C is not known at
 * creation; alpha/beta (T_max, S_max) and the extended labels are sized at creation. */
typedef struct {
    double *alpha, *beta; /* (T_max, S_max) */
    double *lp;           /* (T_max, C) log-softmax */
    size_t lp_cap;        /* doubles allocated in lp */
    double *occ;          /* (C) per-frame log occupancy */
    size_t occ_cap;
    int *ext;             /* (S_max) extended labels */
} ctc_slot;

struct al_ctc_workspace {
    int T_max, L_max, B, n_slots;
    ctc_slot *slots;
    int *offset; /* (B + 1) start of each utterance's target */
};

static void free_slot(ctc_slot *s) {
    al_free(s->alpha);
    al_free(s->beta);
    al_free(s->lp);
    al_free(s->occ);
    al_free(s->ext);
}

void al_ctc_workspace_free(al_ctc_workspace *ws) {
    if (!ws) return;
    for (int i = 0; i < ws->n_slots; i++) free_slot(&ws->slots[i]);
    free(ws->slots);
    free(ws->offset);
    free(ws);
}

al_status al_ctc_workspace_new(int T_max, int L_max, int B, al_ctc_workspace **out) {
    *out = NULL;
    if (T_max <= 0 || L_max < 0 || B <= 0)
        return al_error(AL_ERR_INVALID, "ctc: bad workspace size (T_max %d, L_max %d, B %d)", T_max, L_max, B);
    al_ctc_workspace *ws = calloc(1, sizeof *ws);
    if (!ws) return al_error(AL_ERR_NOMEM, "ctc: out of memory");
    ws->T_max = T_max;
    ws->L_max = L_max;
    ws->B = B;
    ws->n_slots = al_threads();
    ws->slots = calloc(ws->n_slots, sizeof *ws->slots);
    ws->offset = malloc(sizeof(int) * (B + 1));
    if (!ws->slots || !ws->offset) {
        free(ws->slots);
        free(ws->offset);
        free(ws);
        return al_error(AL_ERR_NOMEM, "ctc: out of memory");
    }
    size_t S = 2 * (size_t)L_max + 1;
    for (int i = 0; i < ws->n_slots; i++) {
        ctc_slot *s = &ws->slots[i];
        s->alpha = al_malloc(sizeof(double) * T_max * S);
        s->beta = al_malloc(sizeof(double) * T_max * S);
        s->ext = al_malloc(sizeof(int) * S);
        if (!s->alpha || !s->beta || !s->ext) {
            al_ctc_workspace_free(ws);
            return al_error(AL_ERR_NOMEM, "ctc: out of memory for T_max %d, L_max %d", T_max, L_max);
        }
    }
    *out = ws;
    return AL_OK;
}

static inline double logadd(double a, double b) {
    if (a == -INFINITY) return b;
    if (b == -INFINITY) return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* One utterance: writes its loss and, if grad is not NULL, its gradient rows (stride B*C). */
static double ctc_one(ctc_slot *w, const float *logits, int B, int C, int T, int T_max, const int *target, int L,
                      int blank, float *grad) {
    const size_t row = (size_t)B * C; /* distance between frames in (T_max, B, C) */
    const int S = 2 * L + 1;
    double *lp = w->lp, *alpha = w->alpha, *beta = w->beta, *occ = w->occ;
    int *ext = w->ext;

    for (int t = 0; t < T; t++) { /* log-softmax */
        const float *x = logits + t * row;
        double m = x[0], sum = 0;
        for (int c = 1; c < C; c++) m = x[c] > m ? x[c] : m;
        for (int c = 0; c < C; c++) sum += exp(x[c] - m);
        double lse = m + log(sum);
        for (int c = 0; c < C; c++) lp[(size_t)t * C + c] = x[c] - lse;
    }
    for (int s = 0; s < S; s++) ext[s] = s % 2 ? target[s / 2] : blank;

    /* alpha */
    for (int s = 0; s < S; s++) alpha[s] = -INFINITY;
    alpha[0] = lp[blank];
    if (S > 1) alpha[1] = lp[ext[1]];
    for (int t = 1; t < T; t++) {
        const double *prev = alpha + (size_t)(t - 1) * S;
        double *cur = alpha + (size_t)t * S;
        for (int s = 0; s < S; s++) {
            double a = prev[s];
            if (s >= 1) a = logadd(a, prev[s - 1]);
            if (s >= 2 && ext[s] != blank && ext[s] != ext[s - 2]) a = logadd(a, prev[s - 2]);
            cur[s] = a == -INFINITY ? a : a + lp[(size_t)t * C + ext[s]];
        }
    }
    const double *last = alpha + (size_t)(T - 1) * S;
    double logp = S > 1 ? logadd(last[S - 1], last[S - 2]) : last[0];

    if (grad) {
        for (int t = T; t < T_max; t++) memset(grad + t * row, 0, sizeof(float) * C);
        if (logp == -INFINITY) {
            for (int t = 0; t < T; t++) memset(grad + t * row, 0, sizeof(float) * C);
        } else {
            /* beta */
            double *bl = beta + (size_t)(T - 1) * S;
            for (int s = 0; s < S; s++) bl[s] = -INFINITY;
            bl[S - 1] = lp[(size_t)(T - 1) * C + blank];
            if (S > 1) bl[S - 2] = lp[(size_t)(T - 1) * C + ext[S - 2]];
            for (int t = T - 2; t >= 0; t--) {
                const double *next = beta + (size_t)(t + 1) * S;
                double *cur = beta + (size_t)t * S;
                for (int s = 0; s < S; s++) {
                    double b = next[s];
                    if (s + 1 < S) b = logadd(b, next[s + 1]);
                    if (s + 2 < S && ext[s] != blank && ext[s] != ext[s + 2]) b = logadd(b, next[s + 2]);
                    cur[s] = b == -INFINITY ? b : b + lp[(size_t)t * C + ext[s]];
                }
            }
            for (int t = 0; t < T; t++) {
                for (int c = 0; c < C; c++) occ[c] = -INFINITY;
                const double *a = alpha + (size_t)t * S, *b = beta + (size_t)t * S;
                for (int s = 0; s < S; s++) occ[ext[s]] = logadd(occ[ext[s]], a[s] + b[s]);
                const double *lpt = lp + (size_t)t * C;
                float *g = grad + t * row;
                for (int c = 0; c < C; c++) {
                    double post = occ[c] == -INFINITY ? 0.0 : exp(occ[c] - lpt[c] - logp);
                    g[c] = (float)(exp(lpt[c]) - post);
                }
            }
        }
    }
    return -logp;
}

al_status al_ctc_loss(al_ctc_workspace *ws, const float *logits, int T_max, int B, int C, const int *input_lengths,
                      const int *targets, const int *target_lengths, int blank, double *losses, float *grad) {
    if (T_max > ws->T_max || B > ws->B || C < 2 || blank < 0 || blank >= C)
        return al_error(AL_ERR_INVALID, "ctc: sizes (T_max %d, B %d, C %d, blank %d) exceed the workspace (%d, %d)",
                        T_max, B, C, blank, ws->T_max, ws->B);
    int *offset = ws->offset;
    offset[0] = 0;
    for (int b = 0; b < B; b++) {
        int L = target_lengths[b], T = input_lengths[b];
        if (L < 0 || L > ws->L_max || T < 1 || T > T_max) {
            return al_error(AL_ERR_INVALID, "ctc: utterance %d has input length %d (max %d), target length %d (max %d)",
                            b, T, T_max, L, ws->L_max);
        }
        for (int i = 0; i < L; i++) {
            int l = targets[offset[b] + i];
            if (l < 0 || l >= C || l == blank) {
                return al_error(AL_ERR_INVALID, "ctc: utterance %d has label %d (classes %d, blank %d)", b, l, C, blank);
            }
        }
        offset[b + 1] = offset[b] + L;
    }
    /* Grow the C-sized scratch once if needed (outside the parallel region). */
    for (int i = 0; i < ws->n_slots; i++) {
        ctc_slot *s = &ws->slots[i];
        size_t need = (size_t)ws->T_max * C;
        if (s->lp_cap < need) {
            al_free(s->lp);
            s->lp = al_malloc(sizeof(double) * need);
            s->lp_cap = s->lp ? need : 0;
        }
        if (s->occ_cap < (size_t)C) {
            al_free(s->occ);
            s->occ = al_malloc(sizeof(double) * C);
            s->occ_cap = s->occ ? (size_t)C : 0;
        }
        if (!s->lp || !s->occ) {
            return al_error(AL_ERR_NOMEM, "ctc: out of memory");
        }
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(ws->n_slots)
    for (int b = 0; b < B; b++) {
        int slot = al_thread_num();
        losses[b] = ctc_one(&ws->slots[slot], logits + (size_t)b * C, B, C, input_lengths[b], T_max,
                            targets + offset[b], target_lengths[b], blank, grad ? grad + (size_t)b * C : NULL);
    }
    return AL_OK;
}
