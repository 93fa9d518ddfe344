/*
 * render_suspicious.c - the {{suspicious}} directive: scaling sanity of
 * sweeps. Two benchmarks of one sweep (same suite, backend, variant and
 * kernel, params one parameter apart) whose work grows 8x or more while
 * their median wall-clock time grows less than 1.5x, the bigger one being
 * the biggest problem of that sweep, are listed for a reader to check.
 * Nothing is rejected: launch overhead on tiny problems does this
 * legitimately; a cached answer, skipped work or a device that is not
 * waited for do it wrongly, and only a look tells which.
 */
#include "render_dir.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "units.h"

#define SUSPICIOUS_MIN_WORK 8.0    /* work ratio from which a pair is checked */
#define SUSPICIOUS_MAX_TIME 1.5    /* time ratio below which it is flagged */

#define ARROW "\xe2\x86\x92"
#define SUSPICIOUS_SOURCE "Source: "   /* how render_sources starts */

/* An ok result of a column with its parsed params. */
struct suspicious_point {
	const struct store_result *res;
	cJSON *params;               /* NULL: not a JSON object, never paired */
};

static int suspicious_point_cmp(const void *a, const void *b)
{
	const struct store_result *x = ((const struct suspicious_point *)a)->res;
	const struct store_result *y = ((const struct suspicious_point *)b)->res;
	int d = strcmp(x->kernel, y->kernel);

	if (!d)
		d = render_natural_cmp(x->benchmark, y->benchmark);
	return d ? d : strcmp(x->benchmark, y->benchmark);
}

/* The one parameter whose value differs between a and b, which must have
 * the same parameter names; NULL when none or more than one does. */
