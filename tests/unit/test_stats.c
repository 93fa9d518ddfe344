/*
 * test_stats.c - unit tests of src/lib/stats.c against hand-computed values
 * (summaries, order-statistic CI, Tukey counts, Mann-Whitney, bootstrap CI)
 * and statistical properties of the change-point detector (false alarms on
 * pure noise, exact location of injected steps). All randomness comes from a
 * fixed-seed generator, so every run sees the same series.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "err.h"
#include "stats.h"

#define EPS 1e-9

/* cmocka 1.1's assert_float_equal compares floats; these values need doubles. */
#define assert_near(got, want, eps) near_at((got), (want), (eps), __FILE__, __LINE__)

static void near_at(double got, double want, double eps, const char *file, int line)
{
	if (!(fabs(got - want) <= eps)) {
		print_error("got %.17g, want %.17g (+- %g)\n", got, want, eps);
		_fail(file, line);
	}
}

/* ------------------------------------------------------------ test noise */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	/* splitmix64: good enough for test noise, trivially seeded */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(struct rng *r)
{
	return ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;	/* (0, 1) */
}

static double rng_gauss(struct rng *r)
{
	double u = rng_unit(r), v = rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* x[i] = level * (1 + noise * N(0,1)), times (1 + step) from step_at on. */
static void make_series(struct rng *r, double *x, size_t n, double level, double noise,
			size_t step_at, double step)
{
	for (size_t i = 0; i < n; i++) {
		double lv = i >= step_at ? level * (1.0 + step) : level;

		x[i] = lv * (1.0 + noise * rng_gauss(r));
	}
}

/* ------------------------------------------------------------ summary */

static void test_summary_one_to_ten(void **state)
{
	/* Deliberately unsorted: the summary must not depend on order. */
	const double x[] = { 7, 3, 10, 1, 5, 9, 2, 8, 4, 6 };
	struct stats_summary s;

	(void)state;
	assert_int_equal(stats_summarize(x, 10, &s), MC_OK);
	assert_int_equal(s.n, 10);
	assert_near(s.min, 1.0, EPS);
	assert_near(s.max, 10.0, EPS);
	assert_near(s.mean, 5.5, EPS);
	/* sum (i - 5.5)^2 = 82.5; / 9 */
	assert_near(s.stddev, sqrt(82.5 / 9.0), EPS);
	assert_near(s.median, 5.5, EPS);
	/* type 7: h = 9 * 0.25 = 2.25 -> 3 + 0.25; h = 6.75 -> 7 + 0.75 */
	assert_near(s.q1, 3.25, EPS);
	assert_near(s.q3, 7.75, EPS);
	/* |x - 5.5| = .5 .5 1.5 1.5 2.5 2.5 3.5 3.5 4.5 4.5 */
	assert_near(s.mad, 2.5, EPS);
	/* n = 10: 2 P(B <= 1) = 22/1024 <= .05 < 2 P(B <= 2) = 112/1024,
	 * so j = 2, k = 9: x(2) .. x(9), 1-based (0-based 1 and 8). */
	assert_near(s.ci_lo, 2.0, EPS);
	assert_near(s.ci_hi, 9.0, EPS);
	assert_int_equal(s.n_mild, 0);
	assert_int_equal(s.n_severe, 0);
}

static void test_summary_single(void **state)
{
	const double x[] = { 42.0 };
	struct stats_summary s;

	(void)state;
	assert_int_equal(stats_summarize(x, 1, &s), MC_OK);
	assert_near(s.mean, 42.0, EPS);
	assert_near(s.stddev, 0.0, EPS);
	assert_near(s.median, 42.0, EPS);
	assert_near(s.q1, 42.0, EPS);
	assert_near(s.q3, 42.0, EPS);
	assert_near(s.mad, 0.0, EPS);
	assert_near(s.ci_lo, 42.0, EPS);
	assert_near(s.ci_hi, 42.0, EPS);
}

static void test_summary_tukey(void **state)
{
	/* Sorted: -20 1 10..19 30 40 (n = 14). q1: h = 3.25 -> 11.25;
	 * q3: h = 9.75 -> 17.75; IQR 6.5. Inner fences [1.5, 27.5],
	 * outer [-8.25, 37.25]: 1 and 30 are mild, -20 and 40 severe. */
	const double x[] = { 30, 10, 11, -20, 12, 13, 14, 40, 15, 16, 17, 1, 18, 19 };
	struct stats_summary s;

	(void)state;
	assert_int_equal(stats_summarize(x, 14, &s), MC_OK);
	assert_near(s.q1, 11.25, EPS);
	assert_near(s.q3, 17.75, EPS);
	assert_int_equal(s.n_mild, 2);
	assert_int_equal(s.n_severe, 2);
}

static void test_summary_mad(void **state)
{
	/* median 2; |x - 2| = 1 1 0 0 2 4 7 -> sorted 0 0 1 1 2 4 7 -> 1 */
	const double x[] = { 1, 1, 2, 2, 4, 6, 9 };
	struct stats_summary s;

	(void)state;
	assert_int_equal(stats_summarize(x, 7, &s), MC_OK);
	assert_near(s.median, 2.0, EPS);
	assert_near(s.mad, 1.0, EPS);
	/* n = 7: 2 P(B <= 0) = 2/128 <= .05 < 2 P(B <= 1) = 16/128: x(1)..x(7) */
	assert_near(s.ci_lo, 1.0, EPS);
	assert_near(s.ci_hi, 9.0, EPS);
}

/* Fills x with n..1 (reverse order) so that x(j) == j. */
static double *descending(size_t n)
{
	double *x = malloc(n * sizeof(*x));

	assert_non_null(x);
	for (size_t i = 0; i < n; i++)
		x[i] = (double)(n - i);
	return x;
}

static void test_summary_ci_order_statistics(void **state)
{
	/* j from the exact binomial (computed independently):
	 * n = 5 -> none ([min, max]); 6 -> 1; 20 -> 6; 100 -> 40; 1000 -> 469;
	 * 1001 (normal approximation with continuity correction) -> 469. */
	static const struct {
		size_t n, j;
	} cases[] = {
		{ 5, 1 }, { 6, 1 }, { 10, 2 }, { 20, 6 }, { 100, 40 }, { 1000, 469 },
		{ 1001, 469 },
	};
	struct stats_summary s;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double *x = descending(cases[c].n);

		assert_int_equal(stats_summarize(x, cases[c].n, &s), MC_OK);
		assert_near(s.ci_lo, (double)cases[c].j, EPS);
		assert_near(s.ci_hi, (double)(cases[c].n + 1 - cases[c].j), EPS);
		free(x);
	}
}

