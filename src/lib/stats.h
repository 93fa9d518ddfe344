/*
 * stats.h - robust statistics over timing samples.
 *
 * Pure functions over arrays of doubles; nothing here allocates except where
 * stated (scratch memory, always freed before return). Besides summaries and
 * tests it holds the rules the history commands decide by: median and MAD,
 * the verdict on a change, the run-to-run noise floor, and the levels around
 * a change point. Quantiles use linear interpolation between order statistics
 * (Hyndman & Fan type 7, as R and NumPy default).
 */
#ifndef MC_STATS_H
#define MC_STATS_H
#include <stddef.h>

struct stats_summary {
	size_t n;
	double min, max;
	double mean;
	double stddev;     /* sample standard deviation (n - 1) */
	double median;
	double q1, q3;     /* 25th and 75th percentiles */
	double mad;        /* median absolute deviation, unscaled */
	double ci_lo, ci_hi; /* distribution-free 95% CI of the median (order statistics) */
	size_t n_mild;     /* outside Tukey's inner fences (1.5 IQR), inside outer */
	size_t n_severe;   /* outside Tukey's outer fences (3 IQR) */
};

/* Summarises x[0..n) into *out. Returns 0, or MC_EINVAL when n == 0, a
 * value is not finite or x or out is NULL, or MC_ENOMEM when the scratch copy (n doubles, freed before
 * return) cannot be allocated. x is not modified.
 *
 * The CI is [x(j), x(k)] (1-based order statistics) with j the largest and
 * k = n + 1 - j the smallest index such that P(j <= Bin(n, 1/2) < k) >= 0.95:
 * exact binomial for n <= 1000, normal approximation with continuity
 * correction above. For n < 6 no such pair exists and the CI is [min, max].
 * Tukey counts use strict inequalities: a value is severe when it lies
 * outside [q1 - 3 IQR, q3 + 3 IQR], mild when it lies outside
 * [q1 - 1.5 IQR, q3 + 1.5 IQR] but is not severe. */
int stats_summarize(const double *x, size_t n, struct stats_summary *out);

/* Quantile p in [0,1] of sorted[0..n), type 7 (p is clamped to [0,1]).
 * NaN when n == 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

/* The z with P(Z > z) = p for a standard normal Z, p in (0, 0.5]:
 * 1.959964 for 0.025, 3.090232 for 0.001. NaN outside (0, 0.5]. Bisection
 * on erfc to 1e-12, so exact to the precision of erfc. */
double stats_normal_upper_quantile(double p);

/* Two-sided Mann-Whitney U test of a[0..na) against b[0..nb), normal
 * approximation with tie and continuity correction. Returns the p-value in
 * [0,1]; 1 when either side is empty or every value is tied; NaN when a value
 * is NaN or the scratch memory (na + nb elements, freed before return)
 * cannot be allocated, so that `p < alpha` is false in both cases. */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* 95% confidence interval of the relative change of the median from a to b
 * in percent, by the two-stage cluster bootstrap over the rounds of each
 * side (stats_boot.h: deterministic, STATS_BOOT_N replicates). out_pct is
 * the point estimate 100 * (median(b) / median(a) - 1); [out_lo, out_hi]
 * the percentiles of the replicate changes. rounds_a / rounds_b are the
 * rounds of each side's run (<= 1: one round, the ordinary bootstrap).
 * Returns 0 or a negative MC_E* code; the outputs are set only on
 * success. MC_EINVAL when a side is empty, a value is not finite, a value
 * of a is <= 0 (a relative change needs a positive baseline) or an output
 * pointer is NULL; MC_ENOMEM. */
int stats_change_ci_rounds(const double *a, size_t na, int rounds_a, const double *b,
			   size_t nb, int rounds_b, double *out_pct, double *out_lo,
			   double *out_hi);
/* stats_change_ci_rounds with one round on each side. */
int stats_change_ci(const double *a, size_t na, const double *b, size_t nb,
		    double *out_pct, double *out_lo, double *out_hi);

/* The smallest two-sided p-value the exact Mann-Whitney test can reach
 * with na and nb samples and no ties: 2 / C(na + nb, na), at most 1 (1
 * when a side is empty). The feasibility check before the test (as asv
 * does): 3 against 3 samples can never reach p < 0.05 (0.1). */
double stats_mann_whitney_min_p(size_t na, size_t nb);

