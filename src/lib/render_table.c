/*
 * render_table.c - the {{table}} directive: a suite's benchmarks against
 * backends (devices, peers, machines), as a Markdown table with traceable
 * sources, ratio columns, shares of the measured peaks and (vs=) each
 * row's time as a share of its partner's.
 */
#include "render_dir.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

#define EM_DASH "\xe2\x80\x94"
#define EN_DASH "\xe2\x80\x93"
/* After a cell whose result has samples taken under heavy CPU steal. */
#define STEAL_MARK "\xe2\x80\xa1"

enum table_spread { SPREAD_CI, SPREAD_CV, SPREAD_NONE };
enum table_tput { TPUT_NONE, TPUT_GBPS, TPUT_GFLOPS, TPUT_AUTO };

/* A ratio column: time of a over time of b, row by row. */
struct table_ratio {
	size_t a, b;   /* indices in table.ratio_cols */
};

/* peak=: no share, the share at the median, or at the median and the best. */
enum table_peak { PEAK_NO, PEAK_YES, PEAK_BEST };

struct table {
	struct render_col *cols, *ratio_cols;
	size_t n_cols, n_ratio_cols;
	struct table_ratio *ratios;
	size_t n_ratios;
	const char **rows;
	size_t n_rows;
	enum render_metric metric;
	enum table_spread spread;
	enum table_tput tput;
	int peak;                       /* enum table_peak */
	int metric_auto;                /* metric=auto: GB/s or GFLOP/s, by the roofline */
	int vs_best;                    /* ratio=best: each column over the row's fastest */
	const char *per;                /* per=PARAM: PARAM / median time, per column */
	const struct render_vs *vs;     /* vs=: NULL when absent */
	struct render_col *vs_cols;     /* vs=: each column's partner column */
	const struct store_result **partners; /* vs=: [row * n_cols + col], NULL: none */
};

/* per=PARAM: the benchmark's parameter PARAM over its median time, "2310/s"
 * (sentences a second for per=batch); a dash when the result has no time or
 * no such parameter. */
static void table_per(struct sbuf *s, const struct store_result *res, const char *param)
{
	double t = render_value(res, NULL, RENDER_TIME);
	cJSON *o = res && isfinite(t) && t > 0 ? cJSON_Parse(res->params) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, param);

	if (cJSON_IsNumber(v)) {
		double rate = v->valuedouble / (t * 1e-9);

		sbuf_addf(s, rate >= 100 ? "%.0f/s" : "%.3g/s", rate);
	} else {
		sbuf_add(s, EM_DASH);
	}
	cJSON_Delete(o);
}

/* Time with its spread: "1.23 ms [1.20–1.25]" / "1.23 ms ±1.5%". */
static void table_time(struct sbuf *s, const struct store_result *res,
		       enum table_spread spread)
{
	double t = render_value(res, NULL, RENDER_TIME);
	char lo[UNITS_LEN], hi[UNITS_LEN];

	if (!res) {
		sbuf_add(s, EM_DASH);
		return;
	}
	if (!isfinite(t)) {
		mdesc_text(s, res->status);
		return;
	}
	render_value_text(s, t, RENDER_TIME);
	if (spread == SPREAD_CI && isfinite(res->stats.ci_lo) && isfinite(res->stats.ci_hi)) {
		units_time_as(res->stats.ci_lo, t, lo, sizeof(lo));
		units_time_as(res->stats.ci_hi, t, hi, sizeof(hi));
		sbuf_addf(s, " [%s" EN_DASH "%s]", lo, hi);
	} else if (spread == SPREAD_CV && res->stats.mean > 0 && isfinite(res->stats.stddev)) {
		units_pct(100 * res->stats.stddev / res->stats.mean, lo, sizeof(lo));
		sbuf_addf(s, " \xc2\xb1%s%%", lo);
	}
}

/* GB/s or GFLOP/s for auto: GFLOP/s when the benchmark's arithmetic
 * intensity lies above the device's ridge point (10 flop/byte without
 * measured peaks). */
static enum render_metric table_auto_metric(const struct store_result *res,
					    const struct store_device *dev)
{
	double ridge = 10;

	if (dev && isfinite(dev->peak_gflops) && isfinite(dev->peak_gbps))
		ridge = dev->peak_gflops / dev->peak_gbps;
	if (!(res->bytes > 0))
		return RENDER_GFLOPS;
	return res->flops / res->bytes > ridge ? RENDER_GFLOPS : RENDER_GBPS;
}

