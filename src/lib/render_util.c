/*
 * render_util.c - the helpers below every directive: errors at a template
 * position and claim problems, the bookkeeping of the runs and cells a
 * document shows, argument checks (suite, clock, metric, numbers), rows in
 * natural order, number and ratio wording, source lines and footnotes.
 * Columns (which run a backend reads) are in render_cols.c.
 */
#include "render_util.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

/* ---------------------------------------------------------------- errors */

static void render_vformat(struct render *r, const struct tmpl_node *node, const char *key,
			   struct sbuf *s, const char *fmt, va_list ap)
{
	const struct tmpl_arg *arg = NULL;
	int line = node->line, col = node->col;

	if (key && tmpl_get(node, key, &arg)) {
		line = arg->line;
		col = arg->col;
	}
	sbuf_addf(s, "%s:%d:%d: ", r->t->path, line, col);
	sbuf_vaddf(s, fmt, ap);
}

int render_error(struct render *r, const struct tmpl_node *node, const char *key,
		 const char *fmt, ...)
{
	struct sbuf s = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	render_vformat(r, node, key, &s, fmt, ap);
	va_end(ap);
	err_set(r->err, r->n_err, MC_EINVAL, "%s", sbuf_str(&s));
	sbuf_release(&s);
	return MC_EINVAL;
}

int render_problem(struct render *r, const struct tmpl_node *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	render_vformat(r, node, NULL, &r->problems, fmt, ap);
	va_end(ap);
	sbuf_addc(&r->problems, '\n');
	r->n_problems++;
	return MC_ECLAIM;
}

int render_oom(struct render *r)
{
	return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
}

/* ---------------------------------------------------------------- bookkeeping */

int render_use_run(struct render *r, int64_t run_id)
{
	for (size_t i = 0; i < r->n_used; i++)
		if (r->used[i] == run_id)
			return 0;
	if (r->n_used == r->cap_used) {
		size_t ncap = r->cap_used ? r->cap_used * 2 : 16;
		int64_t *nu = realloc(r->used, ncap * sizeof(*nu));

		if (!nu)
			return render_oom(r);
		r->used = nu;
		r->cap_used = ncap;
	}
	r->used[r->n_used++] = run_id;
	return 0;
}

int render_use_cell(struct render *r, const struct render_col *c,
		    const struct store_result *res)
{
	if (res && strcmp(res->status, "ok") == 0) {
		if (!r->min_samples || res->n_samples < r->min_samples)
			r->min_samples = res->n_samples;
		if (res->n_samples > r->max_samples)
			r->max_samples = res->n_samples;
		if (res->iters_per_sample > 0 &&
		    (!r->min_iters || res->iters_per_sample < r->min_iters))
			r->min_iters = res->iters_per_sample;
		if (res->iters_per_sample > r->max_iters)
			r->max_iters = res->iters_per_sample;
	}
	r->clocks |= strcmp(c->clock, "device") == 0 ? 2u : 1u;
	return render_use_run(r, c->run->id);
}

/* ---------------------------------------------------------------- arguments */

void render_join(struct sbuf *s, const char *const *list, size_t max)
{
	size_t i;

	for (i = 0; list[i] && i < max; i++)
		sbuf_addf(s, "%s%s", i ? ", " : "", list[i]);
	if (list[i])
		sbuf_add(s, ", ...");
	if (i == 0)
		sbuf_add(s, "none");
}

int render_suite(struct render *r, const struct tmpl_node *node,
		 const struct render_scope *sc, const char **out)
{
	const char *suite = tmpl_get(node, "suite", NULL);
	const char *const *suites;
	struct sbuf s = SBUF_INIT;
	int rc;

	if (suite && strcmp(suite, "*") == 0) {
		if (!sc || !sc->suite)
			return render_error(r, node, "suite",
					    "suite=* names the suite of an enclosing {{each suite}}, and there is none");
		*out = sc->suite;
		return 0;
	}
	*out = suite;
	if ((rc = store_report_suites(r->rp, &suites, r->err, r->n_err)) != 0)
		return rc;
	for (size_t i = 0; suites[i]; i++)
		if (strcmp(suites[i], suite) == 0)
			return 0;
	render_join(&s, suites, 12);
	rc = render_error(r, node, "suite", "unknown suite '%s' (the db has: %s)", suite,
			  sbuf_str(&s));
	sbuf_release(&s);
	return rc;
}