/* Change points in a series x[0..n) of per-run medians (oldest first), by
 * binary segmentation that a single outlying point cannot fool.
 *
 * A segment [s, e) with e - s >= 2 * min_seg is split at the t in
 * [s + min_seg, e - min_seg] that minimises the L1 cost
 * sum |x_i - median(left)| + sum |x_i - median(right)| (ties: smallest t).
 * With L = x[s..t), R = x[t..e), nl, nr their lengths, the split is accepted
 * when all of these hold:
 *   d     = median(R) - median(L) (ordinary medians) is non-zero;
 *   delta = lomed(R) - himed(L) when d > 0, himed(R) - lomed(L) when d < 0,
 *           where lomed/himed of m sorted values are the values at 0-based
 *           (m - 1) / 2 and m / 2 (the two middle values; equal for odd m),
 *           has the sign of d. This "inner median" shift is what makes a
 *           single outlier harmless even in a two-point segment;
 *   |delta| >= min_effect * |median(L)| (any non-zero delta when
 *           median(L) == 0);
 *   |delta| > 4 * 1.4826 * pmad / sqrt(min(nl, nr)), where pmad is the
 *           median of the pooled |x_i - median(L)| over L and
 *           |x_i - median(R)| over R (noise estimated within the segments).
 * An accepted split reports t (the level changes between x[t-1] and x[t])
 * and both halves are examined the same way; a rejected segment is final.
 *
 * min_effect is a fraction (0.05 = 5%), finite and >= 0; min_seg >= 2 (one
 * point alone can never form a segment). Writes the first min(found,
 * max_out) indices, ascending, to out_idx (may be NULL when max_out == 0)
 * and sets *out_n to the number found, which exceeds max_out when
 * out_idx was too short. Costs O(n^2) time per level of segmentation.
 * Returns 0; MC_EINVAL when a value is not finite, min_seg < 2, min_effect
 * is negative or not finite, or out_n (or out_idx with max_out > 0) is
 * NULL; MC_ENOMEM when scratch memory (freed before return) runs out. */
int stats_changepoints(const double *x, size_t n, double min_effect, size_t min_seg,
		       size_t *out_idx, size_t max_out, size_t *out_n);

/* ------------------------------------------------------------ medians */

/* Median of x[0..n) (n > 0), sorting x in place; NaN when n == 0. */
double stats_median_inplace(double *x, size_t n);

/* Median and MAD (unscaled) of x[0..n), n > 0; x is reordered (it ends
 * holding the absolute deviations). Both NaN when n == 0. */
void stats_median_mad(double *x, size_t n, double *out_median, double *out_mad);

/* The levels around change point k of a series x[0..n) cut at the
 * ascending change points idx[0..n_idx) (stats_changepoints): the median
 * of x[idx[k-1] .. idx[k]) before (from 0 when k == 0) and of
 * x[idx[k] .. idx[k+1]) after (to n for the last). Returns 0, MC_EINVAL
 * for k >= n_idx or a bad index, MC_ENOMEM (scratch freed before return). */
int stats_segment_levels(const double *x, size_t n, const size_t *idx, size_t n_idx,
			 size_t k, double *out_before, double *out_after);

/* ------------------------------------------------------------ verdicts */

/* Defaults of the verdict rule (and of a 0 passed for them below). */
#define STATS_THRESHOLD_PCT 5.0   /* smallest change worth a verdict */
#define STATS_ALPHA 0.05          /* Mann-Whitney significance level */
/* The run-to-run noise floor of a group of changes (one backend, one clock
 * of a comparison): with at least STATS_NOISE_MIN_N members it raises the
 * threshold to K robust standard deviations (1.4826 MAD) of the changes,
 * where K is the normal quantile that keeps the chance of any false alarm
 * among the n results compared at alpha (P(|Z| > K) = alpha / n), and at
 * least STATS_NOISE_K_MIN. */
#define STATS_NOISE_K_MIN 3.0
#define STATS_NOISE_MIN_N 8

enum stats_verdict {
	STATS_UNCHANGED = 0,
	STATS_FASTER = 1,
	STATS_SLOWER = 2,
	STATS_INCONCLUSIVE = 3,
};

/* "unchanged", "faster", "slower" or "inconclusive" (static storage). */
const char *stats_verdict_name(enum stats_verdict v);

struct stats_change {
	double change_pct;           /* 100 * (median(b) / median(a) - 1) */
	double ci_lo_pct, ci_hi_pct; /* 95% cluster-bootstrap CI of change_pct */
	double p;                    /* two-sided Mann-Whitney p-value */
	double min_p;                /* smallest p reachable at these n (stats_mann_whitney_min_p) */
	/* The units of the CI and the test: rounds (stats_rounds.h) when both
	 * sides have STATS_ROUNDS_MIN of them, else samples (and the CI from
	 * the cluster bootstrap). n_a / n_b count those units. */
	int by_rounds;
	size_t units_a, units_b;
	enum stats_verdict verdict;
};

