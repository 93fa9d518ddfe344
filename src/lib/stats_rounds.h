/*
 * stats_rounds.h - the change between two runs with the round as the
 * unit of evidence.
 *
 * A result's samples are taken in rounds spread over the run (stats_boot.h
 * says how a run's n samples split into R rounds). Samples of one round
 * are milliseconds apart and share the machine's state, so a test that
 * counts them as independent is too sure of itself; the rounds are the
 * units that are closer to independent. Their medians are the data here:
 *   the interval: the shift of the log round medians, b against a, by
 *     inverting the exact Mann-Whitney test (the Hodges-Lehmann interval:
 *     order statistics C and Ra*Rb + 1 - C of the Ra*Rb pairwise
 *     differences, C from the exact null distribution of U). It is
 *     distribution-free and needs only that the rounds of a run be
 *     exchangeable; unlike a bootstrap over five rounds, it cannot put
 *     the whole interval on one round drawn three times;
 *   the test: Mann-Whitney over the round medians.
 * A relative change is a shift of logarithms, so both work on log values.
 *
 * Pure functions; scratch memory is allocated and freed before return.
 */
#ifndef MC_STATS_ROUNDS_H
#define MC_STATS_ROUNDS_H
#include <stddef.h>

/* Rounds a side needs: with 3 against 3 (or 3 against any number up to
 * 4) no interval at 95% exists (P(U = 0) = 1 / C(6, 3) = 0.05). */
#define STATS_ROUNDS_MIN 4

/* The exact null distribution of Mann-Whitney's U for m against n values
 * without ties: P(U <= u). 1 for u >= m * n, 0 for u < 0 (NaN for m or n
 * of 0 or above STATS_ROUNDS_MAX_EXACT: its table would hold (m + 1) x
 * (m n + 1) counts). */
#define STATS_ROUNDS_MAX_EXACT 64
double stats_mw_exact_cdf(size_t m, size_t n, long u);

/* The interval's order-statistic index: the largest C >= 1 with
 * P(U <= C - 1) <= tail, so that [d(C), d(m n + 1 - C)] of the sorted
 * pairwise differences covers the shift with probability at least
 * 1 - 2 tail. 0 when none exists (too few values) or memory runs out.
 * Above STATS_ROUNDS_MAX_EXACT values a side, from the normal
 * approximation of U. */
size_t stats_mw_interval_index(size_t m, size_t n, double tail);

/* The medians of the rounds of x[0..n) taken in `rounds` rounds, into
 * out[0..R) with R = min(max(rounds, 1), n) (the caller owns room for R).
 * Returns R; 0 when n is 0, x or out is NULL, or a value is not finite. */
size_t stats_round_medians(const double *x, size_t n, int rounds, double *out);

/* The change from a (before) to b (after) with the round as unit. The
 * point is the change of the pooled medians, 100 * (median(b) / median(a)
 * - 1), as every table shows it; [lo, hi] the STATS_BOOT_LEVEL rank
 * interval above of the same change in percent (exp of the log shift);
 * p the two-sided Mann-Whitney p of the round medians (normal
 * approximation with continuity correction, stats_mann_whitney_p);
 * min_p the smallest p that test can reach at these round counts.
 * Returns 0; MC_EINVAL when either side has fewer than STATS_ROUNDS_MIN
 * rounds (the caller then has no round-level evidence), a value is not
 * finite or not > 0, or an output is NULL; MC_ENOMEM. */
struct stats_round_change {
	double change_pct, lo_pct, hi_pct, p, min_p;
	size_t rounds_a, rounds_b;
};
int stats_change_by_rounds(const double *a, size_t na, int rounds_a, const double *b,
			   size_t nb, int rounds_b, struct stats_round_change *out);

#endif
