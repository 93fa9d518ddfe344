/*
 * test_sample.c - unit tests of the sampling kernels: their plans, the
 * rules of kernels/ref/sample.h on hand-made logits (ties by lower index,
 * the top-p cut, the inverse CDF), the finished inputs (Gumbel logits
 * without ties, u in the middle of its bucket), and the cpu (AVX2 and
 * plain C) and ref backends picking the reference's token on seeded and
 * on heavily tied logits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "backend.h"
#include "cpu/cpu.h"
#include "err.h"
#include "workload.h"
#include "ref/sample.h"

#define MAX_DEV 16

static const char *const kernels[] = {
	"sample_greedy", "sample_top_k", "sample_top_p", "sample_temperature",
};

static struct workload *make(const char *kernel, long vocab, long k,
			     uint64_t seed)
{
	const struct kernel_spec *spec = workload_find(kernel);
	long params[WORKLOAD_MAX_PARAMS] = { vocab, k };
	struct workload *w = NULL;
	char err[MC_ERRLEN];

	assert_non_null(spec);
	if (workload_create(spec, params, seed, &w, err, sizeof(err)) < 0)
		fail_msg("workload_create(%s, vocab=%ld): %s", kernel, vocab, err);
	return w;
}

static void test_plan(void **state)
{
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long ok[] = { 32000, 50 }, zero[] = { 0, 50 };
	const long big[] = { 1L << 24, 50 }, no_k[] = { 32000, 0 };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		const struct kernel_spec *spec = workload_find(kernels[i]);

		assert_non_null(spec);
		assert_string_equal(spec->input_names[0], "logits");
		assert_string_equal(spec->input_names[1], "u");
		assert_true(spec->rtol == 0.0 && spec->atol == 0.0);
		assert_int_equal(spec->plan(ok, &p, err, sizeof(err)), 0);
		assert_int_equal(p.n_inputs, 2);
		assert_int_equal(p.input_len[0], 32000);
		assert_int_equal(p.input_shape[0].dims[0], 32000);
		assert_int_equal(p.input_len[1], 1);
		assert_int_equal(p.output_len, 1);
		assert_true(p.bytes == 4.0 * 32002);
		assert_true(p.flops >= 32000);
		assert_int_equal(spec->plan(zero, &p, err, sizeof(err)), MC_EINVAL);
		assert_int_equal(spec->plan(big, &p, err, sizeof(err)), MC_EINVAL);
	}
	assert_int_equal(workload_find("sample_top_k")->plan(no_k, &p, err,
							     sizeof(err)), MC_EINVAL);
}

static size_t pick(enum ref_sample_rule rule, size_t v, size_t k,
		   const float *l, double u)
{
	struct ref_sample_pick r;

	assert_int_equal(ref_sample(rule, v, k, l, u, &r), 0);
	assert_true(r.lo <= u + 1e-12 && (u < r.hi || r.hi >= 1.0));
	return r.token;
}

/* The rules on logits whose answers follow from the definitions. */
static void test_rules(void **state)
{
	const float tied[] = { 1, 3, 3, 0 };
	/* weights 15, 5, 30, 50: order 3, 2, 0, 1; probabilities 0.5, 0.3,
	 * 0.15, 0.05, so top-p 0.9 keeps 3, 2, 0 (0.8 < 0.9 <= 0.95) */
	const float mass[] = { logf(15), logf(5), logf(30), logf(50) };
	const float flat[] = { 0, 0, 0, 0 };

	(void)state;
	assert_int_equal(pick(REF_SAMPLE_GREEDY, 4, 0, tied, 0.5), 1);
	/* top-2 keeps 1 then 2 (equal logits: lower index first), weights
	 * equal: u below a half draws 1 */
	assert_int_equal(pick(REF_SAMPLE_TOP_K, 4, 2, tied, 0.25), 1);
	assert_int_equal(pick(REF_SAMPLE_TOP_K, 4, 2, tied, 0.75), 2);
	/* k past the vocabulary keeps everything; u near 1 reaches the last
	 * of the order, index 3 (logit 0) */
	assert_int_equal(pick(REF_SAMPLE_TOP_K, 4, 9, tied, 0.999), 3);
	assert_int_equal(pick(REF_SAMPLE_TOP_P, 4, 0, mass, 0.1), 3);
	assert_int_equal(pick(REF_SAMPLE_TOP_P, 4, 0, mass, 0.6), 2);
	/* u = 0.9 of the kept 95: 85.5 lies past 50 + 30, in token 0 */
	assert_int_equal(pick(REF_SAMPLE_TOP_P, 4, 0, mass, 0.9), 0);
	/* never token 1: it is cut */
	assert_int_equal(pick(REF_SAMPLE_TOP_P, 4, 0, mass, 0.99999), 0);
	/* temperature keeps index order: uniform weights, u = 0.3 -> 1 */
	assert_int_equal(pick(REF_SAMPLE_TEMPERATURE, 4, 0, flat, 0.3), 1);
	assert_int_equal(pick(REF_SAMPLE_TEMPERATURE, 4, 0, flat, 0.0), 0);
	assert_int_equal(pick(REF_SAMPLE_TEMPERATURE, 4, 0, flat, 0.99), 3);
	/* T = 0.7 sharpens: the weight of 50 against 15 grows */
	assert_int_equal(pick(REF_SAMPLE_TEMPERATURE, 4, 0, mass, 0.1), 0);
}

