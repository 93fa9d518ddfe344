/*
 * test_runner.c - the measurement methodology against fake backends that
 * reproduce the failures mcbench exists to catch: a wrong kernel, a kernel
 * that skips work after its first call, a device that is not waited for.
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
#include "clock.h"
#include "err.h"
#include "fixture.h"
#include "runner.h"
#include "store.h"
#include "store_int.h"   /* store_db(): the tests read the rows themselves */
#include "suite.h"
#include "workload.h"

/* F_SLOW_START: every iteration in the first SLOW_START_NS after prepare
 * sleeps SLOW_ITER_US more, like a kernel on fresh pages. */
/* F_WRONG_LATER: right until the third prepare, wrong from then on, like
 * a kernel that misbehaves on some allocations only. */
/* F_COMPILES_FIRST: the first call (validation) takes SLOW_CALL_US more,
 * like a JIT compiling on first use; F_SLOW_ALWAYS: every call does. */
/* F_SECOND_PASS: self-timed, reporting its loop's time, and while sampling
 * spending SECOND_PASS_US more outside it (a device pass, a profiled
 * pass of a peer). */
enum fault { F_NONE, F_WRONG, F_SKIP_AFTER_FIRST, F_NO_WAIT, F_SLOW_START,
	     F_WRONG_LATER, F_COMPILES_FIRST, F_SLOW_ALWAYS, F_SECOND_PASS };

#define SECOND_PASS_US 60000

#define SLOW_CALL_US 40000

#define SLOW_START_NS 12000000ull
#define SLOW_ITER_US 200

struct fake {
	enum fault fault;
	const struct workload *w;
	float *out;
	uint64_t calls;
	uint64_t t0_ns;              /* prepare time */
	uint64_t calls_when_fast;    /* iterations made when the slow phase ended */
	int prepares, releases;
	int run_calls;               /* run() calls since prepare */
};

static int fake_supports(struct backend *b, const char *k) { (void)b; (void)k; return 1; }

static int fake_prepare(struct backend *b, const struct workload *w, const char *variant,
			void **out, char *err, size_t n_err)
{
	struct fake *f = b->impl;
	(void)variant; (void)err; (void)n_err;
	f->w = w;
	f->out = calloc(w->plan.output_len, sizeof(float));
	f->calls = 0;
	f->t0_ns = clock_now_ns();
	f->calls_when_fast = 0;
	f->run_calls = 0;
	f->prepares++;
	*out = f;
	return 0;
}

static int fake_run(struct backend *b, void *state, uint64_t n, double *dev,
		    char *err, size_t n_err)
{
	struct fake *f = state;
	uint64_t t0 = clock_now_ns();
	(void)err; (void)n_err;
	*dev = -1;
	if ((f->fault == F_COMPILES_FIRST && f->run_calls < 1) ||
	    f->fault == F_SLOW_ALWAYS)
		usleep(SLOW_CALL_US);
	f->run_calls++;
	for (uint64_t i = 0; i < n; i++, f->calls++) {
		if (f->fault == F_NO_WAIT && f->calls > 0)
			continue;   /* "enqueued": returns before the work is done */
		if (f->fault == F_SLOW_START) {
			if (clock_now_ns() - f->t0_ns < SLOW_START_NS) {
				usleep(SLOW_ITER_US);
				f->calls_when_fast = f->calls + 1;
			}
		}
		if (f->fault == F_SKIP_AFTER_FIRST && f->calls > 0) {
			memset(f->out, 0, f->w->plan.output_len * sizeof(float));
			continue;
		}
		f->w->spec->reference(f->w->params, (const float *const *)f->w->inputs,
				      f->out);
		if (f->fault == F_WRONG || (f->fault == F_WRONG_LATER && f->prepares >= 3))
			f->out[f->w->plan.output_len / 2] += 0.5f;
	}
	if (f->fault == F_SECOND_PASS) {
		*dev = (double)(clock_now_ns() - t0);
		if (b->sampling)
			usleep(SECOND_PASS_US);
	}
	return 0;
}

static int fake_output(struct backend *b, void *state, float *out, char *err, size_t n_err)
{
	struct fake *f = state;
	(void)b; (void)err; (void)n_err;
	memcpy(out, f->out, f->w->plan.output_len * sizeof(float));
	return 0;
}

