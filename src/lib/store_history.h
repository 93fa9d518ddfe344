/*
 * store_history.h - the queries of the record over time (series.h,
 * compare.h, regressions.h): every SQL statement they need, and nothing
 * else. Only 'complete' runs and results with status 'ok' are ever read,
 * except where a function says so.
 *
 * A struct store_history is a read view of one open store that caches its
 * statements: each is prepared the first time it is used and finalised by
 * store_history_close, so a command (or a rendered document) prepares each
 * query once however many runs, results or machines it asks about. It
 * borrows the store, which must outlive it.
 *
 * Every fallible function returns 0 or a negative MC_E* code with one
 * sentence in err (err.h). Arrays and strings returned here are owned by
 * the caller and released with the matching *_free / *_clear function,
 * which accepts NULL.
 */
#ifndef MC_STORE_HISTORY_H
#define MC_STORE_HISTORY_H
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_history;

/* Opens the view on st (borrowed). Errors: MC_ENOMEM. */
int store_history_open(struct store *st, struct store_history **out,
		       char *err, size_t n_err);
/* Frees h (its statements stay in the store's cache); accepts NULL. */
void store_history_close(struct store_history *h);

/* The db file's name for messages (owned by the connection). */
const char *store_history_db_name(const struct store_history *h);

/* ------------------------------------------------------------ points */

/* One run's result in a series. Strings are owned by the array. */
struct store_history_point {
	size_t series;              /* 0-based index of its series: consecutive
				     * points of one (suite, benchmark, backend,
				     * variant, clock, fingerprint) share one */
	char *suite, *benchmark, *backend, *variant, *clock; /* variant "" if none */
	char *hostname, *fingerprint;
	int64_t run_id;
	char *run_uuid;
	char *started_at;           /* UTC ISO 8601 */
	char *git_commit;           /* NULL when unknown */
	int git_dirty;              /* 1, 0, or -1 unknown */
	double median_ns, ci_lo_ns, ci_hi_ns; /* ci_*: NaN when not stored */
	int64_t n_samples;
	double change_pct;          /* NaN here; series_load sets it */
};

/* Every complete run's ok result with a median, filtered by bench
 * ("BENCHMARK" or "SUITE/BENCHMARK"), backend, machine (a hostname, or a
 * prefix of a fingerprint) and clock, each NULL for any; ordered by suite,
 * benchmark, backend, variant, clock, fingerprint, then started_at and run
 * id (oldest first). No match: *out NULL, *out_n 0. Release with
 * store_history_points_free(*out, *out_n). Errors: MC_EDB, MC_ENOMEM. */
int store_history_points(struct store_history *h, const char *bench,
			 const char *backend, const char *machine, const char *clock,
			 struct store_history_point **out, size_t *out_n,
			 char *err, size_t n_err);
void store_history_points_free(struct store_history_point *pts, size_t n);

/* ------------------------------------------------------------ runs */

/* What is known of one run. Strings owned by the struct. */
struct store_history_run {
	int64_t id;
	char *uuid, *started_at, *status;
	char *git_commit;            /* NULL when unknown */
	int git_dirty;               /* 1, 0, -1 unknown */
	char *hostname, *fingerprint;
	char *compiler;
	char *openblas_version;      /* provenance $.openblas.version; NULL unknown */
	int rounds;                  /* interleaved rounds of its samples (runner.h) */
};

/* Loads run id (whatever its status) into *out. Errors: MC_EINVAL (no
 * such run), MC_EDB, MC_ENOMEM; *out is left cleared on error. Release
 * with store_history_run_clear. */
int store_history_run(struct store_history *h, int64_t id,
		      struct store_history_run *out, char *err, size_t n_err);
/* Frees the strings of r and zeroes it; accepts NULL. */
void store_history_run_clear(struct store_history_run *r);

/* The latest two complete runs of one machine that share at least one
 * (suite, benchmark, backend, variant, clock) with status ok on both:
 * the newest run that has such an earlier partner, and its latest one.
 * *out_a is the older. Errors: MC_EINVAL when no such pair exists, MC_EDB. */
int store_history_default_pair(struct store_history *h, int64_t *out_a,
			       int64_t *out_b, char *err, size_t n_err);

/* The distinct commits of complete runs that start with prefix (lower
 * case hex): *out_n is 0, 1, or 2 for two or more; the first is copied to
 * out_commit (n_out bytes). Errors: MC_EDB. */
int store_history_commits(struct store_history *h, const char *prefix,
			  char *out_commit, size_t n_out, int *out_n,
			  char *err, size_t n_err);

/* started_at of the first complete run at commit (exact) into out (n_out
 * bytes). Errors: MC_EDB (also when there is none). */
int store_history_first_run_at(struct store_history *h, const char *commit,
			       char *out, size_t n_out, char *err, size_t n_err);

/* ------------------------------------------------------------ two runs */

/* A result of run a and the same (suite, benchmark, backend, variant,
 * clock) of run b, both ok. Strings owned by the array. */
struct store_history_pair {
	int64_t result_a, result_b;  /* result ids, for store_history_samples */
	char *suite, *benchmark, *backend, *variant, *clock;
	double median_a_ns, median_b_ns; /* NaN when not stored */
	/* The rounds of each side's samples where a budget cut them to fewer
	 * than its run's (store.h, migration 0007); 0: the run's. */
	int rounds_a, rounds_b;
};

/* Every such pair of runs a and b, in the order of a's results. Release
 * with store_history_pairs_free. Errors: MC_EDB, MC_ENOMEM. */
int store_history_pairs(struct store_history *h, int64_t run_a, int64_t run_b,
			struct store_history_pair **out, size_t *out_n,
			char *err, size_t n_err);
void store_history_pairs_free(struct store_history_pair *p, size_t n);

/* The raw samples (ns per iteration) of a result, in order, into *buf: a
 * caller-owned malloc'd array of *cap doubles that grows as needed (start
 * with NULL and 0; free it once done). *out_n gets their number. Errors:
 * MC_EDB, MC_ENOMEM. */
int store_history_samples(struct store_history *h, int64_t result_id,
			  double **buf, size_t *cap, size_t *out_n,
			  char *err, size_t n_err);

/* What a comparison of runs a and b leaves out: results of a only, of b
 * only, and shared ones that are not ok on one side. Errors: MC_EDB. */
int store_history_left_out(struct store_history *h, int64_t run_a, int64_t run_b,
			   size_t *out_only_a, size_t *out_only_b, size_t *out_not_ok,
			   char *err, size_t n_err);

#endif
