/*
 * export.c - runs as JSON documents and back (docs/export-format.md).
 *
 * Export reads one run in a read transaction and builds a cJSON tree in a
 * fixed order, with every number a raw item holding the shortest decimal
 * that reads back to the same double (cJSON's own printer rounds to 15
 * digits when the result is "close enough"). Import validates the whole
 * document into plain structs first, so a malformed file writes nothing,
 * then writes each run through store.c in one transaction.
 */
#include "export.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

/* Integers travel as JSON numbers, so only those a double holds exactly. */
#define JSON_INT_MAX 9007199254740992.0 /* 2^53 */

/* ------------------------------------------------------------ numbers */

/* Shortest "%.*g" text of x that strtod reads back to x exactly. */
static void format_double(double x, char *buf, size_t n_buf)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, n_buf, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

static cJSON *json_double(double x)
{
	char buf[40];

	if (!isfinite(x))
		return cJSON_CreateNull();
	format_double(x, buf, sizeof(buf));
	return cJSON_CreateRaw(buf);
}

static cJSON *json_int(int64_t x)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)x);
	return cJSON_CreateRaw(buf);
}

/* Replaces every number under node by its exact raw text, recursively. */
static int rawify(cJSON *node)
{
	cJSON *c = node ? node->child : NULL;

	while (c) {
		cJSON *next = c->next;

		if (cJSON_IsNumber(c)) {
			cJSON *raw = json_double(c->valuedouble);

			if (!raw)
				return MC_ENOMEM;
			raw->string = c->string;  /* move the key */
			c->string = NULL;
			cJSON_ReplaceItemViaPointer(node, c, raw);
		} else if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
			if (rawify(c))
				return MC_ENOMEM;
		}
		c = next;
	}
	return 0;
}

/* A number item as built by the parser or by json_double(). */
static int json_number_value(const cJSON *v, double *out)
{
	char *end = NULL;

	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 1;
	}
	if (cJSON_IsRaw(v) && v->valuestring && v->valuestring[0]) {
		errno = 0;
		*out = strtod(v->valuestring, &end);
		return *end == '\0' && errno == 0;
	}
	return 0;
}

/* ------------------------------------------------------------ export */

struct builder {
	int oom;
};

static void put(struct builder *b, cJSON *obj, const char *key, cJSON *item)
{
	if (!item || !cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		b->oom = 1;
	}
}

static void push(struct builder *b, cJSON *arr, cJSON *item)
{
	if (!item || !cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		b->oom = 1;
	}
}

static cJSON *col_text(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateString((const char *)sqlite3_column_text(s, i));
}

static cJSON *col_real(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return json_double(sqlite3_column_double(s, i));
}

static cJSON *col_int(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return json_int(sqlite3_column_int64(s, i));
}

static cJSON *col_bool(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	return cJSON_CreateBool(sqlite3_column_int64(s, i) != 0);
}

/* A stored JSON column as a tree with exact numbers; NULL column -> null.
 * Returns NULL with *out_rc set when the text does not parse. */
static cJSON *col_json(sqlite3_stmt *s, int i, int *out_rc)
{
	cJSON *v;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return cJSON_CreateNull();
	v = cJSON_Parse((const char *)sqlite3_column_text(s, i));
	if (!v) {
		*out_rc = MC_EDB;
		return NULL;
	}
	if (rawify(v)) {
		cJSON_Delete(v);
		*out_rc = MC_ENOMEM;
		return NULL;
	}
	return v;
}

static int read_fail(struct store *st, int rc, const char *what,
		     char *err, size_t n_err)
{
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return err_set(err, n_err, MC_EDB, "%s: database is locked",
			       store_path(st));
	return err_set(err, n_err, MC_EDB, "%s: %s: %s", store_path(st), what,
		       sqlite3_errmsg(store_db(st)));
}

static const char sql_run[] =
	"SELECT r.uuid, r.started_at, r.ended_at, r.status, r.argv, r.git_commit,"
	" r.git_dirty, r.compiler, r.cflags, r.timer_name, r.timer_resolution_ns,"
	" r.timer_overhead_ns, r.quick, r.notes, r.provenance,"
	" m.fingerprint, m.hostname, m.cpu_model, m.cores, m.threads,"
	" m.mem_bytes, m.os, m.kernel, r.rounds"
	" FROM run r JOIN machine m ON m.id = r.machine_id WHERE r.id = ?1";

