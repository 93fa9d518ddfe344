/*
 * store_report.c - read-only queries of the mcbench store for reports (see
 * store_report.h): the handle, its arena, machines, the catalogs of suites
 * and backends, and the choice of runs. What a chosen run holds (results,
 * devices, history) is read by store_report_results.c.
 *
 * All statements are prepared at open, once per connection in the store's
 * statement cache (store_int.h), which owns them. Strings are copied into an
 * arena freed at close, so lookups hand out plain pointers. Distinct suites
 * and backends are listed by stepping through an index (one probe per
 * distinct value), so a db of many runs costs no full scan.
 */
#include "store_report.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"


#define DEVICE_COLS "backend, kind, name, vendor, version, driver, compute_units, " \
	"global_mem, local_mem, peak_gflops, peak_gbps, info"

static const char *const rp_sql[RQ_COUNT] = {
	[RQ_MACHINES] = "SELECT id, fingerprint, hostname, cpu_model, os, kernel, cores, "
		"threads, mem_bytes FROM machine ORDER BY hostname, id",
	[RQ_DEFAULT_MACHINE] = "SELECT machine_id FROM run WHERE status = 'complete' "
		"ORDER BY started_at DESC, id DESC LIMIT 1",
	[RQ_NEXT_SUITE] = "SELECT suite FROM result WHERE suite > ?1 ORDER BY suite LIMIT 1",
	[RQ_NEXT_BACKEND] = "SELECT backend FROM result WHERE backend > ?1 "
		"ORDER BY backend LIMIT 1",
	[RQ_HAS_BENCH] = "SELECT 1 FROM result WHERE suite = ?1 AND benchmark = ?2 LIMIT 1",
	[RQ_PICK] = "SELECT r.id FROM run r WHERE r.machine_id = ?1 AND r.status = 'complete' "
		"AND (?4 IS NULL OR substr(r.git_commit, 1, length(?4)) = ?4) "
		"AND EXISTS (SELECT 1 FROM result x WHERE x.run_id = r.id AND x.suite = ?2 "
		"AND x.backend = ?3) ORDER BY r.started_at DESC, r.id DESC LIMIT 1",
	[RQ_PIN_HAS] = "SELECT 1 FROM result WHERE run_id = ?1 AND suite = ?2 AND backend = ?3 "
		"LIMIT 1",
	[RQ_RUN] = "SELECT id, machine_id, uuid, started_at, ended_at, status, argv, "
		"git_commit, git_dirty, compiler, cflags, timer_name, timer_resolution_ns, "
		"timer_overhead_ns, quick, provenance, notes, rounds FROM run WHERE id = ?1",
	[RQ_RUN_COUNTS] = "SELECT count(*), coalesce(sum(status = 'ok'), 0), "
		"min(CASE WHEN status = 'ok' THEN n_samples END), "
		"max(CASE WHEN status = 'ok' THEN n_samples END) FROM result WHERE run_id = ?1",
	[RQ_HAS_COMMIT] = "SELECT 1 FROM run WHERE status = 'complete' AND "
		"substr(git_commit, 1, length(?1)) = ?1 LIMIT 1",
	[RQ_RESULTS] = "SELECT " STORE_RESULT_COLS " FROM result WHERE run_id = ?1 AND suite = ?2 "
		"AND backend = ?3 AND variant = ?4 AND clock = ?5",
	[RQ_REJECTED] = "SELECT " STORE_RESULT_COLS " FROM result WHERE run_id = ?1 AND "
		"status <> 'ok' ORDER BY suite, benchmark, backend, variant, clock",
	[RQ_DEVICE] = "SELECT " DEVICE_COLS " FROM device WHERE run_id = ?1 AND backend = ?2",
	[RQ_DEVICES] = "SELECT " DEVICE_COLS " FROM device WHERE run_id = ?1 ORDER BY backend",
	[RQ_HISTORY] = "SELECT x.id, x.run_id, x.suite, x.benchmark, x.kernel, x.params, "
		"x.backend, x.variant, x.clock, x.status, x.message, x.flops, x.bytes, "
		"x.iters_per_sample, x.n_samples, x.min_ns, x.median_ns, x.mean_ns, "
		"x.stddev_ns, x.ci_lo_ns, x.ci_hi_ns, x.mad_ns, x.q1_ns, x.q3_ns, x.n_mild, "
		"x.n_severe, x.max_abs_err, x.max_rel_err "
		"FROM result x JOIN run r ON r.id = x.run_id "
		"WHERE x.suite = ?2 AND x.benchmark = ?3 AND x.backend = ?4 AND x.clock = ?6 "
		"AND x.variant = ?5 AND r.status = 'complete' AND r.machine_id = ?1 "
		"ORDER BY r.started_at DESC, r.id DESC LIMIT ?7",
	[RQ_VARIANTS] = "SELECT DISTINCT variant FROM result WHERE run_id = ?1 AND suite = ?2 "
		"AND backend = ?3 AND clock = ?4 ORDER BY variant",
	[RQ_SAMPLES] = "SELECT ns FROM sample WHERE result_id = ?1 ORDER BY idx",
	[RQ_RECENT_RUNS] = "SELECT r.id FROM run r WHERE r.machine_id = ?1 AND "
		"r.status = 'complete' AND EXISTS (SELECT 1 FROM result x WHERE "
		"x.run_id = r.id AND x.suite = ?2 AND x.backend = ?3) "
		"ORDER BY r.started_at DESC, r.id DESC LIMIT ?4",
};

