/*
 * store_export.c - runs as JSON documents (docs/export-format.md); the
 * way back is store_import.c.
 *
 * Export reads one run in a read transaction and builds a cJSON tree in a
 * fixed order, with every number a raw item holding the shortest decimal
 * that reads back to the same double (cJSON's own printer rounds to 15
 * digits when the result is "close enough").
 */
#include "store_export.h"
#include "jwalk.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "store_int.h"
#include "store_noise_json.h"

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

cJSON *store_json_double(double x)
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

int store_json_rawify(cJSON *node)
{
	cJSON *c = node ? node->child : NULL;

	while (c) {
		cJSON *next = c->next;

		if (cJSON_IsNumber(c)) {
			cJSON *raw = store_json_double(c->valuedouble);

			if (!raw)
				return MC_ENOMEM;
			raw->string = c->string;  /* move the key */
			c->string = NULL;
			cJSON_ReplaceItemViaPointer(node, c, raw);
		} else if (cJSON_IsArray(c) || cJSON_IsObject(c)) {
			if (store_json_rawify(c))
				return MC_ENOMEM;
		}
		c = next;
	}
	return 0;
}

int store_json_number(const cJSON *v, double *out)
{
	return jwalk_number(NULL, v, out);
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
	return store_json_double(sqlite3_column_double(s, i));
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
	if (store_json_rawify(v)) {
		cJSON_Delete(v);
		*out_rc = MC_ENOMEM;
		return NULL;
	}
	return v;
}

static int read_fail(struct store *st, int rc, const char *what,
		     char *err, size_t n_err)
{
	return store_fail(st->path, st->db, rc, what, err, n_err);
}

static const char sql_run[] =
	"SELECT r.uuid, r.started_at, r.ended_at, r.status, r.argv, r.git_commit,"
	" r.git_dirty, r.compiler, r.cflags, r.timer_name, r.timer_resolution_ns,"
	" r.timer_overhead_ns, r.quick, r.notes, r.provenance,"
	" m.fingerprint, m.hostname, m.cpu_model, m.cores, m.threads,"
	" m.mem_bytes, m.os, m.kernel, r.rounds,"
	" i.format, i.format_version, i.sha256, i.source"
	" FROM run r JOIN machine m ON m.id = r.machine_id"
	" LEFT JOIN import i ON i.run_id = r.id WHERE r.id = ?1";

static const char sql_devices[] =
	"SELECT backend, kind, name, vendor, version, driver, compute_units,"
	" global_mem, local_mem, peak_gflops, peak_gbps, info"
	" FROM device WHERE run_id = ?1 ORDER BY backend";

static const char sql_results[] =
	"SELECT id, suite, benchmark, kernel, params, backend, variant, clock,"
	" status, message, flops, bytes, iters_per_sample, n_samples,"
	" min_ns, median_ns, mean_ns, stddev_ns, mad_ns, ci_lo_ns, ci_hi_ns,"
	" q1_ns, q3_ns, n_mild, n_severe, max_abs_err, max_rel_err, n_steal_flagged,"
	" peak_rss_bytes, base_rss_bytes, device_bytes, min_cosine, rounds,"
	" i.result_id, i.aggregate_only, i.n_reported, i.max_ns, i.fields"
	" FROM result LEFT JOIN result_import i ON i.result_id = result.id"
	" WHERE run_id = ?1"
	" ORDER BY suite, benchmark, backend, variant, clock";

static const char sql_samples[] =
	"SELECT ns FROM sample WHERE result_id = ?1 ORDER BY idx";

/* How a column becomes a JSON member (NULL is null for every kind). */
enum col_kind { COL_TEXT, COL_REAL, COL_INT, COL_BOOL, COL_JSON };

struct col_member {
	const char *key;
	int col;
	enum col_kind kind;
};

#define N_MEMBERS(a) (sizeof(a) / sizeof((a)[0]))