static const char sql_devices[] =
	"SELECT backend, kind, name, vendor, version, driver, compute_units,"
	" global_mem, local_mem, peak_gflops, peak_gbps, info"
	" FROM device WHERE run_id = ?1 ORDER BY backend";

static const char sql_results[] =
	"SELECT id, suite, benchmark, kernel, params, backend, variant, clock,"
	" status, message, flops, bytes, iters_per_sample, n_samples,"
	" min_ns, median_ns, mean_ns, stddev_ns, mad_ns, ci_lo_ns, ci_hi_ns,"
	" q1_ns, q3_ns, n_mild, n_severe, max_abs_err, max_rel_err"
	" FROM result WHERE run_id = ?1"
	" ORDER BY suite, benchmark, backend, variant, clock";

static const char sql_samples[] =
	"SELECT ns FROM sample WHERE result_id = ?1 ORDER BY idx";

/* The "run" and "machine" members from one row of sql_run. */
static int build_run(struct builder *b, sqlite3_stmt *s, cJSON *doc)
{
	int rc = 0;

	cJSON *run = cJSON_CreateObject(), *m = cJSON_CreateObject();
	cJSON *timer = cJSON_CreateObject(), *prov;

	put(b, doc, "run", run);
	put(b, doc, "machine", m);
	if (b->oom) {
		cJSON_Delete(timer);
		return MC_ENOMEM;
	}
	put(b, run, "uuid", col_text(s, 0));
	put(b, run, "started_at", col_text(s, 1));
	put(b, run, "ended_at", col_text(s, 2));
	put(b, run, "status", col_text(s, 3));
	put(b, run, "argv", col_text(s, 4));
	put(b, run, "git_commit", col_text(s, 5));
	put(b, run, "git_dirty", col_bool(s, 6));
	put(b, run, "compiler", col_text(s, 7));
	put(b, run, "cflags", col_text(s, 8));
	put(b, timer, "name", col_text(s, 9));
	put(b, timer, "resolution_ns", col_real(s, 10));
	put(b, timer, "overhead_ns", col_real(s, 11));
	put(b, run, "timer", timer);
	put(b, run, "quick", col_bool(s, 12));
	put(b, run, "rounds", col_int(s, 23));
	put(b, run, "notes", col_text(s, 13));
	prov = col_json(s, 14, &rc);
	if (!prov)
		return rc;
	put(b, run, "provenance", prov);
	put(b, m, "fingerprint", col_text(s, 15));
	put(b, m, "hostname", col_text(s, 16));
	put(b, m, "cpu_model", col_text(s, 17));
	put(b, m, "cores", col_int(s, 18));
	put(b, m, "threads", col_int(s, 19));
	put(b, m, "mem_bytes", col_int(s, 20));
	put(b, m, "os", col_text(s, 21));
	put(b, m, "kernel", col_text(s, 22));
	return b->oom ? MC_ENOMEM : 0;
}

static int build_device(struct builder *b, sqlite3_stmt *s, cJSON *arr)
{
	int rc = 0;

	static const char *const keys[] = {
		"backend", "kind", "name", "vendor", "version", "driver",
	};
	cJSON *d = cJSON_CreateObject(), *info;

	push(b, arr, d);
	if (b->oom)
		return MC_ENOMEM;
	for (int i = 0; i < 6; i++)
		put(b, d, keys[i], col_text(s, i));
	put(b, d, "compute_units", col_int(s, 6));
	put(b, d, "global_mem", col_int(s, 7));
	put(b, d, "local_mem", col_int(s, 8));
	put(b, d, "peak_gflops", col_real(s, 9));
	put(b, d, "peak_gbps", col_real(s, 10));
	info = col_json(s, 11, &rc);
	if (!info)
		return rc;
	put(b, d, "info", info);
	return b->oom ? MC_ENOMEM : 0;
}

