/*
 * stats_perm.c - permutation p-value of the best split of a segment
 * (stats_perm.h).
 */
#include "stats_perm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "prng.h"
#include "stats.h"

#define STATS_PERM_SEED 0x6d637065726d3031ULL	/* any fixed value will do */

struct perm_work {
	double *buf;      /* running sorted prefix or suffix */
	double *cost_l;   /* n + 1: L1 cost of the first len values */
	double *cost_r;   /* n + 1: L1 cost of the last len values */
};

/* The cost of x[0..n) unsplit minus the least cost of a split. */
static double best_reduction(struct perm_work *w, const double *x, size_t n, size_t ms)
{
	double best = INFINITY;

	for (size_t len = 1; len <= n; len++) {
		stats_insert_sorted(w->buf, len - 1, x[len - 1]);
		w->cost_l[len] = stats_l1_cost_sorted(w->buf, len);
	}
	for (size_t len = 1; len <= n - ms; len++) {
		stats_insert_sorted(w->buf, len - 1, x[n - len]);
		w->cost_r[len] = stats_l1_cost_sorted(w->buf, len);
	}
	for (size_t t = ms; t <= n - ms; t++) {
		double c = w->cost_l[t] + w->cost_r[n - t];

		if (c < best)
			best = c;
	}
	return w->cost_l[n] - best;
}

int stats_split_perm_p(const double *x, size_t n, size_t min_seg, uint64_t stream,
		       double *out_p)
{
	struct perm_work w = { 0 };
	double *y = NULL, obs, tol;
	size_t hits = 0;
	struct prng g;
	int rc = MC_ENOMEM;

	if (!out_p || min_seg < 1 || (n && !x))
		return MC_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return MC_EINVAL;
	*out_p = 1.0;
	if (n < 2 * min_seg)
		return MC_OK;
	y = malloc(n * sizeof(*y));
	w.buf = malloc(n * sizeof(double));
	w.cost_l = malloc((n + 1) * sizeof(double));
	w.cost_r = malloc((n + 1) * sizeof(double));
	if (!y || !w.buf || !w.cost_l || !w.cost_r)
		goto out;
	obs = best_reduction(&w, x, n, min_seg);
	/* Equal reductions reached through other float sums count as ties. */
	tol = 1e-12 * (fabs(obs) + 1e-300);
	memcpy(y, x, n * sizeof(*y));
	prng_seed(&g, STATS_PERM_SEED ^ (stream * 0x9e3779b97f4a7c15ULL));
	for (size_t p = 0; p < STATS_PERM_N; p++) {
		/* Fisher-Yates, continuing from the previous shuffle. */
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = prng_index(&g, i + 1);
			double t = y[i];

			y[i] = y[j];
			y[j] = t;
		}
		if (best_reduction(&w, y, n, min_seg) >= obs - tol)
			hits++;
	}
	*out_p = (double)(1 + hits) / (double)(STATS_PERM_N + 1);
	rc = MC_OK;
out:
	free(w.cost_r);
	free(w.cost_l);
	free(w.buf);
	free(y);
	return rc;
}
