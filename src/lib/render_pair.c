/*
 * render_pair.c - two columns set side by side over the benchmarks both
 * ran, or (vs=) each benchmark against its partner, another benchmark
 * with the same parameters: the pairs of results, the wording of a
 * missing one, and the footnote of a comparison ({{ratio}}, {{claim}},
 * {{table vs=}}). Helpers below the directives (render_util.h).
 */
#include "render_util.h"

#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdesc.h"

/* ---------------------------------------------------------------- vs= */

int render_vs_parse(struct render *r, const struct tmpl_node *node, const char *suite,
		    struct render_vs *out)
{
	const char *vs_suite = tmpl_get(node, "vs_suite", NULL);
	const char *const *suites;
	struct sbuf s = SBUF_INIT;
	int rc;

	out->glob = tmpl_get(node, "vs", NULL);
	out->match = tmpl_get(node, "match", NULL);
	out->suite = vs_suite ? vs_suite : suite;
	if (!out->glob && (vs_suite || out->match))
		return render_error(r, node, vs_suite ? "vs_suite" : "match",
				    "%s= goes with vs= (the partner benchmarks)",
				    vs_suite ? "vs_suite" : "match");
	if (out->glob && !*out->glob)
		return render_error(r, node, "vs", "vs= must be a glob over benchmark names");
	if (out->match && (!*out->match || out->match[0] == ',' ||
			   out->match[strlen(out->match) - 1] == ','))
		return render_error(r, node, "match", "match= must list parameter names, "
				    "P1,P2,...");
	if (!vs_suite)
		return 0;
	if ((rc = store_report_suites(r->rp, &suites, r->err, r->n_err)) != 0)
		return rc;
	for (size_t i = 0; suites[i]; i++)
		if (strcmp(suites[i], vs_suite) == 0)
			return 0;
	render_join(&s, suites, 12);
	rc = render_error(r, node, "vs_suite", "unknown suite '%s' (the db has: %s)", vs_suite,
			  sbuf_str(&s));
	sbuf_release(&s);
	return rc;
}

/* "the same vocab", "the same prompt and gen", "the same parameters". */
static void vs_same(struct sbuf *s, render_put_fn *put, const char *match)
{
	const char *p = match;

	sbuf_add(s, "the same ");
	if (!match) {
		sbuf_add(s, "parameters");
		return;
	}
	while (*p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		char name[128];

		snprintf(name, sizeof(name), "%.*s", (int)(end - p), p);
		if (p != match)
			sbuf_add(s, comma ? ", " : " and ");
		put(s, name);
		p = comma ? comma + 1 : end;
	}
}

/* Whether cand's params equal pa's: those named in match (a's must have
 * them: else *out_absent names the first it lacks), or every one both
 * have. */
static int vs_equal(const cJSON *pa, const cJSON *pc, const char *match,
		    const char **out_absent, char *absent, size_t n_absent)
{
	const cJSON *va;

	if (!match) {
		cJSON_ArrayForEach(va, pa) {
			const cJSON *vc = cJSON_GetObjectItemCaseSensitive(pc, va->string);

			if (vc && !cJSON_Compare(va, vc, 1))
				return 0;
		}
		return 1;
	}
	for (const char *p = match; *p;) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const cJSON *vc;

		snprintf(absent, n_absent, "%.*s", (int)(end - p), p);
		va = cJSON_GetObjectItemCaseSensitive(pa, absent);
		vc = cJSON_GetObjectItemCaseSensitive(pc, absent);
		if (!va) {
			*out_absent = absent;
			return 0;
		}
		if (!vc || !cJSON_Compare(va, vc, 1))
			return 0;
		p = comma ? comma + 1 : end;
	}
	return 1;
}

void render_vs_partner(const struct render_vs *vs, const struct store_result *ra,
		       const struct render_col *cb, const struct store_result **out,
		       struct sbuf *why)
{
	cJSON *pa = cJSON_Parse(ra->params);
	const struct store_result *found[2] = { NULL, NULL };
	const char *absent = NULL;
	char name[128];
	size_t n = 0;