/* Adds members m[0..n) of obj from row s, in that order. */
static int put_cols(struct builder *b, cJSON *obj, sqlite3_stmt *s,
		    const struct col_member *m, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		cJSON *v = NULL;

		switch (m[i].kind) {
		case COL_TEXT: v = col_text(s, m[i].col); break;
		case COL_REAL: v = col_real(s, m[i].col); break;
		case COL_INT: v = col_int(s, m[i].col); break;
		case COL_BOOL: v = col_bool(s, m[i].col); break;
		case COL_JSON:
			v = col_json(s, m[i].col, &rc);
			if (!v)
				return rc;
			break;
		}
		put(b, obj, m[i].key, v);
	}
	return b->oom ? MC_ENOMEM : 0;
}

/* The "run" and "machine" members from one row of sql_run. */
static int build_run(struct builder *b, sqlite3_stmt *s, cJSON *doc)
{
	static const struct col_member run_head[] = {
		{ "uuid", 0, COL_TEXT }, { "started_at", 1, COL_TEXT },
		{ "ended_at", 2, COL_TEXT }, { "status", 3, COL_TEXT },
		{ "argv", 4, COL_TEXT }, { "git_commit", 5, COL_TEXT },
		{ "git_dirty", 6, COL_BOOL }, { "compiler", 7, COL_TEXT },
		{ "cflags", 8, COL_TEXT },
	};
	static const struct col_member timer_cols[] = {
		{ "name", 9, COL_TEXT }, { "resolution_ns", 10, COL_REAL },
		{ "overhead_ns", 11, COL_REAL },
	};
	static const struct col_member run_tail[] = {
		{ "quick", 12, COL_BOOL }, { "rounds", 23, COL_INT },
		{ "notes", 13, COL_TEXT }, { "provenance", 14, COL_JSON },
	};
	static const struct col_member machine_cols[] = {
		{ "fingerprint", 15, COL_TEXT }, { "hostname", 16, COL_TEXT },
		{ "cpu_model", 17, COL_TEXT }, { "cores", 18, COL_INT },
		{ "threads", 19, COL_INT }, { "mem_bytes", 20, COL_INT },
		{ "os", 21, COL_TEXT }, { "kernel", 22, COL_TEXT },
	};
	cJSON *run = cJSON_CreateObject(), *m = cJSON_CreateObject();
	cJSON *timer = cJSON_CreateObject();
	int rc;

	put(b, doc, "run", run);
	put(b, doc, "machine", m);
	if (b->oom) {
		cJSON_Delete(timer);
		return MC_ENOMEM;
	}
	put_cols(b, run, s, run_head, N_MEMBERS(run_head));
	put_cols(b, timer, s, timer_cols, N_MEMBERS(timer_cols));
	put(b, run, "timer", timer);
	if ((rc = put_cols(b, run, s, run_tail, N_MEMBERS(run_tail))) != 0)
		return rc;
	/* A run imported from another tool's file (store_import_foreign.c):
	 * where it came from. Absent on mcbench's own runs, whose files stay
	 * as they were. */
	if (sqlite3_column_type(s, 24) != SQLITE_NULL) {
		static const struct col_member import_cols[] = {
			{ "format", 24, COL_TEXT }, { "format_version", 25, COL_TEXT },
			{ "sha256", 26, COL_TEXT }, { "source", 27, COL_TEXT },
		};
		cJSON *imp = cJSON_CreateObject();

		put(b, run, "import", imp);
		if (b->oom)
			return MC_ENOMEM;
		if ((rc = put_cols(b, imp, s, import_cols, N_MEMBERS(import_cols))) != 0)
			return rc;
	}
	return put_cols(b, m, s, machine_cols, N_MEMBERS(machine_cols));
}

static int build_device(struct builder *b, sqlite3_stmt *s, cJSON *arr)
{
	static const struct col_member cols[] = {
		{ "backend", 0, COL_TEXT }, { "kind", 1, COL_TEXT },
		{ "name", 2, COL_TEXT }, { "vendor", 3, COL_TEXT },
		{ "version", 4, COL_TEXT }, { "driver", 5, COL_TEXT },
		{ "compute_units", 6, COL_INT }, { "global_mem", 7, COL_INT },
		{ "local_mem", 8, COL_INT }, { "peak_gflops", 9, COL_REAL },
		{ "peak_gbps", 10, COL_REAL }, { "info", 11, COL_JSON },
	};
	cJSON *d = cJSON_CreateObject();

	push(b, arr, d);
	if (b->oom)
		return MC_ENOMEM;
	return put_cols(b, d, s, cols, N_MEMBERS(cols));
}

