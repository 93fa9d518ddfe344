/*
 * test_peer.c - the mlx and torch backends (backend_peer.c) driven through
 * the real runner against a fake adapter (tests/fixtures/peers/fake_peer.py,
 * pure Python), so no MLX or PyTorch is needed. Each mode of the fake
 * reproduces one way a peer comparison goes wrong: a lazy loop that skips
 * work, the wrong shapes, a wrong output, a missing package, an adapter that
 * dies or lies about its clock, and an adapter that exits, prints garbage
 * or hangs after it started (that result failed, the others intact).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "err.h"
#include "fixture.h"
#include "runner.h"
#include "store.h"
#include "store_int.h"   /* store_db(): the tests read the rows themselves */
#include "suite.h"
#include "workload.h"

#define FAKE_PEER "tests/fixtures/peers/fake_peer.py"

struct fixture {
	struct fixture_run run;   /* the scratch db and its run */
	struct suite suite;
	struct suite_bench bench;
	struct workload *w;
	float *ref;
	int n_measured;
};

static void set_mode(const char *mode)
{
	assert_int_equal(setenv("FAKE_PEER_MODE", mode, 1), 0);
}

/* Makes the fixture's benchmark kernel(params) with its workload and
 * reference. */
static void use_kernel(struct fixture *fx, const char *kernel, const long *params,
		       size_t n_params)
{
	char err[MC_ERRLEN];

	workload_destroy(fx->w);
	free(fx->ref);
	fx->bench.spec = workload_find(kernel);
	assert_non_null(fx->bench.spec);
	memset(fx->bench.params, 0, sizeof(fx->bench.params));
	memcpy(fx->bench.params, params, n_params * sizeof(*params));
	fx->bench.rtol = fx->bench.spec->rtol;
	fx->bench.atol = fx->bench.spec->atol;
	assert_int_equal(workload_create(fx->bench.spec, params, 42, &fx->w, err,
					 sizeof(err)), 0);
	workload_name(fx->w, fx->bench.name, sizeof(fx->bench.name));
	fx->ref = malloc(fx->w->plan.output_len * sizeof(float));
	assert_non_null(fx->ref);
	fx->bench.spec->reference(fx->w->params, (const float *const *)fx->w->inputs,
				  fx->ref);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const long params[] = { 8, 64 };

	if (access(FAKE_PEER, R_OK) != 0) {
		fprintf(stderr, "test_peer: run from the repository root (%s not found)\n",
			FAKE_PEER);
		return -1;
	}
	assert_int_equal(setenv("MCBENCH_PEERS", FAKE_PEER, 1), 0);
	assert_int_equal(setenv("MCBENCH_PYTHON", "python3", 1), 0);
	set_mode("good");
	fixture_run_open(&fx->run, "peer-t", "00000000-0000-4000-8000-000000000002");
	assert_int_equal(setenv("TMPDIR", fx->run.dir, 1), 0);
	fx->suite.name = (char *)"t";
	fx->bench.samples = 5;
	fx->bench.target_ms = 20;
	fx->bench.max_seconds = 30;
	fx->bench.seed = 42;
	use_kernel(fx, "softmax", params, 2);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[160];
	int status;

	/* every adapter was reaped by destroy: no child is left, not even
	 * a zombie */
	assert_int_equal(waitpid(-1, &status, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	workload_destroy(fx->w);
	free(fx->ref);
	/* the backends removed their temporary directories (TMPDIR = dir) */
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls %s | grep -v '^t.sqlite')\"",
		 fx->run.dir);
	assert_int_equal(system(cmd), 0);
	fixture_run_close(&fx->run);
	unsetenv("TMPDIR");
	free(fx);
	return 0;
}

/* Discovers the family's single instance with the fake in mode. */
static struct backend *discover(const struct backend_family *f, const char *mode)
{
	struct backend *b[2] = { NULL, NULL };
	char err[MC_ERRLEN] = "";
	size_t n = 0;

