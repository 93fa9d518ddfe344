/*
 * render_table.c - the {{table}} and {{chart}} directives: a suite's
 * benchmarks against backends (devices, peers, machines), as a Markdown
 * table with traceable sources, or as a gnuplot chart.
 */
#include "render_int.h"

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
};

static int table_choice(struct render *r, const struct tmpl_node *node, const char *key,
			const char *const *names, int dflt, int *out)
{
	const char *v = tmpl_get(node, key, NULL);
	struct sbuf s = SBUF_INIT;
	int rc;

	*out = dflt;
	if (!v)
		return 0;
	for (int i = 0; names[i]; i++) {
		if (strcmp(names[i], v) == 0) {
			*out = i;
			return 0;
		}
	}
	for (int i = 0; names[i]; i++)
		sbuf_addf(&s, "%s%s", i ? ", " : "", names[i]);
	rc = render_error(r, node, key, "%s must be one of %s, not '%s'", key, sbuf_str(&s), v);
	sbuf_release(&s);
	return rc;
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
static int table_ratios(struct render *r, const struct tmpl_node *node,
			const struct render_scope *sc, const char *suite, const char *variant,
			const char *clock, struct table *tb)
{
	const char *spec = tmpl_get(node, "ratio", NULL);
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

static void table_free(struct table *tb)
{
	render_cols_free(tb->cols, tb->n_cols);
	render_cols_free(tb->ratio_cols, tb->n_ratio_cols);
	free(tb->ratios);
	free(tb->rows);
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

static void table_explain(struct sbuf *s, const struct table *tb, const char *clock)
{
	if (tb->metric == RENDER_TIME) {
		sbuf_addf(s, "Median %s time per call", strcmp(clock, "device") == 0 ?
			  "device (OpenCL profiling)" : "wall-clock");
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
	if (tb->n_ratios)
		sbuf_add(s, "A ratio is the first backend's time over the second's. ");
}

int render_table(struct render *r, const struct tmpl_node *node, const struct render_scope *sc)
{
	static const char *const spreads[] = { "ci", "cv", "none", NULL };
	static const char *const tputs[] = { "none", "gbps", "gflops", "auto", NULL };
	static const char *const peaks[] = { "no", "yes", "best", NULL };
	const char *suite, *clock, *variant = render_variant(node);
	struct table tb;
	struct render_col *src = NULL;
	size_t n_src = 0;
	struct sbuf *s = &r->body;
	int rc, spread, tput, peak;

	memset(&tb, 0, sizeof(tb));
	if ((rc = render_suite(r, node, &suite)) || (rc = render_clock(r, node, &clock)) ||
	    (rc = render_metric(r, node, RENDER_TIME,
				(1u << RENDER_TIME) | (1u << RENDER_GBPS) | (1u << RENDER_GFLOPS),
				&tb.metric)) ||
	    (rc = table_choice(r, node, "spread", spreads, SPREAD_CI, &spread)) ||
	    (rc = table_choice(r, node, "throughput", tputs, TPUT_NONE, &tput)) ||
	    (rc = table_choice(r, node, "peak", peaks, PEAK_YES, &peak)))
		return rc;
	tb.spread = (enum table_spread)spread;
	tb.tput = tb.metric == RENDER_TIME ? (enum table_tput)tput : TPUT_NONE;
	tb.peak = peak;
	if ((rc = render_cols(r, node, "cols", tmpl_get(node, "cols", NULL), sc, suite, variant,
			      clock, &tb.cols, &tb.n_cols)) ||
	    (rc = table_ratios(r, node, sc, suite, variant, clock, &tb)) ||
	    (rc = render_rows(r, node, tmpl_get(node, "bench", NULL), tb.cols, tb.n_cols,
			      &tb.rows, &tb.n_rows)))
		goto out;
	/* Header and alignment rows. */
	sbuf_add(s, "| Benchmark |");
	for (size_t i = 0; i < tb.n_cols; i++) {
		sbuf_addc(s, ' ');
		mdesc_text(s, tb.cols[i].label);
		if (tb.metric != RENDER_TIME)
			sbuf_addf(s, " %s%s", tb.metric == RENDER_GBPS ? "GB/s" : "GFLOP/s",
				  tb.peak ? " (% of peak)" : "");
		sbuf_add(s, " |");
		if (tb.tput != TPUT_NONE) {
			sbuf_addc(s, ' ');
			mdesc_text(s, tb.cols[i].label);
			sbuf_addf(s, " %s%s |", table_rate_unit(tb.tput), tb.peak ? " (% of peak)" : "");
		}
	}
	for (size_t i = 0; i < tb.n_ratios; i++) {
		sbuf_add(s, " ");
		mdesc_text(s, tb.ratio_cols[tb.ratios[i].a].label);
		sbuf_add(s, " / ");
		mdesc_text(s, tb.ratio_cols[tb.ratios[i].b].label);
		sbuf_add(s, " (time) |");
	}
	sbuf_add(s, "\n|:--|");
	for (size_t i = 0; i < tb.n_cols * (tb.tput != TPUT_NONE ? 2 : 1) + tb.n_ratios; i++)
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
			else
				table_rate(s, res, c->dev, tb.metric, tb.peak, 0);
			sbuf_add(s, " |");
			if (tb.tput != TPUT_NONE) {
				enum render_metric m = tb.tput == TPUT_GBPS ? RENDER_GBPS :
					tb.tput == TPUT_GFLOPS ? RENDER_GFLOPS :
					res ? table_auto_metric(res, c->dev) : RENDER_GBPS;

				sbuf_addc(s, ' ');
				table_rate(s, res, c->dev, m, tb.peak, tb.tput == TPUT_AUTO);
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
			if (isfinite(ta) && isfinite(tbv))
				render_ratio_text(s, ta, tbv, ca->label, cb->label);
			else
				sbuf_add(s, EM_DASH);
			sbuf_add(s, " |");
			if ((ra && (rc = render_use_cell(r, ca, ra))) ||
			    (rb && (rc = render_use_cell(r, cb, rb))))
				goto out;
		}
		sbuf_addc(s, '\n');
	}
	sbuf_addc(s, '\n');
	table_explain(s, &tb, clock);
	if (table_source_cols(&tb, &src, &n_src)) {
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
		goto out;
	}
	render_sources(s, src, n_src, tb.rows, tb.n_rows);
	sbuf_addc(s, '\n');
out:
	free(src);
	table_free(&tb);
	return rc;
}

/* ---------------------------------------------------------------- charts */

static const char *const chart_metric_label[] = {
	[RENDER_TIME] = "median time", [RENDER_GBPS] = "GB/s", [RENDER_GFLOPS] = "GFLOP/s",
	[RENDER_GBPS_PCT] = "% of peak GB/s", [RENDER_GFLOPS_PCT] = "% of peak GFLOP/s",
	[RENDER_SAMPLES] = "samples",
	[RENDER_GBPS_BEST_PCT] = "% of peak GB/s at the best sample",
	[RENDER_GFLOPS_BEST_PCT] = "% of peak GFLOP/s at the best sample",
};

/* File-name-safe copy of s: [A-Za-z0-9._-], others as '_'. */
static void chart_safe(char *out, size_t n_out, const char *s)
{
	size_t k = 0;

	for (; *s && k + 1 < n_out; s++) {
		char c = *s;

		out[k++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '.' || c == '-') ? c : '_';
	}
	out[k] = '\0';
}

/* Claims a unique chart file name; name= must be safe, the default is
 * derived from the directive and numbered when taken. */
static int chart_name(struct render *r, const struct tmpl_node *node, const char *suite,
		      enum render_metric m, char *out, size_t n_out)
{
	const char *given = tmpl_get(node, "name", NULL), *bench = tmpl_get(node, "bench", NULL);
	const char *x = tmpl_get(node, "x", NULL);
	char base[160], part[96];
	char **nf;

	if (given) {
		chart_safe(base, sizeof(base), given);
		if (strcmp(base, given) != 0 || given[0] == '.' || strlen(given) > 100)
			return render_error(r, node, "name",
					    "chart name '%s' may only use letters, digits, '.', '-' and '_'",
					    given);
	} else {
		chart_safe(part, sizeof(part), suite);
		snprintf(base, sizeof(base), "%s-%s", node->word, part);
		if (m != RENDER_TIME)
			snprintf(base + strlen(base), sizeof(base) - strlen(base), "-%s",
				 m == RENDER_GBPS ? "gbps" : m == RENDER_GFLOPS ? "gflops" : "x");
		if (strcmp(node->word, "bars") != 0 && (x || bench)) {
			chart_safe(part, sizeof(part), x ? x : bench);
			snprintf(base + strlen(base), sizeof(base) - strlen(base), "-%s", part);
		}
	}
	for (int k = 1; ; k++) {
		int taken = 0;

		if (k == 1)
			snprintf(out, n_out, "%s.svg", base);
		else
			snprintf(out, n_out, "%s-%d.svg", base, k);
		for (size_t i = 0; i < r->n_chart_files; i++)
			taken |= strcmp(r->chart_files[i], out) == 0;
		if (!taken)
			break;
		if (given)
			return render_error(r, node, "name", "chart name '%s' is used twice", given);
	}
	nf = realloc(r->chart_files, (r->n_chart_files + 1) * sizeof(*nf));
	if (!nf || !(nf[r->n_chart_files] = strdup(out))) {
		if (nf)
			r->chart_files = nf;
		return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
	}
	r->chart_files = nf;
	r->n_chart_files++;
	return 0;
}

/* The link to a chart: percent-encoded so no path breaks the Markdown. */
static void chart_link(struct sbuf *s, const char *dir, const char *file)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._~/-", *p))
			sbuf_addc(s, (char)*p);
		else
			sbuf_addf(s, "%%%02X", *p);
	}
}

/* Values of one series, with CI bounds for times; scale divides times. */
struct chart_data {
	double *x, *y, *lo, *hi;
	const char **xtime;
};

static void chart_data_free(struct chart_data *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++) {
		free(d[i].x);
		free(d[i].y);
		free(d[i].lo);
		free(d[i].hi);
		free(d[i].xtime);
	}
	free(d);
}

