/*
 * store.c - the SQLite record of runs (see store.h, db/migrations/).
 *
 * Opening sets WAL, a busy timeout and foreign keys, then applies the
 * embedded migrations one transaction each. Statements are prepared once
 * per connection and cached in struct store (store_stmt(), for the whole
 * family); the transaction helpers here keep every write short, so a writer
 * killed at any moment leaves a consistent db and two writers can share one
 * file. The writes themselves are in store_write.c.
 */
#include "store_int.h"

#include <errno.h>
#include <math.h>
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

enum store_q {
	Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_RELEASE, Q_ROLLBACK_TO,
	Q_COUNT
};

static const char *const stmt_sql[Q_COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_SAVEPOINT] = "SAVEPOINT store_tx",
	[Q_RELEASE] = "RELEASE store_tx",
	[Q_ROLLBACK_TO] = "ROLLBACK TO store_tx",
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

void store_stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int store_stmt_run(struct store *st, sqlite3_stmt *s, const char *what,
		   char *err, size_t n_err)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		store_stmt_done(s);
		return 0;
	}
	rc = store_fail(st->path, st->db, rc, what, err, n_err);
	store_stmt_done(s);
	return rc;
}

int store_stmt_write(struct store *st, sqlite3_stmt *s, int bind_rc,
		     const char *what, char *err, size_t n_err)
{
	if (bind_rc) {
		store_stmt_done(s);
		return store_fail(st->path, st->db, bind_rc, what, err, n_err);
	}
	return store_stmt_run(st, s, what, err, n_err);
}

static int exec_cached(struct store *st, enum store_q id, const char *what,
		       char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = stmt_get(st, id, &s, err, n_err);

	return rc ? rc : store_stmt_run(st, s, what, err, n_err);
}

int store_bind_text(sqlite3_stmt *s, int i, const char *text)
{
	return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_STATIC)
		    : sqlite3_bind_null(s, i);
}

int store_bind_real(sqlite3_stmt *s, int i, double x, int known)
{
	return known && isfinite(x) ? sqlite3_bind_double(s, i, x)
				    : sqlite3_bind_null(s, i);
}

int store_bind_int(sqlite3_stmt *s, int i, int64_t x, int known)
{
	return known ? sqlite3_bind_int64(s, i, x) : sqlite3_bind_null(s, i);
}

int store_tx_begin(struct store *st, int *out_nested, char *err, size_t n_err)
{
	*out_nested = !sqlite3_get_autocommit(st->db);
	return exec_cached(st, *out_nested ? Q_SAVEPOINT : Q_BEGIN,
			   "cannot begin a transaction", err, n_err);
}

int store_tx_end(struct store *st, int nested, int rc, char *err, size_t n_err)
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

double store_col_real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

int64_t store_col_int(sqlite3_stmt *s, int i, int64_t dflt)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(s, i);
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

/* Reads the schema version and the number of schema objects in one
 * statement, so from one snapshot. Read by two statements, a concurrent
 * writer's first migration can commit between them: version 0 and some
 * tables, which reads as another program's database (CI saw it refuse the
 * store a concurrent run had just created). */
static int read_schema_state(struct store *st, int *version, int *n_objects,
			     char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "SELECT user_version, "
				    "(SELECT count(*) FROM sqlite_schema) "
				    "FROM pragma_user_version", -1, &s, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		rc = store_fail(st->path, st->db, rc, "cannot read the schema", err, n_err);
		sqlite3_finalize(s);
		return rc;
	}
	*version = sqlite3_column_int(s, 0);
	*n_objects = sqlite3_column_int(s, 1);
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
	rc = read_schema_state(st, &cur, &n_objects, err, n_err);
	if (!rc && cur == 0 && version == 1 && n_objects > 0)
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

	rc = read_schema_state(st, &ver, &n_objects, err, n_err);
	if (rc)
		return rc;
	if (ver > latest)
		return err_set(err, n_err, MC_EDB,
			       "%s: schema version %d is newer than this mcbench "
			       "understands (%d); use a newer mcbench", st->path, ver,
			       latest);
	if (mode == STORE_READ && ver == 0)
		return err_set(err, n_err, MC_EDB, n_objects ?
			       "%s: an SQLite database but not an mcbench store" :
			       "%s: an empty database, not an mcbench store", st->path);
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

/* Switches st to WAL. Two writers opening one new file at once both ask
 * for the switch, and SQLite answers SQLITE_BUSY at once, without calling
 * the busy handler, to the one that finds the other holding the file's
 * shared lock (CI saw "database is locked" from two concurrent runs). So
 * the switch is retried here for as long as the busy timeout allows. */
