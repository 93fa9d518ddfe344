/*
 * test_opencl.c - unit tests of the OpenCL backend (backend_opencl.c) on
 * every OpenCL device found: each kernel and variant matches the reference
 * on odd sizes, device time is positive and within the wall time, a broken
 * kernel fails to build with MC_EBUILD naming the device, the roofline
 * probes give finite positive numbers and describe() fills the device
 * facts. With no OpenCL device every test skips, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "backend_opencl.h"
#include "ocl_int.h"     /* the device handle, for ocl_tune_apply */
#include "ocl_tune.h"
#include "clock.h"
#include "err.h"
#include "workload.h"

#define MAX_DEV 16

static struct backend *devs[MAX_DEV];
static size_t n_devs;
static char discover_note[MC_ERRLEN];

static int setup(void **state)
{
	(void)state;
	discover_note[0] = 0;
	if (backend_opencl.discover(devs, MAX_DEV, &n_devs, discover_note,
				    sizeof(discover_note)) < 0) {
		print_error("opencl discover failed: %s\n", discover_note);
		return -1;
	}
	if (n_devs == 0)
		print_message("skip: no OpenCL device (%s)\n", discover_note);
	for (size_t i = 0; i < n_devs; i++)
		print_message("device: %s\n", devs[i]->name);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_devs; i++)
		devs[i]->ops->destroy(devs[i]);
	n_devs = 0;
	return 0;
}

static void need_device(void)
{
	if (n_devs == 0) {
		print_message("skip: no OpenCL device (%s)\n", discover_note);
		skip();
	}
}

static struct workload *make(const char *kernel, long p0, long p1, long p2,
			     long p3, long p4)
{
	const struct kernel_spec *spec = workload_find(kernel);
	long params[WORKLOAD_MAX_PARAMS] = { p0, p1, p2, p3, p4 };
	struct workload *w = NULL;
	char err[MC_ERRLEN];

	assert_non_null(spec);
	if (workload_create(spec, params, 42, &w, err, sizeof(err)) < 0)
		fail_msg("workload_create(%s): %s", kernel, err);
	return w;
}

/* One call of n iterations as the runner makes it while sampling: the
 * backend times itself (self_timed), *out_wall its wall pass, *out_dev
 * its device pass; both positive and within the call's own wall time. A
 * call outside sampling (calibration, warm-up) reports no device time. */
static int run_sampled(struct backend *b, void *st, uint64_t n, double *out_dev,
		       double *out_wall, char *err, size_t n_err)
{
	uint64_t t0, t1;
	double one;
	int rc;

	assert_int_equal(b->self_timed, 1);
	b->sampling = 1;
	t0 = clock_now_ns();
	rc = b->ops->run(b, st, n, out_wall, err, n_err);
	t1 = clock_now_ns();
	b->sampling = 0;
	if (rc < 0)
		return rc;
	*out_dev = b->ops->self_device_ns(b, st);
	assert_true(*out_dev > 0);
	assert_true(*out_wall > 0);
	assert_true(*out_dev <= (double)(t1 - t0));
	assert_true(*out_wall <= (double)(t1 - t0));
	rc = b->ops->run(b, st, 1, &one, err, n_err);
	if (rc == 0 && !(b->ops->self_device_ns(b, st) < 0))
		fail_msg("%s: a call outside sampling reported device time", b->name);
	return rc;
}

/* Runs w on b in variant (NULL for none) for 3 iterations and checks the
 * output against the reference and the device time against the wall. */
