/*
 * store.c - the SQLite record of runs (see store.h, db/migrations/).
 *
 * Opening sets WAL, a busy timeout and foreign keys, then applies the
 * embedded migrations one transaction each. Every write is a short
 * transaction on statements prepared once per connection and cached in
 * struct store (store_stmt(), for the whole family), so a writer killed at
 * any moment leaves a consistent db and two writers can share one file.
 */
#include "store_int.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "embed.h"
#include "err.h"

/* How long a statement waits for another writer's lock before failing
 * with "database is locked"; MCBENCH_BUSY_MS overrides it (tests). */
#define STORE_BUSY_MS 10000

/* ISO 8601 UTC, the format of clock_utc_iso8601(). */
#define SQL_NOW "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

enum store_q {
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO,
	Q_MACHINE_INSERT, Q_MACHINE_ID, Q_RUN_INSERT, Q_RUN_FINISH, Q_RUN_NOTE,
	Q_STALE_SELECT, Q_STALE_MARK, Q_DEVICE_INSERT, Q_DEVICE_PEAKS, Q_RESULT_INSERT,
	Q_SAMPLE_INSERT,
	Q_COUNT
};

static const char *const stmt_sql[Q_COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_SAVEPOINT] = "SAVEPOINT store_tx",
	[Q_RELEASE] = "RELEASE store_tx",
	[Q_ROLLBACK_TO] = "ROLLBACK TO store_tx",
	[Q_MACHINE_INSERT] =
		"INSERT OR IGNORE INTO machine (fingerprint, hostname, cpu_model,"
		" cores, threads, mem_bytes, os, kernel)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_MACHINE_ID] = "SELECT id FROM machine WHERE fingerprint = ?1",
	[Q_RUN_INSERT] =
		"INSERT INTO run (uuid, machine_id, started_at, status, pid, argv,"
		" git_commit, git_dirty, compiler, cflags, timer_name,"
		" timer_resolution_ns, timer_overhead_ns, quick, provenance, rounds)"
		" VALUES (?1, ?2, ?3, 'running', ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		" ?11, ?12, ?13, ?14, ?15)",
	[Q_RUN_FINISH] =
		"UPDATE run SET status = ?2, ended_at = " SQL_NOW " WHERE id = ?1",
	[Q_RUN_NOTE] =
		"UPDATE run SET notes = CASE WHEN notes IS NULL OR notes = ''"
		" THEN ?2 ELSE notes || char(10) || ?2 END WHERE id = ?1",
	[Q_STALE_SELECT] =
		"SELECT r.id, r.pid FROM run r JOIN machine m ON m.id = r.machine_id"
		" WHERE r.status = 'running' AND m.hostname = ?1"
		" AND r.pid IS NOT NULL ORDER BY r.id",
	[Q_STALE_MARK] =
		"UPDATE run SET status = 'aborted', ended_at = " SQL_NOW
		" WHERE id = ?1 AND status = 'running'",
	[Q_DEVICE_INSERT] =
		"INSERT INTO device (run_id, backend, kind, name, vendor, version,"
		" driver, compute_units, global_mem, local_mem, peak_gflops,"
		" peak_gbps, info)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[Q_DEVICE_PEAKS] =
		"UPDATE device SET"
		" peak_gflops = CASE WHEN ?3 > coalesce(peak_gflops, 0) THEN ?3 ELSE peak_gflops END,"
		" peak_gbps = CASE WHEN ?4 > coalesce(peak_gbps, 0) THEN ?4 ELSE peak_gbps END"
		" WHERE run_id = ?1 AND backend = ?2",
	[Q_RESULT_INSERT] =
		"INSERT INTO result (run_id, suite, benchmark, kernel, params, backend,"
		" variant, clock, status, message, flops, bytes, iters_per_sample,"
		" n_samples, min_ns, median_ns, mean_ns, stddev_ns, mad_ns,"
		" ci_lo_ns, ci_hi_ns, q1_ns, q3_ns, n_mild, n_severe,"
		" max_abs_err, max_rel_err)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
		" ?26, ?27)",
	[Q_SAMPLE_INSERT] =
		"INSERT INTO sample (result_id, idx, ns) VALUES (?1, ?2, ?3)",
};

