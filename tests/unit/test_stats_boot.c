/*
 * test_stats_boot.c - unit tests of the cluster bootstrap (stats_boot.c),
 * the rank interval over rounds (stats_rounds.c), the permutation
 * calibration of change points (stats_perm.c), and the
 * false-alarm and detection rates of the compare verdict on synthetic A/A
 * pairs and injected slowdowns whose rounds drift like a shared machine.
 * All randomness comes from fixed-seed generators.
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
#include "stats_boot.h"
#include "stats_perm.h"
#include "stats_rounds.h"

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_gauss(struct rng *r)
{
	double u = ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
	double v = ((double)(rng_next(r) >> 11) + 0.5) * 0x1.0p-53;

	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* n samples in `rounds` rounds around level: each round shifted by a
 * drift of sd round_sd (the machine's state), each sample by sd noise. */
static void make_rounds(struct rng *r, double *x, size_t n, int rounds, double level,
			double round_sd, double noise)
{
	double shift = 0;

	for (size_t i = 0; i < n; i++) {
		if (i == 0 || stats_round_of(i, n, rounds) != stats_round_of(i - 1, n, rounds))
			shift = round_sd * rng_gauss(r);
		x[i] = level * (1.0 + shift + noise * rng_gauss(r));
	}
}

static void test_round_of(void **state)
{
	(void)state;
	/* 0002_rounds.sql: round k of R holds floor(k n / R) <= idx < floor((k+1) n / R) */
	for (size_t n = 1; n <= 23; n++)
		for (int rounds = 1; rounds <= 7; rounds++) {
			size_t r = (size_t)rounds < n ? (size_t)rounds : n;

			for (size_t i = 0; i < n; i++) {
				size_t k = stats_round_of(i, n, rounds);

				assert_true(k < r);
				assert_true(k * n / r <= i && i < (k + 1) * n / r);
			}
		}
	assert_int_equal(stats_round_of(9, 10, 1), 0);
	assert_int_equal(stats_round_of(9, 10, 5), 4);
	assert_int_equal(stats_round_of(2, 10, 5), 1);
}

static void test_ratio_ci(void **state)
{
	struct rng r = { 7 };
	double a[10], b[10];
	struct stats_boot_set sa = { a, 10, 5 }, sb = { b, 10, 5 };
	struct stats_interval iv, iv2;

	(void)state;
	make_rounds(&r, a, 10, 5, 1000, 0.01, 0.01);
	make_rounds(&r, b, 10, 5, 2000, 0.01, 0.01);
	assert_int_equal(stats_ratio_ci(&sa, &sb, 0, &iv), MC_OK);
	assert_true(iv.lo <= iv.point && iv.point <= iv.hi);
	assert_true(iv.lo > 0.4 && iv.hi < 0.6);
	/* deterministic */
	assert_int_equal(stats_ratio_ci(&sa, &sb, 0, &iv2), MC_OK);
	assert_true(iv.point == iv2.point && iv.lo == iv2.lo && iv.hi == iv2.hi);
	/* the geometric mean of one pair is that pair's ratio */
	assert_int_equal(stats_ratio_geomean_ci(&sa, &sb, 1, &iv2), MC_OK);
	assert_true(fabs(iv2.point - iv.point) < 1e-12 && iv2.lo == iv.lo && iv2.hi == iv.hi);
	/* invalid input */
	b[3] = 0;
	assert_int_equal(stats_ratio_ci(&sa, &sb, 0, &iv), MC_EINVAL);
	b[3] = NAN;
	assert_int_equal(stats_ratio_ci(&sa, &sb, 0, &iv), MC_EINVAL);
	sb.n = 0;
	assert_int_equal(stats_ratio_ci(&sa, &sb, 0, &iv), MC_EINVAL);
	assert_int_equal(stats_ratio_geomean_ci(&sa, &sb, 0, &iv), MC_EINVAL);
}

/* Samples within a round are correlated: the interval that resamples
 * rounds is wider than the one that treats every sample alone, and covers
 * the true ratio about as often as it claims. */
