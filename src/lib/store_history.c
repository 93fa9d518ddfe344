/*
 * store_history.c - the SQL of series, compare and regressions
 * (store_history.h).
 *
 * All statements are in one table below, bound with ?N parameters and
 * prepared on first use into the view's cache (hq_get), reset after each
 * use so that no read transaction outlives its query, and finalised by
 * store_history_close. This is the only file of the history questions that
 * holds a sqlite3 pointer.
 */
#include "store_history.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_int.h"

enum hq {
	HQ_POINTS,
	HQ_RUN,
	HQ_COMMITS,
	HQ_FIRST_RUN,
	HQ_NEWEST,
	HQ_PARTNER,
	HQ_PAIRS,
	HQ_SAMPLES,
	HQ_LEFT_OUT,
	HQ_COUNT
};

#define SAME_KEY " y.suite = x.suite AND y.benchmark = x.benchmark" \
	" AND y.backend = x.backend AND y.variant = x.variant AND y.clock = x.clock"

static const char *const hq_sql[HQ_COUNT] = {
	/* Every complete run's ok result, optionally filtered; the columns
	 * both series and regressions read. */
	[HQ_POINTS] =
		"SELECT r.suite, r.benchmark, r.backend, r.variant, r.clock,"
		" m.hostname, m.fingerprint, run.id, run.uuid, run.started_at,"
		" run.git_commit, run.git_dirty, r.median_ns, r.ci_lo_ns, r.ci_hi_ns,"
		" r.n_samples"
		" FROM result r JOIN run ON run.id = r.run_id"
		" JOIN machine m ON m.id = run.machine_id"
		" WHERE run.status = 'complete' AND r.status = 'ok'"
		" AND r.median_ns IS NOT NULL"
		" AND (?1 IS NULL OR r.benchmark = ?1 OR r.suite || '/' || r.benchmark = ?1)"
		" AND (?2 IS NULL OR r.backend = ?2)"
		" AND (?3 IS NULL OR m.hostname = ?3"
		"      OR substr(m.fingerprint, 1, length(?3)) = ?3)"
		" AND (?4 IS NULL OR r.clock = ?4)"
		" ORDER BY r.suite, r.benchmark, r.backend, r.variant, r.clock,"
		" m.fingerprint, run.started_at, run.id",
	[HQ_RUN] =
		"SELECT r.id, r.uuid, r.started_at, r.status, r.git_commit,"
		" r.git_dirty, m.hostname, m.fingerprint, r.compiler,"
		" CASE WHEN json_valid(r.provenance)"
		"  THEN json_extract(r.provenance, '$.openblas.version') END, r.rounds"
		" FROM run r JOIN machine m ON m.id = r.machine_id WHERE r.id = ?1",
	/* The three lookups of a reference take the text ?1 and its length ?2. */
	[HQ_COMMITS] =
		"SELECT DISTINCT git_commit FROM run WHERE status = 'complete'"
		" AND substr(lower(git_commit), 1, ?2) = ?1 LIMIT 2",
	[HQ_FIRST_RUN] =
		"SELECT min(started_at) FROM run WHERE status = 'complete'"
		" AND git_commit = ?1",
	[HQ_NEWEST] =
		"SELECT id FROM run WHERE status = 'complete'"
		" ORDER BY started_at DESC, id DESC",
	[HQ_PARTNER] =
		"SELECT a.id FROM run a JOIN run b ON b.id = ?1"
		" WHERE a.status = 'complete' AND a.machine_id = b.machine_id"
		" AND (a.started_at < b.started_at"
		"      OR (a.started_at = b.started_at AND a.id < b.id))"
		" AND EXISTS (SELECT 1 FROM result ra JOIN result rb"
		"  ON rb.run_id = b.id AND rb.suite = ra.suite"
		"  AND rb.benchmark = ra.benchmark AND rb.backend = ra.backend"
		"  AND rb.variant = ra.variant AND rb.clock = ra.clock"
		"  WHERE ra.run_id = a.id AND ra.status = 'ok' AND rb.status = 'ok')"
		" ORDER BY a.started_at DESC, a.id DESC LIMIT 1",
	[HQ_PAIRS] =
		"SELECT ra.id, rb.id, ra.suite, ra.benchmark, ra.backend, ra.variant,"
		" ra.clock, ra.median_ns, rb.median_ns, ra.rounds, rb.rounds"
		" FROM result ra JOIN result rb ON rb.run_id = ?2"
		" AND rb.suite = ra.suite AND rb.benchmark = ra.benchmark"
		" AND rb.backend = ra.backend AND rb.variant = ra.variant"
		" AND rb.clock = ra.clock"
		" WHERE ra.run_id = ?1 AND ra.status = 'ok' AND rb.status = 'ok'"
		" ORDER BY ra.id",
	[HQ_SAMPLES] =
		"SELECT ns FROM sample WHERE result_id = ?1 ORDER BY idx",
	[HQ_LEFT_OUT] =
		"SELECT"
		" (SELECT count(*) FROM result x WHERE x.run_id = ?1 AND NOT EXISTS"
		"  (SELECT 1 FROM result y WHERE y.run_id = ?2 AND" SAME_KEY ")),"
		" (SELECT count(*) FROM result x WHERE x.run_id = ?2 AND NOT EXISTS"
		"  (SELECT 1 FROM result y WHERE y.run_id = ?1 AND" SAME_KEY ")),"
		" (SELECT count(*) FROM result x JOIN result y ON y.run_id = ?2 AND" SAME_KEY
		"  WHERE x.run_id = ?1 AND (x.status <> 'ok' OR y.status <> 'ok'))",
};