/* Throughput with the share of the device's measured peak: "45.1 GB/s (62%)",
 * with peak == PEAK_BEST also at the best sample: "45.1 GB/s (62%; best 71%)";
 * without the unit when the column header gives it. */
static void table_rate(struct sbuf *s, const struct store_result *res,
		       const struct store_device *dev, enum render_metric m, int peak,
		       int with_unit)
{
	double v, pct;
	char num[UNITS_LEN];

	if (!res) {
		sbuf_add(s, EM_DASH);
		return;
	}
	if (strcmp(res->status, "ok") != 0) {
		mdesc_text(s, res->status);
		return;
	}
	v = render_value(res, dev, m);
	if (with_unit || !isfinite(v)) {
		render_value_text(s, v, m);
	} else {
		units_sig(v, 3, num, sizeof(num));
		sbuf_add(s, num);
	}
	pct = render_value(res, dev, m == RENDER_GBPS ? RENDER_GBPS_PCT : RENDER_GFLOPS_PCT);
	if (peak && isfinite(v) && isfinite(pct)) {
		units_pct(pct, num, sizeof(num));
		sbuf_addf(s, " (%s%%", num);
		pct = render_value(res, dev, m == RENDER_GBPS ? RENDER_GBPS_BEST_PCT
							       : RENDER_GFLOPS_BEST_PCT);
		if (peak == PEAK_BEST && isfinite(pct)) {
			units_pct(pct, num, sizeof(num));
			sbuf_addf(s, "; best %s%%", num);
		}
		sbuf_addc(s, ')');
	}
}

static const char *table_rate_unit(enum table_tput t)
{
	return t == TPUT_GBPS ? "GB/s" : t == TPUT_GFLOPS ? "GFLOP/s" : "throughput";
}

/* Resolves "a/b,c/d" into ratio columns; a pair reads the same machine
 * unless one side names its machine. */
static int table_ratios(struct render *r, const struct render_table_args *a,
			const struct render_scope *sc, struct table *tb)
{
	const struct tmpl_node *node = a->node;
	const char *spec = a->ratio, *suite = a->suite, *variant = a->variant;
	const char *clock = a->clock;
	char *list, *save = NULL;
	int rc = 0;

	if (!spec)
		return 0;
	list = strdup(spec);
	if (!list)
		return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
	for (char *item = strtok_r(list, ",", &save); item && !rc;
	     item = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(item, '/');
		struct render_col *ca = NULL, *cb = NULL, *all;
		struct table_ratio *nr;
		size_t na = 0, nb = 0, before = tb->n_ratios;

		while (*item == ' ')
			item++;
		if (!slash || slash == item || !slash[1]) {
			rc = render_error(r, node, "ratio", "ratio '%s' must read A/B (time of A over time of B)",
					  item);
			break;
		}
		*slash = '\0';
		if ((rc = render_cols(r, node, "ratio", item, sc, suite, variant, clock, &ca, &na)) ||
		    (rc = render_cols(r, node, "ratio", slash + 1, sc, suite, variant, clock, &cb,
				      &nb))) {
			render_cols_free(ca, na);
			break;
		}
		/* Keep both sides' columns alive in one array owned by the table. */
		all = realloc(tb->ratio_cols, (tb->n_ratio_cols + na + nb) * sizeof(*all));
		nr = all ? realloc(tb->ratios, (tb->n_ratios + na * nb) * sizeof(*nr)) : NULL;
		if (all)
			tb->ratio_cols = all;
		if (!all || !nr) {
			render_cols_free(ca, na);
			render_cols_free(cb, nb);
			rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
			break;
		}
		tb->ratios = nr;
		if (na)
			memcpy(all + tb->n_ratio_cols, ca, na * sizeof(*ca));
		if (nb)
			memcpy(all + tb->n_ratio_cols + na, cb, nb * sizeof(*cb));
		for (size_t i = 0; i < na; i++) {
			for (size_t k = 0; k < nb; k++) {
				int explicit = strchr(item, '@') || strchr(slash + 1, '@');

				if ((!explicit && ca[i].machine_id != cb[k].machine_id) ||
				    (ca[i].machine_id == cb[k].machine_id &&
				     strcmp(ca[i].backend, cb[k].backend) == 0))
					continue;
				nr[tb->n_ratios].a = tb->n_ratio_cols + i;
				nr[tb->n_ratios].b = tb->n_ratio_cols + na + k;
				tb->n_ratios++;
			}
		}
		tb->n_ratio_cols += na + nb;
		free(ca);   /* the by_bench arrays moved into the table */
		free(cb);
		/* An optional side ("opencl?/cpu") that has no column drops the ratio. */
		if (tb->n_ratios == before && na && nb)
			rc = render_error(r, node, "ratio", "ratio '%s/%s' pairs no two columns",
					  item, slash + 1);
	}
	free(list);
	for (size_t i = 0; !rc && i < tb->n_ratios; i++)
		render_label_pair(r, &tb->ratio_cols[tb->ratios[i].a],
				  &tb->ratio_cols[tb->ratios[i].b]);
	return rc;
}

