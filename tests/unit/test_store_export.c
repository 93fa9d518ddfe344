/*
 * test_store_export.c - unit tests of src/lib/store_export.c and
 * src/lib/store_import.c, which are tested together since each checks the
 * other: deterministic export with exact numbers, export -> import ->
 * export byte for byte, idempotent import by uuid, selection of runs by
 * reference, and malformed imports that name the file, the line:column or
 * the JSON path and leave the db unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "stats.h"
#include "store.h"
#include "store_export.h"
#include "store_import.h"
#include "store_int.h"   /* store_db(): the tests count the rows themselves */

struct fixture {
	char dir[64];
	char db_a[128], db_b[128];
	struct store *a, *b;
	int64_t run_id;
};

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static void fill_run(struct store_run *r, const char *uuid, const char *started_at)
{
	memset(r, 0, sizeof(*r));
	r->uuid = uuid;
	r->started_at = started_at;
	r->argv = "mcbench run --suite 'my suite'";
	r->git_commit = NULL;
	r->git_dirty = 1;
	r->compiler = "gcc 12.2.0";
	r->cflags = "-O2 -g";
	r->timer_name = "CLOCK_MONOTONIC_RAW";
	r->timer_resolution_ns = 1.0 / 3.0;
	r->timer_overhead_ns = 17.25;
	r->quick = 0;
	r->rounds = 3;
	r->provenance = "{\"os\":\"Linux\",\"ghz\":0.30000000000000004,"
			"\"big\":123456789012345,\"tiny\":1e-300,"
			"\"list\":[1,2.5,\"x\\\"y\"],\"nested\":{\"k\":null,\"t\":true}}";
	r->machine.fingerprint = "fp-1";
	r->machine.hostname = "host-\xc3\xa9";
	r->machine.cpu_model = "Test CPU @ 3.00GHz";
	r->machine.os = "Debian 12";
	r->machine.kernel = "6.1.0";
	r->machine.cores = 8;
	r->machine.threads = 16;
	r->machine.mem_bytes = 68719476736LL;
}

static void fill_result(struct store_result *r, const char *benchmark,
			const char *backend, const char *clock, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->suite = "unit";
	r->benchmark = benchmark;
	r->kernel = "gemm";
	r->params = "{\"k\":64,\"m\":64,\"n\":64}";
	r->backend = backend;
	r->variant = "";
	r->clock = clock;
	r->status = "ok";
	/* Small enough that the medians (0.3 and 7.125 ns) stay within the
	 * cpu device's peak: import refuses an "ok" result beyond it. */
	r->flops = 256;
	r->bytes = 3.0 * 64 * 64 * 4;
	r->iters_per_sample = 3;
	r->stats.n = n;
	r->stats.min = 0.1;
	r->stats.median = 0.1 + 0.2;
	r->stats.mean = 1.0 / 3.0;
	r->stats.stddev = NAN;          /* stored as NULL, exported as null */
	r->stats.mad = 1e-300;
	r->stats.ci_lo = 123456789.123456789;
	r->stats.ci_hi = 9007199254740993.0;
	r->stats.q1 = 2.5;
	r->stats.q3 = 5e20;
	r->stats.n_mild = 1;
	r->stats.n_severe = 0;
	r->max_abs_err = 1.1920928955078125e-07;
	r->max_rel_err = NAN;
}