int store_fail(const char *path, sqlite3 *db, int rc, const char *what,
	       char *err, size_t n_err)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(err, n_err, MC_EDB, "%s: database is locked", path);
	case SQLITE_NOTADB:
		return err_set(err, n_err, MC_EDB,
			       "%s: not an SQLite database (corrupt?)", path);
	case SQLITE_CORRUPT:
		return err_set(err, n_err, MC_EDB,
			       "%s: database disk image is malformed (corrupt?)", path);
	case SQLITE_NOMEM:
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory (%s)",
			       path, what);
	}
	return err_set(err, n_err, MC_EDB, "%s: %s: %s", path, what,
		       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

int store_stmt(struct store *st, const char *sql, sqlite3_stmt **out,
	       char *err, size_t n_err)
{
	struct store_cached_stmt *c;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < st->n_stmts; i++) {
		if (st->stmts[i].sql == sql) {
			*out = st->stmts[i].stmt;
			sqlite3_reset(*out);
			sqlite3_clear_bindings(*out);
			return 0;
		}
	}
	if (st->n_stmts == st->cap_stmts) {
		size_t ncap = st->cap_stmts ? 2 * st->cap_stmts : 32;

		c = realloc(st->stmts, ncap * sizeof(*c));
		if (!c)
			return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", st->path);
		st->stmts = c;
		st->cap_stmts = ncap;
	}
	c = &st->stmts[st->n_stmts];
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &c->stmt, NULL);
	if (rc != SQLITE_OK) {
		c->stmt = NULL;
		return store_fail(st->path, st->db, rc, "cannot prepare a statement",
				  err, n_err);
	}
	c->sql = sql;
	st->n_stmts++;
	*out = c->stmt;
	return 0;
}

static int stmt_get(struct store *st, enum store_q id, sqlite3_stmt **out,
		    char *err, size_t n_err)
{
	return store_stmt(st, stmt_sql[id], out, err, n_err);
}

/* Makes a cached statement ready for its next use. */
static void stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Steps s to completion (a write); resets it either way. */
static int stmt_run(struct store *st, sqlite3_stmt *s, const char *what,
		    char *err, size_t n_err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		stmt_done(s);
		return 0;
	}
	rc = store_fail(st->path, st->db, rc, what, err, n_err);
	stmt_done(s);
	return rc;
}

static int exec_cached(struct store *st, enum store_q id, const char *what,
		       char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt_get(st, id, &s, err, n_err);

	return rc ? rc : stmt_run(st, s, what, err, n_err);
}

int store_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC)
		    : sqlite3_bind_null(s, i);
}

/* Binds x, or NULL when unknown (NaN, infinite, or !known). */
static int bind_real(sqlite3_stmt *s, int i, double x, int known)
{
	return known && isfinite(x) ? sqlite3_bind_double(s, i, x)
				    : sqlite3_bind_null(s, i);
}

static int bind_int(sqlite3_stmt *s, int i, int64_t x, int known)
{
	return known ? sqlite3_bind_int64(s, i, x) : sqlite3_bind_null(s, i);
}

/* Opens a write transaction, or a savepoint inside the caller's one. */
static int tx_begin(struct store *st, int *out_nested, char *err, size_t n_err)
{
	*out_nested = !sqlite3_get_autocommit(st->db);
	return exec_cached(st, *out_nested ? Q_SAVEPOINT : Q_BEGIN,
			   "cannot begin a transaction", err, n_err);
}

