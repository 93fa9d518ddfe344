/*
 * import_gbench.c - Google Benchmark's --benchmark_out JSON (1.5 to 1.9)
 * as an import doc (import.h).
 *
 * One result per run_name: its "iteration" rows (one per repetition) are
 * the raw samples, real_time per iteration (gbench's wall clock), each the
 * mean over that repetition's iterations. The "aggregate" rows gbench
 * computed from them (mean, median, stddev, and any custom statistic) are
 * kept, and the built-in ones checked against the samples (import.c); a
 * file with aggregates only (--benchmark_report_aggregates_only) gives an
 * aggregate-only result. CPU time, counters, threads and the aggregates go
 * to the result's fields; the context (host, CPUs, MHz, caches, scaling,
 * load) to the run's provenance. gbench writes bare NaN and Infinity for
 * non-finite counters: the file is read with jwalk_parse_tolerant.
 */
#include "import.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "jwalk.h"

/* Members of a benchmark row that are not counters. */
static const char *const gb_fixed[] = {
	"name", "family_index", "per_family_instance_index", "run_name", "run_type",
	"repetitions", "repetition_index", "threads", "iterations", "real_time",
	"cpu_time", "time_unit", "aggregate_name", "aggregate_unit", "error_occurred",
	"error_message", "skipped", "skip_message", "label", "big_o", "rms",
	"complexity_n", NULL,
};

/* One result being gathered. */
struct gb {
	const char *run_name;
	double *real, *cpu;          /* ns, one per repetition */
	size_t n, cap;
	int64_t iters;               /* -1 when repetitions differ */
	int64_t repetitions;
	const char *status, *message;
	double mean, median, stddev;
	int have_rows;               /* iteration rows seen */
	cJSON *fields;               /* owned until handed to the doc */
	cJSON *aggregates, *counters, *cpu_ns, *iterations;
};

static double unit_ns(const char *unit)
{
	if (!unit || !strcmp(unit, "ns"))
		return 1;
	if (!strcmp(unit, "us"))
		return 1e3;
	if (!strcmp(unit, "ms"))
		return 1e6;
	if (!strcmp(unit, "s"))
		return 1e9;
	return 0;
}

int import_gbench_detect(const cJSON *root)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "context");

	return cJSON_IsObject(c) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root,
										  "benchmarks")) &&
	       (cJSON_GetObjectItemCaseSensitive(c, "num_cpus") ||
		cJSON_GetObjectItemCaseSensitive(c, "mhz_per_cpu"));
}

static int is_fixed(const char *key)
{
	for (const char *const *k = gb_fixed; *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

/* A number as JSON, null where not finite (JSON holds no NaN). */
static cJSON *num(double x)
{
	return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
}

static int add(cJSON *o, const char *key, cJSON *v)
{
	return v && cJSON_AddItemToObject(o, key, v) ? 0 : (cJSON_Delete(v), -1);
}

static int gb_push(struct gb *g, double real, double cpu)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 8;
		double *a = realloc(g->real, cap * sizeof(*a)), *b;

		if (!a)
			return -1;
		g->real = a;
		if (!(b = realloc(g->cpu, cap * sizeof(*b))))
			return -1;
		g->cpu = b;
		g->cap = cap;
	}
	g->real[g->n] = real;
	g->cpu[g->n] = cpu;
	g->n++;
	return 0;
}

static void gb_free(struct gb *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].real);
		free(g[i].cpu);
		cJSON_Delete(g[i].fields);
	}
	free(g);
}

/* The counters of row b (members that are not gbench's own), as numbers;
 * a member that is no number (a later gbench's own field) is kept as it
 * is rather than refused. */
static int counters_of(struct jwalk *w, const cJSON *b, cJSON **out)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *m;
	double x;

	*out = o;
	if (!o)
		return jwalk_oom(w);
	cJSON_ArrayForEach(m, b) {
		if (!m->string || is_fixed(m->string))
			continue;
		if (add(o, m->string, jwalk_number(w, m, &x) ? num(x) : cJSON_Duplicate(m, 1)))
			return jwalk_oom(w);
	}
	return 0;
}

