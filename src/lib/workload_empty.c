/*
 * workload_empty.c - the kernel spec of empty, the launch floor: the least
 * work a backend can launch on its device and still be checked, y = x + 1
 * over n floats (the suite uses n = 1). Timing it measures what launching
 * and synchronising one kernel costs, the floor under every small shape.
 *
 * It is not literally empty because a kernel that writes nothing cannot be
 * validated: each element read, added to and written is the least that
 * proves the kernel ran on this iteration's inputs. The constant 1 is part
 * of the definition: kernels/cpu/empty.c, kernels/opencl/empty.cl and
 * suites/peers/peer.py write the same.
 *
 * Counts: 1 flop per element (the add); bytes 8 per element (x read, y
 * written).
 */
#include "workload.h"
#include "workload_int.h"

#include <string.h>

static const char *const empty_params[] = { "n", NULL };
static const char *const empty_inputs[] = { "x", NULL };

static int empty_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	size_t n;
	int rc;

	if ((rc = workload_check_params("empty", empty_params, p, err, n_err)) ||
	    (rc = workload_elems("empty", "y", (size_t)p[0], 1, &n, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 1;
	workload_set_input(out, 0, 1, &n);
	workload_set_output(out, 1, &n);
	out->flops = (double)n;
	out->bytes = 8.0 * (double)n;
	return 0;
}

static void empty_ref(const long *p, const float *const *in, float *out)
{
	for (size_t i = 0; i < (size_t)p[0]; i++)
		out[i] = (float)((double)in[0][i] + 1.0);
}

/* x + 1 in fp32 is one rounding of the exact sum: rtol 1e-6 (~8 ulp) and
 * atol 1e-6 of max |y| (for x near -1, where the sum cancels) pass every
 * honest implementation; a kernel that did not run leaves y = 0 or stale,
 * off by about 1. */
const struct kernel_spec workload_spec_empty = {
	.name = "empty",
	.summary = "launch floor: y = x + 1 over n floats (n = 1 in the suite)",
	.param_names = empty_params,
	.input_names = empty_inputs,
	.rtol = 1e-6, .atol = 1e-6,
	.plan = empty_plan,
	.reference = empty_ref,
};
