/*
 * store_import.c - exported runs back into a db (docs/export-format.md).
 *
 * Import validates the whole document into the store's own structs first,
 * so a malformed file writes nothing, then writes each run through
 * store_write.c in one transaction. Reading the file and naming the JSON
 * path at fault is jpath.c's and jwalk.c's, shared with the suite loader
 * and the importers of other tools' files; the checks a run passes are
 * store_import_check.c's.
 */
#include "store_import.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stats.h"
#include "jpath.h"
#include "runner.h"
#include "store_export.h"
#include "store_noise_json.h"
#include "workload.h"
#include "store_int.h"
#include "store_import_int.h"

/* A result's samples are one array in memory; this bounds its size. */
#define STORE_IMPORT_MAX_SAMPLES 10000000

/* An object (or null when nullable) as compact JSON text with exact
 * numbers; *out NULL for null, else free with cJSON_free. */
static int get_json_text(struct jwalk *im, const cJSON *obj, const char *key,
			 int nullable, char **out)
{
	const cJSON *v;
	cJSON *copy = NULL;
	int rc = jwalk_get(im, obj, key, JW_OBJ, nullable, &v);

	*out = NULL;
	if (rc || !v)
		return rc;
	copy = cJSON_Duplicate(v, 1);
	if (copy && !store_json_rawify(copy))
		*out = cJSON_PrintUnformatted(copy);
	cJSON_Delete(copy);
	if (!*out)
		return jwalk_oom(im);
	return 0;
}

static const char *const run_statuses[] = {
	"running", "complete", "aborted", "failed", NULL,
};
static const char *const clocks[] = { "wall", "device", NULL };
static const char *const result_statuses[] = {
	"ok", "invalid", "implausible", "failed", "skipped", NULL,
};

static int parse_machine(struct jwalk *im, const cJSON *o, struct store_machine *m)
{
	const cJSON *mo;
	size_t mark;
	int rc = jwalk_get(im, o, "machine", JW_OBJ, 0, &mo);

	if (rc)
		return rc;
	mark = jwalk_push(im, "machine", 0);
	if (!(rc = jwalk_str(im, mo, "fingerprint", 0, &m->fingerprint)) &&
	    !(rc = jwalk_str(im, mo, "hostname", 0, &m->hostname)) &&
	    !(rc = jwalk_str(im, mo, "cpu_model", 0, &m->cpu_model)) &&
	    !(rc = jwalk_int(im, mo, "cores", 0, 0, &m->cores)) &&
	    !(rc = jwalk_int(im, mo, "threads", 0, 0, &m->threads)) &&
	    !(rc = jwalk_int(im, mo, "mem_bytes", 0, 0, &m->mem_bytes)) &&
	    !(rc = jwalk_str(im, mo, "os", 0, &m->os)))
		rc = jwalk_str(im, mo, "kernel", 0, &m->kernel);
	jwalk_pop(im, mark);
	return rc;
}

/* The optional "import" member of a run that came from another tool's
 * file: its format, version and SHA-256. */
static int parse_run_import(struct jwalk *im, const cJSON *ro, struct imp_run *r)
{
	const cJSON *io;
	size_t mark;
	int rc = jwalk_get(im, ro, "import", JW_OBJ, 0, &io);

	if (rc)
		return rc;
	mark = jwalk_push(im, "import", 0);
	if (!(rc = jwalk_str(im, io, "format", 0, &r->imp_format)) &&
	    !(rc = jwalk_str(im, io, "format_version", 1, &r->imp_version)) &&
	    !(rc = jwalk_str(im, io, "sha256", 0, &r->imp_sha256)) &&
	    !(rc = jwalk_str(im, io, "source", 0, &r->imp_source))) {
		size_t n = strspn(r->imp_sha256, "0123456789abcdef");

		if (n != 64 || r->imp_sha256[64])
			rc = jwalk_fail_at(im, "sha256", 0, "expected 64 lower-case hex digits");
	}
	jwalk_pop(im, mark);
	return rc;
}

