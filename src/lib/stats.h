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

/* Summarises x[0..n). Returns 0, or MC_EINVAL when n == 0 or a value is not
 * finite. x is not modified. For n < 6 the CI is [min, max]. */
int stats_summarize(const double *x, size_t n, struct stats_summary *out);

/* Quantile p in [0,1] of sorted[0..n), type 7. */
double stats_quantile_sorted(const double *sorted, size_t n, double p);

/* Two-sided Mann-Whitney U test of a[0..na) against b[0..nb), normal
 * approximation with tie correction. Returns the p-value in [0,1]; 1 when
 * either side is empty. */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/* 95% confidence interval of the relative change of the median from a to b
 * in percent, by bootstrap with a fixed seed (deterministic). out_pct is the
 * point estimate 100 * (median(b) / median(a) - 1). Returns 0 or MC_EINVAL. */
int stats_change_ci(const double *a, size_t na, const double *b, size_t nb,
		    double *out_pct, double *out_lo, double *out_hi);

#endif
