/*
 * workload_triad.c - the kernel spec of triad, the STREAM triad
 * a = b + s*c over n floats with the fixed scalar s = 3 (WL_TRIAD_S): the
 * bandwidth kernel, measured like every other kernel, beside the roofline's
 * own triad probe (which counts the same 12 bytes per element).
 *
 * Counts: 2 flops per element (a multiply and an add); bytes 12 per element
 * (b and c read once, a written once; the read-for-ownership of a is not
 * counted, as for every kernel). Every backend and peer hard-codes s = 3:
 * kernels/cpu/triad.c, kernels/opencl/triad.cl, suites/peers/peer.py.
 */
#include "workload.h"
#include "workload_int.h"

#include <string.h>

#define WL_TRIAD_S 3.0

static const char *const triad_params[] = { "n", NULL };
static const char *const triad_inputs[] = { "b", "c", NULL };

static int triad_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	size_t n;
	int rc;

	if ((rc = workload_check_params("triad", triad_params, p, err, n_err)) ||
	    (rc = workload_elems("triad", "a", (size_t)p[0], 1, &n, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 2;
	workload_set_input(out, 0, 1, &n);
	workload_set_input(out, 1, 1, &n);
	workload_set_output(out, 1, &n);
	out->flops = 2.0 * (double)n;
	out->bytes = 12.0 * (double)n;
	return 0;
}

static void triad_ref(const long *p, const float *const *in, float *out)
{
	for (size_t i = 0; i < (size_t)p[0]; i++)
		out[i] = (float)((double)in[0][i] + WL_TRIAD_S * (double)in[1][i]);
}

/* An fp32 b + 3c is within an ulp or two of the double result (one rounding
 * of 3c, one of the sum, or one with an FMA); rtol 1e-6 is ~8 ulp, and atol
 * 1e-6 of max |a| covers the elements where b and 3c cancel. */
const struct kernel_spec workload_spec_triad = {
	.name = "triad",
	.summary = "STREAM triad a = b + s*c over n floats, s = 3",
	.param_names = triad_params,
	.input_names = triad_inputs,
	.rtol = 1e-6, .atol = 1e-6,
	.plan = triad_plan,
	.reference = triad_ref,
};