static int chart_data_alloc(struct chart_data *d, size_t n, int with_x, int with_time)
{
	size_t k = n ? n : 1;

	d->y = malloc(k * sizeof(double));
	d->lo = malloc(k * sizeof(double));
	d->hi = malloc(k * sizeof(double));
	d->x = with_x ? malloc(k * sizeof(double)) : NULL;
	d->xtime = with_time ? malloc(k * sizeof(char *)) : NULL;
	return d->y && d->lo && d->hi && (!with_x || d->x) && (!with_time || d->xtime) ? 0 :
		MC_ENOMEM;
}

static void chart_point(struct chart_data *d, size_t k, const struct store_result *res,
			const struct store_device *dev, enum render_metric m)
{
	d->y[k] = render_value(res, dev, m);
	d->lo[k] = d->hi[k] = NAN;
	if (m == RENDER_TIME && isfinite(d->y[k])) {
		d->lo[k] = res->stats.ci_lo;
		d->hi[k] = res->stats.ci_hi;
	}
}

/* The numeric value of parameter x in a result's params JSON. */
static int chart_param(const struct store_result *res, const char *x, double *out)
{
	cJSON *p = cJSON_Parse(res->params), *v;
	int ok;

	v = p ? cJSON_GetObjectItemCaseSensitive(p, x) : NULL;
	ok = cJSON_IsNumber(v);
	*out = ok ? v->valuedouble : NAN;
	cJSON_Delete(p);
	return ok ? 0 : -1;
}

