/*
 * store_report.h - what reports read from the store: run selection and
 * lookups of results, devices, runs and machines, all through statements
 * prepared once per connection (store_int.h). The rows come back in the
 * store's own structs (store.h), every field filled.
 *
 * Only runs with status 'complete' are ever selected. The default choice
 * for a (machine, suite, backend) is its latest complete run that measured
 * that suite on that backend; a pinned run or a git commit narrow it.
 *
 * Every string and array a lookup returns is owned by the struct store_report
 * and stays valid until store_report_close(): callers never free them.
 */
#ifndef MC_STORE_REPORT_H
#define MC_STORE_REPORT_H
#include <stddef.h>
#include <stdint.h>
#include "store.h"

struct store_report;

/* One point of a metric's history: a result and the run it came from. */
struct store_report_point {
	const struct store_run *run;
	struct store_result res;
};

/* Reads through st (not owned; must outlive the report), preparing every
 * query at once in st's statement cache. Errors: MC_EDB when a statement
 * cannot be prepared (e.g. a db of another schema). */
int store_report_open(struct store *st, struct store_report **out, char *err,
		      size_t n_err);
void store_report_close(struct store_report *rp);   /* accepts NULL */

/* Every machine, by hostname then id. */
int store_report_machines(struct store_report *rp, const struct store_machine **out,
			  size_t *out_n, char *err, size_t n_err);
/* The machine with this id; NULL when there is none. */
const struct store_machine *store_report_machine(struct store_report *rp, int64_t id);

/* The machine of the latest complete run; *out_id 0 when there is none. */
int store_report_default_machine(struct store_report *rp, int64_t *out_id, char *err,
				 size_t n_err);

/* Every suite / backend that has a result in the db, sorted (NULL-terminated). */
int store_report_suites(struct store_report *rp, const char *const **out, char *err,
			size_t n_err);
int store_report_backends(struct store_report *rp, const char *const **out, char *err,
			  size_t n_err);

/* Whether suite has a benchmark named bench in any run. */
int store_report_has_benchmark(struct store_report *rp, const char *suite,
			       const char *bench, int *out_found, char *err, size_t n_err);

/* The run that a (machine, suite, backend) cell reads: pin_run when not 0
 * (and only if it measured suite on backend), else the latest complete run
 * of the machine that did, restricted to commits starting with commit when
 * commit is not NULL. *out_run 0 when there is none. Cached. */
int store_report_pick_run(struct store_report *rp, int64_t machine_id, const char *suite,
			  const char *backend, int64_t pin_run, const char *commit,
			  int64_t *out_run, char *err, size_t n_err);

/* Whether a complete run has a git commit starting with prefix. */
int store_report_has_commit(struct store_report *rp, const char *prefix, int *out_found,
			    char *err, size_t n_err);

/* The run with this id (cached), every field filled, its machine
 * included; NULL (MC_EINVAL or MC_EDB in err) when it cannot be read. A
 * run named by a user (an id, a uuid, a prefix) is found first with
 * store_run_resolve() (store.h). */
const struct store_run *store_report_run(struct store_report *rp, int64_t run_id,
					 char *err, size_t n_err);

/* The variants ("" for none) of backend's results in one run for suite
 * and clock, sorted, NULL-terminated (at most 31). */
int store_report_variants(struct store_report *rp, int64_t run_id, const char *suite,
			  const char *backend, const char *clock,
			  const char *const **out, char *err, size_t n_err);

/* Results of one run for suite x backend x variant x clock, in no
 * particular order. */
int store_report_results(struct store_report *rp, int64_t run_id, const char *suite,
			 const char *backend, const char *variant, const char *clock,
			 const struct store_result **out, size_t *out_n,
			 char *err, size_t n_err);

/* Results of one run whose status is not 'ok', by suite, benchmark, backend. */
int store_report_rejected(struct store_report *rp, int64_t run_id,
			  const struct store_result **out, size_t *out_n,
			  char *err, size_t n_err);

/* The device row of (run, backend); *out NULL when there is none. */
int store_report_device(struct store_report *rp, int64_t run_id, const char *backend,
			const struct store_device **out, char *err, size_t n_err);
/* Every device row of a run, by backend. */
int store_report_devices(struct store_report *rp, int64_t run_id,
			 const struct store_device **out, size_t *out_n,
			 char *err, size_t n_err);

/* The last `limit` complete runs of machine that measured the cell, oldest
 * first, each with its result (of any status). */
int store_report_history(struct store_report *rp, int64_t machine_id, const char *suite,
			 const char *bench, const char *backend, const char *variant,
			 const char *clock, size_t limit,
			 const struct store_report_point **out, size_t *out_n,
			 char *err, size_t n_err);

/* The raw samples (ns per iteration) of a result, in the order taken, in
 * the report's arena: *out is NULL and *out_n 0 for a result without
 * samples. Errors: MC_EDB, MC_ENOMEM. */
int store_report_samples(struct store_report *rp, int64_t result_id, const double **out,
			 size_t *out_n, char *err, size_t n_err);

/* The ids of the last `limit` complete runs of machine that measured
 * suite on backend, newest first, into out[0..limit); *out_n how many.
 * Errors: MC_EDB. */
int store_report_recent_runs(struct store_report *rp, int64_t machine_id, const char *suite,
			     const char *backend, size_t limit, int64_t *out, size_t *out_n,
			     char *err, size_t n_err);

#endif