/* The finished inputs: logits without ties, u in [0, 1) in the middle of
 * the bucket it draws. */
static void test_finish(void **state)
{
	(void)state;
	for (size_t r = 0; r < 4; r++) {
		struct workload *w = make(kernels[r], 32000, 50, 11);
		const float *l = w->inputs[0];
		size_t *order = malloc(32000 * sizeof(*order));
		struct ref_sample_pick pk;
		double u = w->inputs[1][0];

		assert_non_null(order);
		assert_int_equal(ref_sample_order(32000, l, order), 0);
		for (size_t j = 1; j < 32000; j++)
			assert_true(l[order[j]] < l[order[j - 1]]);
		/* twice a Gumbel variate: the largest of 32000 lies near
		 * 2 log 32000 ~ 20.7, far above the median 2 * 0.37 */
		assert_true(l[order[0]] > 12.0f && l[order[0]] < 40.0f);
		assert_true(u >= 0.0 && u < 1.0);
		assert_int_equal(ref_sample((enum ref_sample_rule)r, 32000, 50,
					    l, u, &pk), 0);
		assert_true(fabs(u - 0.5 * (pk.lo + pk.hi)) < 1e-6);
		free(order);
		workload_destroy(w);
	}
}

static float backend_token(struct backend *b, struct workload *w)
{
	char err[MC_ERRLEN] = "";
	double dev_ns;
	void *st = NULL;
	float got = -1.0f;

	assert_true(b->ops->supports(b, w->spec->name));
	if (b->ops->prepare(b, w, NULL, &st, err, sizeof(err)) < 0 ||
	    b->ops->run(b, st, 2, &dev_ns, err, sizeof(err)) < 0 ||
	    b->ops->output(b, st, &got, err, sizeof(err)) < 0)
		fail_msg("%s on %s: %s", w->spec->name, b->name, err);
	b->ops->release(b, st);
	return got;
}

static float ref_token(const struct workload *w)
{
	float t = -1.0f;

	w->spec->reference(w->params, (const float *const *)w->inputs, &t);
	return t;
}

/* Logits quantised to quarters (thousands of ties), u moved to the
 * middle of its bucket again, so that ties decide the token. */
static void make_tied(struct workload *w, enum ref_sample_rule rule)
{
	size_t v = (size_t)w->params[0];
	struct ref_sample_pick pk;

	for (size_t i = 0; i < v; i++)
		w->inputs[0][i] = floorf(w->inputs[0][i] * 0.5f) * 0.25f;
	assert_int_equal(ref_sample(rule, v, rule == REF_SAMPLE_TOP_K ?
				    (size_t)w->params[1] : 0, w->inputs[0],
				    w->inputs[1][0], &pk), 0);
	w->inputs[1][0] = (float)(0.5 * (pk.lo + pk.hi));
}

static void check_family(const struct backend_family *f)
{
	static const long vocabs[] = { 1, 7, 1003, 151936 };
	static const uint64_t seeds[] = { 1, 977 };
	struct backend *bs[MAX_DEV];
	char note[MC_ERRLEN] = "";
	size_t n = 0;

	if (f->discover(bs, MAX_DEV, &n, note, sizeof(note)) < 0 || n == 0)
		fail_msg("%s discover: %s", f->name, note);
	for (size_t r = 0; r < 4; r++)
		for (size_t v = 0; v < 4; v++)
			for (size_t s = 0; s < 2; s++)
				for (int tied = 0; tied < 2; tied++) {
					struct workload *w = make(kernels[r], vocabs[v],
								  50, seeds[s]);
					float want, got;

					if (tied)
						make_tied(w, (enum ref_sample_rule)r);
					want = ref_token(w);
					got = backend_token(bs[0], w);
					if (got != want)
						fail_msg("%s vocab=%ld seed %llu%s on %s: "
							 "token %g, reference %g",
							 kernels[r], vocabs[v],
							 (unsigned long long)seeds[s],
							 tied ? " (tied)" : "",
							 bs[0]->name, got, want);
					workload_destroy(w);
				}
	for (size_t i = 0; i < n; i++)
		bs[i]->ops->destroy(bs[i]);
}

static void test_cpu(void **state)
{
	(void)state;
	check_family(&backend_cpu);
	cpu_force_scalar(1);
	check_family(&backend_cpu);
	cpu_force_scalar(0);
}

static void test_ref(void **state)
{
	(void)state;
	check_family(&backend_ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_finish),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_ref),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
