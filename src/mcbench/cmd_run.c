/*
 * cmd_run.c - `mcbench run`: every suite on every backend present, recorded.
 *
 * Order of work: load and validate every suite first (a typo fails before
 * anything is measured), discover backends, open the db, record provenance
 * and the run (status 'running'), probe each device's roofline, then measure
 * every benchmark x backend x variant in interleaved rounds (runner.h): a
 * pass over all of them per round, so each result's samples span the run.
 * A result is stored, one transaction per clock, when its last round ends
 * (or its outcome is decided sooner). The run becomes 'complete' only at
 * the very end; SIGINT/SIGTERM mark it 'aborted', and a SIGKILL leaves it
 * 'running' until the next run reaps it.
 */
#include <math.h>
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
#include "runner.h"
#include "store.h"
#include "suite.h"
#include "workload.h"

#define MAX_BACKENDS 32
#define MAX_SUITES 64
/* Rounds per run unless --rounds says otherwise: with the default 10
 * samples (5 quick), 2 (1) per round, so a drift that slows one round
 * moves a median by at most 2 (1) order statistics. */
#define RUN_DEFAULT_ROUNDS 5
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

/* A suite argument is a name in suite_dir() or a path to a .json file. */
static void suite_path(const char *arg, char *out, size_t n)
{
	if (strchr(arg, '/') || strstr(arg, ".json"))
		snprintf(out, n, "%s", arg);
	else
		snprintf(out, n, "%s/%s.json", suite_dir(), arg);
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

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t json_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
}

/* Describes the instance, probes its roofline and records it as a device. */
static int record_device(struct store *st, int64_t run_id, struct backend *be,
			 struct runner_peaks *peaks, struct progress *pr,
			 char *err, size_t n_err)
{
	struct store_device d = { 0 };
	char perr[MC_ERRLEN] = "";
	cJSON *info = cJSON_CreateObject();
	char *info_text = NULL;
	int rc;

	if (!info)
		return err_set(err, n_err, MC_ENOMEM, "out of memory describing %s",
			       be->name);
	be->ops->describe(be, info);
	peaks->gflops = peaks->gbps = peaks->cache_bytes = -1;
	if (be->ops->roofline(be, &peaks->gflops, &peaks->gbps, perr, sizeof(perr)))
		progress_note(pr, "mcbench run: roofline probe of %s failed: %s",
			      be->name, perr);
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(info, "cache_bytes");
		if (cJSON_IsNumber(c))
			peaks->cache_bytes = c->valuedouble;
	}
	info_text = cJSON_PrintUnformatted(info);
	d.backend = be->name;
	d.kind = json_str(info, "kind") ? json_str(info, "kind") : "cpu";
	d.name = json_str(info, "name") ? json_str(info, "name") : be->name;
	d.vendor = json_str(info, "vendor");
	d.version = json_str(info, "version");
	d.driver = json_str(info, "driver");
	d.compute_units = json_int(info, "compute_units");
	d.global_mem = json_int(info, "global_mem");
	d.local_mem = json_int(info, "local_mem");
	d.peak_gflops = peaks->gflops;
	d.peak_gbps = peaks->gbps;
	d.info = info_text;
	rc = store_device_add(st, run_id, &d, err, n_err);
	if (!rc)
		progress_note(pr, "device %s: peak %.1f GFLOP/s, triad %.1f GB/s",
			      be->name, peaks->gflops, peaks->gbps);
	free(info_text);
	cJSON_Delete(info);
	return rc;
}

static const char *const no_variant[] = { "", NULL };

static const char *const *variants_of(struct backend *be, const char *kernel)
{
	const char *const *v = be->ops->variants ? be->ops->variants(be, kernel) : NULL;

	return v ? v : no_variant;
}

static int runnable(const struct suite_bench *b, struct backend *be)
{
	return suite_bench_allows(b, be->family) && be->ops->supports(be, b->spec->name);
}

/* One benchmark of the run: its workload and reference output, made when
 * its first task starts and kept for all rounds. */
struct job {
	const struct suite *s;
	const struct suite_bench *b;
	struct workload *w;
	float *ref;
	size_t n_open;            /* its slots not stored yet; 0 frees w and ref */
};

/* One benchmark x backend x variant; task is NULL before round 0 reaches
 * it and after it is stored. */
struct slot {
	struct job *job;
	struct backend *be;
	size_t k;                 /* index of be, for its peaks */
	const char *variant;
	struct runner_task *task;
	int stored;
};

