/*
 * test_decoder.c - unit tests of the decoder components (embedding, rope,
 * attention, mlp, decoder_layer): their plans and packed layouts, the
 * references against what the definitions give by hand (RoPE at position
 * 0 and its rotation's norm, attention over one token, the MLP), and the
 * cpu backend (AVX2 and plain C) against the references on small odd
 * shapes, one of them longer than the cpu's block of 64 query rows.
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
#include "cpu/cpu.h"
#include "err.h"
#include "workload.h"
#include "ref/decoder.h"
#include "ref/ref.h"

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

static void test_plans(void **state)
{
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long layer[] = { 512, 896, 14, 2, 64, 4864 };
	const long bad_group[] = { 8, 32, 3, 2, 8, 16 };
	const long odd_hd[] = { 8, 32, 4, 2, 7, 16 };
	const long rope_odd[] = { 8, 4, 7 };
	struct dec_shape s = { 512, 896, 14, 2, 64, 4864 };
	struct dec_layer_w w;
	const float *base = (const float *)0x1000;

	(void)state;
	assert_int_equal(workload_find("decoder_layer")->plan(layer, &p, err,
							      sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 2);
	assert_int_equal(p.input_len[0], 512 * 896);
	assert_int_equal(p.input_len[1], dec_layer_floats(&s));
	assert_int_equal(p.output_shape.dims[2], 896);
	/* Qwen2.5-0.5B: 896*(896+2*128) + 896 + 2*128 biases + 896*896 for
	 * attention, 3*896*4864 for the MLP, two norms */
	assert_int_equal(dec_layer_floats(&s),
			 896 * 1152 + 1152 + 896 * 896 + 3 * 896 * 4864 + 2 * 896);
	assert_true(p.flops > 2.0 * 512 * dec_layer_floats(&s));
	assert_int_equal(workload_find("attention")->plan(bad_group, &p, err,
							  sizeof(err)), MC_EINVAL);
	assert_int_equal(workload_find("decoder_layer")->plan(odd_hd, &p, err,
							      sizeof(err)), MC_EINVAL);
	assert_int_equal(workload_find("rope")->plan(rope_odd, &p, err,
						     sizeof(err)), MC_EINVAL);
	/* the parts tile the packed buffer in decoder.h's order */
	dec_layer_split(&s, base, &w);
	assert_ptr_equal(w.g1, base);
	assert_ptr_equal(w.attn.wq, base + 896);
	assert_ptr_equal(w.attn.bq, w.attn.wq + 896 * 896);
	assert_ptr_equal(w.attn.wo, w.attn.bv + 128);
	assert_ptr_equal(w.g2, w.attn.wo + 896 * 896);
	assert_ptr_equal(w.mlp.wg, w.g2 + 896);
	assert_ptr_equal(w.mlp.wd + 4864 * 896, base + dec_layer_floats(&s));
}

static void test_rope_ref(void **state)
{
	float x[2 * 3 * 4], y[2 * 3 * 4];

	(void)state;
	for (size_t i = 0; i < 24; i++)
		x[i] = (float)i - 7.5f;
	ref_rope(2, 3, 4, x, y);
	for (size_t h = 0; h < 2; h++) {
		/* position 0: the identity */
		assert_memory_equal(y + h * 12, x + h * 12, 4 * sizeof(float));
		for (size_t p = 1; p < 3; p++)
			for (size_t i = 0; i < 2; i++) {
				const float *a = x + (h * 3 + p) * 4, *b = y + (h * 3 + p) * 4;
				double n0 = hypot(a[i], a[i + 2]), n1 = hypot(b[i], b[i + 2]);

				assert_true(fabs(n0 - n1) < 1e-5 * n0);
			}
	}
	/* position 1, frequency 0: a rotation by 1 radian */
	assert_true(fabsf(y[4] - (float)(x[4] * cos(1.0) - x[6] * sin(1.0))) < 1e-6f);
}

/* One token: softmax over one key is 1, so attention is (x.wv + bv).wo. */
static void test_attention_one_token(void **state)
{
	const long p[] = { 1, 12, 4, 2, 6 };
	struct workload *w = make("attention", p, 5);
	struct dec_shape s = { 1, 12, 4, 2, 6, 0 };
	struct dec_attn_w aw;
	float y[12], v[12], o[24], want[12];

	(void)state;
	w->spec->reference(w->params, (const float *const *)w->inputs, y);
	dec_attn_split(&s, w->inputs[1], &aw);
	ref_sgemm(1, 12, 12, w->inputs[0], aw.wv, v);
	for (size_t h = 0; h < 4; h++)
		for (size_t c = 0; c < 6; c++)   /* heads 0, 1 use kv head 0 */
			o[h * 6 + c] = v[(h / 2) * 6 + c] + aw.bv[(h / 2) * 6 + c];
	ref_sgemm(1, 12, 24, o, aw.wo, want);
	for (size_t i = 0; i < 12; i++)
		assert_true(fabsf(y[i] - want[i]) < 1e-5f);
	workload_destroy(w);
}

