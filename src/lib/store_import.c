/*
 * store_import.c - exported runs back into a db (docs/export-format.md).
 *
 * Import validates the whole document into the store's own structs first,
 * so a malformed file writes nothing, then writes each run through
 * store_write.c in one transaction. Reading the file and naming the JSON
 * path at fault is jpath.c's, shared with the suite loader.
 */
#include "store_import.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "stats.h"
#include "jpath.h"
#include "runner.h"
#include "store_export.h"
#include "workload.h"
#include "store_int.h"

/* Integers travel as JSON numbers, so only those a double holds exactly. */
/* A result's samples are one array in memory; this bounds its size. */
#define STORE_IMPORT_MAX_SAMPLES 10000000
#define JSON_INT_MAX 9007199254740992.0 /* 2^53 */

/* Where in the document we are, e.g. "$.runs[0].results[3]". */
struct imp {
	const char *src;
	char path[JPATH_LEN];
	size_t len;
	char *err;
	size_t n_err;
};

/* Descends into member key (or, when key is NULL, element idx); returns
 * the mark that path_pop() climbs back to. */
static size_t path_push(struct imp *im, const char *key, long idx)
{
	size_t mark = im->len;
	char next[JPATH_LEN];

	if (key)
		jpath_key(next, im->path, key);
	else
		jpath_index(next, im->path, (size_t)idx);
	memcpy(im->path, next, sizeof(next));
	im->len = strlen(im->path);
	return mark;
}

static void path_pop(struct imp *im, size_t mark)
{
	im->len = mark;
	im->path[mark] = '\0';
}

static int imp_fail(struct imp *im, const char *what)
{
	return jpath_fail(im->err, im->n_err, MC_EINVAL, im->src, im->path, "%s", what);
}

enum jkind { J_STR, J_NUM, J_INT, J_BOOL, J_OBJ, J_ARR };

/* Value of key in obj, checked to be of kind (or null when nullable).
 * *out_v is NULL for a null. Errors name the member's path. */
static int get(struct imp *im, const cJSON *obj, const char *key, enum jkind kind,
	       int nullable, const cJSON **out_v)
{
	static const char *const names[] = {
		[J_STR] = "a string", [J_NUM] = "a number", [J_INT] = "an integer",
		[J_BOOL] = "true or false", [J_OBJ] = "an object", [J_ARR] = "an array",
	};
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t mark = path_push(im, key, 0);
	char msg[64];
	double x = 0;
	int ok = 0, rc = 0;

	*out_v = NULL;
	if (!v) {
		rc = imp_fail(im, "missing");
		goto out;
	}
	if (nullable && cJSON_IsNull(v))
		goto out;
	switch (kind) {
	case J_STR: ok = cJSON_IsString(v) && v->valuestring; break;
	case J_NUM: ok = store_json_number(v, &x) && isfinite(x); break;
	case J_INT: ok = store_json_number(v, &x) && x == floor(x) &&
			fabs(x) <= JSON_INT_MAX; break;
	case J_BOOL: ok = cJSON_IsBool(v); break;
	case J_OBJ: ok = cJSON_IsObject(v); break;
	case J_ARR: ok = cJSON_IsArray(v); break;
	}
	if (!ok) {
		snprintf(msg, sizeof(msg), "expected %s%s", names[kind],
			 nullable ? " or null" : "");
		rc = imp_fail(im, msg);
		goto out;
	}
	*out_v = v;
out:
	path_pop(im, mark);
	return rc;
}

static int get_str(struct imp *im, const cJSON *obj, const char *key, int nullable,
		   const char **out)
{
	const cJSON *v;
	int rc = get(im, obj, key, J_STR, nullable, &v);

	*out = v ? v->valuestring : NULL;
	return rc;
}

/* Fails at member key of the current object with what. */
static int member_fail(struct imp *im, const char *key, const char *what)
{
	size_t mark = path_push(im, key, 0);
	int rc = imp_fail(im, what);

	path_pop(im, mark);
	return rc;
}

/* A run uuid as mcbench writes them: 8-4-4-4-12 lower-case hex digits.
 * It names files (scripts/publish.sh) and is looked up as a reference
 * (mcreport export --run), so "1", "all" or "../x" must never get in. */
static int is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' :
		    !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[36] == '\0';
}

/* An ISO 8601 UTC time as mcbench writes them, "2026-11-23T16:22:00Z"
 * (a fraction of a second allowed), that names a real instant; runs sort
 * by this text, so a "zzzz" would pass every real run. */