/* A complete run with two devices and four results, added out of order. */
static int64_t add_run(struct store *st, const char *uuid, const char *started_at,
		       const char *final_status)
{
	struct store_run run;
	struct store_result res;
	struct store_device dev = {
		.backend = "ref", .kind = "cpu", .name = "reference", .vendor = NULL,
		.compute_units = -1, .global_mem = -1, .local_mem = -1,
		.peak_gflops = -1, .peak_gbps = -1, .info = NULL,
	};
	double samples[7] = { 0.1, 0.2, 0.30000000000000004, 1e-5, 4e300, 6, 7.125 };
	char err[MC_ERRLEN] = "";
	int64_t id = 0;

	fill_run(&run, uuid, started_at);
	assert_int_equal(store_run_begin(st, &run, &id, err, sizeof(err)), 0);
	assert_int_equal(store_device_add(st, id, &dev, err, sizeof(err)), 0);
	dev.backend = "cpu";
	dev.name = "Test CPU";
	dev.vendor = "Acme";
	dev.version = "1.0";
	dev.driver = "none";
	dev.compute_units = 16;
	dev.global_mem = 68719476736LL;
	dev.local_mem = 32768;
	dev.peak_gflops = 1234.5678;
	dev.peak_gbps = 0.1;
	dev.info = "{\"cache_bytes\":33554432,\"flags\":[\"avx2\",\"fma\"]}";
	assert_int_equal(store_device_add(st, id, &dev, err, sizeof(err)), 0);
	/* Import recomputes the stats from the samples, so they must be those
	 * of the samples; the samples carry the awkward doubles. */
	fill_result(&res, "gemm/n=64", "ref", "wall", 7);
	assert_int_equal(stats_summarize(samples, 7, &res.stats), 0);
	assert_int_equal(store_result_add(st, id, &res, samples, 7, err, sizeof(err)), 0);
	fill_result(&res, "gemm/n=64", "cpu", "wall", 7);
	assert_int_equal(stats_summarize(samples, 7, &res.stats), 0);
	res.variant = "blas";
	assert_int_equal(store_result_add(st, id, &res, samples, 7, err, sizeof(err)), 0);
	fill_result(&res, "gemm/n=64", "cpu", "device", 3);
	assert_int_equal(stats_summarize(samples + 4, 3, &res.stats), 0);
	res.message = "line1\nline2 \"quoted\" \\ tab\t";
	res.rounds = 2;      /* cut to fewer rounds than its run's (migration 0007) */
	assert_int_equal(store_result_add(st, id, &res, samples + 4, 3, err, sizeof(err)), 0);
	fill_result(&res, "axpy/n=1", "cpu", "wall", 0);
	res.status = "skipped";
	res.message = "too small";
	res.iters_per_sample = -1;
	assert_int_equal(store_result_add(st, id, &res, NULL, 0, err, sizeof(err)), 0);
	assert_int_equal(store_run_note(st, id, "peer mlx skipped: not installed",
					err, sizeof(err)), 0);
	if (final_status)
		assert_int_equal(store_run_finish(st, id, final_status, err, sizeof(err)), 0);
	return id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[MC_ERRLEN];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_export.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db_a, sizeof(f->db_a), "%s/a.sqlite", f->dir);
	snprintf(f->db_b, sizeof(f->db_b), "%s/b.sqlite", f->dir);
	if (store_open(f->db_a, STORE_WRITE, &f->a, err, sizeof(err)) ||
	    store_open(f->db_b, STORE_WRITE, &f->b, err, sizeof(err))) {
		print_error("%s\n", err);
		return -1;
	}
	f->run_id = add_run(f->a, "11111111-0000-4000-8000-000000000001",
			    "2024-01-02T03:04:05Z", "complete");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->a);
	store_close(f->b);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Prints doc (and frees it); the caller frees the text. */
static char *print_and_free(cJSON *doc)
{
	char *text;

	assert_non_null(doc);
	text = cJSON_Print(doc);
	assert_non_null(text);
	cJSON_Delete(doc);
	return text;
}

static char *export_text(struct store *st, const char *select, unsigned flags)
{
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "";
	int rc = store_export_runs(st, select, flags, &doc, err, sizeof(err));

	if (rc)
		print_error("export_runs: %s\n", err);
	assert_int_equal(rc, 0);
	return print_and_free(doc);
}

static char *read_all(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	fclose(fp);
}

static int64_t count(struct store *st, const char *table_sql)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), table_sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* ------------------------------------------------------------ export */