static const char *suspicious_one_diff(const cJSON *a, const cJSON *b)
{
	const cJSON *va;
	const char *key = NULL;

	if (!a || !b || cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
		return NULL;
	cJSON_ArrayForEach(va, a) {
		const cJSON *vb = cJSON_GetObjectItemCaseSensitive(b, va->string);

		if (!va->string || !vb)
			return NULL;
		if (cJSON_Compare(va, vb, 1))
			continue;
		if (key)
			return NULL;
		key = va->string;
	}
	return key;
}

/* The work of a pair: FLOPs when both count some, else compulsory bytes
 * when both count some. 0 when the pair has no common measure of work. */
static int suspicious_work(const struct store_result *a, const struct store_result *b,
			   double *out_a, double *out_b)
{
	if (a->flops > 0 && b->flops > 0) {
		*out_a = a->flops;
		*out_b = b->flops;
	} else if (a->bytes > 0 && b->bytes > 0) {
		*out_a = a->bytes;
		*out_b = b->bytes;
	} else {
		return 0;
	}
	return 1;
}

/* Whether the sweep of a and b along key goes on past b to a point with
 * more work than b's (one whose params differ from a's in key alone).
 * Only a pair whose big end is its sweep's biggest problem is flagged: a
 * GPU's launch floor flattens the small end of any honest sweep (the
 * OpenCL embeddings of run a7767c7a on the H200, nearly flat over the
 * small batches), and an honest sweep leaves the floor once its work grows
 * enough (the same sweep at batch 100), while one that is never waited
 * for, or skips the work, stays flat to its end (the seed's published
 * 3.9 to 4.4 ms from batch 1 to 100). */
static int suspicious_goes_on(const struct suspicious_point *pts, size_t n,
			      const struct suspicious_point *a,
			      const struct suspicious_point *b, const char *key)
{
	for (size_t k = 0; k < n; k++) {
		const struct suspicious_point *c = &pts[k];
		const char *ck;
		double wb, wc;

		if (c == a || c == b || strcmp(c->res->kernel, a->res->kernel) != 0)
			continue;
		if (!(ck = suspicious_one_diff(a->params, c->params)) || strcmp(ck, key) != 0)
			continue;
		if (suspicious_work(b->res, c->res, &wb, &wc) && wc > wb)
			return 1;
	}
	return 0;
}

/* A parameter value as written in the params JSON, strings unquoted. */
static int suspicious_value(struct sbuf *s, const cJSON *v)
{
	char *text;

	if (cJSON_IsString(v)) {
		mdesc_text(s, v->valuestring);
		return 0;
	}
	if (!(text = cJSON_PrintUnformatted(v)))
		return MC_ENOMEM;
	mdesc_text(s, text);
	cJSON_free(text);
	return 0;
}

/* One table row: suite, column, kernel, the parameter that moves (with
 * those that stay, in parentheses), its two values, the two ratios and
 * why the row is there. */
static int suspicious_row(struct sbuf *s, const char *suite, const struct render_col *c,
			  const struct suspicious_point *small, const struct suspicious_point *big,
			  const char *key, double w, double t)
{
	const cJSON *other;
	char wtext[UNITS_LEN], ttext[UNITS_LEN];
	int first = 1;

	units_factor(w, wtext, sizeof(wtext));
	units_factor(t, ttext, sizeof(ttext));
	sbuf_add(s, "| ");
	mdesc_text(s, suite);
	sbuf_add(s, " | ");
	mdesc_text(s, c->label);
	sbuf_add(s, " | ");
	mdesc_text(s, small->res->kernel);
	sbuf_add(s, " | ");
	mdesc_text(s, key);
	cJSON_ArrayForEach(other, small->params) {
		if (strcmp(other->string, key) == 0)
			continue;
		sbuf_add(s, first ? " (" : ", ");
		first = 0;
		mdesc_text(s, other->string);
		sbuf_addc(s, '=');
		if (suspicious_value(s, other))
			return MC_ENOMEM;
	}
	sbuf_add(s, first ? " | " : ") | ");
	if (suspicious_value(s, cJSON_GetObjectItemCaseSensitive(small->params, key)))
		return MC_ENOMEM;
	sbuf_add(s, " " ARROW " ");
	if (suspicious_value(s, cJSON_GetObjectItemCaseSensitive(big->params, key)))
		return MC_ENOMEM;
	sbuf_addf(s, " | %sx | %sx | work grows %sx, time %sx: launch overhead, a cache, "
		  "skipped work or an unsynchronised device? |\n", wtext, ttext, wtext, ttext);
	return 0;
}

/* Appends a row to rows for every flagged pair of column c. */
static int suspicious_col(struct render *r, const char *suite, const struct render_col *c,
			  struct sbuf *rows, size_t *n_flagged)
{
	struct suspicious_point *pts = malloc((c->n ? c->n : 1) * sizeof(*pts));
	size_t n = 0;
	int rc = 0;

	if (!pts)
		return err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
	for (size_t i = 0; i < c->n; i++) {
		const struct store_result *res = c->by_bench[i];
		cJSON *p;

		if (!isfinite(render_value(res, NULL, RENDER_TIME)))
			continue;
		p = cJSON_Parse(res->params);
		if (p && !cJSON_IsObject(p)) {
			cJSON_Delete(p);
			p = NULL;
		}
		pts[n].res = res;
		pts[n++].params = p;
	}
	qsort(pts, n, sizeof(*pts), suspicious_point_cmp);
	for (size_t i = 0; i < n && !rc; i++) {
		for (size_t j = i + 1; j < n && !rc; j++) {
			const struct suspicious_point *a = &pts[i], *b = &pts[j];
			const char *key;
			double wa, wb, w, t;

			if (strcmp(a->res->kernel, b->res->kernel) != 0)
				break;   /* sorted by kernel: no more pairs for i */
			if (!(key = suspicious_one_diff(a->params, b->params)) ||
			    !suspicious_work(a->res, b->res, &wa, &wb))
				continue;
			if (wa > wb) {   /* a is the smaller problem */
				a = &pts[j];
				b = &pts[i];
				w = wa / wb;
			} else {
				w = wb / wa;
			}
			t = b->res->stats.median / a->res->stats.median;
			if (!(w >= SUSPICIOUS_MIN_WORK) || !(t < SUSPICIOUS_MAX_TIME) ||
			    suspicious_goes_on(pts, n, a, b, key))
				continue;
			if ((rc = suspicious_row(rows, suite, c, a, b, key, w, t)) != 0) {
				rc = err_set(r->err, r->n_err, rc, "out of memory while rendering.");
				break;
			}
			(*n_flagged)++;
			if ((rc = render_use_cell(r, c, a->res)) == 0)
				rc = render_use_cell(r, c, b->res);
		}
	}
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(pts[i].params);
	free(pts);
	return rc;
}

/* Checks every wall-clock column of suite under sc; appends flagged rows
 * to rows and "suite: columns from runs" to sources. With named (suite= given),
 * a suite without a column is an error, as for a table. */
static int suspicious_suite(struct render *r, const struct tmpl_node *node,
			    const struct render_scope *sc, const char *suite, int named,
			    struct sbuf *rows, size_t *n_flagged, struct sbuf *sources)
{
	struct render_col *cols = NULL;
	struct sbuf line = SBUF_INIT;
	const char **names = NULL;
	size_t n_cols = 0, n_names = 0;
	int rc;

	if ((rc = render_cols(r, node, "suite", named ? "*" : "*?", sc, suite, NULL, "wall",
			      &cols, &n_cols)) != 0)
		return rc;
	if (!n_cols)
		goto out;
	for (size_t i = 0; i < n_cols && !rc; i++)
		if ((rc = suspicious_col(r, suite, &cols[i], rows, n_flagged)) == 0)
			rc = render_use_run(r, cols[i].run->id);
	if (rc || (rc = render_rows(r, node, NULL, cols, n_cols, &names, &n_names)) != 0)
		goto out;
	render_sources(&line, cols, n_cols, names, n_names);
	if (sources->len)
		sbuf_add(sources, " ");
	mdesc_text(sources, suite);
	sbuf_add(sources, ": ");
	/* The run list without render_sources' own "Source: " prefix. */
	if (strncmp(sbuf_str(&line), SUSPICIOUS_SOURCE, strlen(SUSPICIOUS_SOURCE)) == 0)
		sbuf_add(sources, sbuf_str(&line) + strlen(SUSPICIOUS_SOURCE));
	if (sbuf_failed(&line))
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
out:
	sbuf_release(&line);
	free(names);
	render_cols_free(cols, n_cols);
	return rc;
}

int render_suspicious_parse(struct render *r, const struct tmpl_node *node,
			    const struct render_scope *sc, union render_args *out)
{
	out->suspicious.node = node;
	out->suspicious.suite = NULL;
	if (tmpl_get(node, "suite", NULL))
		return render_suite(r, node, sc, &out->suspicious.suite);
	return 0;
}

int render_suspicious_run(struct render *r, const union render_args *a,
			  const struct render_scope *sc)
{
	const struct tmpl_node *node = a->suspicious.node;
	const char *suite = a->suspicious.suite;
	const char *const *suites, *one[2] = { NULL, NULL };
	struct sbuf rows = SBUF_INIT, sources = SBUF_INIT;
	struct sbuf *s = &r->body;
	size_t n_flagged = 0;
	int rc;

	if (suite) {
		one[0] = suite;
		suites = one;
	} else if ((rc = store_report_suites(r->rp, &suites, r->err, r->n_err)) != 0) {
		return rc;
	}
	for (size_t i = 0; suites[i] && !rc; i++)
		rc = suspicious_suite(r, node, sc, suites[i], suite != NULL, &rows, &n_flagged,
				      &sources);
	if (rc)
		goto out;
	if (!n_flagged) {
		sbuf_add(s, "No sweep has a time that stays flat while its work grows 8x or more.");
		if (sources.len)
			sbuf_addc(s, '\n');
	} else {
		sbuf_add(s, "Pairs of benchmarks of one sweep (same suite, backend and kernel; every "
			 "parameter equal but one) whose work grows 8x or more while their median "
			 "wall-clock time grows less than 1.5x. They are suspicious, to be checked, "
			 "not rejected: launch overhead on a tiny problem does this legitimately; a "
			 "cached answer, skipped work or a device that is not waited for do it "
			 "wrongly.\n\n");
		sbuf_add(s, "| Suite | Backend | Kernel | Parameter | From " ARROW " to | Work | "
			 "Time | Why |\n|:--|:--|:--|:--|:--|--:|--:|:--|\n");
		sbuf_add(s, sbuf_str(&rows));
		sbuf_add(s, "\nWork is the FLOP count of one call, or its compulsory bytes when "
			 "either benchmark counts no FLOPs; time is the median wall-clock time per "
			 "call. ");
	}
	if (sources.len) {
		sbuf_add(s, "Source (every pair of ok results, wall clock): ");
		sbuf_add(s, sbuf_str(&sources));
	}
	sbuf_addc(s, '\n');
	if (sbuf_failed(&rows) || sbuf_failed(&sources))
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
out:
	sbuf_release(&rows);
	sbuf_release(&sources);
	return rc;
}