#undef SAME_KEY

/* The statements live in the store's cache (store_stmt), prepared once per
 * connection and shared by every view over it. */
struct store_history {
	struct store *st;            /* borrowed */
	sqlite3 *db;                 /* its connection (store_db) */
};

/* ------------------------------------------------------------ helpers */

int store_history_open(struct store *st, struct store_history **out,
		       char *err, size_t n_err)
{
	struct store_history *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	h->st = st;
	h->db = store_db(st);
	*out = h;
	return 0;
}

void store_history_close(struct store_history *h)
{
	free(h);
}

const char *store_history_db_name(const struct store_history *h)
{
	const char *f = sqlite3_db_filename(h->db, "main");

	return f && *f ? f : "(database)";
}

static int db_err(const struct store_history *h, const char *what, char *err,
		  size_t n_err)
{
	int code = sqlite3_errcode(h->db) == SQLITE_NOMEM ? MC_ENOMEM : MC_EDB;

	return err_set(err, n_err, code, "%s: %s: %s", store_history_db_name(h), what,
		       sqlite3_errmsg(h->db));
}

/* Statement id from the store's cache, reset with no bindings. Release
 * each use with sqlite3_reset (hq_put). */
static int hq_get(struct store_history *h, enum hq id, sqlite3_stmt **out,
		  char *err, size_t n_err)
{
	return store_stmt(h->st, hq_sql[id], out, err, n_err);
}

/* Ends a use of s, so that it holds no read transaction open. */
static void hq_put(sqlite3_stmt *s)
{
	if (s)
		sqlite3_reset(s);
}

static void bind_opt(sqlite3_stmt *s, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Copies text column i into *out: NULL stays NULL when nullable, else "".
 * Returns -1 when out of memory. */
static int col_str(sqlite3_stmt *s, int i, int nullable, char **out)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	*out = NULL;
	if (!t && nullable)
		return 0;
	*out = strdup(t ? (const char *)t : "");
	return *out ? 0 : -1;
}

static int col_dirty(sqlite3_stmt *s, int i)
{
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return -1;
	return sqlite3_column_int(s, i) ? 1 : 0;
}

/* arr (n used of *cap elements of size elem) with room for one more:
 * arr itself, or a reallocation of it; NULL when out of memory (arr is
 * then still valid). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return arr;
	ncap = *cap ? 2 * *cap : 16;
	p = realloc(arr, ncap * elem);
	if (p)
		*cap = ncap;
	return p;
}

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ------------------------------------------------------------ points */

static int same_series(const struct store_history_point *a,
		       const struct store_history_point *b)
{
	return streq(a->suite, b->suite) && streq(a->benchmark, b->benchmark) &&
	       streq(a->backend, b->backend) && streq(a->variant, b->variant) &&
	       streq(a->clock, b->clock) && streq(a->fingerprint, b->fingerprint);
}

static int fill_point(sqlite3_stmt *s, struct store_history_point *p)
{
	int bad = 0;

	bad |= col_str(s, 0, 0, &p->suite);
	bad |= col_str(s, 1, 0, &p->benchmark);
	bad |= col_str(s, 2, 0, &p->backend);
	bad |= col_str(s, 3, 0, &p->variant);
	bad |= col_str(s, 4, 0, &p->clock);
	bad |= col_str(s, 5, 0, &p->hostname);
	bad |= col_str(s, 6, 0, &p->fingerprint);
	p->run_id = sqlite3_column_int64(s, 7);
	bad |= col_str(s, 8, 0, &p->run_uuid);
	bad |= col_str(s, 9, 0, &p->started_at);
	bad |= col_str(s, 10, 1, &p->git_commit);
	p->git_dirty = col_dirty(s, 11);
	p->median_ns = store_col_real(s, 12);
	p->ci_lo_ns = store_col_real(s, 13);
	p->ci_hi_ns = store_col_real(s, 14);
	p->n_samples = sqlite3_column_int64(s, 15);
	return bad;
}

