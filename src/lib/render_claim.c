/*
 * render_claim.c - {{claim}}: a sentence the data must bear out at every
 * render, or the render fails. A claim holds only when it holds at the
 * bound of each benchmark's 95% interval (render_ci.c), not merely at the
 * point estimate: a speed-up must clear its factor at the interval's lower
 * end, a "within" must stay within at its farthest end, a throughput must
 * reach its value at the slow end of its time's interval, a share of a
 * partner's time (share) must stay under its percentage at the upper end.
 * With vs= the second side of each benchmark is its partner, another
 * benchmark with the same parameters (render_pair.c), rather than the same
 * benchmark. With runs= it is checked in each of several runs and must
 * hold in every one.
 */
#include "render_dir.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

#define RENDER_CLAIM_MAX_LAST 16   /* runs=last:K, K at most this */

/* The worst case over the benchmarks of one column pair or one column:
 * the benchmark whose bound is worst, with its point and interval. */
struct render_claim {
	double point;              /* speed-up (faster), |deviation| % (within), value
				    * (atleast), % of the partner's time (share) */
	double lo, hi;             /* its 95% interval (NaN: none, no samples) */
	double bound;              /* the end of the interval the claim is judged at */
	const char *worst_bench;
	const char *worst_partner; /* vs=: the partner of worst_bench */
	const char *kernel;        /* vs=: the kernel a's benchmarks share, or NULL */
	size_t n;
	int holds;
};

/* Whether the claim is judged at an upper bound (the smaller the better). */
static int claim_upper(const struct render_claim_args *a)
{
	return a->kind == RENDER_CLAIM_WITHIN || a->kind == RENDER_CLAIM_SHARE;
}

/* "on every decoding benchmark matching decode/..." */
static void claim_every(struct sbuf *s, render_put_fn *put, const struct render_claim_args *a)
{
	sbuf_add(s, " on every ");
	put(s, a->suite);
	sbuf_add(s, " benchmark");
	if (a->bench) {
		sbuf_add(s, " matching ");
		put(s, a->bench);
	}
}

/* The wording of a claim with vs=: "cpu runs decode at least 2x faster
 * than decode_recompute with the same parameters, on every decoding
 * benchmark matching decode/..."; "cpu's sampling benchmarks each take at
 * most 1% of the time of its decode_step/ctx=128,* in decoding with the
 * same vocab". kernel: the one a's benchmarks share, or NULL. */
static void claim_vs_wording(struct sbuf *s, render_put_fn *put,
			     const struct render_claim_args *a, const char *kernel,
			     const struct render_col *ca, const struct render_col *cb)
{
	int same = strcmp(ca->label, cb->label) == 0;

	put(s, ca->label);
	if (a->kind == RENDER_CLAIM_SHARE) {
		sbuf_add(s, "'s ");
		put(s, a->suite);
		sbuf_add(s, " benchmarks");
		if (a->bench) {
			sbuf_add(s, " matching ");
			put(s, a->bench);
		}
		sbuf_addf(s, " each take at most %g%% of the time of ", a->threshold);
	} else if (a->kind == RENDER_CLAIM_FASTER) {
		sbuf_add(s, " runs ");
		put(s, kernel ? kernel : "each benchmark");
		if (a->threshold == 1)
			sbuf_add(s, " at least as fast as ");
		else
			sbuf_addf(s, " at least %gx faster than ", a->threshold);
	} else {
		sbuf_add(s, "'s ");
		put(s, kernel ? kernel : "each benchmark");
		sbuf_addf(s, " is within %g%% of the time of ", a->threshold);
	}
	if (a->kind == RENDER_CLAIM_FASTER && !same) {
		put(s, cb->label);
		sbuf_add(s, " running ");
	} else if (a->kind != RENDER_CLAIM_FASTER) {
		if (same) {
			sbuf_add(s, "its ");
		} else {
			put(s, cb->label);
			sbuf_add(s, "'s ");
		}
	}
	render_vs_what(s, put, &a->vs, a->suite);
	if (a->kind != RENDER_CLAIM_SHARE) {
		sbuf_addc(s, ',');
		claim_every(s, put, a);
	}
}

static void claim_wording(struct sbuf *s, render_put_fn *put, const struct render_claim_args *a,
			  const char *kernel, const struct render_col *ca,
			  const struct render_col *cb)
{
	double threshold = a->threshold;
	enum render_metric m = a->metric;

	if (a->vs.glob) {
		claim_vs_wording(s, put, a, kernel, ca, cb);
		return;
	}
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
	claim_every(s, put, a);
	sbuf_add(s, ca == cb ? " it ran" : " both ran");
}

