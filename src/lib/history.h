/*
 * history.h - the record over time: a benchmark's series of runs, the
 * comparison of two runs, and level shifts (regressions) across many runs.
 *
 * Read-only queries on a store's connection (store_db()), used by the
 * mcreport commands history, compare and regressions and by template
 * directives. Only 'complete' runs and results with status 'ok' are ever
 * considered. A series is the results of one (suite, benchmark, backend,
 * variant, clock) on one machine (fingerprint), oldest run first (by
 * started_at, then run id).
 *
 * Every function here returns 0 or a negative MC_E* code with one sentence
 * in err (err.h). Results are allocated here and released with the matching
 * *_free function, which accepts NULL. The JSON builders return trees the
 * caller frees with cJSON_Delete; their field names are documented in
 * docs/history.md and do not change.
 */
#ifndef MC_HISTORY_H
#define MC_HISTORY_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include "sbuf.h"

/* Defaults of the commands (and of a 0 in the option structs below). */
#define HISTORY_THRESHOLD_PCT 5.0   /* smallest change worth a verdict */
#define HISTORY_ALPHA 0.05          /* Mann-Whitney significance level */
/* compare's noise floor: a group of results (one backend, one clock) with
 * at least HISTORY_NOISE_MIN_N members raises its threshold to K robust
 * standard deviations (1.4826 MAD) of its changes, where K is the normal
 * quantile that keeps the chance of any false alarm among the n results
 * compared at alpha (P(|Z| > K) = alpha / n), and at least
 * HISTORY_NOISE_K_MIN. */
#define HISTORY_NOISE_K_MIN 3.0
#define HISTORY_NOISE_MIN_N 8
#define HISTORY_MIN_RUNS 4          /* runs a series needs for regressions */

/* ------------------------------------------------------------ series */

struct history_query {
	const char *bench;    /* required: "BENCHMARK" or "SUITE/BENCHMARK",
			       * e.g. "softmax/rows=64,cols=1024" */
	const char *backend;  /* NULL: every backend */
	const char *machine;  /* NULL: every machine; else a hostname (exact)
			       * or a prefix of a machine fingerprint */
	const char *clock;    /* NULL: both clocks; "wall" or "device" */
};

/* One run's result in a series. Strings are owned by the array. */
struct history_point {
	size_t series;              /* 0-based index of its series */
	char *suite, *benchmark, *backend, *variant, *clock; /* variant "" if none */
	char *hostname, *fingerprint;
	int64_t run_id;
	char *run_uuid;
	char *started_at;           /* UTC ISO 8601 */
	char *git_commit;           /* NULL when unknown */
	int git_dirty;              /* 1, 0, or -1 unknown */
	double median_ns, ci_lo_ns, ci_hi_ns; /* ci_*: NaN when not stored */
	int64_t n_samples;
	double change_pct;          /* median against the previous point of the
				     * same series; NaN for a series' first */
};

/* The points of every series matching q, series after series (ordered by
 * suite, benchmark, backend, variant, clock, fingerprint), each oldest
 * first. No match is not an error: *out_n is 0 (and *out NULL). Release
 * with history_points_free(*out, *out_n). Errors: MC_EINVAL (no
 * q->bench, a clock other than wall/device), MC_EDB, MC_ENOMEM. */
int history_series(sqlite3 *db, const struct history_query *q,
		   struct history_point **out, size_t *out_n,
		   char *err, size_t n_err);
void history_points_free(struct history_point *pts, size_t n);

/* {"query": {...}, "series": [{suite, benchmark, ..., "runs": [...]}]}
 * (docs/history.md). NULL when out of memory. */
cJSON *history_series_json(const struct history_query *q,
			   const struct history_point *pts, size_t n);

/* Writes an SVG line chart of pts to path (chart.h: one gnuplot process):
 * per series a line of medians with 95% CI error bars against the run's
 * start date; title names the benchmark under the x axis. The output
 * depends only on pts and title (no render date). Errors: MC_EINVAL
 * (n == 0), MC_EIO (path not writable, gnuplot missing or failing, with
 * its first message), MC_ENOMEM. */
int history_chart_svg(const struct history_point *pts, size_t n,
		      const char *title, const char *path,
		      char *err, size_t n_err);

/* ------------------------------------------------------------ compare */

enum history_verdict {
	HISTORY_UNCHANGED = 0,
	HISTORY_FASTER = 1,
	HISTORY_SLOWER = 2,
};

/* "unchanged", "faster" or "slower". */
const char *history_verdict_name(enum history_verdict v);