struct plan {
	struct job *jobs;
	size_t n_jobs;
	struct slot *slots;
	size_t n_slots;
	size_t n_steps;           /* rounds over all slots, for progress */
};

static void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_slots; i++)
		runner_task_free(p->slots[i].task);
	for (size_t i = 0; i < p->n_jobs; i++) {
		free(p->jobs[i].ref);
		workload_destroy(p->jobs[i].w);
	}
	free(p->slots);
	free(p->jobs);
}

/* Lists every benchmark x backend x variant, in suite order. */
static int plan_build(struct suite **suites, size_t n_suites, struct backend **bes,
		      size_t n_bes, int rounds, struct plan *p, char *err, size_t n_err)
{
	size_t n_benches = 0, n_slots = 0;

	memset(p, 0, sizeof(*p));
	for (int pass = 0; pass < 2; pass++) {
		n_benches = n_slots = 0;
		for (size_t s = 0; s < n_suites; s++) {
			for (size_t i = 0; i < suites[s]->n_benches; i++) {
				const struct suite_bench *b = &suites[s]->benches[i];
				struct job *j = pass ? &p->jobs[n_benches] : NULL;

				if (j) {
					j->s = suites[s];
					j->b = b;
				}
				n_benches++;
				for (size_t k = 0; k < n_bes; k++) {
					if (!runnable(b, bes[k]))
						continue;
					for (const char *const *v = variants_of(bes[k], b->spec->name);
					     *v; v++, n_slots++) {
						if (!pass)
							continue;
						p->slots[n_slots] = (struct slot){ j, bes[k], k, *v,
										    NULL, 0 };
						j->n_open++;
						p->n_steps += (size_t)(rounds < b->samples ?
								       rounds : b->samples);
					}
				}
			}
		}
		if (!pass) {
			p->jobs = calloc(n_benches ? n_benches : 1, sizeof(*p->jobs));
			p->slots = calloc(n_slots ? n_slots : 1, sizeof(*p->slots));
			if (!p->jobs || !p->slots) {
				plan_free(p);
				return err_set(err, n_err, MC_ENOMEM, "out of memory planning the run");
			}
		}
	}
	p->n_jobs = n_benches;
	p->n_slots = n_slots;
	return 0;
}

/* The workload and reference of a job, computed once, from the same
 * seeded inputs every backend receives. */
static int job_ready(struct job *j, char *err, size_t n_err)
{
	if (j->w)
		return 0;
	if (workload_create(j->b->spec, j->b->params, j->b->seed, &j->w, err, n_err))
		return -1;
	j->ref = malloc(j->w->plan.output_len * sizeof(float));
	if (!j->ref)
		return err_set(err, n_err, MC_ENOMEM, "out of memory for the reference of %s",
			       j->b->name);
	j->b->spec->reference(j->w->params, (const float *const *)j->w->inputs, j->ref);
	return 0;
}

struct tally {
	size_t ok, invalid, implausible, failed, skipped;
};

static void tally_add(struct tally *t, const char *status)
{
	if (!strcmp(status, "ok")) t->ok++;
	else if (!strcmp(status, "invalid")) t->invalid++;
	else if (!strcmp(status, "implausible")) t->implausible++;
	else if (!strcmp(status, "skipped")) t->skipped++;
	else t->failed++;
}

static void slot_label(const struct slot *sl, char *out, size_t n)
{
	snprintf(out, n, "%s/%s %s%s%s", sl->job->s->name, sl->job->b->name,
		 sl->be->name, *sl->variant ? " " : "", sl->variant);
}

/* Round `round` of one slot; stores it once it has no round left. */
static int slot_round(struct slot *sl, int round, int rounds, struct store *st,
		      int64_t run_id, struct runner_peaks *peaks, struct progress *pr,
		      struct tally *tally, char *err, size_t n_err)
{
	char label[512], step[600];
	struct runner_outcome o;
	int rc;

