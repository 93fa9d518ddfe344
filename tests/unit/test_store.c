/*
 * test_store.c - unit tests of src/lib/store.c and store_write.c:
 * migrations and refusal of newer, foreign and non-database files; the run
 * life cycle and reaping of runs whose writer died; crash consistency
 * under SIGKILL at random moments; two processes writing one db at once;
 * locking and transactions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "store_int.h"   /* store_db(): the tests read the rows themselves */

struct fixture {
	char dir[64];
	char db[128];
};

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof(f->db), "%s/db.sqlite", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* One integer from a query on a raw connection (-1 on any error). */
static int64_t query_int(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int64_t store_int(struct store *st, const char *sql, int64_t bind)
{
	sqlite3_stmt *s = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, bind);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Text of a query's first column into out ("" for NULL or no row). */
static void store_text(struct store *st, const char *sql, int64_t bind,
		       char *out, size_t n_out)
{
	sqlite3_stmt *s = NULL;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(s) > 0)
		sqlite3_bind_int64(s, 1, bind);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, n_out, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

static void fill_run(struct store_run *r, const char *uuid, const char *hostname)
{
	memset(r, 0, sizeof(*r));
	r->uuid = uuid;
	r->started_at = "2024-01-02T03:04:05Z";
	r->argv = "mcbench run --quick";
	r->git_commit = "0123456789abcdef";
	r->git_dirty = 0;
	r->compiler = "gcc 12.2.0";
	r->cflags = "-O2 -g";
	r->timer_name = "CLOCK_MONOTONIC_RAW";
	r->timer_resolution_ns = 20;
	r->timer_overhead_ns = 18.5;
	r->quick = 1;
	r->provenance = "{\"os\":\"Linux\"}";
	r->machine.fingerprint = hostname;  /* one machine per host here */
	r->machine.hostname = hostname;
	r->machine.cpu_model = "Test CPU";
	r->machine.os = "Linux";
	r->machine.kernel = "6.1.0";
	r->machine.cores = 8;
	r->machine.threads = 16;
	r->machine.mem_bytes = 1LL << 34;
}

static void fill_result(struct store_result *r, const char *benchmark, size_t n)
{
	memset(r, 0, sizeof(*r));
	r->suite = "unit";
	r->benchmark = benchmark;
	r->kernel = "axpy";
	r->params = "{\"n\":1024}";
	r->backend = "ref";
	r->variant = "";
	r->clock = "wall";
	r->status = "ok";
	r->flops = 2048;
	r->bytes = 24576;
	r->iters_per_sample = 10;
	r->stats.n = n;
	r->stats.min = r->stats.median = r->stats.mean = 100;
	r->stats.q1 = r->stats.q3 = r->stats.ci_lo = r->stats.ci_hi = 100;
	r->max_abs_err = NAN;
	r->max_rel_err = NAN;
}

static int open_store(const char *path, struct store **out)
{
	char err[MC_ERRLEN] = "";
	int rc = store_open(path, STORE_WRITE, out, err, sizeof(err));

	if (rc)
		print_error("store_open: %s\n", err);
	return rc;
}

/* ------------------------------------------------------------ migrations */

static void test_migrate_fresh(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char path[256], err[MC_ERRLEN];
	int64_t n_objects;

	snprintf(path, sizeof(path), "%s/a/b/c.sqlite", f->dir);  /* parents made */
	assert_true(store_schema_version() >= 1);
	assert_int_equal(open_store(path, &st), 0);
	assert_string_equal(store_path(st), path);
	assert_int_equal(store_int(st, "PRAGMA user_version", 0), store_schema_version());
	n_objects = store_int(st, "SELECT count(*) FROM sqlite_schema", 0);
	assert_true(n_objects > 0);
	assert_int_equal(store_int(st, "PRAGMA foreign_keys", 0), 1);
	store_text(st, "PRAGMA journal_mode", 0, err, sizeof(err));
	assert_string_equal(err, "wal");
	store_close(st);

	/* Reopening is a no-op, in both modes. */
	assert_int_equal(open_store(path, &st), 0);
	assert_int_equal(store_int(st, "PRAGMA user_version", 0), store_schema_version());
	assert_int_equal(store_int(st, "SELECT count(*) FROM sqlite_schema", 0), n_objects);
	store_close(st);
	assert_int_equal(store_open(path, STORE_READ, &st, err, sizeof(err)), 0);
	assert_int_equal(store_int(st, "PRAGMA user_version", 0), store_schema_version());
	store_close(st);
	store_close(NULL);
}

static void test_read_missing(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char err[MC_ERRLEN] = "";

	assert_int_not_equal(store_open(f->db, STORE_READ, &st, err, sizeof(err)), 0);
	assert_null(st);
	assert_non_null(strstr(err, f->db));
	assert_int_equal(access(f->db, F_OK), -1);  /* not created */
}

static void test_refuse_newer(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char err[MC_ERRLEN] = "";

	assert_int_equal(open_store(f->db, &st), 0);
	store_close(st);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	st = NULL;
	assert_int_equal(store_open(f->db, STORE_WRITE, &st, err, sizeof(err)), MC_EDB);
	assert_null(st);
	assert_non_null(strstr(err, f->db));
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(store_open(f->db, STORE_READ, &st, err, sizeof(err)), MC_EDB);
	assert_int_equal(query_int(f->db, "PRAGMA user_version"), 99);
}

static int file_equals(const char *path, const unsigned char *data, size_t n)
{
	unsigned char buf[8192 + 1];
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (!fp)
		return 0;
	got = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	return got == n && memcmp(buf, data, n) == 0;
}

static void test_refuse_not_a_db(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	unsigned char junk[8192];
	char err[MC_ERRLEN] = "", side[160];
	FILE *fp;

	srand(7);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(rand() & 0xff);
	fp = fopen(f->db, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
	fclose(fp);
	for (int mode = 0; mode < 2; mode++) {
		assert_int_equal(store_open(f->db, (enum store_mode)mode, &st, err,
					    sizeof(err)), MC_EDB);
		assert_null(st);
		assert_non_null(strstr(err, f->db));
		assert_non_null(strstr(err, "not an SQLite database (corrupt?)"));
		assert_null(strchr(err, '\n'));
		assert_true(file_equals(f->db, junk, sizeof(junk)));
	}
	snprintf(side, sizeof(side), "%s-wal", f->db);
	assert_int_equal(access(side, F_OK), -1);
	snprintf(side, sizeof(side), "%s-journal", f->db);
	assert_int_equal(access(side, F_OK), -1);
}

static void test_refuse_foreign_db(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	sqlite3 *db = NULL;
	char err[MC_ERRLEN] = "";

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->db, STORE_WRITE, &st, err, sizeof(err)), MC_EDB);
	assert_non_null(strstr(err, "not an mcbench store"));
	assert_int_equal(query_int(f->db, "SELECT count(*) FROM sqlite_schema"), 1);
	assert_int_equal(query_int(f->db, "PRAGMA user_version"), 0);
}

