/*
 * series.c - a benchmark's series of runs (series.h): the points come from
 * store_history_points; this file checks the question and adds each
 * point's change against the one before.
 */
#include "series.h"

#include <string.h>

#include "err.h"

int series_load(struct store_history *h, const struct series_query *q,
		struct store_history_point **out, size_t *out_n,
		char *err, size_t n_err)
{
	struct store_history_point *pts;
	int rc;

	*out = NULL;
	*out_n = 0;
	if (!q || !q->bench || !*q->bench)
		return err_set(err, n_err, MC_EINVAL, "history: no benchmark given");
	if (q->clock && strcmp(q->clock, "wall") && strcmp(q->clock, "device"))
		return err_set(err, n_err, MC_EINVAL,
			       "history: clock '%s' is neither wall nor device", q->clock);
	rc = store_history_points(h, q->bench, q->backend, q->machine, q->clock, out,
				  out_n, err, n_err);
	if (rc)
		return rc;
	pts = *out;
	for (size_t i = 1; i < *out_n; i++)
		if (pts[i].series == pts[i - 1].series && pts[i - 1].median_ns > 0)
			pts[i].change_pct =
				100.0 * (pts[i].median_ns / pts[i - 1].median_ns - 1.0);
	return 0;
}