/* Commits when rc is 0, else rolls back; returns the first error. */
static int tx_end(struct store *st, int nested, int rc, char *err, size_t n_err)
{
	char scratch[MC_ERRLEN];

	if (!rc) {
		rc = exec_cached(st, nested ? Q_RELEASE : Q_COMMIT,
				 "cannot commit", err, n_err);
		if (!rc)
			return 0;
	}
	if (nested) {
		exec_cached(st, Q_ROLLBACK_TO, "", scratch, sizeof(scratch));
		exec_cached(st, Q_RELEASE, "", scratch, sizeof(scratch));
	} else if (!sqlite3_get_autocommit(st->db)) {
		exec_cached(st, Q_ROLLBACK, "", scratch, sizeof(scratch));
	}
	return rc;
}

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *path, char *err, size_t n_err)
{
	char *dir = strdup(path);
	int rc = 0;

	if (!dir)
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
			rc = err_set(err, n_err, MC_EIO, "%s: cannot create directory %s: %s",
				     path, dir, strerror(errno));
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

static int read_user_version(struct store *st, int *out, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = store_fail(st->path, st->db, rc, "cannot read the schema version",
			     err, n_err);
		sqlite3_finalize(s);
		return rc;
	}
	*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/* Runs one fixed statement of this file, ignoring any rows. */
static int exec_sql(struct store *st, const char *sql, const char *what,
		    char *err, size_t n_err)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_fail(st->path, st->db, rc, what, err, n_err);
}

static int count_schema_objects(struct store *st, int *out, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_schema",
				    -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = store_fail(st->path, st->db, rc, "cannot read the schema", err, n_err);
		sqlite3_finalize(s);
		return rc;
	}
	*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/* Applies migration number version (1-based), unless a concurrent opener
 * already did: the version is re-read under the write lock. */
static int apply_migration(struct store *st, int version, char *err, size_t n_err)
{
	const struct embed_file *m = &migrations[version - 1];
	char bump[64], scratch[MC_ERRLEN];
	int rc, cur = 0, n_objects = 0;

	rc = exec_sql(st, "BEGIN IMMEDIATE", "cannot begin a migration", err, n_err);
	if (rc)
		return rc;
	rc = read_user_version(st, &cur, err, n_err);
	if (!rc && cur == 0 && version == 1)
		rc = count_schema_objects(st, &n_objects, err, n_err);
	if (!rc && n_objects > 0)
		rc = err_set(err, n_err, MC_EDB,
			     "%s: an SQLite database but not an mcbench store "
			     "(it has tables and no schema version)", st->path);
	if (!rc && cur < version) {
		if (sqlite3_exec(st->db, m->text, NULL, NULL, NULL) != SQLITE_OK) {
			rc = err_set(err, n_err, MC_EDB, "%s: migration %s failed: %s",
				     st->path, m->name, sqlite3_errmsg(st->db));
		} else {
			/* PRAGMA takes no parameters; version is our own integer. */
			snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", version);
			rc = exec_sql(st, bump, "cannot set the schema version", err, n_err);
		}
	}
	if (!rc)
		rc = exec_sql(st, "COMMIT", "cannot commit a migration", err, n_err);
	if (rc && !sqlite3_get_autocommit(st->db))
		exec_sql(st, "ROLLBACK", "", scratch, sizeof(scratch));
	return rc;
}

static int check_migration_table(char *err, size_t n_err)
{
	for (size_t i = 0; i < migrations_count; i++) {
		const char *name = migrations[i].name;
		char *end = NULL;
		long num = strtol(name, &end, 10);

		if (end != name + 4 || num != (long)i + 1)
			return err_set(err, n_err, MC_EDB,
				       "store: embedded migration %s is out of sequence "
				       "(expected number %04zu)", name, i + 1);
	}
	return 0;
}