static int is_utc_time(const char *s)
{
	struct tm tm = { 0 };
	const char *p;
	time_t t;

	for (int i = 0; i < 19; i++) {
		char c = "dddd-dd-ddTdd:dd:dd"[i];

		if (c == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != c)
			return 0;
	}
	p = s + 19;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return 0;
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = atoi(s + 11);
	tm.tm_min = atoi(s + 14);
	tm.tm_sec = atoi(s + 17);
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return 0;
	/* timegm normalises 31 November into 1 December: a round trip that
	 * changes the day means the date does not exist. */
	{
		struct tm back = tm;

		t = timegm(&back);
		if (t == (time_t)-1 || back.tm_mday != tm.tm_mday || back.tm_mon != tm.tm_mon)
			return 0;
	}
	return 1;
}

/* A string that must be one of allowed[] (NULL-terminated). */
static int get_enum(struct imp *im, const cJSON *obj, const char *key,
		    const char *const *allowed, const char **out)
{
	char msg[160];
	size_t len = 0, mark;
	int rc = get_str(im, obj, key, 0, out);

	if (rc)
		return rc;
	for (const char *const *a = allowed; *a; a++)
		if (!strcmp(*a, *out))
			return 0;
	len = (size_t)snprintf(msg, sizeof(msg), "expected one of");
	for (const char *const *a = allowed; *a && len < sizeof(msg); a++)
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s \"%s\"",
					a == allowed ? "" : ",", *a);
	mark = path_push(im, key, 0);
	rc = imp_fail(im, msg);
	path_pop(im, mark);
	return rc;
}

/* A number; null (when nullable) gives NaN. */
static int get_num(struct imp *im, const cJSON *obj, const char *key, int nullable,
		   double *out)
{
	const cJSON *v;
	int rc = get(im, obj, key, J_NUM, nullable, &v);

	*out = NAN;
	if (v)
		store_json_number(v, out);
	return rc;
}

/* An integer >= min; null (when nullable) gives -1. */
static int get_int(struct imp *im, const cJSON *obj, const char *key, int nullable,
		   int64_t min, int64_t *out)
{
	const cJSON *v;
	double x = -1;
	char msg[64];
	size_t mark;
	int rc = get(im, obj, key, J_INT, nullable, &v);

	*out = -1;
	if (rc || !v)
		return rc;
	store_json_number(v, &x);
	if (x < (double)min) {
		snprintf(msg, sizeof(msg), "expected an integer >= %lld%s",
			 (long long)min, nullable ? " or null" : "");
		mark = path_push(im, key, 0);
		rc = imp_fail(im, msg);
		path_pop(im, mark);
		return rc;
	}
	*out = (int64_t)x;
	return 0;
}

/* memory (migration 0003): an optional integer >= 1, absent (exports from
 * before it) or null when unknown; both give -1. */
static int get_opt_bytes(struct imp *im, const cJSON *obj, const char *key,
			 int64_t *out)
{
	*out = -1;
	if (!cJSON_GetObjectItemCaseSensitive(obj, key))
		return 0;
	return get_int(im, obj, key, 1, 1, out);
}

/* true/false as 1/0; null (when nullable) gives -1. */
static int get_bool(struct imp *im, const cJSON *obj, const char *key, int nullable,
		    int *out)
{
	const cJSON *v;
	int rc = get(im, obj, key, J_BOOL, nullable, &v);

	*out = v ? cJSON_IsTrue(v) : -1;
	return rc;
}

/* An object (or null when nullable) as compact JSON text with exact
 * numbers; *out NULL for null, else free with cJSON_free. */
static int get_json_text(struct imp *im, const cJSON *obj, const char *key,
			 int nullable, char **out)
{
	const cJSON *v;
	cJSON *copy = NULL;
	int rc = get(im, obj, key, J_OBJ, nullable, &v);

	*out = NULL;
	if (rc || !v)
		return rc;
	copy = cJSON_Duplicate(v, 1);
	if (copy && !store_json_rawify(copy))
		*out = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	if (!*out)
		return err_set(im->err, im->n_err, MC_ENOMEM, "%s: out of memory", im->src);
	return 0;
}

struct imp_device {
	struct store_device d;
	char *info;
};

struct imp_result {
	struct store_result r;
	char *params;
	double *samples;
	size_t n_samples;
};

struct imp_run {
	struct store_run run;        /* with ended_at, status and notes */
	char *provenance;
	struct imp_device *devices;
	size_t n_devices;
	struct imp_result *results;
	size_t n_results;
};

static void imp_run_free(struct imp_run *r)
{
	for (size_t i = 0; i < r->n_devices; i++)
		cJSON_free(r->devices[i].info);
	for (size_t i = 0; i < r->n_results; i++) {
		cJSON_free(r->results[i].params);
		free(r->results[i].samples);
	}
	free(r->devices);
	free(r->results);
	cJSON_free(r->provenance);
	memset(r, 0, sizeof(*r));
}

static const char *const run_statuses[] = {
	"running", "complete", "aborted", "failed", NULL,
};
static const char *const clocks[] = { "wall", "device", NULL };
static const char *const result_statuses[] = {
	"ok", "invalid", "implausible", "failed", "skipped", NULL,
};