	set_mode(mode);
	assert_int_equal(f->discover(b, 2, &n, err, sizeof(err)), 0);
	if (n != 1)
		fail_msg("%s: expected one instance, got %zu: %s", f->name, n, err);
	assert_string_equal(b[0]->name, f->name);
	assert_string_equal(b[0]->family, f->name);
	assert_int_equal(b[0]->self_timed, 1);
	assert_int_equal(b[0]->has_device_clock, 0);
	return b[0];
}

/* Measures the fixture's benchmark on be with a peak of 1 GFLOP/s (the
 * fake computes in pure Python, far below that); returns the stored
 * status and sample count. */
static void measure(struct fixture *fx, struct backend *be,
		    struct runner_outcome *o, char *status, size_t n_status,
		    int *out_samples)
{
	struct runner_peaks peaks = { 1.0, 1.0, 1 << 20 };
	char err[MC_ERRLEN], variant[16] = "";
	sqlite3_stmt *q = NULL;

	/* one result row per measurement, told apart by the suite name */
	snprintf(variant, sizeof(variant), "m%d", fx->n_measured++);
	fx->suite.name = variant;
	assert_int_equal(runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench,
					fx->w, fx->ref, be, "", &peaks, 2, o, err,
					sizeof(err)), 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT r.status, (SELECT count(*) FROM sample s WHERE s.result_id = r.id) "
		"FROM result r WHERE r.suite = ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, variant, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(status, n_status, "%s", (const char *)sqlite3_column_text(q, 0));
	*out_samples = sqlite3_column_int(q, 1);
	sqlite3_finalize(q);
}

static void test_honest_peer_is_ok(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "good");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	if (strcmp(o.status, "ok") != 0)
		fail_msg("status %s: %s", o.status, o.message);
	assert_string_equal(status, "ok");
	assert_int_equal(n, 5);
	assert_true(o.median_ns > 1000);   /* pure Python: well over a microsecond */
	be->ops->destroy(be);
}

static void test_torch_family_and_sgemm(void **state)
{
	struct fixture *fx = *state;
	const long params[] = { 4, 6, 8 };
	struct backend *be = discover(&backend_torch, "good");
	struct runner_outcome o;
	char status[32];
	int n;

	use_kernel(fx, "sgemm", params, 3);
	assert_true(be->ops->supports(be, "sgemm"));
	measure(fx, be, &o, status, sizeof(status), &n);
	if (strcmp(o.status, "ok") != 0)
		fail_msg("status %s: %s", o.status, o.message);
	be->ops->destroy(be);
}

/* Evaluating one lazy graph out of n: the time per iteration is far beyond
 * what the CPU can do, so it is never published as a time. */
static void test_lazy_peer_is_implausible(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "lazy");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_equal(o.status, "implausible");
	assert_string_equal(status, "implausible");
	assert_non_null(strstr(o.message, "lazy evaluation"));
	be->ops->destroy(be);
}

static void test_wrong_shape_is_not_ok(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "wrong_shape");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_not_equal(status, "ok");
	assert_int_equal(n, 0);
	if (!strstr(o.message, "mlx ran x with shape [1,64] (64 floats) but the "
			       "workload defines 512 floats"))
		fail_msg("message: %s", o.message);
	be->ops->destroy(be);
}

/* As many floats but other dimensions is a wrong shape too. */
static void test_wrong_dims_is_not_ok(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "wrong_dims");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_not_equal(status, "ok");
	assert_int_equal(n, 0);
	if (!strstr(o.message, "mlx ran x with shape [64,8] but the workload "
			       "defines shape [8,64]"))
		fail_msg("message: %s", o.message);
	be->ops->destroy(be);
}

static void test_wrong_output_is_invalid(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "wrong_output");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_equal(status, "invalid");
	assert_int_equal(n, 0);
	be->ops->destroy(be);
}