static int migrate(struct store *st, enum store_mode mode, char *err, size_t n_err)
{
	int ver = 0, n_objects = 0, rc, latest = store_schema_version();

	rc = read_user_version(st, &ver, err, n_err);
	if (rc)
		return rc;
	if (ver > latest)
		return err_set(err, n_err, MC_EDB,
			       "%s: schema version %d is newer than this mcbench "
			       "understands (%d); use a newer mcbench", st->path, ver,
			       latest);
	if (mode == STORE_READ && ver == 0) {
		rc = count_schema_objects(st, &n_objects, err, n_err);
		if (rc)
			return rc;
		return err_set(err, n_err, MC_EDB, n_objects ?
			       "%s: an SQLite database but not an mcbench store" :
			       "%s: an empty database, not an mcbench store", st->path);
	}
	if (mode == STORE_READ && ver < latest)
		return err_set(err, n_err, MC_EDB,
			       "%s: schema version %d is older than this mcbench (%d); "
			       "any writing command (e.g. mcbench import) upgrades it",
			       st->path, ver, latest);
	for (int v = ver + 1; v <= latest && !rc; v++)
		rc = apply_migration(st, v, err, n_err);
	return rc;
}

static int busy_ms(void)
{
	const char *env = getenv("MCBENCH_BUSY_MS");
	char *end = NULL;
	long ms;

	if (!env || !*env)
		return STORE_BUSY_MS;
	ms = strtol(env, &end, 10);
	return *end == '\0' && ms >= 0 && ms <= 3600000 ? (int)ms : STORE_BUSY_MS;
}

int store_schema_version(void)
{
	return (int)migrations_count;
}

int store_open(const char *path, enum store_mode mode, struct store **out,
	       char *err, size_t n_err)
{
	struct store *st = NULL;
	struct stat sb;
	int rc, flags = SQLITE_OPEN_READWRITE;

	*out = NULL;
	if (!path || !*path)
		return err_set(err, n_err, MC_EINVAL, "store: empty database path");
	rc = check_migration_table(err, n_err);
	if (rc)
		return rc;
	if (mode == STORE_WRITE) {
		rc = make_parent_dirs(path, err, n_err);
		if (rc)
			return rc;
		flags |= SQLITE_OPEN_CREATE;
	} else if (stat(path, &sb) != 0) {
		return err_set(err, n_err, MC_EIO, "%s: cannot open database: %s",
			       path, strerror(errno));
	}
	st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	}
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(path, st->db, rc, "cannot open database", err, n_err);
		goto out;
	}
	sqlite3_busy_timeout(st->db, busy_ms());
	/* The first statement reads the header: a file that is not a database
	 * is refused here, before anything could write to it. */
	rc = read_user_version(st, &(int){ 0 }, err, n_err);
	if (!rc && mode == STORE_WRITE)
		rc = exec_sql(st, "PRAGMA journal_mode = WAL", "cannot enable WAL",
			      err, n_err);
	if (!rc)
		rc = exec_sql(st, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
			      "cannot configure the connection", err, n_err);
	if (!rc)
		rc = migrate(st, mode, err, n_err);
out:
	if (rc) {
		store_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_stmts; i++)
		sqlite3_finalize(st->stmts[i].stmt);
	free(st->stmts);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

sqlite3 *store_db(struct store *st)
{
	return st->db;
}

const char *store_path(const struct store *st)
{
	return st->path;
}

static int machine_id(struct store *st, const struct store_machine *m,
		      int64_t *out_id, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc, brc = 0;

	rc = stmt_get(st, Q_MACHINE_INSERT, &s, err, n_err);
	if (rc)
		return rc;
	brc |= store_bind_text(s, 1, m->fingerprint);
	brc |= store_bind_text(s, 2, m->hostname);
	brc |= store_bind_text(s, 3, m->cpu_model);
	brc |= sqlite3_bind_int64(s, 4, m->cores);
	brc |= sqlite3_bind_int64(s, 5, m->threads);
	brc |= sqlite3_bind_int64(s, 6, m->mem_bytes);
	brc |= store_bind_text(s, 7, m->os);
	brc |= store_bind_text(s, 8, m->kernel);
	if (brc) {
		stmt_done(s);
		return store_fail(st->path, st->db, brc, "cannot bind the machine", err, n_err);
	}
	rc = stmt_run(st, s, "cannot record the machine", err, n_err);
	if (rc)
		return rc;
	rc = stmt_get(st, Q_MACHINE_ID, &s, err, n_err);
	if (rc)
		return rc;
	store_bind_text(s, 1, m->fingerprint);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out_id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = store_fail(st->path, st->db, rc, "cannot find the machine", err, n_err);
	}
	stmt_done(s);
	return rc;
}