static int parse_run_fields(struct jwalk *im, const cJSON *o, struct imp_run *r)
{
	struct store_run *x = &r->run;
	const cJSON *ro, *timer;
	size_t mark, mark2;
	int rc = jwalk_get(im, o, "run", JW_OBJ, 0, &ro);

	if (rc)
		return rc;
	mark = jwalk_push(im, "run", 0);
	if (!(rc = jwalk_str(im, ro, "uuid", 0, &x->uuid)) && !store_import_is_uuid(x->uuid))
		rc = jwalk_fail_at(im, "uuid", 0, "expected a run uuid "
				 "(8-4-4-4-12 lower-case hex digits)");
	if (!rc && !(rc = jwalk_str(im, ro, "started_at", 0, &x->started_at)) &&
	    !store_import_is_utc_time(x->started_at))
		rc = jwalk_fail_at(im, "started_at", 0, "expected an ISO 8601 UTC time "
				 "(YYYY-MM-DDTHH:MM:SSZ)");
	if (!rc && !(rc = jwalk_str(im, ro, "ended_at", 1, &x->ended_at)) && x->ended_at) {
		if (!store_import_is_utc_time(x->ended_at))
			rc = jwalk_fail_at(im, "ended_at", 0, "expected an ISO 8601 UTC time "
					 "(YYYY-MM-DDTHH:MM:SSZ) or null");
		else if (strcmp(x->ended_at, x->started_at) < 0)
			rc = jwalk_fail_at(im, "ended_at", 0, "the run ends before it starts "
					 "(started_at)");
	}
	if (!rc &&
	    !(rc = jwalk_enum(im, ro, "status", run_statuses, &x->status)) &&
	    !(rc = jwalk_str(im, ro, "argv", 0, &x->argv)) &&
	    !(rc = jwalk_str(im, ro, "git_commit", 1, &x->git_commit)) &&
	    !(rc = jwalk_bool(im, ro, "git_dirty", 1, &x->git_dirty)) &&
	    !(rc = jwalk_str(im, ro, "compiler", 0, &x->compiler)) &&
	    !(rc = jwalk_str(im, ro, "cflags", 0, &x->cflags)) &&
	    !(rc = jwalk_get(im, ro, "timer", JW_OBJ, 0, &timer))) {
		mark2 = jwalk_push(im, "timer", 0);
		if (!(rc = jwalk_str(im, timer, "name", 0, &x->timer_name)) &&
		    !(rc = jwalk_num(im, timer, "resolution_ns", 0, &x->timer_resolution_ns)))
			rc = jwalk_num(im, timer, "overhead_ns", 0, &x->timer_overhead_ns);
		jwalk_pop(im, mark2);
	}
	/* rounds came with format 1's second schema: absent means a run that
	 * took every sample in one pass. */
	x->rounds = 1;
	if (!rc && cJSON_GetObjectItemCaseSensitive(ro, "rounds")) {
		int64_t rounds = 1;

		rc = jwalk_int(im, ro, "rounds", 0, 1, &rounds);
		x->rounds = rounds > INT_MAX ? INT_MAX : (int)rounds;
	}
	if (!rc && jwalk_has(ro, "import"))
		rc = parse_run_import(im, ro, r);
	if (!rc &&
	    !(rc = jwalk_bool(im, ro, "quick", 0, &x->quick)) &&
	    !(rc = jwalk_str(im, ro, "notes", 1, &x->notes)) &&
	    !(rc = get_json_text(im, ro, "provenance", 0, &r->provenance)))
		x->provenance = r->provenance;
	jwalk_pop(im, mark);
	return rc;
}

