/*
 * store_report_results.c - what the report reader (store_report.h) finds
 * in one run: its results by series, its rejected results, its variants
 * and devices, and one series' history across runs.
 *
 * Rows are read into arrays in the reader's arena (store_int.h), so the
 * lookups hand out plain pointers that live until store_report_close().
 * The handle, the catalogs and the choice of runs are in store_report.c.
 */
#include "store_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"

/* ---------------------------------------------------------------- variants */

int store_report_variants(struct store_report *rp, int64_t run_id, const char *suite,
			  const char *backend, const char *clock, const char *const **out,
			  char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_VARIANTS);
	const char *tmp[32], **arr;
	size_t n = 0;
	int rc, oom = 0;

	*out = NULL;
	sqlite3_bind_int64(st, 1, run_id);
	store_bind_text(st, 2, suite);
	store_bind_text(st, 3, backend);
	store_bind_text(st, 4, clock);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < sizeof(tmp) / sizeof(tmp[0]) - 1)
		tmp[n++] = store_report_col_str(rp, st, 0, &oom);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_report_db_error(rp, "variants", err, n_err);
	arr = oom ? NULL : store_report_alloc(rp, (n + 1) * sizeof(*arr));
	if (!arr)
		return store_report_oom(err, n_err);
	memcpy(arr, tmp, n * sizeof(*arr));
	arr[n] = NULL;
	*out = arr;
	return 0;
}

/* ---------------------------------------------------------------- results */

/* Reads one row of st into elem (one element of the array being
 * collected); sets *oom when a string cannot be copied. */
typedef void rp_read_fn(struct store_report *rp, sqlite3_stmt *st, void *elem, int *oom);

/* A row of STORE_RESULT_COLS. */
static void rp_read_result(struct store_report *rp, sqlite3_stmt *st, void *elem, int *oom)
{
	struct store_result *r = elem;

	r->id = sqlite3_column_int64(st, 0);
	r->run_id = sqlite3_column_int64(st, 1);
	r->suite = store_report_col_str(rp, st, 2, oom);
	r->benchmark = store_report_col_str(rp, st, 3, oom);
	r->kernel = store_report_col_str(rp, st, 4, oom);
	r->params = store_report_col_str(rp, st, 5, oom);
	r->backend = store_report_col_str(rp, st, 6, oom);
	r->variant = store_report_col_str(rp, st, 7, oom);
	r->clock = store_report_col_str(rp, st, 8, oom);
	r->status = store_report_col_str(rp, st, 9, oom);
	r->message = store_report_col_str(rp, st, 10, oom);
	r->flops = store_col_real(st, 11);
	r->bytes = store_col_real(st, 12);
	r->iters_per_sample = store_col_int(st, 13, 0);
	r->n_samples = store_col_int(st, 14, 0);
	memset(&r->stats, 0, sizeof(r->stats));
	r->stats.n = r->n_samples > 0 ? (size_t)r->n_samples : 0;
	r->stats.min = store_col_real(st, 15);
	r->stats.median = store_col_real(st, 16);
	r->stats.mean = store_col_real(st, 17);
	r->stats.stddev = store_col_real(st, 18);
	r->stats.ci_lo = store_col_real(st, 19);
	r->stats.ci_hi = store_col_real(st, 20);
	r->stats.mad = store_col_real(st, 21);
	r->stats.q1 = store_col_real(st, 22);
	r->stats.q3 = store_col_real(st, 23);
	r->stats.max = NAN;   /* not stored */
	r->stats.n_mild = (size_t)store_col_int(st, 24, 0);
	r->stats.n_severe = (size_t)store_col_int(st, 25, 0);
	r->max_abs_err = store_col_real(st, 26);
	r->max_rel_err = store_col_real(st, 27);
	r->n_steal_flagged = store_col_int(st, 28, -1);
	r->peak_rss_bytes = store_col_int(st, 29, -1);
	r->base_rss_bytes = store_col_int(st, 30, -1);
	r->device_bytes = store_col_int(st, 31, -1);
	r->min_cosine = store_col_real(st, 32);
	r->cosine_checked = !isnan(r->min_cosine);
	r->rounds = (int)store_col_int(st, 33, 0);
}

