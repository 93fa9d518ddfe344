/*
 * cmd_run.c - `mcbench run`: every suite on every backend present, recorded.
 *
 * Order of work: load and validate every suite first (a typo fails before
 * anything is measured), discover backends, open the db, record provenance
 * and the run (status 'running'), probe each device's roofline, then measure
 * each benchmark x backend x variant, one transaction per result. The run
 * becomes 'complete' only at the very end; SIGINT/SIGTERM mark it 'aborted',
 * and a SIGKILL leaves it 'running' until the next run reaps it.
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
};

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			o->quick = 1;
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

static size_t count_tasks(struct suite **suites, size_t n_suites,
			  struct backend **bes, size_t n_bes)
{
	size_t n = 0;

	for (size_t s = 0; s < n_suites; s++)
		for (size_t i = 0; i < suites[s]->n_benches; i++)
			for (size_t k = 0; k < n_bes; k++) {
				const struct suite_bench *b = &suites[s]->benches[i];
				const char *const *v;

				if (!runnable(b, bes[k]))
					continue;
				for (v = variants_of(bes[k], b->spec->name); *v; v++)
					n++;
			}
	return n;
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

/* Measures every backend on one benchmark; the reference output is computed
 * once, from the same seeded inputs every backend receives. */
static int run_bench(struct store *st, int64_t run_id, const struct suite *s,
		     const struct suite_bench *b, struct backend **bes, size_t n_bes,
		     struct runner_peaks *peaks, struct progress *pr,
		     struct tally *tally, char *err, size_t n_err)
{
	struct workload *w = NULL;
	float *ref = NULL;
	char label[512];
	int rc = 0;

	for (size_t k = 0; k < n_bes && !rc && !stop_signal; k++) {
		if (!runnable(b, bes[k]))
			continue;
		if (!w) {
			rc = workload_create(b->spec, b->params, b->seed, &w, err, n_err);
			if (rc)
				break;
			ref = malloc(w->plan.output_len * sizeof(float));
			if (!ref) {
				rc = err_set(err, n_err, MC_ENOMEM,
					     "out of memory for the reference of %s", b->name);
				break;
			}
			b->spec->reference(w->params, (const float *const *)w->inputs, ref);
		}
		for (const char *const *v = variants_of(bes[k], b->spec->name);
		     *v && !rc && !stop_signal; v++) {
			struct runner_outcome o;

			snprintf(label, sizeof(label), "%s/%s %s%s%s", s->name, b->name,
				 bes[k]->name, **v ? " " : "", *v);
			progress_step(pr, label);
			rc = runner_measure(st, run_id, s, b, w, ref, bes[k], *v,
					    &peaks[k], &o, err, n_err);
			if (rc)
				break;
			tally_add(tally, o.status);
			if (strcmp(o.status, "ok") != 0)
				progress_note(pr, "%s: %s: %s", label, o.status, o.message);
		}
	}
	free(ref);
	workload_destroy(w);
	return rc;
}

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct run_opts opts = { 0 };
	struct suite *suites[MAX_SUITES] = { 0 };
	size_t n_suites = 0, n_bes = 0, n_tasks;
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
	run.provenance = prov_text ? prov_text : "{}";
	if (store_run_begin(st, &run, &run_id, err, sizeof(err)))
		goto fail;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	n_tasks = count_tasks(suites, n_suites, bes, n_bes);
	pr = progress_new(stderr, n_tasks);
	progress_note(pr, "run %s: %zu suite(s), %zu backend(s), %zu measurement(s)%s",
		      uuid_text, n_suites, n_bes, n_tasks, opts.quick ? " (quick)" : "");
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

	for (size_t s = 0; s < n_suites && !stop_signal; s++)
		for (size_t i = 0; i < suites[s]->n_benches && !stop_signal; i++)
			if (run_bench(st, run_id, suites[s], &suites[s]->benches[i], bes,
				      n_bes, peaks, pr, &tally, err, sizeof(err)))
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
	cJSON_Delete(pj);
	free(prov_text);
	prov_free(pv);
	store_close(st);
	backend_free_all(bes, n_bes);
	for (size_t s = 0; s < n_suites; s++)
		suite_free(suites[s]);
	return rc;
}
