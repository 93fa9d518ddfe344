/*
 * store_noise_json.h - the per-sample noise of a result (noise.h, table
 * sample_noise) in exported runs: written by store_export.c, read back by
 * store_import.c (docs/export-format.md).
 *
 * A result whose samples carry noise gets, after "samples_ns":
 *   "n_steal_flagged": K,                  (when any sample's flag is known)
 *   "samples_noise": {"steal_ns": [...], "steal_flagged": [...],
 *                     "nvcsw": [...], "nivcsw": [...], "sm_clock_mhz": [...]}
 * each array n_samples long, null where unknown, a key only when one of its
 * values is known. A result without any (every run before the noise was
 * recorded) has neither member, so its export is as it was, and an older
 * export imports as before.
 */
#ifndef MC_STORE_NOISE_JSON_H
#define MC_STORE_NOISE_JSON_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "noise.h"
#include "store.h"

/* Adds the members above to obj for result result_id of n_samples samples,
 * whose stored n_steal_flagged is n_flagged (-1: NULL). Errors: MC_EDB (a
 * read; *out_sqlite gets SQLite's code), MC_ENOMEM. Numbers are raw items,
 * as store_export_run's. */
int store_noise_export(struct store *st, int64_t result_id, size_t n_samples,
		       int64_t n_flagged, cJSON *obj, int *out_sqlite);

/* Reads the members above from result object o (path: its JSON path in
 * file src, for messages) into *out, a malloc'd array of n_samples (free
 * with free()), or NULL when o has no "samples_noise". "n_steal_flagged"
 * must be the count of the flags (absent when none is known). Errors, one
 * sentence "SRC: PATH: ...": MC_EINVAL, MC_ENOMEM. */
int store_noise_import(const cJSON *o, size_t n_samples, const char *src,
		       const char *path, struct noise_sample **out, char *err,
		       size_t n_err);

#endif
