/*
 * cmd_run.c - `mcbench run`: every suite on every backend present, recorded.
 *
 * Order of work: load and validate every suite first (a typo fails before
 * anything is measured), discover backends, open the db, record provenance
 * and the run (status 'running'), then hand the rest to the library: the
 * plan (plan.h) lists every benchmark x backend x variant, and the session
 * (session.h) probes each device's roofline and measures the plan in
 * interleaved rounds, storing each result when its last round ends. This
 * file keeps what is the command's: options, signals, the progress lines
 * of the session's events, and the run's final status. The run becomes
 * 'complete' only at the very end; SIGINT/SIGTERM mark it 'aborted' (the
 * session stops before its next measurement's round), and a SIGKILL leaves
 * it 'running' until the next run reaps it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "backend.h"
#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "progress.h"
#include "prov.h"
#include "plan.h"
#include "session.h"
#include "store.h"
#include "suite.h"

#define MAX_BACKENDS 32
#define MAX_SUITES 64
/* Rounds per run unless --rounds says otherwise: with the default 10
 * samples (5 quick), 2 (1) per round, so a drift that slows one round
 * moves a median by at most 2 (1) order statistics. */
#define RUN_DEFAULT_ROUNDS 5
#define RUN_MAX_BUDGET_S (7 * 24 * 3600)
#define RUN_MAX_ROUNDS 1000

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct run_opts {
	const char *suites[MAX_SUITES];
	size_t n_suites;
	const char *backends[MAX_BACKENDS];
	size_t n_backends;
	int quick;
	int rounds;
	double budget_s;          /* --budget: the whole run's seconds, 0 none */
};

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			o->quick = 1;
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			char *end = NULL;
			long n = strtol(argv[++i], &end, 10);

			if (!*argv[i] || *end || n < 1 || n > RUN_MAX_ROUNDS) {
				fprintf(stderr, "mcbench run: --rounds wants an integer from 1 "
					"to %d, not '%s'\n", RUN_MAX_ROUNDS, argv[i]);
				return -1;
			}
			o->rounds = (int)n;
		} else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
			char *end = NULL;
			double v = strtod(argv[++i], &end);

			if (!*argv[i] || *end || !(v >= 0) || v > RUN_MAX_BUDGET_S) {
				fprintf(stderr, "mcbench run: --budget wants seconds from 0 (none) "
					"to %d, not '%s'\n", RUN_MAX_BUDGET_S, argv[i]);
				return -1;
			}
			o->budget_s = v;
		} else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc) {
			if (o->n_suites == MAX_SUITES)
				return -1;
			o->suites[o->n_suites++] = argv[++i];
		} else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			if (o->n_backends == MAX_BACKENDS)
				return -1;
			o->backends[o->n_backends++] = argv[++i];
		} else {
			fprintf(stderr, "mcbench run: unknown or incomplete option '%s' "
				"(see mcbench run --help)\n", argv[i]);
			return -1;
		}
	}
	return 0;
}

static int load_suites(const struct run_opts *o, struct suite **out,
		       size_t *out_n, char *err, size_t n_err)
{
	char **paths = NULL, path[1024];
	int rc = 0;

	*out_n = 0;
	if (o->n_suites) {
		for (size_t i = 0; i < o->n_suites && !rc; i++) {
			suite_path(o->suites[i], path, sizeof(path));
			rc = suite_load(path, o->quick, &out[(*out_n)++], err, n_err);
		}
		return rc;
	}
	rc = suite_list(suite_dir(), &paths, err, n_err);
	for (size_t i = 0; !rc && paths[i]; i++) {
		if (*out_n == MAX_SUITES)
			break;
		rc = suite_load(paths[i], o->quick, &out[(*out_n)++], err, n_err);
	}
	suite_list_free(paths);
	return rc;
}

