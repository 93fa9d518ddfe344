/*
 * test_session.c - the plan of a run and the rounds that carry it out,
 * against fake backends: which measurements a plan lists and in what
 * order, round k of every measurement before round k + 1 of any, a stop
 * request that leaves unfinished measurements unstored, and the devices
 * probed and recorded at the start and raised at the end, and a run's
 * budget shared out so that what does not fit is stored skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "clock.h"
#include "err.h"
#include "fixture.h"
#include "plan.h"
#include "runner.h"
#include "session.h"
#include "store.h"
#include "suite.h"
#include "workload.h"

/* A backend that computes the reference: right, and fast enough. */
struct fake {
	const char *const *kernels;    /* supported, NULL-terminated; NULL = all */
	const char *const *variants;   /* NULL: none */
	double gflops[2];              /* the first probe, then every later one */
	int fail_probe;
	int probes, prepares, releases, runs;
	const char *slow_kernel;       /* its every call sleeps slow_ms */
	int slow_ms;
};

struct fake_state {
	const struct workload *w;
	float *out;
};

static int fake_supports(struct backend *b, const char *k)
{
	struct fake *f = b->impl;

	if (!f->kernels)
		return 1;
	for (const char *const *p = f->kernels; *p; p++)
		if (!strcmp(*p, k))
			return 1;
	return 0;
}

static const char *const *fake_variants(struct backend *b, const char *k)
{
	struct fake *f = b->impl;

	return strcmp(k, "softmax") == 0 ? f->variants : NULL;
}

static int fake_prepare(struct backend *b, const struct workload *w, const char *variant,
			void **out, char *err, size_t n_err)
{
	struct fake *f = b->impl;
	struct fake_state *s = calloc(1, sizeof(*s));
	(void)variant;

	if (!s || !(s->out = calloc(w->plan.output_len, sizeof(float)))) {
		free(s);
		return err_set(err, n_err, MC_ENOMEM, "out of memory");
	}
	s->w = w;
	f->prepares++;
	*out = s;
	return 0;
}