/* The ratio=best cells of a row: each column's time over the row's
 * fastest with its interval, "fastest" for that one, a dash where a time
 * is missing. */
static int table_vs_best(struct render *r, struct sbuf *s, const struct table *tb,
			 const char *row)
{
	const struct store_result *best_res = NULL;
	size_t best_col = 0;
	double best = NAN;
	char num[UNITS_LEN];
	int rc;

	for (size_t i = 0; i < tb->n_cols; i++) {
		const struct store_result *res = render_find(&tb->cols[i], row);
		double t = render_value(res, NULL, RENDER_TIME);

		if (isfinite(t) && !(t >= best)) {
			best = t;
			best_res = res;
			best_col = i;
		}
	}
	for (size_t i = 0; i < tb->n_cols; i++) {
		const struct store_result *res = render_find(&tb->cols[i], row);
		double t = render_value(res, NULL, RENDER_TIME);

		sbuf_addc(s, ' ');
		if (!isfinite(t) || !isfinite(best)) {
			sbuf_add(s, EM_DASH);
		} else if (t == best) {
			sbuf_add(s, "fastest");
		} else {
			struct stats_interval iv;

			rc = render_ratio_interval(r, &tb->cols[i], res, &tb->cols[best_col],
						   best_res, &iv);
			if (rc)
				return rc;
			units_factor(t / best, num, sizeof(num));
			sbuf_addf(s, "%sx", num);
			render_interval_text(s, iv.lo, iv.hi);
		}
		sbuf_add(s, " |");
	}
	return 0;
}

/* The mark of a measured result with samples under heavy steal (noise.h);
 * results recorded before steal was, or without any flagged, get none. */
static void table_steal_mark(struct sbuf *s, const struct store_result *res)
{
	if (res && res->n_steal_flagged > 0 && isfinite(render_value(res, NULL, RENDER_TIME)))
		sbuf_add(s, " " STEAL_MARK);
}

/* The footnote of the marks: which results, and how many of their samples. */
static void table_steal_note(struct sbuf *s, const struct table *tb)
{
	int any = 0;

	for (size_t k = 0; k < tb->n_rows; k++) {
		for (size_t i = 0; i < tb->n_cols; i++) {
			const struct store_result *res = render_find(&tb->cols[i], tb->rows[k]);

			if (!res || res->n_steal_flagged <= 0 ||
			    !isfinite(render_value(res, NULL, RENDER_TIME)))
				continue;
			sbuf_add(s, any ? "; " : STEAL_MARK " Samples taken under heavy CPU "
				 "steal (the hypervisor gave more than a tenth of the machine's "
				 "CPU time over the sample to other guests): ");
			mdesc_text(s, tb->rows[k]);
			sbuf_add(s, " on ");
			mdesc_text(s, tb->cols[i].label);
			sbuf_addf(s, ", %lld of %lld", (long long)res->n_steal_flagged,
				  (long long)res->n_samples);
			any = 1;
		}
	}
	if (any)
		sbuf_add(s, ". ");
}

static void table_free(struct table *tb)
{
	render_cols_free(tb->vs_cols, tb->vs_cols ? tb->n_cols : 0);
	free(tb->partners);
	render_cols_free(tb->cols, tb->n_cols);
	render_cols_free(tb->ratio_cols, tb->n_ratio_cols);
	free(tb->ratios);
	free(tb->rows);
}

