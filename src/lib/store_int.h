/*
 * store_int.h - internals shared by the files of the store family
 * (store.c: open, migrations, statements, transactions; store_write.c:
 * what a run writes; store_run.c: the run resolver;
 * store_report.c: what reports read; store_export.c / store_import.c:
 * runs as JSON and back). Not for use outside src/lib/store*.c, except by
 * white-box unit tests that check the rows themselves.
 *
 * All SQL of the project lives in these files. Each statement is prepared
 * once per connection through store_stmt() and finalised by store_close().
 */
#ifndef MC_STORE_INT_H
#define MC_STORE_INT_H
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "store.h"

struct cJSON;

/* One cached statement: sql is the key, compared by address. */
struct store_cached_stmt {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3 *db;
	char *path;
	struct store_cached_stmt *stmts;   /* unordered; a few dozen at most */
	size_t n_stmts, cap_stmts;
};

/* The underlying connection. Owned by st; valid until store_close(). For
 * the family (and, until history.c joins it, its queries); other code goes
 * through the store_* functions. */
sqlite3 *store_db(struct store *st);

/* The statement for sql on st's connection, prepared (persistent) on first
 * use and cached until store_close(), which finalises it: callers never
 * finalise it. sql must have static storage duration (a string literal or
 * a static const array): its address is the cache key, so the same text at
 * two addresses is two statements. *out is returned reset with its
 * bindings cleared, ready to bind and step; reset it (sqlite3_reset) once
 * its rows are read so that it holds no read snapshot. A statement is not
 * re-entrant: do not ask for the same sql while stepping it. Errors: MC_EDB
 * (or MC_ENOMEM) naming st's path, e.g. for a db of another schema. */
int store_stmt(struct store *st, const char *sql, sqlite3_stmt **out,
	       char *err, size_t n_err);

/* Turns SQLite result code rc into the library's error sentence on err:
 * "PATH: database is locked", "PATH: not an SQLite database (corrupt?)",
 * else "PATH: WHAT: sqlite message". Returns MC_EDB, or MC_ENOMEM for
 * SQLITE_NOMEM. db may be NULL (the message then comes from rc). */
int store_fail(const char *path, sqlite3 *db, int rc, const char *what,
	       char *err, size_t n_err);

/* Binds text, or NULL when text is NULL. The text must outlive the step
 * (SQLITE_STATIC). Returns the sqlite3_bind_* code. */
int store_bind_text(sqlite3_stmt *s, int i, const char *text);

/* Binds x, or NULL when unknown (NaN, infinite, or !known). Returns the
 * sqlite3_bind_* code. */
int store_bind_real(sqlite3_stmt *s, int i, double x, int known);

/* Binds x, or NULL when !known. Returns the sqlite3_bind_* code. */
int store_bind_int(sqlite3_stmt *s, int i, int64_t x, int known);

/* Makes a cached statement ready for its next use (reset, bindings
 * cleared). */
void store_stmt_done(sqlite3_stmt *s);

/* Steps s to completion (a write) and resets it either way. Errors: as
 * store_fail(), with what. */
int store_stmt_run(struct store *st, sqlite3_stmt *s, const char *what,
		   char *err, size_t n_err);

/* store_stmt_run() when bind_rc (the OR of the sqlite3_bind_* codes) is 0;
 * otherwise resets s and fails with bind_rc, so a bind error is reported
 * as the write that could not happen. */
int store_stmt_write(struct store *st, sqlite3_stmt *s, int bind_rc,
		     const char *what, char *err, size_t n_err);

/* Opens a write transaction, or a savepoint inside the caller's one;
 * *out_nested says which, for store_tx_end(). */
int store_tx_begin(struct store *st, int *out_nested, char *err, size_t n_err);

/* Commits when rc is 0, else rolls back (to the savepoint when nested);
 * returns the first error, rc when nonzero. */
int store_tx_end(struct store *st, int nested, int rc, char *err, size_t n_err);

/* Reading columns: NULL as NaN, or as dflt. */
double store_col_real(sqlite3_stmt *s, int i);
int64_t store_col_int(sqlite3_stmt *s, int i, int64_t dflt);