static void test_cluster_coverage(void **state)
{
	struct rng r = { 11 };
	double a[20], b[20];
	int covered_cluster = 0, covered_iid = 0, wider = 0;
	const int trials = 200;

	(void)state;
	for (int t = 0; t < trials; t++) {
		struct stats_boot_set ca = { a, 20, 5 }, cb = { b, 20, 5 };
		struct stats_boot_set ia = { a, 20, 1 }, ib = { b, 20, 1 };
		struct stats_interval c, i;

		/* the same code: a true ratio of 1; rounds drift by 5% */
		make_rounds(&r, a, 20, 5, 1000, 0.05, 0.005);
		make_rounds(&r, b, 20, 5, 1000, 0.05, 0.005);
		assert_int_equal(stats_ratio_ci(&ca, &cb, (uint64_t)t, &c), MC_OK);
		assert_int_equal(stats_ratio_ci(&ia, &ib, (uint64_t)t, &i), MC_OK);
		covered_cluster += c.lo <= 1.0 && 1.0 <= c.hi;
		covered_iid += i.lo <= 1.0 && 1.0 <= i.hi;
		wider += c.hi - c.lo > i.hi - i.lo;
	}
	print_message("coverage of 1: cluster %d / %d, per sample %d / %d; wider %d\n",
		      covered_cluster, trials, covered_iid, trials, wider);
	assert_true(wider > trials * 9 / 10);
	assert_true(covered_cluster > covered_iid);
	/* 5 clusters make a coarse bootstrap: well over 80% of a nominal 95% */
	assert_true(covered_cluster >= trials * 85 / 100);
	/* the per-sample interval is far too narrow under drift */
	assert_true(covered_iid < trials * 80 / 100);
}

static void test_perm_p(void **state)
{
	struct rng r = { 3 };
	double x[16], p;
	int small = 0;

	(void)state;
	/* a clean step of 8 + 8 runs: no shuffle does as well */
	for (int i = 0; i < 16; i++)
		x[i] = (i < 8 ? 1000 : 1200) * (1.0 + 0.01 * rng_gauss(&r));
	assert_int_equal(stats_split_perm_p(x, 16, 2, 0, &p), MC_OK);
	assert_true(p <= 2.0 / (STATS_PERM_N + 1));
	/* 2 + 2 runs can never reach 5%: 2 of the 6 arrangements split as well */
	{
		double y[4] = { 1000, 1000, 1200, 1200 };

		assert_int_equal(stats_split_perm_p(y, 4, 2, 0, &p), MC_OK);
		assert_true(p > 0.25);
	}
	/* too short to split, all equal: p = 1 */
	assert_int_equal(stats_split_perm_p(x, 3, 2, 0, &p), MC_OK);
	assert_true(p == 1.0);
	{
		double z[6] = { 5, 5, 5, 5, 5, 5 };

		assert_int_equal(stats_split_perm_p(z, 6, 2, 0, &p), MC_OK);
		assert_true(p == 1.0);
	}
	/* calibrated: on pure noise p < 0.05 about 5% of the time */
	for (int t = 0; t < 200; t++) {
		for (int i = 0; i < 12; i++)
			x[i] = 1000 * (1.0 + 0.02 * rng_gauss(&r));
		assert_int_equal(stats_split_perm_p(x, 12, 2, (uint64_t)t, &p), MC_OK);
		small += p < 0.05;
	}
	print_message("permutation p < 0.05 on noise: %d / 200\n", small);
	assert_true(small >= 2 && small <= 20);
	x[0] = NAN;
	assert_int_equal(stats_split_perm_p(x, 12, 2, 0, &p), MC_EINVAL);
	assert_int_equal(stats_split_perm_p(x, 12, 2, 0, NULL), MC_EINVAL);
}

/* The exact null distribution of U and the interval's index, against
 * values any table of Mann-Whitney's critical values gives. */