/* vs=: each column's partner column and each row's partner in it (NULL
 * where the column has no result for the row); a result without exactly
 * one partner is an error at vs=. */
static int table_partners(struct render *r, const struct tmpl_node *node,
			  const struct render_scope *sc, struct table *tb)
{
	struct sbuf why = SBUF_INIT;
	int rc = 0;

	tb->vs_cols = calloc(tb->n_cols, sizeof(*tb->vs_cols));
	tb->partners = calloc(tb->n_cols * tb->n_rows + 1, sizeof(*tb->partners));
	if (!tb->vs_cols || !tb->partners)
		return render_oom(r);
	for (size_t i = 0; i < tb->n_cols && !rc; i++) {
		struct render_col *one;

		if ((rc = render_col_like(r, node, "vs", &tb->cols[i], sc, tb->vs->suite,
					  &one)) != 0)
			break;
		tb->vs_cols[i] = *one;
		free(one);   /* its by_bench moved into vs_cols */
		for (size_t k = 0; k < tb->n_rows && !rc; k++) {
			const struct store_result *res = render_find(&tb->cols[i], tb->rows[k]);

			if (!res)
				continue;
			render_vs_partner(tb->vs, res, &tb->vs_cols[i],
					  &tb->partners[k * tb->n_cols + i], &why);
			if (why.len)
				rc = render_error(r, node, "vs", "%s: %s", tb->cols[i].label,
						  sbuf_str(&why));
		}
	}
	sbuf_release(&why);
	return rc;
}

/* The header of a vs= column: "% of decode_step", the partners' kernel
 * when they share one, else vs='s glob. */
static void table_vs_head(struct sbuf *s, const struct table *tb, size_t col)
{
	const char *k = NULL;
	int one = 1;

	for (size_t i = 0; i < tb->n_rows; i++) {
		const struct store_result *p = tb->partners[i * tb->n_cols + col];

		if (p && p->kernel && k && strcmp(k, p->kernel) != 0)
			one = 0;
		if (p && p->kernel && !k)
			k = p->kernel;
	}
	sbuf_add(s, " % of ");
	mdesc_text(s, one && k ? k : tb->vs->glob);
}

/* A vs= cell: the row's time as a percentage of its partner's, with its
 * interval, "0.41% [0.38–0.45]"; a dash where the column has no result or
 * either side no time. */
static int table_vs_cell(struct render *r, struct sbuf *s, const struct table *tb,
			 size_t row, size_t col)
{
	const struct render_col *ca = &tb->cols[col], *cb = &tb->vs_cols[col];
	const struct store_result *ra = render_find(ca, tb->rows[row]);
	const struct store_result *rb = tb->partners[row * tb->n_cols + col];
	struct stats_interval iv;
	char num[UNITS_LEN], hi[UNITS_LEN];
	int rc;

	if (!ra || !rb || !isfinite(render_value(ra, NULL, RENDER_TIME))) {
		sbuf_add(s, EM_DASH);
		return 0;
	}
	if (!isfinite(render_value(rb, NULL, RENDER_TIME))) {
		sbuf_add(s, "partner ");
		mdesc_text(s, rb->status);
		return render_use_cell(r, cb, rb);
	}
	if ((rc = render_ratio_interval(r, ca, ra, cb, rb, &iv)) != 0)
		return rc;
	units_pct(100 * iv.point, num, sizeof(num));
	sbuf_addf(s, "%s%%", num);
	if (isfinite(iv.lo) && isfinite(iv.hi)) {
		units_pct(100 * iv.lo, num, sizeof(num));
		units_pct(100 * iv.hi, hi, sizeof(hi));
		sbuf_addf(s, " [%s" EN_DASH "%s]", num, hi);
	}
	return render_use_cell(r, cb, rb);
}

/* vs=: "Partners (decoding): cpu from run ..." after the source line,
 * sample counts over the partners shown. */