struct history_change {
	double change_pct;           /* 100 * (median(b) / median(a) - 1) */
	double ci_lo_pct, ci_hi_pct; /* 95% bootstrap CI of change_pct (stats_change_ci) */
	double p;                    /* two-sided Mann-Whitney p-value */
	enum history_verdict verdict;
};

/* The verdict on raw samples a (before) and b (after), in ns: slower or
 * faster only when p < alpha AND the whole CI lies beyond threshold_pct
 * (ci_lo >= threshold, or ci_hi <= -threshold); else unchanged.
 * threshold_pct <= 0 and alpha <= 0 take the defaults above. When a side
 * has no samples (or a value the CI cannot use), the change is the ratio
 * of the medians given in median_a_ns / median_b_ns, the CI and p are NaN
 * and the verdict is unchanged. Pure; errors only MC_ENOMEM, or MC_EINVAL
 * for a NULL out. */
int history_change_verdict(const double *a, size_t na, const double *b, size_t nb,
			   double median_a_ns, double median_b_ns,
			   double threshold_pct, double alpha,
			   struct history_change *out);

/* What is known of one run. Strings owned by the struct. */
struct history_run {
	int64_t id;
	char *uuid, *started_at, *status;
	char *git_commit;            /* NULL when unknown */
	int git_dirty;               /* 1, 0, -1 unknown */
	char *hostname, *fingerprint;
	char *compiler;
	char *openblas_version;      /* provenance $.openblas.version; NULL unknown */
	int rounds;                  /* interleaved rounds of its samples (runner.h) */
};

/* Finds a run by ref: a numeric run id (when such a run exists), else a
 * run uuid or a unique prefix of one (at least 4 characters), else a git
 * commit or a prefix of one (at least 4 hex digits): the latest complete
 * run at that commit. The run must be complete. Errors: MC_EINVAL naming
 * ref (no such run, ambiguous prefix, run not complete), MC_EDB. */
int history_resolve_run(sqlite3 *db, const char *ref, int64_t *out_id,
			char *err, size_t n_err);

/* The latest two complete runs of one machine that share at least one
 * (suite, benchmark, backend, variant, clock) with status ok on both:
 * the newest run that has such an earlier partner, and its latest one.
 * *out_a is the older. Errors: MC_EINVAL when no such pair exists, MC_EDB. */
int history_default_pair(sqlite3 *db, int64_t *out_a, int64_t *out_b,
			 char *err, size_t n_err);

/* Ways two runs differ besides their code (history_comparison.differs). */
enum history_diff {
	HISTORY_DIFF_MACHINE = 1,    /* machine fingerprints differ */
	HISTORY_DIFF_COMPILER = 2,   /* compiler strings differ */
	HISTORY_DIFF_OPENBLAS = 4,   /* openblas.version differs (or known on one side only) */
	HISTORY_DIFF_DIRTY = 8,      /* either run was built from a dirty git tree */
	HISTORY_DIFF_ROUNDS = 16,    /* the runs took their samples in different rounds */
};

struct history_cmp_row {
	char *suite, *benchmark, *backend, *variant, *clock;
	int64_t n_a, n_b;            /* raw samples on each side */
	double median_a_ns, median_b_ns;
	double floor_pct;            /* the effect its CI had to clear: max(threshold, its group's noise floor) */
	struct history_change change;
};

/* Run-to-run noise of one (backend, clock) group of a comparison: the
 * spread of its members' changes around their median. Samples within a
 * run are taken milliseconds apart, so their CI misses drift of a shared
 * machine over seconds; the spread across many results of the same pair of
 * runs measures it. A code change that moves every result alike moves
 * the median, not the spread. */
struct history_noise {
	char *backend, *clock;
	size_t n;                    /* results with a change in the group */
	double median_pct, mad_pct;  /* of their changes */
	double floor_pct;            /* max(threshold, K * 1.4826 * MAD); threshold alone below MIN_N */
};

struct history_comparison {
	struct history_run a, b;     /* a: before, b: after */
	double threshold_pct, alpha; /* as used */
	unsigned differs;            /* HISTORY_DIFF_* bits */
	struct history_cmp_row *rows; /* shared results ok on both sides, in a's order */
	size_t n_rows;
	size_t n_slower, n_faster, n_unchanged;
	size_t n_not_ok;             /* shared results not ok on one side (left out) */
	size_t n_only_a, n_only_b;   /* results of one run only (left out) */
	struct history_noise *noise; /* one per (backend, clock) of rows, in first-seen order */
	double noise_k;              /* K of the noise floors (see HISTORY_NOISE_K_MIN) */
	size_t n_noise;
};