static int parse_machine(struct imp *im, const cJSON *o, struct store_machine *m)
{
	const cJSON *mo;
	size_t mark;
	int rc = get(im, o, "machine", J_OBJ, 0, &mo);

	if (rc)
		return rc;
	mark = path_push(im, "machine", 0);
	if (!(rc = get_str(im, mo, "fingerprint", 0, &m->fingerprint)) &&
	    !(rc = get_str(im, mo, "hostname", 0, &m->hostname)) &&
	    !(rc = get_str(im, mo, "cpu_model", 0, &m->cpu_model)) &&
	    !(rc = get_int(im, mo, "cores", 0, 0, &m->cores)) &&
	    !(rc = get_int(im, mo, "threads", 0, 0, &m->threads)) &&
	    !(rc = get_int(im, mo, "mem_bytes", 0, 0, &m->mem_bytes)) &&
	    !(rc = get_str(im, mo, "os", 0, &m->os)))
		rc = get_str(im, mo, "kernel", 0, &m->kernel);
	path_pop(im, mark);
	return rc;
}

static int parse_run_fields(struct imp *im, const cJSON *o, struct imp_run *r)
{
	struct store_run *x = &r->run;
	const cJSON *ro, *timer;
	size_t mark, mark2;
	int rc = get(im, o, "run", J_OBJ, 0, &ro);

	if (rc)
		return rc;
	mark = path_push(im, "run", 0);
	if (!(rc = get_str(im, ro, "uuid", 0, &x->uuid)) && !is_uuid(x->uuid))
		rc = member_fail(im, "uuid", "expected a run uuid "
				 "(8-4-4-4-12 lower-case hex digits)");
	if (!rc && !(rc = get_str(im, ro, "started_at", 0, &x->started_at)) &&
	    !is_utc_time(x->started_at))
		rc = member_fail(im, "started_at", "expected an ISO 8601 UTC time "
				 "(YYYY-MM-DDTHH:MM:SSZ)");
	if (!rc && !(rc = get_str(im, ro, "ended_at", 1, &x->ended_at)) && x->ended_at) {
		if (!is_utc_time(x->ended_at))
			rc = member_fail(im, "ended_at", "expected an ISO 8601 UTC time "
					 "(YYYY-MM-DDTHH:MM:SSZ) or null");
		else if (strcmp(x->ended_at, x->started_at) < 0)
			rc = member_fail(im, "ended_at", "the run ends before it starts "
					 "(started_at)");
	}
	if (!rc &&
	    !(rc = get_enum(im, ro, "status", run_statuses, &x->status)) &&
	    !(rc = get_str(im, ro, "argv", 0, &x->argv)) &&
	    !(rc = get_str(im, ro, "git_commit", 1, &x->git_commit)) &&
	    !(rc = get_bool(im, ro, "git_dirty", 1, &x->git_dirty)) &&
	    !(rc = get_str(im, ro, "compiler", 0, &x->compiler)) &&
	    !(rc = get_str(im, ro, "cflags", 0, &x->cflags)) &&
	    !(rc = get(im, ro, "timer", J_OBJ, 0, &timer))) {
		mark2 = path_push(im, "timer", 0);
		if (!(rc = get_str(im, timer, "name", 0, &x->timer_name)) &&
		    !(rc = get_num(im, timer, "resolution_ns", 0, &x->timer_resolution_ns)))
			rc = get_num(im, timer, "overhead_ns", 0, &x->timer_overhead_ns);
		path_pop(im, mark2);
	}
	/* rounds came with format 1's second schema: absent means a run that
	 * took every sample in one pass. */
	x->rounds = 1;
	if (!rc && cJSON_GetObjectItemCaseSensitive(ro, "rounds")) {
		int64_t rounds = 1;

		rc = get_int(im, ro, "rounds", 0, 1, &rounds);
		x->rounds = rounds > INT_MAX ? INT_MAX : (int)rounds;
	}
	if (!rc &&
	    !(rc = get_bool(im, ro, "quick", 0, &x->quick)) &&
	    !(rc = get_str(im, ro, "notes", 1, &x->notes)) &&
	    !(rc = get_json_text(im, ro, "provenance", 0, &r->provenance)))
		x->provenance = r->provenance;
	path_pop(im, mark);
	return rc;
}