static int table_vs_sources(struct sbuf *s, const struct table *tb)
{
	const char **names = malloc((tb->n_rows * tb->n_cols + 1) * sizeof(*names));
	struct sbuf src = SBUF_INIT;
	size_t n = 0;

	if (!names)
		return MC_ENOMEM;
	for (size_t i = 0; i < tb->n_rows * tb->n_cols; i++) {
		int dup = 0;

		for (size_t k = 0; tb->partners[i] && k < n; k++)
			dup |= strcmp(names[k], tb->partners[i]->benchmark) == 0;
		if (tb->partners[i] && !dup)
			names[n++] = tb->partners[i]->benchmark;
	}
	render_sources(&src, tb->vs_cols, tb->n_cols, names, n);
	/* render_sources writes "Source: ..."; here it names the partners' runs. */
	sbuf_add(s, " Partners (");
	mdesc_text(s, tb->vs->suite);
	sbuf_add(s, "): ");
	sbuf_add(s, sbuf_str(&src) + strlen("Source: "));
	sbuf_release(&src);
	free(names);
	return 0;
}

/* Columns shown plus those only ratios read, for the source line. */
static int table_source_cols(const struct table *tb, struct render_col **out, size_t *out_n)
{
	struct render_col *all = malloc((tb->n_cols + tb->n_ratio_cols + 1) * sizeof(*all));
	size_t n = 0;

	if (!all)
		return MC_ENOMEM;
	for (size_t i = 0; i < tb->n_cols + tb->n_ratio_cols; i++) {
		const struct render_col *c = i < tb->n_cols ? &tb->cols[i] :
			&tb->ratio_cols[i - tb->n_cols];
		int dup = 0;

		for (size_t k = 0; k < n; k++)
			dup |= all[k].machine_id == c->machine_id &&
			       strcmp(all[k].backend, c->backend) == 0 &&
			       strcmp(all[k].variant, c->variant) == 0;
		if (!dup)
			all[n++] = *c;
	}
	*out = all;
	*out_n = n;
	return 0;
}

static void table_explain(struct sbuf *s, const struct table *tb, const char *clock,
			  const char *suite)
{
	if (tb->metric == RENDER_TIME) {
		sbuf_addf(s, "Median %s time per call", strcmp(clock, "device") == 0 ?
			  "device (the device's own clock: OpenCL profiling events; "
			  "for the CUDA peers, CUPTI's busy time)" : "wall-clock");
		if (tb->spread == SPREAD_CI)
			sbuf_add(s, "; in brackets, the 95% confidence interval of the median");
		else if (tb->spread == SPREAD_CV)
			sbuf_add(s, "; \xc2\xb1 is the coefficient of variation");
		sbuf_add(s, ". ");
	}
	if (tb->metric != RENDER_TIME || tb->tput != TPUT_NONE) {
		sbuf_add(s, "Throughput is the FLOP count (GFLOP/s) or compulsory bytes (GB/s) "
			 "of one call over its median time");
		if (tb->peak)
			sbuf_add(s, "; in parentheses, its share of the device's peak measured in "
				 "the same run");
		if (tb->peak == PEAK_BEST)
			sbuf_add(s, ", then that of its best (fastest) sample, like for like "
				 "with the peak, itself the best of many probes");
		sbuf_add(s, ". ");
	}
	if (tb->per)
		sbuf_addf(s, "%s/s is the benchmark's %s over its median time. ", tb->per,
			  tb->per);
	if (tb->n_ratios)
		sbuf_add(s, "A ratio is the first backend's time over the second's. ");
	if (tb->vs_best)
		sbuf_add(s, "A ratio to the fastest is a backend's time over the fastest time of its "
			 "row. ");
	if (tb->vs) {
		sbuf_add(s, "A % of column gives a row's time as a percentage of its partner's "
			 "on the same backend, its ");
		render_vs_what(s, mdesc_text, tb->vs, suite);
		sbuf_add(s, ", with the 95% interval. ");
	}
}