static void test_mw_exact(void **state)
{
	(void)state;
	/* 5 against 5: C(10, 5) = 252 orders; U = 0, 1, 2 by 1, 1, 2 of them */
	assert_true(fabs(stats_mw_exact_cdf(5, 5, 0) - 1.0 / 252) < 1e-12);
	assert_true(fabs(stats_mw_exact_cdf(5, 5, 2) - 4.0 / 252) < 1e-12);
	assert_true(fabs(stats_mw_exact_cdf(4, 4, 0) - 1.0 / 70) < 1e-12);
	assert_true(fabs(stats_mw_exact_cdf(1, 1, 0) - 0.5) < 1e-12);
	assert_true(stats_mw_exact_cdf(5, 5, 25) == 1.0 && stats_mw_exact_cdf(5, 5, -1) == 0.0);
	/* symmetric: P(U <= u) = P(U >= m n - u) */
	for (long u = 0; u < 35; u++)
		assert_true(fabs(stats_mw_exact_cdf(5, 7, u) +
				 stats_mw_exact_cdf(5, 7, 34 - u) - 1.0) < 1e-12);
	assert_true(isnan(stats_mw_exact_cdf(0, 5, 1)));
	assert_true(isnan(stats_mw_exact_cdf(STATS_ROUNDS_MAX_EXACT + 1, 5, 1)));
	/* two-sided 5% critical values: U <= 2 at 5 + 5, <= 23 at 10 + 10,
	 * <= 0 at 4 + 4; none at 3 + 3 (or 3 + 4) */
	assert_int_equal(stats_mw_interval_index(5, 5, 0.025), 3);
	assert_int_equal(stats_mw_interval_index(10, 10, 0.025), 24);
	assert_int_equal(stats_mw_interval_index(4, 4, 0.025), 1);
	assert_int_equal(stats_mw_interval_index(3, 3, 0.025), 0);
	assert_int_equal(stats_mw_interval_index(3, 4, 0.025), 0);
	/* beyond the exact table, the normal approximation: at 64 + 64 it
	 * gives the exact index within a few units of the 4096 */
	{
		size_t ex = stats_mw_interval_index(64, 64, 0.025);
		double mu = 64.0 * 64 / 2, sd = sqrt(64.0 * 64 * 129 / 12);
		size_t k = stats_mw_interval_index(STATS_ROUNDS_MAX_EXACT + 6, 70, 0.025);

		assert_true(fabs((double)ex - (mu - 1.959964 * sd)) < 3.0);
		assert_true(k > 1900 && k < 2000);
	}
}

static void test_round_medians(void **state)
{
	double x[7] = { 3, 1, 2, 10, 40, 30, 20 }, m[7];

	(void)state;
	/* rounds [0, 2), [2, 4), [4, 7) */
	assert_int_equal(stats_round_medians(x, 7, 3, m), 3);
	assert_true(m[0] == 2.0 && m[1] == 6.0 && m[2] == 30.0);
	/* more rounds than samples: one sample a round */
	assert_int_equal(stats_round_medians(x, 2, 5, m), 2);
	assert_true(m[0] == 3.0 && m[1] == 1.0);
	/* one round: the median of all */
	assert_int_equal(stats_round_medians(x, 7, 1, m), 1);
	assert_true(m[0] == 10.0);
	x[4] = NAN;
	assert_int_equal(stats_round_medians(x, 7, 3, m), 0);
	assert_int_equal(stats_round_medians(x, 0, 3, m), 0);
}

/* The round-level change: the interval covers the true change about as
 * often as it says (at least its exact 96.8% at 5 + 5 rounds, less the
 * simulation's own error), a slow round does not carry the interval with
 * it as it carries the bootstrap's, and too few rounds are refused. */
