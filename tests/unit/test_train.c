/*
 * test_train.c - unit tests of the LoRA training kernels (lora_backward,
 * adamw_step, training_step): their plans and plan errors, the class of a
 * target, the reference gradients against central finite differences of
 * the reference loss, one AdamW element worked by hand, and the cpu
 * kernels (SIMD and scalar paths, one and several threads) against the
 * reference on small odd shapes and on the suites' shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "err.h"
#include "workload.h"
#include "workload_train.h"
#include "cpu/cpu.h"
#include "cpu/train.h"
#include "ref/ref.h"
#include "ref/train.h"

static struct workload *make(const char *kernel, const long *params,
			     uint64_t seed)
{
	struct workload *w = NULL;
	char err[MC_ERRLEN] = "";

	assert_non_null(workload_find(kernel));
	if (workload_create(workload_find(kernel), params, seed, &w, err,
			    sizeof(err)))
		fail_msg("%s: %s", kernel, err);
	return w;
}

/* ------------------------------------------------------------ plans */

static void test_registered(void **state)
{
	(void)state;
	assert_ptr_equal(workload_find("lora_backward"), &workload_spec_lora_backward);
	assert_ptr_equal(workload_find("adamw_step"), &workload_spec_adamw_step);
	assert_ptr_equal(workload_find("training_step"), &workload_spec_training_step);
	assert_int_equal(workload_param_index(&workload_spec_training_step, "rank"), 4);
	assert_int_equal(workload_param_index(&workload_spec_adamw_step, "cols"), 1);
	assert_string_equal(workload_spec_lora_backward.input_names[4], "targets");
	assert_null(workload_spec_lora_backward.input_names[5]);
	assert_string_equal(workload_spec_adamw_step.input_names[3], "v");
}

