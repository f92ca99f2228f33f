/* CTC prefix beam search with a word n-gram LM applied at word boundaries.
 *
 * Prefixes are nodes of a trie (parent pointers, sibling lists), so extending a prefix costs O(1)
 * and identical prefixes merge. Each node holds p_blank / p_non_blank (ln, LM terms folded in:
 * every path of a prefix has the same words) for the previous frame and the frame being built.
 * A node lives while it is in the beam or has live children; freed nodes go to a free list. */
#include "audiolottery/beam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LN10 2.302585092994046f

typedef struct {
    int32_t parent, first_child, next_sibling;
    int32_t refs;     /* live children + in_beam */
    int32_t in_beam;  /* kept after the last frame */
    int32_t cand;     /* frame in which it last became a candidate (-1: never) */
    int32_t frame;    /* frame where its label peaked (ctcdecode's timestep) */
    int32_t word_len; /* characters since the last space */
    int32_t spell;    /* with an LM: the current word's node in its spelling trie, -1 off the vocabulary */
    int32_t label;    /* -1 for the root */
    float lp_label;   /* the peak's log-probability */
    float pb, pnb;    /* previous frame */
    float nb, nnb;    /* frame being built */
    float word_score; /* a space node: alpha * ln P_lm(word) + beta, added on entering it */
    al_lm_state lm;   /* after the completed words */
} node;

typedef struct {
    float score;
    int32_t order; /* candidate number: ties go to the earlier one */
    int32_t node;
} cand;

struct al_beam_ws {
    int beam, C, max_T;
    node *nodes; /* (cap) */
    int32_t cap, free_head, used;
    int32_t *beam_ids; /* (beam) current beam, best first */
    int n_beam;
    cand *cands;       /* (beam * C) */
    int32_t *child_of; /* (C) children of the prefix being extended, -1 */
    float *lp;         /* (C) the frame's log-probabilities */
    int32_t *order;    /* (C) labels by probability */
    uint8_t *keep;     /* (C) labels extended this frame */
    char *buf;         /* (max_T + 1) words and text */
    int32_t *frames;   /* (max_T + 1) */
};

al_beam_opts al_beam_defaults(void) {
    return (al_beam_opts){.beam_width = 100, .cutoff_top_n = 40, .cutoff_prob = 1.0f, .alpha = 0, .beta = 0,
                          .lm = NULL, .vocab_only = 0, .want_frames = 0};
}

void al_beam_result_free(al_beam_result *r) {
    free(r->text);
    free(r->frames);
    memset(r, 0, sizeof *r);
}

void al_beam_ws_free(al_beam_ws *ws) {
    if (!ws) return;
    free(ws->nodes), free(ws->beam_ids), free(ws->cands), free(ws->child_of), free(ws->lp), free(ws->order);
    free(ws->keep), free(ws->buf), free(ws->frames);
    free(ws);
}

al_status al_beam_ws_new(int beam_width, int C, int max_T, al_beam_ws **out) {
    *out = NULL;
    if (beam_width < 1 || C < 2 || C > AL_ALPHABET_MAX || max_T < 0 ||
        (int64_t)beam_width * ((int64_t)max_T + 1 + C) + 1 > INT32_MAX / 2)
        return al_error(AL_ERR_INVALID, "beam: bad workspace size (beam %d, %d labels, %d frames)", beam_width, C,
                        max_T);
    al_beam_ws *ws = calloc(1, sizeof *ws);
    if (!ws) return al_error(AL_ERR_NOMEM, "beam: out of memory");
    ws->beam = beam_width, ws->C = C, ws->max_T = max_T;
    /* live nodes: the beam's prefixes and their ancestors (a prefix has at most T labels) plus one
     * frame's new candidates */
    ws->cap = (int32_t)((int64_t)beam_width * ((int64_t)max_T + C) + 1);
    ws->nodes = malloc(sizeof(node) * ws->cap);
    ws->beam_ids = malloc(sizeof(int32_t) * beam_width);
    ws->cands = malloc(sizeof(cand) * beam_width * C);
    ws->child_of = malloc(sizeof(int32_t) * C);
    ws->lp = malloc(sizeof(float) * C);
    ws->order = malloc(sizeof(int32_t) * C);
    ws->keep = malloc(C);
    ws->buf = malloc((size_t)max_T + 1);
    ws->frames = malloc(sizeof(int32_t) * ((size_t)max_T + 1));
    if (!ws->nodes || !ws->beam_ids || !ws->cands || !ws->child_of || !ws->lp || !ws->order || !ws->keep ||
        !ws->buf || !ws->frames) {
        al_beam_ws_free(ws);
        return al_error(AL_ERR_NOMEM, "beam: out of memory for a workspace of %d prefixes x %d frames", beam_width,
                        max_T);
    }
    *out = ws;
    return AL_OK;
}