static void test_missing_package_is_a_note(void **state)
{
	struct backend **bs = NULL;
	const char *only[] = { "mlx" };
	char notes[512] = "", err[MC_ERRLEN] = "";
	size_t n = 99;

	(void)state;
	set_mode("missing");
	/* with only the peer asked for, there is nothing to run but no error */
	assert_int_equal(backend_discover_all(only, 1, &bs, &n, notes, sizeof(notes),
					      err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_string_equal(notes, "mlx: skipped: python package mlx not importable "
			    "(No module named 'mlx')");
	backend_free_all(bs, n);
}

static void test_missing_interpreter_is_a_note(void **state)
{
	struct backend *b[1];
	char err[MC_ERRLEN] = "";
	size_t n = 99;

	(void)state;
	set_mode("good");
	assert_int_equal(setenv("MCBENCH_PYTHON", "/nonexistent/python3", 1), 0);
	assert_int_equal(backend_torch.discover(b, 1, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "skipped: MCBENCH_PYTHON=/nonexistent/python3"));
	assert_int_equal(setenv("MCBENCH_PYTHON", "python3", 1), 0);
	assert_int_equal(setenv("MCBENCH_PEERS", "/nonexistent/peers", 1), 0);
	assert_int_equal(backend_torch.discover(b, 1, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "skipped: no adapter /nonexistent/peers/peer.py"));
	assert_int_equal(setenv("MCBENCH_PEERS", FAKE_PEER, 1), 0);
}

/* A dead adapter is a failed result naming the peer and its last words;
 * the next workload starts a fresh adapter. */
static void test_dead_adapter_fails_then_restarts(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "die_on_run");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_equal(status, "failed");
	if (!strstr(o.message, "mlx: the adapter") ||
	    !strstr(o.message, "exited with status 5 during run") ||
	    !strstr(o.message, "fake: dying on run as asked"))
		fail_msg("message: %s", o.message);
	set_mode("good");
	measure(fx, be, &o, status, sizeof(status), &n);
	if (strcmp(o.status, "ok") != 0)
		fail_msg("after a restart: %s: %s", o.status, o.message);
	be->ops->destroy(be);
}

/* Writing to an adapter that has exited must not kill mcbench with
 * SIGPIPE (its default action): it is an error naming the peer. */
static void test_write_to_dead_adapter_is_an_error(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_torch, "die_after_hello");
	struct timespec pause = { 0, 300 * 1000 * 1000 };
	struct runner_outcome o;
	char status[32];
	int n;

	assert_true(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	nanosleep(&pause, NULL);    /* let it exit before we write */
	set_mode("die_after_hello");
	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_equal(status, "failed");
	if (!strstr(o.message, "torch: the adapter") ||
	    !strstr(o.message, "exited with status 0 during prepare"))
		fail_msg("message: %s", o.message);
	be->ops->destroy(be);
}

/* What result variant holds: its status, message, sample count and
 * median (-1 when NULL), "" when there is no such row. */
struct stored_row {
	char status[32], message[512];
	int n_samples;
	double median_ns;
};

static void stored(struct fixture *fx, const char *variant, struct stored_row *out)
{
	sqlite3_stmt *q = NULL;

	memset(out, 0, sizeof(*out));
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT r.status, coalesce(r.message, ''), coalesce(r.median_ns, -1), "
		"(SELECT count(*) FROM sample s WHERE s.result_id = r.id) "
		"FROM result r WHERE r.suite = ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, variant, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW) {
		snprintf(out->status, sizeof(out->status), "%s",
			 (const char *)sqlite3_column_text(q, 0));
		snprintf(out->message, sizeof(out->message), "%s",
			 (const char *)sqlite3_column_text(q, 1));
		out->median_ns = sqlite3_column_double(q, 2);
		out->n_samples = sqlite3_column_int(q, 3);
		assert_int_equal(sqlite3_step(q), SQLITE_DONE);   /* one row */
	}
	sqlite3_finalize(q);
}