static void claim_number(struct sbuf *s, const struct render_claim_args *a, double v)
{
	char num[UNITS_LEN];

	if (a->kind == RENDER_CLAIM_FASTER) {
		units_factor(v, num, sizeof(num));
		sbuf_addf(s, "%sx", num);
	} else if (claim_upper(a)) {
		units_pct(v, num, sizeof(num));
		sbuf_addf(s, "%s%%", num);
	} else {
		render_value_text(s, v, a->metric);
	}
}

/* "worst case 1.38x faster [1.21–1.55] on B" */
static void claim_measured(struct sbuf *s, render_put_fn *put, const struct render_claim_args *a,
			   const struct render_claim *cl)
{
	sbuf_add(s, "worst case ");
	claim_number(s, a, cl->point);
	if (a->kind == RENDER_CLAIM_FASTER)
		sbuf_add(s, " faster");
	else if (a->kind == RENDER_CLAIM_WITHIN)
		sbuf_add(s, " apart");
	if (isfinite(cl->lo)) {
		if (a->kind == RENDER_CLAIM_FASTER) {
			render_interval_text(s, cl->lo, cl->hi);
		} else if (a->kind == RENDER_CLAIM_SHARE) {
			char lo[UNITS_LEN], hi[UNITS_LEN];

			units_pct(cl->lo, lo, sizeof(lo));
			units_pct(cl->hi, hi, sizeof(hi));
			sbuf_addf(s, " [%s\xe2\x80\x93%s]", lo, hi);
		} else {
			sbuf_add(s, " (95% bound ");
			claim_number(s, a, cl->bound);
			sbuf_add(s, ")");
		}
	}
	sbuf_add(s, " on ");
	put(s, cl->worst_bench);
	if (cl->worst_partner) {
		sbuf_add(s, " against ");
		put(s, cl->worst_partner);
	}
}

int render_claim_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	struct render_claim_args *a = &out->claim;
	const char *kind = node->word, *runs;
	int faster = strcmp(kind, "faster") == 0, within = strcmp(kind, "within") == 0;
	int share = strcmp(kind, "share") == 0;
	int rc;

	a->node = node;
	a->kind = faster ? RENDER_CLAIM_FASTER : within ? RENDER_CLAIM_WITHIN :
		share ? RENDER_CLAIM_SHARE : RENDER_CLAIM_ATLEAST;
	a->bench = tmpl_get(node, "bench", NULL);
	a->variant = render_variant(node);
	a->metric = RENDER_TIME;
	if ((rc = render_suite(r, node, sc, &a->suite)) || (rc = render_clock(r, node, &a->clock)) ||
	    (rc = render_vs_parse(r, node, a->suite, &a->vs)))
		return rc;
	/* Against a partner, b= defaults to a=: two benchmarks of one backend. */
	a->b_key = !tmpl_get(node, "b", NULL) && a->vs.glob ? "a" : "b";
	/* Which arguments a kind needs, checked before any data is read. */
	if (faster || within || share) {
		const char *need[] = { "a", a->b_key, within || share ? "pct" : NULL };

		if (share && !a->vs.glob)
			return render_error(r, node, NULL, "{{claim share}} needs vs= (the "
					    "partner benchmarks whose time it is a share of)");
		for (size_t i = 0; i < 3; i++)
			if (need[i] && !tmpl_get(node, need[i], NULL))
				return render_error(r, node, NULL, "{{claim %s}} needs %s=", kind,
						    need[i]);
		if ((rc = render_number(r, node, within || share ? "pct" : "by", 1,
					&a->threshold)) != 0)
			return rc;
		if (tmpl_get(node, "backend", NULL) || tmpl_get(node, "value", NULL) ||
		    tmpl_get(node, "metric", NULL))
			return render_error(r, node, NULL,
					    "{{claim %s}} takes a=, b= and %s=, not backend=, metric= or value=",
					    kind, within || share ? "pct" : "by");
	} else if (a->vs.glob) {
		return render_error(r, node, "vs", "{{claim atleast}} reads one backend's "
				    "benchmarks: it takes no vs=");
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
	runs = tmpl_get(node, "runs", NULL);
	if (runs && strncmp(runs, "last:", 5) == 0) {
		char *end;
		long k;

		errno = 0;
		k = strtol(runs + 5, &end, 10);
		if (errno || *end || end == runs + 5 || k < 1 || k > RENDER_CLAIM_MAX_LAST)
			return render_error(r, node, "runs", "runs=last:K takes K from 1 to %d, "
					    "not '%s'", RENDER_CLAIM_MAX_LAST, runs + 5);
		a->runs_last = (size_t)k;
	} else if (runs) {
		char *list = strdup(runs), *save = NULL;

		if (!list)
			return render_oom(r);
		for (char *ref = strtok_r(list, ",", &save); ref && !rc;
		     ref = strtok_r(NULL, ",", &save)) {
			if (a->n_runs == RENDER_CLAIM_MAX_RUNS)
				rc = render_error(r, node, "runs", "runs= names at most %d runs",
						  RENDER_CLAIM_MAX_RUNS);
			else if ((rc = store_run_resolve(r->st, ref, 0, &a->runs[a->n_runs],
							 r->err, r->n_err)) == MC_EINVAL)
				rc = render_error(r, node, "runs", "%s", r->err);
			else if (!rc)
				a->n_runs++;
		}
		free(list);
		if (!rc && !a->n_runs)
			rc = render_error(r, node, "runs", "runs= must be last:K or a list of runs");
		if (rc)
			return rc;
	}
	return 0;
}

