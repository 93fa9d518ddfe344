/*
 * stats.c - robust statistics over timing samples (see stats.h).
 *
 * Summaries, the Mann-Whitney test, a bootstrap CI of a relative change of
 * the median, and change-point detection over a series of per-run medians.
 * Everything is deterministic: the bootstrap uses its own fixed-seed PRNG,
 * never rand() or global state.
 */
#include "stats.h"

#include "err.h"
#include "prng.h"
#include "stats_boot.h"
#include "stats_rounds.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STATS_CI_Z 1.959963984540054	/* two-sided 95% normal quantile */
#define STATS_CI_EXACT_MAX 1000		/* exact binomial up to this n */
#define STATS_MAD_SIGMA 1.4826		/* MAD -> sigma for normal noise */
#define STATS_CP_NOISE_K 4.0		/* shift must exceed this many sigmas */

/* ------------------------------------------------------------ helpers */

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

static void sort_doubles(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

static int all_finite(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

/* Median of sorted[0..n), n > 0. */
static double median_sorted(const double *sorted, size_t n)
{
	return 0.5 * (sorted[(n - 1) / 2] + sorted[n / 2]);
}

double stats_quantile_sorted(const double *sorted, size_t n, double p)
{
	double h, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	if (!(p > 0.0))		/* also catches NaN */
		p = 0.0;
	if (p > 1.0)
		p = 1.0;
	h = (double)(n - 1) * p;
	lo = (size_t)floor(h);
	if (lo >= n - 1)
		return sorted[n - 1];
	frac = h - (double)lo;
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/*
 * 1-based order statistics j, k = n + 1 - j bounding the median with >= 95%
 * coverage: j - 1 is the largest i with 2 P(Bin(n, 1/2) <= i) <= 0.05.
 * Returns 0 when no such j exists (n < 6).
 */
static size_t median_ci_lo_index(size_t n)
{
	if (n <= STATS_CI_EXACT_MAX) {
		/* 0.5^1000 ~ 9e-302 is still a normal double, so the plain
		 * recurrence on the pmf needs no logarithms here. */
		double pmf = pow(0.5, (double)n), cdf = 0.0;
		size_t j = 0;

		for (size_t i = 0; i <= n / 2; i++) {
			cdf += pmf;
			if (2.0 * cdf > 0.05)
				break;
			j = i + 1;
			pmf *= (double)(n - i) / (double)(i + 1);
		}
		return j;
	}
	/* Continuity-corrected normal approximation of the same rule. */
	double j = floor((double)n / 2.0 + 0.5 - STATS_CI_Z * sqrt((double)n) / 2.0);

	return j < 1.0 ? 0 : (size_t)j;
}

/* ------------------------------------------------------------ summary */

int stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
	double *v = NULL;
	double mean = 0.0, m2 = 0.0, iqr, in_lo, in_hi, out_lo, out_hi;
	size_t j;

	if (!x || !out || n == 0 || !all_finite(x, n))
		return MC_EINVAL;
	v = malloc(n * sizeof(*v));
	if (!v)
		return MC_ENOMEM;
	memcpy(v, x, n * sizeof(*v));
	sort_doubles(v, n);

	memset(out, 0, sizeof(*out));
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];

	/* Welford: no catastrophic cancellation for large, close values. */
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - mean;

		mean += d / (double)(i + 1);
		m2 += d * (x[i] - mean);
	}
	out->mean = mean;
	out->stddev = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0.0;

	out->median = median_sorted(v, n);
	out->q1 = stats_quantile_sorted(v, n, 0.25);
	out->q3 = stats_quantile_sorted(v, n, 0.75);

	j = median_ci_lo_index(n);
	if (j == 0) {
		out->ci_lo = v[0];
		out->ci_hi = v[n - 1];
	} else {
		out->ci_lo = v[j - 1];		/* x(j) */
		out->ci_hi = v[n - j];		/* x(n + 1 - j) */
	}

	iqr = out->q3 - out->q1;
	in_lo = out->q1 - 1.5 * iqr;
	in_hi = out->q3 + 1.5 * iqr;
	out_lo = out->q1 - 3.0 * iqr;
	out_hi = out->q3 + 3.0 * iqr;
	for (size_t i = 0; i < n; i++) {
		if (x[i] < out_lo || x[i] > out_hi)
			out->n_severe++;
		else if (x[i] < in_lo || x[i] > in_hi)
			out->n_mild++;
	}

	for (size_t i = 0; i < n; i++)
		v[i] = fabs(v[i] - out->median);
	sort_doubles(v, n);
	out->mad = median_sorted(v, n);

	free(v);
	return MC_OK;
}

