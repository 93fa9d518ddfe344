/*
 * import_criterion.c - criterion.rs results as an import doc (import.h): a
 * whole target/criterion tree, or one raw.csv.
 *
 * Tree: every benchmark directory's new/ (base/ when there is no new/)
 * holds benchmark.json (group, function, value, throughput), sample.json
 * (per sample: an iteration count and the total time of those iterations;
 * 0.3+ an object with sampling_mode, iters and times, 0.2 a pair of
 * arrays) and estimates.json (bootstrap point estimates with confidence
 * intervals of mean, median, std_dev, median_abs_dev and slope; 0.2 with
 * capitalised keys). A sample's time per iteration, times[i] / iters[i], is
 * a raw sample; criterion's mean, median and std_dev are of those, so they
 * are checked (import.c); all estimates are kept in the result's fields.
 * Throughput in bytes is the result's bytes per iteration.
 *
 * raw.csv: "group,function,value,throughput_num,throughput_type,
 * sample_measured_value,unit,iteration_count", one row per sample.
 *
 * criterion records no machine, date or version: those stay unknown. The
 * hash of a tree is that of its files read, each as its path relative to
 * the tree, a NUL and its bytes, in path order.
 */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "jpath.h"
#include "jwalk.h"

/* Bounds a tree walk: benchmarks, and directory depth. */
#define CRIT_MAX_BENCHES 100000
#define CRIT_MAX_DEPTH 16
#define CRIT_MAX_FILE (64u << 20)

/* ---------------------------------------------------------------- raw.csv */

/* The next field of a CSV line at *p (RFC 4180 quoting) into out (n
 * bytes); *p moves past its comma. 1 when a comma followed it, 0 at the
 * end of the line, -1 for a bad quote or a field too long. */
static int csv_field(const char **p, char *out, size_t n)
{
	const char *s = *p;
	size_t j = 0;

	if (*s == '"') {
		for (s++;; s++) {
			if (!*s)
				return -1;
			if (*s == '"') {
				if (s[1] == '"') {
					s++;
				} else {
					s++;
					break;
				}
			}
			if (j + 1 >= n)
				return -1;
			out[j++] = *s;
		}
		if (*s && *s != ',')
			return -1;
	} else {
		for (; *s && *s != ','; s++) {
			if (*s == '"' || j + 1 >= n)
				return -1;
			out[j++] = *s;
		}
	}
	out[j] = '\0';
	*p = *s == ',' ? s + 1 : s;
	return *s == ',';
}

static int csv_fail(const char *src, size_t line, const char *what, char *err, size_t n_err)
{
	return err_set(err, n_err, MC_EINVAL, "%s:%zu: %s", src, line, what);
}

/* The result of (group, function, value) in doc, added when new. */
static struct import_result *csv_result(struct import_doc *doc, const char *group,
					const char *fn, const char *value)
{
	const char *suite = import_printf(doc, "criterion:%s", group);
	const char *bench = *fn && *value ? import_printf(doc, "%s/%s/%s", group, fn, value)
			    : *fn ? import_printf(doc, "%s/%s", group, fn)
			    : *value ? import_printf(doc, "%s/%s", group, value)
				     : import_strdup(doc, group);
	struct import_result *r;

	if (!suite || !bench)
		return NULL;
	for (size_t i = 0; i < doc->n_results; i++)
		if (!strcmp(doc->results[i].suite, suite) &&
		    !strcmp(doc->results[i].benchmark, bench))
			return &doc->results[i];
	if (!(r = import_add_result(doc)))
		return NULL;
	r->suite = suite;
	r->benchmark = bench;
	r->kernel = *fn ? import_strdup(doc, fn) : import_strdup(doc, group);
	r->backend = "criterion";
	if (*value) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddStringToObject(o, "value", value)) {
			cJSON_Delete(o);
			return NULL;
		}
		r->params = import_json_text(doc, o);
		cJSON_Delete(o);
	}
	return r;
}

static int csv_push(struct import_doc *doc, struct import_result *r, size_t *cap, double x)
{
	if (r->n_samples == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		double *a = import_alloc(doc, c * sizeof(double));

		if (!a)
			return -1;
		if (r->n_samples)
			memcpy(a, r->samples_ns, r->n_samples * sizeof(double));
		r->samples_ns = a;    /* the old array stays owned by doc until freed */
		*cap = c;
	}
	r->samples_ns[r->n_samples++] = x;
	return 0;
}

int import_criterion_parse(const char *src, const char *text, size_t len,
			   struct import_doc *doc, char *err, size_t n_err)
{
	static const char header[] = "group,function,value,throughput_num,throughput_type,"
				     "sample_measured_value,unit,iteration_count";
	const char *p = text, *end = text + len;
	size_t line = 0, *caps = NULL, n_caps = 0;
	int rc = 0;

