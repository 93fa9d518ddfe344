/*
 * series.h - the question "how has this benchmark moved?": the series of
 * complete runs of one benchmark, one per (suite, backend, variant, clock,
 * machine), oldest run first (by started_at, then run id), each point with
 * its change against the previous one. `mcreport history` formats it.
 *
 * Points are struct store_history_point (store_history.h), owned by the
 * caller and released with store_history_points_free(pts, n).
 */
#ifndef MC_SERIES_H
#define MC_SERIES_H
#include <stddef.h>

#include "store_history.h"

struct series_query {
	const char *bench;    /* required: "BENCHMARK" or "SUITE/BENCHMARK",
			       * e.g. "softmax/rows=64,cols=1024" */
	const char *backend;  /* NULL: every backend */
	const char *machine;  /* NULL: every machine; else a hostname (exact)
			       * or a prefix of a machine fingerprint */
	const char *clock;    /* NULL: both clocks; "wall" or "device" */
};

/* The points of every series matching q, series after series (ordered by
 * suite, benchmark, backend, variant, clock, fingerprint), each oldest
 * first, with change_pct set: the median against the previous point of
 * the same series, NaN for a series' first. No match is not an error:
 * *out_n is 0 (and *out NULL). Errors: MC_EINVAL (no q->bench, a clock
 * other than wall/device), MC_EDB, MC_ENOMEM. */
int series_load(struct store_history *h, const struct series_query *q,
		struct store_history_point **out, size_t *out_n,
		char *err, size_t n_err);

#endif