/* One row of "benchmarks" into its result. */
static int gb_row(struct jwalk *w, const cJSON *b, struct gb *g)
{
	static const char *const types[] = { "iteration", "aggregate", NULL };
	const char *type = "iteration", *unit = NULL, *agg = NULL, *msg = NULL;
	double real = NAN, cpu = NAN, scale;
	int64_t iters = -1, reps = -1, threads = -1;
	cJSON *counters = NULL;
	int err_flag = 0, skipped = 0, rc;

	if (jwalk_has(b, "run_type") && (rc = jwalk_enum(w, b, "run_type", types, &type)))
		return rc;
	if (jwalk_has(b, "time_unit") && (rc = jwalk_str(w, b, "time_unit", 0, &unit)))
		return rc;
	if (!(scale = unit_ns(unit)))
		return jwalk_fail_at(w, "time_unit", 0, "expected \"ns\", \"us\", \"ms\" or \"s\"");
	if (jwalk_has(b, "error_occurred") &&
	    (rc = jwalk_bool(w, b, "error_occurred", 0, &err_flag)))
		return rc;
	if (jwalk_has(b, "skipped")) {
		/* 1.8: "skipped": true with a skip_message (an error is still
		 * error_occurred). */
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "skipped");

		skipped = cJSON_IsTrue(v) || (cJSON_IsNumber(v) && v->valuedouble != 0);
	}
	if (err_flag && (rc = jwalk_str(w, b, "error_message", 1, &msg)))
		return rc;
	if (!err_flag && skipped && jwalk_has(b, "skip_message") &&
	    (rc = jwalk_str(w, b, "skip_message", 1, &msg)))
		return rc;
	if (jwalk_has(b, "repetitions") &&
	    (rc = jwalk_int(w, b, "repetitions", 0, 0, &reps)))
		return rc;
	if (jwalk_has(b, "threads") && (rc = jwalk_int(w, b, "threads", 0, 1, &threads)))
		return rc;
	if (err_flag || skipped) {
		g->status = err_flag ? "failed" : "skipped";
		if (msg && !g->message)
			g->message = msg;
		return 0;
	}
	if ((rc = jwalk_int(w, b, "iterations", 0, 0, &iters)))
		return rc;
	if (!strcmp(type, "aggregate")) {
		const char *aunit = "time";
		const cJSON *v = NULL;
		cJSON *a = cJSON_CreateObject();

		if ((rc = jwalk_str(w, b, "aggregate_name", 0, &agg)) ||
		    (jwalk_has(b, "aggregate_unit") &&
		     (rc = jwalk_str(w, b, "aggregate_unit", 0, &aunit)))) {
			cJSON_Delete(a);
			return rc;
		}
		/* BigO and RMS rows carry their own members, not times. */
		if (!jwalk_has(b, "real_time")) {
			cJSON_Delete(a);
			return 0;
		}
		if ((rc = jwalk_get(w, b, "real_time", JW_ANYNUM, 0, &v)) ||
		    !jwalk_number(w, v, &real) ||
		    (rc = jwalk_get(w, b, "cpu_time", JW_ANYNUM, 0, &v)) ||
		    !jwalk_number(w, v, &cpu)) {
			cJSON_Delete(a);
			return rc;
		}
		if (!strcmp(aunit, "time")) {
			real *= scale;
			cpu *= scale;
		}
		if (!a || add(a, "unit", cJSON_CreateString(aunit)) ||
		    add(a, strcmp(aunit, "time") ? "real_time" : "real_time_ns", num(real)) ||
		    add(a, strcmp(aunit, "time") ? "cpu_time" : "cpu_time_ns", num(cpu)) ||
		    !cJSON_AddItemToObject(g->aggregates, agg, a)) {
			cJSON_Delete(a);
			return jwalk_oom(w);
		}
		if ((rc = counters_of(w, b, &counters)) ||
		    !cJSON_AddItemToObject(a, "counters", counters)) {
			cJSON_Delete(counters);
			return rc ? rc : jwalk_oom(w);
		}
		if (!strcmp(aunit, "time")) {
			if (!strcmp(agg, "mean"))
				g->mean = real;
			else if (!strcmp(agg, "median"))
				g->median = real;
			else if (!strcmp(agg, "stddev"))
				g->stddev = real;
		}
		if (reps > 0)
			g->repetitions = reps;
		return 0;
	}
	if ((rc = jwalk_num(w, b, "real_time", 0, &real)) ||
	    (rc = jwalk_num(w, b, "cpu_time", 0, &cpu)))
		return rc;
	if (!(real > 0))
		return jwalk_fail_at(w, "real_time", 0, "expected a positive time");
	if ((rc = counters_of(w, b, &counters))) {
		cJSON_Delete(counters);
		return rc;
	}
	if (!cJSON_AddItemToArray(g->counters, counters)) {
		cJSON_Delete(counters);
		return jwalk_oom(w);
	}
	if (gb_push(g, real * scale, cpu * scale) ||
	    !cJSON_AddItemToArray(g->cpu_ns, num(cpu * scale)) ||
	    !cJSON_AddItemToArray(g->iterations, cJSON_CreateNumber((double)iters)))
		return jwalk_oom(w);
	g->iters = g->have_rows && g->iters != iters ? -1 : iters;
	g->have_rows = 1;
	if (reps > 0)
		g->repetitions = reps;
	if (threads > 0 && !cJSON_GetObjectItemCaseSensitive(g->fields, "threads") &&
	    add(g->fields, "threads", cJSON_CreateNumber((double)threads)))
		return jwalk_oom(w);
	return 0;
}