static inline float lse(float a, float b) {
    if (a < b) {
        float t = a;
        a = b, b = t;
    }
    return b == -INFINITY ? a : a + log1pf(expf(b - a));
}

static int32_t node_new(al_beam_ws *ws, int32_t parent, int label) {
    int32_t id;
    if (ws->free_head >= 0) {
        id = ws->free_head;
        ws->free_head = ws->nodes[id].next_sibling;
    } else {
        id = ws->used++; /* never past cap: see al_beam_ws_new */
    }
    node *n = &ws->nodes[id];
    n->parent = parent, n->first_child = -1, n->refs = 0, n->in_beam = 0, n->cand = -1;
    n->label = label, n->frame = -1, n->lp_label = -INFINITY;
    n->pb = n->pnb = n->nb = n->nnb = -INFINITY;
    n->word_score = 0;
    if (parent >= 0) {
        node *p = &ws->nodes[parent];
        n->next_sibling = p->first_child;
        p->first_child = id;
        p->refs++;
    } else {
        n->next_sibling = -1;
    }
    return id;
}

/* Frees id and then every ancestor left without children that is not in the beam. */
static void node_release(al_beam_ws *ws, int32_t id) {
    while (id > 0 && ws->nodes[id].refs == 0) { /* node 0 is the root; freed nodes have refs -1 */
        node *n = &ws->nodes[id];
        int32_t parent = n->parent, *link = &ws->nodes[parent].first_child;
        while (*link != id) link = &ws->nodes[*link].next_sibling;
        *link = n->next_sibling;
        n->next_sibling = ws->free_head;
        n->refs = -1;
        ws->free_head = id;
        ws->nodes[parent].refs--;
        id = ws->nodes[parent].in_beam ? -1 : parent;
    }
}

/* The current word of prefix id (word_len characters back to the last space) into ws->buf. */
static const char *word_of(al_beam_ws *ws, const al_alphabet *a, int32_t id, int len) {
    for (int i = len - 1; i >= 0; i--, id = ws->nodes[id].parent) ws->buf[i] = a->labels[ws->nodes[id].label];
    return ws->buf;
}

/* alpha * ln P(word of prefix | its LM state) + beta; the state after the word into *next. */
static float word_score(al_beam_ws *ws, const al_alphabet *a, const al_beam_opts *o, int32_t id, al_lm_state *next) {
    const node *n = &ws->nodes[id];
    *next = n->lm;
    if (!o->lm || o->alpha == 0) return o->beta;
    int32_t w = al_lm_spell_word(o->lm, n->spell);
    if (w < 0) w = al_lm_word_id(o->lm, word_of(ws, a, id, n->word_len), (size_t)n->word_len);
    return o->alpha * LN10 * al_lm_score(o->lm, &n->lm, w, next) + o->beta;
}

/* The frame's log-softmax into ws->lp and the labels to extend into ws->keep. */
static al_status prepare_frame(al_beam_ws *ws, const float *s, int t, const al_beam_opts *o) {
    int C = ws->C;
    float mx = -INFINITY;
    for (int c = 0; c < C; c++) {
        if (!isfinite(s[c])) return al_error(AL_ERR_INVALID, "beam: frame %d label %d: non-finite score", t, c);
        mx = s[c] > mx ? s[c] : mx;
    }
    double sum = 0;
    for (int c = 0; c < C; c++) sum += exp((double)(s[c] - mx));
    float lz = mx + (float)log(sum);
    for (int c = 0; c < C; c++) ws->lp[c] = s[c] - lz;
    int top = o->cutoff_top_n <= 0 || o->cutoff_top_n > C ? C : o->cutoff_top_n;
    if (top == C && o->cutoff_prob >= 1.0f) {
        for (int c = 0; c < C; c++) ws->keep[c] = 1;
        return AL_OK;
    }
    for (int c = 0; c < C; c++) { /* insertion sort by probability, ties to the lower label */
        int j = c;
        while (j > 0 && ws->lp[ws->order[j - 1]] < ws->lp[c]) ws->order[j] = ws->order[j - 1], j--;
        ws->order[j] = c;
    }
    for (int c = 0; c < C; c++) ws->keep[c] = 0;
    double cum = 0;
    for (int i = 0; i < top; i++) {
        ws->keep[ws->order[i]] = 1;
        cum += exp((double)ws->lp[ws->order[i]]);
        if (o->cutoff_prob < 1.0f && cum >= o->cutoff_prob) break;
    }
    return AL_OK;
}

