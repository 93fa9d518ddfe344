/*
 * triad.c - the STREAM triad a = b + s*c (s = 3, see
 * src/lib/workload_triad.c) on the CPU: one pass, vectorised by the
 * compiler, split over OpenMP threads once the arrays are large enough to
 * pay for the fork. Plain stores: the write-allocate traffic they cost
 * beyond the last-level cache is part of what this kernel measures.
 */
#include "cpu.h"

/* Below this many elements (768 KiB of traffic) one thread is faster. */
#define CPU_TRIAD_THREADS_MIN 65536

static void triad_run(const size_t *p, float *const *in, float *out,
		      float *scratch)
{
	const float *restrict b = in[0], *restrict c = in[1];
	float *restrict a = out;
	long n = (long)p[0];

	(void)scratch;
#pragma omp parallel for schedule(static) if (n >= CPU_TRIAD_THREADS_MIN)
	for (long i = 0; i < n; i++)
		a[i] = b[i] + 3.0f * c[i];
}

const struct cpu_kernel cpu_kernel_triad = {
	.name = "triad", .run = triad_run,
};
