/*
 * render_ci.c - the uncertainty of what the document states: the 95%
 * interval of a ratio of two results' medians, from their raw samples and
 * the rounds of their runs (stats_boot.h), and its wording. Helpers below
 * the directives, like render_util.c.
 */
#include "render_util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

int render_boot_set(struct render *r, const struct render_col *c,
		    const struct store_result *res, struct stats_boot_set *out)
{
	const double *x = NULL;
	size_t n = 0;
	int rc;

	out->x = NULL;
	out->n = 0;
	out->rounds = c->run ? c->run->rounds : 1;
	if (!res || strcmp(res->status, "ok") != 0)
		return 0;
	if (res->rounds >= 1)        /* cut to fewer by a budget (store.h) */
		out->rounds = res->rounds;
	if ((rc = store_report_samples(r->rp, res->id, &x, &n, r->err, r->n_err)) != 0)
		return rc;
	out->x = x;
	out->n = n;
	return 0;
}

int render_ratio_interval(struct render *r, const struct render_col *ca,
			  const struct store_result *ra, const struct render_col *cb,
			  const struct store_result *rb, struct stats_interval *out)
{
	struct stats_boot_set sa, sb;
	int rc;

	out->point = render_value(ra, NULL, RENDER_TIME) / render_value(rb, NULL, RENDER_TIME);
	out->lo = out->hi = NAN;
	if ((rc = render_boot_set(r, ca, ra, &sa)) || (rc = render_boot_set(r, cb, rb, &sb)))
		return rc;
	if (!sa.n || !sb.n) {
		/* Stored without raw samples: the conservative interval from
		 * the two medians' own CIs (order statistics), wider than the
		 * bootstrap's since both ends are taken at once. */
		double lo = ra->stats.ci_lo / rb->stats.ci_hi, hi = ra->stats.ci_hi / rb->stats.ci_lo;

		if (isfinite(lo) && isfinite(hi) && lo > 0 && lo <= out->point &&
		    out->point <= hi) {
			out->lo = lo;
			out->hi = hi;
		}
		return 0;
	}
	{
		struct stats_interval iv;

		rc = stats_ratio_ci(&sa, &sb, 0, &iv);
		if (rc == MC_ENOMEM)
			return render_oom(r);
		if (rc == 0) {
			/* The point is the stored medians' ratio, as every table shows. */
			out->lo = iv.lo;
			out->hi = iv.hi;
		}
	}
	return 0;
}

void render_interval_text(struct sbuf *s, double lo, double hi)
{
	char a[UNITS_LEN], b[UNITS_LEN];

	if (!isfinite(lo) || !isfinite(hi))
		return;
	units_factor(lo, a, sizeof(a));
	units_factor(hi, b, sizeof(b));
	sbuf_addf(s, " [%s\xe2\x80\x93%s]", a, b);
}

void render_ratio_ci_text(struct sbuf *s, const struct stats_interval *iv,
			  const char *a_label, const char *b_label)
{
	char ratio[UNITS_LEN], factor[UNITS_LEN];
	double x = iv->point;

	units_factor(x, ratio, sizeof(ratio));
	units_factor(x < 1 ? 1 / x : x, factor, sizeof(factor));
	sbuf_addf(s, "%sx", ratio);
	render_interval_text(s, iv->lo, iv->hi);
	sbuf_add(s, " (");
	if (strcmp(factor, "1.00") == 0) {
		sbuf_add(s, "same speed)");
		return;
	}
	mdesc_text(s, x < 1 ? a_label : b_label);
	sbuf_addf(s, " %sx faster)", factor);
}