/* Divides times by a unit chosen from their median; returns the unit. */
static const char *chart_scale(struct chart_data *d, const size_t *n, size_t n_series,
			       enum render_metric m)
{
	double *all, scale = 1;
	size_t total = 0, k = 0;
	const char *unit = NULL;

	if (m != RENDER_TIME)
		return NULL;
	for (size_t i = 0; i < n_series; i++)
		total += n[i];
	all = malloc((total ? total : 1) * sizeof(*all));
	if (!all)
		return "ns";
	for (size_t i = 0; i < n_series; i++)
		for (size_t j = 0; j < n[i]; j++)
			if (isfinite(d[i].y[j]))
				all[k++] = d[i].y[j];
	for (size_t i = 1; i < k; i++) {       /* insertion sort: charts are small */
		double v = all[i];
		size_t j = i;

		for (; j > 0 && all[j - 1] > v; j--)
			all[j] = all[j - 1];
		all[j] = v;
	}
	unit = units_time_unit(k ? all[k / 2] : 1, &scale);
	free(all);
	for (size_t i = 0; i < n_series; i++) {
		for (size_t j = 0; j < n[i]; j++) {
			d[i].y[j] /= scale;
			d[i].lo[j] /= scale;
			d[i].hi[j] /= scale;
		}
	}
	return unit;
}

/* Fills one series per column; sets *out_n per series. For scaling, the x
 * of each point is the parameter; for history, the run's start. */