/*
 * A fault after start-up (fake_peer.py's *_mid_run modes: the adapter
 * answered hello, prepare and the validation run of sgemm, then fails on
 * its next run): the sgemm result is stored failed with a note naming the
 * peer and what happened (want), never a time; the softmax result measured
 * before it is intact, and the next measurement starts a fresh adapter.
 */
static void fault_mid_run(struct fixture *fx, const char *mode, const char *want)
{
	const long softmax[] = { 8, 64 }, sgemm[] = { 4, 6, 8 };
	struct backend *be;
	struct runner_outcome o;
	struct stored_row before, after, bad;
	char status[32];
	int n;

	assert_int_equal(setenv("FAKE_PEER_KERNEL", "sgemm", 1), 0);
	be = discover(&backend_mlx, mode);
	measure(fx, be, &o, status, sizeof(status), &n);      /* m0: softmax */
	if (strcmp(o.status, "ok") != 0)
		fail_msg("softmax before the fault: %s: %s", o.status, o.message);
	stored(fx, "m0", &before);
	use_kernel(fx, "sgemm", sgemm, 3);
	measure(fx, be, &o, status, sizeof(status), &n);      /* m1: the fault */
	stored(fx, "m1", &bad);
	assert_string_equal(bad.status, "failed");
	assert_string_equal(o.status, "failed");
	assert_int_equal(bad.n_samples, 0);
	assert_true(bad.median_ns == -1);                    /* never a time */
	if (!strstr(bad.message, want) || strcmp(bad.message, o.message) != 0)
		fail_msg("stored message: %s", bad.message);
	assert_null(strchr(bad.message, '\n'));              /* one line */
	stored(fx, "m0", &after);
	assert_string_equal(after.status, before.status);
	assert_string_equal(after.message, before.message);
	assert_int_equal(after.n_samples, 5);
	assert_int_equal(after.n_samples, before.n_samples);
	assert_true(after.median_ns == before.median_ns);
	use_kernel(fx, "softmax", softmax, 2);
	measure(fx, be, &o, status, sizeof(status), &n);      /* m2: a fresh adapter */
	if (strcmp(o.status, "ok") != 0)
		fail_msg("after the fault: %s: %s", o.status, o.message);
	be->ops->destroy(be);
	unsetenv("FAKE_PEER_KERNEL");
}

static void test_exit_mid_run_fails_that_result(void **state)
{
	fault_mid_run(*state, "exit_mid_run", "exited with status 6 during run: "
		      "fake: exiting mid-run as asked");
}

static void test_garbage_mid_run_fails_that_result(void **state)
{
	fault_mid_run(*state, "garbage_mid_run", "mlx: the adapter's reply during "
		      "run is not JSON (\"Segmentation fault? no: garbage\"); stopped it");
}

/* A hang after start-up is bounded by the per-request limit
 * (MCBENCH_PEER_TIMEOUT, 900 s by default): the adapter is killed and the
 * result failed, not a run stalled for good. */
static void test_hang_mid_run_is_killed_at_the_limit(void **state)
{
	assert_int_equal(setenv("MCBENCH_PEER_TIMEOUT", "3", 1), 0);
	fault_mid_run(*state, "hang_mid_run", "did not answer within 3 s "
		      "(MCBENCH_PEER_TIMEOUT) and was killed during run");
	unsetenv("MCBENCH_PEER_TIMEOUT");
}

static void test_clock_that_lies_is_caught(void **state)
{
	struct fixture *fx = *state;
	struct backend *be = discover(&backend_mlx, "clock_lies");
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_equal(status, "failed");
	assert_non_null(strstr(o.message, "mlx reported"));
	be->ops->destroy(be);
}

/* The stored row of suite name: status, message, variant, errors and
 * sample count. */