static int parse_device(struct jwalk *im, const cJSON *o, struct imp_device *out)
{
	struct store_device *d = &out->d;
	double x;
	size_t mark;
	int rc;

	if (!(rc = jwalk_str(im, o, "backend", 0, &d->backend)) &&
	    !(rc = jwalk_str(im, o, "kind", 0, &d->kind)) &&
	    !(rc = jwalk_str(im, o, "name", 0, &d->name)) &&
	    !(rc = jwalk_str(im, o, "vendor", 1, &d->vendor)) &&
	    !(rc = jwalk_str(im, o, "version", 1, &d->version)) &&
	    !(rc = jwalk_str(im, o, "driver", 1, &d->driver)) &&
	    !(rc = jwalk_int(im, o, "compute_units", 1, 0, &d->compute_units)) &&
	    !(rc = jwalk_int(im, o, "global_mem", 1, 0, &d->global_mem)) &&
	    !(rc = jwalk_int(im, o, "local_mem", 1, 0, &d->local_mem)))
		rc = get_json_text(im, o, "info", 1, &out->info);
	d->info = out->info;
	/* Zero or less means unknown in the db, so only positive peaks can
	 * come back out as numbers. */
	for (int i = 0; !rc && i < 2; i++) {
		const char *key = i ? "peak_gbps" : "peak_gflops";

		rc = jwalk_num(im, o, key, 1, &x);
		if (!rc && x <= 0) {
			mark = jwalk_push(im, key, 0);
			rc = jwalk_fail(im, "expected a positive number or null");
			jwalk_pop(im, mark);
		}
		if (!rc)
			*(i ? &d->peak_gbps : &d->peak_gflops) = isnan(x) ? -1 : x;
	}
	return rc;
}

/* An optional integer >= 1 (memory, migration 0005; a result's rounds,
 * 0007), absent (exports from before it) or null when unknown; both give
 * -1. */
static int get_opt_count(struct jwalk *im, const cJSON *obj, const char *key,
			 int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = -1;
	if (!v || cJSON_IsNull(v))
		return 0;
	return jwalk_int(im, obj, key, 0, 1, out);
}

/* per-row cosine (migration 0006): an optional number in [-1, 1] (with
 * rounding's slack, as the column's CHECK), absent or null when the kernel
 * is not checked by rows; both give NaN. */
static int get_opt_cosine(struct jwalk *im, const cJSON *obj,
			  struct store_result *r)
{
	int rc;

	r->min_cosine = NAN;
	r->cosine_checked = 0;
	if (!jwalk_has(obj, "min_cosine"))
		return 0;
	if ((rc = jwalk_num(im, obj, "min_cosine", 1, &r->min_cosine)) != 0)
		return rc;
	if (isnan(r->min_cosine))
		return 0;
	if (!(r->min_cosine >= -1.0001 && r->min_cosine <= 1.0001))
		return jwalk_fail_at(im, "min_cosine", 0, "a cosine in [-1, 1]");
	r->cosine_checked = 1;
	return 0;
}

/* rounds (migration 0007): at most n_samples where given; absent or null
 * give 0 (the run's). */
static int get_opt_rounds(struct jwalk *im, const cJSON *obj, int64_t n_samples,
			  int *out)
{
	int64_t k;
	int rc = get_opt_count(im, obj, "rounds", &k);

	*out = 0;
	if (rc || k < 0)
		return rc;
	if (k > n_samples || k > INT_MAX)
		return jwalk_fail_at(im, "rounds", 0, "expected at most n_samples");
	*out = (int)k;
	return 0;
}

