/*
 * store_export.h - runs as JSON documents (docs/export-format.md); their
 * import is store_import.h.
 *
 * An export is deterministic: the same run exports to the same bytes, and
 * importing an export into another db and exporting it again gives the same
 * bytes. Numbers round-trip exactly (shortest decimal that reads back to the
 * same double).
 */
#ifndef MC_STORE_EXPORT_H
#define MC_STORE_EXPORT_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "store.h"

#define STORE_EXPORT_FORMAT_VERSION 1

/* Flags of store_export_runs(). */
enum store_export_flags {
	STORE_EXPORT_INCOMPLETE = 1, /* "all" includes running, aborted and failed runs */
};

/* Builds the "mcbench-run" object of run run_id into *out (caller frees
 * with cJSON_Delete). Numbers are cJSON raw items holding exact decimal text,
 * so print the tree with cJSON_Print* (or store_export_write_file), not by
 * reading valuedouble. Errors: MC_EINVAL for an unknown run, MC_EDB (a read
 * or a stored JSON column that does not parse), MC_ENOMEM. */
int store_export_run(struct store *st, int64_t run_id, cJSON **out,
		     char *err, size_t n_err);

/* select is "all" or a run reference as store_run_resolve() takes it (an
 * id, a uuid, a unique prefix of one, a git commit). "all" gives an
 * "mcbench-export" object {format, format_version, runs: [...]} of the
 * complete runs (every run with STORE_EXPORT_INCOMPLETE), oldest first; a
 * reference gives that run's "mcbench-run" object whatever its status.
 * *out as in store_export_run. Errors: MC_EINVAL for no such run or an
 * ambiguous prefix ("PATH: " and the resolver's sentence), else as
 * store_export_run. */
int store_export_runs(struct store *st, const char *select, unsigned flags,
		      cJSON **out, char *err, size_t n_err);

/* Writes doc pretty-printed (cJSON_Print, then a newline) to path through a
 * temporary file in the same directory and rename(), so that path holds
 * either the old or the whole new content. Errors: MC_EIO, MC_ENOMEM. */
int store_export_write_file(const cJSON *doc, const char *path, char *err,
			    size_t n_err);

#endif
