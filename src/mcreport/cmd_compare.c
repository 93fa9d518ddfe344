/*
 * cmd_compare.c - `mcreport compare [A B]`: every result two runs share,
 * with the change of the median, its 95% CI, the Mann-Whitney p-value and
 * a verdict. Exits 1 when anything got slower, so it can gate a merge.
 * Runs that differ in machine or software are compared only under a loud
 * WARNING on stderr. The question lives in compare.c (over store_history.c,
 * which also resolves the run references); this file parses and formats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "compare.h"
#include "err.h"
#include "fmt.h"
#include "sbuf.h"
#include "stats.h"
#include "store.h"
#include "store_history.h"
#include "units.h"

#define COMPARE_COLS 10

struct compare_opts {
	const char *ref[2];
	int n_refs;
	double threshold_pct, alpha;
	int json;
};

/* The arguments of compare alone (cmd_query_opts.own). */
static int own_arg(int argc, char **argv, int *i, void *arg)
{
	struct compare_opts *o = arg;
	const char *a = argv[*i];

	if (strcmp(a, "--alpha") == 0 && *i + 1 < argc) {
		if (cmd_query_num(argv[++*i], 0, 1, &o->alpha)) {
			fprintf(stderr, "mcreport compare: --alpha takes a level between "
				"0 and 1, not '%s'\n", argv[*i]);
			return -1;
		}
	} else if (a[0] != '-' && o->n_refs < 2) {
		o->ref[o->n_refs++] = a;
	} else {
		return 0;
	}
	return 1;
}

static int parse_opts(int argc, char **argv, struct compare_opts *o)
{
	const struct cmd_query_opts opts = {
		.json = &o->json, .threshold_pct = &o->threshold_pct,
		.own = own_arg, .arg = o,
	};

	o->threshold_pct = STATS_THRESHOLD_PCT;
	o->alpha = STATS_ALPHA;
	if (cmd_query_parse("compare", argc, argv, &opts))
		return -1;
	if (o->n_refs == 1) {
		fprintf(stderr, "mcreport compare: give two runs A B, or none for the "
			"latest two (see mcreport compare --help)\n");
		return -1;
	}
	return 0;
}

static void run_line(struct sbuf *out, const char *name, const struct store_history_run *r)
{
	char date[32], commit[16];

	fmt_date(r->started_at, date, sizeof(date));
	fmt_commit(r->git_commit, r->git_dirty, commit, sizeof(commit));
	sbuf_addf(out, "%s: run %.8s (id %lld), %s, commit %s, machine %s (%.8s)\n",
		  name, r->uuid, (long long)r->id, date, commit, r->hostname,
		  r->fingerprint);
}

static void fmt_p(double p, char *out, size_t n_out)
{
	if (!isfinite(p))
		snprintf(out, n_out, "-");
	else if (p < 0.001)
		snprintf(out, n_out, "<0.001");
	else
		snprintf(out, n_out, "%.3f", p);
}

