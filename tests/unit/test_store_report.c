/*
 * test_store_report.c - unit tests of the store's read side:
 * src/lib/store_report.c and store_report_results.c (run selection,
 * variants, results, rejected results, devices, history points, catalogs),
 * src/lib/store_run.c (the run resolver) and the statement cache of
 * store_int.h. The fixture db is
 * written through the store's own write API, so what is read is what the
 * runner would have stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "store_int.h"
#include "store_report.h"

/* The runs of the fixture, in insertion order (so their ids are 1..5). */
enum { R1 = 1, R2, R3, R4, R5 };

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
	struct store_report *rp;
	int64_t a, b;          /* machine ids of host-a and host-b */
};

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void fill_run(struct store_run *r, const char *uuid, const char *host,
		     const char *started_at, const char *commit)
{
	memset(r, 0, sizeof(*r));
	r->uuid = uuid;
	r->started_at = started_at;
	r->argv = "mcbench run";
	r->git_commit = commit;
	r->git_dirty = 0;
	r->compiler = "gcc 12.2.0";
	r->cflags = "-O2 -g";
	r->timer_name = "CLOCK_MONOTONIC_RAW";
	r->timer_resolution_ns = 1;
	r->timer_overhead_ns = 20;
	r->rounds = 1;
	r->provenance = "{}";
	r->machine.fingerprint = host;
	r->machine.hostname = host;
	r->machine.cpu_model = "Test CPU";
	r->machine.os = "Linux";
	r->machine.kernel = "6.1.0";
	r->machine.cores = 2;
	r->machine.threads = 4;
	r->machine.mem_bytes = 1LL << 33;
}

/* One result of benchmark bench; an 'ok' one gets three samples around
 * median_ns, any other status none. */
static void add_result(struct store *st, int64_t run_id, const char *suite,
		       const char *bench, const char *backend, const char *variant,
		       const char *status, double median_ns)
{
	struct store_result r;
	double samples[3] = { median_ns - 1, median_ns, median_ns + 1 };
	char err[MC_ERRLEN] = "";
	int ok = strcmp(status, "ok") == 0;

	memset(&r, 0, sizeof(r));
	r.suite = suite;
	r.benchmark = bench;
	r.kernel = "axpy";
	r.params = "{\"n\":1}";
	r.backend = backend;
	r.variant = variant;
	r.clock = "wall";
	r.status = status;
	r.message = ok ? NULL : "output differs from the reference";
	r.flops = 2;
	r.bytes = 24;
	r.iters_per_sample = 10;
	if (ok) {
		r.stats.n = 3;
		r.stats.min = median_ns - 1;
		r.stats.median = median_ns;
		r.stats.mean = median_ns;
		r.stats.stddev = 1;
		r.stats.mad = 1;
		r.stats.ci_lo = median_ns - 1;
		r.stats.ci_hi = median_ns + 1;
		r.stats.q1 = median_ns - 0.5;
		r.stats.q3 = median_ns + 0.5;
		r.stats.n_mild = 1;
	}
	r.max_abs_err = ok ? 0.5 : NAN;
	r.max_rel_err = NAN;
	if (store_result_add(st, run_id, &r, ok ? samples : NULL, ok ? 3 : 0, err,
			     sizeof(err)))
		fail_msg("%s", err);
}

static void add_device(struct store *st, int64_t run_id, const char *backend,
		       double gflops, double gbps)
{
	struct store_device d = {
		.backend = backend, .kind = "cpu", .name = "Test CPU",
		.compute_units = 2, .global_mem = -1, .local_mem = -1,
		.peak_gflops = gflops, .peak_gbps = gbps,
	};
	char err[MC_ERRLEN] = "";

	if (store_device_add(st, run_id, &d, err, sizeof(err)))
		fail_msg("%s", err);
}

static int64_t begin(struct store *st, const char *uuid, const char *host,
		     const char *started_at, const char *commit)
{
	struct store_run run;
	char err[MC_ERRLEN] = "";
	int64_t id = 0;

	fill_run(&run, uuid, host, started_at, commit);
	if (store_run_begin(st, &run, &id, err, sizeof(err)))
		fail_msg("%s", err);
	return id;
}

static void finish(struct store *st, int64_t id, const char *status)
{
	char err[MC_ERRLEN] = "";

	if (store_run_finish(st, id, status, err, sizeof(err)))
		fail_msg("%s", err);
}