/* Steps st to the end, reading each row with read into an arena array of
 * elements of elem_size bytes; what names the rows in a db error. The
 * array has room for one element even when no row came. */
static int rp_collect(struct store_report *rp, sqlite3_stmt *st, size_t elem_size,
		      rp_read_fn *read, const char *what, void **out, size_t *out_n,
		      char *err, size_t n_err)
{
	char *tmp = NULL;
	void *arr;
	size_t n = 0, cap = 0;
	int rc, oom = 0;

	*out = NULL;
	*out_n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char *nt = realloc(tmp, ncap * elem_size);

			if (!nt) {
				oom = 1;
				break;
			}
			tmp = nt;
			cap = ncap;
		}
		read(rp, st, tmp + n++ * elem_size, &oom);
	}
	sqlite3_reset(st);
	if (!oom && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		free(tmp);
		return store_report_db_error(rp, what, err, n_err);
	}
	arr = oom ? NULL : store_report_alloc(rp, (n ? n : 1) * elem_size);
	if (!arr) {
		free(tmp);
		return store_report_oom(err, n_err);
	}
	if (n)
		memcpy(arr, tmp, n * elem_size);
	free(tmp);
	*out = arr;
	*out_n = n;
	return 0;
}

/* rp_collect() of result rows. */
static int rp_results(struct store_report *rp, sqlite3_stmt *st,
		      const struct store_result **out, size_t *out_n,
		      char *err, size_t n_err)
{
	void *arr;
	int rc = rp_collect(rp, st, sizeof(struct store_result), rp_read_result,
			    "results", &arr, out_n, err, n_err);

	*out = arr;
	return rc;
}

int store_report_results(struct store_report *rp, int64_t run_id, const char *suite,
			 const char *backend, const char *variant, const char *clock,
			 const struct store_result **out, size_t *out_n,
			 char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_RESULTS);

	sqlite3_bind_int64(st, 1, run_id);
	store_bind_text(st, 2, suite);
	store_bind_text(st, 3, backend);
	store_bind_text(st, 4, variant);
	store_bind_text(st, 5, clock);
	return rp_results(rp, st, out, out_n, err, n_err);
}

int store_report_rejected(struct store_report *rp, int64_t run_id, const struct store_result **out,
			  size_t *out_n, char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_REJECTED);

	sqlite3_bind_int64(st, 1, run_id);
	return rp_results(rp, st, out, out_n, err, n_err);
}

/* ---------------------------------------------------------------- devices */

/* A row of DEVICE_COLS (store_report.c). */
static void rp_read_device(struct store_report *rp, sqlite3_stmt *st, void *elem, int *oom)
{
	struct store_device *d = elem;

	d->backend = store_report_col_str(rp, st, 0, oom);
	d->kind = store_report_col_str(rp, st, 1, oom);
	d->name = store_report_col_str(rp, st, 2, oom);
	d->vendor = store_report_col_str(rp, st, 3, oom);
	d->version = store_report_col_str(rp, st, 4, oom);
	d->driver = store_report_col_str(rp, st, 5, oom);
	d->compute_units = store_col_int(st, 6, -1);
	d->global_mem = store_col_int(st, 7, -1);
	d->local_mem = store_col_int(st, 8, -1);
	d->peak_gflops = store_col_real(st, 9);
	d->peak_gbps = store_col_real(st, 10);
	if (!(d->peak_gflops > 0))
		d->peak_gflops = NAN;
	if (!(d->peak_gbps > 0))
		d->peak_gbps = NAN;
	d->info = store_report_col_str(rp, st, 11, oom);
}

int store_report_device(struct store_report *rp, int64_t run_id, const char *backend,
			const struct store_device **out, char *err, size_t n_err)
{
	const struct store_device *all;
	size_t n;
	int rc = store_report_devices(rp, run_id, &all, &n, err, n_err);

	*out = NULL;
	for (size_t i = 0; !rc && i < n; i++)
		if (strcmp(all[i].backend, backend) == 0)
			*out = &all[i];
	return rc;
}

