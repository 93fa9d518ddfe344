/*
 * render_prose.c - the directives that write within a sentence: {{value}}
 * (one number with its unit and footnote), {{ratio}} (two columns' times,
 * worded so the direction cannot be misread) and {{claim}} (a sentence the
 * data must bear out at every render, or the render fails).
 */
#include "render_dir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

/* ---------------------------------------------------------------- value, ratio */

int render_value_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	struct render_value_args *a = &out->value;
	int rc;

	a->node = node;
	a->bench = tmpl_get(node, "bench", NULL);
	a->spread = tmpl_get(node, "spread", NULL);
	a->variant = render_variant(node);
	if ((rc = render_suite(r, node, sc, &a->suite)) ||
	    (rc = render_clock(r, node, &a->clock)) ||
	    (rc = render_metric(r, node, RENDER_TIME, 0xff, &a->metric)) ||
	    (rc = render_known_bench(r, node, a->suite, a->bench)))
		return rc;
	if (a->spread && strcmp(a->spread, "none") && strcmp(a->spread, "ci") &&
	    strcmp(a->spread, "cv"))
		return render_error(r, node, "spread", "spread must be ci, cv or none");
	return 0;
}

int render_value_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_value_args *a = &args->value;
	const struct tmpl_node *node = a->node;
	const char *suite = a->suite, *clock = a->clock, *bench = a->bench;
	const char *spread = a->spread;
	const struct store_result *res;
	struct render_col *c = NULL;
	enum render_metric m = a->metric;
	double v;
	int rc;

	if ((rc = render_one_col(r, node, "backend", sc, suite, a->variant, clock, &c)) != 0)
		return rc;
	res = render_find(c, bench);
	if (!res) {
		rc = render_error(r, node, "bench", "run %.8s has no result for '%s' on %s",
				  c->run->uuid, bench, c->label);
		goto out;
	}
	v = render_value(res, c->dev, m);
	if (strcmp(res->status, "ok") != 0)
		mdesc_text(&r->body, res->status);
	else
		render_value_text(&r->body, v, m);
	if (m == RENDER_TIME && isfinite(v) && spread && strcmp(spread, "ci") == 0) {
		char lo[UNITS_LEN], hi[UNITS_LEN];

		units_time_as(res->stats.ci_lo, v, lo, sizeof(lo));
		units_time_as(res->stats.ci_hi, v, hi, sizeof(hi));
		sbuf_addf(&r->body, " (95%% CI %s\xe2\x80\x93%s)", lo, hi);
	} else if (m == RENDER_TIME && isfinite(v) && spread && strcmp(spread, "cv") == 0 &&
		   res->stats.mean > 0) {
		char cv[UNITS_LEN];

		units_pct(100 * res->stats.stddev / res->stats.mean, cv, sizeof(cv));
		sbuf_addf(&r->body, " (CV %s%%)", cv);
	}
	render_note_open(r);
	mdesc_text(&r->notes, suite);
	sbuf_add(&r->notes, " / ");
	mdesc_text(&r->notes, bench);
	sbuf_add(&r->notes, ": ");
	render_note_cell(&r->notes, c, res, m);
	sbuf_add(&r->notes, ".\n");
	rc = render_use_cell(r, c, res);
out:
	render_cols_free(c, 1);
	return rc;
}

/* The geometric mean of the time ratios a / b over pairs[0..n) with its
 * interval (stats_ratio_geomean_ci); lo and hi NaN when a result has no
 * samples. */
static int render_pairs_interval(struct render *r, const struct render_col *ca,
				 const struct render_col *cb, const struct render_pair *pairs,
				 size_t n, struct stats_interval *out)
{
	struct stats_boot_set *sa = calloc(2 * n, sizeof(*sa)), *sb = sa + n;
	int rc = 0, all = 1;

	out->point = out->lo = out->hi = NAN;
	if (!sa)
		return render_oom(r);
	for (size_t i = 0; i < n && !rc; i++) {
		rc = render_boot_set(r, ca, pairs[i].a, &sa[i]);
		if (!rc)
			rc = render_boot_set(r, cb, pairs[i].b, &sb[i]);
		all = all && sa[i].n && sb[i].n;
	}
	if (!rc && all) {
		rc = stats_ratio_geomean_ci(sa, sb, n, out);
		if (rc == MC_ENOMEM)
			rc = render_oom(r);
		else if (rc)
			rc = 0, out->lo = out->hi = NAN;
	}
	free(sa);
	return rc;
}