static int fake_run(struct backend *b, void *state, uint64_t n, double *dev,
		    char *err, size_t n_err)
{
	struct fake_state *s = state;
	struct fake *f = b->impl;
	(void)err; (void)n_err;
	f->runs++;
	*dev = -1;
	if (f->slow_kernel && !strcmp(s->w->spec->name, f->slow_kernel)) {
		struct timespec ts = { 0, f->slow_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
	for (uint64_t i = 0; i < n; i++)
		s->w->spec->reference(s->w->params, (const float *const *)s->w->inputs,
				      s->out);
	return 0;
}

static int fake_output(struct backend *b, void *state, float *out, char *err, size_t n_err)
{
	struct fake_state *s = state;
	(void)b; (void)err; (void)n_err;
	memcpy(out, s->out, s->w->plan.output_len * sizeof(float));
	return 0;
}

static void fake_release(struct backend *b, void *state)
{
	struct fake *f = b->impl;
	struct fake_state *s = state;

	if (s) {
		f->releases++;
		free(s->out);
		free(s);
	}
}

static int fake_roofline(struct backend *b, double *g, double *bw, char *e, size_t n)
{
	struct fake *f = b->impl;

	if (f->fail_probe)
		return err_set(e, n, MC_ENOTSUP, "no probe on %s", b->name);
	*g = f->gflops[f->probes++ ? 1 : 0];
	*bw = 10;
	return 0;
}

static void fake_describe(struct backend *b, cJSON *o)
{
	cJSON_AddStringToObject(o, "name", b->name);
}

static void fake_destroy(struct backend *b) { (void)b; }

static const struct backend_ops fake_ops = {
	.supports = fake_supports, .variants = fake_variants, .prepare = fake_prepare,
	.run = fake_run, .output = fake_output, .release = fake_release,
	.roofline = fake_roofline, .describe = fake_describe, .destroy = fake_destroy,
};

static const char *const softmax_sgemm[] = { "softmax", "sgemm", NULL };
static const char *const two_variants[] = { "x", "y", NULL };
static char *only_fake[] = { (char *)"fake", NULL };

#define N_BES 3

/* Two suites: s1 = softmax (2 samples), rmsnorm (fake families only);
 * s2 = sgemm. Backends: a runs all with two softmax variants; b runs
 * softmax and sgemm only; c is of another family. */
struct fixture {
	struct fixture_run run;   /* the scratch db and its run */
	struct suite s1, s2;
	struct suite_bench b1[2], b2[1];
	struct suite *suites[2];
	struct fake fa, fb, fc;
	struct backend ba, bb, bc;
	struct backend *bes[N_BES];
};

static void bench(struct suite_bench *b, const char *kernel, long p0, long p1, long p2,
		  int samples)
{
	b->spec = workload_find(kernel);
	assert_non_null(b->spec);
	b->params[0] = p0;
	b->params[1] = p1;
	b->params[2] = p2;
	snprintf(b->name, sizeof(b->name), "%s/%ld", kernel, p0);
	b->rtol = b->spec->rtol;
	b->atol = b->spec->atol;
	b->samples = samples;
	b->target_ms = 0.05;
	b->max_seconds = 30;
	b->seed = 42;
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fixture_run_open(&fx->run, "session", "00000000-0000-4000-8000-000000000002");
	bench(&fx->b1[0], "softmax", 4, 64, 0, 2);
	bench(&fx->b1[1], "rmsnorm", 4, 64, 0, 4);
	fx->b1[1].backends = only_fake;
	bench(&fx->b2[0], "sgemm", 8, 8, 8, 4);
	fx->s1 = (struct suite){ .name = (char *)"s1", .n_benches = 2, .benches = fx->b1 };
	fx->s2 = (struct suite){ .name = (char *)"s2", .n_benches = 1, .benches = fx->b2 };
	fx->suites[0] = &fx->s1;
	fx->suites[1] = &fx->s2;
	fx->fa = (struct fake){ .variants = two_variants, .gflops = { 50, 50 } };
	fx->fb = (struct fake){ .kernels = softmax_sgemm, .gflops = { 50, 50 } };
	fx->fc = (struct fake){ .gflops = { 50, 50 } };
	fx->ba = (struct backend){ .name = "a", .family = "fake", .ops = &fake_ops, .impl = &fx->fa };
	fx->bb = (struct backend){ .name = "b", .family = "fake", .ops = &fake_ops, .impl = &fx->fb };
	fx->bc = (struct backend){ .name = "c", .family = "other", .ops = &fake_ops, .impl = &fx->fc };
	fx->bes[0] = &fx->ba;
	fx->bes[1] = &fx->bb;
	fx->bes[2] = &fx->bc;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	fixture_run_close(&fx->run);
	free(fx);
	return 0;
}

/* One integer from the run's db, read as any reader would. */
static long long db_int(const struct fixture *fx, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	long long v;

	assert_int_equal(sqlite3_open_v2(fx->run.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

/* The plan, in order: suite, benchmark, backend, variant. */
static const char *const expected_labels[] = {
	"s1/softmax/4 a x", "s1/softmax/4 a y", "s1/softmax/4 b", "s1/softmax/4 c",
	"s1/rmsnorm/4 a",
	"s2/sgemm/8 a", "s2/sgemm/8 b", "s2/sgemm/8 c",
};
#define N_ITEMS (sizeof(expected_labels) / sizeof(expected_labels[0]))

static void test_plan_lists_measurements_in_order(void **state)
{
	struct fixture *fx = *state;
	struct plan *p = NULL;
	char err[MC_ERRLEN], label[256];
	const size_t benches[N_ITEMS] = { 0, 0, 0, 0, 1, 2, 2, 2 };
	const size_t backends[N_ITEMS] = { 0, 0, 1, 2, 0, 0, 1, 2 };

	assert_int_equal(plan_build(fx->suites, 2, fx->bes, N_BES, 3, &p, err, sizeof(err)), 0);
	assert_int_equal(plan_n_items(p), N_ITEMS);
	assert_int_equal(plan_n_benches(p), 3);
	assert_int_equal(plan_n_backends(p), N_BES);
	assert_ptr_equal(plan_backend(p, 1), &fx->bb);
	assert_null(plan_backend(p, N_BES));
	assert_int_equal(plan_rounds(p), 3);
	for (size_t i = 0; i < N_ITEMS; i++) {
		const struct plan_item *it = plan_item(p, i);

		plan_item_label(it, label, sizeof(label));
		assert_string_equal(label, expected_labels[i]);
		assert_int_equal(it->bench_index, benches[i]);
		assert_int_equal(it->backend_index, backends[i]);
		assert_ptr_equal(it->backend, fx->bes[backends[i]]);
		assert_ptr_equal(it->suite, i < 5 ? &fx->s1 : &fx->s2);
	}
	assert_null(plan_item(p, N_ITEMS));
	/* Rounds per measurement are at most its samples: softmax has 2. */
	assert_int_equal(plan_n_steps(p), 4 * 2 + 1 * 3 + 3 * 3);
	plan_free(p);
}

/* A backend that does not support a kernel, or whose family the benchmark
 * leaves out, has no measurement of it; nor does any backend of a kernel
 * none supports. */
static void test_plan_leaves_out_what_a_backend_cannot_run(void **state)
{
	struct fixture *fx = *state;
	struct backend *only_b[] = { &fx->bb };
	struct suite only_rmsnorm, *suites = &only_rmsnorm;
	struct plan *p = NULL;
	char err[MC_ERRLEN], label[256];

	assert_false(plan_runnable(&fx->b1[1], &fx->bb));   /* b: no rmsnorm */
	assert_false(plan_runnable(&fx->b1[1], &fx->bc));   /* c: family left out */
	assert_true(plan_runnable(&fx->b1[1], &fx->ba));
	assert_true(plan_runnable(&fx->b2[0], &fx->bc));
	assert_string_equal(plan_variants(&fx->bb, "sgemm")[0], "");
	assert_null(plan_variants(&fx->bb, "sgemm")[1]);
	assert_ptr_equal(plan_variants(&fx->ba, "softmax"), two_variants);

	assert_int_equal(plan_build(fx->suites, 2, only_b, 1, 5, &p, err, sizeof(err)), 0);
	assert_int_equal(plan_n_items(p), 2);
	assert_int_equal(plan_n_benches(p), 3);
	plan_item_label(plan_item(p, 0), label, sizeof(label));
	assert_string_equal(label, "s1/softmax/4 b");
	plan_item_label(plan_item(p, 1), label, sizeof(label));
	assert_string_equal(label, "s2/sgemm/8 b");
	assert_int_equal(plan_item(p, 1)->bench_index, 2);
	assert_int_equal(plan_n_steps(p), 2 + 4);
	plan_free(p);

	/* Nothing to run is an empty plan, not an error: c may not run the
	 * rmsnorm, and b cannot. */
	only_rmsnorm = (struct suite){ .name = (char *)"s3", .n_benches = 1,
				       .benches = &fx->b1[1] };
	assert_int_equal(plan_build(&suites, 1, &fx->bes[1], 2, 5, &p, err,
				    sizeof(err)), 0);
	assert_int_equal(plan_n_items(p), 0);
	assert_int_equal(plan_n_benches(p), 1);
	assert_int_equal(plan_n_steps(p), 0);
	assert_null(plan_item(p, 0));
	plan_free(p);
}

/* What the hooks saw. */
struct seen {
	const struct plan *plan;
	size_t n_rounds, n_results, n_devices, n_probe_failed;
	size_t round_item[64];
	int round_of[64];
	size_t result_item[64];
	char status[64][16];
	double device_gflops[8];
	size_t stop_after;            /* rounds before asking to stop; 0 never */
	size_t stop_asked;
};

static size_t index_of(const struct plan *p, const struct plan_item *it)
{
	for (size_t i = 0; i < plan_n_items(p); i++)
		if (plan_item(p, i) == it)
			return i;
	fail_msg("an event names an item not in the plan");
	return 0;
}

static void on_event(void *ctx, const struct session_event *ev)
{
	struct seen *s = ctx;

	switch (ev->kind) {
	case SESSION_ROUND:
		assert_true(s->n_rounds < 64);
		assert_int_equal(ev->rounds, plan_rounds(s->plan));
		s->round_item[s->n_rounds] = index_of(s->plan, ev->item);
		s->round_of[s->n_rounds++] = ev->round;
		break;
	case SESSION_RESULT:
		assert_true(s->n_results < 64);
		s->result_item[s->n_results] = index_of(s->plan, ev->item);
		snprintf(s->status[s->n_results++], sizeof(s->status[0]), "%s",
			 ev->outcome->status);
		break;
	case SESSION_DEVICE:
		assert_true(s->n_devices < 8);
		s->device_gflops[s->n_devices++] = ev->peaks->gflops;
		break;
	case SESSION_PROBE_FAILED:
		assert_non_null(strstr(ev->message, "no probe on"));
		s->n_probe_failed++;
		break;
	}
}

static int stop_when_told(void *ctx)
{
	struct seen *s = ctx;

	s->stop_asked++;
	return s->stop_after && s->n_rounds >= s->stop_after;
}

/* Every round of the plan, interleaved: the round events come as round 0
 * of every measurement in plan order, then round 1 of each that has one,
 * and so on; each measurement is stored once, after its last round. */
static void test_session_interleaves_rounds(void **state)
{
	struct fixture *fx = *state;
	struct plan *p = NULL;
	struct session *ses = NULL;
	struct seen seen = { 0 };
	struct session_hooks hooks = { on_event, stop_when_told, &seen };
	const struct session_tally *tally;
	char err[MC_ERRLEN];
	size_t e = 0;
	int stopped = -1;

	assert_int_equal(plan_build(fx->suites, 2, fx->bes, N_BES, 3, &p, err, sizeof(err)), 0);
	seen.plan = p;
	assert_int_equal(session_new(p, fx->run.st, fx->run.run_id, &hooks, &ses, err, sizeof(err)), 0);
	assert_int_equal(session_run_rounds(ses, &stopped, err, sizeof(err)), 0);
	assert_int_equal(stopped, 0);
	assert_int_equal(seen.n_rounds, plan_n_steps(p));
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < N_ITEMS; i++) {
			/* softmax (items 0-3) has 2 samples, so 2 rounds */
			if (i < 4 && round == 2)
				continue;
			assert_int_equal(seen.round_item[e], i);
			assert_int_equal(seen.round_of[e], round);
			e++;
		}
	/* Stored as they finish: the softmax ones after round 2 of 3. */
	assert_int_equal(seen.n_results, N_ITEMS);
	for (size_t i = 0; i < N_ITEMS; i++) {
		assert_int_equal(seen.result_item[i], i);
		assert_string_equal(seen.status[i], "ok");
	}
	tally = session_tally(ses);
	assert_int_equal(tally->ok, N_ITEMS);
	assert_int_equal(tally->invalid + tally->implausible + tally->failed +
			 tally->skipped, 0);
	/* Asked before every slot of every round, before every call to a
	 * backend (so a signal ends a measurement within one call), after
	 * every measurement's round (so a cut one is not stored), and once at
	 * the end. */
	assert_int_equal(seen.stop_asked, 3 * N_ITEMS + 3 + 1 + (int)plan_n_steps(p) +
			 fx->fa.runs + fx->fb.runs + fx->fc.runs);
	session_free(ses);
	plan_free(p);
	/* a: softmax x2 at 2 rounds, rmsnorm and sgemm at 3. */
	assert_int_equal(fx->fa.prepares, 2 * 2 + 3 + 3);
	assert_int_equal(fx->fa.releases, fx->fa.prepares);
	assert_int_equal(fx->fb.prepares, 2 + 3);
	assert_int_equal(fx->fc.prepares, 2 + 3);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE status = 'ok'"),
			 N_ITEMS);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM sample"), 4 * 2 + 4 * 4);
}

/* A stop asked midway ends the session within one backend call, the
 * round in progress included: what finished is stored, whole; what did
 * not is not stored at all, and no later round runs. */
static void test_session_stop_leaves_unfinished_unstored(void **state)
{
	struct fixture *fx = *state;
	struct plan *p = NULL;
	struct session *ses = NULL;
	struct seen seen = { 0 };
	struct session_hooks hooks = { on_event, stop_when_told, &seen };
	char err[MC_ERRLEN];
	int stopped = 0;

	assert_int_equal(plan_build(fx->suites, 2, fx->bes, N_BES, 3, &p, err, sizeof(err)), 0);
	seen.plan = p;
	/* Round 0 of all 8, then round 1 of the first 3: softmax a x and a y
	 * finish (2 rounds); the stop comes as round 1 of softmax b begins,
	 * before its first call, so it and the rest do not. */
	seen.stop_after = N_ITEMS + 3;
	assert_int_equal(session_new(p, fx->run.st, fx->run.run_id, &hooks, &ses, err, sizeof(err)), 0);
	assert_int_equal(session_run_rounds(ses, &stopped, err, sizeof(err)), 0);
	assert_true(stopped);
	assert_int_equal(seen.n_rounds, N_ITEMS + 3);
	assert_int_equal(seen.round_of[N_ITEMS + 2], 1);
	assert_int_equal(seen.round_item[N_ITEMS + 2], 2);
	assert_int_equal(seen.n_results, 2);
	assert_int_equal(session_tally(ses)->ok, 2);
	/* Once stopped, asking again changes nothing. */
	assert_int_equal(session_run_rounds(ses, &stopped, err, sizeof(err)), 0);
	assert_true(stopped);
	assert_int_equal(seen.n_rounds, N_ITEMS + 3);
	session_free(ses);
	plan_free(p);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result"), 2);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE kernel = 'softmax' "
				"AND backend = 'a' AND status = 'ok' AND n_samples = 2"), 2);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM sample"), 2 * 2);
	/* Every state prepared was released, stored or not. */
	assert_int_equal(fx->fa.releases, fx->fa.prepares);
	assert_int_equal(fx->fc.releases, fx->fc.prepares);
	assert_int_equal(fx->fc.prepares, 2);
}

/* The message of the one result where `where` holds (a static buffer). */
static const char *db_message(const struct fixture *fx, const char *where)
{
	static char out[512];
	char sql[256];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;

	snprintf(sql, sizeof(sql), "SELECT message FROM result WHERE %s", where);
	assert_int_equal(sqlite3_open_v2(fx->run.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	return out;
}

/* Runs the fixture's plan (rounds rounds) under a budget of seconds that
 * began at start_ns, to the end; returns the session's tally and how many
 * rounds were begun. */
static struct session_tally run_budgeted(struct fixture *fx, int rounds, double seconds,
					 uint64_t start_ns, size_t *out_rounds)
{
	struct plan *p = NULL;
	struct session *ses = NULL;
	struct seen seen = { 0 };
	struct session_hooks hooks = { on_event, stop_when_told, &seen };
	struct session_tally tally;
	char err[MC_ERRLEN];
	int stopped = -1;

	assert_int_equal(plan_build(fx->suites, 2, fx->bes, N_BES, rounds, &p, err,
				    sizeof(err)), 0);
	seen.plan = p;
	assert_int_equal(session_new(p, fx->run.st, fx->run.run_id, &hooks, &ses, err,
				     sizeof(err)), 0);
	session_set_budget(ses, seconds, start_ns);
	assert_int_equal(session_run_rounds(ses, &stopped, err, sizeof(err)), 0);
	assert_int_equal(stopped, 0);
	tally = *session_tally(ses);
	session_free(ses);
	plan_free(p);
	if (out_rounds)
		*out_rounds = (size_t)seen.n_rounds;
	return tally;
}

/* A budget already spent when the rounds begin: every measurement is
 * stored skipped, saying so, and no backend is even prepared. */
static void test_session_budget_spent(void **state)
{
	struct fixture *fx = *state;
	size_t n_rounds = 99;
	struct session_tally tally = run_budgeted(fx, 3, 0.001,
						  clock_now_ns() - 1000000000ULL, &n_rounds);

	assert_int_equal(tally.skipped, N_ITEMS);
	assert_int_equal(n_rounds, 0);
	assert_int_equal(fx->fa.prepares + fx->fb.prepares + fx->fc.prepares, 0);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE status = 'skipped'"),
			 N_ITEMS);
	assert_non_null(strstr(db_message(fx, "kernel = 'sgemm' AND backend = 'c'"),
			       "the run's budget of 0 s was spent before it began"));
}

/* A budget the plan does not fit: the one slow measurement (softmax on c,
 * 60 ms a call, so at least 0.24 s a round: validation, calibration,
 * warm-up, a sample) is stopped once its first round shows that its two
 * will not fit in its share (1 s over the 2 suites still to begin, then
 * over the 2 measurements of s1 still to begin: 0.25 s), keeping that
 * round (ok, 1 of 2 rounds, recorded), or during that round, stored
 * skipped with why; the fast ones, far inside their shares, are measured
 * as without a budget. */
static void test_session_budget_shared(void **state)
{
	struct fixture *fx = *state;
	struct session_tally tally;
	const char *msg;
	int kept;

	fx->fc.slow_kernel = "softmax";
	fx->fc.slow_ms = 60;
	tally = run_budgeted(fx, 3, 1.0, clock_now_ns(), NULL);
	kept = tally.ok == N_ITEMS;
	assert_int_equal(tally.skipped, !kept);
	assert_int_equal(tally.ok, N_ITEMS - !kept);
	assert_int_equal(tally.cut, kept);
	msg = db_message(fx, "kernel = 'softmax' AND backend = 'c'");
	assert_non_null(strstr(msg, "of the run's budget of 1 s"));
	if (kept) {
		assert_non_null(strstr(msg, "1 of 2 rounds: all 2 would take about"));
		assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE kernel = "
					"'softmax' AND backend = 'c' AND status = 'ok' AND "
					"rounds = 1"), 1);
	} else {
		assert_non_null(strstr(msg, "in 1 of 2 rounds"));
	}
	/* a round of it ran (validated, calibrated), the second did not */
	assert_int_equal(fx->fc.prepares, 1 + 3);
	/* every other result has its run's rounds */
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE status = 'ok' AND "
				"n_samples > 0 AND rounds IS NULL"), N_ITEMS - 1);
}