static int enable_wal(struct store *st, char *err, size_t n_err)
{
	int waited_ms = 0, limit_ms = busy_ms(), rc;

	for (;;) {
		rc = sqlite3_exec(st->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= limit_ms)
			break;
		waited_ms += sqlite3_sleep(5 + waited_ms % 7);
	}
	return rc == SQLITE_OK ? 0 :
	       store_fail(st->path, st->db, rc, "cannot enable WAL", err, n_err);
}

int store_schema_version(void)
{
	return (int)migrations_count;
}

/* Refuses, before anything is written, a db that another program owns (an
 * SQLite file with tables and no schema version) or one from a newer
 * mcbench; a fresh or older store of ours passes. */
static int check_ours(struct store *st, char *err, size_t n_err)
{
	int ver = 0, n_objects = 0, rc = read_schema_state(st, &ver, &n_objects, err, n_err);

	if (!rc && ver == 0 && n_objects > 0)
		return err_set(err, n_err, MC_EDB,
			       "%s: an SQLite database but not an mcbench store "
			       "(it has tables and no schema version); left as it was",
			       st->path);
	if (!rc && ver > store_schema_version())
		return err_set(err, n_err, MC_EDB,
			       "%s: schema version %d is newer than this mcbench "
			       "understands (%d); use a newer mcbench", st->path, ver,
			       store_schema_version());
	return rc;
}

/* "file:PATH?immutable=1" with PATH percent-escaped where a URI needs it;
 * NULL when out of memory. Free with sqlite3_free. */
static char *immutable_uri(const char *path)
{
	sqlite3_str *s = sqlite3_str_new(NULL);
	char *uri;

	sqlite3_str_appendall(s, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p > 0x7e)
			sqlite3_str_appendf(s, "%%%02X", *p);
		else
			sqlite3_str_appendchar(s, 1, (char)*p);
	}
	sqlite3_str_appendall(s, "?immutable=1");
	uri = sqlite3_str_finish(s);
	return uri;
}

/* Whether the directory holding path is writable (where SQLite would
 * create the -wal and -shm files). */
static int dir_writable(const char *path)
{
	char *dir = strdup(path), *slash;
	int ok;

	if (!dir)
		return 0;
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';  /* "/x" keeps "/" */
	ok = access(slash ? dir : ".", W_OK) == 0;
	free(dir);
	return ok;
}

/* Opens st->db and reads the schema version once, so that a file that is
 * no database fails here. A reader opens read-only and writes nothing: no
 * WAL switch, no migration. A WAL db on read-only media (a read-only
 * directory, where SQLite can create no -shm) cannot be opened that way;
 * the reader then opens it immutable, which is sound there, as no writer
 * of ours can change a file it cannot write either. */
static int open_db(struct store *st, const char *path, enum store_mode mode,
		   int flags, char *err, size_t n_err)
{
	char *uri = NULL;
	int rc = sqlite3_open_v2(path, &st->db, flags, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(st->db, busy_ms());
		rc = read_user_version(st, &(int){ 0 }, err, n_err);
		if (!rc || mode == STORE_WRITE)
			return rc;
		if (access(path, W_OK) == 0 && dir_writable(path))
			return rc;  /* writable media: the first error stands */
	} else if (mode == STORE_WRITE) {
		return store_fail(path, st->db, rc, "cannot open database", err, n_err);
	}
	sqlite3_close(st->db);
	st->db = NULL;
	if (!(uri = immutable_uri(path)))
		return err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
	rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	sqlite3_free(uri);
	if (rc != SQLITE_OK)
		return store_fail(path, st->db, rc, "cannot open database", err, n_err);
	sqlite3_busy_timeout(st->db, busy_ms());
	return read_user_version(st, &(int){ 0 }, err, n_err);
}

int store_open(const char *path, enum store_mode mode, struct store **out,
	       char *err, size_t n_err)
{
	struct store *st = NULL;
	struct stat sb;
	int rc, flags = mode == STORE_WRITE ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;

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
	rc = open_db(st, path, mode, flags, err, n_err);
	if (rc)
		goto out;
	/* The first statements read the header and the schema: a file that is
	 * not a database, or not ours, or from a newer mcbench is refused here,
	 * before the switch to WAL (which rewrites the header) or a migration
	 * could write to it. */
	if (mode == STORE_WRITE)
		rc = check_ours(st, err, n_err);
	if (!rc && mode == STORE_WRITE)
		rc = enable_wal(st, err, n_err);
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

int store_transaction(struct store *st, int (*fn)(struct store *, void *),
		      void *arg, char *err, size_t n_err)
{
	int rc, nested;

	rc = store_tx_begin(st, &nested, err, n_err);
	if (rc)
		return rc;
	if (err && n_err)
		err[0] = '\0';
	rc = fn(st, arg);
	if (rc && err && n_err && !err[0])
		err_set(err, n_err, rc, "%s: transaction rolled back: %s", st->path,
			err_name(rc));
	return store_tx_end(st, nested, rc, err, n_err);
}