int store_history_points(struct store_history *h, const char *bench,
			 const char *backend, const char *machine, const char *clock,
			 struct store_history_point **out, size_t *out_n,
			 char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	struct store_history_point *pts = NULL;
	size_t n = 0, cap = 0, series = 0;
	int rc, step;

	*out = NULL;
	*out_n = 0;
	rc = hq_get(h, HQ_POINTS, &s, err, n_err);
	if (rc)
		return rc;
	bind_opt(s, 1, bench);
	bind_opt(s, 2, backend);
	bind_opt(s, 3, machine);
	bind_opt(s, 4, clock);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_history_point *p = grow(pts, &cap, n, sizeof(*pts));

		if (!p) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		pts = p;
		p = &pts[n++];
		memset(p, 0, sizeof(*p));
		p->change_pct = NAN;
		if (fill_point(s, p)) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		if (n > 1 && same_series(p - 1, p))
			p->series = series;
		else
			p->series = n > 1 ? ++series : 0;
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(h, "cannot read the history", err, n_err);
	hq_put(s);
	if (rc) {
		store_history_points_free(pts, n);
		return rc;
	}
	*out = pts;
	*out_n = n;
	return 0;
}

void store_history_points_free(struct store_history_point *pts, size_t n)
{
	if (!pts)
		return;
	for (size_t i = 0; i < n; i++) {
		struct store_history_point *p = &pts[i];

		free(p->suite);
		free(p->benchmark);
		free(p->backend);
		free(p->variant);
		free(p->clock);
		free(p->hostname);
		free(p->fingerprint);
		free(p->run_uuid);
		free(p->started_at);
		free(p->git_commit);
	}
	free(pts);
}

/* ------------------------------------------------------------ runs */

void store_history_run_clear(struct store_history_run *r)
{
	if (!r)
		return;
	free(r->uuid);
	free(r->started_at);
	free(r->status);
	free(r->git_commit);
	free(r->hostname);
	free(r->fingerprint);
	free(r->compiler);
	free(r->openblas_version);
	memset(r, 0, sizeof(*r));
}

int store_history_run(struct store_history *h, int64_t id,
		      struct store_history_run *out, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc, step, bad = 0;

	memset(out, 0, sizeof(*out));
	rc = hq_get(h, HQ_RUN, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		out->id = sqlite3_column_int64(s, 0);
		bad |= col_str(s, 1, 0, &out->uuid);
		bad |= col_str(s, 2, 0, &out->started_at);
		bad |= col_str(s, 3, 0, &out->status);
		bad |= col_str(s, 4, 1, &out->git_commit);
		out->git_dirty = col_dirty(s, 5);
		bad |= col_str(s, 6, 0, &out->hostname);
		bad |= col_str(s, 7, 0, &out->fingerprint);
		bad |= col_str(s, 8, 0, &out->compiler);
		bad |= col_str(s, 9, 1, &out->openblas_version);
		out->rounds = sqlite3_column_int(s, 10);
		if (bad)
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	} else if (step == SQLITE_DONE) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: no run with id %lld",
			     store_history_db_name(h), (long long)id);
	} else {
		rc = db_err(h, "cannot read a run", err, n_err);
	}
	hq_put(s);
	if (rc)
		store_history_run_clear(out);
	return rc;
}

int store_history_commits(struct store_history *h, const char *prefix,
			  char *out_commit, size_t n_out, int *out_n,
			  char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc, step;

	*out_n = 0;
	rc = hq_get(h, HQ_COMMITS, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, (int)strlen(prefix));
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*out_n == 0)
			snprintf(out_commit, n_out, "%s", sqlite3_column_text(s, 0));
		(*out_n)++;
	}
	if (step != SQLITE_DONE)
		rc = db_err(h, "cannot look up a commit", err, n_err);
	hq_put(s);
	return rc;
}

int store_history_first_run_at(struct store_history *h, const char *commit,
			       char *out, size_t n_out, char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = hq_get(h, HQ_FIRST_RUN, &s, err, n_err);

	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, commit, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, n_out, "%s", sqlite3_column_text(s, 0));
	else
		rc = db_err(h, "cannot find the first run of a commit", err, n_err);
	hq_put(s);
	return rc;
}