	if (strlen(text) != len)
		return err_set(err, n_err, MC_EINVAL, "%s: a NUL byte in a CSV file", src);
	if (!import_add_device(doc, "criterion", "host", "unknown"))
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", src);
	doc->provenance = "{}";
	doc->notes = "imported from criterion raw.csv: samples are criterion's samples "
		     "(total time over iterations); criterion records no machine, date or "
		     "version";
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char row[4096], f[8][1024], *e;
		const char *q = row;
		double measured, iters;
		struct import_result *r;

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n >= sizeof(row)) {
			rc = csv_fail(src, line, "line too long", err, n_err);
			break;
		}
		memcpy(row, p, n);
		row[n] = '\0';
		p = nl ? nl + 1 : end;
		if (line == 1) {
			if (strcmp(row, header))
				rc = csv_fail(src, line, "expected criterion's raw.csv header "
					      "(group,function,value,...)", err, n_err);
			continue;
		}
		if (!n && p >= end)
			break;
		for (int k = 0; k < 8 && !rc; k++) {
			int more = csv_field(&q, f[k], sizeof(f[k]));

			if (more < 0)
				rc = csv_fail(src, line, "a malformed or too long field", err,
					      n_err);
			else if (more != (k < 7))
				rc = csv_fail(src, line, "expected 8 fields", err, n_err);
		}
		if (rc)
			break;
		if (strcmp(f[6], "ns")) {
			rc = csv_fail(src, line, "unit: only \"ns\" (wall-clock time) is "
				      "imported", err, n_err);
			break;
		}
		errno = 0;
		measured = strtod(f[5], &e);
		if (*e || errno || !isfinite(measured) || !(measured > 0)) {
			rc = csv_fail(src, line, "sample_measured_value: expected a positive "
				      "number", err, n_err);
			break;
		}
		iters = strtod(f[7], &e);
		if (*e || !(iters >= 1) || iters != floor(iters) || iters > 9.007e15) {
			rc = csv_fail(src, line, "iteration_count: expected a positive integer",
				      err, n_err);
			break;
		}
		if (!*f[0]) {
			rc = csv_fail(src, line, "group: empty", err, n_err);
			break;
		}
		if (!(r = csv_result(doc, f[0], f[1], f[2]))) {
			rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", src);
			break;
		}
		if (!strcasecmp(f[4], "bytes") && *f[3])
			r->bytes = strtod(f[3], NULL);
		{
			size_t idx = (size_t)(r - doc->results);

			if (idx >= n_caps) {
				size_t *c = realloc(caps, (idx + 1) * sizeof(*c));

				if (!c) {
					rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", src);
					break;
				}
				memset(c + n_caps, 0, (idx + 1 - n_caps) * sizeof(*c));
				caps = c;
				n_caps = idx + 1;
			}
			if (csv_push(doc, r, &caps[idx], measured / iters))
				rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", src);
		}
	}
	free(caps);
	if (!rc && line < 2)
		rc = csv_fail(src, line ? line : 1, "no samples", err, n_err);
	for (size_t i = 0; !rc && i < doc->n_results; i++)
		doc->results[i].n_reported = (int64_t)doc->results[i].n_samples;
	return rc;
}

/* ---------------------------------------------------------------- the tree */

struct crit_walk {
	const char *root;
	char **dirs;                /* benchmark directories (new/ or base/) */
	size_t n_dirs, cap_dirs;
	char *err;
	size_t n_err;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_file(const char *path)
{
	struct stat sb;

	return !stat(path, &sb) && S_ISREG(sb.st_mode);
}

/* Collects every directory under dir holding new/benchmark.json (or, with
 * none, base/benchmark.json). */
static int crit_find(struct crit_walk *cw, const char *dir, int depth)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	int rc = 0;
	const char *which = NULL;

	if (depth > CRIT_MAX_DEPTH)
		return 0;
	snprintf(path, sizeof(path), "%s/new/benchmark.json", dir);
	if (is_file(path)) {
		which = "new";
	} else {
		snprintf(path, sizeof(path), "%s/base/benchmark.json", dir);
		if (is_file(path))
			which = "base";
	}
	if (which) {
		char *s;

		if (cw->n_dirs >= CRIT_MAX_BENCHES)
			return err_set(cw->err, cw->n_err, MC_EINVAL, "%s: more than %d "
				       "benchmarks", cw->root, CRIT_MAX_BENCHES);
		if (cw->n_dirs == cw->cap_dirs) {
			size_t cap = cw->cap_dirs ? 2 * cw->cap_dirs : 16;
			char **a = realloc(cw->dirs, cap * sizeof(*a));

			if (!a)
				return err_set(cw->err, cw->n_err, MC_ENOMEM, "out of memory");
			cw->dirs = a;
			cw->cap_dirs = cap;
		}
		if (asprintf(&s, "%s/%s", dir, which) < 0)
			return err_set(cw->err, cw->n_err, MC_ENOMEM, "out of memory");
		cw->dirs[cw->n_dirs++] = s;
	}
	if (!(d = opendir(dir)))
		return err_set(cw->err, cw->n_err, MC_EIO, "%s: cannot read: %s", dir,
			       strerror(errno));
	while (!rc && (e = readdir(d))) {
		struct stat sb;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "new") ||
		    !strcmp(e->d_name, "base") || !strcmp(e->d_name, "change") ||
		    !strcmp(e->d_name, "report"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!lstat(path, &sb) && S_ISDIR(sb.st_mode))
			rc = crit_find(cw, path, depth + 1);
	}
	closedir(d);
	return rc;
}