static void test_summary_rejects(void **state)
{
	const double nan_x[] = { 1, NAN, 3 };
	const double inf_x[] = { 1, 2, INFINITY };
	struct stats_summary s;

	(void)state;
	assert_int_equal(stats_summarize(nan_x, 0, &s), MC_EINVAL);
	assert_int_equal(stats_summarize(nan_x, 3, &s), MC_EINVAL);
	assert_int_equal(stats_summarize(inf_x, 3, &s), MC_EINVAL);
	assert_int_equal(stats_summarize(NULL, 3, &s), MC_EINVAL);
}

static void test_quantile(void **state)
{
	const double x[] = { 1, 2, 3, 4 };

	(void)state;
	assert_near(stats_quantile_sorted(x, 4, 0.0), 1.0, EPS);
	assert_near(stats_quantile_sorted(x, 4, 1.0), 4.0, EPS);
	assert_near(stats_quantile_sorted(x, 4, 0.5), 2.5, EPS);
	assert_near(stats_quantile_sorted(x, 4, 0.9), 3.7, EPS);
	assert_true(isnan(stats_quantile_sorted(x, 0, 0.5)));
}

/* ------------------------------------------------------------ Mann-Whitney */

/* Upper normal quantiles against tabulated values (R's qnorm). */
static void test_normal_quantile(void **state)
{
	(void)state;
	assert_true(fabs(stats_normal_upper_quantile(0.025) - 1.959963984540054) < 1e-9);
	assert_true(fabs(stats_normal_upper_quantile(0.001) - 3.090232306167813) < 1e-9);
	assert_true(fabs(stats_normal_upper_quantile(0.05 / 336) - 3.617363628335562) < 1e-9);
	assert_true(fabs(stats_normal_upper_quantile(0.5)) < 1e-9);
	assert_true(isnan(stats_normal_upper_quantile(0.0)));
	assert_true(isnan(stats_normal_upper_quantile(0.7)));
	assert_true(isnan(stats_normal_upper_quantile(NAN)));
}