/* ---------------------------------------------------------------- arena */

void *store_report_alloc(struct store_report *rp, size_t n)
{
	struct store_report_chunk *c = rp->arena;
	size_t align = sizeof(max_align_t), need = (n + align - 1) / align * align;

	if (!c || c->size - c->used < need) {
		size_t size = need > 65536 ? need : 65536;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = rp->arena;
		rp->arena = c;
	}
	c->used += need;
	return (char *)c->data + c->used - need;
}

const char *store_report_strdup(struct store_report *rp, const char *s, int *oom)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = store_report_alloc(rp, n);
	if (!d) {
		*oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	return d;
}

const char *store_report_col_str(struct store_report *rp, sqlite3_stmt *st, int i, int *oom)
{
	return store_report_strdup(rp, (const char *)sqlite3_column_text(st, i), oom);
}

/* ---------------------------------------------------------------- errors */

int store_report_db_error(struct store_report *rp, const char *what, char *err, size_t n_err)
{
	return err_set(err, n_err, MC_EDB, "cannot read %s from the db: %s.", what,
		       sqlite3_errmsg(store_db(rp->st)));
}

int store_report_oom(char *err, size_t n_err)
{
	return err_set(err, n_err, MC_ENOMEM, "out of memory while reading the db.");
}

sqlite3_stmt *store_report_stmt(struct store_report *rp, enum store_report_q q)
{
	sqlite3_stmt *st = rp->q[q];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

/* ---------------------------------------------------------------- open */

int store_report_open(struct store *st, struct store_report **out, char *err,
		      size_t n_err)
{
	struct store_report *rp;
	char scratch[MC_ERRLEN];

	*out = NULL;
	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return store_report_oom(err, n_err);
	rp->st = st;
	for (int i = 0; i < RQ_COUNT; i++) {
		int rc = store_stmt(st, rp_sql[i], &rp->q[i], scratch, sizeof(scratch));

		if (rc) {
			rc = rc == MC_ENOMEM ? store_report_oom(err, n_err) :
			     err_set(err, n_err, MC_EDB,
				     "cannot prepare a report query (is this an mcbench db?): %s.",
				     sqlite3_errmsg(store_db(st)));
			store_report_close(rp);
			return rc;
		}
	}
	*out = rp;
	return 0;
}

void store_report_close(struct store_report *rp)
{
	if (!rp)
		return;
	/* Leave no statement holding a read snapshot; the store finalises them. */
	for (int i = 0; i < RQ_COUNT; i++)
		sqlite3_reset(rp->q[i]);
	while (rp->arena) {
		struct store_report_chunk *next = rp->arena->next;

		free(rp->arena);
		rp->arena = next;
	}
	free(rp->runs);
	free(rp->machines);
	free(rp->suites);
	free(rp->backends);
	free(rp->picks);
	free(rp->devcache);
	free(rp);
}

/* ---------------------------------------------------------------- machines */

static int rp_load_machines(struct store_report *rp, char *err, size_t n_err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, oom = 0;

	if (rp->machines_loaded)
		return 0;
	st = store_report_stmt(rp, RQ_MACHINES);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_machine *m;

		if (rp->n_machines == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct store_machine *nm = realloc(rp->machines, ncap * sizeof(*nm));

			if (!nm)
				return store_report_oom(err, n_err);
			rp->machines = nm;
			cap = ncap;
		}
		m = &rp->machines[rp->n_machines++];
		m->id = sqlite3_column_int64(st, 0);
		m->fingerprint = store_report_col_str(rp, st, 1, &oom);
		m->hostname = store_report_col_str(rp, st, 2, &oom);
		m->cpu_model = store_report_col_str(rp, st, 3, &oom);
		m->os = store_report_col_str(rp, st, 4, &oom);
		m->kernel = store_report_col_str(rp, st, 5, &oom);
		m->cores = sqlite3_column_int64(st, 6);
		m->threads = sqlite3_column_int64(st, 7);
		m->mem_bytes = sqlite3_column_int64(st, 8);
	}
	if (rc != SQLITE_DONE)
		return store_report_db_error(rp, "machines", err, n_err);
	if (oom)
		return store_report_oom(err, n_err);
	rp->machines_loaded = 1;
	return 0;
}

