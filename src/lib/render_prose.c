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

/* The benchmarks both columns ran (a row on each side; a single column
 * when cb == ca), filtered by pattern. A shared benchmark without an ok
 * result on either side is missing data: the first one goes in
 * *out_missing (NULL when all are there). */
struct render_pair {
	const char *bench;
	const struct store_result *a, *b;
};

static int render_pairs(struct render *r, const struct tmpl_node *node, const char *pattern,
			struct render_col *ca, struct render_col *cb,
			struct render_pair **out, size_t *out_n,
			const struct render_pair **out_missing)
{
	const char **rows;
	struct render_pair *pairs;
	size_t n_rows, n = 0;
	int rc;

	*out_missing = NULL;
	*out = NULL;
	*out_n = 0;
	if ((rc = render_rows(r, node, pattern, ca, 1, &rows, &n_rows)) != 0)
		return rc;
	pairs = calloc(n_rows, sizeof(*pairs));
	if (!pairs) {
		free(rows);
		return render_oom(r);
	}
	for (size_t i = 0; i < n_rows; i++) {
		struct render_pair *p = &pairs[n];

		p->bench = rows[i];
		p->a = render_find(ca, rows[i]);
		p->b = render_find(cb, rows[i]);
		if (!p->a || !p->b)
			continue;   /* not run by both: not part of the comparison */
		if ((rc = render_use_cell(r, ca, p->a)) || (rc = render_use_cell(r, cb, p->b))) {
			free(rows);
			free(pairs);
			return rc;
		}
		n++;
	}
	for (size_t i = 0; i < n && !*out_missing; i++)
		if (!isfinite(render_value(pairs[i].a, NULL, RENDER_TIME)) ||
		    !isfinite(render_value(pairs[i].b, NULL, RENDER_TIME)))
			*out_missing = &pairs[i];
	free(rows);
	*out = pairs;
	*out_n = n;
	return 0;
}

/* "cpu has no ok result for X (invalid: message)" */
static void render_missing_text(struct sbuf *s, const struct render_pair *p,
				const struct render_col *ca, const struct render_col *cb)
{
	const struct store_result *res = p->a;
	const struct render_col *c = ca;

	if (isfinite(render_value(p->a, NULL, RENDER_TIME))) {
		res = p->b;
		c = cb;
	}
	sbuf_addf(s, "%s has no ok result for %s in run %.8s", c->label, p->bench,
		  c->run->uuid);
	if (res)
		sbuf_addf(s, " (%s%s%s)", res->status, res->message ? ": " : "",
			  res->message ? res->message : "");
}

static void render_pair_note(struct render *r, const char *suite, const char *what,
			     const struct render_col *ca, const struct render_col *cb)
{
	render_note_open(r);
	mdesc_text(&r->notes, suite);
	sbuf_add(&r->notes, " / ");
	mdesc_text(&r->notes, what);
	sbuf_add(&r->notes, ": ");
	render_note_cell(&r->notes, ca, NULL, RENDER_TIME);
	if (cb != ca) {
		sbuf_add(&r->notes, "; ");
		render_note_cell(&r->notes, cb, NULL, RENDER_TIME);
	}
	sbuf_add(&r->notes, ".\n");
}

int render_ratio_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	struct render_ratio_args *a = &out->ratio;
	int rc;

	a->node = node;
	a->bench = tmpl_get(node, "bench", NULL);
	a->variant = render_variant(node);
	if ((rc = render_suite(r, node, sc, &a->suite)) || (rc = render_clock(r, node, &a->clock)))
		return rc;
	if (a->bench && !render_has_glob(a->bench) &&
	    (rc = render_known_bench(r, node, a->suite, a->bench)))
		return rc;
	return 0;
}

int render_ratio_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_ratio_args *a = &args->ratio;
	const struct tmpl_node *node = a->node;
	const char *suite = a->suite, *clock = a->clock, *bench = a->bench;
	struct render_col *ca = NULL, *cb = NULL;
	const struct render_pair *missing;
	struct render_pair *pairs = NULL;
	size_t n = 0;
	double log_sum = 0;
	int rc;

	if ((rc = render_one_col(r, node, "a", sc, suite, a->variant, clock, &ca)) ||
	    (rc = render_one_col(r, node, "b", sc, suite, a->variant, clock, &cb)))
		goto out;
	render_label_pair(r, ca, cb);
	if ((rc = render_pairs(r, node, bench, ca, cb, &pairs, &n, &missing)) != 0)
		goto out;
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
	render_ratio_text(&r->body, exp(log_sum / (double)n), 1, ca->label, cb->label);
	if (n > 1) {
		/* Insert the aggregate's wording inside the parenthesis. */
		sbuf_truncate(&r->body, r->body.len - 1);
		sbuf_addf(&r->body, "; geometric mean over the %zu benchmarks both ran)", n);
	}
	render_pair_note(r, suite, n == 1 ? pairs[0].bench : (bench ? bench : "all benchmarks"),
			 ca, cb);
