/*
 * test_suite.c - unit tests of suite loading: the shipped suites, grid
 * expansion order and settings, quick grids, and every error a suite file
 * can provoke, each with the exact file and JSON path in the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "err.h"
#include "suite.h"

static char fixture[4096];

static const char *fixture_path(const char *name)
{
	const char *dir = getenv("MCBENCH_FIXTURES");

	snprintf(fixture, sizeof(fixture), "%s/%s", dir ? dir : "tests/fixtures/suites", name);
	return fixture;
}

static const char *suites_dir(void)
{
	const char *dir = getenv("MCBENCH_SUITES");

	return dir && *dir ? dir : "suites";
}

static struct suite *load_ok(const char *path, int quick)
{
	char err[MC_ERRLEN] = "";
	struct suite *s = NULL;
	int rc = suite_load(path, quick, &s, err, sizeof(err));

	if (rc != 0)
		fail_msg("%s: %s", path, err);
	assert_non_null(s);
	return s;
}

/* Loads fixture name, expects code and err == "<path>: " expected_tail. */
static void expect_error(const char *name, int code, const char *expected_tail)
{
	char err[MC_ERRLEN] = "", want[MC_ERRLEN + 4096];
	struct suite *s = (struct suite *)1;
	const char *path = fixture_path(name);
	int rc = suite_load(path, 0, &s, err, sizeof(err));

	assert_int_equal(rc, code);
	assert_null(s);
	snprintf(want, sizeof(want), "%s%s", path, expected_tail);
	assert_string_equal(err, want);
}

static void test_expansion_order(void **state)
{
	struct suite *s = load_ok(fixture_path("order.json"), 0);
	static const long want[4][3] = { {1, 3, 4}, {1, 3, 5}, {2, 3, 4}, {2, 3, 5} };

	(void)state;
	assert_string_equal(s->name, "order");
	assert_string_equal(s->description, "expansion order and settings");
	assert_string_equal(s->path, fixture_path("order.json"));
	assert_int_equal(s->n_benches, 5);
	for (size_t i = 0; i < 4; i++) {
		const struct suite_bench *b = &s->benches[i];

		assert_string_equal(b->spec->name, "sgemm");
		assert_int_equal(b->params[0], want[i][0]);
		assert_int_equal(b->params[1], want[i][1]);
		assert_int_equal(b->params[2], want[i][2]);
		assert_int_equal(b->samples, 7);
		assert_true(b->target_ms == 10.0);
		assert_true(b->max_seconds == 30.0);
		assert_int_equal(b->seed, 9);
		assert_true(b->rtol == 0.5);
		assert_true(b->atol == 0.25);
		assert_non_null(b->backends);
		assert_true(suite_bench_allows(b, "cpu"));
		assert_true(suite_bench_allows(b, "opencl"));
		assert_true(suite_bench_allows(b, "opencl:NVIDIA H100"));
		assert_false(suite_bench_allows(b, "ref"));
		assert_false(suite_bench_allows(b, "openc"));
	}
	assert_string_equal(s->benches[0].name, "sgemm/m=1,n=3,k=4");
	assert_string_equal(s->benches[1].name, "sgemm/m=1,n=3,k=5");
	assert_string_equal(s->benches[3].name, "sgemm/m=2,n=3,k=5");

	const struct suite_bench *b = &s->benches[4];
	assert_string_equal(b->name, "softmax/rows=16,cols=32");
	assert_null(b->backends);
	assert_true(suite_bench_allows(b, "ref"));
	assert_int_equal(b->samples, 2);
	assert_true(b->target_ms == 3.0);
	assert_true(b->max_seconds == 4.0);
	assert_int_equal(b->seed, 11);
	assert_true(b->rtol == 0.5);
	assert_true(b->atol == b->spec->atol);
	suite_free(s);
}

static void test_quick(void **state)
{
	struct suite *s = load_ok(fixture_path("order.json"), 1);

	(void)state;
	/* m replaced by [2]; the softmax entry says "quick": false. */
	assert_int_equal(s->n_benches, 2);
	assert_string_equal(s->benches[0].name, "sgemm/m=2,n=3,k=4");
	assert_string_equal(s->benches[1].name, "sgemm/m=2,n=3,k=5");
	assert_int_equal(s->benches[0].samples, 3);
	assert_true(s->benches[0].target_ms == 1.0);
	suite_free(s);
}