int render_table_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	static const char *const spreads[] = { "ci", "cv", "none", NULL };
	static const char *const tputs[] = { "none", "gbps", "gflops", "auto", NULL };
	static const char *const peaks[] = { "no", "yes", "best", NULL };
	struct render_table_args *a = &out->table;
	int rc;

	a->node = node;
	a->variant = render_variant(node);
	a->cols = tmpl_get(node, "cols", NULL);
	a->bench = tmpl_get(node, "bench", NULL);
	a->ratio = tmpl_get(node, "ratio", NULL);
	a->per = tmpl_get(node, "per", NULL);
	/* ratio=best and metric=auto are whole values, not items of a list. */
	if (a->ratio && strcmp(a->ratio, "best") == 0) {
		a->ratio_best = 1;
		a->ratio = NULL;
	}
	a->metric_auto = tmpl_get(node, "metric", NULL) &&
		strcmp(tmpl_get(node, "metric", NULL), "auto") == 0;
	a->metric = RENDER_GBPS;
	if ((rc = render_suite(r, node, sc, &a->suite)) || (rc = render_clock(r, node, &a->clock)) ||
	    (!a->metric_auto &&
	     (rc = render_metric(r, node, RENDER_TIME,
				 (1u << RENDER_TIME) | (1u << RENDER_GBPS) | (1u << RENDER_GFLOPS),
				 &a->metric))) ||
	    (rc = render_choice(r, node, "spread", spreads, SPREAD_CI, &a->spread)) ||
	    (rc = render_choice(r, node, "throughput", tputs, TPUT_NONE, &a->tput)) ||
	    (rc = render_choice(r, node, "peak", peaks, PEAK_YES, &a->peak)))
		return rc;
	if (a->per && (a->metric != RENDER_TIME || a->metric_auto || !a->per[0]))
		return render_error(r, node, "per", "per= names a parameter and goes with "
				    "times (no metric=)");
	if ((rc = render_vs_parse(r, node, a->suite, &a->vs)) != 0)
		return rc;
	if (a->vs.glob && (a->metric != RENDER_TIME || a->metric_auto))
		return render_error(r, node, "vs", "vs= compares times and goes with no metric=");
	return 0;
}