/* The command line as one string, for the record. */
static void join_argv(char **argv, int argc, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < argc && len + 1 < n; i++) {
		int q = strpbrk(argv[i], " \t'\"") != NULL;
		len += (size_t)snprintf(out + len, n - len, q ? "%s'%s'" : "%s%s",
					i ? " " : "", argv[i]);
	}
}

/* Progress lines for the session's events (session.h). */
static void on_event(void *ctx, const struct session_event *ev)
{
	struct progress *pr = ctx;
	char label[512], step[600];

	switch (ev->kind) {
	case SESSION_PROBE_FAILED:
		progress_note(pr, "mcbench run: roofline probe of %s failed: %s",
			      ev->backend->name, ev->message);
		break;
	case SESSION_DEVICE:
		progress_note(pr, "device %s: peak %.1f GFLOP/s, triad %.1f GB/s",
			      ev->backend->name, ev->peaks->gflops, ev->peaks->gbps);
		break;
	case SESSION_ROUND:
		plan_item_label(ev->item, label, sizeof(label));
		if (ev->rounds > 1)
			snprintf(step, sizeof(step), "%s (round %d/%d)", label, ev->round + 1,
				 ev->rounds);
		progress_step(pr, ev->rounds > 1 ? step : label);
		break;
	case SESSION_RESULT:
		if (strcmp(ev->outcome->status, "ok") != 0) {
			plan_item_label(ev->item, label, sizeof(label));
			progress_note(pr, "%s: %s: %s", label, ev->outcome->status,
				      ev->outcome->message);
		}
		break;
	}
}