static void check_one(struct backend *b, struct workload *w,
		      const char *variant)
{
	char err[MC_ERRLEN] = "", name[128];
	float *ref = NULL, *got = NULL;
	void *st = NULL;
	double dev_ns = -1, wall_ns = -1, max_abs, max_rel;
	int rc;

	workload_name(w, name, sizeof(name));
	ref = malloc(w->plan.output_len * sizeof(float));
	got = calloc(w->plan.output_len, sizeof(float));
	assert_non_null(ref);
	assert_non_null(got);
	workload_reference(w, ref);

	rc = b->ops->prepare(b, w, variant, &st, err, sizeof(err));
	if (rc == MC_ENOTSUP && variant && strcmp(variant, "clblast") == 0) {
		print_message("note: %s [%s] on %s: %s\n", name, variant,
			      b->name, err);
		goto out;
	}
	if (rc < 0)
		fail_msg("prepare %s [%s] on %s: %s", name,
			 variant ? variant : "", b->name, err);
	rc = run_sampled(b, st, 3, &dev_ns, &wall_ns, err, sizeof(err));
	if (rc < 0)
		fail_msg("run %s on %s: %s", name, b->name, err);
	rc = b->ops->output(b, st, got, err, sizeof(err));
	if (rc < 0)
		fail_msg("output %s on %s: %s", name, b->name, err);
	rc = workload_check(ref, got, w->plan.output_len, w->spec->rtol,
			    w->spec->atol, &max_abs, &max_rel, err,
			    sizeof(err));
	print_message("%-40s %-8s max_abs %.2e max_rel %.2e device %.0f ns "
		      "wall %.0f ns\n", name, variant ? variant : "", max_abs,
		      max_rel, dev_ns, wall_ns);
	if (rc < 0)
		fail_msg("%s [%s] on %s: %s", name, variant ? variant : "",
			 b->name, err);
out:
	b->ops->release(b, st);
	free(got);
	free(ref);
}

static void check_all_variants(const char *kernel, long p0, long p1, long p2,
			       long p3, long p4)
{
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];
		struct workload *w = make(kernel, p0, p1, p2, p3, p4);
		const char *const *v = b->ops->variants(b, kernel);

		assert_true(b->ops->supports(b, kernel));
		if (!v)
			check_one(b, w, NULL);
		for (; v && *v; v++)
			check_one(b, w, *v);
		workload_destroy(w);
	}
}

static void test_softmax(void **state)
{
	(void)state;
	need_device();
	check_all_variants("softmax", 3, 1000, 0, 0, 0);
	check_all_variants("softmax", 5, 3, 0, 0, 0);
	check_all_variants("softmax", 2, 9003, 0, 0, 0); /* past the registers */
	check_all_variants("softmax", 4, 1024, 0, 0, 0);
	check_all_variants("softmax", 7, 2, 0, 0, 0);   /* rows share a group */
	check_all_variants("softmax", 1, 33000, 0, 0, 0); /* online past registers */
}

static void test_layernorm(void **state)
{
	(void)state;
	need_device();
	check_all_variants("layernorm", 3, 1000, 0, 0, 0);
	check_all_variants("layernorm", 5, 3, 0, 0, 0);
	check_all_variants("layernorm", 2, 9003, 0, 0, 0);
	check_all_variants("layernorm", 4, 1024, 0, 0, 0);
	check_all_variants("layernorm", 7, 2, 0, 0, 0);   /* rows share a group */
	check_all_variants("layernorm", 1, 33000, 0, 0, 0); /* online past registers */
}

static void test_rmsnorm(void **state)
{
	(void)state;
	need_device();
	check_all_variants("rmsnorm", 3, 1000, 0, 0, 0);
	check_all_variants("rmsnorm", 5, 3, 0, 0, 0);
	check_all_variants("rmsnorm", 2, 9003, 0, 0, 0);
	check_all_variants("rmsnorm", 4, 1024, 0, 0, 0);
	check_all_variants("rmsnorm", 7, 2, 0, 0, 0);   /* rows share a group */
	check_all_variants("rmsnorm", 1, 33000, 0, 0, 0); /* online past registers */
}

static void test_sgemm(void **state)
{
	(void)state;
	need_device();
	check_all_variants("sgemm", 17, 33, 65, 0, 0);
	check_all_variants("sgemm", 1, 1, 1, 0, 0);
	/* Enough 128-tiles for the large-tile kernel on small devices. */
	check_all_variants("sgemm", 300, 260, 70, 0, 0);
	/* The skinny variant's kernels: one group per row (n <= 16), one
	 * work-item per output (k <= 32), and k split in slices of uneven
	 * length (few output tiles for k = 1000), all at odd sizes. */
	check_all_variants("sgemm", 64, 8, 2048, 0, 0);
	check_all_variants("sgemm", 5, 13, 1001, 0, 0);
	check_all_variants("sgemm", 64, 1024, 8, 0, 0);
	check_all_variants("sgemm", 7, 99, 31, 0, 0);
	check_all_variants("sgemm", 17, 33, 1000, 0, 0);
	/* The own variant's few-row kernel (mc_gemv, m <= 4): a tail of
	 * columns past the last float4, n a multiple of 4, k past a slice. */
	check_all_variants("sgemm", 3, 1001, 77, 0, 0);
	check_all_variants("sgemm", 4, 1024, 300, 0, 0);
	check_all_variants("sgemm", 2, 6, 5, 0, 0);
	/* fewer column groups than a device of 2 or more compute units has,
	 * and long k: k split across groups (8 splits of 512; 8 of 375 with
	 * a column tail), the sums added by mc_gemv_reduce */
	check_all_variants("sgemm", 1, 8, 4096, 0, 0);
	check_all_variants("sgemm", 3, 10, 3000, 0, 0);
}