/* A suite that overruns its part spends its own, not the next suite's:
 * softmax on c takes 600 ms a call, more than s1's part of a 1 s budget
 * (half of it) and far more than its estimate (its FLOPs at the peak), so
 * its first call overruns; s1's measurements after it find their suite's
 * part spent and are skipped saying so, while s2 still gets its part and
 * is measured. */
static void test_session_budget_overrun_stays_in_its_suite(void **state)
{
	struct fixture *fx = *state;

	fx->fc.slow_kernel = "softmax";
	fx->fc.slow_ms = 600;
	run_budgeted(fx, 2, 1.0, clock_now_ns(), NULL);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE kernel = 'softmax' "
				"AND backend = 'c' AND status = 'skipped'"), 1);
	assert_true(db_int(fx, "SELECT count(*) FROM result WHERE kernel = 'rmsnorm'") > 0);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE kernel = 'rmsnorm' "
				"AND (status <> 'skipped' OR message NOT LIKE "
				"'its suite''s part (0.5%% s) of the run''s budget of 1 s was "
				"spent before it began%%')"), 0);
	assert_true(db_int(fx, "SELECT count(*) FROM result WHERE suite = 's2'") > 0);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM result WHERE suite = 's2' AND "
				"status <> 'ok'"), 0);
}