static int parse_stats(struct jwalk *im, const cJSON *o, int have,
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
	int rc = jwalk_get(im, o, "stats", JW_OBJ, 0, &so);

	if (rc)
		return rc;
	mark = jwalk_push(im, "stats", 0);
	for (int i = 0; !rc && i < 9; i++) {
		if (have) {
			/* have 2: aggregates only, each statistic given or not. */
			rc = jwalk_num(im, so, keys[i], 1, dst[i]);
		} else if (!(rc = jwalk_get(im, so, keys[i], JW_NUM, 1, &v)) && v) {
			size_t m2 = jwalk_push(im, keys[i], 0);

			rc = jwalk_fail(im, "expected null (n_samples is 0)");
			jwalk_pop(im, m2);
		}
	}
	if (!rc && have == 1) {
		if (!(rc = jwalk_int(im, so, "n_mild", 0, 0, &n_mild)))
			rc = jwalk_int(im, so, "n_severe", 0, 0, &n_severe);
		s->n_mild = (size_t)n_mild;
		s->n_severe = (size_t)n_severe;
	} else if (!rc) {
		for (int i = 0; !rc && i < 2; i++) {
			const char *key = i ? "n_severe" : "n_mild";

			if (!(rc = jwalk_get(im, so, key, JW_INT, 1, &v)) && v) {
				size_t m2 = jwalk_push(im, key, 0);

				rc = jwalk_fail(im, "expected null (n_samples is 0)");
				jwalk_pop(im, m2);
			}
		}
	}
	jwalk_pop(im, mark);
	return rc;
}

static int parse_samples(struct jwalk *im, const cJSON *o, struct imp_result *out)
{
	const cJSON *arr, *v;
	char msg[96];
	size_t i = 0, n, mark;
	int rc = jwalk_get(im, o, "samples_ns", JW_ARR, 0, &arr);

	if (rc)
		return rc;
	n = (size_t)cJSON_GetArraySize(arr);
	mark = jwalk_push(im, "samples_ns", 0);
	if (n != out->n_samples) {
		snprintf(msg, sizeof(msg), "expected %zu values (n_samples), found %zu",
			 out->n_samples, n);
		rc = jwalk_fail(im, msg);
	} else if (n > 0 && !(out->samples = malloc(n * sizeof(double)))) {
		rc = err_set(im->err, im->n_err, MC_ENOMEM, "%s: out of memory", im->src);
	}
	cJSON_ArrayForEach(v, arr) {
		if (rc)
			break;
		if (!jwalk_number(im, v, &out->samples[i]) || !isfinite(out->samples[i]) ||
		    !(out->samples[i] > 0)) {
			size_t m2 = jwalk_push(im, NULL, (long)i);

			rc = jwalk_fail(im, "expected a positive number of nanoseconds");
			jwalk_pop(im, m2);
		}
		i++;
	}
	jwalk_pop(im, mark);
	return rc;
}
/* The optional "import" member of a result that came from another tool's
 * file (store_import_foreign.c, docs/export-format.md). */
static int parse_result_import(struct jwalk *im, const cJSON *o, struct imp_result *out)
{
	const cJSON *io;
	size_t mark;
	int rc;

	out->n_reported = -1;
	out->max_ns = NAN;
	if (!jwalk_has(o, "import"))
		return 0;
	if ((rc = jwalk_get(im, o, "import", JW_OBJ, 0, &io)))
		return rc;
	out->has_import = 1;
	mark = jwalk_push(im, "import", 0);
	if (!(rc = jwalk_bool(im, io, "aggregate_only", 0, &out->aggregate_only)) &&
	    !(rc = jwalk_int(im, io, "n_reported", 1, 0, &out->n_reported)) &&
	    !(rc = jwalk_num(im, io, "max_ns", 1, &out->max_ns)))
		rc = get_json_text(im, io, "fields", 1, &out->fields);
	jwalk_pop(im, mark);
	return rc;
}