static void test_lora(void **state)
{
	char err[MC_ERRLEN];
	void *st = NULL;

	(void)state;
	need_device();
	check_all_variants("lora_forward", 2, 5, 70, 33, 8);
	check_all_variants("lora_forward", 1, 130, 100, 140, 20);
	check_all_variants("lora_forward", 1, 1, 1, 1, 1);
	/* splitk: k split in two uneven slices (two output tiles), the
	 * rank-64 tile beside an out that is no multiple of 4, and the
	 * 64-token shape of the suites at a smaller layer. */
	check_all_variants("lora_forward", 1, 64, 1000, 20, 3);
	check_all_variants("lora_forward", 1, 64, 300, 130, 64);
	check_all_variants("lora_forward", 4, 16, 256, 256, 8);
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];
		struct workload *w = make("lora_forward", 1, 4, 8, 8, 65);
		const char *const *v = b->ops->variants(b, "lora_forward");

		assert_non_null(v);
		assert_string_equal(v[0], "fused");
		assert_string_equal(v[1], "unfused");
		assert_string_equal(v[2], "splitk");
		assert_null(v[3]);
		/* Rank beyond the fused kernel's local arrays. */
		assert_int_equal(b->ops->prepare(b, w, "fused", &st, err,
						 sizeof(err)), MC_ENOTSUP);
		assert_null(st);
		print_message("expected: %s\n", err);
		check_one(b, w, "unfused");
		check_one(b, w, "splitk");
		workload_destroy(w);
	}
}

static void test_variants(void **state)
{
	char err[MC_ERRLEN];
	void *st = NULL;

	(void)state;
	need_device();
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];
		const char *const *v = b->ops->variants(b, "sgemm");
		struct workload *w = make("softmax", 2, 8, 0, 0, 0);

		assert_string_equal(b->family, "opencl");
		assert_true(strncmp(b->name, "opencl:", 7) == 0);
		assert_int_equal(b->has_device_clock, 1);
		assert_non_null(v);
		assert_string_equal(v[0], "own");
		assert_string_equal(v[1], "clblast");
		assert_string_equal(v[2], "skinny");
		assert_null(v[3]);
		/* The row kernels: the default keeps the name "" (its
		 * results' name), "online" beside it. */
		v = b->ops->variants(b, "softmax");
		assert_non_null(v);
		assert_string_equal(v[0], "");
		assert_string_equal(v[1], "online");
		assert_null(v[2]);
		assert_false(b->ops->supports(b, "no_such_kernel"));
		assert_int_equal(b->ops->prepare(b, w, "clblast", &st, err,
						 sizeof(err)), MC_EINVAL);
		assert_null(st);
		assert_non_null(strstr(err, "clblast"));
		workload_destroy(w);
	}
}

/* Many iterations cross the batches of both passes of run(): a one-launch
 * kernel (rmsnorm) and sgemm's split-k (two launches an iteration, held
 * behind a gate per batch), each validated after the 2500. A gate left
 * closed would hang here, not pass. */