static int build_result(struct store *st, struct builder *b, sqlite3_stmt *s,
			sqlite3_stmt *q, cJSON *arr, int *out_sqlite)
{
	static const struct col_member cols[] = {
		{ "suite", 1, COL_TEXT }, { "benchmark", 2, COL_TEXT },
		{ "kernel", 3, COL_TEXT }, { "params", 4, COL_JSON },
		{ "backend", 5, COL_TEXT }, { "variant", 6, COL_TEXT },
		{ "clock", 7, COL_TEXT }, { "status", 8, COL_TEXT },
		{ "message", 9, COL_TEXT }, { "flops", 10, COL_REAL },
		{ "bytes", 11, COL_REAL }, { "iters_per_sample", 12, COL_INT },
		{ "n_samples", 13, COL_INT },
	};
	static const struct col_member stat_cols[] = {
		{ "min_ns", 14, COL_REAL }, { "median_ns", 15, COL_REAL },
		{ "mean_ns", 16, COL_REAL }, { "stddev_ns", 17, COL_REAL },
		{ "mad_ns", 18, COL_REAL }, { "ci_lo_ns", 19, COL_REAL },
		{ "ci_hi_ns", 20, COL_REAL }, { "q1_ns", 21, COL_REAL },
		{ "q3_ns", 22, COL_REAL }, { "n_mild", 23, COL_INT },
		{ "n_severe", 24, COL_INT },
	};
	static const struct col_member err_cols[] = {
		{ "max_abs_err", 25, COL_REAL }, { "max_rel_err", 26, COL_REAL },
	};
	cJSON *r = cJSON_CreateObject(), *stats, *samples;
	int rc;

	push(b, arr, r);
	if (b->oom)
		return MC_ENOMEM;
	if ((rc = put_cols(b, r, s, cols, N_MEMBERS(cols))) != 0)
		return rc;
	stats = cJSON_CreateObject();
	put(b, r, "stats", stats);
	if (b->oom)
		return MC_ENOMEM;
	put_cols(b, stats, s, stat_cols, N_MEMBERS(stat_cols));
	put_cols(b, r, s, err_cols, N_MEMBERS(err_cols));
	/* memory (migration 0005): only where known, so that a run recorded
	 * before the columns exports, and re-imports, exactly as it did */
	for (int i = 0; i < 3; i++) {
		static const char *const mem[] = {
			"peak_rss_bytes", "base_rss_bytes", "device_bytes"
		};

		if (sqlite3_column_type(s, 28 + i) != SQLITE_NULL)
			put(b, r, mem[i], json_int(sqlite3_column_int64(s, 28 + i)));
	}
	/* per-row cosine (migration 0006): only where checked that way */
	if (sqlite3_column_type(s, 31) != SQLITE_NULL)
		put(b, r, "min_cosine", store_json_double(sqlite3_column_double(s, 31)));
	/* rounds (migration 0007): only a result cut to fewer than its run's */
	if (sqlite3_column_type(s, 32) != SQLITE_NULL)
		put(b, r, "rounds", json_int(sqlite3_column_int64(s, 32)));
	samples = cJSON_CreateArray();
	put(b, r, "samples_ns", samples);
	if (b->oom)
		return MC_ENOMEM;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, sqlite3_column_int64(s, 0));
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		push(b, samples, store_json_double(sqlite3_column_double(q, 0)));
	if (rc != SQLITE_DONE) {
		*out_sqlite = rc;
		return MC_EDB;
	}
	/* What another tool reported beyond these columns; absent on
	 * mcbench's own results. */
	if (sqlite3_column_type(s, 33) != SQLITE_NULL) {
		static const struct col_member import_cols[] = {
			{ "aggregate_only", 34, COL_BOOL }, { "n_reported", 35, COL_INT },
			{ "max_ns", 36, COL_REAL }, { "fields", 37, COL_JSON },
		};
		cJSON *imp = cJSON_CreateObject();

		put(b, r, "import", imp);
		if (b->oom)
			return MC_ENOMEM;
		if ((rc = put_cols(b, imp, s, import_cols, N_MEMBERS(import_cols))) != 0)
			return rc;
	}
	if (b->oom)
		return MC_ENOMEM;
	/* Noise of the samples: members only where some is known. */
	return store_noise_export(st, sqlite3_column_int64(s, 0),
				  (size_t)sqlite3_column_int64(s, 13),
				  store_col_int(s, 27, -1), r, out_sqlite);
}