out:
	free(pairs);
	render_cols_free(ca, ca ? 1 : 0);
	render_cols_free(cb, cb ? 1 : 0);
	return rc;
}

/* ---------------------------------------------------------------- claims */

/* The worst case over the benchmarks of one column pair or one column. */
struct render_claim {
	double worst;              /* speed-up (faster), |deviation| % (within), value (atleast) */
	const char *worst_bench;
	size_t n;
};

/* Appends text escaped for the document, or as is for a message. */
typedef void render_put_fn(struct sbuf *s, const char *text);

static void render_claim_wording(struct sbuf *s, render_put_fn *put,
				 const struct render_claim_args *a,
				 const struct render_col *ca, const struct render_col *cb)
{
	const char *bench = a->bench, *suite = a->suite;
	double threshold = a->threshold;
	enum render_metric m = a->metric;

	put(s, ca->label);
	if (a->kind == RENDER_CLAIM_FASTER) {
		if (threshold == 1)
			sbuf_add(s, " is at least as fast as ");
		else
			sbuf_addf(s, " is at least %gx faster than ", threshold);
		put(s, cb->label);
	} else if (a->kind == RENDER_CLAIM_WITHIN) {
		sbuf_addf(s, " is within %g%% of the time of ", threshold);
		put(s, cb->label);
	} else if (m == RENDER_GBPS || m == RENDER_GFLOPS) {
		sbuf_addf(s, " reaches at least %g %s", threshold,
			  m == RENDER_GBPS ? "GB/s" : "GFLOP/s");
	} else {
		sbuf_addf(s, " reaches at least %g%% of its measured peak %s%s", threshold,
			  render_metric_is_gbps_pct(m) ? "bandwidth" : "FLOP rate",
			  render_metric_is_best(m) ? " at its best sample" : "");
	}
	sbuf_add(s, " on every ");
	put(s, suite);
	sbuf_add(s, " benchmark");
	if (bench) {
		sbuf_add(s, " matching ");
		put(s, bench);
	}
	sbuf_add(s, ca == cb ? " it ran" : " both ran");
}

static void render_claim_measured(struct sbuf *s, render_put_fn *put,
				  const struct render_claim_args *a,
				  const struct render_claim *cl)
{
	char num[UNITS_LEN];

	sbuf_add(s, "worst case ");
	if (a->kind == RENDER_CLAIM_FASTER) {
		units_factor(cl->worst, num, sizeof(num));
		sbuf_addf(s, "%sx faster", num);
	} else if (a->kind == RENDER_CLAIM_WITHIN) {
		units_pct(cl->worst, num, sizeof(num));
		sbuf_addf(s, "%s%% apart", num);
	} else {
		render_value_text(s, cl->worst, a->metric);
	}
	sbuf_add(s, " on ");
	put(s, cl->worst_bench);
}

int render_claim_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	struct render_claim_args *a = &out->claim;
	const char *kind = node->word;
	int faster = strcmp(kind, "faster") == 0, within = strcmp(kind, "within") == 0;
	int rc;

	a->node = node;
	a->kind = faster ? RENDER_CLAIM_FASTER : within ? RENDER_CLAIM_WITHIN :
		RENDER_CLAIM_ATLEAST;
	a->bench = tmpl_get(node, "bench", NULL);
	a->variant = render_variant(node);
	a->metric = RENDER_TIME;
	if ((rc = render_suite(r, node, sc, &a->suite)) || (rc = render_clock(r, node, &a->clock)))
		return rc;
	/* Which arguments a kind needs, checked before any data is read. */
	if (faster || within) {
		const char *need[] = { "a", "b", within ? "pct" : NULL };

		for (size_t i = 0; i < 3; i++)
			if (need[i] && !tmpl_get(node, need[i], NULL))
				return render_error(r, node, NULL, "{{claim %s}} needs %s=", kind,
						    need[i]);
		if ((rc = render_number(r, node, within ? "pct" : "by", 1, &a->threshold)) != 0)
			return rc;
		if (tmpl_get(node, "backend", NULL) || tmpl_get(node, "value", NULL) ||
		    tmpl_get(node, "metric", NULL))
			return render_error(r, node, NULL,
					    "{{claim %s}} takes a=, b= and %s=, not backend=, metric= or value=",
					    kind, within ? "pct" : "by");
	} else {
		if (!tmpl_get(node, "backend", NULL) || !tmpl_get(node, "metric", NULL) ||
		    !tmpl_get(node, "value", NULL))
			return render_error(r, node, NULL,
					    "{{claim atleast}} needs backend=, metric= and value=");
		if ((rc = render_metric(r, node, RENDER_GBPS, 0xde, &a->metric)) ||
		    (rc = render_number(r, node, "value", 1, &a->threshold)))
			return rc;
	}
	if (a->bench && !render_has_glob(a->bench) &&
	    (rc = render_known_bench(r, node, a->suite, a->bench)))
		return rc;
	return 0;
}

