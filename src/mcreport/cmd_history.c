/*
 * cmd_history.c - `mcreport history BENCH`: a benchmark's complete runs
 * over time, one block per series (suite, backend, variant, clock,
 * machine), as a table, as JSON (--json) or as an SVG chart (--chart).
 * The question lives in series.c (over store_history.c); this file parses,
 * formats and draws.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cmd.h"
#include "err.h"
#include "fmt.h"
#include "sbuf.h"
#include "series.h"
#include "store.h"
#include "store_history.h"
#include "units.h"

#define HISTORY_COLS 7

struct history_opts {
	struct series_query q;
	const char *chart;   /* --chart FILE.svg, or NULL */
	int json;
};

/* The arguments of history alone (cmd_query_opts.own). */
static int own_arg(int argc, char **argv, int *i, void *arg)
{
	struct history_opts *o = arg;
	const char *a = argv[*i];

	if (strcmp(a, "--clock") == 0 && *i + 1 < argc) {
		o->q.clock = argv[++*i];
		if (strcmp(o->q.clock, "wall") && strcmp(o->q.clock, "device")) {
			fprintf(stderr, "mcreport history: --clock takes wall or device, "
				"not '%s'\n", o->q.clock);
			return -1;
		}
	} else if (strcmp(a, "--chart") == 0 && *i + 1 < argc) {
		o->chart = argv[++*i];
	} else if (a[0] != '-' && !o->q.bench) {
		o->q.bench = a;
	} else {
		return 0;
	}
	return 1;
}

static int parse_opts(int argc, char **argv, struct history_opts *o)
{
	const struct cmd_query_opts opts = {
		.json = &o->json, .backend = &o->q.backend, .machine = &o->q.machine,
		.own = own_arg, .arg = o,
	};

	if (cmd_query_parse("history", argc, argv, &opts))
		return -1;
	if (!o->q.bench) {
		fprintf(stderr, "mcreport history: no BENCH given (e.g. "
			"softmax/rows=64,cols=1024; see mcreport history --help)\n");
		return -1;
	}
	return 0;
}

/* The header line of a series' block. */
static void block_header(struct sbuf *out, const struct store_history_point *p)
{
	sbuf_addf(out, "%s/%s  backend %s  clock %s", p->suite, p->benchmark,
		  p->backend, p->clock);
	if (*p->variant)
		sbuf_addf(out, "  variant %s", p->variant);
	sbuf_addf(out, "  machine %s (%.8s)\n", p->hostname, p->fingerprint);
}

/* Appends the table of pts[0..n), one series, to out. */
static int block_table(struct sbuf *out, const struct store_history_point *pts, size_t n)
{
	static const char *const head[HISTORY_COLS] = {
		"date", "run", "commit", "median", "95% CI", "samples", "change",
	};
	struct fmt_grid *g = fmt_grid_new(head, HISTORY_COLS, n);

	if (!g)
		return MC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct store_history_point *p = &pts[i];
		char (*t)[FMT_CELL_LEN] = fmt_grid_row(g, i);
		char lo[UNITS_LEN], hi[UNITS_LEN];
		double scale;

		fmt_date(p->started_at, t[0], sizeof(t[0]));
		snprintf(t[1], sizeof(t[1]), "%.8s", p->run_uuid);
		fmt_commit(p->git_commit, p->git_dirty, t[2], sizeof(t[2]));
		units_time(p->median_ns, t[3], sizeof(t[3]));
		units_time_as(p->ci_lo_ns, p->median_ns, lo, sizeof(lo));
		units_time_as(p->ci_hi_ns, p->median_ns, hi, sizeof(hi));
		if (isfinite(p->ci_lo_ns) && isfinite(p->ci_hi_ns))
			snprintf(t[4], sizeof(t[4]), "[%s, %s] %s", lo, hi,
				 units_time_unit(p->median_ns, &scale));
		else
			snprintf(t[4], sizeof(t[4]), "-");
		snprintf(t[5], sizeof(t[5]), "%lld", (long long)p->n_samples);
		fmt_pct(p->change_pct, t[6], sizeof(t[6]));
	}
	fmt_grid_emit(g, out, "lllrlrr");
	fmt_grid_free(g);
	return 0;
}

/* {"query": {...}, "series": [{suite, benchmark, ..., "runs": [...]}]}
 * (docs/history.md). NULL when out of memory. */
static cJSON *series_json(const struct series_query *q,
			  const struct store_history_point *pts, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *qo, *arr, *series = NULL, *runs = NULL;
	int bad = !root;

	if (bad)
		return NULL;
	qo = cJSON_AddObjectToObject(root, "query");
	bad |= !qo;
	if (qo) {
		bad |= cmd_json_str(qo, "bench", q->bench);
		bad |= cmd_json_str(qo, "backend", q->backend);
		bad |= cmd_json_str(qo, "machine", q->machine);
		bad |= cmd_json_str(qo, "clock", q->clock);
	}
	arr = cJSON_AddArrayToObject(root, "series");
	bad |= !arr;
	for (size_t i = 0; !bad && i < n; i++) {
		const struct store_history_point *p = &pts[i];
		cJSON *r;

		if (i == 0 || p->series != pts[i - 1].series) {
			series = cmd_json_push(arr, cJSON_CreateObject());
			if (!series) {
				bad = 1;
				break;
			}
			bad |= cmd_json_key(series, p->suite, p->benchmark, p->backend,
					    p->variant, p->clock);
			bad |= cmd_json_str(series, "hostname", p->hostname);
			bad |= cmd_json_str(series, "fingerprint", p->fingerprint);
			runs = cJSON_AddArrayToObject(series, "runs");
			if (!runs) {
				bad = 1;
				break;
			}
		}
		r = cmd_json_push(runs, cJSON_CreateObject());
		if (!r) {
			bad = 1;
			break;
		}
		bad |= cmd_json_run(r, p->run_id, p->run_uuid, p->started_at, p->git_commit);
		bad |= cmd_json_dirty(r, "git_dirty", p->git_dirty);
		bad |= cmd_json_num(r, "median_ns", p->median_ns);
		bad |= cmd_json_num(r, "ci_lo_ns", p->ci_lo_ns);
		bad |= cmd_json_num(r, "ci_hi_ns", p->ci_hi_ns);
		bad |= !cJSON_AddNumberToObject(r, "n_samples", (double)p->n_samples);
		bad |= cmd_json_num(r, "change_pct", p->change_pct);
	}
	return cmd_json_done(root, bad);
}

