/*
 * regressions.c - level shifts across many runs (regressions.h).
 *
 * The series come from store_history_points, whole, and are cut in memory
 * with stats_changepoints; the levels around a cut are stats_segment_levels.
 * What remains here is the question's own logic: which series qualify,
 * --since, and the commits on either side of a shift.
 */
#include "regressions.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stats_boot.h"
#include "stats_perm.h"
#include "store.h"

/* A date prefix: YYYY-MM, then optionally -DD, THH, :MM, :SS and more. */
static int is_date_prefix(const char *s)
{
	return strlen(s) >= 7 && isdigit((unsigned char)s[0]) &&
	       isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	       isdigit((unsigned char)s[3]) && s[4] == '-' &&
	       isdigit((unsigned char)s[5]) && isdigit((unsigned char)s[6]);
}

/* The started_at from which shifts are reported, into out (n_out bytes). */
static int since_start(struct store_history *h, const char *since, char *out,
		       size_t n_out, char *err, size_t n_err)
{
	char key[80], commit[80];
	int rc, n = 0;

	if (is_date_prefix(since)) {
		snprintf(out, n_out, "%s", since);
		return 0;
	}
	if (!store_ref_key(since, 0, key, sizeof(key)))
		return err_set(err, n_err, MC_EINVAL,
			       "--since '%s' is neither a date (YYYY-MM[-DD[THH:MM]]) nor "
			       "a git commit of at least %d hex digits", since,
			       STORE_MIN_PREFIX);
	rc = store_history_commits(h, key, commit, sizeof(commit), &n, err, n_err);
	if (rc)
		return rc;
	if (n == 0)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: --since '%s': no complete run at that commit",
			       store_history_db_name(h), since);
	if (n > 1)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: --since '%s': commit prefix is ambiguous; give more "
			       "characters", store_history_db_name(h), since);
	return store_history_first_run_at(h, commit, out, n_out, err, n_err);
}

static int shift_fill(struct regressions_shift *sh, const struct store_history_point *pts,
		      size_t n, size_t t, double before, double after)
{
	const struct store_history_point *p = &pts[t];
	const char *good = NULL, *bad_c = NULL;
	int bad = 0;

	for (size_t i = t; i-- > 0;)
		if (pts[i].git_commit) {
			good = pts[i].git_commit;
			break;
		}
	for (size_t i = t; i < n; i++)
		if (pts[i].git_commit) {
			bad_c = pts[i].git_commit;
			break;
		}
	sh->n_runs = n;
	sh->index = t;
	sh->run_id = p->run_id;
	sh->before_ns = before;
	sh->after_ns = after;
	sh->change_pct = before > 0 ? 100.0 * (after / before - 1.0) : NAN;
	sh->direction = after > before ? STATS_SLOWER : STATS_FASTER;
#define DUP(dst, src) do { if ((src) && !((dst) = strdup(src))) bad = 1; } while (0)
	DUP(sh->suite, p->suite);
	DUP(sh->benchmark, p->benchmark);
	DUP(sh->backend, p->backend);
	DUP(sh->variant, p->variant);
	DUP(sh->clock, p->clock);
	DUP(sh->hostname, p->hostname);
	DUP(sh->fingerprint, p->fingerprint);
	DUP(sh->run_uuid, p->run_uuid);
	DUP(sh->started_at, p->started_at);
	DUP(sh->git_commit, p->git_commit);
	DUP(sh->good_commit, good);
	DUP(sh->bad_commit, bad_c);
#undef DUP
	return bad;
}

/* The evidence of shift k of the series x[0..n) cut at idx[0..n_idx):
 * its permutation p, the CI of its change and its verdict. */
static int shift_calibrate(struct regressions_shift *sh, const double *x, size_t n,
			   const size_t *idx, size_t n_idx, size_t k, double threshold_pct)
{
	size_t t = idx[k], s = k ? idx[k - 1] : 0, e = k + 1 < n_idx ? idx[k + 1] : n;
	struct stats_boot_set before = { x + s, t - s, 1 }, after = { x + t, e - t, 1 };
	struct stats_interval iv;
	int rc;

	sh->ci_lo_pct = sh->ci_hi_pct = NAN;
	sh->verdict = STATS_INCONCLUSIVE;
	rc = stats_split_perm_p(x + s, e - s, 2, k, &sh->p_perm);
	if (rc)
		return rc;
	rc = stats_ratio_ci(&after, &before, k, &iv);
	if (rc == MC_ENOMEM)
		return rc;
	if (rc == 0) {
		sh->ci_lo_pct = 100.0 * (iv.lo - 1.0);
		sh->ci_hi_pct = 100.0 * (iv.hi - 1.0);
	}
	if (!(sh->p_perm < REGRESSIONS_ALPHA))
		return 0;
	if (sh->direction == STATS_SLOWER && sh->ci_lo_pct >= threshold_pct)
		sh->verdict = STATS_SLOWER;
	else if (sh->direction == STATS_FASTER && sh->ci_hi_pct <= -threshold_pct)
		sh->verdict = STATS_FASTER;
	return 0;
}