static void fake_release(struct backend *b, void *state)
{
	struct fake *f = state;
	(void)b;
	if (f) {
		f->releases++;
		free(f->out);
		f->out = NULL;
	}
}

static int fake_roofline(struct backend *b, double *g, double *bw, char *e, size_t n)
{
	(void)b; (void)e; (void)n;
	*g = 50; *bw = 10;
	return 0;
}

static void fake_describe(struct backend *b, cJSON *o) { (void)b; (void)o; }
static void fake_destroy(struct backend *b) { (void)b; }

static const struct backend_ops fake_ops = {
	.supports = fake_supports, .variants = NULL, .prepare = fake_prepare,
	.run = fake_run, .output = fake_output, .release = fake_release,
	.roofline = fake_roofline, .describe = fake_describe, .destroy = fake_destroy,
};

struct fixture {
	struct fixture_run run;   /* the scratch db and its run */
	struct suite suite;
	struct suite_bench bench;
	struct workload *w;
	float *ref;
	int rounds;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[MC_ERRLEN];
	const long params[] = { 8, 256 };

	fixture_run_open(&fx->run, "runner", "00000000-0000-4000-8000-000000000001");

	fx->suite.name = (char *)"t";
	fx->bench.spec = workload_find("softmax");
	assert_non_null(fx->bench.spec);
	memcpy(fx->bench.params, params, sizeof(params));
	snprintf(fx->bench.name, sizeof(fx->bench.name), "softmax/rows=8,cols=256");
	fx->bench.rtol = fx->bench.spec->rtol;
	fx->bench.atol = fx->bench.spec->atol;
	fx->bench.samples = 10;
	fx->bench.target_ms = 1;
	fx->bench.max_seconds = 30;
	fx->bench.seed = 42;
	fx->rounds = 1;
	assert_int_equal(workload_create(fx->bench.spec, params, 42, &fx->w, err,
					 sizeof(err)), 0);
	fx->ref = malloc(fx->w->plan.output_len * sizeof(float));
	fx->bench.spec->reference(fx->w->params, (const float *const *)fx->w->inputs,
				  fx->ref);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	workload_destroy(fx->w);
	free(fx->ref);
	fixture_run_close(&fx->run);
	free(fx);
	return 0;
}

/* Runs the fake with fault f; returns the outcome and the stored row count
 * of samples for it. */
static void measure_fake(struct fixture *fx, struct fake *impl, struct runner_outcome *o,
			 int *out_samples, char *status, size_t n_status);

static void measure(struct fixture *fx, enum fault f, struct runner_outcome *o,
		    int *out_samples, char *status, size_t n_status)
{
	struct fake impl = { .fault = f };

	measure_fake(fx, &impl, o, out_samples, status, n_status);
}

/* Runs the fake impl (its fault set) through the runner; as measure. */
static void measure_fake(struct fixture *fx, struct fake *impl, struct runner_outcome *o,
			 int *out_samples, char *status, size_t n_status)
{
	enum fault f = impl->fault;
	struct backend be = { .name = "fake", .family = "fake", .ops = &fake_ops, .impl = impl,
			      .self_timed = f == F_SECOND_PASS };
	struct runner_peaks peaks = { 50, 10, 1 << 20 };
	char err[MC_ERRLEN], variant[16];
	sqlite3_stmt *q = NULL;

	int rc;

	snprintf(variant, sizeof(variant), "f%d", (int)f);
	rc = runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench, fx->w, fx->ref,
			    &be, variant, &peaks, fx->rounds, o, err, sizeof(err));
	if (rc)
		print_error("runner_measure: %s\n", err);
	assert_int_equal(rc, 0);
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT r.status, (SELECT count(*) FROM sample s WHERE s.result_id = r.id) "
		"FROM result r WHERE r.variant = ?1 AND r.suite = ?2", -1, &q, NULL),
		SQLITE_OK);
	sqlite3_bind_text(q, 1, variant, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, fx->suite.name, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(status, n_status, "%s", (const char *)sqlite3_column_text(q, 0));
	*out_samples = sqlite3_column_int(q, 1);
	sqlite3_finalize(q);
}

/* A device whose clock the driver reports: 1000 MHz, 10 more at each read,
 * so a sample read before and after its call keeps an odd multiple of 5. */
static unsigned clock_reads;

static double fake_clock_mhz(struct backend *b)
{
	(void)b;
	return 1000.0 + 10.0 * clock_reads++;
}