int render_claim_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_claim_args *a = &args->claim;
	const struct tmpl_node *node = a->node;
	const char *suite = a->suite, *clock = a->clock, *bench = a->bench;
	int faster = a->kind == RENDER_CLAIM_FASTER, within = a->kind == RENDER_CLAIM_WITHIN;
	struct render_col *ca = NULL, *cb = NULL;
	const struct render_pair *missing = NULL;
	struct render_pair *pairs = NULL;
	struct render_claim cl = { NAN, NULL, 0 };
	struct sbuf wording = SBUF_INIT, measured = SBUF_INIT;
	enum render_metric m = a->metric;
	double threshold = a->threshold;
	int holds, rc;

	if ((rc = render_one_col(r, node, faster || within ? "a" : "backend", sc, suite,
				 a->variant, clock, &ca)) != 0)
		goto out;
	/* atleast reads one column: pair it with itself. */
	if (faster || within)
		rc = render_one_col(r, node, "b", sc, suite, a->variant, clock, &cb);
	if (cb)
		render_label_pair(r, ca, cb);
	if (rc || (rc = render_pairs(r, node, bench, ca, cb ? cb : ca, &pairs, &cl.n, &missing)))
		goto out;
	render_claim_wording(&wording, sbuf_add, a, ca, cb ? cb : ca);
	if (!cl.n) {
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(&wording),
				    cb ? "the two ran no benchmark in common" :
				    "no benchmark matches");
		goto out;
	}
	if (missing) {
		render_missing_text(&measured, missing, ca, cb ? cb : ca);
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(&wording),
				    sbuf_str(&measured));
		goto out;
	}
	for (size_t i = 0; i < cl.n; i++) {
		double ta = pairs[i].a->stats.median, tb = pairs[i].b->stats.median, v;
		int worse;

		if (faster)
			v = tb / ta, worse = !(v >= cl.worst);
		else if (within)
			v = 100 * fabs(ta / tb - 1), worse = !(v <= cl.worst);
		else
			v = render_value(pairs[i].a, ca->dev, m), worse = !(v >= cl.worst);
		if (isnan(v)) {
			struct sbuf s = SBUF_INIT;

			if (render_metric_is_pct(m))
				sbuf_addf(&s, "run %.8s measured no peak %s for %s, so %s has no "
					  "percentage of peak", ca->run->uuid,
					  render_metric_is_gbps_pct(m) ? "bandwidth" : "FLOP rate", ca->label,
					  pairs[i].bench);
			else
				sbuf_addf(&s, "%s has no %s for %s", ca->label,
					  render_metric_name(m), pairs[i].bench);
			rc = render_problem(r, node, "claim lacks data: \"%s\": %s",
					    sbuf_str(&wording), sbuf_str(&s));
			sbuf_release(&s);
			goto out;
		}
		if (worse || !cl.worst_bench) {
			cl.worst = v;
			cl.worst_bench = pairs[i].bench;
		}
	}
	holds = faster ? cl.worst >= threshold : within ? cl.worst <= threshold :
		cl.worst >= threshold;
	render_claim_measured(&measured, sbuf_add, a, &cl);
	if (!holds) {
		rc = render_problem(r, node, "claim does not hold: \"%s\": measured %s (%zu benchmark%s)",
				    sbuf_str(&wording), sbuf_str(&measured), cl.n,
				    cl.n == 1 ? "" : "s");
		goto out;
	}
	sbuf_add(&r->body, "\xe2\x9c\x85 ");
	render_claim_wording(&r->body, mdesc_text, a, ca, cb ? cb : ca);
	sbuf_add(&r->body, " (measured: ");
	render_claim_measured(&r->body, mdesc_text, a, &cl);
	sbuf_addf(&r->body, "; %zu benchmark%s)", cl.n, cl.n == 1 ? "" : "s");
	render_pair_note(r, suite, bench ? bench : "all benchmarks", ca, cb ? cb : ca);
out:
	sbuf_release(&wording);
	sbuf_release(&measured);
	free(pairs);
	render_cols_free(ca, ca ? 1 : 0);
	render_cols_free(cb, cb ? 1 : 0);
	return rc;
}