int store_report_machines(struct store_report *rp, const struct store_machine **out,
			  size_t *out_n, char *err, size_t n_err)
{
	int rc = rp_load_machines(rp, err, n_err);

	*out = rp->machines;
	*out_n = rc ? 0 : rp->n_machines;
	return rc;
}

const struct store_machine *store_report_machine(struct store_report *rp, int64_t id)
{
	if (rp_load_machines(rp, NULL, 0))
		return NULL;
	for (size_t i = 0; i < rp->n_machines; i++)
		if (rp->machines[i].id == id)
			return &rp->machines[i];
	return NULL;
}

int store_report_default_machine(struct store_report *rp, int64_t *out_id, char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_DEFAULT_MACHINE);
	int rc = sqlite3_step(st);

	*out_id = 0;
	if (rc == SQLITE_ROW)
		*out_id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		return store_report_db_error(rp, "the latest run", err, n_err);
	sqlite3_reset(st);
	return 0;
}

/* ---------------------------------------------------------------- catalogs */

/* Distinct values of an indexed column, one index probe per value. */
static int rp_distinct(struct store_report *rp, enum store_report_q q, const char ***out, char *err,
		       size_t n_err)
{
	const char **list = NULL, *last = "";
	size_t n = 0, cap = 0;
	int oom = 0;

	for (;;) {
		sqlite3_stmt *st = store_report_stmt(rp, q);
		int rc;

		store_bind_text(st, 1, last);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			free(list);
			return store_report_db_error(rp, "the list of suites and backends", err, n_err);
		}
		if (n + 1 >= cap) {
			size_t ncap = cap ? cap * 2 : 16;
			const char **nl = realloc(list, ncap * sizeof(*nl));

			if (!nl) {
				free(list);
				return store_report_oom(err, n_err);
			}
			list = nl;
			cap = ncap;
		}
		last = list[n++] = store_report_col_str(rp, st, 0, &oom);
		if (oom || !last) {
			free(list);
			return store_report_oom(err, n_err);
		}
	}
	sqlite3_reset(rp->q[q]);
	if (!list && !(list = calloc(1, sizeof(*list))))
		return store_report_oom(err, n_err);
	list[n] = NULL;
	*out = list;
	return 0;
}

