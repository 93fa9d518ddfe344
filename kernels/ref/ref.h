/*
 * ref.h - reference implementations of every kernel: plain, obviously
 * correct C with double accumulation.
 *
 * They define what a kernel computes: every backend's output is validated
 * against them (workload_check), and the "ref" backend times them as the
 * naive baseline. Keep them straightforward: no SIMD, no threads, no
 * blocking beyond what keeps the large sgemm sizes from taking hours.
 * Arrays are row-major and must not overlap; sizes are >= 1. None of these
 * functions allocates or fails.
 */
#ifndef MC_REF_H
#define MC_REF_H
#include <stddef.h>

/* Row softmax: y[r][j] = exp(x[r][j] - max_r) / sum_j exp(x[r][j] - max_r),
 * x and y of rows*cols floats. */
void ref_softmax(size_t rows, size_t cols, const float *x, float *y);

/* Layer norm over each row of x (rows*cols): y = (x - mean) /
 * sqrt(var + REF_NORM_EPS) * gamma + beta, var the biased (1/cols)
 * variance; gamma and beta have cols floats. */
void ref_layernorm(size_t rows, size_t cols, const float *x,
		   const float *gamma, const float *beta, float *y);

/* RMS norm over each row: y = x / sqrt(mean(x^2) + REF_NORM_EPS) * gamma. */
void ref_rmsnorm(size_t rows, size_t cols, const float *x,
		 const float *gamma, float *y);

/* C[m x n] = A[m x k] . B[k x n]. */
void ref_sgemm(size_t m, size_t n, size_t k, const float *a,
	       const float *b, float *c);

/* LoRA forward for tokens rows of x[tokens x in]:
 * y = x.W + (x.A).B * (alpha / rank) with alpha = 2 * rank, i.e. a fixed
 * scale of 2; W is in x out, A is in x rank, B is rank x out. */
void ref_lora_forward(size_t tokens, size_t in, size_t out, size_t rank,
		      const float *x, const float *w, const float *a,
		      const float *b, float *y);

/* Epsilon inside the square root of both norms. */
#define REF_NORM_EPS 1e-5

/* LoRA scale alpha / rank with alpha = 2 * rank. */
#define REF_LORA_SCALE 2.0

/* Width of the column panels of ref_sgemm and ref_lora_forward (doubles
 * accumulated on the stack). */
#define REF_PANEL 256

#endif