static void test_export_run(void **state)
{
	struct fixture *f = *state;
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "", *t1, *t2;
	const cJSON *results, *r0;

	assert_int_equal(store_export_run(f->a, f->run_id, &doc, err, sizeof(err)), 0);
	t1 = print_and_free(doc);
	assert_int_equal(store_export_run(f->a, f->run_id, &doc, err, sizeof(err)), 0);
	t2 = print_and_free(doc);
	assert_string_equal(t1, t2);  /* deterministic */

	/* Exact numbers, shortest form (the stats are those of the samples,
	 * which import recomputes; the samples carry the awkward doubles). */
	assert_non_null(strstr(t1, "\t0.30000000000000004,"));
	assert_non_null(strstr(t1, "\t1e-05,"));
	assert_non_null(strstr(t1, "\t4e+300,"));
	assert_non_null(strstr(t1, "\t7.125"));
	assert_non_null(strstr(t1, "\"stddev_ns\":\tnull"));  /* inf: stored NULL */
	{
		static const double samples[7] = { 0.1, 0.2, 0.30000000000000004, 1e-5,
						   4e300, 6, 7.125 };
		static const char *const keys[] = { "min_ns", "median_ns", "mean_ns",
						    "mad_ns", "ci_lo_ns", "ci_hi_ns",
						    "q1_ns", "q3_ns" };
		struct stats_summary want;
		const cJSON *st;
		cJSON *d = cJSON_Parse(t1);

		assert_non_null(d);
		assert_int_equal(stats_summarize(samples, 7, &want), 0);
		const double w[] = { want.min, want.median, want.mean, want.mad,
				     want.ci_lo, want.ci_hi, want.q1, want.q3 };
		/* results[3]: gemm/n=64 on ref, wall clock: the 7 samples */
		st = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "results"),
							    3), "stats");
		assert_non_null(st);
		for (size_t i = 0; i < 8; i++)
			assert_true(cJSON_GetObjectItem(st, keys[i])->valuedouble == w[i]);
		cJSON_Delete(d);
	}
	assert_non_null(strstr(t1, "\"max_abs_err\":\t1.1920928955078125e-07"));
	assert_non_null(strstr(t1, "\"mem_bytes\":\t68719476736"));
	assert_non_null(strstr(t1, "\"ghz\":\t0.30000000000000004"));
	assert_non_null(strstr(t1, "\"big\":\t123456789012345"));
	assert_non_null(strstr(t1, "\"git_dirty\":\ttrue"));
	assert_non_null(strstr(t1, "\"git_commit\":\tnull"));
	assert_non_null(strstr(t1, "\"format\":\t\"mcbench-run\""));
	assert_non_null(strstr(t1, "\"rounds\":\t3"));

	/* Order: devices by backend, results by suite, benchmark, backend,
	 * variant, clock. */
	doc = cJSON_Parse(t1);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "devices"), 0)
			    ->child->valuestring, "cpu");
	results = cJSON_GetObjectItem(doc, "results");
	assert_int_equal(cJSON_GetArraySize(results), 4);
	r0 = cJSON_GetArrayItem(results, 0);
	assert_string_equal(cJSON_GetObjectItem(r0, "benchmark")->valuestring, "axpy/n=1");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(r0, "iters_per_sample")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(r0, "stats"),
						     "median_ns")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r0, "samples_ns")), 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 1), "clock")
			    ->valuestring, "device");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 2), "variant")
			    ->valuestring, "blas");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 3), "backend")
			    ->valuestring, "ref");
	assert_true(cJSON_GetObjectItem(cJSON_GetArrayItem(results, 3), "samples_ns")
		    ->child->next->next->valuedouble == 0.30000000000000004);
	cJSON_Delete(doc);
	free(t1);
	free(t2);

	assert_int_equal(store_export_run(f->a, 999, &doc, err, sizeof(err)), MC_EINVAL);
	assert_null(doc);
	assert_non_null(strstr(err, "999"));
}