/* Appends the shifts of one series pts[0..n) to *out (*out_n used of *cap). */
static int series_shifts(const struct store_history_point *pts, size_t n,
			 double min_effect, const char *since,
			 struct regressions_shift **out, size_t *out_n, size_t *cap)
{
	double *x = NULL;
	size_t *idx = NULL, n_found = 0;
	int rc = MC_ENOMEM;

	x = malloc(n * sizeof(*x));
	idx = malloc(n * sizeof(*idx));
	if (!x || !idx)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = pts[i].median_ns;
	rc = stats_changepoints(x, n, min_effect, 2, idx, n, &n_found);
	for (size_t k = 0; !rc && k < n_found; k++) {
		size_t t = idx[k];
		double before, after;
		struct regressions_shift *sh;

		if (since && strcmp(pts[t].started_at, since) < 0)
			continue;
		rc = stats_segment_levels(x, n, idx, n_found, k, &before, &after);
		if (rc)
			break;
		if (*out_n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 16;

			sh = realloc(*out, ncap * sizeof(*sh));
			if (!sh) {
				rc = MC_ENOMEM;
				break;
			}
			*out = sh;
			*cap = ncap;
		}
		sh = &(*out)[(*out_n)++];
		memset(sh, 0, sizeof(*sh));
		if (shift_fill(sh, pts, n, t, before, after))
			rc = MC_ENOMEM;
		else
			rc = shift_calibrate(sh, x, n, idx, n_found, k, min_effect * 100.0);
	}
out:
	free(idx);
	free(x);
	return rc;
}

int regressions_find(struct store_history *h, const struct regressions_query *q,
		     struct regressions_shift **out, size_t *out_n,
		     size_t *out_series, char *err, size_t n_err)
{
	struct store_history_point *pts = NULL;
	struct regressions_shift *shifts = NULL;
	size_t n_pts = 0, n = 0, cap = 0, n_series = 0;
	double thr = q && q->threshold_pct > 0 ? q->threshold_pct : STATS_THRESHOLD_PCT;
	char since[80] = "";
	int rc;

	*out = NULL;
	*out_n = 0;
	if (out_series)
		*out_series = 0;
	if (!isfinite(thr))
		return err_set(err, n_err, MC_EINVAL, "history: threshold is not finite");
	if (q && q->since) {
		rc = since_start(h, q->since, since, sizeof(since), err, n_err);
		if (rc)
			return rc;
	}
	rc = store_history_points(h, NULL, q ? q->backend : NULL, q ? q->machine : NULL,
				  NULL, &pts, &n_pts, err, n_err);
	if (rc)
		return rc;
	for (size_t s = 0, e; !rc && s < n_pts; s = e) {
		for (e = s + 1; e < n_pts && pts[e].series == pts[s].series; e++)
			;
		if (e - s < REGRESSIONS_MIN_RUNS)
			continue;
		n_series++;
		rc = series_shifts(pts + s, e - s, thr / 100.0, since[0] ? since : NULL,
				   &shifts, &n, &cap);
		if (rc)
			rc = err_set(err, n_err, rc, "history: %s while looking for shifts",
				     rc == MC_ENOMEM ? "out of memory" : "bad series");
	}
	store_history_points_free(pts, n_pts);
	if (rc) {
		regressions_free(shifts, n);
		return rc;
	}
	*out = shifts;
	*out_n = n;
	if (out_series)
		*out_series = n_series;
	return 0;
}

void regressions_free(struct regressions_shift *shifts, size_t n)
{
	if (!shifts)
		return;
	for (size_t i = 0; i < n; i++) {
		struct regressions_shift *s = &shifts[i];

		free(s->suite);
		free(s->benchmark);
		free(s->backend);
		free(s->variant);
		free(s->clock);
		free(s->hostname);
		free(s->fingerprint);
		free(s->run_uuid);
		free(s->started_at);
		free(s->git_commit);
		free(s->good_commit);
		free(s->bad_commit);
	}
	free(shifts);
}