static inline int better(const cand *x, const cand *y) {
    return x->score > y->score || (x->score == y->score && x->order < y->order);
}

/* Moves the k best of c[0..n) to the front (any order). */
static void select_best(cand *c, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        cand pivot = c[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (better(&c[i], &pivot)) i++;
            while (better(&pivot, &c[j])) j--;
            if (i <= j) {
                cand t = c[i];
                c[i++] = c[j], c[j--] = t;
            }
        }
        if (k - 1 <= j) hi = j;
        else if (k - 1 >= i) lo = i;
        else return;
    }
}

static int cmp_cand(const void *x, const void *y) { return better(x, y) ? -1 : better(y, x) ? 1 : 0; }

/* Makes id a candidate of frame t (once). */
static void make_cand(al_beam_ws *ws, int32_t id, int t, int *n_cands) {
    node *n = &ws->nodes[id];
    if (n->cand == t) return;
    n->cand = t;
    n->nb = n->nnb = -INFINITY;
    ws->cands[*n_cands] = (cand){0, *n_cands, id};
    ++*n_cands;
}

static void extend(al_beam_ws *ws, const al_alphabet *a, const al_beam_opts *o, int32_t pid, int t, int space,
                   int *n_cands) {
    node *p = &ws->nodes[pid];
    float total = lse(p->pb, p->pnb);
    int ends_word = p->label >= 0 && p->label != space;
    for (int32_t ch = p->first_child; ch >= 0; ch = ws->nodes[ch].next_sibling) ws->child_of[ws->nodes[ch].label] = ch;
    for (int c = 0; c < ws->C; c++) {
        if (!ws->keep[c]) continue;
        float lpc = ws->lp[c];
        if (c == a->blank) {
            p->nb = lse(p->nb, total + lpc);
            continue;
        }
        if (c == space && !ends_word) { /* a leading or repeated space: the text does not change */
            p->nnb = lse(p->nnb, total + lpc);
            continue;
        }
        if (c == p->label) p->nnb = lse(p->nnb, p->pnb + lpc); /* a repeat collapses unless a blank separates it */
        int32_t cid = ws->child_of[c];
        if (cid < 0) {
            int32_t spell = -1;
            if (o->lm && c != space) spell = al_lm_spell_next(o->lm, ends_word ? p->spell : 0, (unsigned char)a->labels[c]);
            if (o->lm && o->vocab_only && (c == space ? al_lm_spell_word(o->lm, p->spell) < 0 : spell < 0)) continue;
            cid = ws->child_of[c] = node_new(ws, pid, c);
            p = &ws->nodes[pid];
            node *n = &ws->nodes[cid];
            n->spell = spell;
            if (c == space) {
                n->word_score = word_score(ws, a, o, pid, &n->lm);
                n->word_len = 0;
            } else {
                n->lm = p->lm;
                n->word_len = ends_word ? p->word_len + 1 : 1;
            }
        }
        node *n = &ws->nodes[cid];
        make_cand(ws, cid, t, n_cands);
        n->nnb = lse(n->nnb, (c == p->label ? p->pb : total) + lpc + n->word_score);
        if (lpc > n->lp_label) n->lp_label = lpc, n->frame = t;
    }
    for (int32_t ch = p->first_child; ch >= 0; ch = ws->nodes[ch].next_sibling) ws->child_of[ws->nodes[ch].label] = -1;
}

/* Keeps the best beam_width candidates as the new beam (best first) and frees the rest. */
static void prune(al_beam_ws *ws, int n_cands, int beam_width) {
    for (int i = 0; i < n_cands; i++) {
        node *n = &ws->nodes[ws->cands[i].node];
        n->pb = n->nb, n->pnb = n->nnb;
        ws->cands[i].score = lse(n->pb, n->pnb);
        if (n->in_beam) n->in_beam = 0, n->refs--;
    }
    int k = n_cands < beam_width ? n_cands : beam_width;
    if (k < n_cands) select_best(ws->cands, n_cands, k);
    qsort(ws->cands, k, sizeof *ws->cands, cmp_cand);
    for (int i = 0; i < k; i++) {
        node *n = &ws->nodes[ws->cands[i].node];
        n->in_beam = 1, n->refs++;
        ws->beam_ids[i] = ws->cands[i].node;
    }
    ws->n_beam = k;
    for (int i = k; i < n_cands; i++) node_release(ws, ws->cands[i].node);
}

/* The final score of prefix id: its paths, then the last word (if any) and </s>. */
static float final_score(al_beam_ws *ws, const al_alphabet *a, const al_beam_opts *o, int32_t id, int space) {
    const node *n = &ws->nodes[id];
    float s = lse(n->pb, n->pnb);
    al_lm_state st = n->lm;
    if (n->label >= 0 && n->label != space) s += word_score(ws, a, o, id, &st);
    if (o->lm && o->alpha != 0) s += o->alpha * LN10 * al_lm_final(o->lm, &st);
    return s;
}