/* Builds run run_id; the caller holds a read transaction. */
static int export_one(struct store *st, int64_t run_id, cJSON **out,
		      char *err, size_t n_err)
{
	sqlite3_stmt *q_run = NULL, *q_dev = NULL, *q_res = NULL, *q_smp = NULL;
	struct builder b = { 0 };
	cJSON *doc = NULL, *devices, *results;
	int rc, src = SQLITE_OK, step;
	const char *what = "run";

	*out = NULL;
	if ((rc = store_stmt(st, sql_run, &q_run, err, n_err)) ||
	    (rc = store_stmt(st, sql_devices, &q_dev, err, n_err)) ||
	    (rc = store_stmt(st, sql_results, &q_res, err, n_err)) ||
	    (rc = store_stmt(st, sql_samples, &q_smp, err, n_err)))
		goto out;
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
	put(&b, doc, "format_version", json_int(STORE_EXPORT_FORMAT_VERSION));
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
		rc = build_result(st, &b, q_res, q_smp, results, &src);
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
	/* Cached statements: reset, so that none keeps the snapshot open. */
	sqlite3_reset(q_run);
	sqlite3_reset(q_dev);
	sqlite3_reset(q_res);
	sqlite3_reset(q_smp);
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
	if (!sqlite3_get_autocommit(st->db))
		return 0;
	rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return read_fail(st, rc, "cannot begin a read transaction", err, n_err);
	*out_opened = 1;
	return 0;
}

static void snapshot_end(struct store *st, int opened)
{
	if (opened)
		sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
}

int store_export_run(struct store *st, int64_t run_id, cJSON **out,
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

static const char sql_all[] =
	"SELECT id FROM run WHERE ?1 OR status = 'complete' ORDER BY started_at, uuid";

static int export_all(struct store *st, unsigned flags, cJSON **out,
		      char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	struct builder b = { 0 };
	cJSON *doc = cJSON_CreateObject(), *runs = cJSON_CreateArray(), *one;
	int rc = 0, step;

	put(&b, doc, "format", cJSON_CreateString("mcbench-export"));
	put(&b, doc, "format_version", json_int(STORE_EXPORT_FORMAT_VERSION));
	put(&b, doc, "runs", runs);
	if (b.oom) {
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory exporting",
			     store_path(st));
		goto out;
	}
	if ((rc = store_stmt(st, sql_all, &s, err, n_err)) != 0)
		goto out;
	sqlite3_bind_int(s, 1, (flags & STORE_EXPORT_INCOMPLETE) != 0);
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
	if (s)
		sqlite3_reset(s);
	if (rc) {
		cJSON_Delete(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int store_export_runs(struct store *st, const char *select, unsigned flags,
		      cJSON **out, char *err, size_t n_err)
{
	char rerr[MC_ERRLEN];
	int64_t id = 0;
	int opened, rc;

	*out = NULL;
	if (!select || !*select)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: no run selected (give \"all\", an id, a uuid or a prefix)",
			       store_path(st));
	rc = snapshot_begin(st, &opened, err, n_err);
	if (rc)
		return rc;
	if (!strcmp(select, "all")) {
		rc = export_all(st, flags, out, err, n_err);
	} else {
		rc = store_run_resolve(st, select, STORE_RESOLVE_COMMIT | STORE_RESOLVE_ANY,
				       &id, rerr, sizeof(rerr));
		if (rc)
			err_set(err, n_err, rc, "%s: %s", st->path, rerr);
		else
			rc = export_one(st, id, out, err, n_err);
	}
	snapshot_end(st, opened);
	return rc;
}

int store_export_write_file(const cJSON *doc, const char *path, char *err, size_t n_err)
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
