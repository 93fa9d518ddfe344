/*
 * render_checks.c - the {{checks}} directive: how the results of a suite's
 * columns were validated, from the stored check figures. For kernels whose
 * output rows are directions (sentence embeddings: checked by the cosine
 * similarity of each row with the reference's, kernel_spec.min_cos), the
 * smallest cosine over every row, check and round of each column, and the
 * benchmark it came from; for the others the largest relative error. A
 * reader sees how close "validated" was, not only that it passed.
 *
 * One table row per column (cols= as in {{table}}); a column with no
 * validated result says so.
 */
#include "render_dir.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mdesc.h"
#include "workload.h"

/* What one column's results add up to. */
struct checks_tally {
	size_t n_ok, n_failed;
	const struct store_result *worst_cos;   /* smallest min_cosine */
	const struct store_result *worst_rel;   /* largest max_rel_err */
	double min_cos;                         /* the largest threshold seen */
};

static void checks_count(const struct render_col *c, struct checks_tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < c->n; i++) {
		const struct store_result *res = c->by_bench[i];
		const struct kernel_spec *spec = workload_find(res->kernel);

		if (!strcmp(res->status, "ok"))
			t->n_ok++;
		else if (!strcmp(res->status, "failed"))
			t->n_failed++;
		if (res->cosine_checked && isfinite(res->min_cosine) &&
		    (!t->worst_cos || res->min_cosine < t->worst_cos->min_cosine))
			t->worst_cos = res;
		if (spec && spec->min_cos > t->min_cos)
			t->min_cos = spec->min_cos;
		if (!res->cosine_checked && isfinite(res->max_rel_err) &&
		    (!t->worst_rel || res->max_rel_err > t->worst_rel->max_rel_err))
			t->worst_rel = res;
	}
}

static void checks_row(struct sbuf *s, const struct render_col *c,
		       const struct checks_tally *t)
{
	char num[64];

	sbuf_add(s, "| ");
	mdesc_text(s, c->label);
	snprintf(num, sizeof(num), " | %zu | %zu | ", t->n_ok, t->n_failed);
	sbuf_add(s, num);
	if (t->worst_cos) {
		snprintf(num, sizeof(num), "%.6f (at least %g) in ",
			 t->worst_cos->min_cosine, t->min_cos);
		sbuf_add(s, num);
		render_code(s, t->worst_cos->benchmark);
	} else {
		sbuf_add(s, "not checked by rows");
	}
	sbuf_add(s, " | ");
	if (t->worst_rel) {
		snprintf(num, sizeof(num), "%.3g in ", t->worst_rel->max_rel_err);
		sbuf_add(s, num);
		render_code(s, t->worst_rel->benchmark);
	} else {
		sbuf_add(s, "none");
	}
	sbuf_add(s, " |\n");
}

int render_checks_parse(struct render *r, const struct tmpl_node *node,
			const struct render_scope *sc, union render_args *out)
{
	out->checks.node = node;
	out->checks.cols = tmpl_get(node, "cols", NULL);
	return render_suite(r, node, sc, &out->checks.suite);
}

int render_checks_run(struct render *r, const union render_args *a,
		      const struct render_scope *sc)
{
	const struct render_checks_args *ca = &a->checks;
	struct render_col *cols = NULL;
	size_t n_cols = 0;
	int rc;

	if ((rc = render_cols(r, ca->node, "cols", ca->cols, sc, ca->suite, NULL, "wall",
			      &cols, &n_cols)) != 0)
		return rc;
	sbuf_add(&r->body, "| column | ok | failed | smallest cosine with the reference "
		 "(per output row) | largest relative error (other kernels) |\n"
		 "|---|---|---|---|---|\n");
	for (size_t i = 0; i < n_cols && !rc; i++) {
		struct checks_tally t;

		checks_count(&cols[i], &t);
		checks_row(&r->body, &cols[i], &t);
		rc = render_use_run(r, cols[i].run->id);
	}
	if (!rc && sbuf_failed(&r->body))
		rc = render_oom(r);
	render_cols_free(cols, n_cols);
	return rc;
}
