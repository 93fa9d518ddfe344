/*
 * store_import.h - exported runs (store_export.h, docs/export-format.md)
 * back into a db.
 *
 * Import is idempotent by run uuid, validates the whole document before
 * writing anything, and writes each run in one transaction.
 */
#ifndef MC_STORE_IMPORT_H
#define MC_STORE_IMPORT_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "store.h"

/* Imports doc, an "mcbench-run" or "mcbench-export" object (as parsed, or as
 * built by store_export_run). source_name names doc in errors, e.g.
 * "x.json: $.runs[0].results[3].stats.median_ns: expected a number".
 * The whole document is validated first (MC_EINVAL, db untouched); then each
 * run whose uuid is not yet in the db is written in one transaction, and one
 * whose uuid is present is skipped. out_imported / out_skipped (may be NULL)
 * get the counts. Imported runs keep their status, times and notes and get
 * no pid. A db error on run k (MC_EDB) leaves runs before k imported;
 * importing again resumes, since present uuids are skipped. */
int store_import(struct store *st, const cJSON *doc, const char *source_name,
		 int *out_imported, int *out_skipped, char *err, size_t n_err);

/* Reads and imports the JSON file at path. A parse error is MC_EINVAL
 * naming "path:LINE:COLUMN"; a read error MC_EIO. Otherwise as
 * store_import. */
int store_import_file(struct store *st, const char *path, int *out_imported,
		      int *out_skipped, char *err, size_t n_err);

#endif