	if (sl->stored)
		return 0;
	if (round == 0) {
		if (job_ready(sl->job, err, n_err))
			return -1;
		if (runner_task_new(sl->job->s, sl->job->b, sl->job->w, sl->job->ref,
				    sl->be, sl->variant, &peaks[sl->k], rounds, &sl->task,
				    err, n_err))
			return -1;
	}
	slot_label(sl, label, sizeof(label));
	if (runner_task_pending(sl->task, round)) {
		if (rounds > 1)
			snprintf(step, sizeof(step), "%s (round %d/%d)", label, round + 1,
				 rounds);
		progress_step(pr, rounds > 1 ? step : label);
		runner_task_round(sl->task, round);
	}
	if (runner_task_pending(sl->task, round + 1))
		return 0;
	rc = runner_task_store(sl->task, st, run_id, &o, err, n_err);
	runner_task_free(sl->task);
	sl->task = NULL;
	sl->stored = 1;
	if (--sl->job->n_open == 0) {
		free(sl->job->ref);
		workload_destroy(sl->job->w);
		sl->job->ref = NULL;
		sl->job->w = NULL;
	}
	if (rc)
		return rc;
	tally_add(tally, o.status);
	if (strcmp(o.status, "ok") != 0)
		progress_note(pr, "%s: %s: %s", label, o.status, o.message);
	return 0;
}

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct run_opts opts = { 0 };
	struct suite *suites[MAX_SUITES] = { 0 };
	size_t n_suites = 0, n_bes = 0;
	struct plan plan = { 0 };
	struct backend **bes = NULL;
	struct runner_peaks peaks[MAX_BACKENDS];
	struct store *st = NULL;
	struct prov *pv = NULL;
	struct progress *pr = NULL;
	struct store_run run = { 0 };
	struct tally tally = { 0 };
	char err[MC_ERRLEN] = "", notes[2048] = "", started[32], argv_text[4096];
	char uuid_text[37], *prov_text = NULL;
	cJSON *pj = NULL;
	uuid_t uu;
	int64_t run_id = -1;
	int rc = 1, reaped = 0;
	double claimed;

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
	pr = progress_new(stderr, plan.n_steps);
	progress_note(pr, "run %s: %zu suite(s), %zu backend(s), %zu measurement(s) in "
		      "%d round(s)%s", uuid_text, n_suites, n_bes, plan.n_slots, opts.rounds,
		      opts.quick ? " (quick)" : "");
	progress_note(pr, "timer %s: resolution %.0f ns, overhead %.1f ns per call",
		      run.timer_name, run.timer_resolution_ns, run.timer_overhead_ns);
	if (reaped)
		progress_note(pr, "marked %d earlier run(s) killed mid-way as aborted",
			      reaped);
	if (notes[0]) {
		progress_note(pr, "%s", notes);
		if (store_run_note(st, run_id, notes, err, sizeof(err)))
			goto fail;
	}
	for (size_t k = 0; k < n_bes; k++)
		if (record_device(st, run_id, bes[k], &peaks[k], pr, err, sizeof(err)))
			goto fail;

	for (int round = 0; round < opts.rounds && !stop_signal; round++)
		for (size_t i = 0; i < plan.n_slots && !stop_signal; i++)
			if (slot_round(&plan.slots[i], round, opts.rounds, st, run_id, peaks,
				       pr, &tally, err, sizeof(err)))
				goto fail;
	if (stop_signal) {
		progress_done(pr);
		pr = NULL;
		store_run_finish(st, run_id, "aborted", err, sizeof(err));
		fprintf(stderr, "mcbench run: interrupted by signal %d; run %s marked aborted\n",
			(int)stop_signal, uuid_text);
		rc = 130;
		goto out;
	}
	/* Probe every device again at the end: the peaks recorded are the
	 * best of start and end (and of any re-probe during the run), so a
	 * start-up probe slowed by other load does not stand as the peak. */
	for (size_t k = 0; k < n_bes; k++) {
		double g = -1, b = -1;
		char perr[MC_ERRLEN];

		if (bes[k]->ops->roofline(bes[k], &g, &b, perr, sizeof(perr)) == 0) {
			if (g < peaks[k].gflops)
				g = peaks[k].gflops;
			if (b < peaks[k].gbps)
				b = peaks[k].gbps;
		} else {
			g = peaks[k].gflops;
			b = peaks[k].gbps;
		}
		if (store_device_raise_peaks(st, run_id, bes[k]->name, g, b, err,
					     sizeof(err)))
			goto fail;
	}
	if (store_run_finish(st, run_id, "complete", err, sizeof(err)))
		goto fail;
	progress_done(pr);
	pr = NULL;
	printf("run %s complete: %zu ok, %zu invalid, %zu implausible, %zu failed, "
	       "%zu skipped -> %s\n", uuid_text, tally.ok, tally.invalid,
	       tally.implausible, tally.failed, tally.skipped, ctx->db_path);
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
	plan_free(&plan);
	cJSON_Delete(pj);
	free(prov_text);
	prov_free(pv);
	store_close(st);
	backend_free_all(bes, n_bes);
	for (size_t s = 0; s < n_suites; s++)
		suite_free(suites[s]);
	return rc;
}
