/*
 * regressions.h - the question "where did a level shift, and between which
 * commits?": change points (stats_changepoints) over the per-run medians
 * of every series of complete runs (suite, benchmark, backend, variant,
 * clock, machine) with enough runs, each with the run where the new level
 * starts and the commit range to bisect. `mcreport regressions` and the
 * {{regressions}} directive format it.
 *
 * The shifts returned are owned by the caller and released with
 * regressions_free(shifts, n), which accepts NULL.
 */
#ifndef MC_REGRESSIONS_H
#define MC_REGRESSIONS_H
#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "store_history.h"

#define REGRESSIONS_MIN_RUNS 4     /* runs a series needs to be examined */
#define REGRESSIONS_ALPHA 0.05     /* level of the permutation test of a shift */

struct regressions_query {
	const char *since;      /* NULL: every shift; a date prefix
				 * "YYYY-MM[-DD[THH[:MM[:SS]]]]" (compared with
				 * started_at); or a git commit prefix (>= 4 hex
				 * digits): shifts at runs started at or after the
				 * first complete run of that commit */
	const char *backend;    /* NULL: every backend */
	const char *machine;    /* NULL: every machine; else a hostname (exact)
				 * or a prefix of a machine fingerprint */
	double threshold_pct;   /* smallest level change, percent; <= 0:
				 * STATS_THRESHOLD_PCT */
};

/* A shift of level in a series: the first run at the new level. Strings
 * owned by the array. */
struct regressions_shift {
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
	enum stats_verdict direction; /* STATS_SLOWER or STATS_FASTER: the way it moved */
	double ci_lo_pct, ci_hi_pct;  /* 95% bootstrap CI of change_pct, from the
				       * per-run medians of the two segments */
	double p_perm;                /* permutation p of the best split of the
				       * segments around it (stats_perm.h) */
	enum stats_verdict verdict;   /* direction when p_perm < REGRESSIONS_ALPHA
				       * and the whole CI clears the threshold
				       * that way; else STATS_INCONCLUSIVE */
	char *good_commit;          /* latest known commit before the shift; NULL unknown */
	char *bad_commit;           /* first known commit at the shift; NULL unknown */
};

/* Level shifts of every series with >= REGRESSIONS_MIN_RUNS runs (filtered
 * by q->backend and q->machine), by stats_changepoints over the per-run
 * medians (min_effect threshold_pct / 100, min_seg 2); those at runs
 * before q->since are left out. Each shift found is then calibrated: the
 * search chose its split as the best of many, so its evidence is the
 * permutation p of the best split of the segments on either side of it
 * (up to the neighbouring shifts), and its effect gets a CI; a shift that
 * fails either is reported, with verdict STATS_INCONCLUSIVE. Ordered like the series, then by run.
 * *out_series gets the number of series examined (may be NULL). Errors:
 * MC_EINVAL (a since that is neither a date nor a known commit), MC_EDB,
 * MC_ENOMEM. */
int regressions_find(struct store_history *h, const struct regressions_query *q,
		     struct regressions_shift **out, size_t *out_n,
		     size_t *out_series, char *err, size_t n_err);
void regressions_free(struct regressions_shift *shifts, size_t n);

#endif
