/*
 * test_triad.c - unit tests of the triad kernel (a = b + 3c): its spec's
 * plan and reference, and the cpu and OpenCL backends against that
 * reference on odd sizes, in cache and past the cpu kernel's threading
 * threshold. With no OpenCL device the OpenCL test skips, saying why.
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
	const struct kernel_spec *spec = workload_find("triad");
	long params[WORKLOAD_MAX_PARAMS] = { n };
	struct workload *w = NULL;
	char err[MC_ERRLEN];

	assert_non_null(spec);
	if (workload_create(spec, params, 7, &w, err, sizeof(err)) < 0)
		fail_msg("workload_create(triad, n=%ld): %s", n, err);
	return w;
}

static void test_plan(void **state)
{
	const struct kernel_spec *spec = workload_find("triad");
	struct workload_plan p;
	char err[MC_ERRLEN];
	const long n[] = { 1000 }, zero[] = { 0 };

	(void)state;
	assert_non_null(spec);
	assert_string_equal(spec->param_names[0], "n");
	assert_string_equal(spec->input_names[0], "b");
	assert_string_equal(spec->input_names[1], "c");
	assert_int_equal(spec->plan(n, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 2);
	assert_int_equal(p.input_len[0], 1000);
	assert_int_equal(p.input_len[1], 1000);
	assert_int_equal(p.output_len, 1000);
	assert_int_equal(p.input_shape[1].n_dims, 1);
	assert_int_equal(p.input_shape[1].dims[0], 1000);
	assert_int_equal(p.output_shape.dims[0], 1000);
	assert_true(p.flops == 2.0 * 1000);
	assert_true(p.bytes == 12.0 * 1000);
	assert_int_equal(spec->plan(zero, &p, err, sizeof(err)), MC_EINVAL);
}

/* The reference is b + 3c: exact in double for floats in [-1, 1). */
static void test_reference(void **state)
{
	struct workload *w = make(257);
	float *a = malloc(257 * sizeof(float));

	(void)state;
	assert_non_null(a);
	w->spec->reference(w->params, (const float *const *)w->inputs, a);
	for (size_t i = 0; i < 257; i++)
		assert_true(a[i] == (float)((double)w->inputs[0][i] +
					    3.0 * (double)w->inputs[1][i]));
	/* the inputs differ, so a mixed-up b and c would show */
	assert_true(w->inputs[0][0] != w->inputs[1][0]);
	free(a);
	workload_destroy(w);
}

/* Runs triad over n on b for 2 iterations and checks it against the
 * reference with the spec's tolerances. */
static void check(struct backend *b, long n)
{
	struct workload *w = make(n);

	fixture_check_workload(b, w);
	workload_destroy(w);
}

static void check_family(const struct backend_family *f, int may_be_absent)
{
	static const long sizes[] = { 1, 1003, 65536 + 37, 300001 };

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