/* Compares run a (before) with run b (after): one row per shared result
 * with status ok on both sides, from the raw samples (table sample). A
 * row's verdict needs its whole CI beyond its floor_pct (see
 * history_noise), not just beyond the threshold.
 * threshold_pct / alpha <= 0 take the defaults. Zero shared results is not
 * an error (n_rows 0). *out released with history_comparison_free.
 * Errors: MC_EINVAL (no such run), MC_EDB, MC_ENOMEM. */
int history_compare(sqlite3 *db, int64_t run_a, int64_t run_b,
		    double threshold_pct, double alpha,
		    struct history_comparison **out, char *err, size_t n_err);
void history_comparison_free(struct history_comparison *c);

/* One sentence per bit of c->differs, each starting "comparing runs ..."
 * (e.g. "comparing runs from different machines (a 1a2b3c4d vs b
 * 9f8e7d6c); changes may come from the machine, not the code"), joined
 * with newlines into out. Nothing when c->differs is 0. */
void history_comparison_warnings(const struct history_comparison *c,
				 struct sbuf *out);

/* {"a": run, "b": run, "threshold_pct", "alpha", "warnings": [...],
 *  "results": [...], "summary": {...}} (docs/history.md). NULL when out of
 * memory. */
cJSON *history_comparison_json(const struct history_comparison *c);

/* ------------------------------------------------------------ regressions */

struct history_rq {
	const char *since;      /* NULL: every shift; a date prefix
				 * "YYYY-MM[-DD[THH[:MM[:SS]]]]" (compared with
				 * started_at); or a git commit prefix (>= 4 hex
				 * digits): shifts at runs started at or after the
				 * first complete run of that commit */
	const char *backend;    /* NULL: every backend */
	const char *machine;    /* NULL: every machine; as in history_query */
	double threshold_pct;   /* smallest level change, percent; <= 0: default */
};

/* A shift of level in a series: the first run at the new level. Strings
 * owned by the array. */
struct history_shift {
	char *suite, *benchmark, *backend, *variant, *clock;
	char *hostname, *fingerprint;
	size_t n_runs;              /* runs in the series */
	size_t index;               /* 0-based position of the run in the series */
	int64_t run_id;
	char *run_uuid, *started_at;
	char *git_commit;           /* of the run; NULL unknown */
	double before_ns, after_ns; /* median of the per-run medians of the
				     * segments before and from the shift (up
				     * to the neighbouring shifts) */
	double change_pct;          /* 100 * (after / before - 1) */
	enum history_verdict direction; /* HISTORY_SLOWER or HISTORY_FASTER */
	char *good_commit;          /* latest known commit before the shift; NULL unknown */
	char *bad_commit;           /* first known commit at the shift; NULL unknown */
};

/* Level shifts of every series with >= HISTORY_MIN_RUNS runs (filtered by
 * q->backend and q->machine), by stats_changepoints over the per-run
 * medians (min_effect threshold_pct / 100, min_seg 2); those at runs
 * before q->since are left out. Ordered like the series, then by run.
 * *out_series gets the number of series examined (may be NULL). Release
 * with history_shifts_free. Errors: MC_EINVAL (a since that is neither a
 * date nor a known commit), MC_EDB, MC_ENOMEM. */
int history_regressions(sqlite3 *db, const struct history_rq *q,
			struct history_shift **out, size_t *out_n,
			size_t *out_series, char *err, size_t n_err);
void history_shifts_free(struct history_shift *shifts, size_t n);

/* {"since", "backend", "threshold_pct", "series_examined", "shifts": [...],
 *  "summary": {...}} (docs/history.md). NULL when out of memory. */
cJSON *history_shifts_json(const struct history_rq *q, size_t n_series,
			   const struct history_shift *shifts, size_t n);

/* ------------------------------------------------------------ text helpers */

/* Signed percentage for tables: "+5.7%", "-12%", "0%"; "-" for NaN. */
void history_fmt_pct(double pct, char *out, size_t n_out);

/* A commit for tables: the first 7 characters, "+" appended when dirty
 * (dirty == 1), "-" when commit is NULL. */
void history_fmt_commit(const char *commit, int dirty, char *out, size_t n_out);

/* "YYYY-MM-DD HH:MM" from a stored ISO 8601 time (copied as is when shorter). */
void history_fmt_date(const char *iso, char *out, size_t n_out);

/* Appends a plain-text table to out: cells is n_rows * n_cols strings (row
 * 0 the header; NULL reads as ""), each column padded to its widest cell in
 * UTF-8 characters, two spaces between columns, no trailing blanks. align
 * has n_cols characters, 'l' or 'r'. */
void history_table(struct sbuf *out, const char *const *cells, size_t n_rows,
		   size_t n_cols, const char *align);

#endif