/* An estimate's point estimate (0.3+: "mean", 0.2: "Mean"), NaN when
 * absent or null. */
static double estimate(const cJSON *est, const char *key, const char *old_key)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(est, key);
	const cJSON *p;

	if (!e)
		e = cJSON_GetObjectItemCaseSensitive(est, old_key);
	p = cJSON_GetObjectItemCaseSensitive(e, "point_estimate");
	return cJSON_IsNumber(p) ? p->valuedouble : NAN;
}

/* Reads and parses dir/name, adding it to the tree's hash input. */
static int crit_read(const char *root, const char *dir, const char *name, char **hash,
		     size_t *hash_len, cJSON **out, char *err, size_t n_err)
{
	char path[4096], *buf = NULL, *h;
	size_t len = 0, rel = strlen(root) + 1, n;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((rc = jpath_read_file(path, CRIT_MAX_FILE, &buf, &len, err, n_err)))
		return rc;
	n = strlen(path + rel) + 1;
	if (!(h = realloc(*hash, *hash_len + n + len + 1))) {
		free(buf);
		return err_set(err, n_err, MC_ENOMEM, "out of memory");
	}
	memcpy(h + *hash_len, path + rel, n);
	memcpy(h + *hash_len + n, buf, len);
	*hash = h;
	*hash_len += n + len;
	rc = jwalk_parse(path, buf, len, out, err, n_err);
	free(buf);
	return rc;
}

