/*
 * cmd_regressions.c - `mcreport regressions`: shifts of level in every
 * series of runs (suite, benchmark, backend, variant, clock, machine), each
 * with the run where it happened and the commit range to bisect. Exits 1
 * when a reported shift is a slowdown. The question lives in regressions.c
 * (over store_history.c); this file parses and formats.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "fmt.h"
#include "regressions.h"
#include "sbuf.h"
#include "stats.h"
#include "store.h"
#include "store_history.h"
#include "units.h"

#define SHIFT_COLS 13

struct regressions_opts {
	struct regressions_query q;
	int json;
};

/* The arguments of regressions alone (cmd_query_opts.own). */
static int own_arg(int argc, char **argv, int *i, void *arg)
{
	struct regressions_opts *o = arg;

	if (strcmp(argv[*i], "--since") == 0 && *i + 1 < argc) {
		o->q.since = argv[++*i];
		return 1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct regressions_opts *o)
{
	const struct cmd_query_opts opts = {
		.json = &o->json, .backend = &o->q.backend, .machine = &o->q.machine,
		.threshold_pct = &o->q.threshold_pct, .own = own_arg, .arg = o,
	};

	o->q.threshold_pct = STATS_THRESHOLD_PCT;
	return cmd_query_parse("regressions", argc, argv, &opts);
}

/* "good..bad" for git bisect, or why there is none. */
static void fmt_bisect(const struct regressions_shift *s, char *out, size_t n_out)
{
	char good[16], bad[16];

	fmt_commit(s->good_commit, 0, good, sizeof(good));
	fmt_commit(s->bad_commit, 0, bad, sizeof(bad));
	if (s->good_commit && s->bad_commit && strcmp(s->good_commit, s->bad_commit) == 0)
		snprintf(out, n_out, "%s (same commit: not the code)", good);
	else if (!s->good_commit && !s->bad_commit)
		snprintf(out, n_out, "- (commits unknown)");
	else
		snprintf(out, n_out, "%s..%s", s->good_commit ? good : "?",
			 s->bad_commit ? bad : "?");
}

static int table(struct sbuf *out, const struct regressions_shift *sh, size_t n)
{
	static const char *const head[SHIFT_COLS] = {
		"benchmark", "backend", "clock", "machine", "run", "date",
		"before", "after", "change", "95% CI", "p", "verdict", "bisect",
	};
	struct fmt_grid *g = fmt_grid_new(head, SHIFT_COLS, n);

	if (!g)
		return MC_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct regressions_shift *s = &sh[i];
		char (*t)[FMT_CELL_LEN] = fmt_grid_row(g, i);

		snprintf(t[0], FMT_CELL_LEN, "%s/%s%s%s%s", s->suite, s->benchmark,
			 *s->variant ? " [" : "", s->variant, *s->variant ? "]" : "");
		snprintf(t[1], FMT_CELL_LEN, "%s", s->backend);
		snprintf(t[2], FMT_CELL_LEN, "%s", s->clock);
		snprintf(t[3], FMT_CELL_LEN, "%s", s->hostname);
		snprintf(t[4], FMT_CELL_LEN, "%.8s", s->run_uuid);
		fmt_date(s->started_at, t[5], FMT_CELL_LEN);
		units_time(s->before_ns, t[6], FMT_CELL_LEN);
		units_time(s->after_ns, t[7], FMT_CELL_LEN);
		fmt_pct(s->change_pct, t[8], FMT_CELL_LEN);
		if (isfinite(s->ci_lo_pct)) {
			char lo[FMT_CELL_LEN / 2 - 4], hi[FMT_CELL_LEN / 2 - 4];

			fmt_pct(s->ci_lo_pct, lo, sizeof(lo));
			fmt_pct(s->ci_hi_pct, hi, sizeof(hi));
			snprintf(t[9], FMT_CELL_LEN, "[%s, %s]", lo, hi);
		} else {
			snprintf(t[9], FMT_CELL_LEN, "-");
		}
		snprintf(t[10], FMT_CELL_LEN, "%.3f", s->p_perm);
		snprintf(t[11], FMT_CELL_LEN, "%s", stats_verdict_name(s->verdict));
		fmt_bisect(s, t[12], FMT_CELL_LEN);
	}
	fmt_grid_emit(g, out, "llllllrrrrrll");
	fmt_grid_free(g);
	return 0;
}

static int print_text(const struct regressions_query *q, size_t n_series,
		      const struct regressions_shift *sh, size_t n)
{
	struct sbuf out = SBUF_INIT;
	size_t n_slower = 0, n_faster = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		n_slower += sh[i].verdict == STATS_SLOWER;
		n_faster += sh[i].verdict == STATS_FASTER;
	}
	if (n) {
		rc = table(&out, sh, n);
		sbuf_addc(&out, '\n');
	}
	sbuf_addf(&out, "%zu level shift(s): %zu slower, %zu faster, %zu inconclusive, in %zu "
		  "series of >= %d complete runs (threshold %g%%%s%s)\n", n, n_slower, n_faster,
		  n - n_slower - n_faster,
		  n_series, REGRESSIONS_MIN_RUNS, q->threshold_pct, q->since ? ", since " : "",
		  q->since ? q->since : "");
	return cmd_print_sbuf(&out, rc);
}