int store_report_suites(struct store_report *rp, const char *const **out, char *err, size_t n_err)
{
	int rc = 0;

	if (!rp->suites)
		rc = rp_distinct(rp, RQ_NEXT_SUITE, &rp->suites, err, n_err);
	*out = rp->suites;
	return rc;
}

int store_report_backends(struct store_report *rp, const char *const **out, char *err, size_t n_err)
{
	int rc = 0;

	if (!rp->backends)
		rc = rp_distinct(rp, RQ_NEXT_BACKEND, &rp->backends, err, n_err);
	*out = rp->backends;
	return rc;
}

int store_report_has_benchmark(struct store_report *rp, const char *suite, const char *bench,
			       int *out_found, char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_HAS_BENCH);
	int rc;

	store_bind_text(st, 1, suite);
	store_bind_text(st, 2, bench);
	rc = sqlite3_step(st);
	*out_found = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_report_db_error(rp, "benchmarks", err, n_err);
	return 0;
}

/* ---------------------------------------------------------------- runs */

static size_t rp_hash(int64_t id, size_t cap)
{
	uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

static int rp_runs_put(struct store_report *rp, struct store_run *run)
{
	if ((rp->n_runs + 1) * 2 > rp->cap_runs) {
		size_t ncap = rp->cap_runs ? rp->cap_runs * 2 : 64;
		struct store_run **nr = calloc(ncap, sizeof(*nr));

		if (!nr)
			return MC_ENOMEM;
		for (size_t i = 0; i < rp->cap_runs; i++) {
			size_t h;

			if (!rp->runs[i])
				continue;
			for (h = rp_hash(rp->runs[i]->id, ncap); nr[h]; h = (h + 1) & (ncap - 1))
				;
			nr[h] = rp->runs[i];
		}
		free(rp->runs);
		rp->runs = nr;
		rp->cap_runs = ncap;
	}
	{
		size_t h = rp_hash(run->id, rp->cap_runs);

		while (rp->runs[h])
			h = (h + 1) & (rp->cap_runs - 1);
		rp->runs[h] = run;
		rp->n_runs++;
	}
	return 0;
}

static struct store_run *rp_runs_get(const struct store_report *rp, int64_t id)
{
	if (!rp->cap_runs)
		return NULL;
	for (size_t h = rp_hash(id, rp->cap_runs); rp->runs[h];
	     h = (h + 1) & (rp->cap_runs - 1))
		if (rp->runs[h]->id == id)
			return rp->runs[h];
	return NULL;
}

/* Loads (or finds cached) the run; *out NULL when there is no such run. */
static int rp_run_load(struct store_report *rp, int64_t run_id,
		       const struct store_run **out, char *err, size_t n_err)
{
	struct store_run *run = rp_runs_get(rp, run_id);
	const struct store_machine *m;
	sqlite3_stmt *st;
	int rc, oom = 0;

	*out = run;
	if (run)
		return 0;
	st = store_report_stmt(rp, RQ_RUN);
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : store_report_db_error(rp, "a run", err, n_err);
	}
	run = store_report_alloc(rp, sizeof(*run));
	if (!run) {
		sqlite3_reset(st);
		return store_report_oom(err, n_err);
	}
	memset(run, 0, sizeof(*run));
	run->id = sqlite3_column_int64(st, 0);
	run->machine_id = sqlite3_column_int64(st, 1);
	run->uuid = store_report_col_str(rp, st, 2, &oom);
	run->started_at = store_report_col_str(rp, st, 3, &oom);
	run->ended_at = store_report_col_str(rp, st, 4, &oom);
	run->status = store_report_col_str(rp, st, 5, &oom);
	run->argv = store_report_col_str(rp, st, 6, &oom);
	run->git_commit = store_report_col_str(rp, st, 7, &oom);
	run->git_dirty = (int)store_col_int(st, 8, -1);
	run->compiler = store_report_col_str(rp, st, 9, &oom);
	run->cflags = store_report_col_str(rp, st, 10, &oom);
	run->timer_name = store_report_col_str(rp, st, 11, &oom);
	run->timer_resolution_ns = store_col_real(st, 12);
	run->timer_overhead_ns = store_col_real(st, 13);
	run->quick = (int)store_col_int(st, 14, 0);
	run->provenance = store_report_col_str(rp, st, 15, &oom);
	run->notes = store_report_col_str(rp, st, 16, &oom);
	run->rounds = (int)store_col_int(st, 17, 1);
	sqlite3_reset(st);
	st = store_report_stmt(rp, RQ_RUN_COUNTS);
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_report_db_error(rp, "a run's results", err, n_err);
	}
	run->n_results = sqlite3_column_int64(st, 0);
	run->n_ok = sqlite3_column_int64(st, 1);
	run->min_samples = store_col_int(st, 2, 0);
	run->max_samples = store_col_int(st, 3, 0);
	sqlite3_reset(st);
	m = store_report_machine(rp, run->machine_id);
	if (m)
		run->machine = *m;
	if (oom || rp_runs_put(rp, run))
		return store_report_oom(err, n_err);
	*out = run;
	return 0;
}

