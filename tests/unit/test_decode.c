/*
 * test_decode.c - unit tests of the decoding kernels (decode,
 * decode_recompute, decode_step): their plans (shapes, counts, a bad
 * layout rejected), the reference's greedy generation (a prefix of a
 * longer generation is the shorter one; the tokens vary, so they test
 * the model; a step of decode_step at ctx positions gives the logits
 * whose argmax the generation takes), and the cpu kernels (AVX2 and plain
 * C) against the reference: the same tokens exactly, the step's logits
 * within tolerance, with prompts and caches on both sides of the cpu's
 * 64-row attention blocks; sdpa (attention alone) by hand and on the cpu.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cpu/cpu.h"
#include "err.h"
#include "workload.h"
#include "ref/decode.h"

static struct workload *make(const char *kernel, const long *params,
			     uint64_t seed)
{
	const struct kernel_spec *spec = workload_find(kernel);
	struct workload *w = NULL;
	char err[MC_ERRLEN];

	assert_non_null(spec);
	if (workload_create(spec, params, seed, &w, err, sizeof(err)) < 0)
		fail_msg("workload_create(%s): %s", kernel, err);
	return w;
}

static float *reference(const struct workload *w)
{
	float *y = malloc(w->plan.output_len * sizeof(float));

	assert_non_null(y);
	w->spec->reference(w->params, (const float *const *)w->inputs, y);
	return y;
}

static void test_plans(void **state)
{
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long gen[] = { 128, 100, 24, 32000, 896, 14, 2, 64, 4864 };
	const long step[] = { 128, 24, 151936, 896, 14, 2, 64, 4864 };
	const long bad[] = { 8, 4, 1, 50, 32, 3, 2, 8, 16 };
	struct dec_shape s = { 0, 896, 14, 2, 64, 4864 };
	double cached, recomputed;

	(void)state;
	assert_int_equal(workload_find("decode")->plan(gen, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 5);
	assert_int_equal(p.input_len[0], 128);
	assert_int_equal(p.input_len[1], 32000 * 896);
	assert_int_equal(p.input_len[2], 24 * dec_layer_floats(&s));
	assert_int_equal(p.input_len[4], 896 * 32000);
	assert_int_equal(p.output_len, 100);
	cached = p.flops;
	/* 2 FLOP per weight and token at least: 228 tokens through the
	 * layers, 100 rows of logits */
	assert_true(cached > 2.0 * (228.0 * 24 * dec_layer_floats(&s) +
				    100.0 * 896 * 32000));
	assert_int_equal(workload_find("decode_recompute")->plan(gen, &p, err,
								 sizeof(err)), 0);
	recomputed = p.flops;
	/* recompute passes 128 + ... + 227 tokens, cached 227 */
	assert_true(recomputed > 50.0 * cached);
	assert_int_equal(workload_find("decode_step")->plan(step, &p, err,
							    sizeof(err)), 0);
	assert_int_equal(p.input_shape[1].dims[0], 48);
	assert_int_equal(p.input_shape[1].dims[2], 128);
	assert_int_equal(p.output_len, 151936);
	assert_int_equal(workload_find("decode")->plan(bad, &p, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "multiple of kv_heads"));
}

/* Greedy generation is a function of the prefix: 9 tokens start with
 * the 3 tokens' run, and the tokens are not all one id (an untied head:
 * the model's output, not the current token, decides). */
static void test_ref_prefix(void **state)
{
	const long p3[] = { 6, 3, 2, 50, 24, 4, 2, 6, 40 };
	const long p9[] = { 6, 9, 2, 50, 24, 4, 2, 6, 40 };
	struct workload *w3 = make("decode", p3, 11), *w9 = make("decode", p9, 11);
	float *y3 = reference(w3), *y9 = reference(w9);
	int varied = 0;

	(void)state;
	assert_memory_equal(y3, y9, 3 * sizeof(float));
	for (size_t i = 0; i < 9; i++) {
		assert_true(y9[i] >= 0 && y9[i] < 50);
		varied |= y9[i] != y9[0];
	}
	assert_true(varied);
	free(y9);
	free(y3);
	workload_destroy(w9);
	workload_destroy(w3);
}

