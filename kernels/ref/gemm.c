/*
 * gemm.c - reference sgemm and LoRA forward (see ref.h).
 *
 * Plain i-k-j loops with each output row accumulated in double. The only
 * concession to speed is splitting the columns into panels of REF_PANEL:
 * the accumulator lives on the stack (no allocation, so no failure) and,
 * with the panel loop outermost, the k x REF_PANEL slice of B stays in
 * cache while every row of A streams past it. Without that, validating a
 * 4096^3 sgemm would re-read all 64 MiB of B once per row.
 */
#include "ref.h"

/* acc[0..nj) += s * x[0..nj). Full panels take a loop with a constant
 * trip count, which compilers vectorise even at -O2 (no remainder loop
 * needed); it is the same arithmetic in the same order. */
static void axpy_panel(double *acc, double s, const float *x, size_t nj)
{
	if (nj == REF_PANEL) {
		for (size_t j = 0; j < REF_PANEL; j++)
			acc[j] += s * x[j];
	} else {
		for (size_t j = 0; j < nj; j++)
			acc[j] += s * x[j];
	}
}

void ref_sgemm(size_t m, size_t n, size_t k, const float *a,
	       const float *b, float *c)
{
	double acc[REF_PANEL];

	for (size_t j0 = 0; j0 < n; j0 += REF_PANEL) {
		size_t nj = n - j0 < REF_PANEL ? n - j0 : REF_PANEL;

		for (size_t i = 0; i < m; i++) {
			for (size_t j = 0; j < nj; j++)
				acc[j] = 0.0;
			for (size_t p = 0; p < k; p++)
				axpy_panel(acc, a[i * k + p], b + p * n + j0, nj);
			for (size_t j = 0; j < nj; j++)
				c[i * n + j0 + j] = (float)acc[j];
		}
	}
}

/* (x.A)[t][r] is recomputed for each column panel rather than stored, so
 * the reference needs no buffer of rank doubles; it costs in*rank per
 * token and panel, small next to the in*REF_PANEL of the main product. */
void ref_lora_forward(size_t tokens, size_t in, size_t out, size_t rank,
		      const float *x, const float *w, const float *a,
		      const float *b, float *y)
{
	double acc[REF_PANEL];

	for (size_t j0 = 0; j0 < out; j0 += REF_PANEL) {
		size_t nj = out - j0 < REF_PANEL ? out - j0 : REF_PANEL;

		for (size_t t = 0; t < tokens; t++) {
			const float *xt = x + t * in;

			for (size_t j = 0; j < nj; j++)
				acc[j] = 0.0;
			for (size_t p = 0; p < in; p++)
				axpy_panel(acc, xt[p], w + p * out + j0, nj);
			for (size_t r = 0; r < rank; r++) {
				double xa = 0.0;
				const float *br = b + r * out + j0;

				for (size_t p = 0; p < in; p++)
					xa += (double)xt[p] * a[p * rank + r];
				xa *= REF_LORA_SCALE;
				for (size_t j = 0; j < nj; j++)
					acc[j] += xa * br[j];
			}
			for (size_t j = 0; j < nj; j++)
				y[t * out + j0 + j] = (float)acc[j];
		}
	}
}