static int should_stop(void *ctx)
{
	(void)ctx;
	return stop_signal != 0;
}

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct run_opts opts = { 0 };
	struct suite *suites[MAX_SUITES] = { 0 };
	size_t n_suites = 0, n_bes = 0;
	struct plan *plan = NULL;
	struct session *ses = NULL;
	struct session_hooks hooks = { on_event, should_stop, NULL };
	const struct session_tally *tally;
	struct backend **bes = NULL;
	struct store *st = NULL;
	struct prov *pv = NULL;
	struct progress *pr = NULL;
	struct store_run run = { 0 };
	char err[MC_ERRLEN] = "", notes[2048] = "", started[32], argv_text[4096];
	char uuid_text[37], *prov_text = NULL;
	cJSON *pj = NULL;
	uuid_t uu;
	int64_t run_id = -1;
	int rc = 1, reaped = 0, stopped = 0;
	double claimed;
	/* The budget counts from here: discovery (a peer's imports) is the
	 * run's time too. */
	uint64_t t_start = clock_now_ns();

	opts.rounds = RUN_DEFAULT_ROUNDS;
	if (parse_opts(argc, argv, &opts))
		return 2;
	if (load_suites(&opts, suites, &n_suites, err, sizeof(err)))
		goto fail;
	if (backend_discover_all(opts.backends, opts.n_backends, &bes, &n_bes, notes,
				 sizeof(notes), err, sizeof(err)))
		goto fail;
	if (n_bes == 0 || n_bes > MAX_BACKENDS) {
		err_set(err, sizeof(err), MC_ENODEV, "no backend to run%s%s",
			notes[0] ? ": " : "", notes);
		goto fail;
	}
	if (store_open(ctx->db_path, STORE_WRITE, &st, err, sizeof(err)))
		goto fail;
	if (prov_collect(&pv, err, sizeof(err)))
		goto fail;
	prov_machine(pv, &run.machine);
	if (store_reap_stale(st, run.machine.hostname, &reaped, err, sizeof(err)))
		goto fail;

	uuid_generate_random(uu);
	uuid_unparse_lower(uu, uuid_text);
	clock_utc_iso8601(started, sizeof(started));
	join_argv(ctx->orig_argv, ctx->orig_argc, argv_text, sizeof(argv_text));
	pj = prov_json(pv);
	prov_text = pj ? cJSON_PrintUnformatted(pj) : NULL;
	run.uuid = uuid_text;
	run.started_at = started;
	run.argv = argv_text;
	run.git_commit = prov_git_commit(pv);
	run.git_dirty = prov_git_dirty(pv);
	run.compiler = prov_compiler(pv);
	run.cflags = prov_cflags(pv);
	run.timer_name = clock_name();
	run.timer_resolution_ns = clock_resolution_ns(&claimed);
	run.timer_overhead_ns = clock_overhead_ns();
	run.quick = opts.quick;
	run.rounds = opts.rounds;
	run.provenance = prov_text ? prov_text : "{}";
	if (store_run_begin(st, &run, &run_id, err, sizeof(err)))
		goto fail;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	if (plan_build(suites, n_suites, bes, n_bes, opts.rounds, &plan, err, sizeof(err)))
		goto fail;
	pr = progress_new(stderr, plan_n_steps(plan));
	hooks.ctx = pr;
	if (session_new(plan, st, run_id, &hooks, &ses, err, sizeof(err)))
		goto fail;
	progress_note(pr, "run %s: %zu suite(s), %zu backend(s), %zu measurement(s) in "
		      "%d round(s)%s", uuid_text, n_suites, n_bes, plan_n_items(plan),
		      opts.rounds, opts.quick ? " (quick)" : "");
	progress_note(pr, "timer %s: resolution %.0f ns, overhead %.1f ns per call",
		      run.timer_name, run.timer_resolution_ns, run.timer_overhead_ns);
	if (reaped)
		progress_note(pr, "marked %d earlier run(s) killed mid-way as aborted",
			      reaped);
	if (opts.budget_s > 0) {
		size_t len = strlen(notes);

		snprintf(notes + len, sizeof(notes) - len, "%sbudget of %g s for the whole run "
			 "(--budget): what did not fit is stored skipped, with why",
			 len ? "; " : "", opts.budget_s);
		session_set_budget(ses, opts.budget_s, t_start);
		progress_set_end(pr, t_start + (uint64_t)(opts.budget_s * 1e9));
	}
	if (notes[0]) {
		progress_note(pr, "%s", notes);
		if (store_run_note(st, run_id, notes, err, sizeof(err)))
			goto fail;
	}
	if (session_record_devices(ses, err, sizeof(err)))
		goto fail;
	if (session_run_rounds(ses, &stopped, err, sizeof(err)))
		goto fail;
	if (stopped) {
		progress_done(pr);
		pr = NULL;
		store_run_finish(st, run_id, "aborted", err, sizeof(err));
		fprintf(stderr, "mcbench run: interrupted by signal %d; run %s marked aborted\n",
			(int)stop_signal, uuid_text);
		rc = 130;
		goto out;
	}
	if (session_reprobe(ses, err, sizeof(err)))
		goto fail;
	if (store_run_finish(st, run_id, "complete", err, sizeof(err)))
		goto fail;
	progress_done(pr);
	pr = NULL;
	tally = session_tally(ses);
	printf("run %s complete: %zu ok, %zu invalid, %zu implausible, %zu failed, "
	       "%zu skipped -> %s\n", uuid_text, tally->ok, tally->invalid,
	       tally->implausible, tally->failed, tally->skipped, ctx->db_path);
	if (tally->cut)
		printf("  %zu of the ok kept fewer rounds than %d, to fit the budget "
		       "(result.rounds)\n", tally->cut, opts.rounds);
	rc = 0;
	goto out;
fail:
	progress_done(pr);
	pr = NULL;
	fprintf(stderr, "mcbench run: %s\n", err);
	if (st && run_id > 0) {
		char e2[MC_ERRLEN];
		store_run_finish(st, run_id, "failed", e2, sizeof(e2));
	}
	rc = 1;
out:
	progress_done(pr);
	session_free(ses);
	plan_free(plan);
	cJSON_Delete(pj);
	free(prov_text);
	prov_free(pv);
	store_close(st);
	backend_free_all(bes, n_bes);
	for (size_t s = 0; s < n_suites; s++)
		suite_free(suites[s]);
	return rc;
}
