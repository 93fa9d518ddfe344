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
 *
 * The structs below are one per table, shared by the writers (which fill
 * the fields they insert) and the readers (store_report.h, which fill them
 * all). Fields under "Read only:" are ignored by the writers.
 *
 * The store family: store.h (this; store.c opens and migrates, store_write.c
 * writes, store_run.c resolves run references), store_report.h (report
 * queries: store_report.c, store_report_results.c), store_export.h /
 * store_import.h (JSON; a result's sample noise in store_noise_json.h),
 * store_inject.h (synthetic scaled copies for the A/A harness), store_int.h
 * (private to them).
 */
#ifndef MC_STORE_H
#define MC_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "noise.h"
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

/* The path st was opened with. Owned by st. */
const char *store_path(const struct store *st);

/* Schema version this code writes (number of migrations). */
int store_schema_version(void);

/* Reader-only fields come last, so positional initialisers of the written
 * fields stay valid. */
struct store_machine {
	const char *fingerprint, *hostname, *cpu_model, *os, *kernel;
	int64_t cores, threads, mem_bytes;
	int64_t id;               /* read */
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
	/* Read only: */
	int64_t id, machine_id;
	const char *ended_at;     /* NULL while running */
	const char *status;       /* running, complete, aborted, failed */
	const char *notes;        /* NULL when none */
	/* Over all of the run's results: */
	int64_t n_results, n_ok, min_samples, max_samples;
};

/* Inserts the machine if new and the run with status 'running' and this
 * process's pid (the read-only fields of run are ignored). *out_run_id
 * receives the run's row id. */
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
	const char *backend, *kind, *name;
	const char *vendor, *version, *driver;         /* NULL unknown */
	int64_t compute_units, global_mem, local_mem;  /* -1 unknown */
	/* Unknown: written as <= 0 (or NaN), read back as NaN. */
	double peak_gflops, peak_gbps;
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
	/* Written: ignored if n_samples == 0. Read: min, median, mean, stddev,
	 * mad, ci_lo, ci_hi, q1, q3 in ns per iteration, NaN when not measured
	 * (a result that is not 'ok'), n, n_mild, n_severe 0 then; max is NaN
	 * (not stored). */
	struct stats_summary stats;
	double max_abs_err, max_rel_err;                 /* NaN if not validated */
	/* Memory of the measurement (migration 0005): the worker process's
	 * resident high-water mark and its resident memory before the
	 * workload, and device bytes; <= 0 unknown (stored as NULL, read back
	 * as -1). */
	int64_t peak_rss_bytes, base_rss_bytes, device_bytes;
	/* The smallest cosine similarity of an output row with the
	 * reference's (migration 0006), when cosine_checked (else stored as
	 * NULL: a zeroed struct has no cosine). */
	int cosine_checked;
	double min_cosine;
	/* The rounds its samples were taken in when fewer than its run's (a
	 * measurement cut to its share of a budget, migration 0007); 0: the
	 * run's (stored as NULL). */
	int rounds;
	/* Read only: */
	int64_t id, run_id;
	int64_t n_samples;                               /* written: an argument */
	/* Samples flagged for heavy CPU steal (noise.h); -1 unknown. Written:
	 * counted by store_result_add_noise from the samples' noise. */
	int64_t n_steal_flagged;
};

/* Inserts one result and its raw samples (ns per iteration) in a single
 * transaction. samples may be NULL when n_samples is 0. */
int store_result_add(struct store *st, int64_t run_id,
		     const struct store_result *res, const double *samples,
		     size_t n_samples, char *err, size_t n_err);

/* store_result_add, with noise[0..n_samples) (may be NULL: none known)
 * the machine's noise over each sample (table sample_noise; a sample with
 * nothing known gets no row). The result's n_steal_flagged is counted from
 * it. */
int store_result_add_noise(struct store *st, int64_t run_id,
			   const struct store_result *res, const double *samples,
			   const struct noise_sample *noise, size_t n_samples,
			   char *err, size_t n_err);

/* Flags of store_run_resolve(). */
enum store_resolve_flags {
	STORE_RESOLVE_COMMIT = 1,  /* also a git commit or a prefix of one */
	STORE_RESOLVE_ANY = 2,     /* a run that is not complete is found too */
};

/* Minimum length of a uuid or commit prefix. */
#define STORE_MIN_PREFIX 4

/* The lookup key of a uuid or commit prefix ref: a lower-cased copy in out
 * (n_out bytes) and 1 when ref is plausible as one (hex digits, and '-'
 * when allow_dash, at least STORE_MIN_PREFIX of them, shorter than n_out);
 * 0 otherwise. Pure. */
int store_ref_key(const char *ref, int allow_dash, char *out, size_t n_out);

/* The one way a command names a run (store_run.c). ref is, in this order:
 * a numeric run id (when such a run exists); a run uuid; a unique prefix
 * of one (at least STORE_MIN_PREFIX hex digits and dashes, any case); with
 * STORE_RESOLVE_COMMIT, a git commit or a unique prefix of one (at least
 * STORE_MIN_PREFIX hex digits): the latest complete run at that commit.
 * The run must be complete unless flags has STORE_RESOLVE_ANY. *out_id
 * gets its id. Errors, one line each naming ref and without the db path:
 * MC_EINVAL for an unknown run ("no run 'REF' in the db (...)", or with
 * STORE_RESOLVE_COMMIT alone "no complete run 'REF' (...)"), an ambiguous
 * prefix ("... prefix 'REF' is ambiguous: give more characters") and a run
 * that is not complete ("run UUID8 is STATUS, not complete: ..."); MC_EDB. */
int store_run_resolve(struct store *st, const char *ref, unsigned flags,
		      int64_t *out_id, char *err, size_t n_err);

/* Runs fn inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when fn fails). */
int store_transaction(struct store *st, int (*fn)(struct store *, void *),
		      void *arg, char *err, size_t n_err);

#endif