static void test_plan_counts(void **state)
{
	/* T = 6 tokens, in 16, out 8, rank 4 */
	const long lora[] = { 2, 3, 16, 8, 4 }, adam[] = { 3, 5 };
	const double t = 6, in = 16, out = 8, r = 4;
	double bw_flops = 2 * t * in * out + 4 * t * in * r + 6 * t * r * out +
			  9 * t * out + in * r + r * out;
	struct workload_plan p;
	char err[MC_ERRLEN] = "";

	(void)state;
	assert_int_equal(workload_spec_lora_backward.plan(lora, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 5);
	assert_int_equal(p.input_len[0], 6 * 16);
	assert_int_equal(p.input_len[1], 16 * 8);
	assert_int_equal(p.input_len[2], 16 * 4);
	assert_int_equal(p.input_len[3], 4 * 8);
	assert_int_equal(p.input_len[4], 6);
	assert_int_equal(p.output_len, 16 * 4 + 4 * 8);
	assert_true(p.flops == bw_flops);
	assert_true(p.bytes == 4.0 * (96 + 128 + 64 + 32 + 6 + 64 + 32));

	assert_int_equal(workload_spec_training_step.plan(lora, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 5);
	assert_int_equal(p.output_len, 16 * 4 + 4 * 8);
	assert_true(p.flops == bw_flops + 16.0 * (64 + 32));
	assert_true(p.bytes == 4.0 * (96 + 128 + 64 + 32 + 6 + 64 + 32));

	assert_int_equal(workload_spec_adamw_step.plan(adam, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p.input_len[i], 15);
	assert_int_equal(p.output_len, 45);
	assert_true(p.flops == 17.0 * 15);
	assert_true(p.bytes == 7.0 * 4 * 15);
}

static void test_plan_errors(void **state)
{
	const long zero_rank[] = { 1, 1, 8, 8, 0 }, neg_seq[] = { 2, -1, 8, 8, 2 };
	const long big_tokens[] = { 1L << 20, 1L << 20, 8, 8, 2 };
	const long big_w[] = { 1, 1, 1L << 16, 1L << 16, 2 };
	const long adam_zero[] = { 0, 4 }, adam_big[] = { 1L << 16, 1L << 14 };
	struct workload *w = (struct workload *)1;
	char err[MC_ERRLEN] = "";

	(void)state;
	assert_int_equal(workload_create(&workload_spec_lora_backward, zero_rank,
					 1, &w, err, sizeof(err)), MC_EINVAL);
	assert_null(w);
	assert_non_null(strstr(err, "lora_backward"));
	assert_non_null(strstr(err, "rank"));
	assert_non_null(strstr(err, "got 0"));

	assert_int_equal(workload_create(&workload_spec_training_step, neg_seq,
					 1, &w, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "training_step"));
	assert_non_null(strstr(err, "seq"));
	assert_non_null(strstr(err, "-1"));

	/* 2^40 tokens, and a 2^32-element W: refused before allocating */
	assert_int_equal(workload_create(&workload_spec_lora_backward, big_tokens,
					 1, &w, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "token count"));
	assert_int_equal(workload_create(&workload_spec_training_step, big_w,
					 1, &w, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "W would hold"));

	assert_int_equal(workload_create(&workload_spec_adamw_step, adam_zero,
					 1, &w, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "rows"));
	/* 2^30 elements fit one buffer, but not the 3 x 2^30 output */
	assert_int_equal(workload_create(&workload_spec_adamw_step, adam_big,
					 1, &w, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "[param | m | v]"));
	assert_null(w);
}

static void test_class(void **state)
{
	(void)state;
	assert_int_equal(ref_lora_class(-1.0f, 5), 0);
	assert_int_equal(ref_lora_class(0.0f, 5), 2);          /* floor(2.5) */
	assert_int_equal(ref_lora_class(-0.5f, 5), 1);         /* floor(1.25) */
	/* -0.6f is -0.600000024: floor(0.99999994) */
	assert_int_equal(ref_lora_class(-0.6f, 5), 0);
	assert_int_equal(ref_lora_class(0.99999994f, 5), 4);
	assert_int_equal(ref_lora_class(1.0f, 5), 4);          /* clamped */
	assert_int_equal(ref_lora_class(0.5f, 1), 0);
	assert_int_equal(ref_lora_class(0.5f, 512), 384);
}

/* ---------------------------------------------------- the gradients */

/* Central differences of the double reference loss at a few entries of
 * A and B against the reference and cpu gradients. The step is exact: the
 * difference of the two perturbed fp32 values, not the nominal h. The
 * relative error is taken against max(|fd|, 1e-3 max |grad|) so that an
 * entry that happens to be near zero does not need 1e-2 of nothing. */
static void test_gradients_finite_differences(void **state)
{
	const long params[] = { 1, 3, 8, 5, 2 };
	const size_t t = 3, in = 8, out = 5, r = 2, na = in * r, nb = r * out;
	struct workload *w = make("lora_backward", params, 7);
	float *x = w->inputs[0], *wt = w->inputs[1], *a = w->inputs[2];
	float *b = w->inputs[3], *tg = w->inputs[4];
	double *work = malloc(ref_lora_grad_work(in, out, r) * sizeof(double));
	float *cw = malloc(cpu_lora_backward_work(t, out, r) * sizeof(float));
	float ref[16 + 10], cpu[16 + 10];
	double gmax = 0;
	uint64_t rng = 12345;

	(void)state;
	assert_non_null(work);
	assert_non_null(cw);
	workload_spec_lora_backward.reference(w->params,
					       (const float *const *)w->inputs, ref);
	cpu_lora_backward(t, in, out, r, x, wt, a, b, tg, cw, cpu, cpu + na);
	for (size_t i = 0; i < na + nb; i++)
		gmax = fmax(gmax, fabs(ref[i]));
	assert_true(gmax > 1e-3);
	for (int k = 0; k < 12; k++) {
		/* six entries of dA, then six of dB, chosen by an LCG */
		size_t i;
		float *v, save;
		double lp, lm, fd, h = 1e-3, rel_ref, rel_cpu, denom;

		rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
		i = k < 6 ? (size_t)(rng >> 33) % na : na + (size_t)(rng >> 33) % nb;
		v = i < na ? &a[i] : &b[i - na];
		save = *v;
		*v = (float)(save + h);
		lp = ref_lora_loss(t, in, out, r, x, wt, a, b, tg, work);
		h = *v;
		*v = (float)(save - 1e-3);
		lm = ref_lora_loss(t, in, out, r, x, wt, a, b, tg, work);
		h -= *v;
		*v = save;
		fd = (lp - lm) / h;
		denom = fmax(fabs(fd), 1e-3 * gmax);
		rel_ref = fabs(ref[i] - fd) / denom;
		rel_cpu = fabs(cpu[i] - fd) / denom;
		print_message("d%s[%zu]: fd %.8g ref %.8g cpu %.8g (rel %.2g, %.2g)\n",
			      i < na ? "A" : "B", i < na ? i : i - na, fd,
			      (double)ref[i], (double)cpu[i], rel_ref, rel_cpu);
		assert_true(rel_ref < 1e-2);
		assert_true(rel_cpu < 1e-2);
	}
	free(cw);
	free(work);
	workload_destroy(w);
}

/* A fixed case: with out = 1 the softmax is 1 at the only class, so every
 * gradient is exactly zero and a training step is pure weight decay. */
static void test_one_class(void **state)
{
	const long params[] = { 1, 2, 3, 1, 1 };
	struct workload *w = make("training_step", params, 3);
	float got[3 + 1];

	(void)state;
	workload_spec_lora_backward.reference(w->params,
					       (const float *const *)w->inputs, got);
	for (int i = 0; i < 4; i++)
		assert_true(got[i] == 0.0f);
	workload_spec_training_step.reference(w->params,
					       (const float *const *)w->inputs, got);
	for (int i = 0; i < 4; i++) {
		float p = i < 3 ? w->inputs[2][i] : w->inputs[3][0];

		assert_true(got[i] == (float)(p - 1e-4 * 0.01 * p));
	}
	workload_destroy(w);
}

/* ------------------------------------------------------------ AdamW */

/* p = 0.5, g = 0.25, m = -0.125, v_seed = 0.375 so v = 0.140625:
 * m' = 0.9 (-0.125) + 0.1 (0.25) = -0.0875
 * v' = 0.999 (0.140625) + 0.001 (0.0625) = 0.140546875
 * m_hat = -0.875, v_hat = 140.546875, sqrt(v_hat) = 11.855246...
 * p' = 0.5 - 1e-4 (0.01) (0.5) - 1e-4 (-0.875 / 11.855246) = 0.50000688070 */
static void test_adamw_by_hand(void **state)
{
	const float p = 0.5f, g = 0.25f, m = -0.125f, v = 0.375f;
	float out[3];

	(void)state;
	ref_adamw_step(1, &p, &g, &m, &v, &out[0], &out[1], &out[2]);
	assert_float_equal(out[0], 0.50000688070, 1e-7);
	assert_float_equal(out[1], -0.0875, 1e-9);
	assert_float_equal(out[2], 0.140546875, 1e-9);
	for (int simd = 1; simd >= 0; simd--) {
		float got[3];

		cpu_force_scalar(!simd);
		cpu_adamw_step(1, &p, &g, &m, &v, &got[0], &got[1], &got[2]);
		assert_float_equal(got[0], 0.50000688070, 1e-7);
		assert_float_equal(got[1], -0.0875, 1e-8);
		assert_float_equal(got[2], 0.140546875, 1e-8);
	}
	cpu_force_scalar(0);
}

/* ------------------------------------------------------ cpu vs ref */

/* Runs kernel at params through be and validates against the reference
 * with the spec's tolerances; returns max error / (atol * max |ref|), the
 * fraction of the tolerance used. */
static double check_backend(struct backend *be, const char *kernel,
			    const long *params, uint64_t seed)
{
	const struct kernel_spec *spec = workload_find(kernel);
	struct workload *w = make(kernel, params, seed);
	void *st = NULL;
	float *ref, *got;
	double dev_ns = 0, max_abs, max_rel, scale = 0;
	char err[MC_ERRLEN] = "", name[160];
	int rc;

	workload_name(w, name, sizeof(name));
	ref = malloc(w->plan.output_len * sizeof(float));
	got = malloc(w->plan.output_len * sizeof(float));
	assert_non_null(ref);
	assert_non_null(got);
	spec->reference(w->params, (const float *const *)w->inputs, ref);
	assert_true(be->ops->supports(be, kernel));
	assert_int_equal(be->ops->prepare(be, w, "", &st, err, sizeof(err)), 0);
	assert_int_equal(be->ops->run(be, st, 2, &dev_ns, err, sizeof(err)), 0);
	assert_int_equal(be->ops->output(be, st, got, err, sizeof(err)), 0);
	rc = workload_check(ref, got, w->plan.output_len, spec->rtol, spec->atol,
			    &max_abs, &max_rel, err, sizeof(err));
	if (rc)
		print_error("%s on %s: %s\n", be->name, name, err);
	assert_int_equal(rc, 0);
	for (size_t i = 0; i < w->plan.output_len; i++)
		scale = fmax(scale, fabs(ref[i]));
	be->ops->release(be, st);
	free(ref);
	free(got);
	workload_destroy(w);
	return scale > 0 ? max_abs / (spec->atol * scale) : 0;
}

static struct backend *discover_one(const struct backend_family *f)
{
	struct backend *out[4];
	size_t n = 0;
	char err[MC_ERRLEN] = "";

	assert_int_equal(f->discover(out, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	return out[0];
}

static const long lora_odd[] = { 2, 3, 65, 33, 5 }, lora_odd2[] = { 3, 5, 17, 7, 3 };
static const long lora_one[] = { 1, 1, 1, 1, 1 }, lora_wide[] = { 1, 7, 9, 1003, 1 };
static const long adam_odd[] = { 3, 1001 }, adam_one[] = { 1, 1 };
/* 67591 elements: over the threading threshold, with a vector tail */
static const long adam_threaded[] = { 257, 263 };

static void check_all(struct backend *be)
{
	static const char *const lora_kernels[] = { "lora_backward", "training_step" };

	for (int k = 0; k < 2; k++) {
		check_backend(be, lora_kernels[k], lora_odd, 11);
		check_backend(be, lora_kernels[k], lora_odd2, 12);
		check_backend(be, lora_kernels[k], lora_one, 13);
		check_backend(be, lora_kernels[k], lora_wide, 14);
	}
	check_backend(be, "adamw_step", adam_odd, 11);
	check_backend(be, "adamw_step", adam_one, 12);
	check_backend(be, "adamw_step", adam_threaded, 13);
}

static void test_cpu_matches_reference(void **state)
{
	struct backend *be = discover_one(&backend_cpu);

	(void)state;
	check_all(be);
	cpu_force_scalar(1);
	check_all(be);
	cpu_force_scalar(0);
	be->ops->destroy(be);
}

/* The ref backend runs the three through the specs' references. */
static void test_ref_backend(void **state)
{
	struct backend *be = discover_one(&backend_ref);

	(void)state;
	check_backend(be, "lora_backward", lora_odd, 5);
	check_backend(be, "adamw_step", adam_odd, 5);
	check_backend(be, "training_step", lora_odd, 5);
	be->ops->destroy(be);
}

/* The shapes of suites/{lora_backward,adamw_step,training_step}.json at
 * their seed, with the fraction of atol used printed: the margin behind
 * the tolerances stated in workload_train.c. */
static void test_suite_shapes(void **state)
{
	struct backend *be = discover_one(&backend_cpu);
	const long bw[] = { 2, 16, 512, 512, 8 }, ts[] = { 4, 64, 512, 512, 8 };
	const long ad[] = { 512, 512 };

	(void)state;
	print_message("lora_backward: %.3g of atol\n", check_backend(be, "lora_backward", bw, 42));
	print_message("adamw_step: %.3g of atol\n", check_backend(be, "adamw_step", ad, 42));
	print_message("training_step: %.3g of atol\n", check_backend(be, "training_step", ts, 42));
	be->ops->destroy(be);
}

/* A wrong gradient sign or a wrong learning rate must fail validation:
 * an update 2% too large fails training_step's tolerance. */
static void test_wrong_update_fails(void **state)
{
	const long params[] = { 2, 3, 65, 33, 5 };
	struct workload *w = make("training_step", params, 11);
	const struct kernel_spec *spec = w->spec;
	size_t n = w->plan.output_len;
	float *ref = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
	char err[MC_ERRLEN] = "";

	(void)state;
	spec->reference(w->params, (const float *const *)w->inputs, ref);
	for (size_t i = 0; i < n; i++) {
		float p = i < 65 * 5 ? w->inputs[2][i] : w->inputs[3][i - 65 * 5];

		/* the update 2% too large */
		got[i] = p + (ref[i] - p) * 1.02f;
	}
	assert_int_equal(workload_check(ref, got, n, spec->rtol, spec->atol,
					NULL, NULL, err, sizeof(err)), MC_EVALID);
	free(ref);
	free(got);
	workload_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registered),
		cmocka_unit_test(test_plan_counts),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_class),
		cmocka_unit_test(test_gradients_finite_differences),
		cmocka_unit_test(test_one_class),
		cmocka_unit_test(test_adamw_by_hand),
		cmocka_unit_test(test_cpu_matches_reference),
		cmocka_unit_test(test_ref_backend),
		cmocka_unit_test(test_suite_shapes),
		cmocka_unit_test(test_wrong_update_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
