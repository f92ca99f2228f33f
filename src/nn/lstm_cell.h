/* The element-wise part of one LSTM step for one utterance, vectorised (internal; lstm.c).
 *
 * Usage, after gates (4H) = x W_ih^T + h_prev W_hh^T:
 *   al_lstm_cell(gates, b_ih + b_hh, c_prev, c, h, H);
 *
 * The activations run on an exp approximation (2^n times a degree-7 polynomial): sigmoid and
 * tanh within about 1e-6 relative of the exact functions. Every element goes through the same
 * operations whatever its position, so results depend only on the CPU's instruction set (FMA
 * or not), never on H or the threads. Reentrant. */
#ifndef AL_NN_LSTM_CELL_H
#define AL_NN_LSTM_CELL_H

/* gates (4H): pre-activations i, f, g, o less the bias (4H) in, sigmoid(i), sigmoid(f), tanh(g),
 * sigmoid(o) out (what backward needs); c (H) = f * c_prev + i * g; h (H) = o * tanh(c). The bias
 * is added here rather than copied into every row of gates before the products: that copy was a
 * pass over all T x N x 4H gates. c may not alias c_prev. */
void al_lstm_cell(float *gates, const float *bias, const float *c_prev, float *c, float *h, int H);

/* The activations on n floats, in place: for tests of their accuracy. */
void al_sigmoid_approx(float *v, int n);
void al_tanh_approx(float *v, int n);

#endif