int store_run_begin(struct store *st, const struct store_run *run,
		    int64_t *out_run_id, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int64_t mid = 0;
	int rc, nested, brc = 0;
	char what[160];

	snprintf(what, sizeof(what), "cannot begin run %s",
		 run->uuid ? run->uuid : "(no uuid)");
	rc = tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	rc = machine_id(st, &run->machine, &mid, err, n_err);
	if (!rc)
		rc = stmt_get(st, Q_RUN_INSERT, &s, err, n_err);
	if (!rc) {
		brc |= store_bind_text(s, 1, run->uuid);
		brc |= sqlite3_bind_int64(s, 2, mid);
		brc |= store_bind_text(s, 3, run->started_at);
		brc |= sqlite3_bind_int64(s, 4, (int64_t)getpid());
		brc |= store_bind_text(s, 5, run->argv);
		brc |= store_bind_text(s, 6, run->git_commit);
		brc |= bind_int(s, 7, run->git_dirty, run->git_dirty >= 0);
		brc |= store_bind_text(s, 8, run->compiler);
		brc |= store_bind_text(s, 9, run->cflags);
		brc |= store_bind_text(s, 10, run->timer_name);
		brc |= sqlite3_bind_double(s, 11, run->timer_resolution_ns);
		brc |= sqlite3_bind_double(s, 12, run->timer_overhead_ns);
		brc |= sqlite3_bind_int(s, 13, run->quick ? 1 : 0);
		brc |= store_bind_text(s, 14, run->provenance);
		brc |= sqlite3_bind_int(s, 15, run->rounds > 1 ? run->rounds : 1);
		if (brc) {
			stmt_done(s);
			rc = store_fail(st->path, st->db, brc, what, err, n_err);
		} else {
			rc = stmt_run(st, s, what, err, n_err);
		}
	}
	if (!rc)
		*out_run_id = sqlite3_last_insert_rowid(st->db);
	return tx_end(st, nested, rc, err, n_err);
}

/* Runs a cached "UPDATE run ... WHERE id = ?1" with text ?2; a missing
 * run is an error. */
static int update_run(struct store *st, enum store_q id, int64_t run_id,
		      const char *text, const char *what, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt_get(st, id, &s, err, n_err);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_id);
	store_bind_text(s, 2, text);
	rc = stmt_run(st, s, what, err, n_err);
	if (!rc && sqlite3_changes(st->db) == 0)
		rc = err_set(err, n_err, MC_EINVAL, "%s: %s: no run with id %lld",
			     st->path, what, (long long)run_id);
	return rc;
}

int store_run_finish(struct store *st, int64_t run_id, const char *status,
		     char *err, size_t n_err)
{
	if (!status || (strcmp(status, "complete") && strcmp(status, "aborted") &&
			strcmp(status, "failed")))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: cannot finish run %lld: status '%s' is not one of "
			       "complete, aborted, failed", st->path, (long long)run_id,
			       status ? status : "(null)");
	return update_run(st, Q_RUN_FINISH, run_id, status, "cannot finish the run",
			  err, n_err);
}

int store_run_note(struct store *st, int64_t run_id, const char *note,
		   char *err, size_t n_err)
{
	if (!note)
		return err_set(err, n_err, MC_EINVAL, "%s: empty note for run %lld",
			       st->path, (long long)run_id);
	return update_run(st, Q_RUN_NOTE, run_id, note, "cannot add a note to the run",
			  err, n_err);
}

/* A pid is dead only when kill() says there is no such process; EPERM means
 * another user's live process. */