/* The result of run_name in gs[0..*n), added when new. */
static struct gb *gb_find(struct gb **gs, size_t *n, size_t *cap, const char *run_name)
{
	struct gb *g;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*gs)[i].run_name, run_name))
			return &(*gs)[i];
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 16;
		struct gb *a = realloc(*gs, c * sizeof(*a));

		if (!a)
			return NULL;
		*gs = a;
		*cap = c;
	}
	g = &(*gs)[(*n)++];
	memset(g, 0, sizeof(*g));
	g->run_name = run_name;
	g->status = "ok";
	g->iters = -1;
	g->repetitions = -1;
	g->mean = g->median = g->stddev = NAN;
	if (!(g->fields = cJSON_CreateObject()) ||
	    !(g->aggregates = cJSON_AddObjectToObject(g->fields, "aggregates")) ||
	    !(g->counters = cJSON_AddArrayToObject(g->fields, "counters")) ||
	    !(g->cpu_ns = cJSON_AddArrayToObject(g->fields, "cpu_time_ns")) ||
	    !(g->iterations = cJSON_AddArrayToObject(g->fields, "iterations")))
		return NULL;
	return g;
}

/* The context: machine, time, provenance. */
static int gb_context(struct jwalk *w, const cJSON *c, struct import_doc *doc,
		      const char **out_suite)
{
	const char *host = NULL, *date = NULL, *exe = NULL, *ver = NULL, *base;
	int64_t ncpu = -1;
	size_t mark = jwalk_push(w, "context", 0);
	int rc = 0;

	if (jwalk_has(c, "host_name"))
		rc = jwalk_str(w, c, "host_name", 0, &host);
	if (!rc && jwalk_has(c, "date"))
		rc = jwalk_str(w, c, "date", 0, &date);
	if (!rc && jwalk_has(c, "executable"))
		rc = jwalk_str(w, c, "executable", 0, &exe);
	if (!rc && jwalk_has(c, "num_cpus"))
		rc = jwalk_int(w, c, "num_cpus", 0, 1, &ncpu);
	if (!rc && jwalk_has(c, "library_version"))
		rc = jwalk_str(w, c, "library_version", 0, &ver);
	jwalk_pop(w, mark);
	if (rc)
		return rc;
	doc->hostname = import_strdup(doc, host);
	/* num_cpus is what the OS lists: logical CPUs, so threads. */
	doc->threads = ncpu;
	doc->started_at = import_utc(doc, date);
	doc->argv = import_strdup(doc, exe);
	if (ver) {
		doc->format_version = import_strdup(doc, ver);
	} else if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c, "json_schema_version"))) {
		doc->format_version = import_printf(doc, "json_schema_version %g",
			cJSON_GetObjectItemCaseSensitive(c, "json_schema_version")->valuedouble);
	}
	doc->provenance = import_json_text(doc, c);
	base = exe ? strrchr(exe, '/') : NULL;
	base = base ? base + 1 : exe;
	doc->notes = import_printf(doc, "imported from Google Benchmark JSON%s%s: "
				   "samples are repetitions (real time per iteration); "
				   "no FLOP or byte counts, device peaks or validation",
				   doc->format_version ? " " : "",
				   doc->format_version ? doc->format_version : "");
	/* The group: the program that ran the benchmarks. */
	*out_suite = base && *base ? import_printf(doc, "gbench:%s", base) : "gbench";
	return *out_suite ? 0 : jwalk_oom(w);
}

