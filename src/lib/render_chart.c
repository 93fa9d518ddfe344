/*
 * render_chart.c - the {{chart}} directive: a suite's benchmarks against
 * backends as gnuplot bars, a scaling curve over one parameter, or one
 * benchmark's history over runs; the image link, then its sources.
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
static int chart_name(struct render *r, const struct render_chart_args *a, char *out,
		      size_t n_out)
{
	const struct tmpl_node *node = a->node;
	const char *given = a->name, *bench = a->bench, *x = a->x, *suite = a->suite;
	enum render_metric m = a->metric;
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
		snprintf(base, sizeof(base), "%s-%s", a->kind, part);
		if (m != RENDER_TIME)
			snprintf(base + strlen(base), sizeof(base) - strlen(base), "-%s",
				 m == RENDER_GBPS ? "gbps" : m == RENDER_GFLOPS ? "gflops" : "x");
		if (strcmp(a->kind, "bars") != 0 && (x || bench)) {
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
static int chart_collect(struct render *r, const struct render_chart_args *a,
			 struct render_col *cols, size_t n_cols, const char *const *rows,
			 size_t n_rows, struct chart_data *d, size_t *n)
{
	const struct tmpl_node *node = a->node;
	const char *x = a->x, *bench = a->bench, *kind = a->kind, *suite = a->suite;
	enum render_metric m = a->metric;
	int rc;

	for (size_t i = 0; i < n_cols; i++) {
		struct render_col *c = &cols[i];

		if (strcmp(kind, "history") == 0) {
			const struct store_report_point *pts;
			size_t n_pts;

			if ((rc = store_report_history(r->rp, c->machine_id, suite, bench, c->backend,
						 c->variant, c->clock, a->last, &pts, &n_pts,
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

int render_chart_parse(struct render *r, const struct tmpl_node *node,
		       const struct render_scope *sc, union render_args *out)
{
	static const char *const logs[] = { "no", "yes", "auto", NULL };
	struct render_chart_args *a = &out->chart;
	int rc, history = strcmp(node->word, "history") == 0;
	double last;

	a->node = node;
	a->kind = node->word;
	a->bench = tmpl_get(node, "bench", NULL);
	a->x = tmpl_get(node, "x", NULL);
	a->cols = tmpl_get(node, "cols", NULL);
	a->name = tmpl_get(node, "name", NULL);
	a->variant = render_variant(node);
	a->any_suite = strcmp(tmpl_get(node, "suite", NULL), "*") == 0;
	if ((rc = render_suite(r, node, sc, &a->suite)) || (rc = render_clock(r, node, &a->clock)) ||
	    (rc = render_metric(r, node, RENDER_TIME, 0xdf, &a->metric)) ||
	    (rc = render_choice(r, node, "log", logs, 2, &a->logv)))
		return rc;
	if (strcmp(a->kind, "scaling") == 0 && !a->x)
		return render_error(r, node, NULL, "{{chart scaling}} needs x= (a parameter, e.g. x=rows)");
	if (a->x && strcmp(a->kind, "scaling") != 0)
		return render_error(r, node, "x", "x= is for {{chart scaling}} only");
	if (history && !a->bench)
		return render_error(r, node, NULL, "{{chart history}} needs bench= (one benchmark)");
	if (tmpl_get(node, "last", NULL) && !history)
		return render_error(r, node, "last", "last= is for {{chart history}} only");
	if ((rc = render_number(r, node, "last", 20, &last)) != 0)
		return rc;
	if (last > 1000 || last != floor(last))
		return render_error(r, node, "last", "last must be a whole number up to 1000");
	a->last = (size_t)last;
	return 0;
}

int render_chart_run(struct render *r, const union render_args *args,
		     const struct render_scope *sc)
{
	const struct render_chart_args *a = &args->chart;
	const struct tmpl_node *node = a->node;
	const char *suite = a->suite, *clock = a->clock, *kind = a->kind, *bench = a->bench;
	const char *unit, *x = a->x;
	struct render_col *cols = NULL;
	struct chart_data *d = NULL;
	struct chart_series *ser = NULL;
	size_t n_cols = 0, n_rows = 0, *n = NULL;
	const char **rows = NULL;
	char file[192], path[4200], ylabel[96];
	struct chart_axes ax;
	enum render_metric m = a->metric;
	int rc, logv = a->logv, bars = strcmp(kind, "bars") == 0;
	int history = strcmp(kind, "history") == 0;

	if ((rc = render_cols(r, node, "cols", a->cols, sc, suite, a->variant, clock, &cols,
			      &n_cols)) ||
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
	if ((rc = chart_collect(r, a, cols, n_cols, rows, n_rows, d, n)) ||
	    (rc = chart_name(r, a, file, sizeof(file))))
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
	if (rc == MC_EINVAL && a->any_suite) {
		/* A template written for any db ({{each suite}}) cannot know that
		 * a suite has no ok result here: it says so instead of failing. */
		free(r->chart_files[--r->n_chart_files]);
		sbuf_add(&r->body, "No ");
		mdesc_text(&r->body, suite);
		sbuf_add(&r->body, " result in this selection is ok, so there is nothing to chart.\n");
		rc = 0;
		goto out;
	}
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
