/*
 * import_pytest.c - pytest-benchmark's --benchmark-json (3.x to 5.x) as an
 * import doc (import.h).
 *
 * One result per benchmark, in a suite per group ("pytest:GROUP", or the
 * test file when the benchmark has no group). stats.data, when present, are
 * the raw samples: one per round, already divided by the round's
 * iterations; min, max, mean, stddev and median are checked against them
 * (import.c), and the tool's other figures (quartiles by its own method,
 * IQR, outliers, ops, total) kept in the result's fields. machine_info
 * gives the host, CPU model and logical CPUs, OS and kernel; commit_info the
 * git commit and dirty flag; both go to the run's provenance. Python's
 * json module writes bare NaN and Infinity: read tolerantly.
 */
#include "import.h"

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "jwalk.h"

int import_pytest_detect(const cJSON *root)
{
	return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "machine_info")) &&
	       cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "benchmarks"));
}

/* A string member when it is one, else NULL (an optional member of
 * machine_info, whose shape varies with platform and version). */
static const char *opt_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring && v->valuestring[0] ? v->valuestring : NULL;
}

static int is_commit(const char *s)
{
	size_t n = 0;

	for (; s && ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')); n++)
		;
	return s && !s[n] && n >= 7 && n <= 64;
}

static int pt_machine(struct jwalk *w, const cJSON *root, struct import_doc *doc)
{
	const cJSON *mi, *ci = NULL, *cpu, *v;
	const char *when = NULL, *ver = NULL;
	cJSON *prov;
	int rc;

	if ((rc = jwalk_get(w, root, "machine_info", JW_OBJ, 0, &mi)) ||
	    (jwalk_has(root, "commit_info") &&
	     (rc = jwalk_get(w, root, "commit_info", JW_OBJ, 1, &ci))) ||
	    (jwalk_has(root, "datetime") && (rc = jwalk_str(w, root, "datetime", 0, &when))) ||
	    (jwalk_has(root, "version") && (rc = jwalk_str(w, root, "version", 0, &ver))))
		return rc;
	doc->hostname = import_strdup(doc, opt_str(mi, "node"));
	doc->os = import_strdup(doc, opt_str(mi, "system"));
	doc->os_kernel = import_strdup(doc, opt_str(mi, "release"));
	cpu = cJSON_GetObjectItemCaseSensitive(mi, "cpu");
	doc->cpu_model = import_strdup(doc, opt_str(cpu, "brand_raw") ? opt_str(cpu, "brand_raw")
					    : opt_str(cpu, "brand"));
	v = cJSON_GetObjectItemCaseSensitive(cpu, "count");
	/* py-cpuinfo's count is os.cpu_count(): logical CPUs. */
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 1e6)
		doc->threads = (int64_t)v->valuedouble;
	if (ci) {
		const char *id = opt_str(ci, "id");

		doc->git_commit = is_commit(id) ? import_strdup(doc, id) : NULL;
		v = cJSON_GetObjectItemCaseSensitive(ci, "dirty");
		if (doc->git_commit && cJSON_IsBool(v))
			doc->git_dirty = cJSON_IsTrue(v);
	}
	doc->started_at = import_utc(doc, when);
	doc->format_version = import_strdup(doc, ver);
	if (!(prov = cJSON_CreateObject()) ||
	    !cJSON_AddItemToObject(prov, "machine_info", cJSON_Duplicate(mi, 1)) ||
	    (ci && !cJSON_AddItemToObject(prov, "commit_info", cJSON_Duplicate(ci, 1)))) {
		cJSON_Delete(prov);
		return jwalk_oom(w);
	}
	doc->provenance = import_json_text(doc, prov);
	cJSON_Delete(prov);
	doc->notes = import_printf(doc, "imported from pytest-benchmark %s JSON: samples "
				   "are rounds (time per iteration); no FLOP or byte "
				   "counts, device peaks or validation", ver ? ver : "");
	return 0;
}