static int build_result(struct builder *b, sqlite3_stmt *s, sqlite3_stmt *q,
			cJSON *arr, int *out_sqlite)
{
	static const char *const text_keys[] = { "suite", "benchmark", "kernel" };
	static const char *const text_keys2[] = {
		"backend", "variant", "clock", "status", "message",
	};
	static const char *const stat_keys[] = {
		"min_ns", "median_ns", "mean_ns", "stddev_ns", "mad_ns",
		"ci_lo_ns", "ci_hi_ns", "q1_ns", "q3_ns",
	};
	cJSON *r = cJSON_CreateObject(), *stats, *samples, *params;
	int rc = 0;

	push(b, arr, r);
	if (b->oom)
		return MC_ENOMEM;
	for (int i = 0; i < 3; i++)
		put(b, r, text_keys[i], col_text(s, 1 + i));
	params = col_json(s, 4, &rc);
	if (!params)
		return rc;
	put(b, r, "params", params);
	for (int i = 0; i < 5; i++)
		put(b, r, text_keys2[i], col_text(s, 5 + i));
	put(b, r, "flops", col_real(s, 10));
	put(b, r, "bytes", col_real(s, 11));
	put(b, r, "iters_per_sample", col_int(s, 12));
	put(b, r, "n_samples", col_int(s, 13));
	stats = cJSON_CreateObject();
	put(b, r, "stats", stats);
	if (b->oom)
		return MC_ENOMEM;
	for (int i = 0; i < 9; i++)
		put(b, stats, stat_keys[i], col_real(s, 14 + i));
	put(b, stats, "n_mild", col_int(s, 23));
	put(b, stats, "n_severe", col_int(s, 24));
	put(b, r, "max_abs_err", col_real(s, 25));
	put(b, r, "max_rel_err", col_real(s, 26));
	samples = cJSON_CreateArray();
	put(b, r, "samples_ns", samples);
	if (b->oom)
		return MC_ENOMEM;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, sqlite3_column_int64(s, 0));
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		push(b, samples, json_double(sqlite3_column_double(q, 0)));
	if (rc != SQLITE_DONE) {
		*out_sqlite = rc;
		return MC_EDB;
	}
	return b->oom ? MC_ENOMEM : 0;
}

/* Builds run run_id; the caller holds a read transaction. */
static int export_one(struct store *st, int64_t run_id, cJSON **out,
		      char *err, size_t n_err)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *q_run = NULL, *q_dev = NULL, *q_res = NULL, *q_smp = NULL;
	struct builder b = { 0 };
	cJSON *doc = NULL, *devices, *results;
	int rc, src = SQLITE_OK, step;
	const char *what = "run";

	*out = NULL;
	if ((src = sqlite3_prepare_v2(db, sql_run, -1, &q_run, NULL)) ||
	    (src = sqlite3_prepare_v2(db, sql_devices, -1, &q_dev, NULL)) ||
	    (src = sqlite3_prepare_v2(db, sql_results, -1, &q_res, NULL)) ||
	    (src = sqlite3_prepare_v2(db, sql_samples, -1, &q_smp, NULL))) {
		rc = read_fail(st, src, "cannot prepare the export", err, n_err);
		goto out;
	}
	sqlite3_bind_int64(q_run, 1, run_id);
	sqlite3_bind_int64(q_dev, 1, run_id);
	sqlite3_bind_int64(q_res, 1, run_id);
	step = sqlite3_step(q_run);
	if (step == SQLITE_DONE) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: no run with id %lld",
			     store_path(st), (long long)run_id);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = read_fail(st, step, "cannot read the run", err, n_err);
		goto out;
	}
	doc = cJSON_CreateObject();
	put(&b, doc, "format", cJSON_CreateString("mcbench-run"));
	put(&b, doc, "format_version", json_int(EXPORT_FORMAT_VERSION));
	rc = b.oom ? MC_ENOMEM : build_run(&b, q_run, doc);
	devices = cJSON_CreateArray();
	results = cJSON_CreateArray();
	put(&b, doc, "devices", devices);
	put(&b, doc, "results", results);
	if (!rc && b.oom)
		rc = MC_ENOMEM;
	while (!rc && (step = sqlite3_step(q_dev)) == SQLITE_ROW) {
		what = "device";
		rc = build_device(&b, q_dev, devices);
	}
	if (!rc && step != SQLITE_DONE) {
		src = step;
		rc = MC_EDB;
	}
	while (!rc && (step = sqlite3_step(q_res)) == SQLITE_ROW) {
		what = "result";
		rc = build_result(&b, q_res, q_smp, results, &src);
	}
	if (!rc && step != SQLITE_DONE) {
		src = step;
		rc = MC_EDB;
	}
	if (rc == MC_ENOMEM)
		rc = err_set(err, n_err, rc, "%s: out of memory exporting run %lld",
			     store_path(st), (long long)run_id);
	else if (rc && src != SQLITE_OK)
		rc = read_fail(st, src, "cannot read the run", err, n_err);
	else if (rc)
		rc = err_set(err, n_err, rc, "%s: run %lld: a stored JSON column of a %s "
			     "does not parse", store_path(st), (long long)run_id, what);
