/*
 * stats_rounds.c - the change between two runs with the round as the unit
 * of evidence (stats_rounds.h).
 */
#include "stats_rounds.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stats.h"
#include "stats_boot.h"

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* The counts of U = 0 .. m n over all C(m + n, m) orders of m a's and n
 * b's, into a fresh array of m n + 1 (the caller frees it). The largest
 * of m' + n' values is an a above all n' b's (adding n' to U) or a b
 * (adding 0): f(m', n', u) = f(m' - 1, n', u - n') + f(m', n' - 1, u).
 * Sums only, so the counts stay exact in doubles far beyond the sizes
 * allowed here. */
static double *mw_counts(size_t m, size_t n)
{
	size_t w = m * n + 1;
	double *f = calloc((m + 1) * w, sizeof(*f)), *out;

	if (!f)
		return NULL;
	for (size_t i = 0; i <= m; i++)
		f[i * w] = 1.0;	/* n' = 0: U is 0 */
	for (size_t j = 1; j <= n; j++)
		for (size_t i = 1; i <= m; i++)
			for (size_t u = i * j + 1; u-- > j;)
				f[i * w + u] += f[(i - 1) * w + u - j];
	out = malloc(w * sizeof(*out));
	if (out)
		memcpy(out, f + m * w, w * sizeof(*out));
	free(f);
	return out;
}

/* P(U <= u) for u = 0 .. m n into a fresh array (the caller frees it). */
static double *mw_cdf(size_t m, size_t n)
{
	double *c = mw_counts(m, n), total = 0.0, run = 0.0;

	if (!c)
		return NULL;
	for (size_t v = 0; v <= m * n; v++)
		total += c[v];
	for (size_t v = 0; v <= m * n; v++) {
		run += c[v];
		c[v] = run / total;
	}
	return c;
}

double stats_mw_exact_cdf(size_t m, size_t n, long u)
{
	double *c, p;

	if (m == 0 || n == 0 || m > STATS_ROUNDS_MAX_EXACT || n > STATS_ROUNDS_MAX_EXACT)
		return NAN;
	if (u < 0)
		return 0.0;
	if ((size_t)u >= m * n)
		return 1.0;
	if (!(c = mw_cdf(m, n)))
		return NAN;
	p = c[u];
	free(c);
	return p;
}

size_t stats_mw_interval_index(size_t m, size_t n, double tail)
{
	size_t c = 0;
	double *cdf;

	if (m == 0 || n == 0)
		return 0;
	if (m > STATS_ROUNDS_MAX_EXACT || n > STATS_ROUNDS_MAX_EXACT) {
		/* The normal approximation of U, far from where it is poor. */
		double mu = (double)m * (double)n / 2.0;
		double sd = sqrt((double)m * (double)n * (double)(m + n + 1) / 12.0);
		double k = floor(mu - stats_normal_upper_quantile(tail) * sd);

		return k >= 1.0 ? (size_t)k : 0;
	}
	if (!(cdf = mw_cdf(m, n)))
		return 0;
	/* P(U <= c) grows with c: the largest C - 1 = c still within tail. */
	while (c < m * n && cdf[c] <= tail)
		c++;
	free(cdf);
	return c;
}

size_t stats_round_medians(const double *x, size_t n, int rounds, double *out)
{
	size_t r = rounds > 1 ? (size_t)rounds : 1;
	double *v;

	if (!x || !out || n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	if (r > n)
		r = n;
	if (!(v = malloc(n * sizeof(*v))))
		return 0;
	/* Round k holds [floor(k n / R), floor((k + 1) n / R)): stats_boot.h. */
	for (size_t k = 0; k < r; k++) {
		size_t s = k * n / r, e = (k + 1) * n / r;

		memcpy(v, x + s, (e - s) * sizeof(*v));
		out[k] = stats_median_inplace(v, e - s);
	}
	free(v);
	return r;
}

/* Two-sided p of the round medians: exact when no two are equal, else
 * the normal approximation with its tie correction. */
static double rounds_p(const double *la, size_t ra, const double *lb, size_t rb)
{
	size_t below = 0, ties = 0;
	double lo;

	for (size_t i = 0; i < ra; i++)
		for (size_t j = 0; j < rb; j++) {
			below += lb[j] < la[i];
			ties += lb[j] == la[i];
		}
	if (ties || ra > STATS_ROUNDS_MAX_EXACT || rb > STATS_ROUNDS_MAX_EXACT)
		return stats_mann_whitney_p(la, ra, lb, rb);
	if (below > ra * rb - below)
		below = ra * rb - below;
	lo = stats_mw_exact_cdf(ra, rb, (long)below);
	return lo < 0.5 ? 2.0 * lo : 1.0;
}

/* The log medians of the rounds of x into a fresh array *out (the caller
 * frees it) and their count *out_r. MC_EINVAL when a value is not finite
 * or not > 0; MC_ENOMEM. */
static int log_round_medians(const double *x, size_t n, int rounds, double **out,
			     size_t *out_r)
{
	size_t r = rounds > 1 ? (size_t)rounds : 1;
	double *m;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0.0) || !isfinite(x[i]))
			return MC_EINVAL;	/* a relative change needs times */
	if (!(m = malloc((r < n ? r : n) * sizeof(*m))))
		return MC_ENOMEM;
	r = stats_round_medians(x, n, rounds, m);
	for (size_t k = 0; k < r; k++)
		m[k] = log(m[k]);
	if (r == 0) {
		free(m);
		return MC_EINVAL;
	}
	*out = m;
	*out_r = r;
	return MC_OK;
}

static double pooled_median(const double *x, size_t n, double *scratch)
{
	memcpy(scratch, x, n * sizeof(*scratch));
	return stats_median_inplace(scratch, n);
}

int stats_change_by_rounds(const double *a, size_t na, int rounds_a, const double *b,
			   size_t nb, int rounds_b, struct stats_round_change *out)
{
	double *la = NULL, *lb = NULL, *d = NULL;
	size_t ra, rb, c, nd;
	int rc = MC_EINVAL;

	if (!out || !a || !b || na == 0 || nb == 0)
		return MC_EINVAL;
	if ((rc = log_round_medians(a, na, rounds_a, &la, &ra)) != 0 ||
	    (rc = log_round_medians(b, nb, rounds_b, &lb, &rb)) != 0)
		goto out;
	rc = MC_EINVAL;
	c = stats_mw_interval_index(ra, rb, (1.0 - STATS_BOOT_LEVEL) / 2.0);
	if (ra < STATS_ROUNDS_MIN || rb < STATS_ROUNDS_MIN || c == 0)
		goto out;
	/* d holds the pairwise differences, then each side's pooled copy. */
	nd = ra * rb > na ? ra * rb : na;
	if (!(d = malloc((nd > nb ? nd : nb) * sizeof(*d)))) {
		rc = MC_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ra; i++)
		for (size_t j = 0; j < rb; j++)
			d[i * rb + j] = lb[j] - la[i];
	qsort(d, ra * rb, sizeof(*d), cmp_double);
	out->lo_pct = 100.0 * (exp(d[c - 1]) - 1.0);
	out->hi_pct = 100.0 * (exp(d[ra * rb - c]) - 1.0);
	out->change_pct = 100.0 * (pooled_median(b, nb, d) / pooled_median(a, na, d) - 1.0);
	out->p = rounds_p(la, ra, lb, rb);
	out->min_p = stats_mann_whitney_min_p(ra, rb);
	out->rounds_a = ra;
	out->rounds_b = rb;
	rc = isnan(out->p) ? MC_ENOMEM : MC_OK;
out:
	free(d);
	free(lb);
	free(la);
	return rc;
}