static int pid_dead(int64_t pid)
{
	if (pid <= 0 || pid > (int64_t)0x7fffffff)
		return 0;
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int store_reap_stale(struct store *st, const char *hostname, int *out_n,
		     char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int64_t *dead = NULL;
	size_t n_dead = 0, cap = 0;
	int rc, nested, step;

	*out_n = 0;
	rc = tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	rc = stmt_get(st, Q_STALE_SELECT, &s, err, n_err);
	if (rc)
		goto out;
	store_bind_text(s, 1, hostname ? hostname : "");
	/* Collect first: updating rows of the table being scanned is undefined. */
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (!pid_dead(sqlite3_column_int64(s, 1)))
			continue;
		if (n_dead == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			int64_t *p = realloc(dead, ncap * sizeof(*p));

			if (!p) {
				rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", st->path);
				break;
			}
			dead = p;
			cap = ncap;
		}
		dead[n_dead++] = sqlite3_column_int64(s, 0);
	}
	if (!rc && step != SQLITE_DONE)
		rc = store_fail(st->path, st->db, step, "cannot look for stale runs", err, n_err);
	stmt_done(s);
	if (!rc)
		rc = stmt_get(st, Q_STALE_MARK, &s, err, n_err);
	for (size_t i = 0; !rc && i < n_dead; i++) {
		sqlite3_bind_int64(s, 1, dead[i]);
		rc = stmt_run(st, s, "cannot mark a stale run aborted", err, n_err);
		if (!rc)
			*out_n += sqlite3_changes(st->db);
	}
out:
	free(dead);
	rc = tx_end(st, nested, rc, err, n_err);
	if (rc)
		*out_n = 0;
	return rc;
}

int store_device_add(struct store *st, int64_t run_id,
		     const struct store_device *dev, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	char what[160];
	int rc, brc = 0;

	snprintf(what, sizeof(what), "cannot record device %s of run %lld",
		 dev->backend ? dev->backend : "(null)", (long long)run_id);
	rc = stmt_get(st, Q_DEVICE_INSERT, &s, err, n_err);
	if (rc)
		return rc;
	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, dev->backend);
	brc |= store_bind_text(s, 3, dev->kind);
	brc |= store_bind_text(s, 4, dev->name);
	brc |= store_bind_text(s, 5, dev->vendor);
	brc |= store_bind_text(s, 6, dev->version);
	brc |= store_bind_text(s, 7, dev->driver);
	brc |= bind_int(s, 8, dev->compute_units, dev->compute_units >= 0);
	brc |= bind_int(s, 9, dev->global_mem, dev->global_mem >= 0);
	brc |= bind_int(s, 10, dev->local_mem, dev->local_mem >= 0);
	brc |= bind_real(s, 11, dev->peak_gflops, dev->peak_gflops > 0);
	brc |= bind_real(s, 12, dev->peak_gbps, dev->peak_gbps > 0);
	brc |= store_bind_text(s, 13, dev->info);
	if (brc) {
		stmt_done(s);
		return store_fail(st->path, st->db, brc, what, err, n_err);
	}
	return stmt_run(st, s, what, err, n_err);
}

int store_device_raise_peaks(struct store *st, int64_t run_id, const char *backend,
			     double gflops, double gbps, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	char what[160];
	int rc, brc = 0;

	snprintf(what, sizeof(what), "cannot update the peaks of device %s of run %lld",
		 backend, (long long)run_id);
	rc = stmt_get(st, Q_DEVICE_PEAKS, &s, err, n_err);
	if (rc)
		return rc;
	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, backend);
	brc |= sqlite3_bind_double(s, 3, gflops);
	brc |= sqlite3_bind_double(s, 4, gbps);
	if (brc) {
		stmt_done(s);
		return store_fail(st->path, st->db, brc, what, err, n_err);
	}
	return stmt_run(st, s, what, err, n_err);
}