out:
	sqlite3_finalize(q_run);
	sqlite3_finalize(q_dev);
	sqlite3_finalize(q_res);
	sqlite3_finalize(q_smp);
	if (rc) {
		cJSON_Delete(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* A read transaction gives the export one snapshot while writers go on;
 * inside the caller's own transaction there is nothing to open. */
static int snapshot_begin(struct store *st, int *out_opened, char *err, size_t n_err)
{
	int rc;

	*out_opened = 0;
	if (!sqlite3_get_autocommit(store_db(st)))
		return 0;
	rc = sqlite3_exec(store_db(st), "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return read_fail(st, rc, "cannot begin a read transaction", err, n_err);
	*out_opened = 1;
	return 0;
}

static void snapshot_end(struct store *st, int opened)
{
	if (opened)
		sqlite3_exec(store_db(st), "COMMIT", NULL, NULL, NULL);
}

int export_run(struct store *st, int64_t run_id, cJSON **out,
	       char *err, size_t n_err)
{
	int opened, rc;

	*out = NULL;
	rc = snapshot_begin(st, &opened, err, n_err);
	if (rc)
		return rc;
	rc = export_one(st, run_id, out, err, n_err);
	snapshot_end(st, opened);
	return rc;
}

static int export_all(struct store *st, unsigned flags, cJSON **out,
		      char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	struct builder b = { 0 };
	cJSON *doc = cJSON_CreateObject(), *runs = cJSON_CreateArray(), *one;
	int rc = 0, step;

	put(&b, doc, "format", cJSON_CreateString("mcbench-export"));
	put(&b, doc, "format_version", json_int(EXPORT_FORMAT_VERSION));
	put(&b, doc, "runs", runs);
	if (b.oom) {
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory exporting",
			     store_path(st));
		goto out;
	}
	step = sqlite3_prepare_v2(store_db(st),
				  "SELECT id FROM run WHERE ?1 OR status = 'complete'"
				  " ORDER BY started_at, uuid", -1, &s, NULL);
	if (step != SQLITE_OK) {
		rc = read_fail(st, step, "cannot list runs", err, n_err);
		goto out;
	}
	sqlite3_bind_int(s, 1, (flags & EXPORT_INCOMPLETE) != 0);
	while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
		rc = export_one(st, sqlite3_column_int64(s, 0), &one, err, n_err);
		if (!rc)
			push(&b, runs, one);
		if (!rc && b.oom)
			rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory exporting",
				     store_path(st));
	}
	if (!rc && step != SQLITE_DONE)
		rc = read_fail(st, step, "cannot list runs", err, n_err);
out:
	sqlite3_finalize(s);
	if (rc) {
		cJSON_Delete(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* Run id of a numeric id or a uuid. */
static int find_run(struct store *st, const char *select, int64_t *out_id,
		    char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	const char *p = select;
	int rc;

	while (*p >= '0' && *p <= '9')
		p++;
	rc = sqlite3_prepare_v2(store_db(st), *p || p == select ?
				"SELECT id FROM run WHERE uuid = ?1" :
				"SELECT id FROM run WHERE id = CAST(?1 AS INTEGER)",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return read_fail(st, rc, "cannot look up the run", err, n_err);
	sqlite3_bind_text(s, 1, select, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: no run with id or uuid '%s'",
			     store_path(st), select);
	} else {
		rc = read_fail(st, rc, "cannot look up the run", err, n_err);
	}
	sqlite3_finalize(s);
	return rc;
}

int export_runs(struct store *st, const char *select, unsigned flags,
		cJSON **out, char *err, size_t n_err)
{
	int64_t id = 0;
	int opened, rc;

	*out = NULL;
	if (!select || !*select)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: no run selected (give \"all\", a uuid or an id)",
			       store_path(st));
	rc = snapshot_begin(st, &opened, err, n_err);
	if (rc)
		return rc;
	if (!strcmp(select, "all")) {
		rc = export_all(st, flags, out, err, n_err);
	} else {
		rc = find_run(st, select, &id, err, n_err);
		if (!rc)
			rc = export_one(st, id, out, err, n_err);
	}
	snapshot_end(st, opened);
	return rc;
}

/* ------------------------------------------------------------ import */

/* Where in the document we are, e.g. "$.runs[0].results[3]". */
struct imp {
	const char *src;
	char path[256];
	size_t len;
	char *err;
	size_t n_err;
};

static size_t path_push(struct imp *im, const char *key, long idx)
{
	size_t mark = im->len;
	int n;

	if (key)
		n = snprintf(im->path + im->len, sizeof(im->path) - im->len, ".%s", key);
	else
		n = snprintf(im->path + im->len, sizeof(im->path) - im->len, "[%ld]", idx);
	if (n > 0)
		im->len += (size_t)n;
	if (im->len >= sizeof(im->path))
		im->len = sizeof(im->path) - 1;
	return mark;
}

static void path_pop(struct imp *im, size_t mark)
{
	im->len = mark;
	im->path[mark] = '\0';
}

static int imp_fail(struct imp *im, const char *what)
{
	return err_set(im->err, im->n_err, MC_EINVAL, "%s: %s: %s", im->src,
		       im->path, what);
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
	case J_NUM: ok = json_number_value(v, &x) && isfinite(x); break;
	case J_INT: ok = json_number_value(v, &x) && x == floor(x) &&
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
		json_number_value(v, out);
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
	json_number_value(v, &x);
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
	if (copy && !rawify(copy))
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
	struct store_run run;
	const char *ended_at, *status, *notes;
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
	if (!(rc = get_str(im, ro, "uuid", 0, &x->uuid)) && !x->uuid[0]) {
		mark2 = path_push(im, "uuid", 0);
		rc = imp_fail(im, "expected a non-empty string");
		path_pop(im, mark2);
	}
	if (!rc &&
	    !(rc = get_str(im, ro, "started_at", 0, &x->started_at)) &&
	    !(rc = get_str(im, ro, "ended_at", 1, &r->ended_at)) &&
	    !(rc = get_enum(im, ro, "status", run_statuses, &r->status)) &&
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
	    !(rc = get_str(im, ro, "notes", 1, &r->notes)) &&
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
		if (!json_number_value(v, &out->samples[i]) || !isfinite(out->samples[i])) {
			size_t m2 = path_push(im, NULL, (long)i);

			rc = imp_fail(im, "expected a number");
			path_pop(im, m2);
		}
		i++;
	}
	path_pop(im, mark);
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
		if (!(rc = parse_stats(im, o, n > 0, &r->stats)) &&
		    !(rc = get_num(im, o, "max_abs_err", 1, &r->max_abs_err)) &&
		    !(rc = get_num(im, o, "max_rel_err", 1, &r->max_rel_err)))
			rc = parse_samples(im, o, out);
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
	    version > EXPORT_FORMAT_VERSION) {
		mark = path_push(im, "format_version", 0);
		snprintf(msg, sizeof(msg), "version %lld is newer than this mcbench "
			 "reads (%d)", (long long)version, EXPORT_FORMAT_VERSION);
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
			      parse_device_cb, (void **)&r->devices, &r->n_devices)))
		rc = parse_list(im, o, "results", sizeof(struct imp_result),
				parse_result_cb, (void **)&r->results, &r->n_results);
	return rc;
}

