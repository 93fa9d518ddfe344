/*
 * workload_sample.c - the kernel specs of token sampling: one draw from a
 * row of logits under greedy, top-k, top-p (p = 0.9) and temperature
 * (T = 0.7) sampling, the rules of kernels/ref/sample.h.
 *
 *   parameters: vocab (and k for sample_top_k)
 *   inputs:     logits [vocab], u [1] (the draw, in [0, 1))
 *   output:     [1], the token index as a float (exact below 2^24)
 *
 * The inputs are finished once, in workload_create, and every side gets
 * the same bytes:
 *  - logits: 2 G_i with G_i = -log(-log(w_i)) a Gumbel variate of
 *    w_i = (x_i + 1) / 2 + 2^-25 in (0, 1) (x_i the seeded float): the
 *    largest of many Gumbel logits stand apart from the rest as a language
 *    model's do (the most likely token carries about half of the mass at
 *    temperature 1, top-p keeps a handful), unlike uniform logits, whose
 *    top thousands are nearly equal. Equal logits after rounding to float
 *    are moved apart by an ulp each (the rules still say how ties break;
 *    test_sample checks that on ref and cpu), because neither torch.topk
 *    nor mlx's argpartition and argsort define the order of ties.
 *  - u: (x_u + 1) / 2, then moved to the middle of the bucket of the token
 *    it draws under the reference rule. The token is the one the seeded
 *    draw picks, so its distribution over seeds is the rule's; the middle
 *    keeps the pick from depending on how a side rounds its cumulative
 *    sums (an fp32 cumsum of 151936 terms can be off by ~1e-5 of the
 *    total, wider than a tail token's bucket).
 *
 * Counts (an exp, a compare counted as one flop): greedy V compares;
 * top-k V compares and 4 per kept token; top-p 4 per token (max, subtract,
 * exp, sum; a sort's compares are not counted); temperature 5 per token
 * (max, subtract, scale, exp, sum). Bytes: the logits and u read once, the
 * token written once.
 *
 * Tolerance: none (rtol = atol = 0): the token must be the reference's.
 */
#include "workload.h"
#include "workload_int.h"
#include "err.h"
#include "ref/sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const sample_vocab[] = { "vocab", NULL };
static const char *const sample_vocab_k[] = { "vocab", "k", NULL };
static const char *const sample_inputs[] = { "logits", "u", NULL };

static int sample_plan(const char *kernel, const char *const *names,
		       double flops_per_token, double flops_per_kept,
		       const long *p, struct workload_plan *out,
		       char *err, size_t n_err)
{
	size_t v, one = 1;
	int rc;

	if ((rc = workload_check_params(kernel, names, p, err, n_err)) ||
	    (rc = workload_elems(kernel, "logits", (size_t)p[0], 1, &v, err, n_err)))
		return rc;
	if (v >= (1u << 24))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: vocab %zu is not below 2^24, so a token "
			       "index would not be exact as a float.", kernel, v);
	memset(out, 0, sizeof(*out));
	out->n_inputs = 2;
	workload_set_input(out, 0, 1, &v);
	workload_set_input(out, 1, 1, &one);
	workload_set_output(out, 1, &one);
	out->flops = flops_per_token * (double)v +
		     (names[1] ? flops_per_kept * (double)p[1] : 0.0);
	out->bytes = 4.0 * ((double)v + 2.0);
	return 0;
}

static int greedy_plan(const long *p, struct workload_plan *out,
		       char *err, size_t n_err)
{
	return sample_plan("sample_greedy", sample_vocab, 1, 0, p, out, err, n_err);
}

static int top_k_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	return sample_plan("sample_top_k", sample_vocab_k, 1, 4, p, out, err, n_err);
}

static int top_p_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	return sample_plan("sample_top_p", sample_vocab, 4, 0, p, out, err, n_err);
}

static int temperature_plan(const long *p, struct workload_plan *out,
			    char *err, size_t n_err)
{
	return sample_plan("sample_temperature", sample_vocab, 5, 0, p, out,
			   err, n_err);
}

/* The reference cannot fail by its interface: when ref_sample cannot
 * allocate, the output is NaN, which validation reports. */
static void sample_ref(enum ref_sample_rule rule, const long *p,
		       const float *const *in, float *out)
{
	struct ref_sample_pick pick;
	size_t k = rule == REF_SAMPLE_TOP_K ? (size_t)p[1] : 0;

	if (ref_sample(rule, (size_t)p[0], k, in[0], in[1][0], &pick))
		out[0] = NAN;
	else
		out[0] = (float)pick.token;
}

