/*
 * test_stats_boot.c - unit tests of the cluster bootstrap (stats_boot.c),
 * the permutation calibration of change points (stats_perm.c), and the
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
		cmocka_unit_test(test_aa_false_alarms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