/* ------------------------------------------------------------ Mann-Whitney */

struct ranked {
	double v;
	int from_a;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return (a->v > b->v) - (a->v < b->v);
}

double stats_normal_upper_quantile(double p)
{
	double lo = 0.0, hi = 40.0;

	if (!(p > 0.0 && p <= 0.5))
		return NAN;
	/* P(Z > z) = erfc(z / sqrt 2) / 2 falls from 0.5 at z = 0 to below
	 * the smallest double before z = 40. */
	while (hi - lo > 1e-12) {
		double mid = 0.5 * (lo + hi);

		if (0.5 * erfc(mid / sqrt(2.0)) > p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	struct ranked *r = NULL;
	size_t n = na + nb;
	double r_a = 0.0, ties = 0.0, u, mu, var, z, p, dn;

	if (na == 0 || nb == 0 || !a || !b)
		return 1.0;
	for (size_t i = 0; i < na; i++)
		if (isnan(a[i]))
			return NAN;
	for (size_t i = 0; i < nb; i++)
		if (isnan(b[i]))
			return NAN;
	r = malloc(n * sizeof(*r));
	if (!r)
		return NAN;
	for (size_t i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 1 };
	for (size_t i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 0 };
	qsort(r, n, sizeof(*r), cmp_ranked);

	/* Mid-ranks over runs of equal values [i, k). */
	for (size_t i = 0; i < n;) {
		size_t k = i + 1;
		double rank, t;

		while (k < n && r[k].v == r[i].v)
			k++;
		rank = 0.5 * ((double)(i + 1) + (double)k);
		for (size_t m = i; m < k; m++)
			if (r[m].from_a)
				r_a += rank;
		t = (double)(k - i);
		ties += t * t * t - t;
		i = k;
	}
	free(r);

	dn = (double)n;
	u = r_a - (double)na * ((double)na + 1.0) / 2.0;
	mu = (double)na * (double)nb / 2.0;
	var = (double)na * (double)nb / 12.0 * ((dn + 1.0) - ties / (dn * (dn - 1.0)));
	if (!(var > 0.0))
		return 1.0;	/* every value tied: no evidence either way */
	z = (fabs(u - mu) - 0.5) / sqrt(var);
	if (z < 0.0)
		z = 0.0;
	p = erfc(z / sqrt(2.0));
	if (p > 1.0)
		p = 1.0;
	if (p < 0.0)
		p = 0.0;
	return p;
}

/* ------------------------------------------------------------ bootstrap */

int stats_change_ci_rounds(const double *a, size_t na, int rounds_a, const double *b,
			   size_t nb, int rounds_b, double *out_pct, double *out_lo,
			   double *out_hi)
{
	struct stats_boot_set sa = { a, na, rounds_a }, sb = { b, nb, rounds_b };
	struct stats_interval iv;
	int rc;

	if (!out_pct || !out_lo || !out_hi)
		return MC_EINVAL;
	/* b over a: a is the baseline, so a value of a must be positive. */
	rc = stats_ratio_ci(&sb, &sa, 0, &iv);
	if (rc)
		return rc;
	*out_pct = 100.0 * (iv.point - 1.0);
	*out_lo = 100.0 * (iv.lo - 1.0);
	*out_hi = 100.0 * (iv.hi - 1.0);
	return MC_OK;
}

int stats_change_ci(const double *a, size_t na, const double *b, size_t nb,
		    double *out_pct, double *out_lo, double *out_hi)
{
	return stats_change_ci_rounds(a, na, 1, b, nb, 1, out_pct, out_lo, out_hi);
}

double stats_mann_whitney_min_p(size_t na, size_t nb)
{
	double log_c;

	if (na == 0 || nb == 0)
		return 1.0;
	/* Two-sided: the two most extreme of the C(na + nb, na) equally
	 * likely rank arrangements under the null hypothesis. */
	log_c = lgamma((double)(na + nb) + 1.0) - lgamma((double)na + 1.0) -
		lgamma((double)nb + 1.0);
	return log_c < log(2.0) ? 1.0 : 2.0 * exp(-log_c);
}

/* ------------------------------------------------------------ change points */

struct cp_work {
	const double *x;
	double min_effect;
	size_t min_seg;
	double *buf;		/* n: running sorted prefix/suffix */
	double *cost_l;		/* n + 1: L1 cost of x[s..s+len) by len */
	double *cost_r;		/* n + 1: L1 cost of x[e-len..e) by len */
	double *sl, *sr;	/* n each: sorted halves of the chosen split */
	double *dev;		/* n: pooled absolute deviations */
	size_t *stack;		/* 2n: pending segments [s, e) */
	size_t *found;		/* n: accepted split points */
	size_t n_found;
};

void stats_insert_sorted(double *sorted, size_t len, double v)
{
	size_t i = len;

	while (i > 0 && sorted[i - 1] > v) {
		sorted[i] = sorted[i - 1];
		i--;
	}
	sorted[i] = v;
}

double stats_l1_cost_sorted(const double *sorted, size_t len)
{
	double med = median_sorted(sorted, len), c = 0.0;

	for (size_t i = 0; i < len; i++)
		c += fabs(sorted[i] - med);
	return c;
}

/* Split t of [s, e) minimising the summed L1 cost of both halves. */
static size_t cp_best_split(struct cp_work *w, size_t s, size_t e)
{
	size_t m = e - s, ms = w->min_seg, best = s + ms;
	double best_cost = INFINITY;

	for (size_t len = 1; len <= m - ms; len++) {
		stats_insert_sorted(w->buf, len - 1, w->x[s + len - 1]);
		if (len >= ms)
			w->cost_l[len] = stats_l1_cost_sorted(w->buf, len);
	}
	for (size_t len = 1; len <= m - ms; len++) {
		stats_insert_sorted(w->buf, len - 1, w->x[e - len]);
		if (len >= ms)
			w->cost_r[len] = stats_l1_cost_sorted(w->buf, len);
	}
	for (size_t t = s + ms; t <= e - ms; t++) {
		double c = w->cost_l[t - s] + w->cost_r[e - t];

		if (c < best_cost) {
			best_cost = c;
			best = t;
		}
	}
	return best;
}

/* The acceptance rule documented at stats_changepoints() in stats.h. */
static int cp_accept(struct cp_work *w, size_t s, size_t t, size_t e)
{
	size_t nl = t - s, nr = e - t, nmin = nl < nr ? nl : nr;
	double med_l, med_r, d, delta, pmad, noise;

	memcpy(w->sl, w->x + s, nl * sizeof(double));
	memcpy(w->sr, w->x + t, nr * sizeof(double));
	sort_doubles(w->sl, nl);
	sort_doubles(w->sr, nr);
	med_l = median_sorted(w->sl, nl);
	med_r = median_sorted(w->sr, nr);
	d = med_r - med_l;
	if (d == 0.0)
		return 0;
	/* Inner medians: the middle values nearest the other segment, so
	 * that one outlier in a two-point segment cannot carry the shift. */
	if (d > 0.0)
		delta = w->sr[(nr - 1) / 2] - w->sl[nl / 2];
	else
		delta = w->sr[nr / 2] - w->sl[(nl - 1) / 2];
	if ((delta > 0.0) != (d > 0.0) || delta == 0.0)
		return 0;
	if (fabs(delta) < w->min_effect * fabs(med_l))
		return 0;

	for (size_t i = 0; i < nl; i++)
		w->dev[i] = fabs(w->sl[i] - med_l);
	for (size_t i = 0; i < nr; i++)
		w->dev[nl + i] = fabs(w->sr[i] - med_r);
	sort_doubles(w->dev, nl + nr);
	pmad = median_sorted(w->dev, nl + nr);
	noise = STATS_CP_NOISE_K * STATS_MAD_SIGMA * pmad / sqrt((double)nmin);
	return fabs(delta) > noise;
}

static int cmp_size(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;

	return (a > b) - (a < b);
}

int stats_changepoints(const double *x, size_t n, double min_effect, size_t min_seg,
		       size_t *out_idx, size_t max_out, size_t *out_n)
{
	struct cp_work w = { 0 };
	size_t depth = 0;
	int rc = MC_ENOMEM;

	if (!out_n || (max_out > 0 && !out_idx) || (n > 0 && !x) || min_seg < 2 ||
	    !isfinite(min_effect) || min_effect < 0.0 || !all_finite(x, n))
		return MC_EINVAL;
	*out_n = 0;
	if (n < 2 * min_seg)
		return MC_OK;

	w.x = x;
	w.min_effect = min_effect;
	w.min_seg = min_seg;
	w.buf = malloc(n * sizeof(double));
	w.cost_l = malloc((n + 1) * sizeof(double));
	w.cost_r = malloc((n + 1) * sizeof(double));
	w.sl = malloc(n * sizeof(double));
	w.sr = malloc(n * sizeof(double));
	w.dev = malloc(n * sizeof(double));
	/* Pending segments are disjoint and hold >= min_seg >= 2 points
	 * each, so n / 2 pairs (n entries) always suffice. */
	w.stack = malloc(n * sizeof(size_t));
	w.found = malloc(n * sizeof(size_t));
	if (!w.buf || !w.cost_l || !w.cost_r || !w.sl || !w.sr || !w.dev ||
	    !w.stack || !w.found)
		goto out;

	w.stack[depth++] = 0;
	w.stack[depth++] = n;
	while (depth > 0) {
		size_t e = w.stack[--depth], s = w.stack[--depth], t;

		if (e - s < 2 * min_seg)
			continue;
		t = cp_best_split(&w, s, e);
		if (!cp_accept(&w, s, t, e))
			continue;
		w.found[w.n_found++] = t;
		w.stack[depth++] = s;
		w.stack[depth++] = t;
		w.stack[depth++] = t;
		w.stack[depth++] = e;
	}

	qsort(w.found, w.n_found, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < w.n_found && i < max_out; i++)
		out_idx[i] = w.found[i];
	*out_n = w.n_found;
	rc = MC_OK;
out:
	free(w.found);
	free(w.stack);
	free(w.dev);
	free(w.sr);
	free(w.sl);
	free(w.cost_r);
	free(w.cost_l);
	free(w.buf);
	return rc;
}

/* ------------------------------------------------------------ medians */

double stats_median_inplace(double *x, size_t n)
{
	if (n == 0)
		return NAN;
	sort_doubles(x, n);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

void stats_median_mad(double *x, size_t n, double *out_median, double *out_mad)
{
	*out_median = stats_median_inplace(x, n);
	for (size_t i = 0; i < n; i++)
		x[i] = fabs(x[i] - *out_median);
	*out_mad = stats_median_inplace(x, n);
}

int stats_segment_levels(const double *x, size_t n, const size_t *idx, size_t n_idx,
			 size_t k, double *out_before, double *out_after)
{
	size_t t, s, e;
	double *seg;

	if (!x || !idx || k >= n_idx || !out_before || !out_after)
		return MC_EINVAL;
	t = idx[k];
	s = k ? idx[k - 1] : 0;
	e = k + 1 < n_idx ? idx[k + 1] : n;
	if (!(s < t && t < e && e <= n))
		return MC_EINVAL;
	seg = malloc((e - s) * sizeof(*seg));
	if (!seg)
		return MC_ENOMEM;
	memcpy(seg, x + s, (t - s) * sizeof(*seg));
	*out_before = stats_median_inplace(seg, t - s);
	memcpy(seg, x + t, (e - t) * sizeof(*seg));
	*out_after = stats_median_inplace(seg, e - t);
	free(seg);
	return MC_OK;
}

/* ------------------------------------------------------------ verdicts */

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case STATS_FASTER:
		return "faster";
	case STATS_SLOWER:
		return "slower";
	case STATS_INCONCLUSIVE:
		return "inconclusive";
	case STATS_UNCHANGED:
		break;
	}
	return "unchanged";
}

/* The verdict rules' common frame: inconclusive when the rank test cannot
 * reach alpha or there is no CI; slower or faster as the caller's rule
 * says (each needing p < alpha); unchanged when the CI lies inside
 * (-floor, floor); else inconclusive. */
static enum stats_verdict verdict_frame(const struct stats_change *c, double floor_pct,
					double alpha, int slower, int faster)
{
	/* No test at these sample counts can reach alpha: asking it anyway
	 * would call every difference "not significant". */
	if (!(c->min_p < alpha))
		return STATS_INCONCLUSIVE;
	if (!isfinite(c->ci_lo_pct) || !isfinite(c->ci_hi_pct))
		return STATS_INCONCLUSIVE;
	if (c->p < alpha && slower)
		return STATS_SLOWER;
	if (c->p < alpha && faster)
		return STATS_FASTER;
	if (c->ci_lo_pct > -floor_pct && c->ci_hi_pct < floor_pct)
		return STATS_UNCHANGED;
	return STATS_INCONCLUSIVE;
}

enum stats_verdict stats_verdict(const struct stats_change *c, double floor_pct,
				 double alpha)
{
	return verdict_frame(c, floor_pct, alpha, c->ci_lo_pct >= floor_pct,
			     c->ci_hi_pct <= -floor_pct);
}

int stats_change_verdict_rounds(const double *a, size_t na, int rounds_a, const double *b,
				size_t nb, int rounds_b, double median_a_ns,
				double median_b_ns, double threshold_pct, double alpha,
				struct stats_change *out)
{
	struct stats_round_change rch;
	double pct, lo, hi;
	int rc;

	if (!out)
		return MC_EINVAL;
	if (!(threshold_pct > 0))
		threshold_pct = STATS_THRESHOLD_PCT;
	if (!(alpha > 0))
		alpha = STATS_ALPHA;
	out->ci_lo_pct = out->ci_hi_pct = out->p = NAN;
	out->min_p = stats_mann_whitney_min_p(na, nb);
	out->verdict = STATS_INCONCLUSIVE;
	out->by_rounds = 0;
	out->units_a = na;
	out->units_b = nb;
	rc = stats_change_by_rounds(a, na, rounds_a, b, nb, rounds_b, &rch);
	if (rc == MC_ENOMEM)
		return rc;
	if (rc == MC_OK) {
		out->change_pct = rch.change_pct;
		out->ci_lo_pct = rch.lo_pct;
		out->ci_hi_pct = rch.hi_pct;
		out->p = rch.p;
		out->min_p = rch.min_p;
		out->by_rounds = 1;
		out->units_a = rch.rounds_a;
		out->units_b = rch.rounds_b;
		out->verdict = stats_verdict(out, threshold_pct, alpha);
		return MC_OK;
	}
	/* Too few rounds for round-level evidence: the samples, the bootstrap. */
	rc = na && nb ? stats_change_ci_rounds(a, na, rounds_a, b, nb, rounds_b, &pct, &lo,
					       &hi)
		      : MC_EINVAL;
	if (rc == MC_ENOMEM)
		return rc;
	if (rc) {
		/* No usable samples: a change, but no evidence for a verdict. */
		out->change_pct = median_a_ns > 0 && isfinite(median_b_ns)
			? 100.0 * (median_b_ns / median_a_ns - 1.0) : NAN;
		return MC_OK;
	}
	out->change_pct = pct;
	out->ci_lo_pct = lo;
	out->ci_hi_pct = hi;
	/* The values are finite (stats_change_ci checked): NaN is memory. */
	out->p = stats_mann_whitney_p(a, na, b, nb);
	if (isnan(out->p))
		return MC_ENOMEM;
	out->verdict = stats_verdict(out, threshold_pct, alpha);
	return MC_OK;
}

int stats_change_verdict(const double *a, size_t na, const double *b, size_t nb,
			 double median_a_ns, double median_b_ns,
			 double threshold_pct, double alpha, struct stats_change *out)
{
	return stats_change_verdict_rounds(a, na, 1, b, nb, 1, median_a_ns, median_b_ns,
					   threshold_pct, alpha, out);
}

double stats_noise_k(double alpha, size_t n_results)
{
	/* The verdicts gate CI as one test ("anything slower?"), so the floor
	 * controls the chance of a false alarm among all n results, not per
	 * result: a fixed 3 sigma over 168 results would raise one about every
	 * other comparison of pure Gaussian noise. */
	double k = n_results ? stats_normal_upper_quantile(alpha / (2.0 * (double)n_results))
			     : NAN;

	return k >= STATS_NOISE_K_MIN ? k : STATS_NOISE_K_MIN;
}

double stats_noise_floor(double threshold_pct, double k, size_t n, double mad_pct)
{
	if (n >= STATS_NOISE_MIN_N && k * STATS_MAD_SIGMA * mad_pct > threshold_pct)
		return k * STATS_MAD_SIGMA * mad_pct;
	return threshold_pct;
}

double stats_history_sd_pct(const double *med, size_t n)
{
	double ch[STATS_HIST_MAX_RUNS], m, mad;
	size_t k = 0, i0 = n > STATS_HIST_MAX_RUNS ? n - STATS_HIST_MAX_RUNS : 0;

	for (size_t i = i0 + 1; i < n; i++)
		if (med[i - 1] > 0 && isfinite(med[i - 1]) && isfinite(med[i]))
			ch[k++] = 100.0 * (med[i] / med[i - 1] - 1.0);
	if (k < STATS_HIST_MIN_CHANGES)
		return NAN;
	stats_median_mad(ch, k, &m, &mad);
	return STATS_MAD_SIGMA * mad;
}

enum stats_verdict stats_verdict_history(const struct stats_change *c, double floor_pct,
					 double threshold_pct, double alpha)
{
	return verdict_frame(c, floor_pct, alpha,
			     c->change_pct >= floor_pct && c->ci_lo_pct >= threshold_pct,
			     c->change_pct <= -floor_pct && c->ci_hi_pct <= -threshold_pct);
}
