/*
 * import_nvbench.c - NVIDIA nvbench's JSON output (--json) as an import doc
 * (import.h).
 *
 * nvbench writes values as type-tagged strings ({"name", "type": "int64" |
 * "float64" | "string", "value": "..."}), benchmarks with axes and one state
 * per point of them, and per state a list of summaries by tag. Each state
 * gives up to three results: cold GPU time (nv/cold/time/gpu/...: clock
 * "device"), cold CPU time (nv/cold/time/cpu/...: clock "wall") and batch GPU
 * time (nv/batch/time/gpu/mean: clock "device", variant "batch"). nvbench
 * keeps its raw sample times in separate binary files, not in the JSON, so
 * every result is aggregate-only: its mean, its relative stddev as a
 * stddev, min and max where given, the sample count it reports. The other
 * summaries (SM clock rates, bandwidth, element counts) go to the result's
 * fields, the devices' properties to the device's info. A skipped state is
 * stored skipped with its reason.
 */
#include "import.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "jwalk.h"

int import_nvbench_detect(const cJSON *root)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "benchmarks");
	const cJSON *first = cJSON_IsArray(b) ? b->child : NULL;

	return cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "devices")) &&
	       cJSON_IsObject(first) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(first,
											"states"));
}

/* The value of a type-tagged item as JSON (a number for int64/float64, a
 * string otherwise); NULL for a malformed one. Caller owns it. */
static cJSON *tagged(const cJSON *item, double *out_num)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(item, "type");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(item, "value");
	char *end = NULL;
	double x;

	if (!cJSON_IsString(type) || !type->valuestring)
		return NULL;
	if (cJSON_IsNumber(value)) {
		if (out_num)
			*out_num = value->valuedouble;
		return cJSON_CreateNumber(value->valuedouble);
	}
	if (!cJSON_IsString(value) || !value->valuestring)
		return NULL;
	if (!strcmp(type->valuestring, "int64") || !strcmp(type->valuestring, "float64")) {
		errno = 0;
		x = strtod(value->valuestring, &end);
		if (!value->valuestring[0] || *end || errno == ERANGE)
			return NULL;
		if (out_num)
			*out_num = x;
		return isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull();
	}
	return cJSON_CreateString(value->valuestring);
}

/* The number in summary s's data item "value" (NaN when there is none). */
static int summary_value(const cJSON *s, double *out)
{
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(s, "data"), *d;

	*out = NAN;
	cJSON_ArrayForEach(d, data) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "name");
		cJSON *v;

		if (!cJSON_IsString(n) || !n->valuestring || strcmp(n->valuestring, "value"))
			continue;
		if (!(v = tagged(d, out)))
			return -1;
		cJSON_Delete(v);
		return 0;
	}
	return 0;
}

struct nv_clock {
	const char *prefix, *variant, *clock, *count_tag;
};

static const struct nv_clock nv_clocks[] = {
	{ "nv/cold/time/gpu/", "", "device", "nv/cold/sample_size" },
	{ "nv/cold/time/cpu/", "", "wall", "nv/cold/sample_size" },
	{ "nv/batch/time/gpu/", "batch", "device", "nv/batch/sample_size" },
};