	/* params that do not parse are no parameters (pa NULL) */
	*out = NULL;
	for (size_t i = 0; i < cb->n && !absent; i++) {
		const struct store_result *c = cb->by_bench[i];
		cJSON *pc;
		int eq;

		/* A benchmark is never its own partner. */
		if (c->id == ra->id || fnmatch(vs->glob, c->benchmark, 0) != 0)
			continue;
		pc = cJSON_Parse(c->params);
		eq = vs_equal(pa, pc, vs->match, &absent, name, sizeof(name));
		cJSON_Delete(pc);
		if (eq && n < 2)
			found[n] = c;
		n += eq;
	}
	cJSON_Delete(pa);
	if (absent) {
		sbuf_addf(why, "%s has no parameter '%s' (named by match=)", ra->benchmark, absent);
	} else if (n == 0) {
		sbuf_addf(why, "%s has no partner: no benchmark of %s matching '%s' on %s in run "
			  "%.8s has ", ra->benchmark, vs->suite, vs->glob, cb->label,
			  cb->run->uuid);
		vs_same(why, sbuf_add, vs->match);
	} else if (n > 1) {
		sbuf_addf(why, "%s has %zu partners, %s and %s%s (each matches '%s' with ",
			  ra->benchmark, n, found[0]->benchmark, found[1]->benchmark,
			  n > 2 ? " ..." : "", vs->glob);
		vs_same(why, sbuf_add, vs->match);
		sbuf_add(why, "): narrow vs= or name the parameters in match=");
	} else {
		*out = found[0];
	}
}

const char *render_vs_kernel(const struct render_pair *pairs, size_t n, int side)
{
	const char *k = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct store_result *res = side ? pairs[i].b : pairs[i].a;

		if (!res->kernel || (k && strcmp(k, res->kernel) != 0))
			return NULL;
		k = res->kernel;
	}
	return k;
}

void render_vs_what(struct sbuf *s, render_put_fn *put, const struct render_vs *vs,
		    const char *suite)
{
	const char *slash = strchr(vs->glob, '/');
	size_t len = slash ? (size_t)(slash - vs->glob) : 0;

	if (slash && strcmp(slash, "/*") == 0 && strcspn(vs->glob, "*?[") > len) {
		char kernel[160];

		snprintf(kernel, sizeof(kernel), "%.*s", (int)len, vs->glob);
		put(s, kernel);
	} else {
		put(s, vs->glob);
	}
	if (strcmp(vs->suite, suite) != 0) {
		sbuf_add(s, " in ");
		put(s, vs->suite);
	}
	sbuf_add(s, " with ");
	vs_same(s, put, vs->match);
}

/* ---------------------------------------------------------------- pairs */

/* The benchmarks both columns ran (a row on each side; a single column
 * when cb == ca), filtered by pattern. A shared benchmark without an ok
 * result on either side is missing data: the first one goes in
 * *out_missing (NULL when all are there). */
int render_pairs(struct render *r, const struct tmpl_node *node, const char *pattern,
		 struct render_col *ca, struct render_col *cb, const struct render_vs *vs,
		 struct render_pair **out, size_t *out_n,
		 const struct render_pair **out_missing, struct sbuf *out_unpaired)
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
		if (vs && vs->glob) {
			render_vs_partner(vs, p->a, cb, &p->b, out_unpaired);
			if (!p->b)
				break;   /* the caller says why */
		} else {
			p->b = render_find(cb, rows[i]);
		}
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
void render_missing_text(struct sbuf *s, const struct render_pair *p,
				const struct render_col *ca, const struct render_col *cb)
{
	const struct store_result *res = p->a;
	const struct render_col *c = ca;

	if (isfinite(render_value(p->a, NULL, RENDER_TIME))) {
		res = p->b;
		c = cb;
	}
	sbuf_addf(s, "%s has no ok result for %s in run %.8s", c->label,
		  res ? res->benchmark : p->bench, c->run->uuid);
	if (res)
		sbuf_addf(s, " (%s%s%s)", res->status, res->message ? ": " : "",
			  res->message ? res->message : "");
}

void render_pair_note(struct render *r, const char *suite, const char *what,
		      const struct render_col *ca, const struct render_col *cb,
		      const struct render_vs *vs)
{
	render_note_open(r);
	mdesc_text(&r->notes, suite);
	sbuf_add(&r->notes, " / ");
	mdesc_text(&r->notes, what);
	sbuf_add(&r->notes, ": ");
	render_note_cell(&r->notes, ca, NULL, RENDER_TIME);
	if (vs && vs->glob) {
		/* The partners may come from another run of their own suite. */
		sbuf_add(&r->notes, "; each against its partner, ");
		mdesc_text(&r->notes, vs->suite);
		sbuf_add(&r->notes, " / ");
		mdesc_text(&r->notes, vs->glob);
		sbuf_add(&r->notes, " with ");
		vs_same(&r->notes, mdesc_text, vs->match);
		sbuf_add(&r->notes, ": ");
		render_note_cell(&r->notes, cb, NULL, RENDER_TIME);
	} else if (cb != ca) {
		sbuf_add(&r->notes, "; ");
		render_note_cell(&r->notes, cb, NULL, RENDER_TIME);
	}
	sbuf_add(&r->notes, ".\n");
}