int render_clock(struct render *r, const struct tmpl_node *node, const char **out)
{
	const char *clock = tmpl_get(node, "clock", NULL);

	*out = clock ? clock : "wall";
	if (strcmp(*out, "wall") && strcmp(*out, "device"))
		return render_error(r, node, "clock", "clock must be wall or device, not '%s'",
				    clock);
	return 0;
}

const char *render_variant(const struct tmpl_node *node)
{
	return tmpl_get(node, "variant", NULL);
}

static const char *const render_metric_names[] = {
	[RENDER_TIME] = "time", [RENDER_GBPS] = "gbps", [RENDER_GFLOPS] = "gflops",
	[RENDER_GBPS_PCT] = "gbps_peak", [RENDER_GFLOPS_PCT] = "gflops_peak",
	[RENDER_SAMPLES] = "samples",
	[RENDER_GBPS_BEST_PCT] = "gbps_peak_best", [RENDER_GFLOPS_BEST_PCT] = "gflops_peak_best",
};

int render_metric_is_best(enum render_metric m)
{
	return m == RENDER_GBPS_BEST_PCT || m == RENDER_GFLOPS_BEST_PCT;
}

int render_metric_is_pct(enum render_metric m)
{
	return m == RENDER_GBPS_PCT || m == RENDER_GFLOPS_PCT || render_metric_is_best(m);
}

int render_metric_is_gbps_pct(enum render_metric m)
{
	return m == RENDER_GBPS_PCT || m == RENDER_GBPS_BEST_PCT;
}

int render_metric(struct render *r, const struct tmpl_node *node, enum render_metric dflt,
		  unsigned allowed, enum render_metric *out)
{
	const char *m = tmpl_get(node, "metric", NULL);
	struct sbuf s = SBUF_INIT;
	int rc;

	*out = dflt;
	if (!m)
		return 0;
	for (unsigned i = 0; i < RENDER_N_METRICS; i++) {
		if ((allowed & (1u << i)) && strcmp(m, render_metric_names[i]) == 0) {
			*out = (enum render_metric)i;
			return 0;
		}
	}
	for (unsigned i = 0; i < RENDER_N_METRICS; i++)
		if (allowed & (1u << i))
			sbuf_addf(&s, "%s%s", s.len ? ", " : "", render_metric_names[i]);
	rc = render_error(r, node, "metric", "unknown metric '%s' here (expected one of: %s)",
			  m, sbuf_str(&s));
	sbuf_release(&s);
	return rc;
}

const char *render_metric_name(enum render_metric m)
{
	return m < RENDER_N_METRICS ? render_metric_names[m] : "?";
}

int render_choice(struct render *r, const struct tmpl_node *node, const char *key,
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

int render_number(struct render *r, const struct tmpl_node *node, const char *key,
			 double dflt, double *out)
{
	const char *v = tmpl_get(node, key, NULL);
	char *end;

	*out = dflt;
	if (!v)
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	if (errno || *end || end == v || !isfinite(*out) || *out <= 0)
		return render_error(r, node, key, "%s must be a positive number, not '%s'", key, v);
	return 0;
}

int render_known_bench(struct render *r, const struct tmpl_node *node,
			      const char *suite, const char *bench)
{
	int found, rc = store_report_has_benchmark(r->rp, suite, bench, &found, r->err, r->n_err);

	if (rc)
		return rc;
	if (!found)
		return render_error(r, node, "bench", "unknown benchmark '%s' in suite '%s'",
				    bench, suite);
	return 0;
}

/* ---------------------------------------------------------------- rows */

int render_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea = a, *eb = b;

			while (*a == '0' && a[1] >= '0' && a[1] <= '9')
				a++;
			while (*b == '0' && b[1] >= '0' && b[1] <= '9')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return *a < *b ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int render_row_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int d = render_natural_cmp(x, y);

	return d ? d : strcmp(x, y);
}

int render_has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