static void test_shipped_layer_ops(void **state)
{
	char path[4096];
	struct suite *s, *q;
	static const char *const kernels[] = { "softmax", "layernorm", "rmsnorm" };

	(void)state;
	snprintf(path, sizeof(path), "%s/layer_ops.json", suites_dir());
	s = load_ok(path, 0);
	assert_string_equal(s->name, "layer_ops");
	assert_int_equal(s->n_benches, 6);
	for (size_t i = 0; i < 3; i++) {
		char want[64];

		snprintf(want, sizeof(want), "%s/rows=64,cols=1024", kernels[i]);
		assert_string_equal(s->benches[2 * i].name, want);
		snprintf(want, sizeof(want), "%s/rows=32768,cols=1024", kernels[i]);
		assert_string_equal(s->benches[2 * i + 1].name, want);
		assert_true(suite_bench_allows(&s->benches[2 * i], "ref"));
		assert_int_equal(s->benches[2 * i].samples, 10);
		assert_int_equal(s->benches[2 * i].seed, 42);
	}
	q = load_ok(path, 1);
	assert_int_equal(q->n_benches, 6);
	assert_string_equal(q->benches[1].name, "softmax/rows=1024,cols=1024");
	assert_int_equal(q->benches[1].samples, 20);
	assert_true(q->benches[1].target_ms == 1.0);
	suite_free(q);
	suite_free(s);
}

static void test_shipped_matmul(void **state)
{
	char path[4096];
	struct suite *s, *q;
	static const char *const full[] = {
		"sgemm/m=256,n=256,k=256", "sgemm/m=512,n=512,k=512",
		"sgemm/m=1024,n=1024,k=1024", "sgemm/m=2048,n=2048,k=2048",
		"sgemm/m=4096,n=4096,k=4096",
		"sgemm/m=64,n=8,k=512", "sgemm/m=64,n=8,k=1024", "sgemm/m=64,n=8,k=2048",
		"sgemm/m=64,n=1024,k=8",
	};
	/* quick: the smallest square and one of each skinny shape */
	static const char *const quick[] = {
		"sgemm/m=256,n=256,k=256", "sgemm/m=64,n=8,k=512", "sgemm/m=64,n=1024,k=8",
	};

	(void)state;
	snprintf(path, sizeof(path), "%s/matmul.json", suites_dir());
	s = load_ok(path, 0);
	assert_int_equal(s->n_benches, sizeof(full) / sizeof(full[0]));
	for (size_t i = 0; i < s->n_benches; i++) {
		const struct suite_bench *b = &s->benches[i];
		int big = b->params[0] >= 1024;

		assert_string_equal(b->name, full[i]);
		/* The reference only runs the squares up to 512 and the skinny ones. */
		assert_int_equal(suite_bench_allows(b, "ref"), !big);
		assert_true(suite_bench_allows(b, "cpu"));
		assert_true(suite_bench_allows(b, "opencl"));
	}
	q = load_ok(path, 1);
	assert_int_equal(q->n_benches, sizeof(quick) / sizeof(quick[0]));
	for (size_t i = 0; i < q->n_benches; i++)
		assert_string_equal(q->benches[i].name, quick[i]);
	suite_free(q);
	suite_free(s);
}

static void test_every_shipped_suite_loads(void **state)
{
	char err[MC_ERRLEN] = "";
	char **paths = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(suite_list(suites_dir(), &paths, err, sizeof(err)), 0);
	for (; paths[n]; n++) {
		struct suite *s;

		if (n > 0)
			assert_true(strcmp(paths[n - 1], paths[n]) < 0);
		for (int quick = 0; quick < 2; quick++) {
			s = load_ok(paths[n], quick);
			suite_free(s);
		}
	}
	assert_true(n >= 2);
	suite_list_free(paths);
}

static void test_list_missing_dir(void **state)
{
	char err[MC_ERRLEN] = "";
	char **paths = (char **)1;

	(void)state;
	assert_int_equal(suite_list("/nonexistent/suites", &paths, err, sizeof(err)), MC_EIO);
	assert_null(paths);
	assert_non_null(strstr(err, "/nonexistent/suites: cannot open suite directory"));
	suite_list_free(NULL);
	suite_free(NULL);
}

static void test_suite_dir(void **state)
{
	const char *old = getenv("MCBENCH_SUITES");
	char *saved = old ? strdup(old) : NULL;

	(void)state;
	setenv("MCBENCH_SUITES", "/some/where", 1);
	assert_string_equal(suite_dir(), "/some/where");
	unsetenv("MCBENCH_SUITES");
	/* Run from the source tree, ./suites exists. */
	assert_string_equal(suite_dir(), "suites");
	if (saved)
		setenv("MCBENCH_SUITES", saved, 1);
	free(saved);
}