/* Devices are recorded in backend order with their probed peaks, a failed
 * probe is an event and leaves the peaks unknown, and the closing probe
 * raises a peak that a slowed first probe understated. */
static void test_session_records_and_reprobes_devices(void **state)
{
	struct fixture *fx = *state;
	struct plan *p = NULL;
	struct session *ses = NULL;
	struct seen seen = { 0 };
	struct session_hooks hooks = { on_event, NULL, &seen };
	char err[MC_ERRLEN];

	fx->fa.gflops[0] = 20;     /* slowed at the start, 60 at the end */
	fx->fa.gflops[1] = 60;
	fx->fb.gflops[0] = 80;     /* a slower probe at the end never lowers */
	fx->fb.gflops[1] = 30;
	fx->fc.fail_probe = 1;
	assert_int_equal(plan_build(fx->suites, 2, fx->bes, N_BES, 1, &p, err, sizeof(err)), 0);
	seen.plan = p;
	assert_int_equal(session_new(p, fx->run.st, fx->run.run_id, &hooks, &ses, err, sizeof(err)), 0);
	assert_int_equal(session_record_devices(ses, err, sizeof(err)), 0);
	assert_int_equal(seen.n_devices, N_BES);
	assert_int_equal(seen.n_probe_failed, 1);
	assert_true(seen.device_gflops[0] == 20);
	assert_true(seen.device_gflops[1] == 80);
	assert_true(seen.device_gflops[2] < 0);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM device"), N_BES);
	assert_int_equal(session_reprobe(ses, err, sizeof(err)), 0);
	assert_int_equal(db_int(fx, "SELECT peak_gflops FROM device WHERE backend = 'a'"), 60);
	assert_int_equal(db_int(fx, "SELECT peak_gflops FROM device WHERE backend = 'b'"), 80);
	assert_int_equal(db_int(fx, "SELECT count(*) FROM device WHERE backend = 'c' "
				"AND peak_gflops > 0"), 0);
	assert_int_equal(fx->fa.probes, 2);
	session_free(ses);
	plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plan_lists_measurements_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan_leaves_out_what_a_backend_cannot_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_interleaves_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_stop_leaves_unfinished_unstored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_records_and_reprobes_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_budget_spent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_budget_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_budget_overrun_stays_in_its_suite, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