int render_ratio_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	struct render_ratio_args *a = &out->ratio;
	int rc;

	a->node = node;
	a->bench = tmpl_get(node, "bench", NULL);
	a->variant = render_variant(node);
	if ((rc = render_suite(r, node, sc, &a->suite)) || (rc = render_clock(r, node, &a->clock)) ||
	    (rc = render_vs_parse(r, node, a->suite, &a->vs)))
		return rc;
	/* Against a partner, b= defaults to a=: two benchmarks of one backend. */
	a->b_key = !tmpl_get(node, "b", NULL) && a->vs.glob ? "a" : "b";
	if (!tmpl_get(node, a->b_key, NULL))
		return render_error(r, node, NULL, "{{ratio}} needs b= (or vs=)");
	if (a->bench && !render_has_glob(a->bench) &&
	    (rc = render_known_bench(r, node, a->suite, a->bench)))
		return rc;
	return 0;
}

/* A side of a vs= ratio: its kernel (the benchmarks' when they share one,
 * else the glob), after its backend when the two backends differ:
 * "decode", "cpu decode". */
static void ratio_vs_label(char *out, size_t n_out, const struct render_col *c,
			   int same_backend, const char *kernel, const char *glob)
{
	const char *what = kernel ? kernel : glob ? glob : "each benchmark";

	if (same_backend)
		snprintf(out, n_out, "%s", what);
	else
		snprintf(out, n_out, "%s %s", c->label, what);
}

int render_ratio_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_ratio_args *a = &args->ratio;
	const struct tmpl_node *node = a->node;
	const char *suite = a->suite, *clock = a->clock, *bench = a->bench;
	const struct render_vs *vs = a->vs.glob ? &a->vs : NULL;
	struct render_col *ca = NULL, *cb = NULL;
	const struct render_pair *missing;
	struct render_pair *pairs = NULL;
	struct sbuf unpaired = SBUF_INIT;
	char la[256], lb[256];
	const char *label_a, *label_b;
	struct stats_interval iv;
	size_t n = 0;
	double log_sum = 0;
	int rc;

	if ((rc = render_one_col(r, node, "a", sc, suite, a->variant, clock, &ca)) ||
	    (rc = render_one_col(r, node, a->b_key, sc, vs ? vs->suite : suite, a->variant, clock,
				 &cb)))
		goto out;
	render_label_pair(r, ca, cb);
	if ((rc = render_pairs(r, node, bench, ca, cb, vs, &pairs, &n, &missing, &unpaired)) != 0)
		goto out;
	if (unpaired.len) {
		rc = render_error(r, node, "vs", "cannot compute the ratio: %s", sbuf_str(&unpaired));
		goto out;
	}
	if (!n) {
		rc = render_error(r, node, "b", "%s and %s ran no benchmark%s in common",
				  ca->label, cb->label, bench ? " matching bench=" : "");
		goto out;
	}
	if (missing) {
		struct sbuf s = SBUF_INIT;

		render_missing_text(&s, missing, ca, cb);
		rc = render_error(r, node, "a", "cannot compute the ratio: %s", sbuf_str(&s));
		sbuf_release(&s);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		log_sum += log(pairs[i].a->stats.median / pairs[i].b->stats.median);
	if ((rc = render_pairs_interval(r, ca, cb, pairs, n, &iv)) != 0)
		goto out;
	iv.point = exp(log_sum / (double)n);
	label_a = ca->label;
	label_b = cb->label;
	if (vs) {
		int same = strcmp(ca->label, cb->label) == 0;

		ratio_vs_label(la, sizeof(la), ca, same, render_vs_kernel(pairs, n, 0), bench);
		ratio_vs_label(lb, sizeof(lb), cb, same, render_vs_kernel(pairs, n, 1), vs->glob);
		label_a = la;
		label_b = lb;
	}
	render_ratio_ci_text(&r->body, &iv, label_a, label_b);
	if (n > 1) {
		/* Insert the aggregate's wording inside the parenthesis. */
		sbuf_truncate(&r->body, r->body.len - 1);
		sbuf_addf(&r->body, "; geometric mean over the %zu benchmarks %s)", n,
			  vs ? "and their partners" : "both ran");
	}
	render_pair_note(r, suite, n == 1 ? pairs[0].bench : (bench ? bench : "all benchmarks"),
			 ca, cb, vs);
out:
	sbuf_release(&unpaired);
	free(pairs);
	render_cols_free(ca, ca ? 1 : 0);
	render_cols_free(cb, cb ? 1 : 0);
	return rc;
}

