/*
 * rundigest.h - the digest that names the data a document was rendered
 * from: SHA-256 over the exports of its runs, so that `mcreport check` can
 * tell a document rendered from other data (a run added, dropped, or any
 * stored value of one changed, shown or not) from an edit of its text.
 */
#ifndef MC_RUNDIGEST_H
#define MC_RUNDIGEST_H
#include <stddef.h>
#include <stdint.h>
#include "store.h"

#define RUNDIGEST_HEX_LEN 64   /* lowercase hex digits of a SHA-256 */

/* SHA-256 over the exports of runs run_ids[0..n) in that order, each as
 * `mcreport export --run UUID` prints it (store_export_run, printed with
 * cJSON_Print and a newline; deterministic, store_export.h), concatenated:
 * for one run, sha256sum of its fresh export. Exports do not depend on the
 * db they are read from, so a db rebuilt from the same db/runs gives the
 * same digest. out_hex (RUNDIGEST_HEX_LEN + 1 bytes, caller's) gets the hex
 * digits and a NUL. Errors: as store_export_run; MC_ENOMEM. */
int rundigest_runs(struct store *st, const int64_t *run_ids, size_t n, char *out_hex,
		   char *err, size_t n_err);

#endif