/* The node of prefix id's text: a trailing space does not count. */
static int32_t text_node(const al_beam_ws *ws, int32_t id, int space) {
    return ws->nodes[id].label == space && space >= 0 ? ws->nodes[id].parent : id;
}

static al_status check(const al_beam_ws *ws, int T, const al_alphabet *a, const al_beam_opts *o) {
    if (a->n != ws->C) return al_error(AL_ERR_INVALID, "beam: the alphabet has %d labels, the workspace %d", a->n, ws->C);
    if (T < 0 || T > ws->max_T) return al_error(AL_ERR_INVALID, "beam: %d frames, the workspace holds %d", T, ws->max_T);
    if (o->beam_width < 1 || o->beam_width > ws->beam)
        return al_error(AL_ERR_INVALID, "beam: width %d, the workspace holds 1..%d", o->beam_width, ws->beam);
    if (!(o->cutoff_prob > 0) || !isfinite(o->alpha) || o->alpha < 0 || !isfinite(o->beta))
        return al_error(AL_ERR_INVALID, "beam: bad options (cutoff_prob %g > 0, alpha %g >= 0, beta %g finite)",
                        o->cutoff_prob, o->alpha, o->beta);
    if (o->lm && a->index[' '] < 0) return al_error(AL_ERR_INVALID, "beam: an LM needs a ' ' label in the alphabet");
    return AL_OK;
}

al_status al_beam_decode(al_beam_ws *ws, const float *scores, int T, size_t stride, const al_alphabet *a,
                         const al_beam_opts *o, al_beam_result *out) {
    memset(out, 0, sizeof *out);
    al_status st = check(ws, T, a, o);
    if (st != AL_OK) return st;
    int space = a->index[' '];
    ws->free_head = -1, ws->used = 0;
    for (int c = 0; c < ws->C; c++) ws->child_of[c] = -1;
    int32_t root = node_new(ws, -1, -1);
    node *r = &ws->nodes[root];
    r->pb = 0, r->in_beam = 1, r->refs = 1, r->word_len = 0, r->spell = 0;
    if (o->lm) al_lm_begin(o->lm, &r->lm);
    ws->beam_ids[0] = root, ws->n_beam = 1;
    for (int t = 0; t < T; t++) {
        if ((st = prepare_frame(ws, scores + (size_t)t * stride, t, o)) != AL_OK) return st;
        int n_cands = 0;
        for (int i = 0; i < ws->n_beam; i++) make_cand(ws, ws->beam_ids[i], t, &n_cands);
        for (int i = 0; i < ws->n_beam; i++) extend(ws, a, o, ws->beam_ids[i], t, space, &n_cands);
        prune(ws, n_cands, o->beam_width);
    }
    /* A text's score sums its prefixes with and without a trailing space (nb: the sum, per text node). */
    for (int i = 0; i < ws->n_beam; i++) ws->nodes[text_node(ws, ws->beam_ids[i], space)].nb = -INFINITY;
    for (int i = 0; i < ws->n_beam; i++) {
        node *k = &ws->nodes[text_node(ws, ws->beam_ids[i], space)];
        k->nb = lse(k->nb, final_score(ws, a, o, ws->beam_ids[i], space));
    }
    int32_t best = -1;
    float best_score = -INFINITY;
    for (int i = 0; i < ws->n_beam; i++) {
        int32_t k = text_node(ws, ws->beam_ids[i], space);
        if (best < 0 || ws->nodes[k].nb > best_score) best = k, best_score = ws->nodes[k].nb;
    }
    int len = 0;
    for (int32_t id = best; ws->nodes[id].parent >= 0; id = ws->nodes[id].parent) len++;
    int i = len;
    for (int32_t id = best; ws->nodes[id].parent >= 0; id = ws->nodes[id].parent) {
        ws->buf[--i] = a->labels[ws->nodes[id].label];
        ws->frames[i] = ws->nodes[id].frame;
    }
    out->text = malloc((size_t)len + 1);
    out->frames = o->want_frames ? malloc(sizeof(int) * (len ? len : 1)) : NULL;
    if (!out->text || (o->want_frames && !out->frames)) {
        al_beam_result_free(out);
        return al_error(AL_ERR_NOMEM, "beam: out of memory");
    }
    memcpy(out->text, ws->buf, len);
    out->text[len] = 0;
    if (out->frames) memcpy(out->frames, ws->frames, sizeof(int) * len);
    out->score = best_score;
    return AL_OK;
}