/* The unknown-kernel message lists every kernel, in workload_kernels order. */
static const char *known_kernels_tail(void)
{
	static char tail[MC_ERRLEN];
	const struct kernel_spec *const *ks = workload_kernels();
	size_t len = (size_t)snprintf(tail, sizeof(tail),
				      ": $.benchmarks[0].kernel: unknown kernel \"sofmax\" (known: ");

	for (size_t i = 0; ks[i]; i++)
		len += (size_t)snprintf(tail + len, sizeof(tail) - len, "%s%s",
					i ? ", " : "", ks[i]->name);
	snprintf(tail + len, sizeof(tail) - len, ")");
	assert_non_null(strstr(tail, "(known: softmax, layernorm, rmsnorm, sgemm"));
	return tail;
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("parse_error.json", MC_EINVAL, ":4:50: parse error");
	expect_error("bad_int.json", MC_EINVAL,
		     ": $.benchmarks[1].grid.rows[0]: expected a positive integer");
	expect_error("bad_frac.json", MC_EINVAL,
		     ": $.benchmarks[0].grid.n[1]: expected a positive integer");
	expect_error("bad_kernel.json", MC_EINVAL, known_kernels_tail());
	expect_error("bad_param.json", MC_EINVAL,
		     ": $.benchmarks[0].grid.rowz: kernel softmax has no parameter "
		     "\"rowz\" (its parameters: rows, cols)");
	expect_error("missing_param.json", MC_EINVAL,
		     ": $.benchmarks[0].grid: missing parameter \"cols\" of kernel "
		     "layernorm (its parameters: rows, cols)");
	expect_error("bad_top_key.json", MC_EINVAL,
		     ": $.benchmark: unknown key \"benchmark\" (known: name, "
		     "description, defaults, benchmarks)");
	expect_error("bad_backend.json", MC_EINVAL,
		     ": $.benchmarks[0].backends[1]: unknown backend family \"cuda\" "
		     "(known: ref, cpu, opencl, mlx, torch)");
	expect_error("bad_quick.json", MC_EINVAL,
		     ": $.benchmarks[0].quick.rowz: kernel softmax has no parameter "
		     "\"rowz\" (its parameters: rows, cols)");
	expect_error("bad_defaults.json", MC_EINVAL,
		     ": $.defaults.sample: unknown key \"sample\" (known: samples, "
		     "target_ms, quick_samples, quick_target_ms, seed, rtol, atol, "
		     "max_seconds)");
	expect_error("duplicate.json", MC_EINVAL,
		     ": $.benchmarks[1]: softmax/rows=128,cols=1024 is also produced "
		     "by $.benchmarks[0]");
	expect_error("no_such_file.json", MC_EIO,
		     ": cannot open: No such file or directory");
}

static void test_plan_error(void **state)
{
	char err[MC_ERRLEN] = "", want[MC_ERRLEN + 4096];
	struct suite *s = NULL;
	const char *path = fixture_path("bad_plan.json");

	(void)state;
	assert_int_equal(suite_load(path, 0, &s, err, sizeof(err)), MC_EINVAL);
	assert_null(s);
	/* The spec's own sentence follows the benchmark's path and name. */
	snprintf(want, sizeof(want), "%s: $.benchmarks[1]: softmax/rows=1048576,cols=4096: ",
		 path);
	assert_memory_equal(err, want, strlen(want));
	assert_true(strlen(err) > strlen(want));
}

/* "mlx:cuda" in a benchmark's backends allows mlx's CUDA instances and
 * not its CPU one; a plain family allows all of its instances. */
static void test_backends_by_device(void **state)
{
	char *list[] = { (char *)"cpu", (char *)"mlx:cuda", NULL };
	struct suite_bench b = { 0 };

	(void)state;
	b.backends = list;
	assert_true(suite_bench_allows(&b, "cpu"));
	assert_true(suite_bench_allows(&b, "mlx:cuda:NVIDIA H200"));
	assert_true(suite_bench_allows(&b, "mlx:cuda"));
	assert_false(suite_bench_allows(&b, "mlx"));
	assert_false(suite_bench_allows(&b, "mlx:cudax:GPU"));
	assert_false(suite_bench_allows(&b, "torch:cuda:NVIDIA H200"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expansion_order),
		cmocka_unit_test(test_backends_by_device),
		cmocka_unit_test(test_quick),
		cmocka_unit_test(test_shipped_layer_ops),
		cmocka_unit_test(test_shipped_matmul),
		cmocka_unit_test(test_every_shipped_suite_loads),
		cmocka_unit_test(test_list_missing_dir),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plan_error),
		cmocka_unit_test(test_suite_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