static int chart_collect(struct render *r, const struct tmpl_node *node, const char *kind,
			 struct render_col *cols, size_t n_cols, const char *const *rows,
			 size_t n_rows, enum render_metric m, const char *suite,
			 struct chart_data *d, size_t *n)
{
	const char *x = tmpl_get(node, "x", NULL), *bench = tmpl_get(node, "bench", NULL);
	double last;
	int rc;

	if ((rc = render_number(r, node, "last", 20, &last)) != 0)
		return rc;
	if (last > 1000 || last != floor(last))
		return render_error(r, node, "last", "last must be a whole number up to 1000");
	for (size_t i = 0; i < n_cols; i++) {
		struct render_col *c = &cols[i];

		if (strcmp(kind, "history") == 0) {
			const struct store_report_point *pts;
			size_t n_pts;

			if ((rc = store_report_history(r->rp, c->machine_id, suite, bench, c->backend,
						 c->variant, c->clock, (size_t)last, &pts, &n_pts,
						 r->err, r->n_err)) != 0)
				return rc;
			if (chart_data_alloc(&d[i], n_pts, 0, 1))
				return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory.");
			for (size_t k = 0; k < n_pts; k++) {
				const struct store_device *dev = NULL;

				if (m != RENDER_TIME &&
				    (rc = store_report_device(r->rp, pts[k].run->id, c->backend, &dev,
							r->err, r->n_err)) != 0)
					return rc;
				d[i].xtime[k] = pts[k].run->started_at;
				chart_point(&d[i], k, &pts[k].res, dev, m);
				if ((rc = render_use_run(r, pts[k].run->id)) != 0)
					return rc;
			}
			n[i] = n_pts;
			continue;
		}
		if (chart_data_alloc(&d[i], n_rows, x != NULL, 0))
			return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory.");
		n[i] = 0;
		for (size_t k = 0; k < n_rows; k++) {
			const struct store_result *res = render_find(c, rows[k]);
			size_t at = n[i];

			if (x) {
				double xv;

				if (!res)
					continue;
				if (chart_param(res, x, &xv))
					return render_error(r, node, "x",
							    "benchmark '%s' has no numeric parameter '%s'",
							    rows[k], x);
				for (size_t j = 0; j < at; j++)
					if (d[i].x[j] == xv)
						return render_error(r, node, "x",
								    "%s=%g is more than one benchmark of %s (narrow them with bench=)",
								    x, xv, c->label);
				/* Keep points sorted by x. */
				while (at > 0 && d[i].x[at - 1] > xv) {
					d[i].x[at] = d[i].x[at - 1];
					d[i].y[at] = d[i].y[at - 1];
					d[i].lo[at] = d[i].lo[at - 1];
					d[i].hi[at] = d[i].hi[at - 1];
					at--;
				}
				d[i].x[at] = xv;
			}
			chart_point(&d[i], at, res, c->dev, m);
			n[i]++;
			if (res && (rc = render_use_cell(r, c, res)) != 0)
				return rc;
		}
	}
	return 0;
}

