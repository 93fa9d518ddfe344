/*
 * render_pair.c - two columns set side by side over the benchmarks both
 * ran: the pairs of results, the wording of a missing one, and the
 * footnote of a comparison ({{ratio}}, {{claim}}). Helpers below the
 * directives (render_util.h).
 */
#include "render_util.h"

#include <math.h>
#include <stdlib.h>

#include "mdesc.h"

/* The benchmarks both columns ran (a row on each side; a single column
 * when cb == ca), filtered by pattern. A shared benchmark without an ok
 * result on either side is missing data: the first one goes in
 * *out_missing (NULL when all are there). */
int render_pairs(struct render *r, const struct tmpl_node *node, const char *pattern,
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
void render_missing_text(struct sbuf *s, const struct render_pair *p,
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

void render_pair_note(struct render *r, const char *suite, const char *what,
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