static int parse_device(struct imp *im, const cJSON *o, struct imp_device *out)
{
	struct store_device *d = &out->d;
	double x;
	size_t mark;
	int rc;

	if (!(rc = get_str(im, o, "backend", 0, &d->backend)) &&
	    !(rc = get_str(im, o, "kind", 0, &d->kind)) &&
	    !(rc = get_str(im, o, "name", 0, &d->name)) &&
	    !(rc = get_str(im, o, "vendor", 1, &d->vendor)) &&
	    !(rc = get_str(im, o, "version", 1, &d->version)) &&
	    !(rc = get_str(im, o, "driver", 1, &d->driver)) &&
	    !(rc = get_int(im, o, "compute_units", 1, 0, &d->compute_units)) &&
	    !(rc = get_int(im, o, "global_mem", 1, 0, &d->global_mem)) &&
	    !(rc = get_int(im, o, "local_mem", 1, 0, &d->local_mem)))
		rc = get_json_text(im, o, "info", 1, &out->info);
	d->info = out->info;
	/* Zero or less means unknown in the db, so only positive peaks can
	 * come back out as numbers. */
	for (int i = 0; !rc && i < 2; i++) {
		const char *key = i ? "peak_gbps" : "peak_gflops";

		rc = get_num(im, o, key, 1, &x);
		if (!rc && x <= 0) {
			mark = path_push(im, key, 0);
			rc = imp_fail(im, "expected a positive number or null");
			path_pop(im, mark);
		}
		if (!rc)
			*(i ? &d->peak_gbps : &d->peak_gflops) = isnan(x) ? -1 : x;
	}
	return rc;
}

static int parse_stats(struct imp *im, const cJSON *o, int have,
		       struct stats_summary *s)
{
	static const char *const keys[] = {
		"min_ns", "median_ns", "mean_ns", "stddev_ns", "mad_ns",
		"ci_lo_ns", "ci_hi_ns", "q1_ns", "q3_ns",
	};
	double *dst[] = {
		&s->min, &s->median, &s->mean, &s->stddev, &s->mad,
		&s->ci_lo, &s->ci_hi, &s->q1, &s->q3,
	};
	const cJSON *so, *v;
	int64_t n_mild = 0, n_severe = 0;
	size_t mark;
	int rc = get(im, o, "stats", J_OBJ, 0, &so);

	if (rc)
		return rc;
	mark = path_push(im, "stats", 0);
	for (int i = 0; !rc && i < 9; i++) {
		if (have) {
			rc = get_num(im, so, keys[i], 1, dst[i]);
		} else if (!(rc = get(im, so, keys[i], J_NUM, 1, &v)) && v) {
			size_t m2 = path_push(im, keys[i], 0);

			rc = imp_fail(im, "expected null (n_samples is 0)");
			path_pop(im, m2);
		}
	}
	if (!rc && have) {
		if (!(rc = get_int(im, so, "n_mild", 0, 0, &n_mild)))
			rc = get_int(im, so, "n_severe", 0, 0, &n_severe);
		s->n_mild = (size_t)n_mild;
		s->n_severe = (size_t)n_severe;
	} else if (!rc) {
		for (int i = 0; !rc && i < 2; i++) {
			const char *key = i ? "n_severe" : "n_mild";

			if (!(rc = get(im, so, key, J_INT, 1, &v)) && v) {
				size_t m2 = path_push(im, key, 0);

				rc = imp_fail(im, "expected null (n_samples is 0)");
				path_pop(im, m2);
			}
		}
	}
	path_pop(im, mark);
	return rc;
}

static int parse_samples(struct imp *im, const cJSON *o, struct imp_result *out)
{
	const cJSON *arr, *v;
	char msg[96];
	size_t i = 0, n, mark;
	int rc = get(im, o, "samples_ns", J_ARR, 0, &arr);

	if (rc)
		return rc;
	n = (size_t)cJSON_GetArraySize(arr);
	mark = path_push(im, "samples_ns", 0);
	if (n != out->n_samples) {
		snprintf(msg, sizeof(msg), "expected %zu values (n_samples), found %zu",
			 out->n_samples, n);
		rc = imp_fail(im, msg);
	} else if (n > 0 && !(out->samples = malloc(n * sizeof(double)))) {
		rc = err_set(im->err, im->n_err, MC_ENOMEM, "%s: out of memory", im->src);
	}
	cJSON_ArrayForEach(v, arr) {
		if (rc)
			break;
		if (!store_json_number(v, &out->samples[i]) || !isfinite(out->samples[i]) ||
		    !(out->samples[i] > 0)) {
			size_t m2 = path_push(im, NULL, (long)i);

			rc = imp_fail(im, "expected a positive number of nanoseconds");
			path_pop(im, m2);
		}
		i++;
	}
	path_pop(im, mark);
	return rc;
}

/* Whether stored and recomputed agree: both unknown, or within a
 * relative 1e-9 (the export prints each double exactly, so only another
 * writer's rounding could differ). */
static int same_stat(double stored, double recomputed)
{
	/* The db stores a non-finite statistic as NULL, exported as null. */
	if (isnan(stored) || !isfinite(recomputed))
		return isnan(stored) && !isfinite(recomputed);
	return fabs(stored - recomputed) <=
	       1e-9 * fmax(fabs(stored), fabs(recomputed));
}

