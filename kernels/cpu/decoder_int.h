/*
 * decoder_int.h - the pieces of the cpu decoder kernels (decoder.c) that
 * the decoding kernels (decode.c) and the BERT encoder (bert.c) reuse.
 * Private to kernels/cpu/decode*.c, decoder.c and bert.c. Arrays row-major, not overlapping; nothing allocates or
 * fails.
 */
#ifndef MC_CPU_DECODER_INT_H
#define MC_CPU_DECODER_INT_H
#include <stddef.h>
#include "ref/decoder.h"

/* cos and sin of p * base^(-2i/hd) for p < seq, i < hd/2: tab[p][i] and
 * tab[p][hd/2 + i] (seq * hd floats). */
void cpu_dec_rope_table(size_t seq, size_t hd, float *tab);
/* RoPE of one head vector v[0..hd) in place with its position's row cs of
 * the table. */
void cpu_dec_rope_row(float *restrict v, const float *restrict cs, size_t hd);
/* row[0..n) = exp(row - max row[0..n)) in place, row[n..width) = 0 (masked
 * keys); returns the sum, which a softmax divides by (or, for attention,
 * the rows of its product with the values: D divisions a row, not n). */
float cpu_dec_masked_exp(float *row, size_t n, size_t width);
/* Softmax of row[0..n) in place; row[n..width) = 0 (masked keys). */
void cpu_dec_masked_softmax(float *row, size_t n, size_t width);
/* RMS norm (eps REF_DEC_EPS) of each row of x [rows x cols], times g. */
void cpu_dec_rmsnorm(size_t rows, size_t cols, const float *x,
		     const float *g, float *y);
/* y [rows x cols] = x [rows x k] . w [k x cols] (+ bias, when not NULL,
 * in every row), one cblas_sgemm (cblas_sgemv for one row). */
void cpu_dec_linear(size_t rows, size_t cols, size_t k, const float *x,
		    const float *w, const float *bias, float *y);
/* The MLP of x [s->seq x hidden] into y; work holds 2 seq mlp floats. */
void cpu_dec_mlp(const struct dec_shape *s, const float *x,
		 const struct dec_mlp_w *w, float *work, float *y);

#endif