static const struct backend_ops fake_clocked_ops = {
	.supports = fake_supports, .variants = NULL, .prepare = fake_prepare,
	.run = fake_run, .output = fake_output, .release = fake_release,
	.roofline = fake_roofline, .describe = fake_describe, .destroy = fake_destroy,
	.clock_mhz = fake_clock_mhz,
};

/* Each sample keeps the mean of the clock read just before and just
 * after its call; nothing else (calibration, warm-up, validation) reads. */
static void test_sample_keeps_the_device_clock_around_its_call(void **state)
{
	struct fixture *fx = *state;
	struct fake impl = { .fault = F_NONE };
	struct backend be = { .name = "clocked", .family = "fake", .ops = &fake_clocked_ops,
			      .impl = &impl };
	struct runner_peaks peaks = { 50, 10, 1 << 20 };
	struct runner_outcome o;
	char err[MC_ERRLEN];
	sqlite3_stmt *q = NULL;
	int n = 0;

	clock_reads = 0;
	assert_int_equal(runner_measure(fx->run.st, fx->run.run_id, &fx->suite, &fx->bench,
					fx->w, fx->ref, &be, "clocked", &peaks, fx->rounds, &o,
					err, sizeof(err)), 0);
	assert_string_equal(o.status, "ok");
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT n.idx, n.sm_clock_mhz FROM sample_noise n JOIN result r "
		"ON r.id = n.result_id WHERE r.variant = 'clocked' AND r.clock = 'wall' "
		"ORDER BY n.idx", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		int idx = sqlite3_column_int(q, 0);

		assert_int_equal(idx, n);
		assert_true(sqlite3_column_double(q, 1) == 1005.0 + 20.0 * idx);
		n++;
	}
	sqlite3_finalize(q);
	assert_int_equal(n, 10);
	assert_int_equal(clock_reads, 20);
}

static void test_correct_kernel_is_timed(void **state)
{
	struct runner_outcome o;
	char status[32];
	int n;

	measure(*state, F_NONE, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "ok");
	assert_string_equal(status, "ok");
	assert_int_equal(n, 10);
	assert_true(o.median_ns > 0);
}

/* With a 0.2 s budget and 10 samples, a call of 40 ms is over budget: a
 * kernel slow on its first calls only (compiling) is measured all the
 * same, one slow on every call is skipped with its time in the message. */
static void test_budget_verdict_waits_for_a_second_call(void **state)
{
	struct fixture *fx = *state;
	struct runner_outcome o;
	char status[32];
	int n;

	fx->bench.max_seconds = 0.2;
	measure(fx, F_COMPILES_FIRST, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "ok");
	assert_int_equal(n, 10);
	measure(fx, F_SLOW_ALWAYS, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "skipped");
	assert_string_equal(status, "skipped");
	assert_int_equal(n, 0);
	assert_non_null(strstr(o.message, "one iteration takes"));
}

/* The budget is of the machine's time: a self-timed backend's second pass
 * while sampling (60 ms a sample here, outside the time it reports) is
 * charged to it, so 10 samples overrun 2 x 0.2 s and the result is
 * skipped, saying so; its reported times stay those of its loop. */
static void test_budget_counts_what_a_call_took(void **state)
{
	struct fixture *fx = *state;
	struct runner_outcome o;
	char status[32];
	int n;

	measure(fx, F_SECOND_PASS, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "ok");
	assert_true(o.median_ns < SECOND_PASS_US * 1e3 / 2);
	fx->bench.max_seconds = 0.2;
	fx->suite.name = (char *)"t2";
	measure(fx, F_SECOND_PASS, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "skipped");
	assert_string_equal(status, "skipped");
	assert_non_null(strstr(o.message, "over the suite's budget"));
}

/* A call cannot be cut short, so under a share of a run's budget a
 * measurement whose first call is estimated to outlast the share is not
 * started (stored skipped with the estimate and its source, the backend
 * never called), and one estimated inside it is measured. */
static void share_run(struct fixture *fx, double est_ns, struct fake *impl,
		      struct runner_outcome *o)
{
	struct backend be = { .name = "fake", .family = "fake", .ops = &fake_ops, .impl = impl };
	struct runner_peaks peaks = { 50, 10, 1 << 20 };
	struct runner_task *t = NULL;
	char err[MC_ERRLEN];

