/*
 * fuzz_foreign.h - what the libFuzzer targets of the other tools' importers
 * (fuzz_import_<format>.c, import_<format>.c) share: import one input file
 * with a given format into a fresh in-memory store and check the
 * properties every importer owes:
 *   - a refusal is one line naming the file, and leaves the store empty;
 *   - an accepted file is one complete run with at least one result, and
 *     importing it again is recognised (skipped, still one run);
 *   - an accepted file's run round-trips through mcbench's own export:
 *     export, import that into another store, export again, same bytes;
 *   - detection, when it names a format, names this one or refuses.
 */
#ifndef MC_FUZZ_FOREIGN_H
#define MC_FUZZ_FOREIGN_H
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "fuzz_util.h"
#include "import.h"
#include "store.h"
#include "store_export.h"
#include "store_import.h"
#include "store_int.h"

static inline int fuzz_count(struct store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* The store of this process, emptied between inputs: opening one (and
 * applying the migrations) per input would cost most of the time. */
static inline struct store *fuzz_store(void)
{
	static struct store *st;
	char err[MC_ERRLEN];

	if (!st && store_open(":memory:", STORE_WRITE, &st, err, sizeof(err)))
		fuzz_die("%s", err);
	if (sqlite3_exec(store_db(st), "DELETE FROM run; DELETE FROM machine;", NULL, NULL,
			 NULL) != SQLITE_OK || fuzz_count(st, "SELECT count(*) FROM result") != 0)
		fuzz_die("cannot empty the store");
	return st;
}

static inline char *fuzz_export(struct store *st)
{
	cJSON *doc = NULL;
	char err[MC_ERRLEN], *text;

	if (store_export_runs(st, "all", STORE_EXPORT_INCOMPLETE, &doc, err, sizeof(err)))
		fuzz_die("export of an imported store failed: %s", err);
	text = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (!text)
		fuzz_die("out of memory printing an export");
	return text;
}

/* Export, import into another store, export: the same bytes. */
static inline void fuzz_round_trip(struct store *st)
{
	struct store *b = NULL;
	char err[MC_ERRLEN], *t1 = fuzz_export(st), *t2;
	int imported = 0, skipped = 0;
	cJSON *doc = cJSON_Parse(t1);

	if (!doc)
		fuzz_die("an export does not parse");
	if (store_open(":memory:", STORE_WRITE, &b, err, sizeof(err)))
		fuzz_die("%s", err);
	if (store_import(b, doc, "round-trip", &imported, &skipped, err, sizeof(err)))
		fuzz_die("the export of an accepted import is refused: %s", err);
	cJSON_Delete(doc);
	t2 = fuzz_export(b);
	if (strcmp(t1, t2))
		fuzz_die("export -> import -> export changed the bytes");
	cJSON_free(t1);
	cJSON_free(t2);
	store_close(b);
}

/* Imports path as format into an empty store and checks the properties
 * above. */
static inline void fuzz_foreign_path(const char *format, const char *path,
				     const char *name)
{
	struct import_opts opts = { .format = format,
				    .started_at = "2026-01-01T00:00:00Z" };
	struct store *st = fuzz_store();
	char err[MC_ERRLEN] = "";
	const char *fmt = NULL;
	int imported = 0, skipped = 0, rc;

	rc = import_path(st, path, &opts, &imported, &skipped, &fmt, err, sizeof(err));
	if (rc) {
		if (!err[0] || strchr(err, '\n') || !strstr(err, name))
			fuzz_die("import failed without a one-line error naming the "
				 "file: '%s'", err);
		if (fuzz_count(st, "SELECT count(*) FROM run") != 0 ||
		    fuzz_count(st, "SELECT count(*) FROM result") != 0)
			fuzz_die("a refused file left rows behind");
		goto out;
	}
	if (imported != 1 || skipped != 0 || fuzz_count(st, "SELECT count(*) FROM run") != 1 ||
	    fuzz_count(st, "SELECT count(*) FROM run WHERE status = 'complete'") != 1 ||
	    fuzz_count(st, "SELECT count(*) FROM result") < 1 ||
	    fuzz_count(st, "SELECT count(*) FROM import") != 1)
		fuzz_die("an accepted file is not one complete run with results");
	if (fuzz_count(st, "SELECT count(*) FROM result r LEFT JOIN result_import i"
		       " ON i.result_id = r.id WHERE i.result_id IS NULL") != 0)
		fuzz_die("a result without its imported fields");
	fuzz_round_trip(st);
	if (import_path(st, path, &opts, &imported, &skipped, &fmt, err, sizeof(err)) ||
	    imported != 0 || skipped != 1 || fuzz_count(st, "SELECT count(*) FROM run") != 1)
		fuzz_die("importing an accepted file again is not recognised: %s", err);
out:
	/* Detection refuses, or finds this format (or an mcbench export, or
	 * another format the bytes fit better: never a crash). */
	st = fuzz_store();
	opts.format = NULL;
	rc = import_path(st, path, &opts, &imported, &skipped, &fmt, err, sizeof(err));
	if (rc && (!err[0] || strchr(err, '\n')))
		fuzz_die("detection failed without a one-line error: '%s'", err);
}

static inline void fuzz_foreign(const char *format, const char *name,
				const uint8_t *data, size_t size)
{
	fuzz_foreign_path(format, fuzz_write_input(name, data, size), name);
}

#endif