/* One benchmark directory (its new/ or base/) into a result. */
static int crit_bench(const char *root, const char *dir, struct import_doc *doc,
		      char **hash, size_t *hash_len, char *err, size_t n_err)
{
	char src[4200];
	cJSON *bj = NULL, *est = NULL, *smp = NULL, *fields = NULL;
	const cJSON *iters, *times, *tp, *v, *w_;
	const char *group = NULL, *fn = NULL, *value = NULL, *full = NULL;
	struct import_result *r;
	struct jwalk w;
	size_t n, i;
	int rc;

	if ((rc = crit_read(root, dir, "benchmark.json", hash, hash_len, &bj, err, n_err)) ||
	    (rc = crit_read(root, dir, "estimates.json", hash, hash_len, &est, err, n_err)))
		goto out;
	snprintf(src, sizeof(src), "%s/sample.json", dir);
	if (is_file(src) &&
	    (rc = crit_read(root, dir, "sample.json", hash, hash_len, &smp, err, n_err)))
		goto out;
	snprintf(src, sizeof(src), "%s/benchmark.json", dir);
	jwalk_init(&w, src, err, n_err);
	if (!cJSON_IsObject(bj)) {
		rc = jwalk_fail(&w, "expected an object");
		goto out;
	}
	if ((rc = jwalk_str(&w, bj, "group_id", 0, &group)) ||
	    (jwalk_has(bj, "function_id") && (rc = jwalk_str(&w, bj, "function_id", 1, &fn))) ||
	    (jwalk_has(bj, "value_str") && (rc = jwalk_str(&w, bj, "value_str", 1, &value))) ||
	    (jwalk_has(bj, "full_id") && (rc = jwalk_str(&w, bj, "full_id", 0, &full))))
		goto out;
	snprintf(src, sizeof(src), "%s/estimates.json", dir);
	jwalk_init(&w, src, err, n_err);
	if (!cJSON_IsObject(est)) {
		rc = jwalk_fail(&w, "expected an object");
		goto out;
	}
	if (!(r = import_add_result(doc))) {
		rc = err_set(err, n_err, MC_ENOMEM, "out of memory");
		goto out;
	}
	r->suite = import_printf(doc, "criterion:%s", group);
	r->benchmark = full ? import_strdup(doc, full)
			    : import_printf(doc, "%s%s%s%s%s", group, fn ? "/" : "",
					    fn ? fn : "", value ? "/" : "", value ? value : "");
	r->kernel = import_strdup(doc, fn ? fn : group);
	r->backend = "criterion";
	if (value) {
		cJSON *o = cJSON_CreateObject();

		if (o && cJSON_AddStringToObject(o, "value", value))
			r->params = import_json_text(doc, o);
		else
			doc->oom = 1;
		cJSON_Delete(o);
	}
	r->mean = estimate(est, "mean", "Mean");
	r->median = estimate(est, "median", "Median");
	r->stddev = estimate(est, "std_dev", "StdDev");
	tp = cJSON_GetObjectItemCaseSensitive(bj, "throughput");
	v = cJSON_GetObjectItemCaseSensitive(tp, "Bytes");
	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(tp, "BytesDecimal");
	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		r->bytes = v->valuedouble;
	if (smp) {
		snprintf(src, sizeof(src), "%s/sample.json", dir);
		jwalk_init(&w, src, err, n_err);
		if (cJSON_IsArray(smp) && cJSON_GetArraySize(smp) == 2) {
			iters = cJSON_GetArrayItem(smp, 0);     /* 0.2: [iters, times] */
			times = cJSON_GetArrayItem(smp, 1);
		} else if (cJSON_IsObject(smp)) {
			if ((rc = jwalk_get(&w, smp, "iters", JW_ARR, 0, &iters)) ||
			    (rc = jwalk_get(&w, smp, "times", JW_ARR, 0, &times)))
				goto out;
		} else {
			rc = jwalk_fail(&w, "expected an object with iters and times");
			goto out;
		}
		if (!cJSON_IsArray(iters) || !cJSON_IsArray(times) ||
		    cJSON_GetArraySize(iters) != cJSON_GetArraySize(times)) {
			rc = jwalk_fail(&w, "expected iters and times of one length");
			goto out;
		}
		n = (size_t)cJSON_GetArraySize(times);
		if (n && !(r->samples_ns = import_alloc(doc, n * sizeof(double)))) {
			rc = err_set(err, n_err, MC_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0, v = iters->child, w_ = times->child; v && w_;
		     i++, v = v->next, w_ = w_->next) {
			if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1) || !cJSON_IsNumber(w_) ||
			    !isfinite(w_->valuedouble) || !(w_->valuedouble > 0)) {
				char msg[96];

				snprintf(msg, sizeof(msg), "sample %zu: expected a positive time "
					 "over a positive iteration count", i);
				rc = jwalk_fail(&w, msg);
				goto out;
			}
			r->samples_ns[i] = w_->valuedouble / v->valuedouble;
		}
		r->n_samples = n;
		r->n_reported = (int64_t)n;
	}
	/* Every estimate as criterion computed it, and the sampling mode. */
	if (!(fields = cJSON_CreateObject()) ||
	    !cJSON_AddItemToObject(fields, "estimates", cJSON_Duplicate(est, 1)) ||
	    (tp && !cJSON_AddItemToObject(fields, "throughput", cJSON_Duplicate(tp, 1))) ||
	    (cJSON_IsObject(smp) && (v = cJSON_GetObjectItemCaseSensitive(smp, "sampling_mode")) &&
	     !cJSON_AddItemToObject(fields, "sampling_mode", cJSON_Duplicate(v, 1)))) {
		rc = err_set(err, n_err, MC_ENOMEM, "out of memory");
		goto out;
	}
	r->fields = import_json_text(doc, fields);
out:
	cJSON_Delete(fields);
	cJSON_Delete(smp);
	cJSON_Delete(est);
	cJSON_Delete(bj);
	return rc;
}

int import_criterion_tree(const char *dir, struct import_doc *doc, char *err, size_t n_err)
{
	struct crit_walk cw = { .root = dir, .err = err, .n_err = n_err };
	char *hash = NULL;
	size_t hash_len = 0;
	int rc;

	if ((rc = crit_find(&cw, dir, 0)))
		goto out;
	if (!cw.n_dirs) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: no criterion benchmark in it "
			     "(no */new/benchmark.json)", dir);
		goto out;
	}
	qsort(cw.dirs, cw.n_dirs, sizeof(*cw.dirs), cmp_str);
	if (!import_add_device(doc, "criterion", "host", "unknown")) {
		rc = err_set(err, n_err, MC_ENOMEM, "out of memory");
		goto out;
	}
	doc->provenance = "{}";
	doc->notes = "imported from a criterion tree: samples are criterion's samples "
		     "(total time over iterations); criterion records no machine, date or "
		     "version";
	for (size_t i = 0; !rc && i < cw.n_dirs; i++)
		rc = crit_bench(dir, cw.dirs[i], doc, &hash, &hash_len, err, n_err);
	if (!rc)
		import_sha256_hex(hash ? hash : "", hash_len, doc->sha256);
out:
	for (size_t i = 0; i < cw.n_dirs; i++)
		free(cw.dirs[i]);
	free(cw.dirs);
	free(hash);
	return rc;
}
