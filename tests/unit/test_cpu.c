/*
 * test_cpu.c - unit tests of the CPU kernels (kernels/cpu), the ref and cpu
 * backends and backend discovery: every cpu kernel matches the reference
 * within its spec's tolerance on odd sizes (SIMD and scalar paths, one and
 * several threads, cached and streaming stores), a corrupted output fails
 * validation, the fast exp is within a few ulp, the backends follow the
 * prepare/run/output/release contract, and the roofline probes return
 * sane numbers.
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
#include "clock.h"
#include "err.h"
#include "workload.h"
#include "cpu/cpu.h"
#include "ref/ref.h"

/* Runs kernel at params through the backend instance be and validates the
 * output against the reference with the spec's tolerances. */
static void check_backend(struct backend *be, const char *kernel,
			  const long *params)
{
	const struct kernel_spec *spec = workload_find(kernel);
	struct workload *w = NULL;
	void *st = NULL;
	float *ref, *got;
	double dev_ns = 0, max_abs, max_rel;
	char err[MC_ERRLEN] = "", name[160];
	int rc;

	assert_int_equal(workload_create(spec, params, 11, &w, err, sizeof(err)), 0);
	workload_name(w, name, sizeof(name));
	ref = malloc(w->plan.output_len * sizeof(float));
	got = malloc(w->plan.output_len * sizeof(float));
	assert_non_null(ref);
	assert_non_null(got);
	spec->reference(w->params, (const float *const *)w->inputs, ref);
	assert_true(be->ops->supports(be, kernel));
	assert_int_equal(be->ops->prepare(be, w, "", &st, err, sizeof(err)), 0);
	assert_int_equal(be->ops->run(be, st, 3, &dev_ns, err, sizeof(err)), 0);
	assert_true(dev_ns == -1);
	assert_int_equal(be->ops->output(be, st, got, err, sizeof(err)), 0);
	rc = workload_check(ref, got, w->plan.output_len, spec->rtol, spec->atol,
			    &max_abs, &max_rel, err, sizeof(err));
	if (rc)
		print_error("%s on %s: %s\n", be->name, name, err);
	assert_int_equal(rc, 0);
	be->ops->release(be, st);
	free(ref);
	free(got);
	workload_destroy(w);
}

static struct backend *discover_one(const struct backend_family *f)
{
	struct backend *out[4];
	size_t n = 0;
	char err[MC_ERRLEN] = "";

	assert_int_equal(f->discover(out, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0]->name, f->name);
	assert_string_equal(out[0]->family, f->name);
	assert_int_equal(out[0]->has_device_clock, 0);
	return out[0];
}

static const long sm_small[] = { 3, 1000 }, sm_odd[] = { 5, 1003 };
static const long sm_threaded[] = { 301, 257 }, sm_one[] = { 1, 1 };
/* Few columns: a row of 3 uniform values can have a tiny variance, which
 * makes layer norm ill-conditioned (see the tolerance note in workload.c),
 * so layernorm gets 16 columns here. */
static const long sm_tiny_cols[] = { 70000, 3 }, ln_tiny_cols[] = { 70000, 16 };
static const long gemm_odd[] = { 17, 33, 65 }, gemm_one[] = { 1, 1, 1 };
static const long lora_odd[] = { 2, 3, 65, 33, 5 };

static void check_all_kernels(struct backend *be)
{
	static const char *const rows_kernels[] = { "softmax", "layernorm", "rmsnorm" };

	for (int k = 0; k < 3; k++) {
		check_backend(be, rows_kernels[k], sm_small);
		check_backend(be, rows_kernels[k], sm_odd);
		check_backend(be, rows_kernels[k], sm_threaded);
		check_backend(be, rows_kernels[k], sm_one);
		check_backend(be, rows_kernels[k], k == 1 ? ln_tiny_cols : sm_tiny_cols);
	}
	check_backend(be, "sgemm", gemm_odd);
	check_backend(be, "sgemm", gemm_one);
	check_backend(be, "lora_forward", lora_odd);
}

static void test_cpu_matches_reference(void **state)
{
	struct backend *be = discover_one(&backend_cpu);

	(void)state;
	print_message("simd path: %s\n", cpu_simd_name());
	check_all_kernels(be);
	be->ops->destroy(be);
}

static void test_cpu_scalar_matches_reference(void **state)
{
	struct backend *be = discover_one(&backend_cpu);

	(void)state;
	cpu_force_scalar(1);
	assert_string_equal(cpu_simd_name(), "scalar");
	check_all_kernels(be);
	cpu_force_scalar(0);
	be->ops->destroy(be);
}

/* Outputs larger than the last-level cache take the streaming-store path;
 * odd cols make every row start unaligned. */
