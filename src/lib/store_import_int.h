/*
 * store_import_int.h - what the files of the import of exported runs share
 * (store_import.c: parsing and writing; store_import_check.c: the checks
 * that a run's record is one a run could have written). Private to them.
 */
#ifndef MC_STORE_IMPORT_INT_H
#define MC_STORE_IMPORT_INT_H
#include <stddef.h>

#include "jwalk.h"
#include "noise.h"
#include "store.h"

struct imp_device {
	struct store_device d;
	char *info;
};

struct imp_result {
	struct store_result r;
	char *params;
	double *samples;
	size_t n_samples;
	char *demoted;       /* the message of an "ok" stored implausible, or NULL */
	/* "import" of a result imported from another tool (optional): */
	int has_import, aggregate_only;
	int64_t n_reported;  /* -1 unknown */
	double max_ns;       /* NaN unknown */
	char *fields;        /* JSON text or NULL; free with cJSON_free */
	struct noise_sample *noise;  /* n_samples of them, or NULL: none in the file */
};

struct imp_run {
	struct store_run run;        /* with ended_at, status and notes */
	char *provenance;
	/* "import" of a run imported from another tool (optional): */
	const char *imp_format, *imp_version, *imp_sha256, *imp_source;
	struct imp_device *devices;
	size_t n_devices;
	struct imp_result *results;
	size_t n_results;
};

/* Frees what r owns and zeroes it. */
void store_import_run_free(struct imp_run *r);

/* A run uuid as mcbench writes them: 8-4-4-4-12 lower-case hex digits. */
int store_import_is_uuid(const char *s);

/* An ISO 8601 UTC time as mcbench writes them ("2026-11-23T16:22:00Z", a
 * fraction of a second allowed) that names a real instant. */
int store_import_is_utc_time(const char *s);

/* The stats of a result are a function of its samples: recomputes them and
 * fails (MC_EINVAL at im's path, "$.stats.KEY") when the stored ones differ
 * (an edited sample or median). */
int store_import_check_stats(struct jwalk *im, const struct imp_result *res);

/* Every result was measured on one of its run's devices. */
int store_import_check_backends(struct jwalk *im, const struct imp_run *r);

/* Whether result res of run r (an "ok" one) is physically possible on its device by the
 * run's own measured peaks (runner_plausibility). 1 when it is (or cannot
 * be judged: unknown peaks), 0 with the reason in why (n_why bytes) when
 * not. */
int store_import_plausible(const struct imp_run *r, const struct imp_result *res,
			   char *why, size_t n_why);

/* The rows of another tool's import (store_import_foreign.c), shared with
 * the import of exported runs that carry them: the run's origin (table
 * import), and a result's extra fields (table result_import) with, for an
 * aggregate-only one, the tool's statistics in its result row. */
int store_import_put_origin(struct store *st, int64_t run_id, const char *format,
			    const char *version, const char *sha256, const char *source,
			    char *err, size_t n_err);
int store_import_put_extra(struct store *st, int64_t run_id, const struct store_result *r,
			   int aggregate_only, int64_t n_reported, double max_ns,
			   const char *fields, char *err, size_t n_err);

#endif
