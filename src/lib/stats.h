/*
 * stats.h - robust statistics over timing samples.
 *
 * Pure functions over arrays of doubles; nothing here allocates except where
 * stated. Quantiles use linear interpolation between order statistics
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
 * in percent, by bootstrap with a fixed seed (deterministic). out_pct is the
 * point estimate 100 * (median(b) / median(a) - 1). Returns 0 or a negative
 * MC_E* code (below); the outputs are set only on success.
 *
 * Details: 2000 resamples of each side (with replacement, a fixed-seed
 * xoshiro256** stream, so equal inputs give equal outputs on every run and
 * platform); [out_lo, out_hi] are the type-7 2.5% and 97.5% quantiles of the
 * resampled changes. MC_EINVAL when a side is empty, a value is not finite,
 * a value of a is <= 0 (a relative change needs a positive baseline) or an
 * output pointer is NULL; MC_ENOMEM when scratch memory (freed before
 * return) cannot be allocated. */
int stats_change_ci(const double *a, size_t na, const double *b, size_t nb,
		    double *out_pct, double *out_lo, double *out_hi);

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

#endif