/* ------------------------------------------------------------ run life cycle */

static void test_run_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct store_run run;
	struct store_result res;
	struct store_device dev = {
		.backend = "ref", .kind = "cpu", .name = "reference",
		.compute_units = -1, .global_mem = -1, .local_mem = -1,
		.peak_gflops = 0, .peak_gbps = 12.5,
	};
	double samples[5] = { 1, 2, 3, 4, 5 };
	char err[MC_ERRLEN] = "", text[256];
	int64_t id = 0, id2 = 0;

	assert_int_equal(open_store(f->db, &st), 0);
	fill_run(&run, "uuid-life", "host-a");
	assert_int_equal(store_run_begin(st, &run, &id, err, sizeof(err)), 0);
	assert_true(id > 0);
	assert_int_equal(store_int(st, "SELECT pid FROM run WHERE id = ?1", id), getpid());
	store_text(st, "SELECT status FROM run WHERE id = ?1", id, text, sizeof(text));
	assert_string_equal(text, "running");
	/* Same machine again: one machine row. */
	fill_run(&run, "uuid-life-2", "host-a");
	run.git_commit = NULL;
	run.git_dirty = -1;
	assert_int_equal(store_run_begin(st, &run, &id2, err, sizeof(err)), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM machine", 0), 1);
	assert_int_equal(store_int(st, "SELECT git_dirty IS NULL AND git_commit IS NULL"
				   " FROM run WHERE id = ?1", id2), 1);
	/* A duplicate uuid is refused with a sentence. */
	assert_int_equal(store_run_begin(st, &run, &id2, err, sizeof(err)), MC_EDB);
	assert_non_null(strstr(err, "uuid-life-2"));

	assert_int_equal(store_device_add(st, id, &dev, err, sizeof(err)), 0);
	assert_int_equal(store_int(st, "SELECT (peak_gflops IS NULL) + (compute_units IS NULL)"
				   " + 10 * (peak_gbps = 12.5) FROM device WHERE run_id = ?1", id), 12);
	fill_result(&res, "axpy/n=1024", 5);
	assert_int_equal(store_result_add(st, id, &res, samples, 5, err, sizeof(err)), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM sample", 0), 5);
	assert_int_equal(store_int(st, "SELECT n_samples FROM result", 0), 5);
	assert_int_equal(store_int(st, "SELECT max_abs_err IS NULL FROM result", 0), 1);
	/* A zeroed result has no cosine: NULL, not 0 (migration 0006). */
	assert_int_equal(store_int(st, "SELECT min_cosine IS NULL FROM result", 0), 1);
	/* Same key twice: refused, and its samples are not left behind. */
	assert_int_equal(store_result_add(st, id, &res, samples, 5, err, sizeof(err)), MC_EDB);
	assert_int_equal(store_int(st, "SELECT count(*) FROM sample", 0), 5);
	/* A skipped result: no samples, NULL stats. */
	fill_result(&res, "axpy/n=2048", 0);
	res.status = "skipped";
	res.message = "too big";
	assert_int_equal(store_result_add(st, id, &res, NULL, 0, err, sizeof(err)), 0);
	/* A result checked by rows keeps its smallest cosine. */
	fill_result(&res, "axpy/n=4096", 5);
	res.cosine_checked = 1;
	res.min_cosine = 0.99995;
	assert_int_equal(store_result_add(st, id, &res, samples, 5, err, sizeof(err)), 0);
	assert_int_equal(store_int(st, "SELECT min_cosine = 0.99995 FROM result"
				   " WHERE benchmark = 'axpy/n=4096'", 0), 1);
	assert_int_equal(store_int(st, "SELECT median_ns IS NULL FROM result"
				   " WHERE benchmark = 'axpy/n=2048'", 0), 1);
	/* Non-finite samples are refused. */
	samples[2] = NAN;
	fill_result(&res, "axpy/n=4096", 5);
	assert_int_equal(store_result_add(st, id, &res, samples, 5, err, sizeof(err)),
			 MC_EINVAL);

	assert_int_equal(store_run_note(st, id, "peer mlx skipped: not installed",
					err, sizeof(err)), 0);
	assert_int_equal(store_run_note(st, id, "second", err, sizeof(err)), 0);
	store_text(st, "SELECT notes FROM run WHERE id = ?1", id, text, sizeof(text));
	assert_string_equal(text, "peer mlx skipped: not installed\nsecond");

	assert_int_equal(store_run_finish(st, id, "done", err, sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "done"));
	assert_int_equal(store_run_finish(st, 424242, "complete", err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "424242"));
	assert_int_equal(store_run_finish(st, id, "complete", err, sizeof(err)), 0);
	store_text(st, "SELECT status || ' ' || ended_at FROM run WHERE id = ?1", id,
		   text, sizeof(text));
	assert_int_equal(strlen(text), strlen("complete 2024-01-02T03:04:05Z"));
	assert_int_equal(strncmp(text, "complete 20", 11), 0);
	assert_int_equal(text[strlen(text) - 1], 'Z');
	store_close(st);
}

/* Child: begins a run on hostname and dies without finishing it. */
static void child_begin_and_die(const char *db, const char *uuid, const char *host)
{
	struct store *st = NULL;
	struct store_run run;
	char err[MC_ERRLEN];
	int64_t id;

	fill_run(&run, uuid, host);
	if (store_open(db, STORE_WRITE, &st, err, sizeof(err)) ||
	    store_run_begin(st, &run, &id, err, sizeof(err)))
		_exit(1);
	_exit(0);
}

static void wait_ok(pid_t pid)
{
	int status = 0;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_reap_stale(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct store_run run;
	char err[MC_ERRLEN] = "", text[256];
	int64_t mine = 0;
	int n = -1;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_begin_and_die(f->db, "uuid-dead", "reap-host");
	wait_ok(pid);  /* reaped by waitpid, so kill(pid, 0) now fails */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_begin_and_die(f->db, "uuid-dead-elsewhere", "other-host");
	wait_ok(pid);

	assert_int_equal(open_store(f->db, &st), 0);
	fill_run(&run, "uuid-alive", "reap-host");
	assert_int_equal(store_run_begin(st, &run, &mine, err, sizeof(err)), 0);
	assert_int_equal(store_reap_stale(st, "reap-host", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	store_text(st, "SELECT group_concat(uuid || '=' || status || ':' || (ended_at IS NOT NULL), ' ')"
		   " FROM (SELECT * FROM run ORDER BY uuid)", 0, text, sizeof(text));
	assert_string_equal(text, "uuid-alive=running:0 uuid-dead=aborted:1"
			    " uuid-dead-elsewhere=running:0");
	/* Again: nothing left to reap. */
	assert_int_equal(store_reap_stale(st, "reap-host", &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	store_close(st);
}

/* ------------------------------------------------------------ crash consistency */

/* Child: begins a run and adds results with samples until killed. */
static void child_write_forever(const char *db, const char *uuid)
{
	struct store *st = NULL;
	struct store_run run;
	struct store_result res;
	double samples[64];
	char err[MC_ERRLEN], bench[64];
	int64_t id;

	for (int i = 0; i < 64; i++)
		samples[i] = 100 + i;
	fill_run(&run, uuid, "crash-host");
	if (store_open(db, STORE_WRITE, &st, err, sizeof(err)) ||
	    store_run_begin(st, &run, &id, err, sizeof(err)))
		_exit(1);
	for (int i = 0; i < 1000000; i++) {
		snprintf(bench, sizeof(bench), "axpy/i=%d", i);
		fill_result(&res, bench, 64);
		if (store_result_add(st, id, &res, samples, 64, err, sizeof(err)))
			_exit(1);
	}
	store_run_finish(st, id, "complete", err, sizeof(err));
	_exit(0);
}

static void test_crash_consistency(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	char err[MC_ERRLEN] = "", uuid[32], text[64];
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int n_reaped = 0, status;

	print_message("crash seed %u\n", seed);
	srand(seed);
	for (int k = 0; k < 6; k++) {
		long delay_ms = 5 + rand() % 46;
		struct timespec ts = { 0, delay_ms * 1000000L };
		pid_t pid;

		snprintf(uuid, sizeof(uuid), "crash-%d", k);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_write_forever(f->db, uuid);
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
	}
	assert_int_equal(open_store(f->db, &st), 0);
	store_text(st, "PRAGMA integrity_check", 0, text, sizeof(text));
	assert_string_equal(text, "ok");
	assert_int_equal(store_int(st, "PRAGMA foreign_key_check", 0), -1); /* no rows */
	assert_int_equal(store_int(st, "SELECT count(*) FROM run WHERE status != 'running'", 0), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM result WHERE n_samples !="
				   " (SELECT count(*) FROM sample WHERE result_id = result.id)", 0), 0);
	print_message("%lld runs, %lld results survived the kills\n",
		      (long long)store_int(st, "SELECT count(*) FROM run", 0),
		      (long long)store_int(st, "SELECT count(*) FROM result", 0));
	assert_int_equal(store_reap_stale(st, "crash-host", &n_reaped, err, sizeof(err)), 0);
	assert_int_equal(n_reaped, store_int(st, "SELECT count(*) FROM run", 0));
	assert_int_equal(store_int(st, "SELECT count(*) FROM run WHERE status = 'complete'", 0), 0);
	store_close(st);
}

/* ------------------------------------------------------------ concurrency */

/* Child: waits on the barrier pipe, then writes a whole run of n results. */
static void child_write_run(const char *db, const char *uuid, int barrier, int n)
{
	struct store *st = NULL;
	struct store_run run;
	struct store_result res;
	double samples[20];
	char err[MC_ERRLEN], bench[64], c;
	int64_t id;

	for (int i = 0; i < 20; i++)
		samples[i] = 1000 + i * 0.5;
	fill_run(&run, uuid, "conc-host");
	if (store_open(db, STORE_WRITE, &st, err, sizeof(err)))
		_exit(2);
	if (read(barrier, &c, 1) < 0)
		_exit(3);
	if (store_run_begin(st, &run, &id, err, sizeof(err)))
		_exit(4);
	for (int i = 0; i < n; i++) {
		snprintf(bench, sizeof(bench), "axpy/i=%d", i);
		fill_result(&res, bench, 20);
		if (store_result_add(st, id, &res, samples, 20, err, sizeof(err))) {
			fprintf(stderr, "child %s: %s\n", uuid, err);
			_exit(5);
		}
	}
	if (store_run_finish(st, id, "complete", err, sizeof(err)))
		_exit(6);
	store_close(st);
	_exit(0);
}

static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	int fds[2];
	pid_t a, b;

	assert_int_equal(open_store(f->db, &st), 0);
	store_close(st);
	assert_int_equal(pipe(fds), 0);
	a = fork();
	assert_true(a >= 0);
	if (a == 0) {
		close(fds[1]);
		child_write_run(f->db, "conc-a", fds[0], 200);
	}
	b = fork();
	assert_true(b >= 0);
	if (b == 0) {
		close(fds[1]);
		child_write_run(f->db, "conc-b", fds[0], 200);
	}
	close(fds[0]);
	close(fds[1]);  /* both children read EOF and start together */
	wait_ok(a);
	wait_ok(b);
	assert_int_equal(open_store(f->db, &st), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM run WHERE status = 'complete'", 0), 2);
	assert_int_equal(store_int(st, "SELECT count(*) FROM machine", 0), 1);
	assert_int_equal(store_int(st, "SELECT count(*) FROM result r JOIN run u"
				   " ON u.id = r.run_id WHERE u.uuid = 'conc-a'", 0), 200);
	assert_int_equal(store_int(st, "SELECT count(*) FROM result r JOIN run u"
				   " ON u.id = r.run_id WHERE u.uuid = 'conc-b'", 0), 200);
	assert_int_equal(store_int(st, "SELECT count(*) FROM sample", 0), 2 * 200 * 20);
	store_close(st);
}

/* Child: waits on the barrier pipe, then opens db for writing (creating it
 * when it is new) and exits with 0 when that succeeded. */
static void child_open(const char *db, int barrier)
{
	struct store *st = NULL;
	char err[MC_ERRLEN], c;

	if (read(barrier, &c, 1) < 0)
		_exit(3);
	if (store_open(db, STORE_WRITE, &st, err, sizeof(err))) {
		fprintf(stderr, "child %d: %s\n", (int)getpid(), err);
		_exit(2);
	}
	store_close(st);
	_exit(0);
}

/* Writers that create one new db at once all succeed. CI once saw the
 * second of two concurrent runs refuse a store that the first had just
 * created ("tables and no schema version"): the version and the tables
 * were read by two statements, and the first writer's migration committed
 * between them. The race is narrow, so it is tried on many fresh files. */
static void test_concurrent_create(void **state)
{
	enum { N_FILES = 60, N_CHILDREN = 4 };
	struct fixture *f = *state;
	struct store *st = NULL;
	char db[160];

	for (int k = 0; k < N_FILES; k++) {
		pid_t kids[N_CHILDREN];
		int fds[2];

		snprintf(db, sizeof(db), "%s/new-%d.sqlite", f->dir, k);
		assert_int_equal(pipe(fds), 0);
		for (int i = 0; i < N_CHILDREN; i++) {
			kids[i] = fork();
			assert_true(kids[i] >= 0);
			if (kids[i] == 0) {
				close(fds[1]);
				child_open(db, fds[0]);
			}
		}
		close(fds[0]);
		close(fds[1]);
		for (int i = 0; i < N_CHILDREN; i++)
			wait_ok(kids[i]);
		assert_int_equal(open_store(db, &st), 0);
		assert_int_equal(store_int(st, "PRAGMA user_version", 0), store_schema_version());
		store_close(st);
	}
}

/* ------------------------------------------------------------ locks, transactions */

static void test_locked(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	sqlite3 *other = NULL;
	struct store_run run;
	char err[MC_ERRLEN] = "", want[160];
	int64_t id = 0;

	assert_int_equal(open_store(f->db, &st), 0);
	fill_run(&run, "uuid-lock", "lock-host");
	assert_int_equal(store_run_begin(st, &run, &id, err, sizeof(err)), 0);
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_busy_timeout(store_db(st), 50);
	assert_int_equal(store_run_note(st, id, "x", err, sizeof(err)), MC_EDB);
	snprintf(want, sizeof(want), "%s: database is locked", f->db);
	assert_string_equal(err, want);
	assert_int_equal(store_run_finish(st, id, "complete", err, sizeof(err)), MC_EDB);
	assert_string_equal(err, want);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	/* The connection is usable once the lock is gone. */
	assert_int_equal(store_run_finish(st, id, "complete", err, sizeof(err)), 0);
	store_close(st);
}

struct tx_arg {
	int64_t run_id;
	int fail;
	char err[MC_ERRLEN];
};

static int add_two(struct store *st, void *p)
{
	struct tx_arg *a = p;
	struct store_result res;
	double x[3] = { 1, 2, 3 };
	int rc;

	fill_result(&res, "tx/one", 3);
	rc = store_result_add(st, a->run_id, &res, x, 3, a->err, sizeof(a->err));
	if (rc)
		return rc;
	fill_result(&res, "tx/two", 3);
	rc = store_result_add(st, a->run_id, &res, x, 3, a->err, sizeof(a->err));
	if (!rc && a->fail)
		rc = MC_EINVAL;
	return rc;
}

static void test_transaction(void **state)
{
	struct fixture *f = *state;
	struct store *st = NULL;
	struct store_run run;
	struct tx_arg a = { 0 };
	char err[MC_ERRLEN] = "";

	assert_int_equal(open_store(f->db, &st), 0);
	fill_run(&run, "uuid-tx", "tx-host");
	assert_int_equal(store_run_begin(st, &run, &a.run_id, err, sizeof(err)), 0);
	a.fail = 1;
	assert_int_equal(store_transaction(st, add_two, &a, err, sizeof(err)), MC_EINVAL);
	assert_true(err[0] != '\0');
	assert_int_equal(store_int(st, "SELECT count(*) FROM result", 0), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM sample", 0), 0);
	assert_true(sqlite3_get_autocommit(store_db(st)));
	a.fail = 0;
	assert_int_equal(store_transaction(st, add_two, &a, err, sizeof(err)), 0);
	assert_int_equal(store_int(st, "SELECT count(*) FROM result", 0), 2);
	assert_int_equal(store_int(st, "SELECT count(*) FROM sample", 0), 6);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_newer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_not_a_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_foreign_db, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reap_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_consistency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
