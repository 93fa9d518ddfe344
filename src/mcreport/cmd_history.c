/*
 * cmd_history.c - `mcreport history BENCH`: a benchmark's complete runs
 * over time, one block per series (suite, backend, variant, clock,
 * machine), as a table, as JSON (--json) or as an SVG chart (--chart).
 * The queries live in history.c; this file parses and prints.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "history.h"
#include "sbuf.h"
#include "store.h"
#include "store_int.h"   /* merge: store_db() until history takes the store */
#include "units.h"

#define HISTORY_COLS 7

struct history_opts {
	struct history_query q;
	const char *chart;   /* --chart FILE.svg, or NULL */
	int json;
};

static int parse_opts(int argc, char **argv, struct history_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			o->json = 1;
		} else if (strcmp(a, "--backend") == 0 && i + 1 < argc) {
			o->q.backend = argv[++i];
		} else if (strcmp(a, "--machine") == 0 && i + 1 < argc) {
			o->q.machine = argv[++i];
		} else if (strcmp(a, "--clock") == 0 && i + 1 < argc) {
			o->q.clock = argv[++i];
			if (strcmp(o->q.clock, "wall") && strcmp(o->q.clock, "device")) {
				fprintf(stderr, "mcreport history: --clock takes wall or device, "
					"not '%s'\n", o->q.clock);
				return -1;
			}
		} else if (strcmp(a, "--chart") == 0 && i + 1 < argc) {
			o->chart = argv[++i];
		} else if (a[0] != '-' && !o->q.bench) {
			o->q.bench = a;
		} else {
			fprintf(stderr, "mcreport history: %s '%s' (see mcreport history "
				"--help)\n", a[0] == '-' ? "unknown or incomplete option"
				: "unexpected argument", a);
			return -1;
		}
	}
	if (!o->q.bench) {
		fprintf(stderr, "mcreport history: no BENCH given (e.g. "
			"softmax/rows=64,cols=1024; see mcreport history --help)\n");
		return -1;
	}
	return 0;
}

/* The header line of a series' block. */
static void block_header(struct sbuf *out, const struct history_point *p)
{
	sbuf_addf(out, "%s/%s  backend %s  clock %s", p->suite, p->benchmark,
		  p->backend, p->clock);
	if (*p->variant)
		sbuf_addf(out, "  variant %s", p->variant);
	sbuf_addf(out, "  machine %s (%.8s)\n", p->hostname, p->fingerprint);
}

/* Appends the table of pts[0..n), one series, to out. */
static int block_table(struct sbuf *out, const struct history_point *pts, size_t n)
{
	static const char *const head[HISTORY_COLS] = {
		"date", "run", "commit", "median", "95% CI", "samples", "change",
	};
	char (*text)[HISTORY_COLS][UNITS_LEN * 3] = calloc(n, sizeof(*text));
	const char **cells = calloc((n + 1) * HISTORY_COLS, sizeof(*cells));

	if (!text || !cells) {
		free(text);
		free(cells);
		return MC_ENOMEM;
	}
	memcpy(cells, head, sizeof(head));
	for (size_t i = 0; i < n; i++) {
		const struct history_point *p = &pts[i];
		char lo[UNITS_LEN], hi[UNITS_LEN];
		double scale;

		history_fmt_date(p->started_at, text[i][0], sizeof(text[i][0]));
		snprintf(text[i][1], sizeof(text[i][1]), "%.8s", p->run_uuid);
		history_fmt_commit(p->git_commit, p->git_dirty, text[i][2], sizeof(text[i][2]));
		units_time(p->median_ns, text[i][3], sizeof(text[i][3]));
		units_time_as(p->ci_lo_ns, p->median_ns, lo, sizeof(lo));
		units_time_as(p->ci_hi_ns, p->median_ns, hi, sizeof(hi));
		if (isfinite(p->ci_lo_ns) && isfinite(p->ci_hi_ns))
			snprintf(text[i][4], sizeof(text[i][4]), "[%s, %s] %s", lo, hi,
				 units_time_unit(p->median_ns, &scale));
		else
			snprintf(text[i][4], sizeof(text[i][4]), "-");
		snprintf(text[i][5], sizeof(text[i][5]), "%lld", (long long)p->n_samples);
		history_fmt_pct(p->change_pct, text[i][6], sizeof(text[i][6]));
		for (size_t c = 0; c < HISTORY_COLS; c++)
			cells[(i + 1) * HISTORY_COLS + c] = text[i][c];
	}
	history_table(out, cells, n + 1, HISTORY_COLS, "lllrlrr");
	free(cells);
	free(text);
	return 0;
}

static int print_text(const struct history_point *pts, size_t n)
{
	struct sbuf out = SBUF_INIT;
	int rc = 0;

	for (size_t s = 0, e; !rc && s < n; s = e) {
		for (e = s + 1; e < n && pts[e].series == pts[s].series; e++)
			;
		if (s)
			sbuf_addc(&out, '\n');
		block_header(&out, &pts[s]);
		rc = block_table(&out, pts + s, e - s);
	}
	return cmd_print_sbuf(&out, rc);
}

int cmd_history(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct history_opts o = { 0 };
	struct history_point *pts = NULL;
	struct store *st = NULL;
	char err[MC_ERRLEN];
	size_t n = 0;
	int rc = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (store_open(ctx->db_path, STORE_READ, &st, err, sizeof(err)) ||
	    history_series(store_db(st), &o.q, &pts, &n, err, sizeof(err)))
		goto fail;
	if (n == 0) {
		err_set(err, sizeof(err), MC_EINVAL,
			"%s: no complete run has a result of '%s'%s%s%s%s%s%s (status ok)",
			ctx->db_path, o.q.bench, o.q.backend ? " on backend " : "",
			o.q.backend ? o.q.backend : "", o.q.machine ? " on machine " : "",
			o.q.machine ? o.q.machine : "", o.q.clock ? " with clock " : "",
			o.q.clock ? o.q.clock : "");
		goto fail;
	}
	if (o.chart && history_chart_svg(pts, n, o.q.bench, o.chart, err, sizeof(err)))
		goto fail;
	if (o.json ? cmd_print_json(history_series_json(&o.q, pts, n)) : print_text(pts, n)) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	if (o.chart && !o.json)
		printf("\nchart: %s\n", o.chart);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "mcreport history: %s\n", err);
out:
	history_points_free(pts, n);
	store_close(st);
	return rc;
}
