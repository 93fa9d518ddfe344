/*
 * stats_boot.c - the two-stage cluster bootstrap of medians and ratios of
 * medians (stats_boot.h).
 */
#include "stats_boot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "prng.h"

#define STATS_BOOT_SEED 0x6d63626f6f743031ULL	/* any fixed value will do */

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Type-7 quantile of sorted[0..n), n > 0. */
static double quantile_sorted(const double *sorted, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t lo = (size_t)floor(h);

	if (lo >= n - 1)
		return sorted[n - 1];
	return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

static double median_of(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return 0.5 * (v[(n - 1) / 2] + v[n / 2]);
}

/* Sorts reps[0..STATS_BOOT_N) and sets out's bounds from its percentiles. */
static void interval_of(double *reps, struct stats_interval *out)
{
	double tail = (1.0 - STATS_BOOT_LEVEL) / 2.0;

	qsort(reps, STATS_BOOT_N, sizeof(*reps), cmp_double);
	out->lo = quantile_sorted(reps, STATS_BOOT_N, tail);
	out->hi = quantile_sorted(reps, STATS_BOOT_N, 1.0 - tail);
}

static size_t n_rounds(size_t n, int rounds)
{
	size_t r = rounds > 1 ? (size_t)rounds : 1;

	return r < n ? r : n;
}

size_t stats_round_of(size_t idx, size_t n, int rounds)
{
	size_t r = n_rounds(n, rounds);

	/* The largest k with floor(k n / R) <= idx. */
	return n ? ((idx + 1) * r - 1) / n : 0;
}

static int set_ok(const struct stats_boot_set *s)
{
	if (!s || !s->x || s->n == 0)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (!isfinite(s->x[i]))
			return 0;
	return 1;
}

int stats_boot_medians(const struct stats_boot_set *s, uint64_t stream, double *out)
{
	size_t r, *start = NULL;
	double *buf = NULL;
	struct prng g;

	if (!set_ok(s) || !out)
		return MC_EINVAL;
	r = n_rounds(s->n, s->rounds);
	start = malloc((r + 1) * sizeof(*start));
	/* R rounds of at most ceil(n / R) samples each. */
	buf = malloc((s->n + r) * sizeof(*buf));
	if (!start || !buf) {
		free(start);
		free(buf);
		return MC_ENOMEM;
	}
	for (size_t k = 0; k <= r; k++)
		start[k] = k * s->n / r;
	prng_seed(&g, STATS_BOOT_SEED ^ (stream * 0x9e3779b97f4a7c15ULL));
	for (size_t b = 0; b < STATS_BOOT_N; b++) {
		size_t m = 0;

		for (size_t k = 0; k < r; k++) {
			size_t c = prng_index(&g, r), len = start[c + 1] - start[c];

			for (size_t j = 0; j < len; j++)
				buf[m++] = s->x[start[c] + prng_index(&g, len)];
		}
		out[b] = median_of(buf, m);
	}
	free(buf);
	free(start);
	return MC_OK;
}

/* The median of s (a sorted copy). */
static int point_median(const struct stats_boot_set *s, double *out)
{
	double *v = malloc(s->n * sizeof(*v));

	if (!v)
		return MC_ENOMEM;
	memcpy(v, s->x, s->n * sizeof(*v));
	*out = median_of(v, s->n);
	free(v);
	return MC_OK;
}

static int positive(const struct stats_boot_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (!(s->x[i] > 0.0))
			return 0;
	return 1;
}

/* Adds log(median*(a) / median*(b)) of every replicate to acc, and the
 * point log ratio to *point_log. */
static int add_log_ratios(const struct stats_boot_set *a, const struct stats_boot_set *b,
			  uint64_t stream, double *acc, double *point_log, double *scratch_a,
			  double *scratch_b)
{
	double ma, mb;
	int rc;

	if (!set_ok(a) || !set_ok(b) || !positive(b) || !positive(a))
		return MC_EINVAL;
	if ((rc = stats_boot_medians(a, 2 * stream, scratch_a)) ||
	    (rc = stats_boot_medians(b, 2 * stream + 1, scratch_b)) ||
	    (rc = point_median(a, &ma)) || (rc = point_median(b, &mb)))
		return rc;
	for (size_t i = 0; i < STATS_BOOT_N; i++)
		acc[i] += log(scratch_a[i] / scratch_b[i]);
	*point_log += log(ma / mb);
	return MC_OK;
}

int stats_ratio_geomean_ci(const struct stats_boot_set *a, const struct stats_boot_set *b,
			   size_t k, struct stats_interval *out)
{
	double *acc = NULL, *sa = NULL, *sb = NULL, point = 0.0;
	int rc = MC_ENOMEM;

	if (!a || !b || !out || k == 0)
		return MC_EINVAL;
	acc = calloc(STATS_BOOT_N, sizeof(*acc));
	sa = malloc(STATS_BOOT_N * sizeof(*sa));
	sb = malloc(STATS_BOOT_N * sizeof(*sb));
	if (!acc || !sa || !sb)
		goto out;
	for (size_t i = 0; i < k; i++)
		if ((rc = add_log_ratios(&a[i], &b[i], i, acc, &point, sa, sb)) != 0)
			goto out;
	for (size_t i = 0; i < STATS_BOOT_N; i++)
		acc[i] = exp(acc[i] / (double)k);
	interval_of(acc, out);
	out->point = exp(point / (double)k);
	rc = MC_OK;
out:
	free(sb);
	free(sa);
	free(acc);
	return rc;
}

int stats_ratio_ci(const struct stats_boot_set *a, const struct stats_boot_set *b,
		   uint64_t stream, struct stats_interval *out)
{
	double *acc = NULL, *sa = NULL, *sb = NULL, point = 0.0;
	int rc = MC_ENOMEM;

	if (!a || !b || !out)
		return MC_EINVAL;
	acc = calloc(STATS_BOOT_N, sizeof(*acc));
	sa = malloc(STATS_BOOT_N * sizeof(*sa));
	sb = malloc(STATS_BOOT_N * sizeof(*sb));
	if (!acc || !sa || !sb)
		goto out;
	if ((rc = add_log_ratios(a, b, stream, acc, &point, sa, sb)) != 0)
		goto out;
	for (size_t i = 0; i < STATS_BOOT_N; i++)
		acc[i] = exp(acc[i]);
	interval_of(acc, out);
	out->point = exp(point);
	rc = MC_OK;
out:
	free(sb);
	free(sa);
	free(acc);
	return rc;
}

int stats_median_boot_ci(const struct stats_boot_set *s, struct stats_interval *out)
{
	double *reps;
	int rc;

	if (!out || !set_ok(s))
		return MC_EINVAL;
	reps = malloc(STATS_BOOT_N * sizeof(*reps));
	if (!reps)
		return MC_ENOMEM;
	rc = stats_boot_medians(s, 0, reps);
	if (!rc)
		rc = point_median(s, &out->point);
	if (!rc)
		interval_of(reps, out);
	free(reps);
	return rc;
}