static void greedy_ref(const long *p, const float *const *in, float *out)
{
	sample_ref(REF_SAMPLE_GREEDY, p, in, out);
}

static void top_k_ref(const long *p, const float *const *in, float *out)
{
	sample_ref(REF_SAMPLE_TOP_K, p, in, out);
}

static void top_p_ref(const long *p, const float *const *in, float *out)
{
	sample_ref(REF_SAMPLE_TOP_P, p, in, out);
}

static void temperature_ref(const long *p, const float *const *in, float *out)
{
	sample_ref(REF_SAMPLE_TEMPERATURE, p, in, out);
}

/* Gumbel logits without ties, and u in the middle of its bucket (see the
 * top of the file). */
static int sample_finish(enum ref_sample_rule rule, const long *p,
			 float *const *in, char *err, size_t n_err)
{
	size_t v = (size_t)p[0], k = rule == REF_SAMPLE_TOP_K ? (size_t)p[1] : 0;
	float *l = in[0];
	size_t *order = malloc(v * sizeof(*order));
	struct ref_sample_pick pick;
	double mid;

	if (!order)
		return err_set(err, n_err, MC_ENOMEM,
			       "sampling: out of memory ordering %zu logits.", v);
	for (size_t i = 0; i < v; i++) {
		double w = ((double)l[i] + 1.0) * 0.5 + 0x1p-25;

		l[i] = (float)(-2.0 * log(-log(w)));
	}
	if (ref_sample_order(v, l, order)) {
		free(order);
		return err_set(err, n_err, MC_ENOMEM,
			       "sampling: out of memory ordering %zu logits.", v);
	}
	for (size_t j = 1; j < v; j++)
		if (l[order[j]] >= l[order[j - 1]])
			l[order[j]] = nextafterf(l[order[j - 1]], -INFINITY);
	free(order);
	if (ref_sample(rule, v, k, l, ((double)in[1][0] + 1.0) * 0.5, &pick))
		return err_set(err, n_err, MC_ENOMEM,
			       "sampling: out of memory drawing from %zu logits.", v);
	mid = 0.5 * (pick.lo + pick.hi);
	in[1][0] = (float)mid;
	return 0;
}

static int greedy_finish(const long *p, float *const *in, char *err, size_t n)
{
	return sample_finish(REF_SAMPLE_GREEDY, p, in, err, n);
}

static int top_k_finish(const long *p, float *const *in, char *err, size_t n)
{
	return sample_finish(REF_SAMPLE_TOP_K, p, in, err, n);
}

static int top_p_finish(const long *p, float *const *in, char *err, size_t n)
{
	return sample_finish(REF_SAMPLE_TOP_P, p, in, err, n);
}

static int temperature_finish(const long *p, float *const *in, char *err,
			      size_t n)
{
	return sample_finish(REF_SAMPLE_TEMPERATURE, p, in, err, n);
}

const struct kernel_spec workload_spec_sample_greedy = {
	.name = "sample_greedy",
	.summary = "greedy sampling: the first index of the largest logit",
	.param_names = sample_vocab,
	.input_names = sample_inputs,
	.plan = greedy_plan,
	.reference = greedy_ref,
	.finish_inputs = greedy_finish,
};

const struct kernel_spec workload_spec_sample_top_k = {
	.name = "sample_top_k",
	.summary = "top-k sampling: one draw from the k largest logits' softmax",
	.param_names = sample_vocab_k,
	.input_names = sample_inputs,
	.plan = top_k_plan,
	.reference = top_k_ref,
	.finish_inputs = top_k_finish,
};

const struct kernel_spec workload_spec_sample_top_p = {
	.name = "sample_top_p",
	.summary = "top-p (p = 0.9) sampling: one draw from the smallest prefix "
		   "holding 0.9 of the mass",
	.param_names = sample_vocab,
	.input_names = sample_inputs,
	.plan = top_p_plan,
	.reference = top_p_ref,
	.finish_inputs = top_p_finish,
};

const struct kernel_spec workload_spec_sample_temperature = {
	.name = "sample_temperature",
	.summary = "temperature (T = 0.7) sampling: one draw from softmax(l / T)",
	.param_names = sample_vocab,
	.input_names = sample_inputs,
	.plan = temperature_plan,
	.reference = temperature_ref,
	.finish_inputs = temperature_finish,
};