static void test_many_iters(void **state)
{
	static const struct {
		const char *kernel, *variant;
		long p[3];
	} cases[] = {
		{ "rmsnorm", NULL, { 4, 256, 0 } },
		{ "sgemm", "skinny", { 64, 8, 1024 } },
	};
	char err[MC_ERRLEN];
	void *st = NULL;
	double dev_ns = -1, wall_ns = -1, max_abs, max_rel;

	(void)state;
	need_device();
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];

		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			struct workload *w = make(cases[c].kernel, cases[c].p[0],
						  cases[c].p[1], cases[c].p[2], 0, 0);
			size_t n = w->plan.output_len;
			float *ref = malloc(n * sizeof(float));
			float *got = calloc(n, sizeof(float));

			assert_non_null(ref);
			assert_non_null(got);
			workload_reference(w, ref);
			if (b->ops->prepare(b, w, cases[c].variant, &st, err,
					    sizeof(err)) < 0 ||
			    run_sampled(b, st, 2500, &dev_ns, &wall_ns, err,
					sizeof(err)) < 0 ||
			    b->ops->output(b, st, got, err, sizeof(err)) < 0)
				fail_msg("2500 x %s on %s: %s", cases[c].kernel,
					 b->name, err);
			if (workload_check(ref, got, n, w->spec->rtol, w->spec->atol,
					   &max_abs, &max_rel, err, sizeof(err)) < 0)
				fail_msg("2500 x %s on %s: %s", cases[c].kernel,
					 b->name, err);
			print_message("2500 x %s: device %.0f ns, wall %.0f ns\n",
				      cases[c].kernel, dev_ns, wall_ns);
			b->ops->release(b, st);
			st = NULL;
			free(got);
			free(ref);
			workload_destroy(w);
		}
	}
}

/* The smallest cosine similarity of the rows of got [n_rows x n_cols]
 * with those of ref. */
static double min_row_cos(const float *ref, const float *got, size_t n_rows,
			  size_t n_cols)
{
	double worst = 1;

	for (size_t r = 0; r < n_rows; r++) {
		double d = 0, a = 0, g = 0, c;

		for (size_t j = 0; j < n_cols; j++) {
			double x = ref[r * n_cols + j], y = got[r * n_cols + j];

			d += x * y;
			a += x * x;
			g += y * y;
		}
		c = a > 0 && g > 0 ? d / sqrt(a * g) : 0;
		if (!(c >= worst))
			worst = c;      /* NaN too */
	}
	return worst;
}

/* Runs a bert_encode or embed workload (batch, seq, layers, weights) on
 * every device for 3 iterations: each row's cosine with the reference at
 * least the spec's min_cos and within 1e-4 of it elementwise (fp32 against
 * the double sums of the reference; the spec's own bounds are far looser),
 * the spec's tolerances, device time positive and within the wall. */
static void check_bert(const char *kernel, long batch, long seq, long layers,
		       long weights)
{
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];
		struct workload *w = make(kernel, batch, seq, layers, weights, 0);
		size_t n = w->plan.output_len, cols = 384;
		float *ref = malloc(n * sizeof(float));
		float *got = calloc(n, sizeof(float));
		char err[MC_ERRLEN] = "", name[128];
		double dev_ns = -1, wall_ns = -1, max_abs, max_rel, cos;
		void *st = NULL;

		assert_non_null(ref);
		assert_non_null(got);
		assert_true(b->ops->supports(b, kernel));
		assert_null(b->ops->variants(b, kernel));
		workload_name(w, name, sizeof(name));
		workload_reference(w, ref);
		if (b->ops->prepare(b, w, NULL, &st, err, sizeof(err)) < 0)
			fail_msg("prepare %s on %s: %s", name, b->name, err);
		if (run_sampled(b, st, 3, &dev_ns, &wall_ns, err, sizeof(err)) < 0)
			fail_msg("run %s on %s: %s", name, b->name, err);
		if (b->ops->output(b, st, got, err, sizeof(err)) < 0)
			fail_msg("output %s on %s: %s", name, b->name, err);
		cos = min_row_cos(ref, got, n / cols, cols);
		if (workload_check(ref, got, n, w->spec->rtol, w->spec->atol,
				   &max_abs, &max_rel, err, sizeof(err)) < 0)
			fail_msg("%s on %s: %s", name, b->name, err);
		print_message("%-48s 1-cos %.1e max_abs %.1e device %.0f ns "
			      "wall %.0f ns\n", name, 1 - cos, max_abs, dev_ns,
			      wall_ns);
		if (!(cos >= w->spec->min_cos) || !(max_abs <= 1e-4))
			fail_msg("%s on %s: a row's cosine is %.9f (at least "
				 "%g wanted), max |got - ref| %.2e", name,
				 b->name, cos, w->spec->min_cos, max_abs);
		b->ops->release(b, st);
		free(got);
		free(ref);
		workload_destroy(w);
	}
}

