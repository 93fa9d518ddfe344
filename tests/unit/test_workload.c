/*
 * test_workload.c - unit tests of src/lib/workload.c and the reference
 * kernels of kernels/ref: hand-computed reference values, the seeded inputs
 * pinned bit for bit (by an independent splitmix64 here and by constants
 * computed in Python), plan counts and validation errors, names, the
 * tolerance check (pass, fail, NaN, Inf) and the digest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "workload.h"
#include "ref/ref.h"

static uint32_t bits_of(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

static struct workload *make(const char *kernel, const long *params,
			     uint64_t seed)
{
	struct workload *w = NULL;
	char err[MC_ERRLEN] = "";
	int rc = workload_create(workload_find(kernel), params, seed, &w, err,
				 sizeof(err));

	if (rc)
		print_error("workload_create(%s): %s\n", kernel, err);
	assert_int_equal(rc, 0);
	assert_non_null(w);
	return w;
}

/* ------------------------------------------------------------ specs */

static void test_kernel_table(void **state)
{
	const struct kernel_spec *const *k = workload_kernels();
	static const char *const want[] = {
		"softmax", "layernorm", "rmsnorm", "sgemm", "lora_forward",
		"lora_backward", "adamw_step", "training_step",
		"triad", "sample_greedy", "sample_top_k", "sample_top_p",
		"sample_temperature", "embedding", "rope", "attention", "mlp",
		"decoder_layer", "empty", "decode", "decode_recompute", "decode_step", "sdpa",
		"sdpa_causal", "wordpiece", "bert_encode", "embed",
	};
	size_t n = 0, n_want = sizeof(want) / sizeof(want[0]);

	(void)state;
	while (k[n])
		n++;
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n_want; i++) {
		assert_string_equal(k[i]->name, want[i]);
		assert_ptr_equal(workload_find(want[i]), k[i]);
		assert_non_null(k[i]->summary);
		assert_non_null(k[i]->plan);
		/* one reference, and a ctx exactly when it takes one */
		assert_true(!k[i]->reference != !k[i]->reference_ctx);
		assert_true(!k[i]->reference_ctx == !k[i]->ctx_create);
		assert_true(!k[i]->ctx_create == !k[i]->ctx_free);
		/* both tolerances, or neither for the exact kernels (a sampled
		 * token, an embedding row) */
		assert_true((k[i]->rtol > 0 && k[i]->atol > 0) ||
			    (k[i]->rtol == 0 && k[i]->atol == 0));
	}
	assert_null(workload_find("nope"));
	assert_int_equal(workload_param_index(workload_find("sgemm"), "k"), 2);
	assert_int_equal(workload_param_index(workload_find("sgemm"), "rows"), -1);
	assert_int_equal(workload_param_index(workload_find("lora_forward"), "rank"), 4);
}