static int same_bench(const struct store_history_point *a,
		      const struct store_history_point *b)
{
	return strcmp(a->suite, b->suite) == 0 && strcmp(a->benchmark, b->benchmark) == 0;
}

/* The label of a series in the chart's key. */
static void series_label(const struct store_history_point *p, int with_bench,
			 char *out, size_t n_out)
{
	snprintf(out, n_out, "%s%s%s %s%s%s%s (%s)", with_bench ? p->benchmark : "",
		 with_bench ? " " : "", p->backend, p->clock, *p->variant ? " [" : "",
		 p->variant, *p->variant ? "]" : "", p->hostname);
}

/* Writes an SVG line chart of pts[0..n) (n > 0) to path (chart.h: one
 * gnuplot process): per series a line of medians with 95% CI error bars
 * against the run's start date; title names the benchmark under the x
 * axis. The output depends only on pts and title (no render date). Errors:
 * MC_EIO (path not writable, gnuplot missing or failing), MC_ENOMEM. */
static int chart_svg(const struct store_history_point *pts, size_t n,
		     const char *title, const char *path, char *err, size_t n_err)
{
	struct chart_batch *batch = NULL;
	struct chart_series *ser = NULL;
	struct chart_axes ax = { 0 };
	const char **xtime = NULL;
	double *y = NULL, max_ns = 0, scale = 1;
	char (*labels)[256] = NULL, xlabel[512], ylabel[96];
	size_t n_series, k = 0;
	int rc = 0, multi_bench = 0;
	FILE *probe;

	/* Fail with the reason here rather than as a gnuplot message. */
	probe = fopen(path, "w");
	if (!probe)
		return err_set(err, n_err, MC_EIO, "%s: cannot write the chart: %s", path,
			       strerror(errno));
	fclose(probe);
	n_series = pts[n - 1].series + 1;
	for (size_t i = 0; i < n; i++) {
		max_ns = pts[i].median_ns > max_ns ? pts[i].median_ns : max_ns;
		multi_bench |= !same_bench(&pts[i], &pts[0]);
	}
	ser = calloc(n_series, sizeof(*ser));
	labels = calloc(n_series, sizeof(*labels));
	xtime = calloc(n, sizeof(*xtime));
	y = calloc(3 * n, sizeof(*y));
	if (!ser || !labels || !xtime || !y) {
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	units_time_unit(max_ns, &scale);
	for (size_t i = 0; i < n; i++) {
		const struct store_history_point *p = &pts[i];

		if (i == 0 || p->series != pts[i - 1].series) {
			k = p->series;
			series_label(p, multi_bench, labels[k], sizeof(labels[k]));
			ser[k].label = labels[k];
			ser[k].xtime = xtime + i;
			ser[k].y = y + i;
			ser[k].lo = y + n + i;
			ser[k].hi = y + 2 * n + i;
		}
		ser[k].n++;
		xtime[i] = p->started_at;
		y[i] = p->median_ns / scale;
		y[n + i] = (isfinite(p->ci_lo_ns) ? p->ci_lo_ns : p->median_ns) / scale;
		y[2 * n + i] = (isfinite(p->ci_hi_ns) ? p->ci_hi_ns : p->median_ns) / scale;
	}
	snprintf(xlabel, sizeof(xlabel), "%s: complete runs by start date (UTC)", title);
	snprintf(ylabel, sizeof(ylabel), "median time per iteration (%s), 95%% CI",
		 units_time_unit(max_ns, &scale));
	ax.xlabel = xlabel;
	ax.ylabel = ylabel;
	rc = chart_batch_new(&batch, err, n_err);
	if (!rc)
		rc = chart_add_lines(batch, path, &ax, ser, n_series, err, n_err);
	if (!rc)
		rc = chart_batch_draw(batch, NULL, err, n_err);
out:
	chart_batch_free(batch);
	free(y);
	free(xtime);
	free(labels);
	free(ser);
	return rc;
}

static int print_text(const struct store_history_point *pts, size_t n)
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
	struct store_history_point *pts = NULL;
	struct store_history *h = NULL;
	struct store *st = NULL;
	char err[MC_ERRLEN];
	size_t n = 0;
	int rc = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (cmd_query_open(ctx, &st, &h, err, sizeof(err)) ||
	    series_load(h, &o.q, &pts, &n, err, sizeof(err)))
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
	if (o.chart && chart_svg(pts, n, o.q.bench, o.chart, err, sizeof(err)))
		goto fail;
	if (o.json ? cmd_print_json(series_json(&o.q, pts, n)) : print_text(pts, n)) {
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
	store_history_points_free(pts, n);
	store_history_close(h);
	store_close(st);
	return rc;
}