/*
 * host-a: R1 (complete, commit 1111aaaa: s1 on cpu and ref), R2 (complete,
 * 2222bbbb: s1 on cpu with a variant and a rejected result), R3 (aborted,
 * 3333cccc, the newest data), R4 (still running). host-b: R5 (complete,
 * 2222dddd, s1 on cpu and s2 on opencl; the latest complete run of all).
 */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[MC_ERRLEN] = "";
	struct store *st;
	int64_t id;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store_report.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/db.sqlite", f->dir);
	if (store_open(f->path, STORE_WRITE, &f->st, err, sizeof(err)))
		fail_msg("%s", err);
	st = f->st;

	id = begin(st, "aaaa1111-0000-4000-8000-000000000001", "host-a",
		   "2024-01-01T00:00:00Z", "1111aaaa");
	assert_int_equal(id, R1);
	add_device(st, id, "cpu", 10, -1);
	add_device(st, id, "ref", -1, 5);
	add_result(st, id, "s1", "axpy/n=1", "cpu", "", "ok", 100);
	add_result(st, id, "s1", "axpy/n=1", "ref", "", "ok", 200);
	assert_int_equal(store_run_note(st, id, "peer mlx skipped", err, sizeof(err)), 0);
	finish(st, id, "complete");

	id = begin(st, "aaaa2222-0000-4000-8000-000000000002", "host-a",
		   "2024-01-02T00:00:00Z", "2222bbbb");
	add_device(st, id, "cpu", 12, 20);
	add_result(st, id, "s1", "axpy/n=1", "cpu", "", "ok", 90);
	add_result(st, id, "s1", "axpy/n=1", "cpu", "v2", "ok", 80);
	add_result(st, id, "s1", "axpy/n=2", "cpu", "", "invalid", 0);
	finish(st, id, "complete");

	id = begin(st, "bbbb3333-0000-4000-8000-000000000003", "host-a",
		   "2024-01-03T00:00:00Z", "3333cccc");
	add_result(st, id, "s1", "axpy/n=1", "cpu", "", "ok", 50);
	finish(st, id, "aborted");

	id = begin(st, "bbbb4444-0000-4000-8000-000000000004", "host-a",
		   "2024-01-04T00:00:00Z", "3333cccc");
	add_result(st, id, "s1", "axpy/n=1", "cpu", "", "ok", 40);

	id = begin(st, "cccc5555-0000-4000-8000-000000000005", "host-b",
		   "2024-01-02T12:00:00Z", "2222dddd");
	add_result(st, id, "s1", "axpy/n=1", "cpu", "", "ok", 300);
	add_result(st, id, "s2", "copy/n=1", "opencl", "", "ok", 30);
	finish(st, id, "complete");

	if (store_report_open(st, &f->rp, err, sizeof(err)))
		fail_msg("%s", err);
	f->a = store_report_run(f->rp, R1, err, sizeof(err))->machine_id;
	f->b = store_report_run(f->rp, R5, err, sizeof(err))->machine_id;
	assert_true(f->a != f->b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_report_close(f->rp);
	store_close(f->st);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int64_t pick(struct fixture *f, int64_t machine, const char *suite,
		    const char *backend, int64_t pin, const char *commit)
{
	char err[MC_ERRLEN] = "";
	int64_t run = -1;

	if (store_report_pick_run(f->rp, machine, suite, backend, pin, commit, &run,
				  err, sizeof(err)))
		fail_msg("%s", err);
	return run;
}

static void test_pick_run(void **state)
{
	struct fixture *f = *state;
	char err[MC_ERRLEN] = "";
	int64_t id = -1;

	/* The latest complete run of the machine: never the newer aborted
	 * (R3) or running (R4) ones. */
	assert_int_equal(pick(f, f->a, "s1", "cpu", 0, NULL), R2);
	/* ... that measured the suite on that backend. */
	assert_int_equal(pick(f, f->a, "s1", "ref", 0, NULL), R1);
	assert_int_equal(pick(f, f->a, "s2", "opencl", 0, NULL), 0);
	assert_int_equal(pick(f, f->b, "s2", "opencl", 0, NULL), R5);
	assert_int_equal(pick(f, f->b, "s1", "cpu", 0, NULL), R5);
	/* A commit prefix narrows; a commit with only an aborted run has none. */
	assert_int_equal(pick(f, f->a, "s1", "cpu", 0, "1111"), R1);
	assert_int_equal(pick(f, f->a, "s1", "cpu", 0, "2222b"), R2);
	assert_int_equal(pick(f, f->a, "s1", "cpu", 0, "3333"), 0);
	/* A pinned run is taken when it measured the cell, else nothing. */
	assert_int_equal(pick(f, f->a, "s1", "cpu", R1, NULL), R1);
	assert_int_equal(pick(f, f->a, "s1", "ref", R2, NULL), 0);
	/* Cached answers are the same answers. */
	assert_int_equal(pick(f, f->a, "s1", "cpu", 0, NULL), R2);
	assert_int_equal(pick(f, f->a, "s1", "cpu", 0, "1111"), R1);

	/* The default machine is the one of the latest complete run. */
	assert_int_equal(store_report_default_machine(f->rp, &id, err, sizeof(err)), 0);
	assert_int_equal(id, f->b);
}

static void test_catalogs(void **state)
{
	struct fixture *f = *state;
	const struct store_machine *ms;
	const char *const *list;
	char err[MC_ERRLEN] = "";
	size_t n = 0;
	int found = -1;

	assert_int_equal(store_report_machines(f->rp, &ms, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ms[0].hostname, "host-a");
	assert_int_equal(ms[0].id, f->a);
	assert_string_equal(ms[1].hostname, "host-b");
	assert_int_equal(ms[1].cores, 2);
	assert_int_equal(ms[1].mem_bytes, 1LL << 33);
	assert_ptr_equal(store_report_machine(f->rp, f->b), &ms[1]);
	assert_null(store_report_machine(f->rp, 999));

	assert_int_equal(store_report_suites(f->rp, &list, err, sizeof(err)), 0);
	assert_string_equal(list[0], "s1");
	assert_string_equal(list[1], "s2");
	assert_null(list[2]);
	assert_int_equal(store_report_backends(f->rp, &list, err, sizeof(err)), 0);
	assert_string_equal(list[0], "cpu");
	assert_string_equal(list[1], "opencl");
	assert_string_equal(list[2], "ref");
	assert_null(list[3]);

	assert_int_equal(store_report_has_benchmark(f->rp, "s1", "axpy/n=2", &found, err,
						    sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_int_equal(store_report_has_benchmark(f->rp, "s2", "axpy/n=1", &found, err,
						    sizeof(err)), 0);
	assert_int_equal(found, 0);
	/* Commits count only for complete runs. */
	assert_int_equal(store_report_has_commit(f->rp, "2222", &found, err, sizeof(err)), 0);
	assert_int_equal(found, 1);
	assert_int_equal(store_report_has_commit(f->rp, "3333", &found, err, sizeof(err)), 0);
	assert_int_equal(found, 0);
}

static void test_run(void **state)
{
	struct fixture *f = *state;
	const struct store_run *run;
	char err[MC_ERRLEN] = "";

	run = store_report_run(f->rp, R1, err, sizeof(err));
	assert_non_null(run);
	assert_int_equal(run->id, R1);
	assert_string_equal(run->uuid, "aaaa1111-0000-4000-8000-000000000001");
	assert_string_equal(run->status, "complete");
	assert_non_null(run->ended_at);
	assert_string_equal(run->git_commit, "1111aaaa");
	assert_int_equal(run->git_dirty, 0);
	assert_string_equal(run->notes, "peer mlx skipped");
	assert_int_equal(run->rounds, 1);
	assert_int_equal(run->n_results, 2);
	assert_int_equal(run->n_ok, 2);
	assert_int_equal(run->min_samples, 3);
	assert_int_equal(run->max_samples, 3);
	/* The machine comes with the run. */
	assert_int_equal(run->machine.id, f->a);
	assert_string_equal(run->machine.hostname, "host-a");
	assert_ptr_equal(store_report_run(f->rp, R1, err, sizeof(err)), run);

	run = store_report_run(f->rp, R4, err, sizeof(err));
	assert_non_null(run);
	assert_string_equal(run->status, "running");
	assert_null(run->ended_at);
	assert_null(run->notes);

	assert_null(store_report_run(f->rp, 999, err, sizeof(err)));
	assert_non_null(strstr(err, "999"));
}

static void test_variants_results(void **state)
{
	struct fixture *f = *state;
	const struct store_result *res, *ok = NULL, *bad = NULL;
	const char *const *vs;
	char err[MC_ERRLEN] = "";
	size_t n = 0;

	assert_int_equal(store_report_variants(f->rp, R2, "s1", "cpu", "wall", &vs, err,
					       sizeof(err)), 0);
	assert_string_equal(vs[0], "");
	assert_string_equal(vs[1], "v2");
	assert_null(vs[2]);
	assert_int_equal(store_report_variants(f->rp, R2, "s1", "cpu", "device", &vs, err,
					       sizeof(err)), 0);
	assert_null(vs[0]);

	assert_int_equal(store_report_results(f->rp, R2, "s1", "cpu", "", "wall", &res, &n,
					      err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++)
		*(strcmp(res[i].status, "ok") ? &bad : &ok) = &res[i];
	assert_non_null(ok);
	assert_non_null(bad);
	assert_string_equal(ok->benchmark, "axpy/n=1");
	assert_int_equal(ok->run_id, R2);
	assert_int_equal(ok->n_samples, 3);
	assert_int_equal(ok->stats.n, 3);
	assert_true(ok->stats.median == 90);
	assert_true(ok->stats.min == 89);
	assert_true(ok->stats.ci_hi == 91);
	assert_true(ok->stats.q1 == 89.5);
	assert_true(ok->stats.mad == 1);
	assert_int_equal(ok->stats.n_mild, 1);
	assert_true(ok->max_abs_err == 0.5);
	assert_true(isnan(ok->max_rel_err));
	assert_int_equal(ok->iters_per_sample, 10);
	assert_null(ok->message);
	/* A result that is not ok has no statistics. */
	assert_string_equal(bad->status, "invalid");
	assert_int_equal(bad->n_samples, 0);
	assert_true(isnan(bad->stats.median));
	assert_true(isnan(bad->stats.ci_lo));

	assert_int_equal(store_report_results(f->rp, R2, "s1", "cpu", "v2", "wall", &res, &n,
					      err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_true(res[0].stats.median == 80);
	assert_int_equal(store_report_results(f->rp, R1, "s2", "cpu", "", "wall", &res, &n,
					      err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

static void test_rejected(void **state)
{
	struct fixture *f = *state;
	const struct store_result *res;
	char err[MC_ERRLEN] = "";
	size_t n = 9;

	assert_int_equal(store_report_rejected(f->rp, R2, &res, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(res[0].benchmark, "axpy/n=2");
	assert_string_equal(res[0].message, "output differs from the reference");
	assert_int_equal(store_report_rejected(f->rp, R1, &res, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

static void test_devices(void **state)
{
	struct fixture *f = *state;
	const struct store_device *ds, *d;
	char err[MC_ERRLEN] = "";
	size_t n = 0;

	assert_int_equal(store_report_devices(f->rp, R1, &ds, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ds[0].backend, "cpu");
	assert_string_equal(ds[1].backend, "ref");
	/* Unknown peaks (written <= 0) read back as NaN, as do unknown sizes -1. */
	assert_true(ds[0].peak_gflops == 10);
	assert_true(isnan(ds[0].peak_gbps));
	assert_true(isnan(ds[1].peak_gflops));
	assert_true(ds[1].peak_gbps == 5);
	assert_int_equal(ds[0].compute_units, 2);
	assert_int_equal(ds[0].global_mem, -1);
	assert_null(ds[0].vendor);

	assert_int_equal(store_report_device(f->rp, R1, "ref", &d, err, sizeof(err)), 0);
	assert_ptr_equal(d, &ds[1]);
	assert_int_equal(store_report_device(f->rp, R1, "opencl", &d, err, sizeof(err)), 0);
	assert_null(d);
	assert_int_equal(store_report_devices(f->rp, R5, &ds, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

static void test_history(void **state)
{
	struct fixture *f = *state;
	const struct store_report_point *pts;
	char err[MC_ERRLEN] = "";
	size_t n = 0;

	/* Complete runs only, oldest first. */
	assert_int_equal(store_report_history(f->rp, f->a, "s1", "axpy/n=1", "cpu", "",
					      "wall", 10, &pts, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pts[0].run->id, R1);
	assert_true(pts[0].res.stats.median == 100);
	assert_int_equal(pts[1].run->id, R2);
	assert_true(pts[1].res.stats.median == 90);
	/* The limit keeps the newest. */
	assert_int_equal(store_report_history(f->rp, f->a, "s1", "axpy/n=1", "cpu", "",
					      "wall", 1, &pts, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pts[0].run->id, R2);
	/* Results of any status, on the run's own machine only. */
	assert_int_equal(store_report_history(f->rp, f->a, "s1", "axpy/n=2", "cpu", "",
					      "wall", 10, &pts, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(pts[0].res.status, "invalid");
	assert_int_equal(store_report_history(f->rp, f->b, "s1", "axpy/n=2", "cpu", "",
					      "wall", 10, &pts, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
}

/* Resolves ref with flags; returns the code, the id in *out_id. */
static int resolve(struct fixture *f, const char *ref, unsigned flags, int64_t *out_id,
		   char *err)
{
	err[0] = '\0';
	return store_run_resolve(f->st, ref, flags, out_id, err, MC_ERRLEN);
}

static void test_resolve(void **state)
{
	struct fixture *f = *state;
	const unsigned C = STORE_RESOLVE_COMMIT;
	char err[MC_ERRLEN];
	int64_t id = -1;

	/* id, full uuid, unique prefix (any case) */
	assert_int_equal(resolve(f, "2", 0, &id, err), 0);
	assert_int_equal(id, R2);
	assert_int_equal(resolve(f, "cccc5555-0000-4000-8000-000000000005", 0, &id, err), 0);
	assert_int_equal(id, R5);
	assert_int_equal(resolve(f, "aaaa1", 0, &id, err), 0);
	assert_int_equal(id, R1);
	assert_int_equal(resolve(f, "AAAA2222-0", 0, &id, err), 0);
	assert_int_equal(id, R2);
	/* A number that is no run id is a uuid prefix. */
	assert_int_equal(resolve(f, "55", 0, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "no run '55' in the db"));

	/* an ambiguous prefix */
	assert_int_equal(resolve(f, "aaaa", 0, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "run uuid prefix 'aaaa' is ambiguous"));
	assert_null(strchr(err, '\n'));

	/* commits, only when asked for: the latest complete run at it */
	assert_int_equal(resolve(f, "1111aaaa", 0, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "no run '1111aaaa' in the db"));
	assert_int_equal(resolve(f, "1111aaaa", C, &id, err), 0);
	assert_int_equal(id, R1);
	assert_int_equal(resolve(f, "2222D", C, &id, err), 0);
	assert_int_equal(id, R5);
	assert_int_equal(resolve(f, "2222", C, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "commit prefix '2222' is ambiguous"));
	/* a commit with no complete run is unknown */
	assert_int_equal(resolve(f, "3333", C, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "no complete run '3333'"));

	/* not complete: refused, unless any status is allowed */
	assert_int_equal(resolve(f, "3", C, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "run bbbb3333 is aborted, not complete"));
	assert_int_equal(resolve(f, "bbbb4444", 0, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "run bbbb4444 is running, not complete"));
	assert_int_equal(resolve(f, "bbbb4444", STORE_RESOLVE_ANY, &id, err), 0);
	assert_int_equal(id, R4);
	assert_int_equal(resolve(f, "3", STORE_RESOLVE_ANY, &id, err), 0);
	assert_int_equal(id, R3);

	/* too short, not hex, empty */
	assert_int_equal(resolve(f, "aaa", C, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "no complete run 'aaa'"));
	assert_int_equal(resolve(f, "no-such-run", STORE_RESOLVE_ANY, &id, err), MC_EINVAL);
	assert_non_null(strstr(err, "no run 'no-such-run' in the db"));
	assert_int_equal(resolve(f, "", 0, &id, err), MC_EINVAL);
	assert_int_equal(id, 0);
}

static void test_stmt_cache(void **state)
{
	static const char sql[] = "SELECT count(*) FROM run WHERE status = ?1";
	struct fixture *f = *state;
	sqlite3_stmt *a = NULL, *b = NULL;
	char err[MC_ERRLEN] = "";

	/* One statement per SQL string, handed out reset with no bindings. */
	assert_int_equal(store_stmt(f->st, sql, &a, err, sizeof(err)), 0);
	store_bind_text(a, 1, "complete");
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 3);
	assert_int_equal(store_stmt(f->st, sql, &b, err, sizeof(err)), 0);
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(b, 0), 0);   /* ?1 is NULL again */
	sqlite3_reset(b);
	/* A statement that does not prepare names the db. */
	assert_int_equal(store_stmt(f->st, "SELECT nope FROM nowhere", &a, err,
				    sizeof(err)), MC_EDB);
	assert_null(a);
	assert_non_null(strstr(err, f->path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pick_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalogs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_variants_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