int render_rows(struct render *r, const struct tmpl_node *node, const char *pattern,
		const struct render_col *cols, size_t n_cols, const char ***out,
		size_t *out_n)
{
	const char **rows;
	size_t total = 0, n = 0;

	*out = NULL;
	*out_n = 0;
	for (size_t i = 0; i < n_cols; i++)
		total += cols[i].n;
	rows = malloc((total ? total : 1) * sizeof(*rows));
	if (!rows)
		return render_oom(r);
	for (size_t i = 0; i < n_cols; i++)
		for (size_t k = 0; k < cols[i].n; k++)
			if (!pattern || fnmatch(pattern, cols[i].by_bench[k]->benchmark, 0) == 0)
				rows[n++] = cols[i].by_bench[k]->benchmark;
	qsort(rows, n, sizeof(*rows), render_row_cmp);
	if (n) {
		size_t w = 1;

		for (size_t i = 1; i < n; i++)
			if (strcmp(rows[i], rows[w - 1]) != 0)
				rows[w++] = rows[i];
		n = w;
	}
	if (!n) {
		free(rows);
		if (pattern)
			return render_error(r, node, "bench", "%s '%s' in the selected runs",
					    render_has_glob(pattern) ? "no benchmark matches" :
					    "unknown benchmark", pattern);
		return render_error(r, node, "suite", "the selected runs have no result here");
	}
	*out = rows;
	*out_n = n;
	return 0;
}

/* ---------------------------------------------------------------- numbers */

double render_value(const struct store_result *res, const struct store_device *dev,
		    enum render_metric m)
{
	double t;

	if (!res || strcmp(res->status, "ok") != 0)
		return NAN;
	if (m == RENDER_SAMPLES)
		return (double)res->n_samples;
	t = render_metric_is_best(m) ? res->stats.min : res->stats.median;
	if (!(t > 0))
		return NAN;
	switch (m) {
	case RENDER_TIME: return t;
	case RENDER_GBPS: return res->bytes > 0 ? res->bytes / t : NAN;
	case RENDER_GFLOPS: return res->flops > 0 ? res->flops / t : NAN;
	case RENDER_GBPS_PCT:
	case RENDER_GBPS_BEST_PCT:
		return res->bytes > 0 && dev ? 100.0 * res->bytes / t / dev->peak_gbps : NAN;
	case RENDER_GFLOPS_PCT:
	case RENDER_GFLOPS_BEST_PCT:
		return res->flops > 0 && dev ? 100.0 * res->flops / t / dev->peak_gflops : NAN;
	case RENDER_SAMPLES:
	case RENDER_N_METRICS:
		break;
	}
	return NAN;
}

void render_value_text(struct sbuf *s, double v, enum render_metric m)
{
	char num[UNITS_LEN];

	if (!isfinite(v)) {
		sbuf_add(s, "\xe2\x80\x94");   /* em dash: no value */
		return;
	}
	switch (m) {
	case RENDER_TIME:
		units_time(v, num, sizeof(num));
		sbuf_add(s, num);
		return;
	case RENDER_GBPS:
	case RENDER_GFLOPS:
		units_sig(v, 3, num, sizeof(num));
		sbuf_addf(s, "%s %s", num, m == RENDER_GBPS ? "GB/s" : "GFLOP/s");
		return;
	case RENDER_GBPS_PCT:
	case RENDER_GFLOPS_PCT:
		units_pct(v, num, sizeof(num));
		sbuf_addf(s, "%s%% of peak", num);
		return;
	case RENDER_GBPS_BEST_PCT:
	case RENDER_GFLOPS_BEST_PCT:
		units_pct(v, num, sizeof(num));
		sbuf_addf(s, "%s%% of peak at the best sample", num);
		return;
	case RENDER_SAMPLES:
		sbuf_addf(s, "%.0f samples", v);
		return;
	case RENDER_N_METRICS:
		break;
	}
}

void render_ratio_text(struct sbuf *s, double ta, double tb, const char *a_label,
		       const char *b_label)
{
	char ratio[UNITS_LEN], factor[UNITS_LEN];
	double x = ta / tb;

	units_factor(x, ratio, sizeof(ratio));
	units_factor(x < 1 ? 1 / x : x, factor, sizeof(factor));
	sbuf_addf(s, "%sx (", ratio);
	if (strcmp(factor, "1.00") == 0) {
		sbuf_add(s, "same speed)");
		return;
	}
	mdesc_text(s, x < 1 ? a_label : b_label);
	sbuf_addf(s, " %sx faster)", factor);
}