/* The verdict rule, in this order:
 *   inconclusive when min_p >= alpha (the rank test cannot reach alpha
 *     with these sample counts: asked anyway, it would call everything
 *     "not significant") or the CI is not finite (no samples);
 *   slower when p < alpha and the whole CI lies at or above floor_pct,
 *   faster when p < alpha and the whole CI lies at or below -floor_pct;
 *   unchanged when the whole CI lies strictly inside (-floor, floor): the
 *     data rule out a change of the threshold's size;
 *   inconclusive otherwise: the CI straddles a threshold, or the CI and
 *     the rank test disagree.
 * The whole CI, not the point estimate: a point beyond the threshold with
 * a CI reaching back inside it is not evidence of a change. */
enum stats_verdict stats_verdict(const struct stats_change *c, double floor_pct,
				 double alpha);

/* The change of raw samples a (before) and b (after), in ns, with its
 * verdict (stats_verdict at threshold_pct). With at least
 * STATS_ROUNDS_MIN rounds a side the CI and the rank test take the rounds
 * as units (stats_change_by_rounds); else the CI is the cluster bootstrap
 * over rounds_a / rounds_b rounds and the test is over the samples. threshold_pct <= 0 and alpha
 * <= 0 take the defaults above. When a side has no samples (or a value
 * the CI cannot use), the change is the ratio of median_a_ns and
 * median_b_ns, the CI and p are NaN and the verdict is inconclusive.
 * Returns 0, MC_ENOMEM, or MC_EINVAL for a NULL out. */
int stats_change_verdict_rounds(const double *a, size_t na, int rounds_a, const double *b,
				size_t nb, int rounds_b, double median_a_ns,
				double median_b_ns, double threshold_pct, double alpha,
				struct stats_change *out);
/* stats_change_verdict_rounds with one round on each side. */
int stats_change_verdict(const double *a, size_t na, const double *b, size_t nb,
			 double median_a_ns, double median_b_ns,
			 double threshold_pct, double alpha, struct stats_change *out);

/* K of the noise floors of a comparison of n_results results at level
 * alpha: the z with P(|Z| > z) = alpha / n_results, at least
 * STATS_NOISE_K_MIN (also when n_results is 0). */
double stats_noise_k(double alpha, size_t n_results);

/* For the change-point searches (stats.c, stats_perm.c): inserts v into
 * sorted[0..len), keeping it sorted (len + 1 values after; the caller owns
 * room for them), and the L1 cost of sorted[0..len) around its median. */
void stats_insert_sorted(double *sorted, size_t len, double v);
double stats_l1_cost_sorted(const double *sorted, size_t len);

/* The floor a change's CI must clear in a group of n changes whose MAD
 * is mad_pct: max(threshold_pct, k * 1.4826 * mad_pct) when n >=
 * STATS_NOISE_MIN_N, else threshold_pct. */
double stats_noise_floor(double threshold_pct, double k, size_t n, double mad_pct);

/* A result's own run-to-run noise, from its history on the machine: the
 * robust sd (1.4826 MAD) of the changes, in percent, between consecutive
 * medians med[0..n) (oldest first, the compared runs left out), at least
 * STATS_HIST_MIN_CHANGES of them; NaN with fewer. A group's floor pools
 * results of very different noise (on a 2-vCPU VM a single-threaded
 * reference kernel moves by 1-2% from run to run, a kernel on both CPUs by
 * 20% or more), so it is too high for the quiet ones and too low for the
 * noisy ones; a result's own history is neither. The MAD keeps a few real
 * steps in the history (code that changed) from inflating it. */
#define STATS_HIST_MIN_CHANGES 5
#define STATS_HIST_MAX_RUNS 30   /* the newest this many are used */
double stats_history_sd_pct(const double *med, size_t n);

/* The verdict against a result's own history floor (floor_pct: K times
 * stats_history_sd_pct, at least the threshold): that floor is the spread
 * of the point change itself between runs of this result, so the point is
 * tested against it, and the CI, the noise within the two runs, against
 * the threshold:
 *   inconclusive when min_p >= alpha or the CI is not finite;
 *   slower when p < alpha, change_pct >= floor_pct and ci_lo_pct >=
 *     threshold_pct; faster likewise below -floor_pct and -threshold_pct;
 *   unchanged when the CI lies strictly inside (-floor, floor);
 *   inconclusive otherwise. */
enum stats_verdict stats_verdict_history(const struct stats_change *c, double floor_pct,
					 double threshold_pct, double alpha);

#endif