/* The value of one benchmark and its interval, and the end of the
 * interval the claim is judged at. */
static int claim_one(struct render *r, const struct render_claim_args *a,
		     const struct render_col *ca, const struct render_col *cb,
		     const struct render_pair *p, double *out_v, struct stats_interval *out_iv,
		     double *out_bound)
{
	struct stats_interval iv = { NAN, NAN, NAN };
	int rc = 0;

	if (a->kind == RENDER_CLAIM_FASTER) {
		/* The speed-up of a over b: time(b) / time(a). */
		rc = render_ratio_interval(r, cb, p->b, ca, p->a, &iv);
		*out_v = iv.point;
		*out_bound = isfinite(iv.lo) ? iv.lo : iv.point;
	} else if (a->kind == RENDER_CLAIM_SHARE) {
		/* time(a) / time(partner) in percent, judged at the upper end. */
		rc = render_ratio_interval(r, ca, p->a, cb, p->b, &iv);
		iv.point *= 100;
		iv.lo *= 100;
		iv.hi *= 100;
		*out_v = iv.point;
		*out_bound = isfinite(iv.hi) ? iv.hi : iv.point;
	} else if (a->kind == RENDER_CLAIM_WITHIN) {
		rc = render_ratio_interval(r, ca, p->a, cb, p->b, &iv);
		*out_v = 100 * fabs(iv.point - 1);
		*out_bound = isfinite(iv.lo)
			? 100 * fmax(fabs(iv.lo - 1), fabs(iv.hi - 1)) : *out_v;
	} else {
		struct stats_boot_set set;
		double v = render_value(p->a, ca->dev, a->metric);

		*out_v = *out_bound = v;
		if (!render_metric_is_best(a->metric) && isfinite(v) &&
		    !(rc = render_boot_set(r, ca, p->a, &set))) {
			struct stats_interval t = { p->a->stats.median, p->a->stats.ci_lo,
						    p->a->stats.ci_hi };

			/* Throughput is work over time: its slow end is the
			 * value at the upper end of the median time's interval
			 * (the stored order-statistic CI without raw samples). */
			rc = set.n ? stats_median_boot_ci(&set, &t) : 0;
			if (rc == MC_ENOMEM)
				return render_oom(r);
			if (rc == 0 && t.hi > 0 && t.lo > 0) {
				iv.lo = v * p->a->stats.median / t.hi;
				iv.hi = v * p->a->stats.median / t.lo;
				*out_bound = iv.lo;
			}
			rc = 0;
		}
	}
	*out_iv = iv;
	return rc;
}

/* Checks the claim on the columns ca and cb (cb == ca for atleast) into
 * *cl; a claim that lacks data is a problem (MC_ECLAIM), one that does
 * not hold sets cl->holds 0. The wording goes to *wording. */