/* {"query": {...}, "series_examined", "shifts": [...], "summary": {...}}
 * (docs/history.md). NULL when out of memory. */
static cJSON *shifts_json(const struct regressions_query *q, size_t n_series,
			  const struct regressions_shift *shifts, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *qo, *arr, *sum;
	size_t n_slower = 0, n_faster = 0;
	int bad = !root;

	if (bad)
		return NULL;
	qo = cJSON_AddObjectToObject(root, "query");
	bad |= !qo;
	if (qo) {
		double thr = q->threshold_pct > 0 ? q->threshold_pct : STATS_THRESHOLD_PCT;

		bad |= cmd_json_str(qo, "since", q->since);
		bad |= cmd_json_str(qo, "backend", q->backend);
		bad |= cmd_json_str(qo, "machine", q->machine);
		bad |= !cJSON_AddNumberToObject(qo, "threshold_pct", thr);
		bad |= !cJSON_AddNumberToObject(qo, "min_runs", REGRESSIONS_MIN_RUNS);
	}
	bad |= !cJSON_AddNumberToObject(root, "series_examined", (double)n_series);
	arr = cJSON_AddArrayToObject(root, "shifts");
	bad |= !arr;
	for (size_t i = 0; !bad && i < n; i++) {
		const struct regressions_shift *s = &shifts[i];
		cJSON *o = cmd_json_push(arr, cJSON_CreateObject()), *bis;

		if (!o) {
			bad = 1;
			break;
		}
		n_slower += s->verdict == STATS_SLOWER;
		n_faster += s->verdict == STATS_FASTER;
		bad |= cmd_json_key(o, s->suite, s->benchmark, s->backend, s->variant,
				    s->clock);
		bad |= cmd_json_str(o, "hostname", s->hostname);
		bad |= cmd_json_str(o, "fingerprint", s->fingerprint);
		bad |= !cJSON_AddNumberToObject(o, "n_runs", (double)s->n_runs);
		bad |= !cJSON_AddNumberToObject(o, "index", (double)s->index);
		bad |= cmd_json_run(o, s->run_id, s->run_uuid, s->started_at, s->git_commit);
		bad |= cmd_json_num(o, "before_ns", s->before_ns);
		bad |= cmd_json_num(o, "after_ns", s->after_ns);
		bad |= cmd_json_num(o, "change_pct", s->change_pct);
		bad |= cmd_json_str(o, "direction", stats_verdict_name(s->direction));
		bad |= cmd_json_num(o, "ci_lo_pct", s->ci_lo_pct);
		bad |= cmd_json_num(o, "ci_hi_pct", s->ci_hi_pct);
		bad |= cmd_json_num(o, "p_perm", s->p_perm);
		bad |= cmd_json_str(o, "verdict", stats_verdict_name(s->verdict));
		bis = cJSON_AddObjectToObject(o, "bisect");
		bad |= !bis;
		if (bis) {
			bad |= cmd_json_str(bis, "good", s->good_commit);
			bad |= cmd_json_str(bis, "bad", s->bad_commit);
		}
	}
	sum = bad ? NULL : cJSON_AddObjectToObject(root, "summary");
	bad |= !sum;
	if (!bad) {
		bad |= !cJSON_AddNumberToObject(sum, "shifts", (double)n);
		bad |= !cJSON_AddNumberToObject(sum, "slower", (double)n_slower);
		bad |= !cJSON_AddNumberToObject(sum, "faster", (double)n_faster);
		bad |= !cJSON_AddNumberToObject(sum, "inconclusive",
						(double)(n - n_slower - n_faster));
	}
	return cmd_json_done(root, bad);
}

int cmd_regressions(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct regressions_opts o = { 0 };
	struct regressions_shift *sh = NULL;
	struct store_history *h = NULL;
	struct store *st = NULL;
	size_t n = 0, n_series = 0;
	char err[MC_ERRLEN];
	int rc = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	if (cmd_query_open(ctx, &st, &h, err, sizeof(err)) ||
	    regressions_find(h, &o.q, &sh, &n, &n_series, err, sizeof(err)))
		goto fail;
	if (o.json ? cmd_print_json(shifts_json(&o.q, n_series, sh, n))
		   : print_text(&o.q, n_series, sh, n)) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	rc = 0;
	for (size_t i = 0; i < n; i++)
		rc |= sh[i].verdict == STATS_SLOWER;   /* inconclusive is not a failure */
	goto out;
fail:
	fprintf(stderr, "mcreport regressions: %s\n", err);
out:
	regressions_free(sh, n);
	store_history_close(h);
	store_close(st);
	return rc;
}
