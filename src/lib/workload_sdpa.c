/*
 * workload_sdpa.c - the kernel specs of scaled dot-product attention alone
 * (no projections): the plan's attention microbenchmark on (1024, 1024)
 * tensors, that is q, k, v of seq 1024 x (heads x head_dim) 1024; sdpa
 * sees every key, sdpa_causal the keys up to its query's position.
 *
 *   parameters: seq, heads, kv_heads, head_dim
 *   inputs:     q [1 x heads x seq x hd], k, v [1 x kv_heads x seq x hd]
 *               (head-major, as SDPA takes them)
 *   output:     [1 x heads x seq x hd]:
 *               o_h = softmax(q_h k_g^T / sqrt(hd) [+ causal mask]) v_g,
 *               with the mask for sdpa_causal,
 *               g = h / (heads / kv_heads)
 *
 * q is the seeded floats times 4 (finish_inputs), so that the scores
 * spread over a few units and the softmax has a shape (with q and k in
 * [-1, 1) and hd 64 the scores' deviation would be 0.33 and every row
 * nearly uniform, which would hide a wrong key).
 *
 * Counts: 2 hd per (query, key) pair for the scores, 2 hd for the values,
 * 5 for the softmax (max, subtract, exp, sum, divide), over seq^2 pairs or
 * seq (seq + 1) / 2 causal. Bytes: q, k, v read once, the output written.
 *
 * Tolerance: fp32 dot products of hd terms, a softmax over seq keys and a
 * weighted sum of seq values, in an order each side chooses: rtol 1e-3,
 * atol 2e-4 of max |o|, the attention sublayer's.
 */
#include "workload.h"
#include "workload_int.h"
#include "err.h"
#include "ref/decoder.h"

#include <math.h>
#include <string.h>

static const char *const sdpa_params[] = {
	"seq", "heads", "kv_heads", "head_dim", NULL
};
static const char *const sdpa_inputs[] = { "q", "k", "v", NULL };

static int plan(const char *kernel, int causal, const long *p,
		struct workload_plan *out, char *err, size_t n_err)
{
	size_t S = (size_t)p[0], H = (size_t)p[1], KV = (size_t)p[2];
	size_t D = (size_t)p[3], nq, nkv;
	double pairs;
	int rc;

	if ((rc = workload_check_params(kernel, sdpa_params, p, err, n_err)))
		return rc;
	if (H % KV != 0 || D > REF_DEC_MAX_HD)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: heads (%zu) must be a multiple of kv_heads "
			       "(%zu), and head_dim (%zu) at most %d.", kernel, H,
			       KV, D, REF_DEC_MAX_HD);
	if ((rc = workload_elems(kernel, "q", H * S, D, &nq, err, n_err)) ||
	    (rc = workload_elems(kernel, "k", KV * S, D, &nkv, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 3;
	workload_set_input(out, 0, 4, (const size_t[]){ 1, H, S, D });
	workload_set_input(out, 1, 4, (const size_t[]){ 1, KV, S, D });
	workload_set_input(out, 2, 4, (const size_t[]){ 1, KV, S, D });
	workload_set_output(out, 4, (const size_t[]){ 1, H, S, D });
	pairs = causal ? (double)S * (double)(S + 1) / 2 : (double)S * (double)S;
	out->flops = pairs * (double)H * (4.0 * (double)D + 5.0);
	out->bytes = 4.0 * (2.0 * (double)nq + 2.0 * (double)nkv);
	return 0;
}

static void ref(int causal, const long *p, const float *const *in,
		float *out)
{
	size_t S = (size_t)p[0], H = (size_t)p[1], KV = (size_t)p[2];
	size_t D = (size_t)p[3], group = H / KV;
	double scale = 1.0 / sqrt((double)D);

	for (size_t h = 0; h < H; h++) {
		const float *K = in[1] + (h / group) * S * D;
		const float *V = in[2] + (h / group) * S * D;

		for (size_t i = 0; i < S; i++) {
			const float *q = in[0] + (h * S + i) * D;
			size_t last = causal ? i + 1 : S;
			double m = -INFINITY, z = 0.0, acc[REF_DEC_MAX_HD];

			/* two passes (max, then sum and values): no score row
			 * to allocate, so nothing can fail */
			for (size_t j = 0; j < last; j++) {
				double d = 0.0;

				for (size_t c = 0; c < D; c++)
					d += (double)q[c] * K[j * D + c];
				if (d * scale > m)
					m = d * scale;
			}
			for (size_t c = 0; c < D; c++)
				acc[c] = 0.0;
			for (size_t j = 0; j < last; j++) {
				double d = 0.0, e;

				for (size_t c = 0; c < D; c++)
					d += (double)q[c] * K[j * D + c];
				e = exp(d * scale - m);
				z += e;
				for (size_t c = 0; c < D; c++)
					acc[c] += e * V[j * D + c];
			}
			for (size_t c = 0; c < D; c++)
				out[(h * S + i) * D + c] = (float)(acc[c] / z);
		}
	}
}

static int sdpa_plan(const long *p, struct workload_plan *out, char *err,
		     size_t n_err)
{
	return plan("sdpa", 0, p, out, err, n_err);
}

static int causal_plan(const long *p, struct workload_plan *out, char *err,
		       size_t n_err)
{
	return plan("sdpa_causal", 1, p, out, err, n_err);
}

static void sdpa_ref(const long *p, const float *const *in, float *out)
{
	ref(0, p, in, out);
}

static void causal_ref(const long *p, const float *const *in, float *out)
{
	ref(1, p, in, out);
}

static int sdpa_finish(const long *p, float *const *in, char *err, size_t n)
{
	size_t len = (size_t)(p[1] * p[0] * p[3]);

	(void)err;
	(void)n;
	for (size_t i = 0; i < len; i++)
		in[0][i] *= 4.0f;
	return 0;
}

const struct kernel_spec workload_spec_sdpa = {
	.name = "sdpa",
	.summary = "scaled dot-product attention of q, k, v "
		   "[heads x seq x head_dim] (GQA), every key",
	.param_names = sdpa_params,
	.input_names = sdpa_inputs,
	.rtol = 1e-3, .atol = 2e-4,
	.plan = sdpa_plan,
	.reference = sdpa_ref,
	.finish_inputs = sdpa_finish,
};

const struct kernel_spec workload_spec_sdpa_causal = {
	.name = "sdpa_causal",
	.summary = "causal scaled dot-product attention of q, k, v "
		   "[heads x seq x head_dim] (GQA)",
	.param_names = sdpa_params,
	.input_names = sdpa_inputs,
	.rtol = 1e-3, .atol = 2e-4,
	.plan = causal_plan,
	.reference = causal_ref,
	.finish_inputs = sdpa_finish,
};