static int claim_eval(struct render *r, const struct render_claim_args *a,
		      struct render_col *ca, struct render_col *cb, struct render_claim *cl,
		      struct sbuf *wording)
{
	const struct tmpl_node *node = a->node;
	const struct render_vs *vs = a->vs.glob ? &a->vs : NULL;
	const struct render_pair *missing = NULL;
	struct render_pair *pairs = NULL;
	int atleast = a->kind == RENDER_CLAIM_ATLEAST;
	struct sbuf s = SBUF_INIT;
	int rc;

	memset(cl, 0, sizeof(*cl));
	cl->point = cl->lo = cl->hi = cl->bound = NAN;
	sbuf_truncate(wording, 0);
	if ((rc = render_pairs(r, node, a->bench, ca, cb, vs, &pairs, &cl->n, &missing, &s)) != 0)
		goto out;
	cl->kernel = vs ? render_vs_kernel(pairs, cl->n, 0) : NULL;
	claim_wording(wording, sbuf_add, a, cl->kernel, ca, cb);
	if (s.len) {
		/* A benchmark without exactly one partner: as a missing result. */
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(wording),
				    sbuf_str(&s));
		goto out;
	}
	if (!cl->n) {
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(wording),
				    !atleast ? "the two ran no benchmark in common" :
				    "no benchmark matches");
		goto out;
	}
	if (missing) {
		render_missing_text(&s, missing, ca, cb);
		rc = render_problem(r, node, "claim lacks data: \"%s\": %s", sbuf_str(wording),
				    sbuf_str(&s));
		goto out;
	}
	for (size_t i = 0; i < cl->n; i++) {
		struct stats_interval iv = { NAN, NAN, NAN };
		double v, bound;
		int worse;

		if ((rc = claim_one(r, a, ca, cb, &pairs[i], &v, &iv, &bound)) != 0)
			goto out;
		if (isnan(v)) {
			if (render_metric_is_pct(a->metric))
				sbuf_addf(&s, "run %.8s measured no peak %s for %s, so %s has no "
					  "percentage of peak", ca->run->uuid,
					  render_metric_is_gbps_pct(a->metric) ? "bandwidth" :
					  "FLOP rate", ca->label, pairs[i].bench);
			else
				sbuf_addf(&s, "%s has no %s for %s", ca->label,
					  render_metric_name(a->metric), pairs[i].bench);
			rc = render_problem(r, node, "claim lacks data: \"%s\": %s",
					    sbuf_str(wording), sbuf_str(&s));
			goto out;
		}
		worse = claim_upper(a) ? !(bound <= cl->bound) : !(bound >= cl->bound);
		if (worse || !cl->worst_bench) {
			cl->point = v;
			cl->lo = iv.lo;
			cl->hi = iv.hi;
			cl->bound = bound;
			cl->worst_bench = pairs[i].bench;
			cl->worst_partner = vs ? pairs[i].b->benchmark : NULL;
		}
	}
	cl->holds = claim_upper(a) ? cl->bound <= a->threshold : cl->bound >= a->threshold;
out:
	sbuf_release(&s);
	free(pairs);
	return rc;
}

/* "claim does not hold ..." with both the point and the bound. */
static int claim_fails(struct render *r, const struct render_claim_args *a,
		       const struct render_claim *cl, const char *wording, const char *run)
{
	struct sbuf m = SBUF_INIT, pt = SBUF_INIT, bd = SBUF_INIT;
	int at_point = claim_upper(a) ? cl->point <= a->threshold : cl->point >= a->threshold;
	int rc;

	claim_measured(&m, sbuf_add, a, cl);
	claim_number(&pt, a, cl->point);
	claim_number(&bd, a, cl->bound);
	rc = render_problem(r, a->node, "claim does not hold%s%s: \"%s\": measured %s (%zu "
			    "benchmark%s): %s at the point estimate (%s), fails at the bound of its "
			    "95%% interval (%s)", run ? " in run " : "", run ? run : "", wording,
			    sbuf_str(&m), cl->n, cl->n == 1 ? "" : "s",
			    at_point ? "holds" : "fails", sbuf_str(&pt), sbuf_str(&bd));
	sbuf_release(&m);
	sbuf_release(&pt);
	sbuf_release(&bd);
	return rc;
}

/* The columns of the claim under scope sc (cb NULL for atleast). */
static int claim_cols(struct render *r, const struct render_claim_args *a,
		      const struct render_scope *sc, struct render_col **ca,
		      struct render_col **cb)
{
	int pair = a->kind != RENDER_CLAIM_ATLEAST, rc;