struct fp16_row {
	char status[32], message[512], variant[16];
	double max_abs, max_rel;
	int n_samples;
};

static void fp16_row(struct fixture *fx, const char *suite, struct fp16_row *out)
{
	sqlite3_stmt *q = NULL;

	memset(out, 0, sizeof(*out));
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT status, coalesce(message, ''), variant, coalesce(max_abs_err, -1), "
		"coalesce(max_rel_err, -1), "
		"(SELECT count(*) FROM sample s WHERE s.result_id = r.id) "
		"FROM result r WHERE suite = ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, suite, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out->status, sizeof(out->status), "%s", (const char *)sqlite3_column_text(q, 0));
	snprintf(out->message, sizeof(out->message), "%s", (const char *)sqlite3_column_text(q, 1));
	snprintf(out->variant, sizeof(out->variant), "%s", (const char *)sqlite3_column_text(q, 2));
	out->max_abs = sqlite3_column_double(q, 3);
	out->max_rel = sqlite3_column_double(q, 4);
	out->n_samples = sqlite3_column_int(q, 5);
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
}

/* Measures the fixture's benchmark on be as variant, stored as suite. */
static void measure_variant(struct fixture *fx, struct backend *be,
			    const char *variant, const char *suite,
			    struct fp16_row *out)
{
	struct runner_peaks peaks = { 1.0, 1.0, 1 << 20 };
	struct runner_outcome o;
	char err[MC_ERRLEN];

	fx->suite.name = (char *)suite;
	assert_int_equal(runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench,
					fx->w, fx->ref, be, variant, &peaks, 2, &o, err,
					sizeof(err)), 0);
	fp16_row(fx, suite, out);
}

/*
 * An instance whose hello offers fp16 for rope (fake_peer.py's mode fp16:
 * inputs and output rounded to fp16) lists the variant; its fp16 result
 * is validated at rope's fp16 tolerance and stored as variant "fp16", ok,
 * with an error that fp32's tolerance would fail; the fp32 result of the
 * same instance stays exact to fp32's.
 */
static void test_fp16_variant_validates_at_its_tolerance(void **state)
{
	struct fixture *fx = *state;
	const long params[] = { 6, 2, 16 };   /* seq, heads, head_dim */
	struct backend *be = discover(&backend_torch, "fp16");
	const struct kernel_spec *rope;
	const char *const *v;
	struct fp16_row r;
	void *st = NULL;
	float *got;
	double dev, a, e, scale = 0.0;
	char err[MC_ERRLEN];

	use_kernel(fx, "rope", params, 3);
	rope = fx->bench.spec;
	assert_non_null(rope->fp16);
	v = be->ops->variants(be, "rope");
	assert_non_null(v);
	assert_string_equal(v[0], "");
	assert_string_equal(v[1], WORKLOAD_FP16);
	assert_null(v[2]);
	/* softmax states no fp16 tolerance: not offered, whatever the peer */
	assert_null(be->ops->variants(be, "softmax"));

	measure_variant(fx, be, WORKLOAD_FP16, "fp16", &r);
	if (strcmp(r.status, "ok") != 0)
		fail_msg("fp16: %s: %s", r.status, r.message);
	assert_string_equal(r.variant, "fp16");
	assert_int_equal(r.n_samples, 5);
	/* beyond what fp32 allows, within fp16's (atol is relative to
	 * max |ref|; the relative error of an output near zero is large
	 * in fp16, which atol covers) */
	for (size_t i = 0; i < fx->w->plan.output_len; i++)
		scale = fmax(scale, fabs(fx->ref[i]));
	if (!(r.max_rel > rope->rtol && r.max_abs > rope->atol * scale &&
	      r.max_abs < rope->fp16->atol * scale))
		fail_msg("fp16 max_rel_err %g (fp32 rtol %g), max_abs_err %g not in "
			 "(%g, %g)", r.max_rel, rope->rtol, r.max_abs,
			 rope->atol * scale, rope->fp16->atol * scale);
	measure_variant(fx, be, "", "fp32", &r);
	assert_string_equal(r.status, "ok");
	assert_string_equal(r.variant, "");
	assert_true(r.max_rel < rope->rtol);

	/* the same fp16 output, checked at fp32's tolerance, fails */
	got = malloc(fx->w->plan.output_len * sizeof(float));
	assert_non_null(got);
	assert_int_equal(be->ops->prepare(be, fx->w, WORKLOAD_FP16, &st, err, sizeof(err)), 0);
	assert_int_equal(be->ops->run(be, st, 1, &dev, err, sizeof(err)), 0);
	assert_int_equal(be->ops->output(be, st, got, err, sizeof(err)), 0);
	be->ops->release(be, st);
	assert_int_equal(workload_check(fx->ref, got, fx->w->plan.output_len,
					rope->rtol, rope->atol, &a, &e, err,
					sizeof(err)), MC_EVALID);
	assert_int_equal(workload_check(fx->ref, got, fx->w->plan.output_len,
					rope->fp16->rtol, rope->fp16->atol, &a, &e,
					err, sizeof(err)), 0);
	free(got);
	be->ops->destroy(be);
}

