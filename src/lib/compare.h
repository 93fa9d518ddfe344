/*
 * compare.h - the question "what changed between these two runs?": every
 * result two runs share, with the change of the median, its 95% CI, the
 * Mann-Whitney p-value and a verdict: slower, faster, unchanged or
 * inconclusive (stats.h: the verdict rule and the run-to-run noise floor), and the ways the runs differ besides their code.
 * `mcreport compare` formats it.
 *
 * The struct compare_result returned is owned by the caller and released
 * with compare_result_free, which accepts NULL.
 */
#ifndef MC_COMPARE_H
#define MC_COMPARE_H
#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"
#include "stats.h"
#include "store_history.h"

/* Ways two runs differ besides their code (compare_result.differs). */
enum compare_diff {
	COMPARE_DIFF_MACHINE = 1,    /* machine fingerprints differ */
	COMPARE_DIFF_COMPILER = 2,   /* compiler strings differ */
	COMPARE_DIFF_OPENBLAS = 4,   /* openblas.version differs (or known on one side only) */
	COMPARE_DIFF_DIRTY = 8,      /* either run was built from a dirty git tree */
	COMPARE_DIFF_ROUNDS = 16,    /* the runs took their samples in different rounds */
};

struct compare_row {
	char *suite, *benchmark, *backend, *variant, *clock;
	int64_t n_a, n_b;            /* raw samples on each side */
	double median_a_ns, median_b_ns;
	double floor_pct;            /* the effect it had to clear: max(threshold, its floor) */
	/* Its own run-to-run noise from the machine's other runs (runs a and
	 * b left out): hist_n medians, hist_sd_pct the robust sd of their
	 * consecutive changes (stats_history_sd_pct), NaN with too few. When
	 * finite the floor is noise_k times it and the verdict is
	 * stats_verdict_history's; else the group's floor and stats_verdict. */
	size_t hist_n;
	double hist_sd_pct;
	/* change.change_pct and its CI are relative to the run's move when
	 * compare_result.shift_pct is finite; raw_change_pct never is. */
	double raw_change_pct;
	struct stats_change change;
};

/* Run-to-run noise of one (backend, clock) group of a comparison: the
 * spread of its members' changes around their median. Samples within a
 * run are taken milliseconds apart, so their CI misses drift of a shared
 * machine over seconds; the spread across many results of the same pair of
 * runs measures it. A code change that moves every result alike moves
 * the median, not the spread. */
struct compare_noise {
	char *backend, *clock;
	size_t n;                    /* results with a change in the group */
	double median_pct, mad_pct;  /* of their changes */
	double floor_pct;            /* stats_noise_floor: threshold alone below STATS_NOISE_MIN_N */
};

struct compare_result {
	struct store_history_run a, b; /* a: before, b: after */
	double threshold_pct, alpha; /* as used */
	unsigned differs;            /* COMPARE_DIFF_* bits */
	struct compare_row *rows;    /* shared results ok on both sides, in a's order */
	size_t n_rows;
	size_t n_slower, n_faster, n_unchanged, n_inconclusive;
	size_t n_not_ok;             /* shared results not ok on one side (left out) */
	size_t n_only_a, n_only_b;   /* results of one run only (left out) */
	struct compare_noise *noise; /* one per (backend, clock) of rows, in first-seen order */
	double noise_k;              /* K of the noise floors (stats_noise_k) */
	/* The whole machine's move from a to b, taken out of every row (the
	 * median change of all rows, when every group of two backends or more
	 * moved past the threshold alike: compare.c, run_shift); NaN when
	 * nothing was taken out. */
	double shift_pct;
	size_t n_noise;
};

/* Compares run a (before) with run b (after): one row per shared result
 * with status ok on both sides, from the raw samples. A row's floor is
 * its own history's (compare_row) when a and b share a machine with
 * enough other complete runs holding the result, else its group's
 * (compare_noise): with its own, the point change must clear it and the
 * CI the threshold; with the group's, the whole CI must clear it. threshold_pct / alpha <= 0 take the defaults
 * (STATS_THRESHOLD_PCT, STATS_ALPHA). Zero shared results is not an error
 * (n_rows 0). Errors: MC_EINVAL (no such run), MC_EDB, MC_ENOMEM; *out
 * is NULL on error. */
int compare_runs(struct store_history *h, int64_t run_a, int64_t run_b,
		 double threshold_pct, double alpha,
		 struct compare_result **out, char *err, size_t n_err);
void compare_result_free(struct compare_result *c);

/* One sentence per bit of c->differs, each starting "comparing runs ..."
 * (e.g. "comparing runs from different machines (A: vm 1a2b3c4d, B: vm
 * 9f8e7d6c); a change may come from the machine, not the code"), then one
 * per noise group whose floor exceeds the threshold, joined with newlines
 * into out. Nothing when there is none. */
void compare_warnings(const struct compare_result *c, struct sbuf *out);

#endif
