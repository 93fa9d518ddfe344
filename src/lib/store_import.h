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

struct import_doc;

/* Writes doc (import.h: another tool's results, validated) as one complete
 * run in one transaction: the run uuid is taken from the file's SHA-256, so
 * a file imported twice is skipped (*out_skipped 1) the second time. The
 * file's format, version and hash go to table import, what the tool gave
 * beyond the result columns to result_import. Errors: MC_EDB, MC_ENOMEM,
 * the db unchanged. */
int store_import_foreign(struct store *st, const struct import_doc *doc,
			 int *out_imported, int *out_skipped, char *err, size_t n_err);

#endif