int render_table_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_table_args *a = &args->table;
	const struct tmpl_node *node = a->node;
	const char *clock = a->clock;
	struct table tb;
	struct render_col *src = NULL;
	size_t n_src = 0;
	struct sbuf *s = &r->body;
	int rc;

	memset(&tb, 0, sizeof(tb));
	tb.metric = a->metric;
	tb.spread = (enum table_spread)a->spread;
	tb.tput = tb.metric == RENDER_TIME ? (enum table_tput)a->tput : TPUT_NONE;
	tb.peak = a->peak;
	tb.metric_auto = a->metric_auto;
	tb.vs_best = a->ratio_best;
	tb.per = a->per;
	tb.vs = a->vs.glob ? &a->vs : NULL;
	if ((rc = render_cols(r, node, "cols", a->cols, sc, a->suite, a->variant, clock,
			      &tb.cols, &tb.n_cols)) ||
	    (rc = table_ratios(r, a, sc, &tb)) ||
	    (rc = render_rows(r, node, a->bench, tb.cols, tb.n_cols, &tb.rows, &tb.n_rows)) ||
	    (tb.vs && (rc = table_partners(r, node, sc, &tb))))
		goto out;
	/* Header and alignment rows. */
	sbuf_add(s, "| Benchmark |");
	for (size_t i = 0; i < tb.n_cols; i++) {
		sbuf_addc(s, ' ');
		mdesc_text(s, tb.cols[i].label);
		if (tb.metric != RENDER_TIME)
			sbuf_addf(s, " %s%s", tb.metric_auto ? "throughput" :
				  tb.metric == RENDER_GBPS ? "GB/s" : "GFLOP/s",
				  tb.peak ? " (% of peak)" : "");
		sbuf_add(s, " |");
		if (tb.tput != TPUT_NONE) {
			sbuf_addc(s, ' ');
			mdesc_text(s, tb.cols[i].label);
			sbuf_addf(s, " %s%s |", table_rate_unit(tb.tput), tb.peak ? " (% of peak)" : "");
		}
		if (tb.per) {
			sbuf_addc(s, ' ');
			mdesc_text(s, tb.cols[i].label);
			sbuf_add(s, " ");
			mdesc_text(s, tb.per);
			sbuf_add(s, "/s |");
		}
		if (tb.vs) {
			sbuf_addc(s, ' ');
			mdesc_text(s, tb.cols[i].label);
			table_vs_head(s, &tb, i);
			sbuf_add(s, " |");
		}
	}
	for (size_t i = 0; i < tb.n_ratios; i++) {
		sbuf_add(s, " ");
		mdesc_text(s, tb.ratio_cols[tb.ratios[i].a].label);
		sbuf_add(s, " / ");
		mdesc_text(s, tb.ratio_cols[tb.ratios[i].b].label);
		sbuf_add(s, " (time) |");
	}
	for (size_t i = 0; tb.vs_best && i < tb.n_cols; i++) {
		sbuf_add(s, " ");
		mdesc_text(s, tb.cols[i].label);
		sbuf_add(s, " / fastest (time) |");
	}
	sbuf_add(s, "\n|:--|");
	for (size_t i = 0; i < tb.n_cols * (1 + (tb.tput != TPUT_NONE) + !!tb.per + !!tb.vs) +
		     tb.n_ratios +
		     (tb.vs_best ? tb.n_cols : 0); i++)
		sbuf_add(s, "--:|");
	sbuf_addc(s, '\n');
	/* One row per benchmark. */
	for (size_t k = 0; k < tb.n_rows; k++) {
		sbuf_add(s, "| ");
		mdesc_text(s, tb.rows[k]);
		sbuf_add(s, " |");
		for (size_t i = 0; i < tb.n_cols; i++) {
			const struct render_col *c = &tb.cols[i];
			const struct store_result *res = render_find(c, tb.rows[k]);

			sbuf_addc(s, ' ');
			if (tb.metric == RENDER_TIME)
				table_time(s, res, tb.spread);
			else if (tb.metric_auto)
				table_rate(s, res, c->dev,
					   res ? table_auto_metric(res, c->dev) : RENDER_GBPS, tb.peak,
					   1);
			else
				table_rate(s, res, c->dev, tb.metric, tb.peak, 0);
			table_steal_mark(s, res);
			sbuf_add(s, " |");
			if (tb.tput != TPUT_NONE) {
				enum render_metric m = tb.tput == TPUT_GBPS ? RENDER_GBPS :
					tb.tput == TPUT_GFLOPS ? RENDER_GFLOPS :
					res ? table_auto_metric(res, c->dev) : RENDER_GBPS;

				sbuf_addc(s, ' ');
				table_rate(s, res, c->dev, m, tb.peak, tb.tput == TPUT_AUTO);
				sbuf_add(s, " |");
			}
			if (tb.per) {
				sbuf_addc(s, ' ');
				table_per(s, res, tb.per);
				sbuf_add(s, " |");
			}
			if (tb.vs) {
				sbuf_addc(s, ' ');
				if ((rc = table_vs_cell(r, s, &tb, k, i)) != 0)
					goto out;
				sbuf_add(s, " |");
			}
			if (res && (rc = render_use_cell(r, c, res)) != 0)
				goto out;
		}
		for (size_t i = 0; i < tb.n_ratios; i++) {
			const struct render_col *ca = &tb.ratio_cols[tb.ratios[i].a];
			const struct render_col *cb = &tb.ratio_cols[tb.ratios[i].b];
			const struct store_result *ra = render_find(ca, tb.rows[k]);
			const struct store_result *rb = render_find(cb, tb.rows[k]);
			double ta = render_value(ra, NULL, RENDER_TIME);
			double tbv = render_value(rb, NULL, RENDER_TIME);

			sbuf_addc(s, ' ');
			if (isfinite(ta) && isfinite(tbv)) {
				struct stats_interval iv;

				if ((rc = render_ratio_interval(r, ca, ra, cb, rb, &iv)) != 0)
					goto out;
				render_ratio_ci_text(s, &iv, ca->label, cb->label);
			} else {
				sbuf_add(s, EM_DASH);
			}
			sbuf_add(s, " |");
			if ((ra && (rc = render_use_cell(r, ca, ra))) ||
			    (rb && (rc = render_use_cell(r, cb, rb))))
				goto out;
		}
		if (tb.vs_best && (rc = table_vs_best(r, s, &tb, tb.rows[k])) != 0)
			goto out;
		sbuf_addc(s, '\n');
	}
	sbuf_addc(s, '\n');
	table_explain(s, &tb, clock, a->suite);
	table_steal_note(s, &tb);
	if (table_source_cols(&tb, &src, &n_src)) {
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
		goto out;
	}
	render_sources(s, src, n_src, tb.rows, tb.n_rows);
	if (tb.vs && table_vs_sources(s, &tb)) {
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
		goto out;
	}
	sbuf_addc(s, '\n');
out:
	free(src);
	table_free(&tb);
	return rc;
}