static int parse_result(struct jwalk *im, const cJSON *o, struct imp_result *out)
{
	struct store_result *r = &out->r;
	int64_t n = 0;
	int rc;

	if (!(rc = jwalk_str(im, o, "suite", 0, &r->suite)) &&
	    !(rc = jwalk_str(im, o, "benchmark", 0, &r->benchmark)) &&
	    !(rc = jwalk_str(im, o, "kernel", 0, &r->kernel)) &&
	    !(rc = get_json_text(im, o, "params", 0, &out->params)) &&
	    !(rc = jwalk_str(im, o, "backend", 0, &r->backend)) &&
	    !(rc = jwalk_str(im, o, "variant", 0, &r->variant)) &&
	    !(rc = jwalk_enum(im, o, "clock", clocks, &r->clock)) &&
	    !(rc = jwalk_enum(im, o, "status", result_statuses, &r->status)) &&
	    !(rc = jwalk_str(im, o, "message", 1, &r->message)) &&
	    !(rc = jwalk_num(im, o, "flops", 0, &r->flops)) &&
	    !(rc = jwalk_num(im, o, "bytes", 0, &r->bytes)) &&
	    !(rc = jwalk_int(im, o, "iters_per_sample", 1, 0, &r->iters_per_sample)) &&
	    !(rc = jwalk_int(im, o, "n_samples", 0, 0, &n))) {
		out->n_samples = (size_t)n;
		r->stats.n = (size_t)n;
		rc = parse_result_import(im, o, out);
		if (!rc && n == 0 && !strcmp(r->status, "ok") && !out->aggregate_only)
			rc = jwalk_fail_at(im, "n_samples", 0, "an \"ok\" result has samples "
					   "(or is imported aggregates only)");
		if (!rc && n > 0 && out->aggregate_only)
			rc = jwalk_fail_at(im, "import", 0, "aggregate_only, but n_samples "
					   "is not 0");
		if (!rc && n > STORE_IMPORT_MAX_SAMPLES)
			rc = jwalk_fail_at(im, "n_samples", 0, "more samples than one result "
					 "can hold");
		if (!rc &&
		    !(rc = parse_stats(im, o, n > 0 ? 1 : out->aggregate_only ? 2 : 0,
				       &r->stats)) &&
		    !(rc = jwalk_num(im, o, "max_abs_err", 1, &r->max_abs_err)) &&
		    !(rc = jwalk_num(im, o, "max_rel_err", 1, &r->max_rel_err)) &&
		    !(rc = get_opt_count(im, o, "peak_rss_bytes", &r->peak_rss_bytes)) &&
		    !(rc = get_opt_count(im, o, "base_rss_bytes", &r->base_rss_bytes)) &&
		    !(rc = get_opt_count(im, o, "device_bytes", &r->device_bytes)) &&
		    !(rc = get_opt_cosine(im, o, r)) &&
		    !(rc = get_opt_rounds(im, o, n, &r->rounds)) &&
		    !(rc = parse_samples(im, o, out)) &&
		    !(rc = store_import_check_stats(im, out)))
			/* noise: optional, store_noise_json.c */
			rc = store_noise_import(o, out->n_samples, im->src, im->path,
						&out->noise, im->err, im->n_err);
	}
	r->params = out->params;
	return rc;
}

/* Items of the array member key, each parsed by fn into *out_items. */
static int parse_list(struct jwalk *im, const cJSON *o, const char *key, size_t size,
		      int (*fn)(struct jwalk *, const cJSON *, void *),
		      void **out_items, size_t *out_n)
{
	const cJSON *arr, *v;
	size_t n, i = 0, mark, m2;
	char *items;
	int rc = jwalk_get(im, o, key, JW_ARR, 0, &arr);

	if (rc)
		return rc;
	n = (size_t)cJSON_GetArraySize(arr);
	items = calloc(n ? n : 1, size);
	if (!items)
		return jwalk_oom(im);
	*out_items = items;
	mark = jwalk_push(im, key, 0);
	cJSON_ArrayForEach(v, arr) {
		m2 = jwalk_push(im, NULL, (long)i);
		*out_n = i + 1;  /* so that a partly filled item is freed too */
		rc = cJSON_IsObject(v) ? fn(im, v, items + i * size)
				       : jwalk_fail(im, "expected an object");
		jwalk_pop(im, m2);
		if (rc)
			break;
		i++;
	}
	jwalk_pop(im, mark);
	return rc;
}