static int table(struct sbuf *out, const struct compare_result *c)
{
	static const char *const head[COMPARE_COLS] = {
		"benchmark", "backend", "clock", "A median", "B median", "change",
		"95% CI", "floor", "p", "verdict",
	};
	struct fmt_grid *g = fmt_grid_new(head, COMPARE_COLS, c->n_rows);

	if (!g)
		return MC_ENOMEM;
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct compare_row *r = &c->rows[i];
		char (*t)[FMT_CELL_LEN] = fmt_grid_row(g, i);
		char lo[UNITS_LEN], hi[UNITS_LEN];

		snprintf(t[0], FMT_CELL_LEN, "%s/%s%s%s%s", r->suite, r->benchmark,
			 *r->variant ? " [" : "", r->variant, *r->variant ? "]" : "");
		snprintf(t[1], FMT_CELL_LEN, "%s", r->backend);
		snprintf(t[2], FMT_CELL_LEN, "%s", r->clock);
		units_time(r->median_a_ns, t[3], FMT_CELL_LEN);
		units_time(r->median_b_ns, t[4], FMT_CELL_LEN);
		fmt_pct(r->change.change_pct, t[5], FMT_CELL_LEN);
		fmt_pct(r->change.ci_lo_pct, lo, sizeof(lo));
		fmt_pct(r->change.ci_hi_pct, hi, sizeof(hi));
		if (isfinite(r->change.ci_lo_pct))
			snprintf(t[6], FMT_CELL_LEN, "[%s, %s]", lo, hi);
		else
			snprintf(t[6], FMT_CELL_LEN, "-");
		/* "own": the result's own history set it (compare_row) */
		snprintf(t[7], FMT_CELL_LEN, "%.3g%%%s", r->floor_pct,
			 isfinite(r->hist_sd_pct) ? " own" : "");
		fmt_p(r->change.p, t[8], FMT_CELL_LEN);
		/* An imported aggregate-only result has no samples to test. */
		snprintf(t[9], FMT_CELL_LEN, "%s", !r->n_a || !r->n_b ? "untested" :
			 stats_verdict_name(r->change.verdict));
	}
	fmt_grid_emit(g, out, "lllrrrrrrl");
	fmt_grid_free(g);
	return 0;
}

static void summary(struct sbuf *out, const struct compare_result *c)
{
	sbuf_addf(out, "%zu slower, %zu faster, %zu unchanged, %zu inconclusive of %zu "
		  "result(s) (threshold %g%%, alpha %g)", c->n_slower, c->n_faster,
		  c->n_unchanged, c->n_inconclusive, c->n_rows, c->threshold_pct, c->alpha);
	{
		size_t n_untested = 0;

		for (size_t i = 0; i < c->n_rows; i++)
			n_untested += !c->rows[i].n_a || !c->rows[i].n_b;
		if (n_untested)
			sbuf_addf(out, "; %zu untested: aggregates only (imported without "
				  "raw samples), the change is the ratio of the medians, with "
				  "no CI or p", n_untested);
	}
	{
		size_t n_own = 0;

		for (size_t i = 0; i < c->n_rows; i++)
			n_own += isfinite(c->rows[i].hist_sd_pct);
		if (n_own)
			sbuf_addf(out, "; %zu floor(s) \"own\": %g x the result's own "
				  "run-to-run noise over this machine's other runs",
				  n_own, c->noise_k);
	}
	if (c->n_not_ok)
		sbuf_addf(out, "; %zu not ok in A or B", c->n_not_ok);
	if (c->n_only_a)
		sbuf_addf(out, "; %zu only in A", c->n_only_a);
	if (c->n_only_b)
		sbuf_addf(out, "; %zu only in B", c->n_only_b);
	sbuf_addc(out, '\n');
}

static int print_text(const struct compare_result *c)
{
	struct sbuf out = SBUF_INIT;
	int rc;

	run_line(&out, "A", &c->a);
	run_line(&out, "B", &c->b);
	sbuf_addc(&out, '\n');
	rc = table(&out, c);
	sbuf_addc(&out, '\n');
	summary(&out, c);
	return cmd_print_sbuf(&out, rc);
}

static cJSON *run_json(const struct store_history_run *r)
{
	cJSON *o = cJSON_CreateObject();
	int bad = !o;

	if (bad)
		return NULL;
	bad |= cmd_json_run(o, r->id, r->uuid, r->started_at, r->git_commit);
	bad |= cmd_json_dirty(o, "git_dirty", r->git_dirty);
	bad |= cmd_json_str(o, "hostname", r->hostname);
	bad |= cmd_json_str(o, "fingerprint", r->fingerprint);
	bad |= cmd_json_str(o, "compiler", r->compiler);
	bad |= cmd_json_str(o, "openblas_version", r->openblas_version);
	bad |= !cJSON_AddNumberToObject(o, "rounds", r->rounds);
	return cmd_json_done(o, bad);
}