/* The stats of a result are a function of its samples: recomputes them and
 * refuses a result whose stored ones differ (an edited sample or median). */
static int check_stats(struct imp *im, const struct imp_result *res)
{
	static const char *const keys[] = {
		"min_ns", "median_ns", "mean_ns", "stddev_ns", "mad_ns",
		"ci_lo_ns", "ci_hi_ns", "q1_ns", "q3_ns", "n_mild", "n_severe",
	};
	const struct stats_summary *got = &res->r.stats;
	struct stats_summary want;
	char msg[160];
	size_t mark;
	int rc = 0;

	if (!res->n_samples)
		return 0;
	if (stats_summarize(res->samples, res->n_samples, &want))
		return err_set(im->err, im->n_err, MC_ENOMEM, "%s: out of memory", im->src);
	{
		const double a[] = { got->min, got->median, got->mean, got->stddev,
				     got->mad, got->ci_lo, got->ci_hi, got->q1, got->q3,
				     (double)got->n_mild, (double)got->n_severe };
		const double b[] = { want.min, want.median, want.mean, want.stddev,
				     want.mad, want.ci_lo, want.ci_hi, want.q1, want.q3,
				     (double)want.n_mild, (double)want.n_severe };

		for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
			if (same_stat(a[i], b[i]))
				continue;
			snprintf(msg, sizeof(msg), "%.17g does not match the samples "
				 "(recomputed from samples_ns: %.17g)", a[i], b[i]);
			mark = path_push(im, "stats", 0);
			rc = member_fail(im, keys[i], msg);
			path_pop(im, mark);
			break;
		}
	}
	return rc;
}

static int parse_result(struct imp *im, const cJSON *o, struct imp_result *out)
{
	struct store_result *r = &out->r;
	int64_t n = 0;
	int rc;

	if (!(rc = get_str(im, o, "suite", 0, &r->suite)) &&
	    !(rc = get_str(im, o, "benchmark", 0, &r->benchmark)) &&
	    !(rc = get_str(im, o, "kernel", 0, &r->kernel)) &&
	    !(rc = get_json_text(im, o, "params", 0, &out->params)) &&
	    !(rc = get_str(im, o, "backend", 0, &r->backend)) &&
	    !(rc = get_str(im, o, "variant", 0, &r->variant)) &&
	    !(rc = get_enum(im, o, "clock", clocks, &r->clock)) &&
	    !(rc = get_enum(im, o, "status", result_statuses, &r->status)) &&
	    !(rc = get_str(im, o, "message", 1, &r->message)) &&
	    !(rc = get_num(im, o, "flops", 0, &r->flops)) &&
	    !(rc = get_num(im, o, "bytes", 0, &r->bytes)) &&
	    !(rc = get_int(im, o, "iters_per_sample", 1, 0, &r->iters_per_sample)) &&
	    !(rc = get_int(im, o, "n_samples", 0, 0, &n))) {
		out->n_samples = (size_t)n;
		r->stats.n = (size_t)n;
		if (n == 0 && !strcmp(r->status, "ok"))
			rc = member_fail(im, "n_samples", "an \"ok\" result has samples");
		if (!rc && n > STORE_IMPORT_MAX_SAMPLES)
			rc = member_fail(im, "n_samples", "more samples than one result "
					 "can hold");
		if (!rc &&
		    !(rc = parse_stats(im, o, n > 0, &r->stats)) &&
		    !(rc = get_num(im, o, "max_abs_err", 1, &r->max_abs_err)) &&
		    !(rc = get_num(im, o, "max_rel_err", 1, &r->max_rel_err)) &&
		    !(rc = get_opt_bytes(im, o, "peak_rss_bytes", &r->peak_rss_bytes)) &&
		    !(rc = get_opt_bytes(im, o, "base_rss_bytes", &r->base_rss_bytes)) &&
		    !(rc = get_opt_bytes(im, o, "device_bytes", &r->device_bytes)) &&
		    !(rc = parse_samples(im, o, out)))
			rc = check_stats(im, out);
	}
	r->params = out->params;
	return rc;
}

/* Items of the array member key, each parsed by fn into *out_items. */
static int parse_list(struct imp *im, const cJSON *o, const char *key, size_t size,
		      int (*fn)(struct imp *, const cJSON *, void *),
		      void **out_items, size_t *out_n)
{
	const cJSON *arr, *v;
	size_t n, i = 0, mark, m2;
	char *items;
	int rc = get(im, o, key, J_ARR, 0, &arr);

	if (rc)
		return rc;
	n = (size_t)cJSON_GetArraySize(arr);
	items = calloc(n ? n : 1, size);
	if (!items)
		return err_set(im->err, im->n_err, MC_ENOMEM, "%s: out of memory", im->src);
	*out_items = items;
	mark = path_push(im, key, 0);
	cJSON_ArrayForEach(v, arr) {
		m2 = path_push(im, NULL, (long)i);
		*out_n = i + 1;  /* so that a partly filled item is freed too */
		rc = cJSON_IsObject(v) ? fn(im, v, items + i * size)
				       : imp_fail(im, "expected an object");
		path_pop(im, m2);
		if (rc)
			break;
		i++;
	}
	path_pop(im, mark);
	return rc;
}

