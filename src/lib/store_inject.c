/*
 * store_inject.c - a run's copy with scaled samples (see store_inject.h): export,
 * edit the tree, import. No SQL of its own.
 */
#include "store_inject.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "err.h"
#include "stats.h"
#include "store_export.h"
#include "store_import.h"
#include "store_int.h"

/* Replaces member key of obj with item (consumed). */
static int replace(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return MC_ENOMEM;
	if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item)) {
		cJSON_Delete(item);
		return MC_ENOMEM;
	}
	return 0;
}

static cJSON *json_count(size_t n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%zu", n);
	return cJSON_CreateRaw(buf);
}

/* Scales the samples of result r by factor and puts in the stats of the
 * scaled samples, as the runner would have stored them. */
static int scale_result(cJSON *r, double factor)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(r, "samples_ns"), *v;
	cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "stats");
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	struct stats_summary s;
	double *x;
	int rc = 0;

	if (!cJSON_IsArray(arr) || !cJSON_IsObject(st) || !n)
		return MC_EINVAL;
	if (!(x = malloc(n * sizeof(*x))))
		return MC_ENOMEM;
	for (v = arr->child; v && !rc; v = v->next, i++) {
		if (!store_json_number(v, &x[i]))
			rc = MC_EINVAL;
		x[i] *= factor;
	}
	for (v = arr->child, i = 0; v && !rc; i++) {
		cJSON *next = v->next, *num = store_json_double(x[i]);

		if (!num || !cJSON_ReplaceItemViaPointer(arr, v, num)) {
			cJSON_Delete(num);
			rc = MC_ENOMEM;
		}
		v = next;
	}
	if (!rc && stats_summarize(x, n, &s))
		rc = MC_EINVAL;
	if (!rc) {
		const char *const keys[] = { "min_ns", "median_ns", "mean_ns", "stddev_ns",
					     "mad_ns", "ci_lo_ns", "ci_hi_ns", "q1_ns", "q3_ns" };
		const double vals[] = { s.min, s.median, s.mean, s.stddev, s.mad, s.ci_lo,
					s.ci_hi, s.q1, s.q3 };

		for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]) && !rc; k++)
			rc = replace(st, keys[k], store_json_double(vals[k]));
		if (!rc)
			rc = replace(st, "n_mild", json_count(s.n_mild));
		if (!rc)
			rc = replace(st, "n_severe", json_count(s.n_severe));
	}
	free(x);
	return rc;
}

/* The copy's run members: new uuid, status complete, a note saying what
 * it is. */
static int relabel(cJSON *run, const char *new_uuid, const char *old_uuid,
		   double factor, const char *bench, unsigned every, unsigned offset,
		   int n_scaled)
{
	const cJSON *notes = cJSON_GetObjectItemCaseSensitive(run, "notes");
	char note[1024], which[64] = "";
	int rc;

	if (every)
		snprintf(which, sizeof(which), " (measurement %u of every %u)", offset, every);
	snprintf(note, sizeof(note), "%s%ssynthetic (mcbench inject): a copy of run %s "
		 "with the samples of %d result(s) matching '%s'%s multiplied by %.17g; "
		 "not a measurement",
		 cJSON_IsString(notes) ? notes->valuestring : "",
		 cJSON_IsString(notes) && notes->valuestring[0] ? "\n" : "", old_uuid,
		 n_scaled, bench ? bench : "*", which, factor);
	if ((rc = replace(run, "uuid", cJSON_CreateString(new_uuid))) ||
	    (rc = replace(run, "status", cJSON_CreateString("complete"))))
		return rc;
	return replace(run, "notes", cJSON_CreateString(note));
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The measurement of result r as "suite/benchmark backend variant" into
 * out. */
static void measurement_of(const cJSON *r, char *out, size_t n)
{
	snprintf(out, n, "%s/%s %s %s", str_of(r, "suite"), str_of(r, "benchmark"),
		 str_of(r, "backend"), str_of(r, "variant"));
}

/* The index of r's measurement among the run's, in the order they first
 * appear in results (the export's). */
static unsigned measurement_index(const cJSON *results, const cJSON *r)
{
	char mine[1024], other[1024];
	unsigned k = 0;
	const cJSON *o;

	measurement_of(r, mine, sizeof(mine));
	cJSON_ArrayForEach(o, results) {
		const cJSON *p;
		int first = 1;

		measurement_of(o, other, sizeof(other));
		/* count each measurement once: at its first result */
		for (p = results->child; p && p != o && first; p = p->next) {
			char prev[1024];

			measurement_of(p, prev, sizeof(prev));
			first = strcmp(prev, other) != 0;
		}
		if (!first)
			continue;
		if (!strcmp(mine, other))
			return k;
		k++;
	}
	return k;
}

int store_inject_scaled(struct store *st, int64_t run_id, double factor,
		       const struct store_inject_pick *pick, const char *new_uuid,
		       int *out_n_scaled, struct sbuf *scaled, char *err, size_t n_err)
{
	cJSON *doc = NULL, *run, *r, *results;
	const char *bench = pick ? pick->bench : NULL;
	unsigned every = pick ? pick->every : 0, offset = pick ? pick->offset : 0;
	char old_uuid[64] = "", key[1024];
	int rc, n = 0, imported = 0, skipped = 0;

	*out_n_scaled = 0;
	if (!(factor > 0) || !isfinite(factor))
		return err_set(err, n_err, MC_EINVAL, "the factor must be a positive "
			       "number, not %g", factor);
	if (every && offset >= every)
		return err_set(err, n_err, MC_EINVAL, "the offset (%u) must be below "
			       "every (%u)", offset, every);
	if ((rc = store_export_run(st, run_id, &doc, err, n_err)))
		return rc;
	run = cJSON_GetObjectItemCaseSensitive(doc, "run");
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(run, "uuid")))
		snprintf(old_uuid, sizeof(old_uuid), "%s",
			 cJSON_GetObjectItemCaseSensitive(run, "uuid")->valuestring);
	results = cJSON_GetObjectItemCaseSensitive(doc, "results");
	rc = 0;
	cJSON_ArrayForEach(r, results) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "benchmark");
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(r, "samples_ns");

		if (!cJSON_IsString(b) || cJSON_GetArraySize(ns) == 0 ||
		    (bench && fnmatch(bench, b->valuestring, 0) != 0) ||
		    (every && measurement_index(results, r) % every != offset))
			continue;
		if ((rc = scale_result(r, factor)))
			break;
		n++;
		if (scaled) {
			measurement_of(r, key, sizeof(key));
			sbuf_addf(scaled, "%s %s\n", key, str_of(r, "clock"));
		}
	}
	if (!rc && scaled && sbuf_failed(scaled))
		rc = MC_ENOMEM;
	if (!rc && !n)
		rc = err_set(err, n_err, MC_EINVAL, "run %s has no result with samples "
			     "matching '%s'", old_uuid, bench ? bench : "*");
	else if (rc)
		rc = err_set(err, n_err, rc, "cannot scale the samples of run %s", old_uuid);
	if (!rc && (rc = relabel(run, new_uuid, old_uuid, factor, bench, every, offset, n)))
		rc = err_set(err, n_err, rc, "out of memory");
	if (!rc)
		rc = store_import(st, doc, "(inject)", &imported, &skipped, err, n_err);
	if (!rc && imported != 1)
		rc = err_set(err, n_err, MC_EINVAL, "run %s is already in the db", new_uuid);
	cJSON_Delete(doc);
	if (!rc)
		*out_n_scaled = n;
	return rc;
}