int store_history_default_pair(struct store_history *h, int64_t *out_a,
			       int64_t *out_b, char *err, size_t n_err)
{
	sqlite3_stmt *sb = NULL, *sa = NULL;
	int rc, step = SQLITE_DONE, found = 0;

	rc = hq_get(h, HQ_NEWEST, &sb, err, n_err);
	if (!rc)
		rc = hq_get(h, HQ_PARTNER, &sa, err, n_err);
	while (!rc && !found && (step = sqlite3_step(sb)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(sb, 0);
		int astep;

		sqlite3_reset(sa);
		sqlite3_bind_int64(sa, 1, b);
		astep = sqlite3_step(sa);
		if (astep == SQLITE_ROW) {
			*out_a = sqlite3_column_int64(sa, 0);
			*out_b = b;
			found = 1;
		} else if (astep != SQLITE_DONE) {
			rc = db_err(h, "cannot look for runs to compare", err, n_err);
		}
	}
	if (!rc && !found && step != SQLITE_DONE)
		rc = db_err(h, "cannot look for runs to compare", err, n_err);
	if (!rc && !found)
		rc = err_set(err, n_err, MC_EINVAL,
			     "%s: no two complete runs of one machine share a result "
			     "to compare; name the runs (A B)", store_history_db_name(h));
	hq_put(sa);
	hq_put(sb);
	return rc;
}

/* ------------------------------------------------------------ two runs */

int store_history_pairs(struct store_history *h, int64_t run_a, int64_t run_b,
			struct store_history_pair **out, size_t *out_n,
			char *err, size_t n_err)
{
	struct store_history_pair *pairs = NULL;
	sqlite3_stmt *s = NULL;
	size_t n = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*out_n = 0;
	rc = hq_get(h, HQ_PAIRS, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_a);
	sqlite3_bind_int64(s, 2, run_b);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_history_pair *p = grow(pairs, &cap, n, sizeof(*p));
		int bad = 0;

		if (!p) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		pairs = p;
		p = &pairs[n++];
		memset(p, 0, sizeof(*p));
		p->result_a = sqlite3_column_int64(s, 0);
		p->result_b = sqlite3_column_int64(s, 1);
		bad |= col_str(s, 2, 0, &p->suite);
		bad |= col_str(s, 3, 0, &p->benchmark);
		bad |= col_str(s, 4, 0, &p->backend);
		bad |= col_str(s, 5, 0, &p->variant);
		bad |= col_str(s, 6, 0, &p->clock);
		p->median_a_ns = store_col_real(s, 7);
		p->median_b_ns = store_col_real(s, 8);
		p->rounds_a = (int)store_col_int(s, 9, 0);
		p->rounds_b = (int)store_col_int(s, 10, 0);
		if (bad) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(h, "cannot read the results compared", err, n_err);
	hq_put(s);
	if (rc) {
		store_history_pairs_free(pairs, n);
		return rc;
	}
	*out = pairs;
	*out_n = n;
	return 0;
}

void store_history_pairs_free(struct store_history_pair *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		free(p[i].suite);
		free(p[i].benchmark);
		free(p[i].backend);
		free(p[i].variant);
		free(p[i].clock);
	}
	free(p);
}

int store_history_samples(struct store_history *h, int64_t result_id,
			  double **buf, size_t *cap, size_t *out_n,
			  char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	size_t n = 0;
	int rc, step;

	*out_n = 0;
	rc = hq_get(h, HQ_SAMPLES, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, result_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		double *nb = grow(*buf, cap, n, sizeof(double));

		if (!nb) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		*buf = nb;
		(*buf)[n++] = sqlite3_column_double(s, 0);
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(h, "cannot read the results compared", err, n_err);
	hq_put(s);
	if (!rc)
		*out_n = n;
	return rc;
}

int store_history_left_out(struct store_history *h, int64_t run_a, int64_t run_b,
			   size_t *out_only_a, size_t *out_only_b, size_t *out_not_ok,
			   char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc = hq_get(h, HQ_LEFT_OUT, &s, err, n_err);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, run_a);
	sqlite3_bind_int64(s, 2, run_b);
	if (sqlite3_step(s) == SQLITE_ROW) {
		*out_only_a = (size_t)sqlite3_column_int64(s, 0);
		*out_only_b = (size_t)sqlite3_column_int64(s, 1);
		*out_not_ok = (size_t)sqlite3_column_int64(s, 2);
	} else {
		rc = db_err(h, "cannot count the results compared", err, n_err);
	}
	hq_put(s);
	return rc;
}