static int parse_device_cb(struct imp *im, const cJSON *o, void *out)
{
	return parse_device(im, o, out);
}

static int parse_result_cb(struct imp *im, const cJSON *o, void *out)
{
	return parse_result(im, o, out);
}

/* Every result was measured on one of its run's devices. */
static int check_backends(struct imp *im, const struct imp_run *r)
{
	char msg[200], name[64];
	size_t mark, m2;
	int rc;

	for (size_t i = 0; i < r->n_results; i++) {
		const char *b = r->results[i].r.backend;
		size_t j = 0;

		while (j < r->n_devices && strcmp(r->devices[j].d.backend, b))
			j++;
		if (j < r->n_devices)
			continue;
		snprintf(msg, sizeof(msg), "backend \"%s\" is not among the run's devices",
			 jpath_printable(b, name, sizeof(name)));
		mark = path_push(im, "results", 0);
		m2 = path_push(im, NULL, (long)i);
		rc = member_fail(im, "backend", msg);
		path_pop(im, m2);
		path_pop(im, mark);
		return rc;
	}
	return 0;
}

/* The working set of a result of a known kernel, from its params; -1 when
 * the kernel or a parameter is unknown here (the bandwidth check is then
 * not made, as the runner makes it only where it knows the cache). */
static double footprint_of(const struct imp_result *res)
{
	const struct kernel_spec *spec = workload_find(res->r.kernel);
	struct workload_plan plan;
	long params[WORKLOAD_MAX_PARAMS] = { 0 };
	cJSON *o = NULL;
	double n = -1;
	char e[MC_ERRLEN];
	size_t k = 0;

	if (!spec || !(o = cJSON_Parse(res->params)))
		goto out;
	for (; spec->param_names[k] && k < WORKLOAD_MAX_PARAMS; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, spec->param_names[k]);

		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= INT_MAX))
			goto out;
		params[k] = (long)v->valuedouble;
	}
	memset(&plan, 0, sizeof(plan));
	if (spec->plan(params, &plan, e, sizeof(e)))
		goto out;
	n = (double)plan.output_len;
	for (size_t i = 0; i < plan.n_inputs; i++)
		n += (double)plan.input_len[i];
	n *= sizeof(float);
out:
	cJSON_Delete(o);
	return n;
}

/* An "ok" result must be physically possible on its device by the run's
 * own measured peaks, by the rule the runner applied when it measured it
 * (runner_plausibility: 110% of the FLOP/s peak, or of the bandwidth for
 * working sets over 4x the last-level cache). One that is not was edited
 * or misjudged: refused, not stored as "implausible", since an import
 * never rewrites what it reads. */
static int check_plausible(struct imp *im, const struct imp_run *r,
			   const struct imp_result *res)
{
	struct runner_peaks peaks = { -1, -1, -1 };
	char why[400], msg[512];
	const struct store_device *d = NULL;
	cJSON *info = NULL;

	if (strcmp(res->r.status, "ok") || !res->n_samples || !(res->r.stats.median > 0))
		return 0;
	for (size_t j = 0; j < r->n_devices && !d; j++)
		if (!strcmp(r->devices[j].d.backend, res->r.backend))
			d = &r->devices[j].d;
	if (!d)
		return 0;
	peaks.gflops = d->peak_gflops;
	peaks.gbps = d->peak_gbps;
	if (d->info && (info = cJSON_Parse(d->info))) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(info, "cache_bytes");

		if (cJSON_IsNumber(c))
			peaks.cache_bytes = c->valuedouble;
		cJSON_Delete(info);
	}
	if (peaks.cache_bytes > 0 && footprint_of(res) < 0)
		peaks.cache_bytes = -1;
	if (!strcmp(runner_plausibility(res->r.flops, res->r.bytes, res->r.stats.median,
					footprint_of(res), &peaks, why, sizeof(why)), "ok"))
		return 0;
	snprintf(msg, sizeof(msg), "\"ok\", but its median %s (the run's device "
		 "peaks; such a result is stored \"implausible\")", why);
	return member_fail(im, "status", msg);
}