static void test_select(void **state)
{
	struct fixture *f = *state;
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "", *all, *by_uuid, *by_id, *one;

	add_run(f->a, "22222222-0000-4000-8000-000000000002", "2024-01-01T00:00:00Z", NULL);
	add_run(f->a, "33333333-0000-4000-8000-000000000003", "2023-12-31T00:00:00Z",
		"complete");
	all = export_text(f->a, "all", 0);
	assert_non_null(strstr(all, "\"format\":\t\"mcbench-export\""));
	assert_null(strstr(all, "22222222"));  /* running: left out */
	assert_true(strstr(all, "33333333") < strstr(all, "11111111"));  /* oldest first */
	free(all);
	all = export_text(f->a, "all", STORE_EXPORT_INCOMPLETE);
	assert_non_null(strstr(all, "22222222"));
	free(all);

	assert_int_equal(store_export_run(f->a, f->run_id, &doc, err, sizeof(err)), 0);
	one = print_and_free(doc);
	by_uuid = export_text(f->a, "11111111-0000-4000-8000-000000000001", 0);
	assert_string_equal(by_uuid, one);
	snprintf(err, sizeof(err), "%lld", (long long)f->run_id);
	by_id = export_text(f->a, err, 0);
	assert_string_equal(by_id, one);
	free(one);
	free(by_uuid);
	free(by_id);
	by_uuid = export_text(f->a, "22222222-0000-4000-8000-000000000002", 0);
	assert_non_null(strstr(by_uuid, "\"status\":\t\"running\""));
	/* A unique uuid prefix is the same run, whatever its status. */
	one = export_text(f->a, "2222", 0);
	assert_string_equal(one, by_uuid);
	free(one);
	free(by_uuid);

	assert_int_equal(store_export_runs(f->a, "no-such-run", 0, &doc, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "no-such-run"));
	assert_non_null(strstr(err, f->db_a));
	assert_int_equal(store_export_runs(f->a, "12345", 0, &doc, err, sizeof(err)), MC_EINVAL);
	add_run(f->a, "11112222-0000-4000-8000-000000000004", "2024-02-01T00:00:00Z",
		"complete");
	assert_int_equal(store_export_runs(f->a, "1111", 0, &doc, err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "ambiguous"));
	assert_null(doc);
}

/* ------------------------------------------------------------ import */

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct store *c = NULL;
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "", path_a[160], path_b[160], db_c[160];
	char *text_a, *text_b, *text_c;
	int imported = -1, skipped = -1;

	add_run(f->a, "33333333-0000-4000-8000-000000000003", "2023-12-31T00:00:00Z",
		"aborted");
	snprintf(path_a, sizeof(path_a), "%s/a.json", f->dir);
	snprintf(path_b, sizeof(path_b), "%s/b.json", f->dir);
	assert_int_equal(store_export_runs(f->a, "all", STORE_EXPORT_INCOMPLETE, &doc, err,
				     sizeof(err)), 0);
	assert_int_equal(store_export_write_file(doc, path_a, err, sizeof(err)), 0);
	cJSON_Delete(doc);

	assert_int_equal(store_import_file(f->b, path_a, &imported, &skipped,
					    err, sizeof(err)), 0);
	assert_int_equal(imported, 2);
	assert_int_equal(skipped, 0);
	assert_int_equal(count(f->b, "SELECT count(*) FROM run WHERE pid IS NULL"), 2);
	/* a result's own rounds travel; the others keep their run's */
	assert_int_equal(count(f->b, "SELECT count(*) FROM result WHERE rounds = 2 AND "
			       "clock = 'device' AND n_samples = 3"), 2);
	assert_int_equal(count(f->b, "SELECT count(*) FROM result WHERE rounds IS NOT NULL"), 2);
	assert_int_equal(store_export_runs(f->b, "all", STORE_EXPORT_INCOMPLETE, &doc, err,
				     sizeof(err)), 0);
	assert_int_equal(store_export_write_file(doc, path_b, err, sizeof(err)), 0);
	cJSON_Delete(doc);
	text_a = read_all(path_a);
	text_b = read_all(path_b);
	assert_string_equal(text_a, text_b);
	assert_int_equal(text_a[strlen(text_a) - 1], '\n');

	/* In memory, straight from export_run (raw number items): same again. */
	snprintf(db_c, sizeof(db_c), "%s/c.sqlite", f->dir);
	assert_int_equal(store_open(db_c, STORE_WRITE, &c, err, sizeof(err)), 0);
	assert_int_equal(store_export_runs(f->a, "all", STORE_EXPORT_INCOMPLETE, &doc, err,
				     sizeof(err)), 0);
	assert_int_equal(store_import(c, doc, "memory", &imported, &skipped,
				       err, sizeof(err)), 0);
	cJSON_Delete(doc);
	assert_int_equal(imported, 2);
	text_c = export_text(c, "all", STORE_EXPORT_INCOMPLETE);
	assert_int_equal(strncmp(text_c, text_a, strlen(text_c)), 0);
	assert_int_equal(strlen(text_c) + 1, strlen(text_a));
	store_close(c);
	free(text_a);
	free(text_b);
	free(text_c);
}

