/*
 * test_empty.c - unit tests of the launch-floor kernel empty (y = x + 1):
 * its spec's plan and reference, and the cpu, ref and OpenCL backends
 * against that reference at the suite's n = 1 and at sizes that cross a
 * work-group. With no OpenCL device the OpenCL test skips, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "backend.h"
#include "fixture.h"
#include "err.h"
#include "workload.h"

#define MAX_DEV 16

static struct workload *make(long n)
{
	const struct kernel_spec *spec = workload_find("empty");
	long params[WORKLOAD_MAX_PARAMS] = { n };
	struct workload *w = NULL;
	char err[MC_ERRLEN];

	assert_non_null(spec);
	if (workload_create(spec, params, 7, &w, err, sizeof(err)) < 0)
		fail_msg("workload_create(empty, n=%ld): %s", n, err);
	return w;
}

static void test_plan(void **state)
{
	const struct kernel_spec *spec = workload_find("empty");
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long n[] = { 1000 }, one[] = { 1 }, zero[] = { 0 };

	(void)state;
	assert_non_null(spec);
	assert_string_equal(spec->param_names[0], "n");
	assert_null(spec->param_names[1]);
	assert_string_equal(spec->input_names[0], "x");
	assert_null(spec->input_names[1]);
	assert_int_equal(spec->plan(n, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 1);
	assert_int_equal(p.input_len[0], 1000);
	assert_int_equal(p.output_len, 1000);
	assert_int_equal(p.output_shape.n_dims, 1);
	assert_int_equal(p.output_shape.dims[0], 1000);
	assert_true(p.flops == 1000.0);
	assert_true(p.bytes == 8.0 * 1000);
	assert_int_equal(spec->plan(one, &p, err, sizeof(err)), 0);
	assert_int_equal(p.output_len, 1);
	assert_int_equal(spec->plan(zero, &p, err, sizeof(err)), MC_EINVAL);
}

/* The reference is x + 1, and a kernel that never ran (y = 0) fails the
 * spec's tolerances. */
static void test_reference(void **state)
{
	struct workload *w = make(257);
	float *y = malloc(257 * sizeof(float)), *zero = calloc(257, sizeof(float));
	double max_abs, max_rel;
	char err[MC_ERRLEN];

	(void)state;
	assert_non_null(y);
	assert_non_null(zero);
	w->spec->reference(w->params, (const float *const *)w->inputs, y);
	for (size_t i = 0; i < 257; i++)
		assert_true(y[i] == (float)((double)w->inputs[0][i] + 1.0));
	assert_true(workload_check(y, zero, 257, w->spec->rtol, w->spec->atol,
				   &max_abs, &max_rel, err, sizeof(err)) < 0);
	free(zero);
	free(y);
	workload_destroy(w);
}

/* Runs empty over n on b for 2 iterations and checks it against the
 * reference with the spec's tolerances. */
static void check(struct backend *b, long n)
{
	struct workload *w = make(n);

	fixture_check_workload(b, w);
	workload_destroy(w);
}

static void check_family(const struct backend_family *f, int may_be_absent)
{
	static const long sizes[] = { 1, 2, 257, 1003 };

	fixture_each_instance(f, may_be_absent, sizes, sizeof(sizes) / sizeof(sizes[0]),
			      check);
}

static void test_cpu(void **state)
{
	(void)state;
	check_family(&backend_cpu, 0);
}

static void test_ref(void **state)
{
	(void)state;
	check_family(&backend_ref, 0);
}

static void test_opencl(void **state)
{
	(void)state;
	check_family(&backend_opencl, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_opencl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