static void test_plan_counts(void **state)
{
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long sm[] = { 64, 1024 }, g[] = { 3, 5, 7 };
	const long lora[] = { 2, 3, 16, 8, 4 };

	(void)state;
	assert_int_equal(workload_find("softmax")->plan(sm, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 1);
	assert_int_equal(p.input_len[0], 65536);
	assert_int_equal(p.output_len, 65536);
	assert_true(p.flops == 5.0 * 65536);
	assert_true(p.bytes == 8.0 * 65536);

	assert_int_equal(workload_find("layernorm")->plan(sm, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 3);
	assert_int_equal(p.input_len[1], 1024);
	assert_int_equal(p.input_len[2], 1024);
	assert_true(p.bytes == 8.0 * 65536 + 8.0 * 1024);

	assert_int_equal(workload_find("rmsnorm")->plan(sm, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 2);
	assert_true(p.bytes == 8.0 * 65536 + 4.0 * 1024);

	assert_int_equal(workload_find("sgemm")->plan(g, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 2);
	assert_int_equal(p.input_len[0], 3 * 7);
	assert_int_equal(p.input_len[1], 7 * 5);
	assert_int_equal(p.output_len, 3 * 5);
	assert_true(p.flops == 2.0 * 3 * 5 * 7);
	assert_true(p.bytes == 4.0 * (21 + 35 + 15));

	/* T = 6 tokens, in 16, out 8, rank 4 */
	assert_int_equal(workload_find("lora_forward")->plan(lora, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 4);
	assert_int_equal(p.input_len[0], 6 * 16);
	assert_int_equal(p.input_len[1], 16 * 8);
	assert_int_equal(p.input_len[2], 16 * 4);
	assert_int_equal(p.input_len[3], 4 * 8);
	assert_int_equal(p.output_len, 6 * 8);
	assert_true(p.flops == 2.0 * 6 * 16 * 8 + 2.0 * 6 * 16 * 4 +
			       2.0 * 6 * 4 * 8 + 2.0 * 6 * 8);
	assert_true(p.bytes == 4.0 * (96 + 128 + 64 + 32 + 48));
}

static void assert_shape(const struct workload_shape *s, size_t n_dims,
			 size_t d0, size_t d1, size_t d2)
{
	const size_t d[3] = { d0, d1, d2 };

	assert_int_equal(s->n_dims, n_dims);
	for (size_t i = 0; i < n_dims; i++)
		assert_int_equal(s->dims[i], d[i]);
}

/* The shapes the peers build from: defined by the plan, and for every spec
 * multiplying out to the buffer lengths (workload_create checks that). */
static void test_plan_shapes(void **state)
{
	const struct kernel_spec *const *k = workload_kernels();
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long g[] = { 3, 5, 7 }, lora[] = { 2, 3, 16, 8, 4 };
	const long ln[] = { 4, 6 };

	(void)state;
	assert_int_equal(workload_find("sgemm")->plan(g, &p, err, sizeof(err)), 0);
	assert_shape(&p.input_shape[0], 2, 3, 7, 0);
	assert_shape(&p.input_shape[1], 2, 7, 5, 0);
	assert_shape(&p.output_shape, 2, 3, 5, 0);
	assert_int_equal(workload_find("layernorm")->plan(ln, &p, err, sizeof(err)), 0);
	assert_shape(&p.input_shape[0], 2, 4, 6, 0);
	assert_shape(&p.input_shape[1], 1, 6, 0, 0);
	assert_shape(&p.input_shape[2], 1, 6, 0, 0);
	assert_shape(&p.output_shape, 2, 4, 6, 0);
	assert_int_equal(workload_find("lora_forward")->plan(lora, &p, err, sizeof(err)), 0);
	assert_shape(&p.input_shape[0], 3, 2, 3, 16);
	assert_shape(&p.input_shape[3], 2, 4, 8, 0);
	assert_shape(&p.output_shape, 3, 2, 3, 8);
	assert_int_equal(workload_find("lora_backward")->plan(lora, &p, err, sizeof(err)), 0);
	assert_shape(&p.input_shape[4], 2, 2, 3, 0);
	assert_shape(&p.output_shape, 1, 16 * 4 + 4 * 8, 0, 0);
	assert_int_equal(workload_find("adamw_step")->plan(ln, &p, err, sizeof(err)), 0);
	assert_shape(&p.input_shape[3], 2, 4, 6, 0);
	assert_shape(&p.output_shape, 1, 3 * 24, 0, 0);

	for (size_t i = 0; k[i]; i++) {
		long params[WORKLOAD_MAX_PARAMS];
		struct workload *w = NULL;

		/* a kernel with a ctx reads the model's files (issue 15's:
		 * test_bert creates them, checking these shapes the same way) */
		if (k[i]->ctx_create)
			continue;
		for (size_t j = 0; j < WORKLOAD_MAX_PARAMS; j++)
			params[j] = 2 + (long)j;
		/* the decoder kernels need heads a multiple of kv_heads and an
		 * even head_dim, which 2, 3, 4 ... are not: all 2 then */
		if (workload_create(k[i], params, 1, &w, err, sizeof(err)) != 0)
			for (size_t j = 0; j < WORKLOAD_MAX_PARAMS; j++)
				params[j] = 2;
		if (!w)
			assert_int_equal(workload_create(k[i], params, 1, &w, err,
							 sizeof(err)), 0);
		for (size_t j = 0; j < w->plan.n_inputs; j++) {
			size_t n = 1;

			assert_true(w->plan.input_shape[j].n_dims >= 1);
			for (size_t d = 0; d < w->plan.input_shape[j].n_dims; d++)
				n *= w->plan.input_shape[j].dims[d];
			assert_int_equal(n, w->plan.input_len[j]);
		}
		workload_destroy(w);
	}
}

static void test_plan_errors(void **state)
{
	struct workload *w = (struct workload *)1;
	char err[MC_ERRLEN] = "";
	const long zero_rows[] = { 0, 1024 }, neg_cols[] = { 4, -3 };
	const long huge[] = { 65536, 65536 }, gemm_big[] = { 1, 1, 1L << 31 };
	const long lora_zero_rank[] = { 1, 1, 8, 8, 0 };

	(void)state;
	assert_int_equal(workload_create(workload_find("softmax"), zero_rows, 1,
					 &w, err, sizeof(err)), MC_EINVAL);
	assert_null(w);
	assert_non_null(strstr(err, "softmax"));
	assert_non_null(strstr(err, "rows"));
	assert_non_null(strstr(err, "got 0"));

	assert_int_equal(workload_create(workload_find("layernorm"), neg_cols, 1,
					 &w, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "cols"));
	assert_non_null(strstr(err, "-3"));

	/* 2^32 elements: over the per-buffer limit, refused before allocating */
	assert_int_equal(workload_create(workload_find("rmsnorm"), huge, 1, &w,
					 err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "limit"));

	assert_int_equal(workload_create(workload_find("sgemm"), gemm_big, 1, &w,
					 err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "k"));

	assert_int_equal(workload_create(workload_find("lora_forward"),
					 lora_zero_rank, 1, &w, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "rank"));
	assert_null(w);
}

/* ----------------------------------------------------- seeded inputs */

/* splitmix64 written out again, independently of workload.c. */
static float independent_value(uint64_t seed, size_t index)
{
	uint64_t s = seed + (index + 1) * 0x9E3779B97F4A7C15ULL, z = s;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (float)ldexp((double)(z >> 40), -23) - 1.0f;
}

static void test_fill_pinned(void **state)
{
	/* from a Python implementation of the same mapping */
	static const uint32_t seed0[] = { 0x3f444150, 0xbe0c3b10, 0xbf727746, 0x3f711770 };
	static const uint32_t seed42[] = { 0x3ef75cc8, 0xbf2e203a, 0xbee2b664, 0xbe9f8c7c };
	float buf[1000];

	(void)state;
	workload_fill(buf, 4, 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(bits_of(buf[i]), seed0[i]);
	assert_true(buf[0] == 0.7666215896606445f);
	workload_fill(buf, 1000, 42);
	for (int i = 0; i < 4; i++)
		assert_int_equal(bits_of(buf[i]), seed42[i]);
	for (size_t i = 0; i < 1000; i++) {
		assert_int_equal(bits_of(buf[i]), bits_of(independent_value(42, i)));
		assert_true(buf[i] >= -1.0f && buf[i] < 1.0f);
	}
}

static void test_create_seeds_each_input(void **state)
{
	const long p[] = { 3, 5 };
	struct workload *w = make("layernorm", p, 1000);
	float x[15], g[5];

	(void)state;
	assert_int_equal(w->seed, 1000);
	assert_int_equal(w->params[0], 3);
	assert_int_equal(w->params[1], 5);
	workload_fill(x, 15, 1000);
	workload_fill(g, 5, 1001);
	assert_memory_equal(w->inputs[0], x, sizeof(x));
	assert_memory_equal(w->inputs[1], g, sizeof(g));
	for (int i = 0; i < 3; i++)
		assert_int_equal((uintptr_t)w->inputs[i] % 64, 0);
	assert_null(w->inputs[3]);
	assert_int_equal(workload_param(w, "cols", -1), 5);
	assert_int_equal(workload_param(w, "rank", -7), -7);
	workload_destroy(w);
	workload_destroy(NULL);
}

static void test_names(void **state)
{
	const long sm[] = { 64, 1024 }, lora[] = { 2, 128, 4096, 4096, 16 };
	struct workload *a = make("softmax", sm, 1), *b = make("lora_forward", lora, 1);
	char out[160], tiny[8];

	(void)state;
	workload_name(a, out, sizeof(out));
	assert_string_equal(out, "softmax/rows=64,cols=1024");
	workload_params_json(a, out, sizeof(out));
	assert_string_equal(out, "{\"cols\":1024,\"rows\":64}");
	workload_name(b, out, sizeof(out));
	assert_string_equal(out, "lora_forward/batch=2,seq=128,in=4096,out=4096,rank=16");
	workload_params_json(b, out, sizeof(out));
	assert_string_equal(out, "{\"batch\":2,\"in\":4096,\"out\":4096,\"rank\":16,\"seq\":128}");
	workload_name(a, tiny, sizeof(tiny));
	assert_string_equal(tiny, "softmax");
	workload_params_json(a, tiny, sizeof(tiny));
	assert_string_equal(tiny, "{\"cols\"");
	workload_destroy(a);
	workload_destroy(b);
}

/* -------------------------------------------------- reference values */

static void test_ref_softmax(void **state)
{
	/* exp gives 1, 2, 3, 4: softmax 0.1 .. 0.4; the second row is the
	 * first shifted by 1000 (overflows without the max subtraction) */
	const float x[8] = { 0.0f, (float)log(2.0), (float)log(3.0), (float)log(4.0),
			     1000.0f, 1000.0f + (float)log(2.0),
			     1000.0f + (float)log(3.0), 1000.0f + (float)log(4.0) };
	float y[8];

	(void)state;
	ref_softmax(2, 4, x, y);
	for (int j = 0; j < 4; j++) {
		assert_float_equal(y[j], 0.1 * (j + 1), 1e-7);
		/* 1000 + ln k is rounded in float, so only ~3e-5 relative */
		assert_float_equal(y[4 + j], 0.1 * (j + 1), 1e-5);
	}
	ref_softmax(1, 1, x + 1, y);
	assert_true(y[0] == 1.0f);
}

static void test_ref_norms(void **state)
{
	const float x[4] = { 1, 2, 3, 4 }, gamma[4] = { 1, 2, 0.5f, -1 };
	const float beta[4] = { 0, 1, -1, 0.25f };
	const float v[2] = { 3, 4 }, g2[2] = { 1, 2 };
	double rstd = 1.0 / sqrt(1.25 + 1e-5), rinv = 1.0 / sqrt(12.5 + 1e-5);
	float y[4];

	(void)state;
	/* mean 2.5, biased variance 1.25 */
	ref_layernorm(1, 4, x, gamma, beta, y);
	for (int j = 0; j < 4; j++)
		assert_float_equal(y[j], (x[j] - 2.5) * rstd * gamma[j] + beta[j], 1e-6);
	assert_float_equal(y[0], -1.5 * rstd, 1e-6);
	/* mean square of (3, 4) is 12.5 */
	ref_rmsnorm(1, 2, v, g2, y);
	assert_float_equal(y[0], 3 * rinv, 1e-7);
	assert_float_equal(y[1], 8 * rinv, 1e-7);
}

static void test_ref_sgemm_small(void **state)
{
	const float a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };
	const float a23[6] = { 1, 2, 3, 4, 5, 6 }, b31[3] = { 1, -1, 2 };
	float c[4];

	(void)state;
	ref_sgemm(2, 2, 2, a, b, c);
	assert_true(c[0] == 19 && c[1] == 22 && c[2] == 43 && c[3] == 50);
	ref_sgemm(2, 1, 3, a23, b31, c);
	assert_true(c[0] == 5 && c[1] == 11);
}

/* Panels: n wider than REF_PANEL against a naive triple loop. */
static void test_ref_sgemm_panels(void **state)
{
	size_t m = 3, n = REF_PANEL + 45, k = 7;
	float *a = malloc(m * k * sizeof(float)), *b = malloc(k * n * sizeof(float));
	float *c = malloc(m * n * sizeof(float));

	(void)state;
	workload_fill(a, m * k, 1);
	workload_fill(b, k * n, 2);
	ref_sgemm(m, n, k, a, b, c);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0;

			for (size_t p = 0; p < k; p++)
				s += (double)a[i * k + p] * b[p * n + j];
			assert_true(c[i * n + j] == (float)s);
		}
	free(a);
	free(b);
	free(c);
}

static void test_ref_lora(void **state)
{
	/* x = (1, 2), W = I, A = (1, 1)^T, B = (1, -1): xW = (1, 2),
	 * xA = 3, (xA)B * 2 = (6, -6), y = (7, -4) */
	const float x[2] = { 1, 2 }, w[4] = { 1, 0, 0, 1 }, a[2] = { 1, 1 };
	const float b[2] = { 1, -1 };
	size_t t = 2, in = 5, out = REF_PANEL + 3, r = 3;
	float y[2], *xs, *ws, *as, *bs, *ys;

	(void)state;
	ref_lora_forward(1, 2, 2, 1, x, w, a, b, y);
	assert_true(y[0] == 7 && y[1] == -4);

	/* against the formula written out, across a panel boundary */
	xs = malloc(t * in * sizeof(float));
	ws = malloc(in * out * sizeof(float));
	as = malloc(in * r * sizeof(float));
	bs = malloc(r * out * sizeof(float));
	ys = malloc(t * out * sizeof(float));
	workload_fill(xs, t * in, 1);
	workload_fill(ws, in * out, 2);
	workload_fill(as, in * r, 3);
	workload_fill(bs, r * out, 4);
	ref_lora_forward(t, in, out, r, xs, ws, as, bs, ys);
	for (size_t i = 0; i < t; i++)
		for (size_t j = 0; j < out; j++) {
			double s = 0;

			for (size_t p = 0; p < in; p++)
				s += (double)xs[i * in + p] * ws[p * out + j];
			for (size_t q = 0; q < r; q++) {
				double xa = 0;

				for (size_t p = 0; p < in; p++)
					xa += (double)xs[i * in + p] * as[p * r + q];
				s += 2.0 * xa * bs[q * out + j];
			}
			assert_float_equal(ys[i * out + j], s, 1e-6);
		}
	free(xs);
	free(ws);
	free(as);
	free(bs);
	free(ys);
}

/* ------------------------------------------------------------ check */

static void test_check(void **state)
{
	const float ref[4] = { 1.0f, -2.0f, 0.5f, 0.0f };
	float got[4];
	double max_abs = -1, max_rel = -1;
	char err[MC_ERRLEN] = "";

	(void)state;
	memcpy(got, ref, sizeof(got));
	assert_int_equal(workload_check(ref, got, 4, 1e-4, 1e-6, &max_abs,
					&max_rel, err, sizeof(err)), 0);
	assert_true(max_abs == 0 && max_rel == 0);

	/* scale = 2: element 0 may move by 2e-6 + 1e-4 */
	got[0] = 1.0f + 1e-4f;
	assert_int_equal(workload_check(ref, got, 4, 1e-4, 1e-6, &max_abs,
					&max_rel, err, sizeof(err)), 0);
	assert_float_equal(max_abs, (double)got[0] - 1.0, 1e-12);
	assert_float_equal(max_rel, (double)got[0] - 1.0, 1e-12);

	/* a zero element only has atol * scale = 2e-6 */
	got[3] = 1e-6f;
	assert_int_equal(workload_check(ref, got, 4, 1e-4, 1e-6, NULL, NULL,
					err, sizeof(err)), 0);
	got[3] = 3e-6f;
	err[0] = '\0';
	assert_int_equal(workload_check(ref, got, 4, 1e-4, 1e-6, &max_abs,
					&max_rel, err, sizeof(err)), MC_EVALID);
	assert_non_null(strstr(err, "Element 3"));
	/* relative to scale * 1e-6 = 2e-6 when |ref| is 0 */
	assert_float_equal(max_rel, 1.5, 1e-3);

	got[3] = 0.0f;
	got[1] = -2.01f;
	assert_int_equal(workload_check(ref, got, 4, 1e-4, 1e-6, NULL, NULL,
					err, sizeof(err)), MC_EVALID);
	assert_non_null(strstr(err, "Element 1"));
	assert_non_null(strstr(err, "-2.00999999"));

	/* NaN and Inf always fail, even with huge tolerances */
	got[1] = NAN;
	assert_int_equal(workload_check(ref, got, 4, 1e9, 1e9, &max_abs, NULL,
					err, sizeof(err)), MC_EVALID);
	assert_non_null(strstr(err, "Element 1"));
	assert_non_null(strstr(err, "not finite"));
	assert_true(isinf(max_abs));
	got[1] = -INFINITY;
	assert_int_equal(workload_check(ref, got, 4, 1e9, 1e9, NULL, NULL,
					err, sizeof(err)), MC_EVALID);

	/* nothing to compare passes; all-zero reference demands exact zeros */
	assert_int_equal(workload_check(ref, got, 0, 0, 0, &max_abs, &max_rel,
					err, sizeof(err)), 0);
	{
		const float z[2] = { 0, 0 };
		float g[2] = { 0, 0 };

		assert_int_equal(workload_check(z, g, 2, 1e-4, 1e-6, NULL,
						&max_rel, err, sizeof(err)), 0);
		assert_true(max_rel == 0);
		g[1] = 1e-30f;
		assert_int_equal(workload_check(z, g, 2, 1e-4, 1e-6, NULL, NULL,
						err, sizeof(err)), MC_EVALID);
	}
	/* err may be NULL */
	assert_int_equal(workload_check(ref, got, 4, 0, 0, NULL, NULL, NULL, 0),
			 MC_EVALID);
}

/* Rows as directions: scale does not matter, direction does; the first
 * bad row is named, and a NaN fails whatever the threshold. */
static void test_check_cos(void **state)
{
	const float ref[6] = { 1, 0, 0, 0, 3, 4 };
	float got[6] = { 2, 0, 0, 0, 0.6f, 0.8f };
	char err[MC_ERRLEN] = "";
	double c = 0;

	(void)state;
	assert_int_equal(workload_check_cos(ref, got, 3, 2, 0.9999, &c, err,
					    sizeof(err)), 0);
	assert_true(fabs(c - 1.0) < 1e-12);
	got[4] = 0.8f;   /* row 2 now (0.8, 0.6) against (3, 4): cos 0.96 */
	got[5] = 0.6f;
	assert_int_equal(workload_check_cos(ref, got, 3, 2, 0.9999, &c, err,
					    sizeof(err)), MC_EVALID);
	assert_true(fabs(c - 0.96) < 1e-6);
	assert_non_null(strstr(err, "Row 2"));
	assert_int_equal(workload_check_cos(ref, got, 3, 2, 0.9, &c, err,
					    sizeof(err)), 0);
	got[2] = NAN;
	assert_int_equal(workload_check_cos(ref, got, 3, 2, -1.0, &c, err,
					    sizeof(err)), MC_EVALID);
	assert_true(isnan(c));
	assert_non_null(strstr(err, "Row 1"));
}

static void test_digest(void **state)
{
	const float v[3] = { 1.0f, -2.5f, 0.0f };
	char out[17];

	(void)state;
	/* FNV-1a 64 test values, computed in Python over the little-endian bytes */
	workload_digest(v, 0, out);
	assert_string_equal(out, "cbf29ce484222325");
	workload_digest(v, 1, out);
	assert_string_equal(out, "4b72477f9c5c2f98");
	workload_digest(v, 3, out);
	assert_string_equal(out, "00f3a969ef350f78");
}

/* The reference of a workload through its spec equals the direct call. */
static void test_spec_reference(void **state)
{
	const long p[] = { 3, 17 };
	struct workload *w = make("rmsnorm", p, 5);
	float a[51], b[51];

	(void)state;
	w->spec->reference(w->params, (const float *const *)w->inputs, a);
	ref_rmsnorm(3, 17, w->inputs[0], w->inputs[1], b);
	assert_memory_equal(a, b, sizeof(a));
	workload_destroy(w);
}

/* The tolerance of a variant: fp32's for every variant but fp16; fp16's
 * for fp16, raised to a suite's looser fp32 override but never lowered by
 * a tighter one; refused for a kernel without fp16 tolerances. Every fp16
 * tolerance is at least its fp32 one. */
static void test_variant_tol(void **state)
{
	const struct kernel_spec *mlp = workload_find("mlp");
	const struct kernel_spec *const *k;
	struct workload_tol fp32 = { mlp->rtol, mlp->atol }, t;
	char err[MC_ERRLEN];

	(void)state;
	assert_int_equal(workload_variant_tol(mlp, "", &fp32, &t, err, sizeof(err)), 0);
	assert_true(t.rtol == mlp->rtol && t.atol == mlp->atol);
	assert_int_equal(workload_variant_tol(mlp, "fused", &fp32, &t, err, sizeof(err)), 0);
	assert_true(t.rtol == mlp->rtol && t.atol == mlp->atol);
	assert_int_equal(workload_variant_tol(mlp, WORKLOAD_FP16, &fp32, &t, err,
					      sizeof(err)), 0);
	assert_true(t.rtol == mlp->fp16->rtol && t.atol == mlp->fp16->atol);
	fp32 = (struct workload_tol){ 1e-9, 0.5 };       /* an override */
	assert_int_equal(workload_variant_tol(mlp, WORKLOAD_FP16, &fp32, &t, err,
					      sizeof(err)), 0);
	assert_true(t.rtol == mlp->fp16->rtol && t.atol == 0.5);
	assert_int_equal(workload_variant_tol(workload_find("decode"), WORKLOAD_FP16,
					      &fp32, &t, err, sizeof(err)), MC_ENOTSUP);
	assert_string_equal(err, "decode has no fp16 variant: the kernel states no "
			    "fp16 tolerance, so an fp16 result could not be validated");
	for (k = workload_kernels(); *k; k++)
		if ((*k)->fp16 && ((*k)->fp16->rtol < (*k)->rtol ||
				   (*k)->fp16->atol < (*k)->atol))
			fail_msg("%s: an fp16 tolerance below fp32's", (*k)->name);
	/* the kernels the variant is offered for (README) */
	assert_non_null(workload_find("decode_step")->fp16);
	assert_null(workload_find("decode_recompute")->fp16);
	assert_null(workload_find("sgemm")->fp16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_table),
		cmocka_unit_test(test_plan_counts),
		cmocka_unit_test(test_plan_shapes),
		cmocka_unit_test(test_plan_errors),
		cmocka_unit_test(test_fill_pinned),
		cmocka_unit_test(test_create_seeds_each_input),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ref_softmax),
		cmocka_unit_test(test_ref_norms),
		cmocka_unit_test(test_ref_sgemm_small),
		cmocka_unit_test(test_ref_sgemm_panels),
		cmocka_unit_test(test_ref_lora),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_cos),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_spec_reference),
		cmocka_unit_test(test_variant_tol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