	assert_int_equal(runner_task_new(&fx->suite, &fx->bench, fx->w, fx->ref, &be,
					 est_ns > 1e8 ? "big" : "small", &peaks, fx->rounds, &t,
					 err, sizeof(err)), 0);
	runner_task_limit(t, 1e8, "its share (0.1 s) of a test's budget", 0, est_ns,
			  "a test's estimate");
	for (int r = 0; runner_task_pending(t, r); r++)
		runner_task_round(t, r);
	assert_int_equal(runner_task_store(t, fx->run.st, fx->run.run_id, o, err,
					   sizeof(err)), 0);
	runner_task_free(t);
}

static void test_share_refuses_a_call_that_would_outlast_it(void **state)
{
	struct fixture *fx = *state;
	struct fake big = { .fault = F_NONE }, small = { .fault = F_NONE };
	struct runner_outcome o;

	share_run(fx, 1e9, &big, &o);
	assert_string_equal(o.status, "skipped");
	assert_non_null(strstr(o.message, "not started: preparing it and one call would "
			       "take about 1 s (a test's estimate), over its share (0.1 s) of "
			       "a test's budget"));
	assert_int_equal(big.run_calls, 0);
	assert_int_equal(big.prepares, 0);
	share_run(fx, 1e3, &small, &o);
	assert_string_equal(o.status, "ok");
}

/* A measurement whose rounds will not all fit its share keeps the rounds
 * that do, measured, with their count recorded, rather than discarding
 * what it ran. Rounds of 40 ms calls; the share, set after round 1, is
 * what the first two took and 1.5 times round 1 more, so after round 2
 * all five are seen not to fit and one more does (two at most, by the
 * noise of a sleep): 3 or 4 of 5 rounds, two samples each. */
static void test_share_keeps_the_rounds_that_fit(void **state)
{
	struct fixture *fx = *state;
	struct fake impl = { .fault = F_SLOW_ALWAYS };
	struct backend be = { .name = "fake", .family = "fake", .ops = &fake_ops, .impl = &impl };
	struct runner_peaks peaks = { 50, 10, 1 << 20 };
	struct runner_task *t = NULL;
	struct runner_outcome o;
	char err[MC_ERRLEN];
	uint64_t t0, t1, t2;
	sqlite3_stmt *q = NULL;
	int r, kept;

	fx->rounds = 5;
	assert_int_equal(runner_task_new(&fx->suite, &fx->bench, fx->w, fx->ref, &be, "cut",
					 &peaks, fx->rounds, &t, err, sizeof(err)), 0);
	t0 = clock_now_ns();
	runner_task_round(t, 0);
	t1 = clock_now_ns();
	runner_task_round(t, 1);
	t2 = clock_now_ns();
	runner_task_limit(t, (double)(t2 - t0) + 1.5 * (double)(t2 - t1),
			  "its share of a test's budget", 0, 0, NULL);
	for (r = 2; runner_task_pending(t, r); r++)
		runner_task_round(t, r);
	assert_int_equal(runner_task_store(t, fx->run.st, fx->run.run_id, &o, err,
					   sizeof(err)), 0);
	runner_task_free(t);
	assert_string_equal(o.status, "ok");
	kept = impl.prepares;
	assert_true(kept == 3 || kept == 4);
	assert_int_equal(r, kept);
	assert_non_null(strstr(o.message, "of 5 rounds: all 5 would take about"));
	assert_non_null(strstr(o.message, "over its share of a test's budget"));
	assert_int_equal(o.message[0] - '0', kept);
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT r.rounds, r.n_samples, (SELECT count(*) FROM sample s WHERE "
		"s.result_id = r.id) FROM result r WHERE r.variant = 'cut'", -1, &q, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), kept);
	assert_int_equal(sqlite3_column_int(q, 1), 2 * kept);
	assert_int_equal(sqlite3_column_int(q, 2), 2 * kept);
	sqlite3_finalize(q);
}

static void test_wrong_kernel_is_invalid_never_timed(void **state)
{
	struct runner_outcome o;
	char status[32];
	int n;

	measure(*state, F_WRONG, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "invalid");
	assert_string_equal(status, "invalid");
	assert_int_equal(n, 0);
	assert_non_null(strstr(o.message, "differs from the reference"));
}

static void test_kernel_skipping_work_is_caught(void **state)
{
	struct runner_outcome o;
	char status[32];
	int n;

	measure(*state, F_SKIP_AFTER_FIRST, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "invalid");
	assert_int_equal(n, 0);
}

