/*
 * store.h - the SQLite record of runs (schema: db/migrations/).
 *
 * Opening applies pending migrations (PRAGMA user_version), one transaction
 * per step, and refuses a db newer than this code. Connections use WAL, a
 * busy timeout and foreign keys. Each write (a run's start, a device, one
 * result with its samples, a run's end) is its own short transaction, so a
 * writer killed at any moment leaves a consistent db whose run is still
 * 'running' (never 'complete', so never reported), and two writers can
 * share one db.
 */
#ifndef MC_STORE_H
#define MC_STORE_H
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "stats.h"

struct store;

enum store_mode {
	STORE_READ = 0,  /* reports: fails if the file does not exist */
	STORE_WRITE = 1, /* runners, import: creates the file and parent dir */
};

/* Opens (and migrates, in STORE_WRITE) the db at path. On success *out
 * owns the connection: release with store_close(). Errors: MC_EDB for a
 * corrupt, locked or too-new db, naming path. */
int store_open(const char *path, enum store_mode mode, struct store **out,
	       char *err, size_t n_err);
void store_close(struct store *st);          /* accepts NULL */

/* The underlying connection, for read queries by reports. Owned by st. */
sqlite3 *store_db(struct store *st);
const char *store_path(const struct store *st);

/* Schema version this code writes (number of migrations). */
int store_schema_version(void);

struct store_machine {
	const char *fingerprint, *hostname, *cpu_model, *os, *kernel;
	int64_t cores, threads, mem_bytes;
};

struct store_run {
	const char *uuid;
	const char *started_at;   /* UTC ISO 8601 */
	const char *argv;         /* space-joined, shell-quoted where needed */
	const char *git_commit;   /* NULL when unknown */
	int git_dirty;            /* -1 unknown */
	const char *compiler, *cflags;
	const char *timer_name;
	double timer_resolution_ns, timer_overhead_ns;
	int quick;
	int rounds;               /* interleaved rounds (runner.h); <= 1: one */
	const char *provenance;   /* JSON text */
	struct store_machine machine;
};

/* Inserts the machine if new and the run with status 'running' and this
 * process's pid. *out_run_id receives the run's row id. */
int store_run_begin(struct store *st, const struct store_run *run,
		    int64_t *out_run_id, char *err, size_t n_err);

/* Sets status ('complete', 'aborted', 'failed') and ended_at = now. */
int store_run_finish(struct store *st, int64_t run_id, const char *status,
		     char *err, size_t n_err);

/* Appends a line to the run's notes (e.g. "peer mlx skipped: ..."). */
int store_run_note(struct store *st, int64_t run_id, const char *note,
		   char *err, size_t n_err);

/* Marks 'aborted' every 'running' run of this host whose pid is no longer
 * alive (a writer killed with SIGKILL). *out_n gets how many. */
int store_reap_stale(struct store *st, const char *hostname, int *out_n,
		     char *err, size_t n_err);

struct store_device {
	const char *backend, *kind, *name, *vendor, *version, *driver;
	int64_t compute_units, global_mem, local_mem;  /* -1 unknown */
	double peak_gflops, peak_gbps;                 /* <= 0 unknown */
	const char *info;                              /* JSON text or NULL */
};
int store_device_add(struct store *st, int64_t run_id,
		     const struct store_device *dev, char *err, size_t n_err);

/* Raises the device's recorded peaks to gflops / gbps where those are
 * higher (a later probe on a quieter machine); never lowers them. */
int store_device_raise_peaks(struct store *st, int64_t run_id, const char *backend,
			     double gflops, double gbps, char *err, size_t n_err);

struct store_result {
	const char *suite, *benchmark, *kernel, *params; /* params: JSON text */
	const char *backend, *variant, *clock, *status;  /* variant "" if none */
	const char *message;                             /* NULL if none */
	double flops, bytes;
	int64_t iters_per_sample;
	struct stats_summary stats;                      /* ignored if n_samples == 0 */
	double max_abs_err, max_rel_err;                 /* NaN if not validated */
};

/* Inserts one result and its raw samples (ns per iteration) in a single
 * transaction. samples may be NULL when n_samples is 0. */
int store_result_add(struct store *st, int64_t run_id,
		     const struct store_result *res, const double *samples,
		     size_t n_samples, char *err, size_t n_err);

/* Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when fn fails). */
int store_transaction(struct store *st, int (*fn)(struct store *, void *),
		      void *arg, char *err, size_t n_err);

#endif
