/*
 * export.h - runs as JSON documents, and their import (docs/export-format.md).
 *
 * An export is deterministic: the same run exports to the same bytes, and
 * importing an export into another db and exporting it again gives the same
 * bytes. Numbers round-trip exactly (shortest decimal that reads back to the
 * same double). Import is idempotent by run uuid, validates the whole
 * document before writing anything, and writes each run in one transaction.
 */
#ifndef MC_EXPORT_H
#define MC_EXPORT_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "store.h"

#define EXPORT_FORMAT_VERSION 1

/* Flags of export_runs(). */
enum export_flags {
	EXPORT_INCOMPLETE = 1, /* "all" includes running, aborted and failed runs */
};

/* Builds the "mcbench-run" object of run run_id into *out (caller frees
 * with cJSON_Delete). Numbers are cJSON raw items holding exact decimal text,
 * so print the tree with cJSON_Print* (or export_write_file), not by reading
 * valuedouble. Errors: MC_EINVAL for an unknown run, MC_EDB (a read or a
 * stored JSON column that does not parse), MC_ENOMEM. */
int export_run(struct store *st, int64_t run_id, cJSON **out,
	       char *err, size_t n_err);

/* select is "all", a run uuid or a numeric run id. "all" gives an
 * "mcbench-export" object {format, format_version, runs: [...]} of the
 * complete runs (every run with EXPORT_INCOMPLETE), oldest first; a uuid or
 * id gives that run's "mcbench-run" object whatever its status. *out as in
 * export_run. Errors: MC_EINVAL for no such run, else as export_run. */
int export_runs(struct store *st, const char *select, unsigned flags,
		cJSON **out, char *err, size_t n_err);

/* Imports doc, an "mcbench-run" or "mcbench-export" object (as parsed, or as
 * built by export_run). source_name names doc in errors, e.g.
 * "x.json: $.runs[0].results[3].stats.median_ns: expected a number".
 * The whole document is validated first (MC_EINVAL, db untouched); then each
 * run whose uuid is not yet in the db is written in one transaction, and one
 * whose uuid is present is skipped. out_imported / out_skipped (may be NULL)
 * get the counts. Imported runs keep their status, times and notes and get
 * no pid. A db error on run k (MC_EDB) leaves runs before k imported;
 * importing again resumes, since present uuids are skipped. */
int export_import(struct store *st, const cJSON *doc, const char *source_name,
		  int *out_imported, int *out_skipped, char *err, size_t n_err);

/* Reads and imports the JSON file at path. A parse error is MC_EINVAL
 * naming "path:LINE:COLUMN"; a read error MC_EIO. Otherwise as
 * export_import. */
int export_import_file(struct store *st, const char *path, int *out_imported,
		       int *out_skipped, char *err, size_t n_err);

/* Writes doc pretty-printed (cJSON_Print, then a newline) to path through a
 * temporary file in the same directory and rename(), so that path holds
 * either the old or the whole new content. Errors: MC_EIO, MC_ENOMEM. */
int export_write_file(const cJSON *doc, const char *path, char *err, size_t n_err);

#endif