/* The warnings of c, one string each. */
static cJSON *warnings_json(const struct compare_result *c)
{
	struct sbuf w = SBUF_INIT;
	cJSON *arr = cJSON_CreateArray();
	const char *p;
	int bad = !arr;

	compare_warnings(c, &w);
	bad |= sbuf_failed(&w);
	for (p = sbuf_str(&w); !bad && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);

		bad |= !cmd_json_push(arr, line ? cJSON_CreateString(line) : NULL);
		free(line);
		p += len + (nl ? 1 : 0);
	}
	sbuf_release(&w);
	return cmd_json_done(arr, bad);
}

static int rows_json(cJSON *arr, const struct compare_result *c)
{
	int bad = 0;

	for (size_t i = 0; !bad && i < c->n_rows; i++) {
		const struct compare_row *r = &c->rows[i];
		cJSON *o = cmd_json_push(arr, cJSON_CreateObject());

		if (!o)
			return 1;
		bad |= cmd_json_key(o, r->suite, r->benchmark, r->backend, r->variant,
				    r->clock);
		bad |= !cJSON_AddNumberToObject(o, "n_a", (double)r->n_a);
		bad |= !cJSON_AddNumberToObject(o, "n_b", (double)r->n_b);
		bad |= cmd_json_num(o, "median_a_ns", r->median_a_ns);
		bad |= cmd_json_num(o, "median_b_ns", r->median_b_ns);
		bad |= cmd_json_num(o, "change_pct", r->change.change_pct);
		bad |= cmd_json_num(o, "change_raw_pct", r->raw_change_pct);
		bad |= cmd_json_num(o, "ci_lo_pct", r->change.ci_lo_pct);
		bad |= cmd_json_num(o, "ci_hi_pct", r->change.ci_hi_pct);
		bad |= cmd_json_num(o, "p", r->change.p);
		bad |= cmd_json_num(o, "min_p", r->change.min_p);
		/* what the CI and the test counted as units (stats_rounds.h) */
		bad |= cmd_json_str(o, "unit", r->change.by_rounds ? "round" : "sample");
		bad |= !cJSON_AddNumberToObject(o, "units_a", (double)r->change.units_a);
		bad |= !cJSON_AddNumberToObject(o, "units_b", (double)r->change.units_b);
		bad |= cmd_json_num(o, "floor_pct", r->floor_pct);
		bad |= cmd_json_str(o, "floor_from", isfinite(r->hist_sd_pct) ? "history" :
							 "group");
		bad |= !cJSON_AddNumberToObject(o, "history_runs", (double)r->hist_n);
		bad |= cmd_json_num(o, "history_sd_pct", r->hist_sd_pct);
		bad |= cmd_json_str(o, "verdict", stats_verdict_name(r->change.verdict));
		bad |= !cJSON_AddBoolToObject(o, "tested", r->n_a && r->n_b);
	}
	return bad;
}

static int noise_json(cJSON *arr, const struct compare_result *c)
{
	int bad = 0;

	for (size_t i = 0; !bad && i < c->n_noise; i++) {
		const struct compare_noise *g = &c->noise[i];
		cJSON *o = cmd_json_push(arr, cJSON_CreateObject());

		if (!o)
			return 1;
		bad |= cmd_json_str(o, "backend", g->backend);
		bad |= cmd_json_str(o, "clock", g->clock);
		bad |= !cJSON_AddNumberToObject(o, "n", (double)g->n);
		bad |= cmd_json_num(o, "median_pct", g->median_pct);
		bad |= cmd_json_num(o, "mad_pct", g->mad_pct);
		bad |= cmd_json_num(o, "floor_pct", g->floor_pct);
	}
	return bad;
}

/* {"a": run, "b": run, "threshold_pct", "alpha", "noise_k", "warnings",
 *  "results", "noise", "summary"} (docs/history.md). NULL when out of
 * memory. */
