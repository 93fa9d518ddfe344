/*
 * test_history.c - the history questions (series.c, compare.c,
 * regressions.c over store_history.c) against stores built here with generated
 * histories: injected level steps must be found at the right run, pure
 * noise must rarely raise an alarm, and run comparisons must give the
 * verdicts (and so the exit status) the commands promise.
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

#include "err.h"
#include "compare.h"
#include "regressions.h"
#include "render.h"
#include "sbuf.h"
#include "series.h"
#include "stats.h"
#include "store.h"
#include "store_int.h"   /* store_db(): the tests read the rows themselves */
#include "store_history.h"

#define SAMPLES 9          /* raw samples per result */
#define SAMPLE_NOISE 0.005 /* within a run */
#define RUN_NOISE 0.02     /* between runs: "2% noise" (sd, or bound) */

struct fixture {
	char dir[64], path[96];
	struct store *st;
	struct store_history *h; /* the view every question is asked through */
	uint64_t rng;
	unsigned n_runs;       /* for unique uuids and times */
	int bounded;           /* run noise uniform in +-RUN_NOISE, not Gaussian */
};

/* ------------------------------------------------------------ generators */

static double uniform(struct fixture *f)
{
	/* xorshift64*: fixed seeds, so every failure reproduces. */
	f->rng ^= f->rng >> 12;
	f->rng ^= f->rng << 25;
	f->rng ^= f->rng >> 27;
	return (double)((f->rng * 0x2545F4914F6CDD1DULL) >> 11) * 0x1.0p-53;
}