int import_gbench_parse(const char *src, const char *text, size_t len,
			struct import_doc *doc, char *err, size_t n_err)
{
	struct jwalk w;
	cJSON *root = NULL;
	const cJSON *ctx, *arr, *b;
	struct gb *gs = NULL;
	size_t n = 0, cap = 0, mark;
	const char *suite = NULL;
	long i = 0;
	int rc;

	jwalk_init(&w, src, err, n_err);
	w.tolerant = 1;
	if ((rc = jwalk_parse_tolerant(src, text, len, &root, err, n_err)))
		return rc;
	if (!cJSON_IsObject(root)) {
		rc = jwalk_fail(&w, "expected an object");
		goto out;
	}
	if ((rc = jwalk_get(&w, root, "context", JW_OBJ, 0, &ctx)) ||
	    (rc = jwalk_get(&w, root, "benchmarks", JW_ARR, 0, &arr)) ||
	    (rc = gb_context(&w, ctx, doc, &suite)))
		goto out;
	if (!import_add_device(doc, "gbench", "cpu", doc->hostname ? doc->hostname : "unknown")) {
		rc = jwalk_oom(&w);
		goto out;
	}
	mark = jwalk_push(&w, "benchmarks", 0);
	cJSON_ArrayForEach(b, arr) {
		const char *rn = NULL;
		size_t m2 = jwalk_push(&w, NULL, i++);
		struct gb *g;

		if (!cJSON_IsObject(b))
			rc = jwalk_fail(&w, "expected an object");
		else if (!(rc = jwalk_str(&w, b, jwalk_has(b, "run_name") ? "run_name" : "name",
					  0, &rn)))
			rc = (g = gb_find(&gs, &n, &cap, rn)) ? gb_row(&w, b, g) : jwalk_oom(&w);
		jwalk_pop(&w, m2);
		if (rc)
			break;
	}
	jwalk_pop(&w, mark);
	for (size_t k = 0; !rc && k < n; k++) {
		struct gb *g = &gs[k];
		struct import_result *r = import_add_result(doc);
		const char *slash;

		if (!r) {
			rc = jwalk_oom(&w);
			break;
		}
		r->suite = suite;
		r->benchmark = import_strdup(doc, g->run_name);
		slash = strchr(g->run_name, '/');
		r->kernel = slash ? import_printf(doc, "%.*s", (int)(slash - g->run_name),
						  g->run_name) : r->benchmark;
		r->backend = "gbench";
		r->status = g->status;
		r->message = import_strdup(doc, g->message);
		r->n_reported = g->repetitions;
		if (!strcmp(g->status, "ok")) {
			r->iters_per_sample = g->iters;
			r->mean = g->mean;
			r->median = g->median;
			r->stddev = g->stddev;
			if (g->have_rows) {
				r->samples_ns = import_alloc(doc, g->n * sizeof(double));
				if (r->samples_ns)
					memcpy(r->samples_ns, g->real, g->n * sizeof(double));
				r->n_samples = g->n;
			} else if (isnan(g->median) && isnan(g->mean)) {
				r->status = "skipped";
				r->message = "the file holds neither repetitions nor a mean "
					     "or median of them";
			}
		}
		r->fields = import_json_text(doc, g->fields);
	}
out:
	gb_free(gs, n);
	cJSON_Delete(root);
	return rc;
}