static void check_cpu(const char *kernel, const long *params)
{
	struct backend *b[4];
	size_t n = 0;
	struct workload *w = make(kernel, params, 3);
	size_t len = w->plan.output_len;
	float *ref = reference(w), *got = calloc(len, sizeof(float));
	char err[MC_ERRLEN] = "";
	double dev_ns, max_abs, max_rel;
	void *st = NULL;

	assert_non_null(got);
	if (backend_cpu.discover(b, 4, &n, err, sizeof(err)) < 0 || n == 0)
		fail_msg("cpu discover: %s", err);
	if (b[0]->ops->prepare(b[0], w, NULL, &st, err, sizeof(err)) < 0 ||
	    b[0]->ops->run(b[0], st, 2, &dev_ns, err, sizeof(err)) < 0 ||
	    b[0]->ops->output(b[0], st, got, err, sizeof(err)) < 0)
		fail_msg("%s on cpu: %s", kernel, err);
	if (workload_check(ref, got, len, w->spec->rtol, w->spec->atol,
			   &max_abs, &max_rel, err, sizeof(err)) < 0)
		fail_msg("%s %ld on cpu: %s", kernel, params[0], err);
	b[0]->ops->release(b[0], st);
	b[0]->ops->destroy(b[0]);
	free(got);
	free(ref);
	workload_destroy(w);
}

static void test_cpu(void **state)
{
	static const long lens[] = { 1, 5, 70 };

	(void)state;
	for (int scalar = 0; scalar < 2; scalar++) {
		cpu_force_scalar(scalar);
		for (size_t i = 0; i < 3; i++) {
			const long gen[] = { lens[i], 6, 2, 90, 24, 4, 2, 6, 40 };
			const long step[] = { lens[i], 2, 90, 24, 4, 2, 6, 40 };

			check_cpu("decode", gen);
			check_cpu("decode_recompute", gen);
			check_cpu("decode_step", step);
		}
	}
	cpu_force_scalar(0);
}

/* sdpa by hand: a causal row 0 sees only key 0, so it is v[0] of its kv
 * head; the last row sees every key either way; a row in between does
 * not (the mask matters). */
static void test_sdpa_ref(void **state)
{
	const long p[] = { 9, 4, 2, 6 };
	struct workload *wf = make("sdpa", p, 7), *wc = make("sdpa_causal", p, 7);
	float *yf = reference(wf), *yc = reference(wc);
	size_t S = 9, D = 6;

	(void)state;
	for (size_t h = 0; h < 4; h++) {
		const float *v0 = wc->inputs[2] + (h / 2) * S * D;

		for (size_t c = 0; c < D; c++)
			assert_float_equal(yc[h * S * D + c], v0[c], 1e-6);
		assert_memory_equal(yc + (h * S + S - 1) * D,
				    yf + (h * S + S - 1) * D, D * sizeof(float));
		assert_memory_not_equal(yc + (h * S + 3) * D, yf + (h * S + 3) * D,
					D * sizeof(float));
	}
	free(yc);
	free(yf);
	workload_destroy(wc);
	workload_destroy(wf);
}

static void test_sdpa_cpu(void **state)
{
	/* 300: two full blocks of 256 rows (the second partial), five causal
	 * blocks of 64, spread over threads. */
	static const long lens[] = { 1, 5, 70, 130, 300 };

	(void)state;
	for (int scalar = 0; scalar < 2; scalar++) {
		cpu_force_scalar(scalar);
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			const long p[] = { lens[i], 4, 2, 6 };

			check_cpu("sdpa", p);
			check_cpu("sdpa_causal", p);
		}
	}
	cpu_force_scalar(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_ref_prefix),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_sdpa_ref),
		cmocka_unit_test(test_sdpa_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