static int bind_result(sqlite3_stmt *s, int64_t run_id,
		       const struct store_result *r, size_t n_samples)
{
	const struct stats_summary *x = &r->stats;
	int have = n_samples > 0, brc = 0;

	brc |= sqlite3_bind_int64(s, 1, run_id);
	brc |= store_bind_text(s, 2, r->suite);
	brc |= store_bind_text(s, 3, r->benchmark);
	brc |= store_bind_text(s, 4, r->kernel);
	brc |= store_bind_text(s, 5, r->params);
	brc |= store_bind_text(s, 6, r->backend);
	brc |= store_bind_text(s, 7, r->variant ? r->variant : "");
	brc |= store_bind_text(s, 8, r->clock);
	brc |= store_bind_text(s, 9, r->status);
	brc |= store_bind_text(s, 10, r->message);
	brc |= bind_real(s, 11, r->flops, 1);
	brc |= bind_real(s, 12, r->bytes, 1);
	brc |= bind_int(s, 13, r->iters_per_sample, r->iters_per_sample >= 0);
	brc |= sqlite3_bind_int64(s, 14, (int64_t)n_samples);
	brc |= bind_real(s, 15, x->min, have);
	brc |= bind_real(s, 16, x->median, have);
	brc |= bind_real(s, 17, x->mean, have);
	brc |= bind_real(s, 18, x->stddev, have);
	brc |= bind_real(s, 19, x->mad, have);
	brc |= bind_real(s, 20, x->ci_lo, have);
	brc |= bind_real(s, 21, x->ci_hi, have);
	brc |= bind_real(s, 22, x->q1, have);
	brc |= bind_real(s, 23, x->q3, have);
	brc |= bind_int(s, 24, (int64_t)x->n_mild, have);
	brc |= bind_int(s, 25, (int64_t)x->n_severe, have);
	brc |= bind_real(s, 26, r->max_abs_err, 1);
	brc |= bind_real(s, 27, r->max_rel_err, 1);
	return brc;
}

int store_result_add(struct store *st, int64_t run_id,
		     const struct store_result *res, const double *samples,
		     size_t n_samples, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int64_t result_id;
	char what[256];
	int rc, nested, brc;

	snprintf(what, sizeof(what), "cannot record result %s/%s on %s of run %lld",
		 res->suite ? res->suite : "(null)",
		 res->benchmark ? res->benchmark : "(null)",
		 res->backend ? res->backend : "(null)", (long long)run_id);
	if (n_samples > 0 && !samples)
		return err_set(err, n_err, MC_EINVAL, "%s: %s: no samples given",
			       st->path, what);
	for (size_t i = 0; i < n_samples; i++)
		if (!isfinite(samples[i]))
			return err_set(err, n_err, MC_EINVAL,
				       "%s: %s: sample %zu is not finite", st->path,
				       what, i);
	rc = tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	rc = stmt_get(st, Q_RESULT_INSERT, &s, err, n_err);
	if (!rc) {
		brc = bind_result(s, run_id, res, n_samples);
		if (brc) {
			stmt_done(s);
			rc = store_fail(st->path, st->db, brc, what, err, n_err);
		} else {
			rc = stmt_run(st, s, what, err, n_err);
		}
	}
	result_id = sqlite3_last_insert_rowid(st->db);
	if (!rc && n_samples > 0)
		rc = stmt_get(st, Q_SAMPLE_INSERT, &s, err, n_err);
	for (size_t i = 0; !rc && i < n_samples; i++) {
		sqlite3_bind_int64(s, 1, result_id);
		sqlite3_bind_int64(s, 2, (int64_t)i);
		sqlite3_bind_double(s, 3, samples[i]);
		rc = stmt_run(st, s, what, err, n_err);
	}
	return tx_end(st, nested, rc, err, n_err);
}

int store_transaction(struct store *st, int (*fn)(struct store *, void *),
		      void *arg, char *err, size_t n_err)
{
	int rc, nested;

	rc = tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	if (err && n_err)
		err[0] = '\0';
	rc = fn(st, arg);
	if (rc && err && n_err && !err[0])
		err_set(err, n_err, rc, "%s: transaction rolled back: %s", st->path,
			err_name(rc));
	return tx_end(st, nested, rc, err, n_err);
}