static void test_change_by_rounds(void **state)
{
	struct rng r = { 0x5eed };
	struct stats_round_change c;
	double a[20], b[20];
	int cov0 = 0, cov30 = 0;
	const int trials = 1000;

	(void)state;
	for (int t = 0; t < trials; t++) {
		make_rounds(&r, a, 20, 5, 1000, 0.05, 0.01);
		make_rounds(&r, b, 20, 5, 1000, 0.05, 0.01);
		assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, &c), MC_OK);
		cov0 += c.lo_pct <= 0.0 && 0.0 <= c.hi_pct;
		make_rounds(&r, b, 20, 5, 1300, 0.05, 0.01);
		assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, &c), MC_OK);
		cov30 += c.lo_pct <= 30.0 && 30.0 <= c.hi_pct;
	}
	print_message("rank interval over rounds: covers 0 in %d / %d, +30%% in %d / %d\n",
		      cov0, trials, cov30, trials);
	assert_true(cov0 >= trials * 95 / 100 && cov30 >= trials * 95 / 100);

	/* quiet rounds, one of a's three times as slow; b 30% slower. Of
	 * five rounds a side, the slow one makes 5 of the 25 differences,
	 * more than the 2 at each end that a 95% interval at 5 + 5 may leave
	 * out: with five units one aberrant round is a fifth of the evidence,
	 * and the interval says so (as the bootstrap's does, whose replicates
	 * draw that round three times). Of ten rounds a side, the 10 of 100
	 * differences it makes are fewer than the 23 left out at each end:
	 * the interval is where the other rounds put it. */
	for (int i = 0; i < 20; i++) {
		a[i] = 1000.0 * (1.0 + 0.002 * (i % 4)) * (i >= 8 && i < 12 ? 3.0 : 1.0);
		b[i] = 1300.0 * (1.0 + 0.002 * (i % 4));
	}
	assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, &c), MC_OK);
	print_message("one slow round of 5: change %+.1f%% CI [%+.1f%%, %+.1f%%] p %.3g\n",
		      c.change_pct, c.lo_pct, c.hi_pct, c.p);
	assert_true(fabs(c.change_pct - 30.0) < 1.0);
	assert_true(c.lo_pct < 0.0 && c.p > 0.05);
	{
		struct stats_boot_set sa = { a, 20, 5 }, sb = { b, 20, 5 };
		struct stats_interval iv;

		assert_int_equal(stats_ratio_ci(&sb, &sa, 0, &iv), MC_OK);
		assert_true(100.0 * (iv.lo - 1.0) < 0.0);
	}
	for (int i = 0; i < 20; i++) {
		a[i] = 1000.0 * (1.0 + 0.002 * (i % 2)) * (i >= 8 && i < 10 ? 3.0 : 1.0);
		b[i] = 1300.0 * (1.0 + 0.002 * (i % 2));
	}
	assert_int_equal(stats_change_by_rounds(a, 20, 10, b, 20, 10, &c), MC_OK);
	print_message("one slow round of 10: change %+.1f%% CI [%+.1f%%, %+.1f%%] p %.3g\n",
		      c.change_pct, c.lo_pct, c.hi_pct, c.p);
	assert_true(c.lo_pct > 29.0 && c.hi_pct < 31.0 && c.p < 0.01);
	for (int i = 8; i < 10; i++)
		a[i] /= 3.0;
	/* every round of b above every round of a: the exact p 2 / 252, and
	 * the test's floor */
	for (int i = 0; i < 20; i++)
		a[i] = 1000.0 * (1.0 + 0.002 * (i % 4));
	assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, &c), MC_OK);
	assert_true(fabs(c.p - 2.0 / 252) < 1e-12 && fabs(c.min_p - 2.0 / 252) < 1e-12);
	assert_true(c.rounds_a == 5 && c.rounds_b == 5);
	/* the same data the other way: the mirror interval */
	{
		struct stats_round_change m;

		assert_int_equal(stats_change_by_rounds(b, 20, 5, a, 20, 5, &m), MC_OK);
		assert_true(fabs(log1p(m.lo_pct / 100) + log1p(c.hi_pct / 100)) < 1e-12);
	}
	/* too few rounds (3 of them, or 3 samples in 5 rounds), bad values */
	assert_int_equal(stats_change_by_rounds(a, 20, 3, b, 20, 5, &c), MC_EINVAL);
	assert_int_equal(stats_change_by_rounds(a, 3, 5, b, 20, 5, &c), MC_EINVAL);
	a[2] = 0.0;
	assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, &c), MC_EINVAL);
	a[2] = NAN;
	assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, &c), MC_EINVAL);
	assert_int_equal(stats_change_by_rounds(a, 20, 5, b, 20, 5, NULL), MC_EINVAL);
}