/* ------------------------------------------------------------------------
 * The report reader (store_report.h), shared by store_report.c (the handle,
 * machines, catalogs and run selection) and store_report_results.c (the
 * results, devices and history of a run).
 */

/* The reader's statements, all prepared by store_report_open(). */
enum store_report_q {
	RQ_MACHINES, RQ_DEFAULT_MACHINE, RQ_NEXT_SUITE, RQ_NEXT_BACKEND, RQ_HAS_BENCH,
	RQ_PICK, RQ_PIN_HAS, RQ_RUN, RQ_RUN_COUNTS, RQ_HAS_COMMIT,
	RQ_RESULTS, RQ_REJECTED, RQ_DEVICE, RQ_DEVICES, RQ_HISTORY, RQ_VARIANTS,
	RQ_SAMPLES, RQ_RECENT_RUNS,
	RQ_COUNT
};

/* Result columns, in the order store_report_results.c reads them. */
#define STORE_RESULT_COLS "id, run_id, suite, benchmark, kernel, params, backend, " \
	"variant, clock, status, message, flops, bytes, iters_per_sample, n_samples, " \
	"min_ns, median_ns, mean_ns, stddev_ns, ci_lo_ns, ci_hi_ns, mad_ns, q1_ns, " \
	"q3_ns, n_mild, n_severe, max_abs_err, max_rel_err, n_steal_flagged, " \
	"peak_rss_bytes, base_rss_bytes, device_bytes, min_cosine, rounds"

struct store_report_chunk {
	struct store_report_chunk *next;
	size_t used, size;
	max_align_t data[];
};

struct store_report_pick {
	int64_t machine_id, pin_run, run_id;
	const char *suite, *backend, *commit;   /* arena copies */
};

struct store_report {
	struct store *st;
	sqlite3_stmt *q[RQ_COUNT];        /* owned by st's statement cache */
	struct store_report_chunk *arena;
	/* Runs by id: open addressing, power-of-two size. */
	struct store_run **runs;
	size_t n_runs, cap_runs;
	struct store_machine *machines;
	size_t n_machines;
	int machines_loaded;
	const char **suites, **backends;   /* NULL until listed */
	struct store_report_pick *picks;
	size_t n_picks, cap_picks;
	struct store_report_devs {
		int64_t run_id;
		const struct store_device *devs;
		size_t n;
	} *devcache;
	size_t n_devcache;
};

/* n bytes from rp's arena, freed by store_report_close(); NULL when out of
 * memory. */
void *store_report_alloc(struct store_report *rp, size_t n);

/* s copied into the arena (NULL stays NULL); sets *oom on failure. */
const char *store_report_strdup(struct store_report *rp, const char *s, int *oom);

/* Text column i as an arena string (NULL stays NULL); sets *oom on failure. */
const char *store_report_col_str(struct store_report *rp, sqlite3_stmt *st, int i,
				 int *oom);

/* MC_EDB with "cannot read WHAT from the db: <sqlite message>." */
int store_report_db_error(struct store_report *rp, const char *what, char *err,
			  size_t n_err);

/* MC_ENOMEM with the reader's out-of-memory sentence. */
int store_report_oom(char *err, size_t n_err);

/* Statement q, reset with no bindings. Text is bound with store_bind_text
 * (SQLITE_STATIC): safe, since every statement is reset before the caller's
 * strings go away. */
sqlite3_stmt *store_report_stmt(struct store_report *rp, enum store_report_q q);

/* Exact JSON numbers, shared by export and import (store_export.c). */

/* x as a cJSON raw item holding the shortest decimal text that reads back
 * to x; null for NaN or an infinity. NULL when out of memory. Caller owns
 * the item (cJSON_Delete, or add it to a tree). */
struct cJSON *store_json_double(double x);

/* Replaces every number under node, recursively, by its exact raw text.
 * Returns 0 or MC_ENOMEM. */
int store_json_rawify(struct cJSON *node);

/* The value of a number item, as built by the parser or by
 * store_json_double(): 1 with *out set, 0 when v is not a number. */
int store_json_number(const struct cJSON *v, double *out);

#endif