static void test_cpu_streaming(void **state)
{
	struct backend *be = discover_one(&backend_cpu);
	long long llc = cpu_llc_bytes();
	long p[2] = { 0, 1025 };

	(void)state;
	if (llc <= 0 || llc > 64LL << 20) {
		print_message("skipped: last-level cache %lld bytes\n", llc);
		be->ops->destroy(be);
		skip();
	}
	p[0] = (long)(llc / 4 / 1025) + 3;
	check_backend(be, "softmax", p);
	check_backend(be, "layernorm", p);
	check_backend(be, "rmsnorm", p);
	be->ops->destroy(be);
}

static void test_ref_backend(void **state)
{
	struct backend *be = discover_one(&backend_ref);
	const long p[] = { 4, 9 };
	void *st = (void *)1;
	struct workload *w = NULL;
	char err[MC_ERRLEN] = "";

	(void)state;
	for (const struct kernel_spec *const *k = workload_kernels(); *k; k++)
		assert_true(be->ops->supports(be, (*k)->name));
	assert_false(be->ops->supports(be, "nope"));
	assert_null(be->ops->variants(be, "softmax"));
	check_backend(be, "softmax", sm_small);
	check_backend(be, "sgemm", gemm_odd);
	check_backend(be, "lora_forward", lora_odd);
	assert_int_equal(workload_create(workload_find("softmax"), p, 1, &w, err,
					 sizeof(err)), 0);
	assert_int_equal(be->ops->prepare(be, w, "fused", &st, err, sizeof(err)),
			 MC_ENOTSUP);
	assert_null(st);
	assert_non_null(strstr(err, "fused"));
	be->ops->release(be, NULL);
	workload_destroy(w);
	be->ops->destroy(be);
}

/* A kernel that is wrong in one element must fail validation. */
static void test_wrong_output_fails(void **state)
{
	struct backend *be = discover_one(&backend_cpu);
	const long p[] = { 7, 333 };
	const long g[] = { 17, 33, 65 };
	struct workload *w = NULL;
	void *st = NULL;
	float *ref, *got;
	double dev_ns;
	char err[MC_ERRLEN] = "";

	(void)state;
	for (int pass = 0; pass < 2; pass++) {
		const char *kernel = pass ? "sgemm" : "softmax";
		const struct kernel_spec *spec = workload_find(kernel);

		assert_int_equal(workload_create(spec, pass ? g : p, 3, &w, err,
						 sizeof(err)), 0);
		ref = malloc(w->plan.output_len * sizeof(float));
		got = malloc(w->plan.output_len * sizeof(float));
		spec->reference(w->params, (const float *const *)w->inputs, ref);
		assert_int_equal(be->ops->prepare(be, w, NULL, &st, err, sizeof(err)), 0);
		assert_int_equal(be->ops->run(be, st, 1, &dev_ns, err, sizeof(err)), 0);
		assert_int_equal(be->ops->output(be, st, got, err, sizeof(err)), 0);
		if (workload_check(ref, got, w->plan.output_len, spec->rtol,
				   spec->atol, NULL, NULL, err, sizeof(err)))
			fail_msg("%s: %s", kernel, err);
		/* one element off by 1% of the largest output */
		{
			float scale = 0;

			for (size_t i = 0; i < w->plan.output_len; i++)
				scale = fabsf(ref[i]) > scale ? fabsf(ref[i]) : scale;
			got[w->plan.output_len / 2] += 0.01f * scale;
		}
		assert_int_equal(workload_check(ref, got, w->plan.output_len, spec->rtol,
						spec->atol, NULL, NULL, err,
						sizeof(err)), MC_EVALID);
		assert_non_null(strstr(err, "differs from the reference"));
		be->ops->release(be, st);
		free(ref);
		free(got);
		workload_destroy(w);
	}
	be->ops->destroy(be);
}

/* The polynomial exp through softmax: exponents over [-100, 0] give
 * probabilities down to the clamp; each must be within ~2 ulp. */
static void test_fast_exp_accuracy(void **state)
{
	enum { N = 1003 };
	float x[N], y[N], r[N];
	double worst = 0;

	(void)state;
	for (int j = 0; j < N; j++)
		x[j] = -0.1f * (float)j + (j % 7) * 1e-3f;
	cpu_softmax(1, N, x, y);
	ref_softmax(1, N, x, r);
	for (int j = 0; j < N; j++) {
		if (r[j] < 1e-30f) {
			/* clamped tail: tiny, never NaN, Inf or negative */
			assert_true(y[j] >= 0 && y[j] < 1e-30f);
			continue;
		}
		if (fabs((double)y[j] - r[j]) / r[j] > worst)
			worst = fabs((double)y[j] - r[j]) / r[j];
	}
	print_message("worst relative error of the fast exp softmax: %.2e\n", worst);
	assert_true(worst < 4e-7);
}