static int parse_device_cb(struct jwalk *im, const cJSON *o, void *out)
{
	return parse_device(im, o, out);
}

static int parse_result_cb(struct jwalk *im, const cJSON *o, void *out)
{
	return parse_result(im, o, out);
}

/* The header of an "mcbench-run" or "mcbench-export" object. */
static int check_format(struct jwalk *im, const cJSON *o, const char *want)
{
	const char *format = NULL;
	char msg[96];
	int64_t version = 0;
	size_t mark;
	int rc;

	if (!(rc = jwalk_str(im, o, "format", 0, &format)) && strcmp(format, want)) {
		mark = jwalk_push(im, "format", 0);
		snprintf(msg, sizeof(msg), "expected \"%s\"", want);
		rc = jwalk_fail(im, msg);
		jwalk_pop(im, mark);
	}
	if (!rc && !(rc = jwalk_int(im, o, "format_version", 0, 1, &version)) &&
	    version > STORE_EXPORT_FORMAT_VERSION) {
		mark = jwalk_push(im, "format_version", 0);
		snprintf(msg, sizeof(msg), "version %lld is newer than this mcbench "
			 "reads (%d)", (long long)version, STORE_EXPORT_FORMAT_VERSION);
		rc = jwalk_fail(im, msg);
		jwalk_pop(im, mark);
	}
	return rc;
}

static int parse_run(struct jwalk *im, const cJSON *o, struct imp_run *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (!cJSON_IsObject(o))
		return jwalk_fail(im, "expected an object");
	if (!(rc = check_format(im, o, "mcbench-run")) &&
	    !(rc = parse_run_fields(im, o, r)) &&
	    !(rc = parse_machine(im, o, &r->run.machine)) &&
	    !(rc = parse_list(im, o, "devices", sizeof(struct imp_device),
			      parse_device_cb, (void **)&r->devices, &r->n_devices)) &&
	    !(rc = parse_list(im, o, "results", sizeof(struct imp_result),
			      parse_result_cb, (void **)&r->results, &r->n_results)))
		rc = store_import_check_backends(im, r);
	/* An "ok" result beyond its own run's measured peaks is what the runner
	 * would have stored "implausible": so is it here, with the reason, its
	 * samples kept as evidence (a doctored or misjudged export). */
	for (size_t i = 0; !rc && i < r->n_results; i++) {
		struct imp_result *res = &r->results[i];
		char why[400];

		if (store_import_plausible(r, res, why, sizeof(why)))
			continue;
		if (asprintf(&res->demoted, "imported as \"ok\", but its median %s (the "
			     "run's device peaks)", why) < 0) {
			res->demoted = NULL;
			rc = jwalk_oom(im);
			break;
		}
		res->r.status = "implausible";
		res->r.message = res->demoted;
	}
	return rc;
}