static int pt_bench(struct jwalk *w, const cJSON *b, struct import_doc *doc)
{
	static const char *const checked[] = { "min", "max", "mean", "stddev", "median" };
	const char *name = NULL, *group = NULL, *full = NULL, *sep;
	const cJSON *st, *params = NULL, *data = NULL, *v;
	double figs[5];
	int64_t rounds = -1, iters = -1;
	struct import_result *r;
	cJSON *fields = NULL;
	size_t mark, i = 0;
	int rc;

	if ((rc = jwalk_str(w, b, "name", 0, &name)) ||
	    (jwalk_has(b, "group") && (rc = jwalk_str(w, b, "group", 1, &group))) ||
	    (jwalk_has(b, "fullname") && (rc = jwalk_str(w, b, "fullname", 0, &full))) ||
	    (jwalk_has(b, "params") && (rc = jwalk_get(w, b, "params", JW_OBJ, 1, &params))) ||
	    (rc = jwalk_get(w, b, "stats", JW_OBJ, 0, &st)))
		return rc;
	mark = jwalk_push(w, "stats", 0);
	/* Python writes NaN where a figure is undefined: unknown, then. */
	for (size_t k = 0; !rc && k < 5; k++) {
		const cJSON *f = NULL;

		figs[k] = NAN;
		if (!(rc = jwalk_get(w, st, checked[k], JW_ANYNUM, checked[k][0] == 's', &f)) &&
		    f && (!jwalk_number(w, f, &figs[k]) || !isfinite(figs[k])))
			figs[k] = NAN;
	}
	if (!rc && jwalk_has(st, "rounds"))
		rc = jwalk_int(w, st, "rounds", 0, 1, &rounds);
	if (!rc && jwalk_has(st, "iterations"))
		rc = jwalk_int(w, st, "iterations", 0, 1, &iters);
	if (!rc && jwalk_has(st, "data"))
		rc = jwalk_get(w, st, "data", JW_ARR, 0, &data);
	jwalk_pop(w, mark);
	if (rc)
		return rc;
	if (!(r = import_add_result(doc)))
		return jwalk_oom(w);
	sep = full ? strstr(full, "::") : NULL;
	r->suite = group ? import_printf(doc, "pytest:%s", group)
			 : sep ? import_printf(doc, "pytest:%.*s", (int)(sep - full), full)
			       : "pytest";
	r->benchmark = import_strdup(doc, name);
	sep = strchr(name, '[');
	r->kernel = sep ? import_printf(doc, "%.*s", (int)(sep - name), name) : r->benchmark;
	r->backend = "pytest-benchmark";
	r->params = import_sorted_json(doc, params);
	r->iters_per_sample = iters;
	r->n_reported = rounds;
	r->min = figs[0] * 1e9;
	r->max = figs[1] * 1e9;
	r->mean = figs[2] * 1e9;
	r->stddev = figs[3] * 1e9;
	r->median = figs[4] * 1e9;
	if (data) {
		size_t n = (size_t)cJSON_GetArraySize(data);

		if (rounds >= 0 && (int64_t)n != rounds)
			return jwalk_fail_at(w, "stats", 0, "data holds other than \"rounds\" "
					     "values");
		if (n && !(r->samples_ns = import_alloc(doc, n * sizeof(double))))
			return jwalk_oom(w);
		r->n_samples = n;
		mark = jwalk_push(w, "stats", 0);
		jwalk_push(w, "data", 0);     /* popped with stats */
		cJSON_ArrayForEach(v, data) {
			double x;

			if (!jwalk_number(w, v, &x) || !isfinite(x) || !(x > 0)) {
				rc = jwalk_fail_at(w, NULL, (long)i, "expected a positive "
						   "number of seconds");
				break;
			}
			r->samples_ns[i++] = x * 1e9;
		}
		jwalk_pop(w, mark);
		if (rc)
			return rc;
	}
	/* The tool's own figures, but the raw data and those checked above. */
	if (!(fields = cJSON_Duplicate(st, 1)))
		return jwalk_oom(w);
	cJSON_DeleteItemFromObjectCaseSensitive(fields, "data");
	for (size_t k = 0; k < 5; k++)
		cJSON_DeleteItemFromObjectCaseSensitive(fields, checked[k]);
	v = cJSON_GetObjectItemCaseSensitive(b, "options");
	if (v && !cJSON_AddItemToObject(fields, "options", cJSON_Duplicate(v, 1))) {
		cJSON_Delete(fields);
		return jwalk_oom(w);
	}
	v = cJSON_GetObjectItemCaseSensitive(b, "extra_info");
	if (v && !cJSON_AddItemToObject(fields, "extra_info", cJSON_Duplicate(v, 1))) {
		cJSON_Delete(fields);
		return jwalk_oom(w);
	}
	r->fields = import_json_text(doc, fields);
	cJSON_Delete(fields);
	return 0;
}

int import_pytest_parse(const char *src, const char *text, size_t len,
			struct import_doc *doc, char *err, size_t n_err)
{
	struct jwalk w;
	cJSON *root = NULL;
	const cJSON *arr, *b;
	size_t mark;
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
	if ((rc = pt_machine(&w, root, doc)) ||
	    (rc = jwalk_get(&w, root, "benchmarks", JW_ARR, 0, &arr)))
		goto out;
	if (!import_add_device(doc, "pytest-benchmark", "cpu",
			       doc->cpu_model ? doc->cpu_model : "unknown")) {
		rc = jwalk_oom(&w);
		goto out;
	}
	mark = jwalk_push(&w, "benchmarks", 0);
	cJSON_ArrayForEach(b, arr) {
		size_t m2 = jwalk_push(&w, NULL, i++);

		rc = cJSON_IsObject(b) ? pt_bench(&w, b, doc) : jwalk_fail(&w, "expected an object");
		jwalk_pop(&w, m2);
		if (rc)
			break;
	}
	jwalk_pop(&w, mark);
out:
	cJSON_Delete(root);
	return rc;
}