const struct store_run *store_report_run(struct store_report *rp, int64_t run_id, char *err,
					 size_t n_err)
{
	const struct store_run *run;

	if (rp_run_load(rp, run_id, &run, err, n_err))
		return NULL;
	if (!run)
		err_set(err, n_err, MC_EINVAL, "no run with id %lld.", (long long)run_id);
	return run;
}

int store_report_has_commit(struct store_report *rp, const char *prefix, int *out_found,
			    char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_HAS_COMMIT);
	int rc;

	store_bind_text(st, 1, prefix);
	rc = sqlite3_step(st);
	*out_found = rc == SQLITE_ROW;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_report_db_error(rp, "runs", err, n_err);
	return 0;
}

static int rp_streq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int store_report_pick_run(struct store_report *rp, int64_t machine_id, const char *suite,
			  const char *backend, int64_t pin_run, const char *commit,
			  int64_t *out_run, char *err, size_t n_err)
{
	struct store_report_pick *pk;
	sqlite3_stmt *st;
	int rc, oom = 0;

	*out_run = 0;
	for (size_t i = 0; i < rp->n_picks; i++) {
		pk = &rp->picks[i];
		if (pk->machine_id == machine_id && pk->pin_run == pin_run &&
		    strcmp(pk->suite, suite) == 0 && strcmp(pk->backend, backend) == 0 &&
		    rp_streq(pk->commit, commit)) {
			*out_run = pk->run_id;
			return 0;
		}
	}
	if (pin_run) {
		st = store_report_stmt(rp, RQ_PIN_HAS);
		sqlite3_bind_int64(st, 1, pin_run);
		store_bind_text(st, 2, suite);
		store_bind_text(st, 3, backend);
	} else {
		st = store_report_stmt(rp, RQ_PICK);
		sqlite3_bind_int64(st, 1, machine_id);
		store_bind_text(st, 2, suite);
		store_bind_text(st, 3, backend);
		store_bind_text(st, 4, commit);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out_run = pin_run ? pin_run : sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_report_db_error(rp, "runs", err, n_err);
	if (rp->n_picks == rp->cap_picks) {
		size_t ncap = rp->cap_picks ? rp->cap_picks * 2 : 16;
		struct store_report_pick *np = realloc(rp->picks, ncap * sizeof(*np));

		if (!np)
			return store_report_oom(err, n_err);
		rp->picks = np;
		rp->cap_picks = ncap;
	}
	pk = &rp->picks[rp->n_picks];
	pk->machine_id = machine_id;
	pk->pin_run = pin_run;
	pk->run_id = *out_run;
	pk->suite = store_report_strdup(rp, suite, &oom);
	pk->backend = store_report_strdup(rp, backend, &oom);
	pk->commit = store_report_strdup(rp, commit, &oom);
	if (oom)
		return store_report_oom(err, n_err);
	rp->n_picks++;
	return 0;
}