static cJSON *comparison_json(const struct compare_result *c)
{
	cJSON *root = cJSON_CreateObject(), *arr, *sum;
	int bad = !root;

	if (bad)
		return NULL;
	bad |= cmd_json_item(root, "a", run_json(&c->a));
	bad |= cmd_json_item(root, "b", run_json(&c->b));
	bad |= !cJSON_AddNumberToObject(root, "threshold_pct", c->threshold_pct);
	bad |= !cJSON_AddNumberToObject(root, "alpha", c->alpha);
	bad |= cmd_json_num(root, "noise_k", c->noise_k);
	bad |= cmd_json_num(root, "run_shift_pct", c->shift_pct);
	bad |= cmd_json_item(root, "warnings", warnings_json(c));
	arr = cJSON_AddArrayToObject(root, "results");
	bad |= !arr || rows_json(arr, c);
	arr = bad ? NULL : cJSON_AddArrayToObject(root, "noise");
	bad |= !arr || noise_json(arr, c);
	sum = bad ? NULL : cJSON_AddObjectToObject(root, "summary");
	bad |= !sum;
	if (!bad) {
		bad |= !cJSON_AddNumberToObject(sum, "compared", (double)c->n_rows);
		bad |= !cJSON_AddNumberToObject(sum, "slower", (double)c->n_slower);
		bad |= !cJSON_AddNumberToObject(sum, "faster", (double)c->n_faster);
		bad |= !cJSON_AddNumberToObject(sum, "unchanged", (double)c->n_unchanged);
		bad |= !cJSON_AddNumberToObject(sum, "inconclusive", (double)c->n_inconclusive);
		bad |= !cJSON_AddNumberToObject(sum, "not_ok", (double)c->n_not_ok);
		bad |= !cJSON_AddNumberToObject(sum, "only_a", (double)c->n_only_a);
		bad |= !cJSON_AddNumberToObject(sum, "only_b", (double)c->n_only_b);
	}
	return cmd_json_done(root, bad);
}

/* One "WARNING: ..." line on stderr per way the runs differ. */
static void warn(const struct compare_result *c)
{
	struct sbuf w = SBUF_INIT;
	const char *p;

	compare_warnings(c, &w);
	for (p = sbuf_str(&w); *p;) {
		size_t len = strcspn(p, "\n");

		fprintf(stderr, "WARNING: %.*s\n", (int)len, p);
		p += len + (p[len] ? 1 : 0);
	}
	sbuf_release(&w);
}

int cmd_compare(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct compare_opts o = { 0 };
	struct compare_result *c = NULL;
	struct store_history *h = NULL;
	struct store *st = NULL;
	int64_t a = 0, b = 0;
	char err[MC_ERRLEN];
	int rc = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (cmd_query_open(ctx, &st, &h, err, sizeof(err)))
		goto fail;
	if (o.n_refs == 2) {
		if (store_run_resolve(st, o.ref[0], STORE_RESOLVE_COMMIT, &a, err, sizeof(err)) ||
		    store_run_resolve(st, o.ref[1], STORE_RESOLVE_COMMIT, &b, err, sizeof(err)))
			goto fail;
	} else if (store_history_default_pair(h, &a, &b, err, sizeof(err))) {
		goto fail;
	}
	if (compare_runs(h, a, b, o.threshold_pct, o.alpha, &c, err, sizeof(err)))
		goto fail;
	if (c->n_rows == 0) {
		err_set(err, sizeof(err), MC_EINVAL,
			"runs %.8s and %.8s share no result with status ok on both sides",
			c->a.uuid, c->b.uuid);
		goto fail;
	}
	warn(c);
	if (o.json ? cmd_print_json(comparison_json(c)) : print_text(c)) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	rc = c->n_slower > 0;
	goto out;
fail:
	fprintf(stderr, "mcreport compare: %s\n", err);
out:
	compare_result_free(c);
	store_history_close(h);
	store_close(st);
	return rc;
}