	*ca = *cb = NULL;
	rc = render_one_col(r, a->node, pair ? "a" : "backend", sc, a->suite, a->variant,
			    a->clock, ca);
	if (!rc && pair)
		rc = render_one_col(r, a->node, a->b_key, sc, a->vs.glob ? a->vs.suite : a->suite,
				    a->variant, a->clock, cb);
	if (!rc && *cb)
		render_label_pair(r, *ca, *cb);
	return rc;
}

static void claim_cols_free(struct render_col **ca, struct render_col **cb)
{
	render_cols_free(*ca, *ca ? 1 : 0);
	render_cols_free(*cb, *cb ? 1 : 0);
	*ca = *cb = NULL;
}

/* The runs a runs= claim is checked in, into ids (at most
 * RENDER_CLAIM_MAX_RUNS); *out_n 0 without runs=. */
static int claim_runs(struct render *r, const struct render_claim_args *a,
		      const struct render_scope *sc, int64_t *ids, size_t *out_n)
{
	struct render_col *ca = NULL, *cb = NULL;
	int rc;

	*out_n = 0;
	if (a->n_runs) {
		memcpy(ids, a->runs, a->n_runs * sizeof(*ids));
		*out_n = a->n_runs;
		return 0;
	}
	if (!a->runs_last)
		return 0;
	if ((rc = claim_cols(r, a, sc, &ca, &cb)) != 0)
		return rc;
	rc = store_report_recent_runs(r->rp, ca->machine_id, a->suite, ca->backend,
				      a->runs_last, ids, out_n, r->err, r->n_err);
	if (!rc && *out_n < a->runs_last)
		rc = render_problem(r, a->node, "claim lacks data: runs=last:%zu, but only %zu "
				    "complete run%s measured %s on %s", a->runs_last, *out_n,
				    *out_n == 1 ? "" : "s", a->suite, ca->label);
	claim_cols_free(&ca, &cb);
	return rc;
}

int render_claim_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_claim_args *a = &args->claim;
	struct render_col *ca = NULL, *cb = NULL, *wa = NULL, *wb = NULL;
	struct render_claim cl, worst = { 0 };
	struct sbuf wording = SBUF_INIT;
	int64_t ids[RENDER_CLAIM_MAX_RUNS];
	size_t n_ids = 0, k = 0;
	int rc;

	if ((rc = claim_runs(r, a, sc, ids, &n_ids)) != 0)
		goto out;
	do {
		struct render_scope one = *sc;

		if (n_ids) {
			const struct store_run *rn = store_report_run(r->rp, ids[k], r->err,
								      r->n_err);

			if (!rn) {
				rc = MC_EDB;
				goto out;
			}
			one.pin_run = rn->id;
			one.machines[0] = rn->machine_id;
			one.n_machines = 1;
		}
		if ((rc = claim_cols(r, a, &one, &ca, &cb)) ||
		    (rc = claim_eval(r, a, ca, cb ? cb : ca, &cl, &wording)))
			goto out;
		if (!cl.holds) {
			rc = claim_fails(r, a, &cl, sbuf_str(&wording),
					 n_ids ? ca->run->uuid : NULL);
			goto out;
		}
		/* Keep the columns of the run with the worst bound. */
		if (!wa || (claim_upper(a) ? cl.bound > worst.bound : cl.bound < worst.bound)) {
			claim_cols_free(&wa, &wb);
			wa = ca;
			wb = cb;
			worst = cl;
		} else {
			claim_cols_free(&ca, &cb);
		}
		ca = cb = NULL;
	} while (++k < n_ids);

	sbuf_add(&r->body, "\xe2\x9c\x85 ");
	claim_wording(&r->body, mdesc_text, a, worst.kernel, wa, wb ? wb : wa);
	sbuf_add(&r->body, " (measured: ");
	claim_measured(&r->body, mdesc_text, a, &worst);
	sbuf_addf(&r->body, "; %zu benchmark%s", worst.n, worst.n == 1 ? "" : "s");
	if (n_ids)
		sbuf_addf(&r->body, "; holds in each of %zu runs, the worst shown", n_ids);
	sbuf_add(&r->body, ")");
	render_pair_note(r, a->suite, a->bench ? a->bench : "all benchmarks", wa, wb ? wb : wa,
			 a->vs.glob ? &a->vs : NULL);
out:
	sbuf_release(&wording);
	claim_cols_free(&ca, &cb);
	claim_cols_free(&wa, &wb);
	return rc;
}