/* The bert kernels tokenize the corpus (bert_encode's ids are what
 * wordpiece makes of it), so they need the model's vocab.txt. */
static void need_model(void)
{
	const char *dir = getenv("MCBENCH_MODEL_DIR");

	need_device();
	if (!dir || !dir[0]) {
		print_message("skip: MCBENCH_MODEL_DIR is not set (the model's "
			      "vocab.txt)\n");
		skip();
	}
}

static void test_bert_encode(void **state)
{
	(void)state;
	need_model();
	check_bert("bert_encode", 3, 0, 1, 0);   /* padded to the longest */
	check_bert("bert_encode", 1, 0, 2, 0);   /* no padding at all */
	/* past the 64 keys that attention stages at a time, much padding,
	 * and 3 layers (23 launches an iteration) */
	check_bert("bert_encode", 2, 130, 3, 0);
	check_bert("bert_encode", 2, 8, 1, 0);   /* truncated */
}

static void test_embed(void **state)
{
	(void)state;
	need_model();
	check_bert("embed", 5, 0, 1, 0);
	check_bert("embed", 1, 0, 2, 0);
	check_bert("embed", 2, 20, 1, 0);
	/* the model itself: real attention, larger activations */
	check_bert("embed", 4, 0, 6, 1);
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];

		/* wordpiece alone is host work: not an OpenCL kernel */
		assert_false(b->ops->supports(b, "wordpiece"));
	}
}

static void test_build_failure(void **state)
{
	static const char broken[] =
		"__kernel void broken(__global float *x)\n"
		"{\n"
		"\tx[0] = this_is_not_defined + ;\n"
		"}\n";
	char err[MC_ERRLEN] = "", dev[160], *hash;

	(void)state;
	need_device();
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];

		assert_int_equal(backend_opencl_build_test(b, broken, err,
							   sizeof(err)),
				 MC_EBUILD);
		print_message("build error: %s\n", err);
		/* The device name: the instance name less "opencl:" and any
		 * "#N" that tells apart devices of the same name. */
		snprintf(dev, sizeof(dev), "%s", b->name + strlen("opencl:"));
		hash = strrchr(dev, '#');
		if (hash && hash > dev && strspn(hash + 1, "0123456789") ==
		    strlen(hash + 1))
			*hash = 0;
		assert_non_null(strstr(err, dev));
		assert_int_equal(backend_opencl_build_test(b,
			"__kernel void fine(__global float *x) { x[0] = 1; }",
			err, sizeof(err)), 0);
	}
}

static void test_roofline(void **state)
{
	char err[MC_ERRLEN];

	(void)state;
	need_device();
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];
		double gflops = -1, gbps = -1, g2 = -1, b2 = -1;

		if (b->ops->roofline(b, &gflops, &gbps, err, sizeof(err)) < 0)
			fail_msg("roofline on %s: %s", b->name, err);
		print_message("roofline %s: %.1f GFLOP/s, %.1f GB/s\n",
			      b->name, gflops, gbps);
		assert_true(isfinite(gflops) && gflops > 0);
		assert_true(isfinite(gbps) && gbps > 0);
		/* Cached: the second call answers the same at once. */
		assert_int_equal(b->ops->roofline(b, &g2, &b2, err,
						  sizeof(err)), 0);
		assert_true(g2 == gflops && b2 == gbps);
	}
}

/* Writes text to a fresh file under /tmp; returns its path (static). */
static const char *tune_file(const char *text)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/mcbench-tune-%d.json", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* A tuning file of one Xgemm entry for device dev: params, then more. */
static const char *tune_entry(const char *dev, const char *source, const char *params,
			      const char *more)
{
	char text[2048];

	snprintf(text, sizeof(text), "{ \"devices\": [ { \"device\": \"%s\", "
		 "\"kernel\": \"Xgemm\", \"precision\": 32, \"source\": \"%s\", "
		 "\"parameters\": { %s%s } } ] }", dev, source, params, more);
	return tune_file(text);
}

/* A tuning file for each device (ocl_tune.h): absent, for another
 * device, malformed (the line, the JSON path), refused by CLBlast (a
 * parameter missing), and valid, after which CLBlast's SGEMM, recompiled
 * with those parameters, still matches the reference. */
