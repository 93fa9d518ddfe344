/*
 * empty.c - the launch-floor kernel y = x + 1 (src/lib/workload_empty.c)
 * on the CPU: a plain loop, never threaded, since what it measures is the
 * cost of one call with (almost) nothing in it.
 */
#include "cpu.h"

static void empty_run(const size_t *p, float *const *in, float *out,
		      float *scratch)
{
	const float *restrict x = in[0];
	float *restrict y = out;

	(void)scratch;
	for (size_t i = 0; i < p[0]; i++)
		y[i] = x[i] + 1.0f;
}

const struct cpu_kernel cpu_kernel_empty = {
	.name = "empty", .run = empty_run,
};