static void test_mann_whitney(void **state)
{
	const double a[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const double b[] = { 101, 102, 103, 104, 105, 106, 107, 108, 109, 110 };
	const double c[] = { 1, 2, 3, 4, 5 };
	const double d[] = { 3, 4, 5, 6, 7, 8 };
	const double e[] = { 5, 5, 5 };
	double p;

	(void)state;
	assert_near(stats_mann_whitney_p(a, 10, a, 10), 1.0, EPS);
	p = stats_mann_whitney_p(a, 10, b, 10);
	assert_true(p < 0.001);
	assert_true(p > 0.0);
	/* symmetric in its arguments */
	assert_near(stats_mann_whitney_p(b, 10, a, 10), p, EPS);
	/* Ties (3 4 5 twice): U = 4.5, mu = 15, var = 30 / 12 * (12 - 18 / 110)
	 * = 29.5909..., z = (10.5 - 0.5) / sqrt(var) = 1.83832, p = erfc(z/sqrt 2). */
	assert_near(stats_mann_whitney_p(c, 5, d, 6), 0.066015431521231, 1e-9);
	assert_near(stats_mann_whitney_p(a, 0, b, 10), 1.0, EPS);
	assert_near(stats_mann_whitney_p(e, 3, e, 3), 1.0, EPS);
}

/* ------------------------------------------------------------ change CI */

static void test_change_ci(void **state)
{
	struct rng r = { 1 };
	double a[40], b[40], pct, lo, hi, pct2, lo2, hi2;

	(void)state;
	make_series(&r, a, 40, 100.0, 0.02, 40, 0.0);
	make_series(&r, b, 40, 110.0, 0.02, 40, 0.0);
	assert_int_equal(stats_change_ci(a, 40, b, 40, &pct, &lo, &hi), MC_OK);
	assert_true(lo <= pct && pct <= hi);
	assert_true(lo > 5.0 && hi < 15.0);
	/* the other direction is a slowdown */
	assert_int_equal(stats_change_ci(b, 40, a, 40, &pct, &lo, &hi), MC_OK);
	assert_true(lo <= pct && pct <= hi && hi < 0.0);
	/* deterministic */
	assert_int_equal(stats_change_ci(b, 40, a, 40, &pct2, &lo2, &hi2), MC_OK);
	assert_true(pct == pct2 && lo == lo2 && hi == hi2);
	/* no change: the interval contains 0 */
	assert_int_equal(stats_change_ci(a, 40, a, 40, &pct, &lo, &hi), MC_OK);
	assert_near(pct, 0.0, EPS);
	assert_true(lo <= 0.0 && hi >= 0.0);
	/* invalid input */
	a[3] = 0.0;
	assert_int_equal(stats_change_ci(a, 40, b, 40, &pct, &lo, &hi), MC_EINVAL);
	assert_int_equal(stats_change_ci(b, 0, a, 40, &pct, &lo, &hi), MC_EINVAL);
	b[0] = NAN;
	assert_int_equal(stats_change_ci(a + 4, 36, b, 40, &pct, &lo, &hi), MC_EINVAL);
}

/* ------------------------------------------------------------ change points */

#define CP_MAX 16

static size_t changepoints(const double *x, size_t n, double min_effect, size_t min_seg,
			   size_t *idx)
{
	size_t n_cp = 99;

	assert_int_equal(stats_changepoints(x, n, min_effect, min_seg, idx, CP_MAX, &n_cp),
			 MC_OK);
	return n_cp;
}

static void test_changepoints_step(void **state)
{
	struct rng r = { 7 };
	double x[40];
	size_t idx[CP_MAX];

	(void)state;
	make_series(&r, x, 40, 1000.0, 0.01, 20, 0.10);
	assert_int_equal(changepoints(x, 40, 0.05, 3, idx), 1);
	assert_int_equal(idx[0], 20);
	/* a step down is found just the same */
	make_series(&r, x, 40, 1000.0, 0.01, 20, -0.10);
	assert_int_equal(changepoints(x, 40, 0.05, 3, idx), 1);
	assert_int_equal(idx[0], 20);
	/* two steps, reported in ascending order */
	make_series(&r, x, 40, 1000.0, 0.01, 12, 0.10);
	for (size_t i = 28; i < 40; i++)
		x[i] *= 1.2;
	assert_int_equal(changepoints(x, 40, 0.05, 3, idx), 2);
	assert_int_equal(idx[0], 12);
	assert_int_equal(idx[1], 28);
}

static void test_changepoints_spike(void **state)
{
	struct rng r = { 11 };
	double x[40];
	size_t idx[CP_MAX];

	(void)state;
	/* One wild point anywhere, the ends included, is no change point,
	 * even with the smallest segments allowed. */
	for (size_t at = 0; at < 40; at++) {
		make_series(&r, x, 40, 1000.0, 0.01, 40, 0.0);
		x[at] *= at % 2 ? 3.0 : 0.3;
		assert_int_equal(changepoints(x, 40, 0.05, 2, idx), 0);
	}
	/* nor does a spike next to a real step move or double it */
	make_series(&r, x, 40, 1000.0, 0.01, 20, 0.10);
	x[30] *= 2.0;
	x[39] *= 2.0;
	assert_int_equal(changepoints(x, 40, 0.05, 2, idx), 1);
	assert_int_equal(idx[0], 20);
	/* two consecutive slow runs at the end are a (short) new level */
	make_series(&r, x, 40, 1000.0, 0.01, 38, 0.30);
	assert_int_equal(changepoints(x, 40, 0.05, 2, idx), 1);
	assert_int_equal(idx[0], 38);
}

static void test_changepoints_noise(void **state)
{
	struct rng r = { 13 };
	double x[60];
	size_t idx[CP_MAX];

	(void)state;
	make_series(&r, x, 60, 1000.0, 0.02, 60, 0.0);
	assert_int_equal(changepoints(x, 60, 0.05, 3, idx), 0);
	/* constant series: nothing, and no division by a zero MAD */
	for (size_t i = 0; i < 60; i++)
		x[i] = 5.0;
	assert_int_equal(changepoints(x, 60, 0.05, 2, idx), 0);
}

static void test_changepoints_args(void **state)
{
	double x[10] = { 1, 1, 1, 1, 1, 2, 2, 2, 2, 2 };
	size_t idx[2], n_cp = 99;

	(void)state;
	assert_int_equal(stats_changepoints(x, 10, 0.05, 1, idx, 2, &n_cp), MC_EINVAL);
	assert_int_equal(stats_changepoints(x, 10, -0.1, 2, idx, 2, &n_cp), MC_EINVAL);
	assert_int_equal(stats_changepoints(x, 10, NAN, 2, idx, 2, &n_cp), MC_EINVAL);
	assert_int_equal(stats_changepoints(x, 10, 0.05, 2, idx, 2, NULL), MC_EINVAL);
	assert_int_equal(stats_changepoints(x, 10, 0.05, 2, NULL, 2, &n_cp), MC_EINVAL);
	/* too short to split: no change points, not an error */
	assert_int_equal(stats_changepoints(x, 3, 0.05, 2, idx, 2, &n_cp), MC_OK);
	assert_int_equal(n_cp, 0);
	assert_int_equal(stats_changepoints(NULL, 0, 0.05, 2, idx, 2, &n_cp), MC_OK);
	assert_int_equal(n_cp, 0);
	/* counting only */
	assert_int_equal(stats_changepoints(x, 10, 0.05, 2, NULL, 0, &n_cp), MC_OK);
	assert_int_equal(n_cp, 1);
	assert_int_equal(stats_changepoints(x, 10, 0.05, 2, idx, 2, &n_cp), MC_OK);
	assert_int_equal(n_cp, 1);
	assert_int_equal(idx[0], 5);
	x[4] = INFINITY;
	assert_int_equal(stats_changepoints(x, 10, 0.05, 2, idx, 2, &n_cp), MC_EINVAL);
}

/* <= 5% false alarms over 1000 pure-noise series of 30 points, 2% noise. */
static void test_changepoints_false_alarm_rate(void **state)
{
	struct rng r = { 17 };
	double x[30];
	size_t idx[CP_MAX], alarms = 0;

	(void)state;
	for (int trial = 0; trial < 1000; trial++) {
		make_series(&r, x, 30, 1000.0, 0.02, 30, 0.0);
		if (changepoints(x, 30, 0.05, 3, idx) > 0)
			alarms++;
	}
	print_message("false alarms: %zu / 1000\n", alarms);
	assert_true(alarms <= 50);
}

/* A +10% step at index 20 of 30 (2% noise) found exactly in >= 95% of 200. */
static void test_changepoints_detection_rate(void **state)
{
	struct rng r = { 19 };
	double x[30];
	size_t idx[CP_MAX], exact = 0;

	(void)state;
	for (int trial = 0; trial < 200; trial++) {
		make_series(&r, x, 30, 1000.0, 0.02, 20, 0.10);
		if (changepoints(x, 30, 0.05, 3, idx) == 1 && idx[0] == 20)
			exact++;
	}
	print_message("exact detections: %zu / 200\n", exact);
	assert_true(exact >= 190);
}

/* ------------------------------------------------------------ medians */

static void test_median_mad(void **state)
{
	double odd[5] = { 3, 100, 1, 4, 2 }, even[4] = { 4, 1, 3, 2 }, med, mad;

	(void)state;
	stats_median_mad(odd, 5, &med, &mad);
	assert_near(med, 3, EPS);
	assert_near(mad, 1, EPS);      /* |x - 3| = 0 1 1 2 97: one outlier is harmless */
	stats_median_mad(even, 4, &med, &mad);
	assert_near(med, 2.5, EPS);
	assert_near(mad, 1, EPS);      /* 0.5 0.5 1.5 1.5 */
	stats_median_mad(NULL, 0, &med, &mad);
	assert_true(isnan(med) && isnan(mad));
	assert_true(isnan(stats_median_inplace(NULL, 0)));
}

static void test_segment_levels(void **state)
{
	const double x[8] = { 1, 1.2, 0.9, 2, 2.1, 1.9, 3, 3.2 };
	const size_t idx[2] = { 3, 6 }, bad[1] = { 0 };
	double before, after;

	(void)state;
	assert_int_equal(stats_segment_levels(x, 8, idx, 2, 0, &before, &after), 0);
	assert_near(before, 1, EPS);
	assert_near(after, 2, EPS);    /* up to the next shift, not to the end */
	assert_int_equal(stats_segment_levels(x, 8, idx, 2, 1, &before, &after), 0);
	assert_near(before, 2, EPS);   /* from the previous shift */
	assert_near(after, 3.1, EPS);
	assert_int_equal(stats_segment_levels(x, 8, idx, 2, 2, &before, &after), MC_EINVAL);
	assert_int_equal(stats_segment_levels(x, 8, bad, 1, 0, &before, &after), MC_EINVAL);
}

/* ------------------------------------------------------------ verdicts */

static void test_verdict_rule(void **state)
{
	struct stats_change c = { .change_pct = 7.5, .ci_lo_pct = 6, .ci_hi_pct = 9,
				  .p = 0.01, .min_p = 0.001 };

	(void)state;
	assert_int_equal(stats_verdict(&c, 5, 0.05), STATS_SLOWER);
	assert_int_equal(stats_verdict(&c, 6, 0.05), STATS_SLOWER);   /* lo == floor */
	/* the whole CI must clear the floor, not the point estimate: a CI
	 * straddling it is inconclusive */
	assert_int_equal(stats_verdict(&c, 7, 0.05), STATS_INCONCLUSIVE);
	/* and the change must be significant */
	assert_int_equal(stats_verdict(&c, 5, 0.01), STATS_INCONCLUSIVE);
	c.ci_lo_pct = -9;
	c.ci_hi_pct = -6;
	assert_int_equal(stats_verdict(&c, 5, 0.05), STATS_FASTER);
	assert_int_equal(stats_verdict(&c, 7, 0.05), STATS_INCONCLUSIVE);
	/* a CI inside (-floor, floor) rules a change of that size out */
	c.ci_lo_pct = -2;
	c.ci_hi_pct = 3;
	assert_int_equal(stats_verdict(&c, 5, 0.05), STATS_UNCHANGED);
	assert_int_equal(stats_verdict(&c, 3, 0.05), STATS_INCONCLUSIVE); /* hi == floor */
	/* infeasible: these sample counts cannot reach alpha */
	c.min_p = 0.1;
	assert_int_equal(stats_verdict(&c, 5, 0.05), STATS_INCONCLUSIVE);
	c.min_p = 0.001;
	c.p = NAN;
	c.ci_lo_pct = -9;
	c.ci_hi_pct = -6;
	assert_int_equal(stats_verdict(&c, 5, 0.05), STATS_INCONCLUSIVE);
	c.p = 0.01;
	c.ci_lo_pct = c.ci_hi_pct = NAN;
	assert_int_equal(stats_verdict(&c, 5, 0.05), STATS_INCONCLUSIVE);
	assert_string_equal(stats_verdict_name(STATS_SLOWER), "slower");
	assert_string_equal(stats_verdict_name(STATS_FASTER), "faster");
	assert_string_equal(stats_verdict_name(STATS_UNCHANGED), "unchanged");
	assert_string_equal(stats_verdict_name(STATS_INCONCLUSIVE), "inconclusive");
	assert_int_equal(stats_change_verdict(NULL, 0, NULL, 0, 1, 1, 5, 0.05, NULL),
			 MC_EINVAL);
}

static void test_mann_whitney_min_p(void **state)
{
	(void)state;
	/* 2 / C(n, k), by hand: C(6,3) = 20, C(10,5) = 252, C(20,10) = 184756 */
	assert_near(stats_mann_whitney_min_p(3, 3), 0.1, 1e-12);
	assert_near(stats_mann_whitney_min_p(5, 5), 2.0 / 252.0, 1e-12);
	assert_near(stats_mann_whitney_min_p(10, 10), 2.0 / 184756.0, 1e-15);
	assert_near(stats_mann_whitney_min_p(1, 1), 1.0, 0);
	assert_near(stats_mann_whitney_min_p(0, 7), 1.0, 0);
	/* the feasibility check agrees with the test it guards: 4 against 4
	 * completely separated samples reach 2/70 exactly in theory, and the
	 * normal approximation used by stats_mann_whitney_p is no smaller */
	{
		double a[4] = { 1, 2, 3, 4 }, b[4] = { 5, 6, 7, 8 };

		assert_true(stats_mann_whitney_p(a, 4, b, 4) >=
			    stats_mann_whitney_min_p(4, 4) * 0.5);
	}
}

static void test_verdicts_on_samples(void **state)
{
	struct rng r = { 0x9E3779B97F4A7C15ULL };
	double a[30], b[30];
	struct stats_change c;

	(void)state;
	/* identical samples: no change at all */
	make_series(&r, a, 30, 1000.0, 0.005, 30, 0);
	assert_int_equal(stats_change_verdict(a, 30, a, 30, NAN, NAN, 0, 0, &c), 0);
	assert_int_equal(c.verdict, STATS_UNCHANGED);
	assert_true(fabs(c.change_pct) < 1e-9);
	assert_true(c.p > 0.5);

	/* 10% slower, low noise: slower, CI above 0 */
	make_series(&r, b, 30, 1100.0, 0.005, 30, 0);
	assert_int_equal(stats_change_verdict(a, 30, b, 30, NAN, NAN, 5, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_SLOWER);
	assert_true(c.ci_lo_pct > 0 && c.p < 0.05);
	assert_true(fabs(c.change_pct - 10.0) < 1.5);
	/* the same the other way round is faster */
	assert_int_equal(stats_change_verdict(b, 30, a, 30, NAN, NAN, 5, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_FASTER);

	/* 3% slower: significant, but under the 5% threshold */
	make_series(&r, b, 30, 1030.0, 0.005, 30, 0);
	assert_int_equal(stats_change_verdict(a, 30, b, 30, NAN, NAN, 5, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_UNCHANGED);
	assert_true(c.p < 0.05);
	/* ... and slower at a 2% threshold */
	assert_int_equal(stats_change_verdict(a, 30, b, 30, NAN, NAN, 2, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_SLOWER);

	/* 8% slower and significant, but spread so widely (uniform, +-8%)
	 * that the CI reaches below the 5% threshold: unchanged; a 1%
	 * threshold finds it */
	for (int i = 0; i < 30; i++) {
		a[i] = 1000.0 * (1.0 + 0.16 * ((double)((i * 7) % 30) / 29.0 - 0.5));
		b[i] = 1.08 * a[i];
	}
	assert_int_equal(stats_change_verdict(a, 30, b, 30, NAN, NAN, 5, 0.05, &c), 0);
	print_message("+8%%, +-8%% spread: change %+.1f%% CI [%+.1f%%, %+.1f%%] p %.2g\n",
		      c.change_pct, c.ci_lo_pct, c.ci_hi_pct, c.p);
	assert_true(c.p < 0.05 && c.change_pct > 5.0 && c.ci_lo_pct < 5.0);
	assert_int_equal(c.verdict, STATS_INCONCLUSIVE);
	assert_int_equal(stats_change_verdict(a, 30, b, 30, NAN, NAN, 1, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_SLOWER);

	/* 10% slower, 3 samples a side: the rank test cannot reach 0.05
	 * with 3 against 3 (2 / C(6, 3) = 0.1), so inconclusive */
	make_series(&r, a, 3, 1000.0, 0.2, 3, 0);
	make_series(&r, b, 3, 1100.0, 0.2, 3, 0);
	assert_int_equal(stats_change_verdict(a, 3, b, 3, NAN, NAN, 5, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_INCONCLUSIVE);
	assert_near(c.min_p, 0.1, 1e-12);

	/* no samples: change from the medians, no verdict */
	assert_int_equal(stats_change_verdict(NULL, 0, NULL, 0, 100, 150, 5, 0.05, &c), 0);
	assert_int_equal(c.verdict, STATS_INCONCLUSIVE);
	assert_true(fabs(c.change_pct - 50.0) < 1e-9);
	assert_true(isnan(c.p) && isnan(c.ci_lo_pct));
}


static void test_noise_floor(void **state)
{
	(void)state;
	/* K keeps the chance of any false alarm among n results at alpha */
	assert_near(stats_noise_k(0.05, 168), stats_normal_upper_quantile(0.05 / 336), EPS);
	assert_true(stats_noise_k(0.05, 168) > STATS_NOISE_K_MIN);
	/* ... and is never below its minimum, also with nothing compared */
	assert_near(stats_noise_k(0.05, 1), STATS_NOISE_K_MIN, EPS);
	assert_near(stats_noise_k(0.05, 0), STATS_NOISE_K_MIN, EPS);
	/* the floor: K robust sigmas of the group's changes, or the threshold */
	assert_near(stats_noise_floor(5, 3, STATS_NOISE_MIN_N, 10), 3 * 1.4826 * 10, EPS);
	assert_near(stats_noise_floor(5, 3, STATS_NOISE_MIN_N - 1, 10), 5, EPS);
	assert_near(stats_noise_floor(5, 3, 100, 1), 5, EPS);
	assert_near(stats_noise_floor(5, 3, 100, NAN), 5, EPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_one_to_ten),
		cmocka_unit_test(test_summary_single),
		cmocka_unit_test(test_summary_tukey),
		cmocka_unit_test(test_summary_mad),
		cmocka_unit_test(test_summary_ci_order_statistics),
		cmocka_unit_test(test_summary_rejects),
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_normal_quantile),
		cmocka_unit_test(test_mann_whitney),
		cmocka_unit_test(test_change_ci),
		cmocka_unit_test(test_changepoints_step),
		cmocka_unit_test(test_changepoints_spike),
		cmocka_unit_test(test_changepoints_noise),
		cmocka_unit_test(test_changepoints_args),
		cmocka_unit_test(test_changepoints_false_alarm_rate),
		cmocka_unit_test(test_changepoints_detection_rate),
		cmocka_unit_test(test_median_mad),
		cmocka_unit_test(test_segment_levels),
		cmocka_unit_test(test_verdict_rule),
		cmocka_unit_test(test_mann_whitney_min_p),
		cmocka_unit_test(test_verdicts_on_samples),
		cmocka_unit_test(test_noise_floor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