/* Layer norm's one-pass variance far from 0: rows with a large mean and a
 * unit spread, one of them with an outlier among the first elements (which
 * set the shift), must match the double-precision reference as closely as
 * near 0, where the naive E[x^2] - E[x]^2 in float would lose every digit. */
static void test_layernorm_offset(void **state)
{
	enum { ROWS = 3, COLS = 1003 };
	static float x[ROWS * COLS], y[ROWS * COLS], r[ROWS * COLS];
	float gamma[COLS], beta[COLS];
	double worst = 0, scale = 0;

	(void)state;
	for (int j = 0; j < COLS; j++) {
		float u = (float)((j * 2654435761u) % 2001) / 1000.0f - 1.0f;

		x[j] = 1e4f + u;
		x[COLS + j] = -3e3f + u;
		x[2 * COLS + j] = 1e4f + u + (j == 2 ? 50.0f : 0.0f);
		gamma[j] = 1.0f + 0.001f * (float)(j % 5);
		beta[j] = 0.01f * (float)(j % 3);
	}
	cpu_layernorm(ROWS, COLS, x, gamma, beta, y);
	ref_layernorm(ROWS, COLS, x, gamma, beta, r);
	for (int j = 0; j < ROWS * COLS; j++)
		scale = fmax(scale, fabs(r[j]));
	for (int j = 0; j < ROWS * COLS; j++)
		worst = fmax(worst, fabs((double)y[j] - r[j]) / scale);
	print_message("worst error of layernorm at a large mean: %.2e of max |y|\n",
		      worst);
	assert_true(worst < 1e-5);
}

/* The backend must not write its inputs and must own its output. */
static void test_inputs_untouched(void **state)
{
	struct backend *be = discover_one(&backend_cpu);
	const long p[] = { 2, 3, 65, 33, 5 };
	struct workload *w = NULL;
	void *s1 = NULL, *s2 = NULL;
	float *copy[4], *o1, *o2;
	double dev;
	char err[MC_ERRLEN];

	(void)state;
	assert_int_equal(workload_create(workload_find("lora_forward"), p, 9, &w,
					 err, sizeof(err)), 0);
	for (int i = 0; i < 4; i++) {
		copy[i] = malloc(w->plan.input_len[i] * sizeof(float));
		memcpy(copy[i], w->inputs[i], w->plan.input_len[i] * sizeof(float));
	}
	o1 = malloc(w->plan.output_len * sizeof(float));
	o2 = malloc(w->plan.output_len * sizeof(float));
	assert_int_equal(be->ops->prepare(be, w, "", &s1, err, sizeof(err)), 0);
	assert_int_equal(be->ops->prepare(be, w, "", &s2, err, sizeof(err)), 0);
	assert_int_equal(be->ops->run(be, s1, 2, &dev, err, sizeof(err)), 0);
	assert_int_equal(be->ops->run(be, s2, 1, &dev, err, sizeof(err)), 0);
	assert_int_equal(be->ops->output(be, s1, o1, err, sizeof(err)), 0);
	assert_int_equal(be->ops->output(be, s2, o2, err, sizeof(err)), 0);
	assert_memory_equal(o1, o2, w->plan.output_len * sizeof(float));
	for (int i = 0; i < 4; i++) {
		assert_memory_equal(copy[i], w->inputs[i],
				    w->plan.input_len[i] * sizeof(float));
		free(copy[i]);
	}
	be->ops->release(be, s1);
	be->ops->release(be, s2);
	free(o1);
	free(o2);
	workload_destroy(w);
	be->ops->destroy(be);
}

static void test_describe(void **state)
{
	const struct backend_family *fams[] = { &backend_ref, &backend_cpu };

	(void)state;
	for (int f = 0; f < 2; f++) {
		struct backend *be = discover_one(fams[f]);
		cJSON *obj = cJSON_CreateObject();
		const cJSON *v;

		be->ops->describe(be, obj);
		assert_string_equal(cJSON_GetObjectItem(obj, "kind")->valuestring, "cpu");
		v = cJSON_GetObjectItem(obj, "name");
		assert_true(cJSON_IsString(v) && v->valuestring[0]);
		v = cJSON_GetObjectItem(obj, "compute_units");
		assert_true(cJSON_IsNumber(v) && v->valuedouble >= 1);
		v = cJSON_GetObjectItem(obj, "global_mem");
		assert_true(cJSON_IsNumber(v) && v->valuedouble > 1e6);
		print_message("%s: %s, %g CPUs\n", be->name,
			      cJSON_GetObjectItem(obj, "name")->valuestring,
			      cJSON_GetObjectItem(obj, "compute_units")->valuedouble);
		cJSON_Delete(obj);
		be->ops->destroy(be);
	}
}