void render_code(struct sbuf *s, const char *text)
{
	if (*text && !strpbrk(text, "`\n\r|")) {
		sbuf_addc(s, '`');
		sbuf_add(s, text);
		sbuf_addc(s, '`');
	} else {
		mdesc_text(s, text);
	}
}

static void render_samples_range(struct sbuf *s, int64_t lo, int64_t hi)
{
	if (lo == hi)
		sbuf_addf(s, "%lld", (long long)lo);
	else
		sbuf_addf(s, "%lld\xe2\x80\x93%lld", (long long)lo, (long long)hi);
}

void render_sources(struct sbuf *s, const struct render_col *cols, size_t n_cols,
		    const char *const *rows, size_t n_rows)
{
	sbuf_add(s, "Source: ");
	for (size_t i = 0; i < n_cols; i++) {
		int64_t lo = 0, hi = 0;
		int first = 1, n_agg = 0;

		for (size_t k = 0; k < i; k++)
			first &= cols[k].run != cols[i].run;
		if (!first)
			continue;
		/* Every column read from this run, then the run. */
		for (size_t k = i; k < n_cols; k++) {
			if (cols[k].run != cols[i].run)
				continue;
			if (k != i)
				sbuf_add(s, ", ");
			mdesc_text(s, cols[k].label);
			for (size_t j = 0; j < n_rows; j++) {
				const struct store_result *res = render_find(&cols[k], rows[j]);

				if (!res || strcmp(res->status, "ok") != 0)
					continue;
				/* An imported result without raw samples: the
				 * tool's own statistics (store_import_foreign.c). */
				if (res->n_samples == 0) {
					n_agg++;
					continue;
				}
				lo = !lo || res->n_samples < lo ? res->n_samples : lo;
				hi = res->n_samples > hi ? res->n_samples : hi;
			}
		}
		sbuf_addf(s, " from run `%.8s` (", cols[i].run->uuid);
		mdesc_text(s, cols[i].run->started_at);
		if (hi) {
			sbuf_add(s, ", ");
			render_samples_range(s, lo, hi);
			sbuf_add(s, " samples per result");
		}
		if (n_agg)
			sbuf_addf(s, ", %saggregates only: the tool's statistics, no raw "
				  "samples, no confidence interval", hi ? "some " : "");
		sbuf_add(s, "); ");
	}
	sbuf_truncate(s, s->len - 2);
	sbuf_add(s, ".");
}

/* ---------------------------------------------------------------- notes */

void render_note_open(struct render *r)
{
	r->n_notes++;
	sbuf_addf(&r->body, "[^mc%zu]", r->n_notes);
	sbuf_addf(&r->notes, "[^mc%zu]: ", r->n_notes);
}

void render_note_cell(struct sbuf *s, const struct render_col *c,
			     const struct store_result *res, enum render_metric m)
{
	mdesc_text(s, c->label);
	sbuf_addf(s, " from run `%.8s` (", c->run->uuid);
	mdesc_text(s, c->run->started_at);
	if (res && strcmp(res->status, "ok") == 0)
		sbuf_addf(s, ", %s of %lld samples", render_metric_is_best(m) ? "best" : "median",
			  (long long)res->n_samples);
	sbuf_addf(s, ", %s clock)", c->clock);
}

/* ---------------------------------------------------------------- used runs */

static int render_run_cmp(const void *a, const void *b)
{
	const struct store_run *x = *(const struct store_run *const *)a;
	const struct store_run *y = *(const struct store_run *const *)b;
	int d = strcmp(x->started_at, y->started_at);

	return d ? d : x->id < y->id ? -1 : x->id > y->id;
}

int render_used_runs(struct render *r, const struct store_run ***out)
{
	const struct store_run **runs = malloc((r->n_used ? r->n_used : 1) * sizeof(*runs));

	if (!runs)
		return render_oom(r);
	for (size_t i = 0; i < r->n_used; i++) {
		if (!(runs[i] = store_report_run(r->rp, r->used[i], r->err, r->n_err))) {
			free(runs);
			return MC_EDB;
		}
	}
	qsort(runs, r->n_used, sizeof(*runs), render_run_cmp);
	*out = runs;
	return 0;
}