static void test_idempotent(void **state)
{
	struct fixture *f = *state;
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "", path[160];
	int imported = -1, skipped = -1;

	snprintf(path, sizeof(path), "%s/one.json", f->dir);
	assert_int_equal(store_export_run(f->a, f->run_id, &doc, err, sizeof(err)), 0);
	assert_int_equal(store_export_write_file(doc, path, err, sizeof(err)), 0);
	cJSON_Delete(doc);
	assert_int_equal(store_import_file(f->b, path, &imported, &skipped, err,
					    sizeof(err)), 0);
	assert_int_equal(imported, 1);
	assert_int_equal(skipped, 0);
	assert_int_equal(count(f->b, "SELECT rounds FROM run"), 3);
	assert_int_equal(store_import_file(f->b, path, &imported, &skipped, err,
					    sizeof(err)), 0);
	assert_int_equal(imported, 0);
	assert_int_equal(skipped, 1);
	/* Importing a db's own run into itself: skipped too. */
	assert_int_equal(store_import_file(f->a, path, &imported, &skipped, err,
					    sizeof(err)), 0);
	assert_int_equal(imported, 0);
	assert_int_equal(skipped, 1);
	assert_int_equal(count(f->b, "SELECT count(*) FROM run"), 1);
	assert_int_equal(count(f->b, "SELECT count(*) FROM result"), 4);
	assert_int_equal(count(f->b, "SELECT count(*) FROM sample"), 17);
}

/* A run exported before rounds existed has no "rounds": it took every
 * sample in one pass, so it imports as 1. */
static void test_rounds_absent_means_one(void **state)
{
	struct fixture *f = *state;
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "";
	int imported = -1, skipped = -1;

	assert_int_equal(store_export_run(f->a, f->run_id, &doc, err, sizeof(err)), 0);
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "run"), "rounds"));
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(doc, "run"), "rounds");
	assert_int_equal(store_import(f->b, doc, "memory", &imported, &skipped, err,
				       sizeof(err)), 0);
	cJSON_Delete(doc);
	assert_int_equal(imported, 1);
	assert_int_equal(count(f->b, "SELECT rounds FROM run"), 1);
}