struct imp_write {
	struct jwalk *im;
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
			  const struct imp_run *r, int *out_same, char *err, size_t n_err)
{
	cJSON *stored = NULL, *a = NULL, *b = NULL;
	int rc = store_export_run(st, run_id, &stored, err, n_err);

	*out_same = 0;
	if (rc)
		return rc;
	a = comparable(stored);
	b = comparable(json);
	/* As stored: the results this import calls implausible. */
	for (size_t i = 0; b && i < r->n_results; i++) {
		cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "results"),
						(int)i);

		if (!r->results[i].demoted || !res)
			continue;
		if (!cJSON_ReplaceItemInObjectCaseSensitive(res, "status",
				cJSON_CreateString("implausible")) ||
		    !cJSON_ReplaceItemInObjectCaseSensitive(res, "message",
				cJSON_CreateString(r->results[i].demoted))) {
			cJSON_Delete(b);
			b = NULL;
		}
	}
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
	struct jwalk *im = w->im;
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

		rc = same_as_stored(st, run_id, w->json, r, &same, serr, sizeof(serr));
		if (!rc && !same) {
			size_t mark = jwalk_push(im, "run", 0);

			rc = jwalk_fail_at(im, "uuid", 0, "this run is already in the db with "
					 "other content; an import never replaces a stored run");
			jwalk_pop(im, mark);
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
	for (size_t i = 0; !rc && i < r->n_results; i++) {
		const struct imp_result *res = &r->results[i];

		rc = store_result_add_noise(st, run_id, &res->r, res->samples, res->noise,
					    res->n_samples, serr, sizeof(serr));
		if (!rc && res->has_import)
			rc = store_import_put_extra(st, run_id, &res->r, res->aggregate_only,
						    res->n_reported, res->max_ns, res->fields,
						    serr, sizeof(serr));
	}
	if (!rc && r->imp_format)
		rc = store_import_put_origin(st, run_id, r->imp_format, r->imp_version,
					     r->imp_sha256, r->imp_source, serr, sizeof(serr));
out:
	if (rc)
		err_set(im->err, im->n_err, rc, "%s: %s: %s", im->src, im->path, serr);
	return rc;
}

int store_import(struct store *st, const cJSON *doc, const char *source_name,
		  int *out_imported, int *out_skipped, char *err, size_t n_err)
{
	struct jwalk im;
	const cJSON *runs = NULL, *format, *v;
	struct imp_run r;
	int rc = 0, n_imported = 0, n_skipped = 0, single, nested = 0;
	long i;

	jwalk_init(&im, source_name ? source_name : "(import)", err, n_err);
	if (out_imported)
		*out_imported = 0;
	if (out_skipped)
		*out_skipped = 0;
	if (!cJSON_IsObject(doc))
		return jwalk_fail(&im, "expected an object");
	format = cJSON_GetObjectItemCaseSensitive(doc, "format");
	single = !(cJSON_IsString(format) && format->valuestring &&
		   !strcmp(format->valuestring, "mcbench-export"));
	if (!single && (rc = check_format(&im, doc, "mcbench-export")))
		return rc;
	if (!single && (rc = jwalk_get(&im, doc, "runs", JW_ARR, 0, &runs)))
		return rc;
	/* Pass 0 validates everything, pass 1 writes, all in one transaction:
	 * a malformed document, or a write failing half way (a full disk),
	 * leaves the db as it was. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		if (pass == 1 && (rc = store_tx_begin(st, &nested, err, n_err)))
			break;
		i = 0;
		for (v = single ? doc : runs->child; v && !rc; v = single ? NULL : v->next, i++) {
			size_t mark = single ? im.len : jwalk_push(&im, "runs", 0);
			size_t m2 = single ? im.len : jwalk_push(&im, NULL, i);

			rc = parse_run(&im, v, &r);
			if (!rc && pass == 1) {
				struct imp_write w = { .im = &im, .r = &r, .json = v };

				rc = store_transaction(st, write_run, &w, err, n_err);
				if (!rc && w.skipped)
					n_skipped++;
				else if (!rc)
					n_imported++;
			}
			store_import_run_free(&r);
			jwalk_pop(&im, m2);
			jwalk_pop(&im, mark);
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
	char *buf = NULL;
	size_t len = 0;
	cJSON *doc = NULL;
	int rc;

	if (out_imported)
		*out_imported = 0;
	if (out_skipped)
		*out_skipped = 0;
	rc = jpath_read_file(path, 0, &buf, &len, err, n_err);
	if (!rc)
		rc = jwalk_parse(path, buf, len, &doc, err, n_err);
	free(buf);
	if (!rc)
		rc = store_import(st, doc, path, out_imported, out_skipped, err, n_err);
	cJSON_Delete(doc);
	return rc;
}
