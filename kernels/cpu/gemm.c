/*
 * gemm.c - sgemm and LoRA forward on the CPU through OpenBLAS (cblas),
 * which brings its own tuned micro-kernels and threads.
 */
#include "cpu.h"
#include "ref/ref.h"

#include <cblas.h>

/* OpenBLAS takes int dimensions; workload plans keep every dimension and
 * buffer below INT_MAX elements, so the casts are exact. */
void cpu_sgemm(size_t m, size_t n, size_t k, const float *a,
	       const float *b, float *c)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n,
		    (int)k, 1.0f, a, (int)k, b, (int)n, 0.0f, c, (int)n);
}

/* The 2*T*out flops of scale-and-add ride on the last call's alpha/beta. */
void cpu_lora_forward(size_t tokens, size_t in, size_t out, size_t rank,
		      const float *x, const float *w, const float *a,
		      const float *b, float *scratch, float *y)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)tokens,
		    (int)out, (int)in, 1.0f, x, (int)in, w, (int)out, 0.0f,
		    y, (int)out);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)tokens,
		    (int)rank, (int)in, 1.0f, x, (int)in, a, (int)rank, 0.0f,
		    scratch, (int)rank);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)tokens,
		    (int)out, (int)rank, (float)REF_LORA_SCALE, scratch,
		    (int)rank, b, (int)out, 1.0f, y, (int)out);
}

/* ------------------------------------------------------ the backend's rows */

static void sgemm_run(const size_t *p, float *const *in, float *out,
		      float *scratch)
{
	(void)scratch;
	cpu_sgemm(p[0], p[1], p[2], in[0], in[1], out);
}

/* batch, seq, in, out, rank: x.A, tokens x rank */
static size_t lora_scratch(const size_t *p)
{
	return p[0] * p[1] * p[4];
}

static void lora_run(const size_t *p, float *const *in, float *out,
		     float *scratch)
{
	cpu_lora_forward(p[0] * p[1], p[2], p[3], p[4], in[0], in[1], in[2],
			 in[3], scratch, out);
}

const struct cpu_kernel cpu_kernel_sgemm = {
	.name = "sgemm", .run = sgemm_run,
};
const struct cpu_kernel cpu_kernel_lora_forward = {
	.name = "lora_forward", .scratch_floats = lora_scratch, .run = lora_run,
};