/* A whole-db fingerprint: every row of every table, as one string. */
static char *db_dump(struct store *st)
{
	static const char *const sql[] = {
		"SELECT group_concat(x, '|') FROM (SELECT quote(id) || quote(fingerprint)"
		" AS x FROM machine ORDER BY id)",
		"SELECT group_concat(x, '|') FROM (SELECT quote(id) || quote(uuid) ||"
		" quote(status) || quote(notes) AS x FROM run ORDER BY id)",
		"SELECT group_concat(x, '|') FROM (SELECT quote(id) || quote(backend)"
		" AS x FROM device ORDER BY id)",
		"SELECT group_concat(x, '|') FROM (SELECT quote(id) || quote(benchmark) ||"
		" quote(median_ns) AS x FROM result ORDER BY id)",
		"SELECT count(*) || ':' || total(ns) FROM sample",
	};
	size_t len = 0;
	char *out = calloc(1, 1);

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *s = NULL;
		const char *t = "";

		assert_int_equal(sqlite3_prepare_v2(store_db(st), sql[i], -1, &s, NULL),
				 SQLITE_OK);
		if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
			t = (const char *)sqlite3_column_text(s, 0);
		out = realloc(out, len + strlen(t) + 2);
		assert_non_null(out);
		memcpy(out + len, t, strlen(t));
		len += strlen(t);
		out[len++] = '\n';
		out[len] = '\0';
		sqlite3_finalize(s);
	}
	return out;
}

/* Exports "all" of db A, lets edit break it, imports into B and expects
 * failure with want in the error and B unchanged. */
static void expect_bad(struct fixture *f, void (*edit)(cJSON *), const char *want)
{
	cJSON *doc = NULL;
	char err[MC_ERRLEN] = "", path[160], *before, *after;
	int imported = -1, skipped = -1;

	snprintf(path, sizeof(path), "%s/x.json", f->dir);
	assert_int_equal(store_export_runs(f->a, "all", STORE_EXPORT_INCOMPLETE, &doc, err,
				     sizeof(err)), 0);
	edit(doc);
	assert_int_equal(store_export_write_file(doc, path, err, sizeof(err)), 0);
	cJSON_Delete(doc);
	before = db_dump(f->b);
	assert_int_equal(store_import_file(f->b, path, &imported, &skipped, err,
					    sizeof(err)), MC_EINVAL);
	print_message("    %s\n", err);
	assert_non_null(strstr(err, want));
	assert_null(strchr(err, '\n'));
	assert_int_equal(imported, 0);
	after = db_dump(f->b);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static cJSON *run_n(cJSON *doc, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), i);
}

static void edit_missing_kernel(cJSON *doc)
{
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(run_n(doc, 1), "results"), 2);

	cJSON_DeleteItemFromObject(r, "kernel");
}

static void edit_median_string(cJSON *doc)
{
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(run_n(doc, 0), "results"), 3);

	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "stats"), "median_ns",
				  cJSON_CreateString("fast"));
}

static void edit_bad_clock(cJSON *doc)
{
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(run_n(doc, 1), "results"), 0);

	cJSON_ReplaceItemInObject(r, "clock", cJSON_CreateString("cpu"));
}

static void edit_sample_count(cJSON *doc)
{
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(run_n(doc, 1), "results"), 2);

	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(r, "samples_ns"), 0);
}

static void edit_provenance(cJSON *doc)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(run_n(doc, 1), "run"), "provenance",
				  cJSON_CreateString("{}"));
}

static void edit_version(cJSON *doc)
{
	cJSON_ReplaceItemInObject(doc, "format_version", cJSON_CreateNumber(2));
}

static void edit_rounds(cJSON *doc)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(run_n(doc, 1), "run"), "rounds",
				  cJSON_CreateNumber(0));
}

static void edit_result_rounds(cJSON *doc)
{
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(run_n(doc, 1), "results"), 1);

	cJSON_ReplaceItemInObject(r, "rounds", cJSON_CreateNumber(4));
}