static double gauss(struct fixture *f)
{
	double u = uniform(f), v = uniform(f);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* n samples around level (relative noise sd). */
static void gen_samples(struct fixture *f, double level, double sd, double *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = level * (1.0 + sd * gauss(f));
}

struct run_spec {
	const char *fingerprint, *hostname;  /* NULL: "fp-main", "main" */
	const char *commit;                  /* NULL: unknown */
	int dirty;
	const char *compiler;                /* NULL: "gcc 12" */
	const char *openblas;                /* NULL: "0.3.21" */
	const char *status;                  /* NULL: complete */
	const char *uuid;                    /* NULL: generated */
};

static int64_t begin_run(struct fixture *f, const struct run_spec *rs,
			 char *out_uuid, char *out_time)
{
	struct store_run run = { 0 };
	char uuid[40], when[32], prov[128], err[MC_ERRLEN] = "";
	unsigned k = f->n_runs++;
	int64_t id = -1;

	if (rs->uuid)
		snprintf(uuid, sizeof(uuid), "%s", rs->uuid);
	else
		snprintf(uuid, sizeof(uuid), "%08x-0000-4000-8000-%012x",
			 (unsigned)(k * 2654435761u), k);
	/* One run an hour from 2024-01-01. */
	snprintf(when, sizeof(when), "2024-%02u-%02uT%02u:00:00Z", 1 + k / (24 * 28),
		 1 + k / 24 % 28, k % 24);
	snprintf(prov, sizeof(prov), "{\"openblas\": {\"version\": \"%s\"}}",
		 rs->openblas ? rs->openblas : "0.3.21");
	run.uuid = uuid;
	run.started_at = when;
	run.argv = "mcbench run";
	run.git_commit = rs->commit;
	run.git_dirty = rs->commit ? rs->dirty : -1;
	run.compiler = rs->compiler ? rs->compiler : "gcc 12";
	run.cflags = "-O2";
	run.timer_name = "test";
	run.timer_resolution_ns = 1;
	run.timer_overhead_ns = 1;
	run.provenance = prov;
	run.machine.fingerprint = rs->fingerprint ? rs->fingerprint : "fp-main-0123456789";
	run.machine.hostname = rs->hostname ? rs->hostname : "main";
	run.machine.cpu_model = "test cpu";
	run.machine.os = "linux";
	run.machine.kernel = "6.1";
	run.machine.cores = 4;
	run.machine.threads = 8;
	run.machine.mem_bytes = 1 << 30;
	if (store_run_begin(f->st, &run, &id, err, sizeof(err)))
		fail_msg("%s", err);
	if (out_uuid)
		snprintf(out_uuid, 40, "%s", uuid);
	if (out_time)
		snprintf(out_time, 32, "%s", when);
	return id;
}

static void add_result(struct fixture *f, int64_t run_id, const char *bench,
		       const char *backend, const double *x, size_t n)
{
	struct store_result res = { 0 };
	char err[MC_ERRLEN] = "";

	res.suite = "gen";
	res.benchmark = bench;
	res.kernel = "softmax";
	res.params = "{}";
	res.backend = backend;
	res.variant = "";
	res.clock = "wall";
	res.status = "ok";
	res.flops = 1;
	res.bytes = 1;
	res.iters_per_sample = 1;
	res.max_abs_err = 0;
	res.max_rel_err = 0;
	assert_int_equal(stats_summarize(x, n, &res.stats), 0);
	if (store_result_add(f->st, run_id, &res, x, n, err, sizeof(err)))
		fail_msg("%s", err);
}

static void finish_run(struct fixture *f, int64_t id, const char *status)
{
	char err[MC_ERRLEN] = "";

	if (store_run_finish(f->st, id, status ? status : "complete", err, sizeof(err)))
		fail_msg("%s", err);
}

/* Adds n_runs runs, each with one result per history: history h of run i
 * has level 1000 ns * levels[h * n_runs + i] with RUN_NOISE between runs.
 * Commits are "c0000<i>..." (unique per run). uuids of the runs go to
 * out_uuids (may be NULL). */
static void add_histories(struct fixture *f, size_t n_hist, size_t n_runs,
			  const double *levels, char (*out_uuids)[40])
{
	double x[SAMPLES];
	char bench[64], commit[48];

	for (size_t i = 0; i < n_runs; i++) {
		struct run_spec rs = { 0 };
		int64_t id;

		snprintf(commit, sizeof(commit), "c%07zx%032x", i, 0);
		rs.commit = commit;
		id = begin_run(f, &rs, out_uuids ? out_uuids[i] : NULL, NULL);
		for (size_t h = 0; h < n_hist; h++) {
			double e = f->bounded ? 2.0 * uniform(f) - 1.0 : gauss(f);
			double level = 1000.0 * levels[h * n_runs + i] * (1.0 + RUN_NOISE * e);

			snprintf(bench, sizeof(bench), "softmax/h=%zu", h);
			gen_samples(f, level, SAMPLE_NOISE, x, SAMPLES);
			add_result(f, id, bench, "ref", x, SAMPLES);
		}
		finish_run(f, id, NULL);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[MC_ERRLEN];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_history.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/h.sqlite", f->dir);
	if (store_open(f->path, STORE_WRITE, &f->st, err, sizeof(err)) ||
	    store_history_open(f->st, &f->h, err, sizeof(err))) {
		print_error("%s\n", err);
		return -1;
	}
	f->rng = 0x9E3779B97F4A7C15ULL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char side[128];

	store_history_close(f->h);
	store_close(f->st);
	unlink(f->path);
	snprintf(side, sizeof(side), "%s-wal", f->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", f->path);
	unlink(side);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ regressions */

/* Levels of H histories of N runs: +10% at run 10, a further +20% at 20. */
static void two_steps(double *levels, size_t h_n, size_t n)
{
	for (size_t h = 0; h < h_n; h++)
		for (size_t i = 0; i < n; i++)
			levels[h * n + i] = i < 10 ? 1.0 : i < 20 ? 1.10 : 1.10 * 1.20;
}

/* Steps of +10% at run 10 and a further +20% at run 20 among noise within
 * +-2%, in independent histories: each found, at its run, and no more. */
static void test_injected_steps_found(void **state)
{
	enum { H = 20, N = 30 };
	struct fixture *f = *state;
	double levels[H * N];
	char uuids[N][40], err[MC_ERRLEN] = "";
	struct regressions_query q = { 0 };
	struct regressions_shift *sh = NULL;
	size_t n = 0, n_series = 0;

	two_steps(levels, H, N);
	f->bounded = 1;
	add_histories(f, H, N, levels, uuids);

	if (regressions_find(f->h, &q, &sh, &n, &n_series, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n_series, H);
	assert_int_equal(n, 2 * H);
	for (size_t k = 0; k < n; k++) {
		const struct regressions_shift *s = &sh[k];
		int first = k % 2 == 0;
		size_t at = first ? 10 : 20;
		char good[48], bad[48];

		if (s->index != at)
			print_message("shift %zu: %s at run %zu, %+.1f%% (%.0f -> %.0f)\n", k,
				      s->benchmark, s->index, s->change_pct, s->before_ns,
				      s->after_ns);
		assert_int_equal(s->index, at);
		assert_int_equal(s->n_runs, N);
		assert_string_equal(s->run_uuid, uuids[at]);
		assert_int_equal(s->direction, STATS_SLOWER);
		assert_true(fabs(s->change_pct - (first ? 10.0 : 20.0)) < 3.0);
		assert_true(s->after_ns > s->before_ns);
		snprintf(good, sizeof(good), "c%07zx%032x", at - 1, 0);
		snprintf(bad, sizeof(bad), "c%07zx%032x", at, 0);
		assert_string_equal(s->good_commit, good);
		assert_string_equal(s->bad_commit, bad);
		assert_string_equal(s->git_commit, bad);
		assert_string_equal(s->backend, "ref");
		assert_string_equal(s->clock, "wall");
	}
	regressions_free(sh, n);

	/* --since as a date or a commit: only the shift at run 20 is left. */
	q.since = "C000000F";  /* prefix of run 15's commit, any case */
	if (regressions_find(f->h, &q, &sh, &n, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, H);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(sh[k].index, 20);
	regressions_free(sh, n);
	q.since = "2024-01-01T15";  /* run 15 started at 15:00 */
	if (regressions_find(f->h, &q, &sh, &n, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, H);
	regressions_free(sh, n);
	/* a higher threshold hides the 10% step, keeps the 20% one */
	q.since = NULL;
	q.threshold_pct = 15;
	if (regressions_find(f->h, &q, &sh, &n, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, H);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(sh[k].index, 20);
	regressions_free(sh, n);
	/* unknown commit, and nonsense */
	q.since = "deadbeef";
	assert_int_equal(regressions_find(f->h, &q, &sh, &n, NULL, err,
					     sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "deadbeef"));
	q.since = "yesterday";
	assert_int_equal(regressions_find(f->h, &q, &sh, &n, NULL, err,
					     sizeof(err)), MC_EINVAL);
	assert_null(sh);
}

/* Renders text as a template (no charts) against the fixture's db. */
static int render_tmpl(struct fixture *f, const char *text, struct render_out *out,
		       char *err)
{
	char path[128];
	struct render_opts o = { path, "h.sqlite", "reports", NULL, 1, NULL };
	FILE *fp;

	snprintf(path, sizeof(path), "%s/t.md.in", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	memset(out, 0, sizeof(*out));
	return render_document(f->st, &o, out, err, MC_ERRLEN);
}

/* {{regressions}} lists what regressions_find finds: a +20% step at
 * run 7 of 12 in two series, with its run and the commits around it. */
static void test_regressions_directive(void **state)
{
	enum { H = 2, N = 12 };
	struct fixture *f = *state;
	double levels[H * N];
	char uuids[N][40], err[MC_ERRLEN] = "", want[64], path[128];
	struct render_out out;
	const char *p;
	int rows = 0;

	assert_int_equal(render_tmpl(f, "{{regressions}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "No level shift of 5% or more in the 0 series"));
	render_out_free(&out);

	for (size_t h = 0; h < H; h++)
		for (size_t i = 0; i < N; i++)
			levels[h * N + i] = i < 6 ? 1.0 : 1.2;
	f->bounded = 1;
	add_histories(f, H, N, levels, uuids);
	assert_int_equal(render_tmpl(f, "{{regressions}}\n", &out, err), 0);
	snprintf(want, sizeof(want), "| `%.8s` (", uuids[6]);
	for (p = out.doc; (p = strstr(p, want)) != NULL; p++)
		rows++;
	if (rows != H)
		print_error("%s\n", out.doc);
	assert_int_equal(rows, H);
	assert_non_null(strstr(out.doc, "run 7 of 12 | +"));
	assert_non_null(strstr(out.doc, "% slower |"));
	assert_non_null(strstr(out.doc, "| gen / softmax/h=0 | ref | wall | `"));
	assert_non_null(strstr(out.doc, "2 level shifts of 5% or more in the 2 series"));
	render_out_free(&out);
	/* a threshold above the step hides it; a bad since is a template error */
	assert_int_equal(render_tmpl(f, "{{regressions threshold=30}}\n", &out, err), 0);
	assert_non_null(strstr(out.doc, "No level shift of 30% or more in the 2 series"));
	render_out_free(&out);
	assert_int_equal(render_tmpl(f, "x\n{{regressions since=nonsense}}\n", &out, err),
			 MC_EINVAL);
	snprintf(path, sizeof(path), "%s/t.md.in:2:", f->dir);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "nonsense"));
	render_out_free(&out);
}

/* The same steps among Gaussian noise of sd 2%: a run of the old level
 * can now look like the new one (the midpoint of a 10% step is 2.5 sd
 * away, so a few percent of those steps are placed one run off). Every
 * step must still be found, within one run, with nothing else; at least
 * 95% exactly. */
static void test_injected_steps_gaussian(void **state)
{
	enum { H = 100, N = 30 };
	struct fixture *f = *state;
	double *levels = malloc(H * N * sizeof(*levels));
	char err[MC_ERRLEN] = "";
	struct regressions_query q = { 0 };
	struct regressions_shift *sh = NULL;
	size_t n = 0, exact = 0;

	assert_non_null(levels);
	two_steps(levels, H, N);
	add_histories(f, H, N, levels, NULL);
	free(levels);
	if (regressions_find(f->h, &q, &sh, &n, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, 2 * H);
	for (size_t k = 0; k < n; k++) {
		size_t at = k % 2 == 0 ? 10 : 20;

		assert_true(sh[k].index + 1 >= at && sh[k].index <= at + 1);
		assert_int_equal(sh[k].direction, STATS_SLOWER);
		exact += sh[k].index == at;
	}
	print_message("steps placed exactly: %zu of %zu\n", exact, n);
	assert_true(exact * 100 >= 95 * n);
	regressions_free(sh, n);
}

/* An improvement is a shift too, reported as faster. */
static void test_improvement_found(void **state)
{
	enum { N = 16 };
	struct fixture *f = *state;
	double levels[N];
	char err[MC_ERRLEN] = "";
	struct regressions_query q = { 0 };
	struct regressions_shift *sh = NULL;
	size_t n = 0;

	for (size_t i = 0; i < N; i++)
		levels[i] = i < 9 ? 1.0 : 0.85;
	add_histories(f, 1, N, levels, NULL);
	if (regressions_find(f->h, &q, &sh, &n, NULL, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, 1);
	assert_int_equal(sh[0].index, 9);
	assert_int_equal(sh[0].direction, STATS_FASTER);
	assert_true(fabs(sh[0].change_pct + 15.0) < 3.0);
	regressions_free(sh, n);
}

/* 200 histories of 20 runs of pure 2% noise: at the default threshold, at
 * most 5% of them may show a shift. */
static void test_noise_false_alarms(void **state)
{
	enum { H = 200, N = 20 };
	struct fixture *f = *state;
	double *levels = malloc(H * N * sizeof(*levels));
	char err[MC_ERRLEN] = "";
	struct regressions_query q = { 0 };
	struct regressions_shift *sh = NULL;
	size_t n = 0, n_series = 0, alarms = 0;

	assert_non_null(levels);
	for (size_t i = 0; i < H * N; i++)
		levels[i] = 1.0;
	add_histories(f, H, N, levels, NULL);
	free(levels);
	if (regressions_find(f->h, &q, &sh, &n, &n_series, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n_series, H);
	for (size_t k = 0; k < n; k++)
		if (k == 0 || strcmp(sh[k].benchmark, sh[k - 1].benchmark))
			alarms++;
	print_message("false alarms: %zu of %d noise histories (%zu shifts)\n",
		      alarms, H, n);
	assert_true(alarms * 20 <= H);
	regressions_free(sh, n);
}

/* A series needs REGRESSIONS_MIN_RUNS runs; fewer are not examined. */
static void test_short_series_ignored(void **state)
{
	struct fixture *f = *state;
	double levels[3] = { 1.0, 2.0, 2.0 };
	char err[MC_ERRLEN] = "";
	struct regressions_query q = { 0 };
	struct regressions_shift *sh = NULL;
	size_t n = 9, n_series = 9;

	add_histories(f, 1, 3, levels, NULL);
	assert_int_equal(regressions_find(f->h, &q, &sh, &n, &n_series,
					     err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(n_series, 0);
}

/* ------------------------------------------------------------ verdicts */

/* Adds a run with results bench "b0".."b<n-1>" at the given levels. */
static int64_t add_cmp_run(struct fixture *f, const struct run_spec *rs,
			   const double *levels, size_t n, char *out_uuid)
{
	double x[30];
	char bench[32];
	int64_t id = begin_run(f, rs, out_uuid, NULL);

	for (size_t i = 0; i < n; i++) {
		snprintf(bench, sizeof(bench), "softmax/b=%zu", i);
		gen_samples(f, levels[i], 0.005, x, 30);
		add_result(f, id, bench, "ref", x, 30);
	}
	finish_run(f, id, rs->status);
	return id;
}

/* The noise floor: between two runs of the same code on a noisy machine,
 * changes of +-20% across many results are noise even when each one is
 * significant on its own samples; only the +150% one is a regression. A
 * change that moves every result alike (+20% each) keeps a low spread, so
 * all of them are slower. */
static void test_compare_noise_floor(void **state)
{
	struct fixture *f = *state;
	enum { N = 21 };
	double la[N], lb[N], lc[N];
	struct run_spec rs = { 0 };
	struct compare_result *c = NULL;
	struct sbuf w = SBUF_INIT;
	int64_t a, b, u;
	char err[MC_ERRLEN] = "";

	for (int i = 0; i < N; i++) {
		la[i] = 1000.0 * (i + 1);
		lb[i] = la[i] * (1.0 + 0.02 * (i - 10));   /* -20% .. +20% */
		lc[i] = la[i] * (1.20 + 0.001 * (i % 3));  /* +20% .. +20.2% */
	}
	lb[N - 1] = la[N - 1] * 2.5;                       /* +150% */
	a = add_cmp_run(f, &rs, la, N, NULL);
	b = add_cmp_run(f, &rs, lb, N, NULL);
	u = add_cmp_run(f, &rs, lc, N, NULL);

	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c->n_noise, 1);
	print_message("noise: MAD %.1f%%, floor %.1f%%\n", c->noise[0].mad_pct,
		      c->noise[0].floor_pct);
	assert_int_equal(c->noise[0].n, N);
	assert_true(c->noise[0].mad_pct > 9 && c->noise[0].mad_pct < 12);
	assert_true(c->noise[0].floor_pct > 40 && c->noise[0].floor_pct < 55);
	assert_true(c->rows[0].change.p < 0.05);  /* -20%: significant alone */
	assert_int_equal(c->rows[0].change.verdict, STATS_UNCHANGED);
	assert_int_equal(c->rows[N - 2].change.verdict, STATS_UNCHANGED);
	assert_int_equal(c->rows[N - 1].change.verdict, STATS_SLOWER);
	assert_int_equal(c->n_slower, 1);
	assert_int_equal(c->n_faster, 0);
	compare_warnings(c, &w);
	assert_non_null(strstr(sbuf_str(&w), "run-to-run noise of ref (wall clock)"));
	/* every row of the group carries its floor (compare --json prints it:
	 * tests/cli/t2005-compare-noise.sh) */
	for (int i = 0; i < N; i++)
		assert_true(c->rows[i].floor_pct == c->noise[0].floor_pct);
	sbuf_release(&w);
	compare_result_free(c);

	assert_int_equal(compare_runs(f->h, a, u, 0, 0, &c, err, sizeof(err)), 0);
	assert_true(c->noise[0].floor_pct == c->threshold_pct);
	assert_int_equal(c->n_slower, N);
	compare_result_free(c);
}

/* A run on n results a backend, for each backend of bes[0..n_bes),
 * result i of backend k at level levels[k * n + i]. */
static int64_t add_runs_of(struct fixture *f, const char *const *bes, size_t n_bes,
			   const double *levels, size_t n)
{
	struct run_spec rs = { 0 };
	double x[30];
	char bench[32];
	int64_t id = begin_run(f, &rs, NULL, NULL);

	for (size_t k = 0; k < n_bes; k++)
		for (size_t i = 0; i < n; i++) {
			snprintf(bench, sizeof(bench), "softmax/b=%zu", i);
			gen_samples(f, levels[k * n + i], 0.005, x, 30);
			add_result(f, id, bench, bes[k], x, 30);
		}
	finish_run(f, id, NULL);
	return id;
}

/* The machine's own move: run B is 30% faster on every result of both
 * backends (a neighbour that left), and one result of ref is 30% slower
 * than that. Compare takes the move out: that one is slower, the rest
 * unchanged, and a warning says what was taken out. With one backend
 * nothing can tell the machine from the code: every result is faster. */
static void test_compare_run_shift(void **state)
{
	struct fixture *f = *state;
	enum { N = 10 };
	static const char *const two[] = { "ref", "cpu" };
	double la[2 * N], lb[2 * N];
	struct compare_result *c = NULL;
	struct sbuf w = SBUF_INIT;
	char err[MC_ERRLEN] = "";
	int64_t a, b;

	for (int i = 0; i < 2 * N; i++) {
		la[i] = 1000.0 * (i + 1);
		lb[i] = la[i] * 0.70;
	}
	lb[3] *= 1.30;
	a = add_runs_of(f, two, 2, la, N);
	b = add_runs_of(f, two, 2, lb, N);
	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	print_message("run shift %.1f%%; ref b=3 %+.1f%% (raw %+.1f%%)\n", c->shift_pct,
		      c->rows[3].change.change_pct, c->rows[3].raw_change_pct);
	assert_true(fabs(c->shift_pct + 30.0) < 1.0);
	assert_int_equal(c->n_slower, 1);
	assert_int_equal(c->n_faster, 0);
	assert_int_equal(c->rows[3].change.verdict, STATS_SLOWER);
	assert_true(fabs(c->rows[3].change.change_pct - 30.0) < 2.0);
	assert_true(fabs(c->rows[3].raw_change_pct + 9.0) < 2.0);
	assert_int_equal(c->rows[4].change.verdict, STATS_UNCHANGED);
	compare_warnings(c, &w);
	assert_non_null(strstr(sbuf_str(&w), "the whole of run B moved -30"));
	sbuf_release(&w);
	compare_result_free(c);

	a = add_runs_of(f, two, 1, la, N);
	b = add_runs_of(f, two, 1, lb, N);
	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	assert_true(isnan(c->shift_pct));
	assert_int_equal(c->n_faster, N);
	compare_result_free(c);
}

/* A result's own history sets its floor: on one machine, b0 moves by 1%
 * from run to run and b1..b20 by 15%. Between A and B, b0 and b1 are 25%
 * slower. With A and B alone the group's floor (pooled over the noisy
 * results) hides b0's slowdown; with eight other runs of the machine, b0's
 * own floor is the threshold's size and it is slower, while b1's own floor
 * stays far above 25%. Runs of another machine are no one's history. */
static void test_compare_own_history(void **state)
{
	struct fixture *f = *state;
	enum { N = 21, HIST = 8 };
	double la[N], lb[N], lh[N];
	struct run_spec rs = { 0 }, other = { .fingerprint = "fp-other-99", .hostname = "other" };
	struct compare_result *c = NULL;
	int64_t a, b, o = -1;
	char err[MC_ERRLEN] = "";

	for (int i = 0; i < N; i++) {
		la[i] = 1000.0 * (i + 1);
		lb[i] = la[i] * (1.0 + (i ? 0.15 : 0.01) * gauss(f));
	}
	lb[0] = la[0] * 1.25;
	lb[1] = la[1] * 1.25;
	a = add_cmp_run(f, &rs, la, N, NULL);
	b = add_cmp_run(f, &rs, lb, N, NULL);
	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c->rows[0].hist_n, 0);
	assert_true(isnan(c->rows[0].hist_sd_pct));
	assert_true(c->rows[0].floor_pct > 25);     /* the group's */
	assert_int_not_equal(c->rows[0].change.verdict, STATS_SLOWER);
	compare_result_free(c);

	/* the other machine's runs, however many, change nothing */
	for (int r = 0; r < HIST; r++)
		o = add_cmp_run(f, &other, la, N, NULL);
	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c->rows[0].hist_n, 0);
	compare_result_free(c);

	for (int r = 0; r < HIST; r++) {
		for (int i = 0; i < N; i++)
			lh[i] = la[i] * (1.0 + (i ? 0.15 : 0.01) * gauss(f));
		add_cmp_run(f, &rs, lh, N, NULL);
	}
	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	print_message("own floors: b0 %.1f%% (sd %.2f%%), b1 %.1f%% (sd %.1f%%)\n",
		      c->rows[0].floor_pct, c->rows[0].hist_sd_pct, c->rows[1].floor_pct,
		      c->rows[1].hist_sd_pct);
	assert_int_equal(c->rows[0].hist_n, HIST);
	assert_true(c->rows[0].hist_sd_pct > 0.3 && c->rows[0].hist_sd_pct < 4);
	assert_true(c->rows[0].floor_pct < 15);
	assert_int_equal(c->rows[0].change.verdict, STATS_SLOWER);
	assert_true(c->rows[1].hist_sd_pct > 8);
	assert_true(c->rows[1].floor_pct > 25);
	assert_int_not_equal(c->rows[1].change.verdict, STATS_SLOWER);
	compare_result_free(c);

	/* runs of two machines: no history on either side */
	assert_int_equal(compare_runs(f->h, a, o, 0, 0, &c, err, sizeof(err)), 0);
	for (size_t i = 0; i < c->n_rows; i++)
		assert_true(isnan(c->rows[i].hist_sd_pct));
	compare_result_free(c);
}

static void test_compare_runs(void **state)
{
	struct fixture *f = *state;
	const double la[3] = { 1000, 2000, 3000 }, lb[3] = { 1100, 2000, 3090 };
	struct run_spec rs = { 0 };
	struct compare_result *c = NULL;
	struct sbuf w = SBUF_INIT;
	char err[MC_ERRLEN] = "", ua[40], ub[40], ref[16];
	int64_t a, b, x, y, other;

	rs.commit = "aaaa1111bbbb2222cccc3333dddd4444eeee5555";
	a = add_cmp_run(f, &rs, la, 3, ua);
	rs.commit = "ffff1111bbbb2222cccc3333dddd4444eeee5555";
	b = add_cmp_run(f, &rs, lb, 3, ub);

	assert_int_equal(store_history_default_pair(f->h, &x, &y, err, sizeof(err)), 0);
	assert_int_equal(x, a);
	assert_int_equal(y, b);
	assert_int_equal(compare_runs(f->h, a, b, 0, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c->n_rows, 3);
	assert_int_equal(c->rows[0].change.verdict, STATS_SLOWER);
	assert_int_equal(c->rows[1].change.verdict, STATS_UNCHANGED);
	assert_int_equal(c->rows[2].change.verdict, STATS_UNCHANGED); /* +3% */
	assert_int_equal(c->n_slower, 1);  /* mcreport compare: exit 1 */
	assert_int_equal(c->n_unchanged, 2);
	assert_int_equal(c->differs, 0);
	assert_string_equal(c->a.openblas_version, "0.3.21");
	assert_string_equal(stats_verdict_name(c->rows[0].change.verdict), "slower");
	compare_result_free(c);

	/* b against itself: nothing changed (exit 0) */
	assert_int_equal(compare_runs(f->h, b, b, 0, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c->n_slower + c->n_faster, 0);
	compare_result_free(c);

	/* run references: id, uuid prefix, commit prefix */
	snprintf(ref, sizeof(ref), "%lld", (long long)a);
	assert_int_equal(store_run_resolve(f->st, ref, STORE_RESOLVE_COMMIT, &x, err, sizeof(err)), 0);
	assert_int_equal(x, a);
	snprintf(ref, sizeof(ref), "%.6s", ub);
	assert_int_equal(store_run_resolve(f->st, ref, STORE_RESOLVE_COMMIT, &x, err, sizeof(err)), 0);
	assert_int_equal(x, b);
	assert_int_equal(store_run_resolve(f->st, "FFFF11", STORE_RESOLVE_COMMIT, &x, err, sizeof(err)), 0);
	assert_int_equal(x, b);
	assert_int_equal(store_run_resolve(f->st, "no-such-run", STORE_RESOLVE_COMMIT, &x, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "no-such-run"));
	assert_int_equal(store_run_resolve(f->st, "999", STORE_RESOLVE_COMMIT, &x, err, sizeof(err)), MC_EINVAL);
	assert_int_equal(store_run_resolve(f->st, "ab", STORE_RESOLVE_COMMIT, &x, err, sizeof(err)), MC_EINVAL);

	/* another machine, another OpenBLAS, a dirty tree: loud warnings */
	rs.fingerprint = "fp-other-99999999";
	rs.hostname = "other";
	rs.openblas = "0.3.26";
	rs.dirty = 1;
	rs.commit = "1234abcd";
	rs.compiler = "clang 15";
	other = add_cmp_run(f, &rs, la, 3, NULL);
	assert_int_equal(compare_runs(f->h, a, other, 0, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c->differs, COMPARE_DIFF_MACHINE | COMPARE_DIFF_OPENBLAS |
			 COMPARE_DIFF_DIRTY | COMPARE_DIFF_COMPILER);
	compare_warnings(c, &w);
	assert_non_null(strstr(sbuf_str(&w), "comparing runs from different machines"));
	assert_non_null(strstr(sbuf_str(&w), "0.3.26"));
	assert_non_null(strstr(sbuf_str(&w), "dirty"));
	assert_non_null(strstr(sbuf_str(&w), "clang 15"));
	sbuf_release(&w);
	compare_result_free(c);
	/* ... and the default pair stays on one machine */
	assert_int_equal(store_history_default_pair(f->h, &x, &y, err, sizeof(err)), 0);
	assert_int_equal(x, a);
	assert_int_equal(y, b);

	/* an aborted run is refused by reference and never picked by default */
	rs = (struct run_spec){ .status = "aborted", .uuid = "abcdef01-0000-4000-8000-000000000000" };
	add_cmp_run(f, &rs, lb, 3, NULL);
	assert_int_equal(store_run_resolve(f->st, "abcdef01", STORE_RESOLVE_COMMIT, &x, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "aborted"));
	assert_int_equal(store_history_default_pair(f->h, &x, &y, err, sizeof(err)), 0);
	assert_int_equal(y, b);
	assert_int_equal(compare_runs(f->h, a, 12345, 0, 0, &c, err, sizeof(err)), MC_EINVAL);
	assert_null(c);
}

static void test_series(void **state)
{
	struct fixture *f = *state;
	struct series_query q = { 0 };
	struct store_history_point *p = NULL;
	/* history 0 steps by 50% at its third run, history 1 is flat */
	const double levels[8] = { 1, 1, 1.5, 1.5, 1, 1, 1, 1 };
	char err[MC_ERRLEN] = "";
	size_t n = 0;

	add_histories(f, 2, 4, levels, NULL);
	q.bench = "softmax/h=0";
	assert_int_equal(series_load(f->h, &q, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	assert_true(isnan(p[0].change_pct));
	assert_true(p[2].change_pct > 30 && p[2].change_pct < 70);
	assert_int_equal(p[3].series, 0);
	assert_string_equal(p[0].hostname, "main");
	assert_true(strcmp(p[0].started_at, p[1].started_at) < 0);
	for (size_t i = 0; i < n; i++)  /* one series of 4 runs */
		assert_int_equal(p[i].series, 0);
	store_history_points_free(p, n);

	/* with the suite prefix, and filters that match nothing */
	q.bench = "gen/softmax/h=1";
	assert_int_equal(series_load(f->h, &q, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	store_history_points_free(p, n);
	q.backend = "cpu";
	assert_int_equal(series_load(f->h, &q, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	q.backend = NULL;
	q.machine = "fp-ma";
	assert_int_equal(series_load(f->h, &q, &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 4);
	store_history_points_free(p, n);
	q.clock = "cpu";
	assert_int_equal(series_load(f->h, &q, &p, &n, err, sizeof(err)),
			 MC_EINVAL);
}

/* Statements on the store's connection (prepared and not finalised). */
static int n_statements(struct store *st)
{
	int n = 0;

	for (sqlite3_stmt *s = sqlite3_next_stmt(store_db(st), NULL); s;
	     s = sqlite3_next_stmt(store_db(st), s))
		n++;
	return n;
}

/* Each query is prepared once per store connection, however often it is
 * asked and by however many views (the store's cache finalises them at
 * store_close). */
static void test_statements_prepared_once(void **state)
{
	struct fixture *f = *state;
	const double levels[8] = { 1, 1, 1.5, 1.5, 1, 1, 1, 1 };
	struct series_query q = { .bench = "softmax/h=0" };
	struct regressions_query rq = { 0 };
	struct store_history_point *p = NULL;
	struct regressions_shift *sh = NULL;
	struct compare_result *c = NULL;
	struct store_history *h = NULL;
	char err[MC_ERRLEN] = "";
	int64_t a, b;
	size_t n = 0;
	int base, first;

	add_histories(f, 2, 4, levels, NULL);
	base = n_statements(f->st);
	assert_int_equal(store_history_open(f->st, &h, err, sizeof(err)), 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(series_load(h, &q, &p, &n, err, sizeof(err)), 0);
		assert_int_equal(n, 4);
		store_history_points_free(p, n);
		assert_int_equal(regressions_find(h, &rq, &sh, &n, NULL, err, sizeof(err)), 0);
		regressions_free(sh, n);
		assert_int_equal(store_history_default_pair(h, &a, &b, err, sizeof(err)), 0);
		assert_int_equal(compare_runs(h, a, b, 0, 0, &c, err, sizeof(err)), 0);
		assert_int_equal(c->n_rows, 2);
		compare_result_free(c);
		if (round == 0)
			first = n_statements(f->st);
		else    /* asked again: nothing new prepared */
			assert_int_equal(n_statements(f->st), first);
	}
	assert_true(first > base);
	store_history_close(h);
	h = NULL;
	/* a second view over the same store reuses them */
	assert_int_equal(store_history_open(f->st, &h, err, sizeof(err)), 0);
	assert_int_equal(series_load(h, &q, &p, &n, err, sizeof(err)), 0);
	store_history_points_free(p, n);
	assert_int_equal(store_history_default_pair(h, &a, &b, err, sizeof(err)), 0);
	assert_int_equal(n_statements(f->st), first);
	store_history_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_injected_steps_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_injected_steps_gaussian, setup, teardown),
		cmocka_unit_test_setup_teardown(test_improvement_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_noise_false_alarms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_series_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_noise_floor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_regressions_directive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_own_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_run_shift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_series, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statements_prepared_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