int store_report_devices(struct store_report *rp, int64_t run_id, const struct store_device **out,
			 size_t *out_n, char *err, size_t n_err)
{
	struct store_report_devs *dc;
	sqlite3_stmt *st;
	void *arr = NULL;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < rp->n_devcache; i++) {
		if (rp->devcache[i].run_id == run_id) {
			*out = rp->devcache[i].devs;
			*out_n = rp->devcache[i].n;
			return 0;
		}
	}
	*out = NULL;
	*out_n = 0;
	dc = realloc(rp->devcache, (rp->n_devcache + 1) * sizeof(*dc));
	if (!dc)
		return store_report_oom(err, n_err);
	rp->devcache = dc;
	st = store_report_stmt(rp, RQ_DEVICES);
	sqlite3_bind_int64(st, 1, run_id);
	rc = rp_collect(rp, st, sizeof(struct store_device), rp_read_device, "devices",
			&arr, &n, err, n_err);
	if (rc)
		return rc;
	if (!n)
		arr = NULL;   /* a run without devices hands out NULL */
	dc[rp->n_devcache].run_id = run_id;
	dc[rp->n_devcache].devs = arr;
	dc[rp->n_devcache].n = n;
	rp->n_devcache++;
	*out = arr;
	*out_n = n;
	return 0;
}

/* ---------------------------------------------------------------- history */

int store_report_history(struct store_report *rp, int64_t machine_id, const char *suite,
			 const char *bench, const char *backend, const char *variant,
			 const char *clock, size_t limit, const struct store_report_point **out,
			 size_t *out_n, char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_HISTORY);
	const struct store_result *res;
	struct store_report_point *pts;
	size_t n;
	int rc;

	*out = NULL;
	*out_n = 0;
	sqlite3_bind_int64(st, 1, machine_id);
	store_bind_text(st, 2, suite);
	store_bind_text(st, 3, bench);
	store_bind_text(st, 4, backend);
	store_bind_text(st, 5, variant);
	store_bind_text(st, 6, clock);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)limit);
	if ((rc = rp_results(rp, st, &res, &n, err, n_err)) != 0)
		return rc;
	pts = store_report_alloc(rp, (n ? n : 1) * sizeof(*pts));
	if (!pts)
		return store_report_oom(err, n_err);
	for (size_t i = 0; i < n; i++) {
		/* The query runs newest first; points go oldest first. */
		struct store_report_point *pt = &pts[n - 1 - i];

		pt->res = res[i];
		pt->run = store_report_run(rp, res[i].run_id, err, n_err);
		if (!pt->run)
			return MC_EDB;
	}
	*out = pts;
	*out_n = n;
	return 0;
}

/* ---------------------------------------------------------------- samples */

int store_report_samples(struct store_report *rp, int64_t result_id, const double **out,
			 size_t *out_n, char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_SAMPLES);
	double *buf = NULL, *arena;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	*out_n = 0;
	sqlite3_bind_int64(st, 1, result_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			double *nb = realloc(buf, ncap * sizeof(*nb));

			if (!nb) {
				sqlite3_reset(st);
				free(buf);
				return store_report_oom(err, n_err);
			}
			buf = nb;
			cap = ncap;
		}
		buf[n++] = sqlite3_column_double(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(buf);
		return store_report_db_error(rp, "samples", err, n_err);
	}
	if (n) {
		arena = store_report_alloc(rp, n * sizeof(*arena));
		if (!arena) {
			free(buf);
			return store_report_oom(err, n_err);
		}
		memcpy(arena, buf, n * sizeof(*arena));
		*out = arena;
		*out_n = n;
	}
	free(buf);
	return 0;
}

int store_report_recent_runs(struct store_report *rp, int64_t machine_id, const char *suite,
			     const char *backend, size_t limit, int64_t *out, size_t *out_n,
			     char *err, size_t n_err)
{
	sqlite3_stmt *st = store_report_stmt(rp, RQ_RECENT_RUNS);
	size_t n = 0;
	int rc;

	sqlite3_bind_int64(st, 1, machine_id);
	store_bind_text(st, 2, suite);
	store_bind_text(st, 3, backend);
	sqlite3_bind_int64(st, 4, (int64_t)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit)
		out[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_report_db_error(rp, "recent runs", err, n_err);
	*out_n = n;
	return 0;
}
