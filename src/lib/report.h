/*
 * report.h - what reports read from the db: run selection and lookups of
 * results, devices, runs and machines, all through prepared statements.
 *
 * Only runs with status 'complete' are ever selected. The default choice
 * for a (machine, suite, backend) is its latest complete run that measured
 * that suite on that backend; a pinned run or a git commit narrow it.
 *
 * Every string and array a lookup returns is owned by the struct report
 * and stays valid until report_close(): callers never free them.
 */
#ifndef MC_REPORT_H
#define MC_REPORT_H
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

struct report;

struct report_machine {
	int64_t id;
	const char *fingerprint, *hostname, *cpu_model, *os, *kernel;
	int64_t cores, threads, mem_bytes;
};

struct report_run {
	int64_t id, machine_id;
	const char *uuid, *started_at, *ended_at, *status, *argv;
	const char *git_commit;      /* NULL when unknown */
	int git_dirty;               /* -1 unknown */
	const char *compiler, *cflags, *timer_name;
	double timer_resolution_ns, timer_overhead_ns;
	int quick;
	int rounds;                  /* interleaved rounds (runner.h) */
	const char *provenance;      /* JSON text */
	const char *notes;           /* NULL when none */
	/* Over all of the run's results: */
	int64_t n_results, n_ok, min_samples, max_samples;
};

struct report_device {
	const char *backend, *kind, *name;
	const char *vendor, *version, *driver;   /* NULL when unknown */
	int64_t compute_units, global_mem, local_mem; /* -1 unknown */
	double peak_gflops, peak_gbps;           /* NaN unknown */
	const char *info;                        /* JSON text or NULL */
};

struct report_result {
	int64_t id, run_id;
	const char *suite, *benchmark, *kernel, *params, *backend, *variant;
	const char *clock, *status;
	const char *message;                     /* NULL when none */
	double flops, bytes;                     /* per iteration */
	int64_t iters_per_sample, n_samples;
	/* NaN when not measured (a result that is not 'ok'): */
	double min_ns, median_ns, mean_ns, stddev_ns, ci_lo_ns, ci_hi_ns;
};

/* One point of a metric's history: a result and the run it came from. */
struct report_point {
	const struct report_run *run;
	struct report_result res;
};

/* Reads through db (not owned; must outlive the report). Errors: MC_EDB
 * when a statement cannot be prepared (e.g. a db of another schema). */
int report_open(sqlite3 *db, struct report **out, char *err, size_t n_err);
void report_close(struct report *rp);   /* accepts NULL */

/* Every machine, by hostname then id. */
int report_machines(struct report *rp, const struct report_machine **out,
		    size_t *out_n, char *err, size_t n_err);
const struct report_machine *report_machine(struct report *rp, int64_t id);

/* The machine of the latest complete run; *out_id 0 when there is none. */
int report_default_machine(struct report *rp, int64_t *out_id, char *err, size_t n_err);

/* Every suite / backend that has a result in the db, sorted (NULL-terminated). */
int report_suites(struct report *rp, const char *const **out, char *err, size_t n_err);
int report_backends(struct report *rp, const char *const **out, char *err, size_t n_err);

/* Whether suite has a benchmark named bench in any run. */
int report_has_benchmark(struct report *rp, const char *suite, const char *bench,
			 int *out_found, char *err, size_t n_err);

/* The run that a (machine, suite, backend) cell reads: pin_run when not 0
 * (and only if it measured suite on backend), else the latest complete run
 * of the machine that did, restricted to commits starting with commit when
 * commit is not NULL. *out_run 0 when there is none. Cached. */
int report_pick_run(struct report *rp, int64_t machine_id, const char *suite,
		    const char *backend, int64_t pin_run, const char *commit,
		    int64_t *out_run, char *err, size_t n_err);

/* A run by numeric id (when such a run exists), else by uuid or a unique
 * prefix of one (at least 4 characters). *out NULL when none; MC_EINVAL
 * when the prefix is ambiguous. */
int report_find_run(struct report *rp, const char *key, const struct report_run **out,
		    char *err, size_t n_err);

/* Whether a complete run has a git commit starting with prefix. */
int report_has_commit(struct report *rp, const char *prefix, int *out_found,
		      char *err, size_t n_err);

/* The run with this id (cached); NULL when it does not exist. */
const struct report_run *report_run(struct report *rp, int64_t run_id, char *err,
				    size_t n_err);

/* The variants ("" for none) of backend's results in one run for suite
 * and clock, sorted, NULL-terminated (at most 31). */
int report_variants(struct report *rp, int64_t run_id, const char *suite,
		    const char *backend, const char *clock, const char *const **out,
		    char *err, size_t n_err);

/* Results of one run for suite x backend x variant x clock, in no
 * particular order. */
int report_results(struct report *rp, int64_t run_id, const char *suite,
		   const char *backend, const char *variant, const char *clock,
		   const struct report_result **out, size_t *out_n,
		   char *err, size_t n_err);

/* Results of one run whose status is not 'ok', by suite, benchmark, backend. */
int report_rejected(struct report *rp, int64_t run_id, const struct report_result **out,
		    size_t *out_n, char *err, size_t n_err);

/* The device row of (run, backend); *out NULL when there is none. */
int report_device(struct report *rp, int64_t run_id, const char *backend,
		  const struct report_device **out, char *err, size_t n_err);
/* Every device row of a run, by backend. */
int report_devices(struct report *rp, int64_t run_id, const struct report_device **out,
		   size_t *out_n, char *err, size_t n_err);

/* The last `limit` complete runs of machine that measured the cell, oldest
 * first, each with its result (of any status). */
int report_history(struct report *rp, int64_t machine_id, const char *suite,
		   const char *bench, const char *backend, const char *variant,
		   const char *clock, size_t limit, const struct report_point **out,
		   size_t *out_n, char *err, size_t n_err);

#endif