static int nv_state(struct jwalk *w, const cJSON *st, const char *bench,
		    const char *const *dev_backends, size_t n_devs, struct import_doc *doc)
{
	const cJSON *sums = NULL, *axes = NULL, *s, *a;
	const char *name = NULL, *reason = NULL, *bname, *params;
	int64_t dev = 0;
	int skipped = 0, rc;
	cJSON *po = NULL, *extra = NULL;
	size_t mark, i = 0;

	if ((rc = jwalk_str(w, st, "name", 0, &name)) ||
	    (jwalk_has(st, "device") && (rc = jwalk_int(w, st, "device", 0, 0, &dev))) ||
	    (jwalk_has(st, "is_skipped") && (rc = jwalk_bool(w, st, "is_skipped", 0, &skipped))) ||
	    (skipped && jwalk_has(st, "skip_reason") &&
	     (rc = jwalk_str(w, st, "skip_reason", 1, &reason))) ||
	    (jwalk_has(st, "axis_values") &&
	     (rc = jwalk_get(w, st, "axis_values", JW_ARR, 1, &axes))) ||
	    (!skipped && (rc = jwalk_get(w, st, "summaries", JW_ARR, 0, &sums))))
		return rc;
	if ((size_t)dev >= n_devs)
		return jwalk_fail_at(w, "device", 0, "not among the file's devices");
	bname = strncmp(name, "Device=", 7) ? name : strchr(name, ' ') ? strchr(name, ' ') + 1
									   : "";
	bname = *bname ? import_printf(doc, "%s/%s", bench, bname) : bench;
	if (!(po = cJSON_CreateObject()) || !(extra = cJSON_CreateObject()))
		goto oom;
	mark = jwalk_push(w, "axis_values", 0);
	cJSON_ArrayForEach(a, axes) {
		const cJSON *an = cJSON_GetObjectItemCaseSensitive(a, "name");
		cJSON *v = tagged(a, NULL);

		if (!cJSON_IsString(an) || !an->valuestring || !v) {
			cJSON_Delete(v);
			rc = jwalk_fail_at(w, NULL, (long)i, "expected {\"name\", \"type\", "
					   "\"value\"}");
			break;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(po, an->valuestring);
		if (!cJSON_AddItemToObject(po, an->valuestring, v)) {
			cJSON_Delete(v);
			goto oom;
		}
		i++;
	}
	jwalk_pop(w, mark);
	if (rc)
		goto out;
	params = import_sorted_json(doc, po);
	/* The summaries that are not times, for the fields. */
	i = 0;
	mark = jwalk_push(w, "summaries", 0);
	cJSON_ArrayForEach(s, sums) {
		const cJSON *tag = cJSON_GetObjectItemCaseSensitive(s, "tag");
		double x;

		if (!cJSON_IsString(tag) || !tag->valuestring || summary_value(s, &x)) {
			rc = jwalk_fail_at(w, NULL, (long)i, "expected a summary with a "
					   "\"tag\" and type-tagged data");
			break;
		}
		if (strstr(tag->valuestring, "/time/") == NULL &&
		    !cJSON_AddItemToObject(extra, tag->valuestring,
					   isfinite(x) ? cJSON_CreateNumber(x) : cJSON_CreateNull()))
			goto oom;
		i++;
	}
	jwalk_pop(w, mark);
	if (rc)
		goto out;
	for (size_t c = 0; c < sizeof(nv_clocks) / sizeof(nv_clocks[0]); c++) {
		const struct nv_clock *k = &nv_clocks[c];
		double mean = NAN, rel = NAN, min = NAN, max = NAN, count = NAN, x;
		struct import_result *r;
		size_t plen = strlen(k->prefix);

		cJSON_ArrayForEach(s, sums) {
			const char *t = cJSON_GetObjectItemCaseSensitive(s, "tag")->valuestring;

			summary_value(s, &x);
			if (!strcmp(t, k->count_tag))
				count = x;
			if (strncmp(t, k->prefix, plen))
				continue;
			if (!strcmp(t + plen, "mean"))
				mean = x;
			else if (!strcmp(t + plen, "stdev/relative"))
				rel = x;
			else if (!strcmp(t + plen, "min"))
				min = x;
			else if (!strcmp(t + plen, "max"))
				max = x;
		}
		/* A skipped state gives one skipped result, not three. */
		if (skipped ? c > 0 : isnan(mean))
			continue;
		if (!skipped && !(mean > 0)) {
			rc = jwalk_fail(w, "a time summary whose mean is not a positive time");
			goto out;
		}
		if (!(r = import_add_result(doc)))
			goto oom;
		r->suite = import_printf(doc, "nvbench:%s", bench);
		r->benchmark = bname;
		r->kernel = bench;
		r->params = params;
		r->backend = dev_backends[dev];
		r->variant = k->variant;
		r->clock = k->clock;
		if (skipped) {
			r->status = "skipped";
			r->message = reason ? import_strdup(doc, reason) : "skipped by nvbench";
			continue;
		}
		r->mean = mean * 1e9;
		r->stddev = isfinite(rel) ? rel * mean * 1e9 : NAN;
		r->min = min * 1e9;
		r->max = max * 1e9;
		r->n_reported = isfinite(count) && count >= 0 && count < 9e15 ? (int64_t)count : -1;
		r->fields = import_json_text(doc, extra);
	}
	goto out;
oom:
	rc = jwalk_oom(w);
out:
	cJSON_Delete(po);
	cJSON_Delete(extra);
	return rc;
}

int import_nvbench_parse(const char *src, const char *text, size_t len,
			 struct import_doc *doc, char *err, size_t n_err)
{
	struct jwalk w;
	cJSON *root = NULL;
	const cJSON *devs, *benches, *b, *d, *meta, *v;
	const char **backends = NULL;
	size_t n_devs = 0, mark, i = 0;
	int rc;

	jwalk_init(&w, src, err, n_err);
	if ((rc = jwalk_parse(src, text, len, &root, err, n_err)))
		return rc;
	if (!cJSON_IsObject(root)) {
		rc = jwalk_fail(&w, "expected an object");
		goto out;
	}
	if ((rc = jwalk_get(&w, root, "devices", JW_ARR, 0, &devs)) ||
	    (rc = jwalk_get(&w, root, "benchmarks", JW_ARR, 0, &benches)))
		goto out;
	meta = cJSON_GetObjectItemCaseSensitive(root, "meta");
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(meta, "version"), "json"), "string");
	if (cJSON_IsString(v) && v->valuestring)
		doc->format_version = import_printf(doc, "json %s", v->valuestring);
	doc->provenance = meta ? import_json_text(doc, meta) : "{}";
	doc->notes = "imported from nvbench JSON: aggregates only (nvbench keeps raw "
		     "sample times outside its JSON); no machine, date, FLOP or byte counts";
	n_devs = (size_t)cJSON_GetArraySize(devs);
	if (!(backends = calloc(n_devs ? n_devs : 1, sizeof(*backends)))) {
		rc = jwalk_oom(&w);
		goto out;
	}
	mark = jwalk_push(&w, "devices", 0);
	cJSON_ArrayForEach(d, devs) {
		const char *name = NULL;
		int64_t id = -1;
		struct import_device *dev;
		size_t m2 = jwalk_push(&w, NULL, (long)i);

		if (!cJSON_IsObject(d))
			rc = jwalk_fail(&w, "expected an object");
		else if (!(rc = jwalk_int(&w, d, "id", 0, 0, &id)) &&
			 !(rc = jwalk_str(&w, d, "name", 0, &name)) && (size_t)id != i)
			rc = jwalk_fail_at(&w, "id", 0, "expected the device's index");
		jwalk_pop(&w, m2);
		if (rc)
			break;
		backends[i] = import_printf(doc, "nvbench:%s", name);
		if (!backends[i] || !(dev = import_add_device(doc, backends[i], "gpu", name))) {
			rc = jwalk_oom(&w);
			break;
		}
		dev->vendor = "NVIDIA";
		dev->info = import_json_text(doc, d);
		i++;
	}
	jwalk_pop(&w, mark);
	i = 0;
	mark = jwalk_push(&w, "benchmarks", 0);
	cJSON_ArrayForEach(b, benches) {
		const char *bench = NULL;
		const cJSON *states, *st;
		size_t m2 = jwalk_push(&w, NULL, (long)i++), m3, k = 0;

		if (rc)
			break;
		if (!cJSON_IsObject(b))
			rc = jwalk_fail(&w, "expected an object");
		else if (!(rc = jwalk_str(&w, b, "name", 0, &bench)) &&
			 !(rc = jwalk_get(&w, b, "states", JW_ARR, 0, &states))) {
			bench = import_strdup(doc, bench);
			m3 = jwalk_push(&w, "states", 0);
			cJSON_ArrayForEach(st, states) {
				size_t m4 = jwalk_push(&w, NULL, (long)k++);

				rc = cJSON_IsObject(st) && bench
					     ? nv_state(&w, st, bench, backends, n_devs, doc)
				     : bench ? jwalk_fail(&w, "expected an object") : jwalk_oom(&w);
				jwalk_pop(&w, m4);
				if (rc)
					break;
			}
			jwalk_pop(&w, m3);
		}
		jwalk_pop(&w, m2);
	}
	jwalk_pop(&w, mark);
out:
	free(backends);
	cJSON_Delete(root);
	return rc;
}
