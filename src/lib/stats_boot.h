/*
 * stats_boot.h - intervals of medians and of ratios of medians by a
 * two-stage cluster bootstrap over interleaved rounds.
 *
 * A result's samples are taken in rounds (runner.h, db/migrations/
 * 0002_rounds.sql): round k of R holds the samples with
 * floor(k*n/R) <= idx < floor((k+1)*n/R), R = min(rounds, n). Samples of
 * one round are milliseconds apart and share the state of the machine, so
 * they are not independent; the rounds, spread over the whole run, are
 * closer to it. Each bootstrap replicate therefore draws R rounds with
 * replacement, then, within each round drawn, as many samples as it holds
 * with replacement (Davison & Hinkley 1997, section 3.8: the two-stage
 * scheme, which keeps the within-round spread when R is small and
 * degenerates to the ordinary bootstrap for R = 1).
 *
 * Everything is deterministic: STATS_BOOT_N replicates from a fixed seed
 * (prng.h) and a caller-chosen stream number, so a render or a comparison
 * of the same data gives the same interval on every run and platform.
 * Scratch memory is allocated and freed before return.
 */
#ifndef MC_STATS_BOOT_H
#define MC_STATS_BOOT_H
#include <stddef.h>
#include <stdint.h>

#define STATS_BOOT_N 2000            /* bootstrap replicates */
#define STATS_BOOT_LEVEL 0.95        /* two-sided coverage of every interval */

/* One result's raw samples, in the order taken, and the rounds of its run
 * (<= 1: one round). Borrowed, never freed here. */
struct stats_boot_set {
	const double *x;
	size_t n;
	int rounds;
};

/* A point estimate and its STATS_BOOT_LEVEL percentile interval. */
struct stats_interval {
	double point, lo, hi;
};

/* The 0-based round of sample idx of n in a run of `rounds` rounds. */
size_t stats_round_of(size_t idx, size_t n, int rounds);

/* STATS_BOOT_N replicate medians of s into out[0..STATS_BOOT_N), from
 * stream `stream`. Returns 0; MC_EINVAL when s is empty, holds a value that
 * is not finite, or out is NULL; MC_ENOMEM. */
int stats_boot_medians(const struct stats_boot_set *s, uint64_t stream, double *out);

/* median(a) / median(b) and its interval: the percentiles of the replicate
 * ratios, a and b resampled independently (a from stream 2*stream, b from
 * 2*stream + 1). Errors as stats_boot_medians; MC_EINVAL also when a value
 * of b is <= 0. */
int stats_ratio_ci(const struct stats_boot_set *a, const struct stats_boot_set *b,
		   uint64_t stream, struct stats_interval *out);

/* The geometric mean of the ratios median(a[i]) / median(b[i]) over i in
 * [0, k) and its interval: replicate r of the mean is the geometric mean
 * of the k replicates r, pair i resampled from stream i (independent
 * benchmarks, independent resamples). Errors as stats_ratio_ci, MC_EINVAL
 * for k == 0. */
int stats_ratio_geomean_ci(const struct stats_boot_set *a, const struct stats_boot_set *b,
			   size_t k, struct stats_interval *out);

/* The median of s and its interval (replicate medians, stream 0). */
int stats_median_boot_ci(const struct stats_boot_set *s, struct stats_interval *out);

#endif
