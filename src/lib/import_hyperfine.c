/*
 * import_hyperfine.c - hyperfine's --export-json (1.x) as an import doc
 * (import.h).
 *
 * One result per command: "times" (seconds, one per run) are the raw
 * samples, one execution each; mean, median, stddev (null for a single
 * run), min and max are checked against them (import.c). user and system
 * time, exit codes and the command's parameters are kept (parameters as
 * the result's params). hyperfine records nothing of the machine, no date
 * and no version: those stay unknown. A file without "times" (hyperfine
 * before 1.8) gives aggregate-only results.
 */
#include "import.h"

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "jwalk.h"

int import_hyperfine_detect(const cJSON *root)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "results");
	const cJSON *first = cJSON_IsArray(r) ? r->child : NULL;

	return cJSON_IsObject(first) && cJSON_GetObjectItemCaseSensitive(first, "command") &&
	       cJSON_GetObjectItemCaseSensitive(first, "mean") &&
	       !cJSON_GetObjectItemCaseSensitive(root, "context");
}

/* The members of one result; the figures in seconds, NaN for null. */
static int hf_result(struct jwalk *w, const cJSON *o, struct import_doc *doc)
{
	struct import_result *r;
	const char *cmd = NULL;
	const cJSON *times = NULL, *codes = NULL, *params = NULL, *v;
	double mean, median = NAN, stddev, min = NAN, max = NAN, user = NAN, sys = NAN;
	cJSON *fields = NULL;
	size_t i = 0, n_fail = 0, n_codes = 0;
	int rc;

	if ((rc = jwalk_str(w, o, "command", 0, &cmd)) ||
	    (rc = jwalk_num(w, o, "mean", 0, &mean)) ||
	    (rc = jwalk_num(w, o, "stddev", 1, &stddev)) ||
	    (jwalk_has(o, "median") && (rc = jwalk_num(w, o, "median", 0, &median))) ||
	    (jwalk_has(o, "min") && (rc = jwalk_num(w, o, "min", 0, &min))) ||
	    (jwalk_has(o, "max") && (rc = jwalk_num(w, o, "max", 0, &max))) ||
	    (jwalk_has(o, "user") && (rc = jwalk_num(w, o, "user", 0, &user))) ||
	    (jwalk_has(o, "system") && (rc = jwalk_num(w, o, "system", 0, &sys))) ||
	    (jwalk_has(o, "times") && (rc = jwalk_get(w, o, "times", JW_ARR, 0, &times))) ||
	    (jwalk_has(o, "exit_codes") &&
	     (rc = jwalk_get(w, o, "exit_codes", JW_ARR, 0, &codes))) ||
	    (jwalk_has(o, "parameters") &&
	     (rc = jwalk_get(w, o, "parameters", JW_OBJ, 1, &params))))
		return rc;
	if (!(r = import_add_result(doc)))
		return jwalk_oom(w);
	r->suite = "hyperfine";
	r->benchmark = import_strdup(doc, cmd);
	r->kernel = "command";
	r->backend = "hyperfine";
	r->params = import_sorted_json(doc, params);
	r->iters_per_sample = 1;
	r->mean = mean * 1e9;
	r->median = median * 1e9;
	r->stddev = stddev * 1e9;
	r->min = min * 1e9;
	r->max = max * 1e9;
	if (times) {
		size_t n = (size_t)cJSON_GetArraySize(times), mark;

		r->n_reported = (int64_t)n;
		r->n_samples = n;
		if (n && !(r->samples_ns = import_alloc(doc, n * sizeof(double))))
			return jwalk_oom(w);
		mark = jwalk_push(w, "times", 0);
		cJSON_ArrayForEach(v, times) {
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
	if (codes) {
		size_t mark = jwalk_push(w, "exit_codes", 0);

		cJSON_ArrayForEach(v, codes) {
			if (!cJSON_IsNumber(v) && !cJSON_IsNull(v)) {
				rc = jwalk_fail_at(w, NULL, (long)n_codes, "expected an exit "
						   "code (an integer, or null for a signal)");
				break;
			}
			n_fail += !(cJSON_IsNumber(v) && v->valuedouble == 0);
			n_codes++;
		}
		jwalk_pop(w, mark);
		if (rc)
			return rc;
	}
	if (n_fail)
		r->message = import_printf(doc, "the command exited non-zero in %zu of "
					   "%zu runs (hyperfine -i)", n_fail, n_codes);
	if (!(fields = cJSON_CreateObject()) ||
	    (!isnan(user) && !cJSON_AddNumberToObject(fields, "user_mean_ns", user * 1e9)) ||
	    (!isnan(sys) && !cJSON_AddNumberToObject(fields, "system_mean_ns", sys * 1e9)) ||
	    (codes && !cJSON_AddItemToObject(fields, "exit_codes",
					     cJSON_Duplicate(codes, 1)))) {
		cJSON_Delete(fields);
		return jwalk_oom(w);
	}
	r->fields = import_json_text(doc, fields);
	cJSON_Delete(fields);
	return 0;
}

int import_hyperfine_parse(const char *src, const char *text, size_t len,
			   struct import_doc *doc, char *err, size_t n_err)
{
	struct jwalk w;
	cJSON *root = NULL;
	const cJSON *arr, *o;
	size_t mark;
	long i = 0;
	int rc;

	jwalk_init(&w, src, err, n_err);
	if ((rc = jwalk_parse(src, text, len, &root, err, n_err)))
		return rc;
	if (!cJSON_IsObject(root)) {
		rc = jwalk_fail(&w, "expected an object");
		goto out;
	}
	if ((rc = jwalk_get(&w, root, "results", JW_ARR, 0, &arr)))
		goto out;
	if (!import_add_device(doc, "hyperfine", "host", "unknown")) {
		rc = jwalk_oom(&w);
		goto out;
	}
	doc->notes = "imported from hyperfine JSON: samples are whole runs of each "
		     "command; hyperfine records no machine, date or version";
	doc->provenance = "{}";
	mark = jwalk_push(&w, "results", 0);
	cJSON_ArrayForEach(o, arr) {
		size_t m2 = jwalk_push(&w, NULL, i++);

		rc = cJSON_IsObject(o) ? hf_result(&w, o, doc) : jwalk_fail(&w, "expected an object");
		jwalk_pop(&w, m2);
		if (rc)
			break;
	}
	jwalk_pop(&w, mark);
out:
	cJSON_Delete(root);
	return rc;
}