/* The verdict takes the rounds as units when there are enough of them,
 * the samples and the bootstrap when not, and says which. */
static void test_verdict_units(void **state)
{
	struct rng r = { 77 };
	struct stats_change c;
	double a[20], b[20];

	(void)state;
	make_rounds(&r, a, 20, 5, 1000, 0.01, 0.005);
	make_rounds(&r, b, 20, 5, 1300, 0.01, 0.005);
	assert_int_equal(stats_change_verdict_rounds(a, 20, 5, b, 20, 5, NAN, NAN, 5, 0.05, &c),
			 MC_OK);
	assert_true(c.by_rounds && c.units_a == 5 && c.units_b == 5);
	assert_int_equal(c.verdict, STATS_SLOWER);
	assert_int_equal(stats_change_verdict_rounds(a, 20, 3, b, 20, 3, NAN, NAN, 5, 0.05, &c),
			 MC_OK);
	assert_true(!c.by_rounds && c.units_a == 20 && c.units_b == 20);
	assert_int_equal(c.verdict, STATS_SLOWER);
	assert_true(fabs(c.min_p - stats_mann_whitney_min_p(20, 20)) < 1e-15);
}

/* The verdict on synthetic pairs of runs: A/A pairs (the same code, rounds
 * drifting by 3%) are called slower or faster rarely; a 30% slowdown is
 * found nearly always, a 10% one often. */
static void test_aa_false_alarms(void **state)
{
	struct rng r = { 0xaa };
	double a[10], b[10];
	int alarms = 0, found10 = 0, found30 = 0;
	const int pairs = 300;

	(void)state;
	for (int t = 0; t < pairs; t++) {
		struct stats_change c;

		make_rounds(&r, a, 10, 5, 1000, 0.03, 0.01);
		make_rounds(&r, b, 10, 5, 1000, 0.03, 0.01);
		assert_int_equal(stats_change_verdict_rounds(a, 10, 5, b, 10, 5, NAN, NAN, 5,
							     0.05, &c), 0);
		alarms += c.verdict == STATS_SLOWER || c.verdict == STATS_FASTER;
		make_rounds(&r, b, 10, 5, 1100, 0.03, 0.01);
		assert_int_equal(stats_change_verdict_rounds(a, 10, 5, b, 10, 5, NAN, NAN, 5,
							     0.05, &c), 0);
		found10 += c.verdict == STATS_SLOWER;
		make_rounds(&r, b, 10, 5, 1300, 0.03, 0.01);
		assert_int_equal(stats_change_verdict_rounds(a, 10, 5, b, 10, 5, NAN, NAN, 5,
							     0.05, &c), 0);
		found30 += c.verdict == STATS_SLOWER;
	}
	print_message("A/A false alarms %d / %d; +10%% found %d, +30%% found %d\n", alarms,
		      pairs, found10, found30);
	assert_true(alarms <= pairs / 100);
	assert_true(found30 >= pairs * 9 / 10);
	assert_true(found10 >= pairs / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_of),
		cmocka_unit_test(test_ratio_ci),
		cmocka_unit_test(test_cluster_coverage),
		cmocka_unit_test(test_perm_p),
		cmocka_unit_test(test_mw_exact),
		cmocka_unit_test(test_round_medians),
		cmocka_unit_test(test_change_by_rounds),
		cmocka_unit_test(test_verdict_units),
		cmocka_unit_test(test_aa_false_alarms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