static void edit_cores(cJSON *doc)
{
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(run_n(doc, 1), "machine"), "cores",
				  cJSON_CreateNumber(2.5));
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	struct store_run run;
	char err[MC_ERRLEN] = "", path[160], *before;
	int64_t id;
	int imported = -1, skipped = -1;

	/* A second complete run, so that run 0 is valid and run 1 is broken:
	 * nothing at all may be written. B already holds one run. */
	add_run(f->a, "33333333-0000-4000-8000-000000000003", "2025-01-01T00:00:00Z",
		"complete");
	fill_run(&run, "44444444-0000-4000-8000-000000000004", "2020-01-01T00:00:00Z");
	assert_int_equal(store_run_begin(f->b, &run, &id, err, sizeof(err)), 0);

	expect_bad(f, edit_missing_kernel, "x.json: $.runs[1].results[2].kernel: missing");
	expect_bad(f, edit_median_string,
		   "x.json: $.runs[0].results[3].stats.median_ns: expected a number");
	expect_bad(f, edit_bad_clock, "x.json: $.runs[1].results[0].clock: expected one of");
	expect_bad(f, edit_sample_count, "$.runs[1].results[2].samples_ns: expected 7 values");
	expect_bad(f, edit_provenance, "$.runs[1].run.provenance: expected an object");
	expect_bad(f, edit_version, "x.json: $.format_version: version 2 is newer");
	expect_bad(f, edit_cores, "$.runs[1].machine.cores: expected an integer");
	expect_bad(f, edit_rounds, "$.runs[1].run.rounds: expected an integer >= 1");
	expect_bad(f, edit_result_rounds,
		   "$.runs[1].results[1].rounds: expected at most n_samples");

	/* Bad JSON: line and column. */
	snprintf(path, sizeof(path), "%s/broken.json", f->dir);
	write_text(path, "{\"format\": \"mcbench-run\",\n  \"run\": [1, 2,\n   }\n");
	before = db_dump(f->b);
	assert_int_equal(store_import_file(f->b, path, &imported, &skipped, err,
					    sizeof(err)), MC_EINVAL);
	print_message("    %s\n", err);
	snprintf(path, sizeof(path), "%s/broken.json:3:4: invalid JSON", f->dir);
	assert_string_equal(err, path);

	/* Trailing garbage, wrong top-level type, wrong format name. */
	snprintf(path, sizeof(path), "%s/trail.json", f->dir);
	write_text(path, "{}\n}");
	assert_int_equal(store_import_file(f->b, path, NULL, NULL, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "trail.json:2:1"));
	write_text(path, "[1]");
	assert_int_equal(store_import_file(f->b, path, NULL, NULL, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "trail.json: $: expected an object"));
	write_text(path, "{\"format\": \"other\"}");
	assert_int_equal(store_import_file(f->b, path, NULL, NULL, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "$.format: expected \"mcbench-run\""));
	snprintf(path, sizeof(path), "%s/none.json", f->dir);
	assert_int_equal(store_import_file(f->b, path, NULL, NULL, err, sizeof(err)),
			 MC_EIO);
	assert_non_null(strstr(err, "none.json"));
	{
		char *after = db_dump(f->b);

		assert_string_equal(before, after);
		free(after);
	}
	free(before);
}

static void test_write_file(void **state)
{
	struct fixture *f = *state;
	cJSON *doc = cJSON_CreateObject();
	char err[MC_ERRLEN] = "", path[160], *text;
	struct dirent *e;
	DIR *d;
	int n = 0;

	cJSON_AddStringToObject(doc, "a", "b");
	snprintf(path, sizeof(path), "%s/out.json", f->dir);
	write_text(path, "old content that is longer than the new one\n");
	assert_int_equal(store_export_write_file(doc, path, err, sizeof(err)), 0);
	text = read_all(path);
	assert_string_equal(text, "{\n\t\"a\":\t\"b\"\n}\n");
	free(text);
	d = opendir(f->dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strncmp(e->d_name, "out.json", 8) == 0;
	closedir(d);
	assert_int_equal(n, 1);  /* no temporary left behind */
	snprintf(path, sizeof(path), "%s/no/such/dir/out.json", f->dir);
	assert_int_equal(store_export_write_file(doc, path, err, sizeof(err)), MC_EIO);
	assert_non_null(strstr(err, path));
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_export_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rounds_absent_means_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