/*
 * The probes' figures are finite and at least the least work a probe does
 * over the time the call took (cpu.h: the best round is at least the
 * average). That bound holds however slow the machine is, so it holds
 * under valgrind, 50-1000x slower (emulated FMA), where the fixed floor of
 * 0.1 GFLOP/s this test once had did not; it still catches a figure in the
 * wrong unit or with work left uncounted. This is the process's first
 * probe (no other test calls one), so the call measures.
 */
static void test_roofline(void **state)
{
	struct backend *cpu = discover_one(&backend_cpu);
	struct backend *ref = discover_one(&backend_ref);
	double gf = -1, gb = -1, gf2 = -1, gb2 = -1, call_ns;
	char err[MC_ERRLEN] = "";
	uint64_t t0;

	(void)state;
	t0 = clock_now_ns();
	assert_int_equal(cpu->ops->roofline(cpu, &gf, &gb, err, sizeof(err)), 0);
	call_ns = (double)(clock_now_ns() - t0);
	print_message("cpu roofline: %.3g GFLOP/s FP32 FMA, %.3g GB/s triad in %.3g s; "
		      "at least %.3g and %.3g\n", gf, gb, call_ns * 1e-9,
		      (double)CPU_ROOFLINE_MIN_FLOPS / call_ns,
		      (double)CPU_ROOFLINE_MIN_BYTES / call_ns);
	assert_true(isfinite(gf) && gf >= (double)CPU_ROOFLINE_MIN_FLOPS / call_ns);
	assert_true(isfinite(gb) && gb >= (double)CPU_ROOFLINE_MIN_BYTES / call_ns);
	/* cached: the ref backend reports the very same numbers */
	assert_int_equal(ref->ops->roofline(ref, &gf2, &gb2, err, sizeof(err)), 0);
	assert_true(gf == gf2 && gb == gb2);
	cpu->ops->destroy(cpu);
	ref->ops->destroy(ref);
}

/* Discovery filters by family or instance name and rejects unknown names.
 * Uses only ref and cpu so that it needs no OpenCL device. */
static void test_discover_all(void **state)
{
	const char *const only_cpu[] = { "cpu" };
	const char *const only_both[] = { "ref", "cpu" };
	const char *const bad[] = { "gpu" };
	const char *const missing[] = { "opencl:No Such Device 9000" };
	const struct backend_family *const *fams = backend_families();
	struct backend **bs = NULL;
	size_t n = 99;
	char notes[1024], err[MC_ERRLEN];

	(void)state;
	assert_ptr_equal(fams[0], &backend_ref);
	assert_ptr_equal(fams[1], &backend_cpu);
	assert_ptr_equal(fams[2], &backend_opencl);
	for (size_t f = 0; fams[f]; f++) {
		assert_non_null(fams[f]->name);
		assert_non_null(fams[f]->discover);
	}

	assert_int_equal(backend_discover_all(only_cpu, 1, &bs, &n, notes,
					      sizeof(notes), err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(bs[0]->name, "cpu");
	assert_string_equal(notes, "");
	backend_free_all(bs, n);

	assert_int_equal(backend_discover_all(only_both, 2, &bs, &n, notes,
					      sizeof(notes), err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(bs[0]->name, "ref");
	assert_string_equal(bs[1]->name, "cpu");
	backend_free_all(bs, n);

	assert_int_equal(backend_discover_all(bad, 1, &bs, &n, notes,
					      sizeof(notes), err, sizeof(err)),
			 MC_EINVAL);
	assert_null(bs);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "'gpu'"));
	assert_non_null(strstr(err, "ref, cpu, opencl"));

	/* an instance that is not there (whether or not OpenCL works) */
	assert_true(backend_discover_all(missing, 1, &bs, &n, notes,
					 sizeof(notes), err, sizeof(err)) < 0);
	assert_null(bs);
	backend_free_all(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_matches_reference),
		cmocka_unit_test(test_cpu_scalar_matches_reference),
		cmocka_unit_test(test_cpu_streaming),
		cmocka_unit_test(test_ref_backend),
		cmocka_unit_test(test_wrong_output_fails),
		cmocka_unit_test(test_fast_exp_accuracy),
		cmocka_unit_test(test_layernorm_offset),
		cmocka_unit_test(test_inputs_untouched),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_roofline),
		cmocka_unit_test(test_discover_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
