/*
 * stats_perm.h - calibration of a change-point search by permutation.
 *
 * A binary segmentation picks, in a segment, the split that reduces the
 * L1 cost most. A rank test taken at that chosen split understates the
 * chance of a false alarm, since the search tried every split and kept
 * the best. The honest null distribution is that of the best reduction
 * itself over shuffles of the segment: if the segment has no change, its
 * order carries no information, and the observed best reduction is no
 * larger than that of a random order of the same values.
 *
 * Deterministic: STATS_PERM_N shuffles from a fixed seed (prng.h) and a
 * caller-chosen stream. Scratch memory is freed before return.
 */
#ifndef MC_STATS_PERM_H
#define MC_STATS_PERM_H
#include <stddef.h>
#include <stdint.h>

#define STATS_PERM_N 999          /* shuffles: p has a resolution of 1 / 1000 */

/* The permutation p-value of the best split of x[0..n) (splits leaving at
 * least min_seg points on each side): (1 + the number of shuffles whose
 * best L1-cost reduction is at least the observed one) / (STATS_PERM_N +
 * 1). A segment too short to split (n < 2 min_seg) gets p = 1. Returns 0;
 * MC_EINVAL for a value that is not finite, min_seg < 1 or a NULL
 * pointer; MC_ENOMEM. */
int stats_split_perm_p(const double *x, size_t n, size_t min_seg, uint64_t stream,
		       double *out_p);

#endif