/* The header of an "mcbench-run" or "mcbench-export" object. */
static int check_format(struct imp *im, const cJSON *o, const char *want)
{
	const char *format = NULL;
	char msg[96];
	int64_t version = 0;
	size_t mark;
	int rc;

	if (!(rc = get_str(im, o, "format", 0, &format)) && strcmp(format, want)) {
		mark = path_push(im, "format", 0);
		snprintf(msg, sizeof(msg), "expected \"%s\"", want);
		rc = imp_fail(im, msg);
		path_pop(im, mark);
	}
	if (!rc && !(rc = get_int(im, o, "format_version", 0, 1, &version)) &&
	    version > STORE_EXPORT_FORMAT_VERSION) {
		mark = path_push(im, "format_version", 0);
		snprintf(msg, sizeof(msg), "version %lld is newer than this mcbench "
			 "reads (%d)", (long long)version, STORE_EXPORT_FORMAT_VERSION);
		rc = imp_fail(im, msg);
		path_pop(im, mark);
	}
	return rc;
}

static int parse_run(struct imp *im, const cJSON *o, struct imp_run *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(o))
		return imp_fail(im, "expected an object");
	if (!(rc = check_format(im, o, "mcbench-run")) &&
	    !(rc = parse_run_fields(im, o, r)) &&
	    !(rc = parse_machine(im, o, &r->run.machine)) &&
	    !(rc = parse_list(im, o, "devices", sizeof(struct imp_device),
			      parse_device_cb, (void **)&r->devices, &r->n_devices)) &&
	    !(rc = parse_list(im, o, "results", sizeof(struct imp_result),
			      parse_result_cb, (void **)&r->results, &r->n_results)))
		rc = check_backends(im, r);
	for (size_t i = 0; !rc && i < r->n_results; i++) {
		size_t mark = path_push(im, "results", 0), m2 = path_push(im, NULL, (long)i);

		rc = check_plausible(im, r, &r->results[i]);
		path_pop(im, m2);
		path_pop(im, mark);
	}
	return rc;
}

struct imp_write {
	struct imp *im;
	const struct imp_run *r;
	const cJSON *json;  /* the run's object in the document */
	int skipped;
};

static const char sql_has_uuid[] = "SELECT id FROM run WHERE uuid = ?1";

/* A copy of a run object as plain cJSON numbers, without the members that
 * describe the file rather than the run; NULL when out of memory. */
static cJSON *comparable(const cJSON *run)
{
	char *text = cJSON_PrintUnformatted(run);
	cJSON *copy = text ? cJSON_Parse(text) : NULL;

	cJSON_free(text);
	if (copy) {
		cJSON *run = cJSON_GetObjectItemCaseSensitive(copy, "run");

		cJSON_DeleteItemFromObjectCaseSensitive(copy, "format");
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "format_version");
		cJSON *machine = cJSON_GetObjectItemCaseSensitive(copy, "machine");

		/* Machines merge by fingerprint on import (the first one stored
		 * stays), so only the fingerprint is the run's own. */
		if (cJSON_IsObject(machine))
			for (cJSON *m = machine->child, *next; m; m = next) {
				next = m->next;
				if (strcmp(m->string, "fingerprint"))
					cJSON_Delete(cJSON_DetachItemViaPointer(machine, m));
			}
		/* A file from before rounds existed means 1, as imported. */
		if (cJSON_IsObject(run) && !cJSON_GetObjectItemCaseSensitive(run, "rounds") &&
		    !cJSON_AddNumberToObject(run, "rounds", 1)) {
			cJSON_Delete(copy);
			copy = NULL;
		}
	}
	return copy;
}

/* Whether the stored run run_id is the run in the document: importing a
 * file twice is harmless, but a different run under a known uuid is an
 * edit of the record, which an import never makes. */
static int same_as_stored(struct store *st, int64_t run_id, const cJSON *json,
			  int *out_same, char *err, size_t n_err)
{
	cJSON *stored = NULL, *a = NULL, *b = NULL;
	int rc = store_export_run(st, run_id, &stored, err, n_err);

	*out_same = 0;
	if (rc)
		return rc;
	a = comparable(stored);
	b = comparable(json);
	if (!a || !b)
		rc = err_set(err, n_err, MC_ENOMEM, "out of memory");
	else
		*out_same = cJSON_Compare(a, b, 1);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(stored);
	return rc;
}
static const char sql_set_end[] =
	"UPDATE run SET ended_at = ?2, status = ?3, notes = ?4, pid = NULL WHERE id = ?1";