static void test_mlp_ref(void **state)
{
	const long p[] = { 2, 3, 5 };
	struct workload *w = make("mlp", p, 9);
	struct dec_shape s = { 2, 3, 1, 1, 2, 5 };
	struct dec_mlp_w mw;
	float y[6];

	(void)state;
	w->spec->reference(w->params, (const float *const *)w->inputs, y);
	dec_mlp_split(&s, w->inputs[1], &mw);
	for (size_t t = 0; t < 2; t++)
		for (size_t j = 0; j < 3; j++) {
			double acc = 0.0;

			for (size_t m = 0; m < 5; m++) {
				double g = 0.0, u = 0.0;

				for (size_t i = 0; i < 3; i++) {
					g += (double)w->inputs[0][t * 3 + i] * mw.wg[i * 5 + m];
					u += (double)w->inputs[0][t * 3 + i] * mw.wu[i * 5 + m];
				}
				acc += g / (1.0 + exp(-g)) * u * mw.wd[m * 3 + j];
			}
			assert_true(fabs(y[t * 3 + j] - acc) < 1e-5);
		}
	workload_destroy(w);
}

static void check_cpu(const char *kernel, const long *params)
{
	struct backend *b[4];
	size_t n = 0;
	struct workload *w = make(kernel, params, 3);
	size_t len = w->plan.output_len;
	float *ref = malloc(len * sizeof(float)), *got = calloc(len, sizeof(float));
	char err[MC_ERRLEN] = "";
	double dev_ns, max_abs, max_rel;
	void *st = NULL;

	assert_non_null(ref);
	assert_non_null(got);
	if (backend_cpu.discover(b, 4, &n, err, sizeof(err)) < 0 || n == 0)
		fail_msg("cpu discover: %s", err);
	w->spec->reference(w->params, (const float *const *)w->inputs, ref);
	if (b[0]->ops->prepare(b[0], w, NULL, &st, err, sizeof(err)) < 0 ||
	    b[0]->ops->run(b[0], st, 2, &dev_ns, err, sizeof(err)) < 0 ||
	    b[0]->ops->output(b[0], st, got, err, sizeof(err)) < 0)
		fail_msg("%s on cpu: %s", kernel, err);
	if (workload_check(ref, got, len, w->spec->rtol, w->spec->atol,
			   &max_abs, &max_rel, err, sizeof(err)) < 0)
		fail_msg("%s seq=%ld on cpu: %s", kernel, params[0], err);
	b[0]->ops->release(b[0], st);
	b[0]->ops->destroy(b[0]);
	free(got);
	free(ref);
	workload_destroy(w);
}

static void test_cpu(void **state)
{
	static const long seqs[] = { 1, 5, 70 };

	(void)state;
	for (int scalar = 0; scalar < 2; scalar++) {
		cpu_force_scalar(scalar);
		for (size_t i = 0; i < 3; i++) {
			long S = seqs[i];
			const long emb[] = { S, 37, 12 }, rope[] = { S, 3, 10 };
			const long attn[] = { S, 24, 4, 2, 6 };
			const long mlp[] = { S, 24, 40 };
			const long layer[] = { S, 24, 4, 2, 6, 40 };

			check_cpu("embedding", emb);
			check_cpu("rope", rope);
			check_cpu("attention", attn);
			check_cpu("mlp", mlp);
			check_cpu("decoder_layer", layer);
		}
	}
	cpu_force_scalar(0);
}

/* The ids are whole numbers inside the table, and the lookup is a copy. */
static void test_embedding(void **state)
{
	const long p[] = { 50, 7, 3 };
	struct workload *w = make("embedding", p, 1);
	float y[150];

	(void)state;
	w->spec->reference(w->params, (const float *const *)w->inputs, y);
	for (size_t t = 0; t < 50; t++) {
		float id = w->inputs[1][t];

		assert_true(id >= 0 && id < 7 && id == floorf(id));
		assert_memory_equal(y + t * 3, w->inputs[0] + (size_t)id * 3,
				    3 * sizeof(float));
	}
	workload_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_rope_ref),
		cmocka_unit_test(test_attention_one_token),
		cmocka_unit_test(test_mlp_ref),
		cmocka_unit_test(test_embedding),
		cmocka_unit_test(test_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