/*
 * fp16 asked where it is not offered is refused in one line and stored
 * skipped, never a time: by the instance when its hello does not list it
 * (the plan then never asks), by the runner when the kernel states no
 * fp16 tolerance (before any call to the peer).
 */
static void test_fp16_not_offered_is_skipped(void **state)
{
	struct fixture *fx = *state;
	const long params[] = { 6, 2, 16 };
	struct backend *be = discover(&backend_mlx, "good");
	struct fp16_row r;

	use_kernel(fx, "rope", params, 3);
	assert_null(be->ops->variants(be, "rope"));
	measure_variant(fx, be, WORKLOAD_FP16, "not-offered", &r);
	assert_string_equal(r.status, "skipped");
	assert_string_equal(r.variant, "fp16");
	assert_int_equal(r.n_samples, 0);
	assert_string_equal(r.message, "mlx: kernel rope has no variant 'fp16' on "
			    "this instance");
	be->ops->destroy(be);

	be = discover(&backend_mlx, "fp16");
	use_kernel(fx, "softmax", (const long[]){ 8, 64 }, 2);
	measure_variant(fx, be, WORKLOAD_FP16, "no-tolerance", &r);
	assert_string_equal(r.status, "skipped");
	assert_int_equal(r.n_samples, 0);
	assert_string_equal(r.message, "softmax has no fp16 variant: the kernel "
			    "states no fp16 tolerance, so an fp16 result could not "
			    "be validated");
	assert_null(strchr(r.message, '\n'));
	be->ops->destroy(be);
}

static void test_unsupported_kernel_is_skipped(void **state)
{
	struct fixture *fx = *state;
	const long params[] = { 4, 16 };
	struct backend *be = discover(&backend_mlx, "good");
	struct runner_outcome o;
	char status[32];
	int n;

	use_kernel(fx, "rmsnorm", params, 2);
	assert_false(be->ops->supports(be, "rmsnorm"));
	assert_true(be->ops->supports(be, "softmax"));
	measure(fx, be, &o, status, sizeof(status), &n);
	assert_string_equal(status, "skipped");
	assert_non_null(strstr(o.message, "unsupported kernel"));
	be->ops->destroy(be);
}

/* A device the framework sees is an instance of its own, named like an
 * OpenCL device, with the device clock its adapter reports: the runner
 * stores a wall row and a device row, both timed, from the same calls. */