static void test_clblast_tuning(void **state)
{
	static const char *const params =
		"\"GEMMK\": 0, \"KREG\": 1, \"KWG\": 16, \"KWI\": 2, \"MDIMA\": 8, "
		"\"MDIMC\": 8, \"MWG\": 32, \"NDIMB\": 8, \"NDIMC\": 8, \"NWG\": 32, "
		"\"SA\": 0, \"SB\": 0, \"STRM\": 0, \"STRN\": 0, \"VWM\": 1";
	char note[400], err[MC_ERRLEN];
	const char *path;

	(void)state;
	need_device();
	for (size_t i = 0; i < n_devs; i++) {
		struct ocl_dev *d = devs[i]->impl;
		struct workload *w;

		assert_int_equal(ocl_tune_apply(d->device, d->dev_name, "/nonexistent/t.json",
						note, sizeof(note), err, sizeof(err)), 0);
		assert_non_null(strstr(note, "no tuning file"));

		path = tune_file("{ \"devices\": [ { \"device\": \"no such device\" } ] }\n");
		assert_int_equal(ocl_tune_apply(d->device, d->dev_name, path, note,
						sizeof(note), err, sizeof(err)), 0);
		assert_non_null(strstr(note, "no entry for"));

		path = tune_file("{\n  \"devices\": [\n    { \"device\": , }\n  ]\n}\n");
		assert_int_equal(ocl_tune_apply(d->device, d->dev_name, path, note,
						sizeof(note), err, sizeof(err)), MC_EINVAL);
		print_message("%s\n", err);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, ":3:"));

		path = tune_entry(d->dev_name, "test", params, ", \"VWN\": -1");
		assert_int_equal(ocl_tune_apply(d->device, d->dev_name, path, note,
						sizeof(note), err, sizeof(err)), MC_EINVAL);
		assert_non_null(strstr(err, "$.devices[0].parameters.VWN"));

		path = tune_entry(d->dev_name, "test", params, "");
		assert_int_equal(ocl_tune_apply(d->device, d->dev_name, path, note,
						sizeof(note), err, sizeof(err)), MC_ENOTSUP);
		print_message("%s\n", err);
		assert_non_null(strstr(err, "CLBlast refused"));

		path = tune_entry(d->dev_name, "a test's small tiles", params, ", \"VWN\": 1");
		assert_int_equal(ocl_tune_apply(d->device, d->dev_name, path, note,
						sizeof(note), err, sizeof(err)), 0);
		assert_non_null(strstr(note, "Xgemm tuned for this device"));
		assert_non_null(strstr(note, "a test's small tiles"));
		/* Past CLBlast's smallest indirect size (m n k >= 384^3, its
		 * default), so that Xgemm, the kernel tuned, computes it. */
		w = make("sgemm", 512, 520, 544, 0, 0);
		check_one(devs[i], w, "clblast");
		workload_destroy(w);
		unlink(path);
	}
}

static void test_describe(void **state)
{
	static const char *const keys[] = {
		"kind", "name", "vendor", "version", "driver", "compute_units",
		"global_mem", "local_mem", "max_work_group_size",
		"max_clock_mhz", "platform", "platform_version",
		"opencl_c_version", "gemm", NULL
	};

	(void)state;
	need_device();
	for (size_t i = 0; i < n_devs; i++) {
		struct backend *b = devs[i];
		cJSON *obj = cJSON_CreateObject();
		char *text;

		assert_non_null(obj);
		b->ops->describe(b, obj);
		for (size_t k = 0; keys[k]; k++)
			if (!cJSON_GetObjectItemCaseSensitive(obj, keys[k]))
				fail_msg("describe of %s lacks %s", b->name,
					 keys[k]);
		text = cJSON_PrintUnformatted(obj);
		assert_non_null(text);
		print_message("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(obj);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_softmax),
		cmocka_unit_test(test_layernorm),
		cmocka_unit_test(test_rmsnorm),
		cmocka_unit_test(test_sgemm),
		cmocka_unit_test(test_lora),
		cmocka_unit_test(test_many_iters),
		cmocka_unit_test(test_bert_encode),
		cmocka_unit_test(test_embed),
		cmocka_unit_test(test_build_failure),
		cmocka_unit_test(test_roofline),
		cmocka_unit_test(test_clblast_tuning),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