struct imp_write {
	struct imp *im;
	const struct imp_run *r;
	int skipped;
};

/* Writes one parsed run; runs inside store_transaction(). */
static int write_run(struct store *st, void *arg)
{
	struct imp_write *w = arg;
	const struct imp_run *r = w->r;
	struct imp *im = w->im;
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	char serr[MC_ERRLEN];
	int64_t run_id = 0;
	int rc, step;

	step = sqlite3_prepare_v2(db, "SELECT 1 FROM run WHERE uuid = ?1", -1, &s, NULL);
	if (step == SQLITE_OK) {
		sqlite3_bind_text(s, 1, r->run.uuid, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (step == SQLITE_ROW) {
		w->skipped = 1;
		return 0;
	}
	if (step != SQLITE_DONE) {
		rc = read_fail(st, step, "cannot look up the run", serr, sizeof(serr));
		goto out;
	}
	rc = store_run_begin(st, &r->run, &run_id, serr, sizeof(serr));
	if (rc)
		goto out;
	step = sqlite3_prepare_v2(db, "UPDATE run SET ended_at = ?2, status = ?3,"
				  " notes = ?4, pid = NULL WHERE id = ?1", -1, &s, NULL);
	if (step == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, run_id);
		if (r->ended_at)
			sqlite3_bind_text(s, 2, r->ended_at, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, r->status, -1, SQLITE_STATIC);
		if (r->notes)
			sqlite3_bind_text(s, 4, r->notes, -1, SQLITE_STATIC);
		step = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (step != SQLITE_DONE) {
		rc = read_fail(st, step, "cannot record the run", serr, sizeof(serr));
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

int export_import(struct store *st, const cJSON *doc, const char *source_name,
		  int *out_imported, int *out_skipped, char *err, size_t n_err)
{
	struct imp im = { .src = source_name ? source_name : "(import)",
			  .path = "$", .len = 1, .err = err, .n_err = n_err };
	const cJSON *runs = NULL, *format, *v;
	struct imp_run r;
	int rc = 0, n_imported = 0, n_skipped = 0, single;
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
	/* Pass 0 validates everything, pass 1 writes: a malformed document
	 * leaves the db as it was. */
	for (int pass = 0; pass < 2 && !rc; pass++) {
		i = 0;
		for (v = single ? doc : runs->child; v && !rc; v = single ? NULL : v->next, i++) {
			size_t mark = single ? im.len : path_push(&im, "runs", 0);
			size_t m2 = single ? im.len : path_push(&im, NULL, i);

			rc = parse_run(&im, v, &r);
			if (!rc && pass == 1) {
				struct imp_write w = { .im = &im, .r = &r };

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
	}
	if (out_imported)
		*out_imported = n_imported;
	if (out_skipped)
		*out_skipped = n_skipped;
	return rc;
}

/* Reads the whole file (or pipe) into a NUL-terminated buffer. */
static int read_file(const char *path, char **out, size_t *out_len,
		     char *err, size_t n_err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, n;

	*out = NULL;
	if (!f)
		return err_set(err, n_err, MC_EIO, "%s: cannot open: %s", path,
			       strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 65536;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				fclose(f);
				return err_set(err, n_err, MC_ENOMEM,
					       "%s: out of memory reading", path);
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;

		free(buf);
		fclose(f);
		return err_set(err, n_err, MC_EIO, "%s: cannot read: %s", path,
			       strerror(e));
	}
	fclose(f);
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}

int export_import_file(struct store *st, const char *path, int *out_imported,
		       int *out_skipped, char *err, size_t n_err)
{
	const char *end = NULL;
	char *buf = NULL;
	size_t len = 0, line = 1, col = 1, off;
	cJSON *doc;
	int rc;

	if (out_imported)
		*out_imported = 0;
	if (out_skipped)
		*out_skipped = 0;
	rc = read_file(path, &buf, &len, err, n_err);
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
		for (size_t i = 0; i < off; i++) {
			if (buf[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		rc = err_set(err, n_err, MC_EINVAL, "%s:%zu:%zu: %s", path, line, col,
			     off < len && buf[off] == '\0' ? "NUL byte in JSON text" :
			     "invalid JSON");
		free(buf);
		return rc;
	}
	free(buf);
	rc = export_import(st, doc, path, out_imported, out_skipped, err, n_err);
	cJSON_Delete(doc);
	return rc;
}

int export_write_file(const cJSON *doc, const char *path, char *err, size_t n_err)
{
	size_t len = strlen(path), n_text, done = 0;
	char *tmp = malloc(len + 8), *text = NULL;
	int fd = -1, rc = 0;

	if (!tmp)
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	memcpy(tmp, path, len);
	memcpy(tmp + len, ".XXXXXX", 8);
	text = cJSON_Print(doc);
	if (!text) {
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory printing JSON", path);
		goto out;
	}
	n_text = strlen(text);
	text[n_text++] = '\n';  /* replaces the NUL; the length is known */
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot create a temporary file: %s",
			     path, strerror(errno));
		goto out;
	}
	while (done < n_text) {
		ssize_t w = write(fd, text + done, n_text - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = err_set(err, n_err, MC_EIO, "%s: cannot write: %s", path,
				     strerror(w < 0 ? errno : EIO));
			goto out;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		rc = err_set(err, n_err, MC_EIO, "%s: cannot write: %s", path,
			     strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = err_set(err, n_err, MC_EIO, "%s: cannot write: %s", path,
			     strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		rc = err_set(err, n_err, MC_EIO, "%s: cannot rename %s into place: %s",
			     path, tmp, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (rc && text)
		unlink(tmp);
	cJSON_free(text);
	free(tmp);
	return rc;
}