static void test_device_is_an_instance_with_a_device_clock(void **state)
{
	struct fixture *fx = *state;
	struct backend *b[4] = { NULL };
	char err[MC_ERRLEN] = "", variant[16];
	struct runner_peaks peaks = { 1.0, 1.0, 1 << 20 };
	struct runner_outcome o;
	double gflops = 0, gbps = 0;
	sqlite3_stmt *q = NULL;
	size_t n = 0;
	int rows = 0;

	set_mode("gpu");
	assert_int_equal(backend_torch.discover(b, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(err, "");
	assert_string_equal(b[0]->name, "torch");
	assert_int_equal(b[0]->has_device_clock, 0);
	assert_string_equal(b[1]->name, "torch:cuda:Fake GPU");
	assert_string_equal(b[1]->family, "torch");
	assert_int_equal(b[1]->self_timed, 1);
	assert_int_equal(b[1]->has_device_clock, 1);
	/* the device's roofline is the adapter's, not the CPU's probes */
	assert_int_equal(b[1]->ops->roofline(b[1], &gflops, &gbps, err, sizeof(err)), 0);
	assert_true(gflops == 1.0 && gbps == 1.0);
	snprintf(variant, sizeof(variant), "m%d", fx->n_measured++);
	fx->suite.name = variant;
	assert_int_equal(runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench,
					fx->w, fx->ref, b[1], "", &peaks, 2, &o, err,
					sizeof(err)), 0);
	if (strcmp(o.status, "ok") != 0)
		fail_msg("status %s: %s", o.status, o.message);
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT r.clock, r.backend, r.median_ns, (SELECT count(*) FROM sample s "
		"WHERE s.result_id = r.id) FROM result r WHERE r.suite = ?1 "
		"ORDER BY r.clock DESC", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, variant, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(q) == SQLITE_ROW) {
		assert_string_equal((const char *)sqlite3_column_text(q, 1),
				    "torch:cuda:Fake GPU");
		assert_string_equal((const char *)sqlite3_column_text(q, 0),
				    rows == 0 ? "wall" : "device");
		assert_true(sqlite3_column_double(q, 2) > 0);
		assert_int_equal(sqlite3_column_int(q, 3), 5);
		rows++;
	}
	sqlite3_finalize(q);
	assert_int_equal(rows, 2);
	b[0]->ops->destroy(b[0]);
	b[1]->ops->destroy(b[1]);
}

/* Noise rows of the last measurement (suite variant): rows, and how many
 * have nvcsw, an SM clock of 1000 MHz (the fake GPU's), and steal. */
static void noise_counts(struct fixture *fx, const char *suite, int out[4])
{
	sqlite3_stmt *q = NULL;

	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT count(*), count(n.nvcsw), count(CASE WHEN n.sm_clock_mhz = 1000 "
		"THEN 1 END), count(n.steal_ns) FROM sample_noise n JOIN result r "
		"ON r.id = n.result_id WHERE r.suite = ?1", -1, &q, NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, suite, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	for (int i = 0; i < 4; i++)
		out[i] = sqlite3_column_int(q, i);
	sqlite3_finalize(q);
}

/* A peer's samples keep the adapter's own context switches and SM clock
 * (asked for on the samples only), and the runner's steal; malformed
 * members are unknown, not an error. */
static void test_peer_reports_its_own_noise(void **state)
{
	struct fixture *fx = *state;
	struct backend *b[4] = { NULL };
	char err[MC_ERRLEN] = "", variant[16];
	struct runner_peaks peaks = { 1.0, 1.0, 1 << 20 };
	struct runner_outcome o;
	size_t n = 0;
	int c[4], have_steal;

	set_mode("gpu");
	assert_int_equal(backend_torch.discover(b, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	snprintf(variant, sizeof(variant), "m%d", fx->n_measured++);
	fx->suite.name = variant;
	assert_int_equal(runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench,
					fx->w, fx->ref, b[1], "", &peaks, 2, &o, err,
					sizeof(err)), 0);
	assert_string_equal(o.status, "ok");
	noise_counts(fx, variant, c);
	/* 5 samples, each on the wall and the device clock's row */
	assert_int_equal(c[0], 10);
	assert_int_equal(c[1], 10);
	assert_int_equal(c[2], 10);
	have_steal = c[3];
	assert_true(have_steal == 0 || have_steal == 10);
	b[0]->ops->destroy(b[0]);
	b[1]->ops->destroy(b[1]);

	b[0] = discover(&backend_torch, "bad_noise");
	snprintf(variant, sizeof(variant), "m%d", fx->n_measured++);
	fx->suite.name = variant;
	assert_int_equal(runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench,
					fx->w, fx->ref, b[0], "", &peaks, 2, &o, err,
					sizeof(err)), 0);
	assert_string_equal(o.status, "ok");
	noise_counts(fx, variant, c);
	/* no switches or clock from the adapter; steal is the runner's own */
	assert_int_equal(c[1], 0);
	assert_int_equal(c[2], 0);
	assert_int_equal(c[0], have_steal ? 5 : 0);
	b[0]->ops->destroy(b[0]);
}

/* --backend torch:cuda selects the family's CUDA instances alone. */
static void test_select_by_device(void **state)
{
	struct backend **bs = NULL;
	const char *only[] = { "torch:cuda" };
	char notes[512] = "", err[MC_ERRLEN] = "";
	size_t n = 0;

	(void)state;
	set_mode("gpu");
	assert_int_equal(backend_discover_all(only, 1, &bs, &n, notes, sizeof(notes),
					      err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(bs[0]->name, "torch:cuda:Fake GPU");
	backend_free_all(bs, n);
	/* a device prefix that matches none is no such device */
	only[0] = "torch:rocm";
	assert_int_equal(backend_discover_all(only, 1, &bs, &n, notes, sizeof(notes),
					      err, sizeof(err)), MC_ENODEV);
}

/* A device listed by the CPU adapter whose own adapter cannot use it is
 * left out, never invented; the CPU instance stays and a note says why. */
static void test_unusable_device_is_a_note(void **state)
{
	struct backend **bs = NULL;
	const char *only[] = { "mlx" };
	char notes[512] = "", err[MC_ERRLEN] = "";
	size_t n = 0;

	(void)state;
	set_mode("gpu_broken");
	assert_int_equal(backend_discover_all(only, 1, &bs, &n, notes, sizeof(notes),
					      err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(bs[0]->name, "mlx");
	assert_string_equal(notes, "mlx:cuda skipped: mlx sees no CUDA device");
	backend_free_all(bs, n);
}

static void test_describe(void **state)
{
	struct backend *be = discover(&backend_mlx, "good");
	cJSON *o = cJSON_CreateObject();
	const cJSON *v;

	(void)state;
	be->ops->describe(be, o);
	assert_string_equal(cJSON_GetObjectItem(o, "kind")->valuestring, "peer");
	assert_string_equal(cJSON_GetObjectItem(o, "name")->valuestring,
			    "MLX 9.9.9 (CPU)");
	assert_string_equal(cJSON_GetObjectItem(o, "version")->valuestring, "9.9.9");
	v = cJSON_GetObjectItem(o, "thread_settings");
	assert_true(cJSON_IsObject(v));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(o, "threads")));
	assert_true(cJSON_IsString(cJSON_GetObjectItem(o, "python")));
	cJSON_Delete(o);
	be->ops->destroy(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_honest_peer_is_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torch_family_and_sgemm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_peer_is_implausible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_shape_is_not_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_dims_is_not_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_output_is_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_package_is_a_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_interpreter_is_a_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_adapter_fails_then_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_to_dead_adapter_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_mid_run_fails_that_result,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_mid_run_fails_that_result,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hang_mid_run_is_killed_at_the_limit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_that_lies_is_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_kernel_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp16_variant_validates_at_its_tolerance,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fp16_not_offered_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_is_an_instance_with_a_device_clock,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unusable_device_is_a_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select_by_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_describe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_reports_its_own_noise, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
