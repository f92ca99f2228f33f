/* audiolottery losses: CTC (Graves et al. 2006) over a batch, in log space.
 *
 * Usage:
 *   al_ctc_workspace *ws;
 *   al_ctc_workspace_new(T_max, L_max, B, &ws);            // once, outside the training loop
 *   al_ctc_loss(ws, logits, T_max, B, C, input_lengths, targets, target_lengths, blank,
 *               losses, grad);                              // grad may be NULL
 *   al_ctc_workspace_free(ws);
 *
 * Layout: logits and grad are time-major (T_max, B, C), as PyTorch's nn.CTCLoss takes its input.
 * The loss applies log-softmax itself (like warp-ctc), so logits are unnormalised scores and grad
 * is d loss_b / d logits: softmax - posterior label occupancy, zero past each input length.
 * targets holds the B label sequences one after another (lengths in target_lengths), without
 * blanks. losses[b] = -log p(target_b | x_b) in double precision; an impossible alignment
 * (input too short for the target) gives +infinity and a zero gradient for that utterance.
 *
 * Thread-safety: a workspace belongs to one call at a time; the call parallelises over the batch
 * with OpenMP.
 */
#ifndef AUDIOLOTTERY_LOSS_H
#define AUDIOLOTTERY_LOSS_H

#include "audiolottery/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct al_ctc_workspace al_ctc_workspace;

/* Sized for up to T_max frames, L_max target labels per utterance and B utterances. */
al_status al_ctc_workspace_new(int T_max, int L_max, int B, al_ctc_workspace **out);
void al_ctc_workspace_free(al_ctc_workspace *ws);

al_status al_ctc_loss(al_ctc_workspace *ws, const float *logits, int T_max, int B, int C, const int *input_lengths,
                      const int *targets, const int *target_lengths, int blank, double *losses, float *grad);

#ifdef __cplusplus
}
#endif
#endif