static void test_unsynchronised_device_is_implausible(void **state)
{
	struct runner_outcome o;
	char status[32];
	int n;

	measure(*state, F_NO_WAIT, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "implausible");
	assert_string_equal(status, "implausible");
	assert_non_null(strstr(o.message, "not synchronised"));
	assert_non_null(strstr(o.message, "GFLOP/s"));
}

/* Warm-up lasts until the kernel is steady: with 1 ms samples, calibration
 * alone ends within a few ms, inside a 12 ms slow start (shorter than the
 * 20 ms minimum warm-up at this 1 ms target), and the samples
 * would have caught it. Every iteration the stored samples time (the last
 * samples x iters_per_sample before the check of the output) must come
 * after the slow phase. */
static void test_warmup_outlasts_a_slow_start(void **state)
{
	struct fixture *fx = *state;
	struct fake impl = { .fault = F_SLOW_START };
	struct runner_outcome o;
	sqlite3_stmt *q = NULL;
	char status[32];
	int n;
	uint64_t iters;

	measure_fake(fx, &impl, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "ok");
	assert_int_equal(n, 10);
	assert_int_equal(sqlite3_prepare_v2(store_db(fx->run.st),
		"SELECT iters_per_sample FROM result WHERE variant = 'f4'", -1, &q, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	iters = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	print_message("slow start over after %llu iterations; %llu in all, samples "
		      "time the last %llu\n", (unsigned long long)impl.calls_when_fast,
		      (unsigned long long)impl.calls, (unsigned long long)(10 * iters));
	assert_true(impl.calls_when_fast > 0);
	assert_true(impl.calls - 10 * iters >= impl.calls_when_fast);
}

/* Rounds: each one prepares a fresh state, validates it and takes its
 * share of the samples (10 over 4 rounds: 2, 3, 2, 3); every state is
 * released. */
static void test_rounds_reprepare_and_share_samples(void **state)
{
	struct fixture *fx = *state;
	struct fake impl = { .fault = F_NONE };
	struct runner_outcome o;
	char status[32];
	int n;

	fx->rounds = 4;
	measure_fake(fx, &impl, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "ok");
	assert_int_equal(n, 10);
	assert_int_equal(impl.prepares, 4);
	assert_int_equal(impl.releases, 4);
	/* More rounds than samples: one sample per round, no empty rounds. */
	memset(&impl, 0, sizeof(impl));
	fx->rounds = 50;
	fx->suite.name = (char *)"t2";
	measure_fake(fx, &impl, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "ok");
	assert_int_equal(n, 10);
	assert_int_equal(impl.prepares, 10);
}

/* A wrong output in a later round discards the samples of the earlier
 * ones: the result is invalid, with no time, and no further round runs. */
static void test_wrong_in_a_later_round_is_invalid(void **state)
{
	struct fixture *fx = *state;
	struct fake impl = { .fault = F_WRONG_LATER };
	struct runner_outcome o;
	char status[32];
	int n;

	fx->rounds = 5;
	measure_fake(fx, &impl, &o, &n, status, sizeof(status));
	assert_string_equal(o.status, "invalid");
	assert_string_equal(status, "invalid");
	assert_int_equal(n, 0);
	assert_int_equal(impl.prepares, 3);
	assert_int_equal(impl.releases, 3);
	assert_non_null(strstr(o.message, "differs from the reference"));
}

/* Tasks interleaved as a session does (session.c): round k of every task
 * before round k + 1 of any, so a slowdown confined to one stretch of the
 * run reaches one round of a result, not all its samples. Each round of a task is a
 * prepare of its own, with the other task's round in between. */
static void test_interleaved_rounds_spread_a_slow_stretch(void **state)
{
	struct fixture *fx = *state;
	struct fake ia = { .fault = F_NONE }, ib = { .fault = F_NONE };
	struct backend ba = { .name = "a", .family = "fake", .ops = &fake_ops, .impl = &ia };
	struct backend bb = { .name = "b", .family = "fake", .ops = &fake_ops, .impl = &ib };
	struct runner_peaks peaks = { 50, 10, 1 << 20 };
	struct runner_task *ta = NULL, *tb = NULL;
	char err[MC_ERRLEN];
	int rounds = 0;

	assert_int_equal(runner_task_new(&fx->suite, &fx->bench, fx->w, fx->ref, &ba, "",
					 &peaks, 5, &ta, err, sizeof(err)), 0);
	assert_int_equal(runner_task_new(&fx->suite, &fx->bench, fx->w, fx->ref, &bb, "",
					 &peaks, 5, &tb, err, sizeof(err)), 0);
	for (int k = 0; runner_task_pending(ta, k) || runner_task_pending(tb, k); k++) {
		assert_int_equal(ia.prepares, k);
		assert_int_equal(ib.prepares, k);
		runner_task_round(ta, k);
		assert_int_equal(ia.prepares, k + 1);
		assert_int_equal(ib.prepares, k);
		runner_task_round(tb, k);
		rounds++;
	}
	assert_int_equal(rounds, 5);
	assert_int_equal(runner_task_store(ta, fx->run.st, fx->run.run_id, NULL, err, sizeof(err)), 0);
	assert_int_equal(runner_task_store(tb, fx->run.st, fx->run.run_id, NULL, err, sizeof(err)), 0);
	runner_task_free(ta);
	runner_task_free(tb);
	assert_int_equal(ia.releases, 5);
	assert_int_equal(ib.releases, 5);
}

/* A task stored before all its rounds ran (a caller that stopped early)
 * is failed, never a time from part of its samples. */
static void test_unfinished_rounds_are_failed(void **state)
{
	struct fixture *fx = *state;
	struct fake impl = { .fault = F_NONE };
	struct backend be = { .name = "fake", .family = "fake", .ops = &fake_ops, .impl = &impl };
	struct runner_peaks peaks = { 50, 10, 1 << 20 };
	struct runner_task *t = NULL;
	struct runner_outcome o;
	char err[MC_ERRLEN];

	assert_int_equal(runner_task_new(&fx->suite, &fx->bench, fx->w, fx->ref, &be, "",
					 &peaks, 3, &t, err, sizeof(err)), 0);
	runner_task_round(t, 0);
	assert_true(runner_task_pending(t, 1));
	assert_int_equal(runner_task_store(t, fx->run.st, fx->run.run_id, &o, err, sizeof(err)), 0);
	runner_task_free(t);
	assert_string_equal(o.status, "failed");
	assert_non_null(strstr(o.message, "only 3 of 10 samples"));
	assert_true(isnan(o.median_ns));
}

static void test_plausibility_thresholds(void **state)
{
	struct runner_peaks p = { 100, 20, 1e6 };
	char msg[512];
	(void)state;
	/* 100 GFLOP/s exactly at peak: fine; 120 is beyond the 10% margin. */
	assert_string_equal(runner_plausibility(100e9, 0, 1e9, 0, &p, msg, sizeof(msg)), "ok");
	assert_string_equal(runner_plausibility(120e9, 0, 1e9, 0, &p, msg, sizeof(msg)),
			    "implausible");
	/* 40 GB/s on a working set in cache is fine, out of cache it is not. */
	assert_string_equal(runner_plausibility(0, 40e9, 1e9, 1e6, &p, msg, sizeof(msg)), "ok");
	assert_string_equal(runner_plausibility(0, 40e9, 1e9, 1e8, &p, msg, sizeof(msg)),
			    "implausible");
	assert_non_null(strstr(msg, "GB/s"));
	/* A gather: 2 MB touched of 1 GB of buffers, at 200 GB/s, is cache
	 * speed on what it touches, not an impossible DRAM figure. */
	assert_string_equal(runner_plausibility(0, 2e6, 1e4, 1e9, &p, msg, sizeof(msg)), "ok");
	/* the same speed over 10 MB touched (beyond 4x the cache) is not */
	assert_string_equal(runner_plausibility(0, 1e7, 5e4, 1e9, &p, msg, sizeof(msg)),
			    "implausible");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_correct_kernel_is_timed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sample_keeps_the_device_clock_around_its_call,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_kernel_is_invalid_never_timed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_skipping_work_is_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsynchronised_device_is_implausible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warmup_outlasts_a_slow_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rounds_reprepare_and_share_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_in_a_later_round_is_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interleaved_rounds_spread_a_slow_stretch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_rounds_are_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_verdict_waits_for_a_second_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_counts_what_a_call_took, setup, teardown),
		cmocka_unit_test_setup_teardown(test_share_keeps_the_rounds_that_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_share_refuses_a_call_that_would_outlast_it, setup, teardown),
		cmocka_unit_test(test_plausibility_thresholds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
