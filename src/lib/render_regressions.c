/*
 * render_regressions.c - the {{regressions}} directive: the level shifts
 * that `mcreport regressions` finds (regressions_find: change points
 * over the per-run medians of every series with enough runs), for the
 * machines in scope, as a table with the commits to bisect. It reads the
 * same data and code as the command, so the document and the command
 * cannot disagree.
 */
#include "render_dir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fmt.h"
#include "mdesc.h"
#include "regressions.h"
#include "store_history.h"
#include "units.h"

#define ARROW "\xe2\x86\x92"

/* "`1a2b3c4`", or "unknown" for a NULL commit. */
static void regressions_commit(struct sbuf *s, const char *commit)
{
	if (commit && *commit)
		sbuf_addf(s, "`%.7s`", commit);
	else
		sbuf_add(s, "unknown");
}

static void regressions_row(struct sbuf *s, const struct regressions_shift *h)
{
	char pct[UNITS_LEN], before[UNITS_LEN], after[UNITS_LEN];

	fmt_pct(h->change_pct, pct, sizeof(pct));
	units_time(h->before_ns, before, sizeof(before));
	units_time(h->after_ns, after, sizeof(after));
	sbuf_add(s, "| ");
	mdesc_text(s, h->suite);
	sbuf_add(s, " / ");
	mdesc_text(s, h->benchmark);
	if (h->variant && *h->variant) {
		sbuf_add(s, " (");
		mdesc_text(s, h->variant);
		sbuf_addc(s, ')');
	}
	sbuf_add(s, " | ");
	mdesc_text(s, h->backend);
	sbuf_addf(s, " | %s | `%.8s` (", h->clock, h->run_uuid);
	mdesc_text(s, h->started_at);
	sbuf_addf(s, "), run %zu of %zu | %s %s | %s " ARROW " %s | ", h->index + 1,
		  h->n_runs, pct, h->direction == STATS_SLOWER ? "slower" : "faster",
		  before, after);
	regressions_commit(s, h->good_commit);
	sbuf_add(s, " .. ");
	regressions_commit(s, h->bad_commit);
	sbuf_add(s, " |\n");
}

/* The shifts of one machine (by fingerprint) appended to rows; counts. */
static int regressions_machine(struct render *r, struct store_history *h,
			       const struct render_regressions_args *a,
			       const struct store_machine *m, struct sbuf *rows,
			       size_t *n_shifts, size_t *n_series)
{
	const struct tmpl_node *node = a->node;
	struct regressions_query q = { 0 };
	struct regressions_shift *sh = NULL;
	size_t n = 0, series = 0;
	char msg[MC_ERRLEN];
	int rc;

	q.backend = a->backend;
	q.since = a->since;
	q.machine = m->fingerprint;
	q.threshold_pct = a->threshold;
	rc = regressions_find(h, &q, &sh, &n, &series, msg, sizeof(msg));
	if (rc == MC_EINVAL)
		return render_error(r, node, "since", "%s", msg);
	if (rc)
		return err_set(r->err, r->n_err, rc, "%s", msg);
	for (size_t i = 0; i < n && !rc; i++) {
		regressions_row(rows, &sh[i]);
		rc = render_use_run(r, sh[i].run_id);
	}
	*n_shifts += n;
	*n_series += series;
	regressions_free(sh, n);
	return rc;
}

int render_regressions_parse(struct render *r, const struct tmpl_node *node,
			     const struct render_scope *sc, union render_args *out)
{
	struct render_regressions_args *a = &out->regressions;

	(void)sc;
	a->node = node;
	a->backend = tmpl_get(node, "backend", NULL);
	a->since = tmpl_get(node, "since", NULL);
	return render_number(r, node, "threshold", STATS_THRESHOLD_PCT, &a->threshold);
}

int render_regressions_run(struct render *r, const union render_args *args,
			   const struct render_scope *sc)
{
	const struct render_regressions_args *a = &args->regressions;
	struct sbuf *s = &r->body, rows = SBUF_INIT;
	size_t n_shifts = 0, n_series = 0, n_machines = sc->n_machines;
	const int64_t *ids = sc->n_machines ? sc->machines : &r->default_machine;
	struct store_history *h = NULL;
	double threshold = a->threshold;
	int rc = 0;

	/* One view for every machine: each query is prepared once. */
	if ((rc = store_history_open(r->st, &h, r->err, r->n_err)))
		return rc;
	if (!n_machines && r->default_machine)
		n_machines = 1;
	for (size_t i = 0; i < n_machines && !rc; i++) {
		const struct store_machine *m = store_report_machine(r->rp, ids[i]);

		if (m)
			rc = regressions_machine(r, h, a, m, &rows, &n_shifts, &n_series);
	}
	if (rc)
		goto out;
	if (!n_shifts) {
		sbuf_addf(s, "No level shift of %g%% or more in the %zu series with at least "
			  "%d complete runs.\n", threshold, n_series, REGRESSIONS_MIN_RUNS);
	} else {
		sbuf_addf(s, "| Benchmark | Backend | Clock | First run at the new level | "
			  "Change | Level before " ARROW " after | Bisect between |\n"
			  "|:--|:--|:--|:--|--:|--:|:--|\n%s\n", sbuf_str(&rows));
		sbuf_addf(s, "%zu level shift%s of %g%% or more in the %zu series with at "
			  "least %d complete runs. A level is the median of the per-run "
			  "medians between shifts; a shift needs at least two runs on each "
			  "side, so one noisy run cannot make one (`mcreport regressions` "
			  "gives the same list; docs/history.md).\n", n_shifts,
			  n_shifts == 1 ? "" : "s", threshold, n_series, REGRESSIONS_MIN_RUNS);
	}
	if (sbuf_failed(&rows))
		rc = err_set(r->err, r->n_err, MC_ENOMEM, "out of memory while rendering.");
out:
	store_history_close(h);
	sbuf_release(&rows);
	return rc;
}