/* Writes one parsed run; runs inside store_transaction(). */
static int write_run(struct store *st, void *arg)
{
	struct imp_write *w = arg;
	const struct imp_run *r = w->r;
	struct imp *im = w->im;
	sqlite3_stmt *s = NULL;
	char serr[MC_ERRLEN];
	int64_t run_id = 0;
	int rc, step;

	rc = store_stmt(st, sql_has_uuid, &s, serr, sizeof(serr));
	if (rc)
		goto out;
	store_bind_text(s, 1, r->run.uuid);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW)
		run_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (step == SQLITE_ROW) {
		int same = 0;

		rc = same_as_stored(st, run_id, w->json, &same, serr, sizeof(serr));
		if (!rc && !same) {
			size_t mark = path_push(im, "run", 0);

			rc = member_fail(im, "uuid", "this run is already in the db with "
					 "other content; an import never replaces a stored run");
			path_pop(im, mark);
			return rc;
		}
		w->skipped = !rc;
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = store_fail(st->path, st->db, step, "cannot look up the run", serr,
				sizeof(serr));
		goto out;
	}
	rc = store_run_begin(st, &r->run, &run_id, serr, sizeof(serr));
	if (!rc)
		rc = store_stmt(st, sql_set_end, &s, serr, sizeof(serr));
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, r->run.ended_at);
	store_bind_text(s, 3, r->run.status);
	store_bind_text(s, 4, r->run.notes);
	step = sqlite3_step(s);
	sqlite3_reset(s);
	if (step != SQLITE_DONE) {
		rc = store_fail(st->path, st->db, step, "cannot record the run", serr,
				sizeof(serr));
		goto out;
	}
	for (size_t i = 0; !rc && i < r->n_devices; i++)
		rc = store_device_add(st, run_id, &r->devices[i].d, serr, sizeof(serr));
	for (size_t i = 0; !rc && i < r->n_results; i++)
		rc = store_result_add(st, run_id, &r->results[i].r, r->results[i].samples,
				      r->results[i].n_samples, serr, sizeof(serr));
out:
	if (rc)
		err_set(im->err, im->n_err, rc, "%s: %s: %s", im->src, im->path, serr);
	return rc;
}

int store_import(struct store *st, const cJSON *doc, const char *source_name,
		  int *out_imported, int *out_skipped, char *err, size_t n_err)
{
	struct imp im = { .src = source_name ? source_name : "(import)",
			  .path = "$", .len = 1, .err = err, .n_err = n_err };
	const cJSON *runs = NULL, *format, *v;
	struct imp_run r;
	int rc = 0, n_imported = 0, n_skipped = 0, single, nested = 0;
	long i;

	if (out_imported)
		*out_imported = 0;
	if (out_skipped)
		*out_skipped = 0;
	if (!cJSON_IsObject(doc))
		return imp_fail(&im, "expected an object");
	format = cJSON_GetObjectItemCaseSensitive(doc, "format");
	single = !(cJSON_IsString(format) && format->valuestring &&
		   !strcmp(format->valuestring, "mcbench-export"));
	if (!single && (rc = check_format(&im, doc, "mcbench-export")))
		return rc;
	if (!single && (rc = get(&im, doc, "runs", J_ARR, 0, &runs)))
		return rc;
	/* Pass 0 validates everything, pass 1 writes, all in one transaction:
	 * a malformed document, or a write failing half way (a full disk),
	 * leaves the db as it was. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		if (pass == 1 && (rc = store_tx_begin(st, &nested, err, n_err)))
			break;
		i = 0;
		for (v = single ? doc : runs->child; v && !rc; v = single ? NULL : v->next, i++) {
			size_t mark = single ? im.len : path_push(&im, "runs", 0);
			size_t m2 = single ? im.len : path_push(&im, NULL, i);

			rc = parse_run(&im, v, &r);
			if (!rc && pass == 1) {
				struct imp_write w = { .im = &im, .r = &r, .json = v };

				rc = store_transaction(st, write_run, &w, err, n_err);
				if (!rc && w.skipped)
					n_skipped++;
				else if (!rc)
					n_imported++;
			}
			imp_run_free(&r);
			path_pop(&im, m2);
			path_pop(&im, mark);
		}
		if (pass == 1)
			rc = store_tx_end(st, nested, rc, err, n_err);
	}
	if (rc)
		n_imported = n_skipped = 0;
	if (out_imported)
		*out_imported = n_imported;
	if (out_skipped)
		*out_skipped = n_skipped;
	return rc;
}

int store_import_file(struct store *st, const char *path, int *out_imported,
		       int *out_skipped, char *err, size_t n_err)
{
	const char *end = NULL;
	char *buf = NULL;
	size_t len = 0, off;
	cJSON *doc;
	int rc;

	if (out_imported)
		*out_imported = 0;
	if (out_skipped)
		*out_skipped = 0;
	rc = jpath_read_file(path, 0, &buf, &len, err, n_err);
	if (rc)
		return rc;
	off = strlen(buf);
	if (off != len) {
		doc = NULL;
	} else {
		doc = cJSON_ParseWithOpts(buf, &end, 1);
		off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;
	}
	if (!doc) {
		rc = jpath_parse_error(err, n_err, path, buf, len, off,
				       off < len && buf[off] == '\0' ? "NUL byte in JSON text" :
				       "invalid JSON");
		free(buf);
		return rc;
	}
	free(buf);
	rc = store_import(st, doc, path, out_imported, out_skipped, err, n_err);
	cJSON_Delete(doc);
	return rc;
}