int render_chart(struct render *r, const struct tmpl_node *node, const struct render_scope *sc)
{
	static const char *const logs[] = { "no", "yes", "auto", NULL };
	const char *suite, *clock, *kind = node->word, *bench = tmpl_get(node, "bench", NULL);
	const char *unit, *x = tmpl_get(node, "x", NULL);
	struct render_col *cols = NULL;
	struct chart_data *d = NULL;
	struct chart_series *ser = NULL;
	size_t n_cols = 0, n_rows = 0, *n = NULL;
	const char **rows = NULL;
	char file[192], path[4200], ylabel[96];
	struct chart_axes ax;
	enum render_metric m;
	int rc, logv, bars = strcmp(kind, "bars") == 0, history = strcmp(kind, "history") == 0;

	if ((rc = render_suite(r, node, &suite)) || (rc = render_clock(r, node, &clock)) ||
	    (rc = render_metric(r, node, RENDER_TIME, 0xdf, &m)) ||
	    (rc = table_choice(r, node, "log", logs, 2, &logv)))
		return rc;
	if (strcmp(kind, "scaling") == 0 && !x)
		return render_error(r, node, NULL, "{{chart scaling}} needs x= (a parameter, e.g. x=rows)");
	if (x && strcmp(kind, "scaling") != 0)
		return render_error(r, node, "x", "x= is for {{chart scaling}} only");
	if (history && !bench)
		return render_error(r, node, NULL, "{{chart history}} needs bench= (one benchmark)");
	if (tmpl_get(node, "last", NULL) && !history)
		return render_error(r, node, "last", "last= is for {{chart history}} only");
	if ((rc = render_cols(r, node, "cols", tmpl_get(node, "cols", NULL), sc, suite,
			      render_variant(node), clock, &cols, &n_cols)) ||
	    (rc = render_rows(r, node, bench, cols, n_cols, &rows, &n_rows)))
		goto out;
	if (history && (n_rows != 1 || strcmp(rows[0], bench) != 0)) {
		rc = render_error(r, node, "bench", "{{chart history}} needs one benchmark by its full name, not '%s'",
				  bench);
		goto out;
	}
	d = calloc(n_cols, sizeof(*d));
	ser = calloc(n_cols, sizeof(*ser));
	n = calloc(n_cols, sizeof(*n));
	if (!d || !ser || !n) {
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
		goto out;
	}
	if ((rc = chart_collect(r, node, kind, cols, n_cols, rows, n_rows, m, suite, d, n)) ||
	    (rc = chart_name(r, node, suite, m, file, sizeof(file))))
		goto out;
	unit = chart_scale(d, n, n_cols, m);
	for (size_t i = 0; i < n_cols; i++) {
		ser[i].label = cols[i].label;
		ser[i].n = n[i];
		ser[i].x = d[i].x;
		ser[i].xtime = d[i].xtime;
		ser[i].y = d[i].y;
		if (m == RENDER_TIME) {
			ser[i].lo = d[i].lo;
			ser[i].hi = d[i].hi;
		}
	}
	if (unit)
		snprintf(ylabel, sizeof(ylabel), "median %s time (%s)", clock, unit);
	else
		snprintf(ylabel, sizeof(ylabel), "%s", chart_metric_label[m]);
	ax.xlabel = history ? "run start (UTC)" : x;
	ax.ylabel = ylabel;
	ax.logx = -1;
	ax.logy = logv == 2 ? -1 : logv;
	snprintf(path, sizeof(path), "%s/%s", r->o->charts_out ? r->o->charts_out :
		 r->o->charts_link ? r->o->charts_link : RENDER_DEFAULT_CHARTS, file);
	rc = bars ? chart_add_bars(r->charts, path, &ax, rows, n_rows, ser, n_cols, r->err, r->n_err) :
		chart_add_lines(r->charts, path, &ax, ser, n_cols, r->err, r->n_err);
	if (rc) {
		if (rc == MC_EINVAL)
			rc = render_error(r, node, NULL, "nothing to draw: no ok result in the selection");
		goto out;
	}
	/* The image, then where its data comes from. */
	sbuf_add(&r->body, "![");
	sbuf_addf(&r->body, "%s chart: ", kind);
	mdesc_text(&r->body, chart_metric_label[m]);
	sbuf_add(&r->body, " of ");
	mdesc_text(&r->body, history ? bench : suite);
	if (x) {
		sbuf_add(&r->body, " against ");
		mdesc_text(&r->body, x);
	}
	sbuf_add(&r->body, "](");
	chart_link(&r->body, r->o->charts_link ? r->o->charts_link : RENDER_DEFAULT_CHARTS, file);
	sbuf_add(&r->body, ")\n\n");
	if (history) {
		sbuf_add(&r->body, "Source: ");
		for (size_t i = 0; i < n_cols; i++) {
			sbuf_add(&r->body, i ? "; " : "");
			mdesc_text(&r->body, cols[i].label);
			sbuf_addf(&r->body, ": %zu complete run%s", n[i], n[i] == 1 ? "" : "s");
			if (n[i]) {
				sbuf_add(&r->body, " from ");
				mdesc_text(&r->body, d[i].xtime[0]);
				sbuf_add(&r->body, " to ");
				mdesc_text(&r->body, d[i].xtime[n[i] - 1]);
			}
		}
		sbuf_add(&r->body, " (every run is listed under provenance).\n");
	} else {
		render_sources(&r->body, cols, n_cols, rows, n_rows);
		sbuf_addc(&r->body, '\n');
	}
out:
	chart_data_free(d, n_cols);
	free(ser);
	free(n);
	free(rows);
	render_cols_free(cols, n_cols);
	return rc;
}
