/*
 * history.c - series of runs, run comparisons and level shifts (history.h).
 *
 * Everything reads the store through statements prepared per call and
 * bound with parameters. Series are loaded whole (one row per run and
 * result), then analysed in memory with stats.c: stats_change_ci and
 * stats_mann_whitney_p for comparisons, stats_changepoints for shifts.
 */
#include "history.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "err.h"
#include "stats.h"
#include "units.h"

/* Shortest uuid or commit prefix accepted, so that "1" is never a match. */
#define HISTORY_MIN_PREFIX 4

/* ------------------------------------------------------------ helpers */

static const char *db_name(sqlite3 *db)
{
	const char *f = sqlite3_db_filename(db, "main");

	return f && *f ? f : "(database)";
}

static int db_err(sqlite3 *db, const char *what, char *err, size_t n_err)
{
	int code = sqlite3_errcode(db) == SQLITE_NOMEM ? MC_ENOMEM : MC_EDB;

	return err_set(err, n_err, code, "%s: %s: %s", db_name(db), what,
		       sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **out,
		   char *err, size_t n_err)
{
	if (sqlite3_prepare_v2(db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return db_err(db, "cannot prepare a history query", err, n_err);
	}
	return 0;
}

static int bind_opt(sqlite3_stmt *s, int i, const char *text)
{
	return text ? sqlite3_bind_text(s, i, text, -1, SQLITE_TRANSIENT)
		    : sqlite3_bind_null(s, i);
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

static double col_real(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN
						       : sqlite3_column_double(s, i);
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

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a > b) - (a < b);
}

/* Median of x[0..n) (n > 0), sorting x in place. */
static double median_inplace(double *x, size_t n)
{
	qsort(x, n, sizeof(*x), cmp_double);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Lower-cased copy of ref when it is a plausible uuid or commit prefix:
 * hex digits and '-' only (no '-' when !allow_dash), at least
 * HISTORY_MIN_PREFIX long. NULL otherwise. */
static int hex_prefix(const char *ref, int allow_dash, char *out, size_t n_out)
{
	size_t len = strlen(ref);

	if (len < HISTORY_MIN_PREFIX || len >= n_out)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)ref[i];

		if (!isxdigit(c) && !(allow_dash && c == '-'))
			return 0;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return 1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* ------------------------------------------------------------ points */

/* Every complete run's ok result, optionally filtered; the columns both
 * history_series and history_regressions read. */
static const char points_sql[] =
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
	" m.fingerprint, run.started_at, run.id";

static int same_series(const struct history_point *a, const struct history_point *b)
{
	return streq(a->suite, b->suite) && streq(a->benchmark, b->benchmark) &&
	       streq(a->backend, b->backend) && streq(a->variant, b->variant) &&
	       streq(a->clock, b->clock) && streq(a->fingerprint, b->fingerprint);
}

static int fill_point(sqlite3_stmt *s, struct history_point *p)
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
	p->median_ns = col_real(s, 12);
	p->ci_lo_ns = col_real(s, 13);
	p->ci_hi_ns = col_real(s, 14);
	p->n_samples = sqlite3_column_int64(s, 15);
	return bad;
}

static int load_points(sqlite3 *db, const char *bench, const char *backend,
		       const char *machine, const char *clock,
		       struct history_point **out, size_t *out_n,
		       char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	struct history_point *pts = NULL;
	size_t n = 0, cap = 0, series = 0;
	int rc, step;

	rc = prepare(db, points_sql, &s, err, n_err);
	if (rc)
		return rc;
	bind_opt(s, 1, bench);
	bind_opt(s, 2, backend);
	bind_opt(s, 3, machine);
	bind_opt(s, 4, clock);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct history_point *p = grow(pts, &cap, n, sizeof(*pts));

		if (!p) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		pts = p;
		p = &pts[n++];
		memset(p, 0, sizeof(*p));
		if (fill_point(s, p)) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		p->change_pct = NAN;
		if (n > 1 && same_series(p - 1, p)) {
			p->series = series;
			if ((p - 1)->median_ns > 0)
				p->change_pct = 100.0 * (p->median_ns / (p - 1)->median_ns - 1.0);
		} else {
			p->series = n > 1 ? ++series : 0;
		}
	}
	if (!rc && step != SQLITE_DONE)
		rc = db_err(db, "cannot read the history", err, n_err);
	sqlite3_finalize(s);
	if (rc) {
		history_points_free(pts, n);
		return rc;
	}
	*out = pts;
	*out_n = n;
	return 0;
}

int history_series(sqlite3 *db, const struct history_query *q,
		   struct history_point **out, size_t *out_n,
		   char *err, size_t n_err)
{
	*out = NULL;
	*out_n = 0;
	if (!q || !q->bench || !*q->bench)
		return err_set(err, n_err, MC_EINVAL, "history: no benchmark given");
	if (q->clock && strcmp(q->clock, "wall") && strcmp(q->clock, "device"))
		return err_set(err, n_err, MC_EINVAL,
			       "history: clock '%s' is neither wall nor device", q->clock);
	return load_points(db, q->bench, q->backend, q->machine, q->clock, out, out_n,
			   err, n_err);
}

void history_points_free(struct history_point *pts, size_t n)
{
	if (!pts)
		return;
	for (size_t i = 0; i < n; i++) {
		struct history_point *p = &pts[i];

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

/* ------------------------------------------------------------ JSON */

/* The add_* helpers return nonzero when cJSON ran out of memory. */
static int add_str(cJSON *o, const char *key, const char *v)
{
	return v ? !cJSON_AddStringToObject(o, key, v) : !cJSON_AddNullToObject(o, key);
}

static int add_num(cJSON *o, const char *key, double v)
{
	return isfinite(v) ? !cJSON_AddNumberToObject(o, key, v)
			   : !cJSON_AddNullToObject(o, key);
}

static int add_dirty(cJSON *o, const char *key, int dirty)
{
	return dirty < 0 ? !cJSON_AddNullToObject(o, key)
			 : !cJSON_AddBoolToObject(o, key, dirty);
}

static int add_key_fields(cJSON *o, const char *suite, const char *bench,
			  const char *backend, const char *variant, const char *clock)
{
	int bad = 0;

	bad |= add_str(o, "suite", suite);
	bad |= add_str(o, "benchmark", bench);
	bad |= add_str(o, "backend", backend);
	bad |= add_str(o, "variant", variant);
	bad |= add_str(o, "clock", clock);
	return bad;
}

cJSON *history_series_json(const struct history_query *q,
			   const struct history_point *pts, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *qo, *arr, *series = NULL, *runs = NULL;
	int bad = !root;

	if (bad)
		return NULL;
	qo = cJSON_AddObjectToObject(root, "query");
	bad |= !qo;
	if (qo) {
		bad |= add_str(qo, "bench", q ? q->bench : NULL);
		bad |= add_str(qo, "backend", q ? q->backend : NULL);
		bad |= add_str(qo, "machine", q ? q->machine : NULL);
		bad |= add_str(qo, "clock", q ? q->clock : NULL);
	}
	arr = cJSON_AddArrayToObject(root, "series");
	bad |= !arr;
	for (size_t i = 0; !bad && i < n; i++) {
		const struct history_point *p = &pts[i];
		cJSON *r;

		if (i == 0 || p->series != pts[i - 1].series) {
			series = cJSON_CreateObject();
			if (!series || !cJSON_AddItemToArray(arr, series)) {
				cJSON_Delete(series);
				bad = 1;
				break;
			}
			bad |= add_key_fields(series, p->suite, p->benchmark, p->backend,
					      p->variant, p->clock);
			bad |= add_str(series, "hostname", p->hostname);
			bad |= add_str(series, "fingerprint", p->fingerprint);
			runs = cJSON_AddArrayToObject(series, "runs");
			if (!runs) {
				bad = 1;
				break;
			}
		}
		r = cJSON_CreateObject();
		if (!r || !cJSON_AddItemToArray(runs, r)) {
			cJSON_Delete(r);
			bad = 1;
			break;
		}
		bad |= !cJSON_AddNumberToObject(r, "run_id", (double)p->run_id);
		bad |= add_str(r, "uuid", p->run_uuid);
		bad |= add_str(r, "started_at", p->started_at);
		bad |= add_str(r, "git_commit", p->git_commit);
		bad |= add_dirty(r, "git_dirty", p->git_dirty);
		bad |= add_num(r, "median_ns", p->median_ns);
		bad |= add_num(r, "ci_lo_ns", p->ci_lo_ns);
		bad |= add_num(r, "ci_hi_ns", p->ci_hi_ns);
		bad |= !cJSON_AddNumberToObject(r, "n_samples", (double)p->n_samples);
		bad |= add_num(r, "change_pct", p->change_pct);
	}
	if (bad) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ------------------------------------------------------------ chart */

/* The label of a series in the chart's key. */
static void series_label(const struct history_point *p, int with_bench,
			 char *out, size_t n_out)
{
	snprintf(out, n_out, "%s%s%s %s%s%s%s (%s)", with_bench ? p->benchmark : "",
		 with_bench ? " " : "", p->backend, p->clock, *p->variant ? " [" : "",
		 p->variant, *p->variant ? "]" : "", p->hostname);
}

int history_chart_svg(const struct history_point *pts, size_t n,
		      const char *title, const char *path,
		      char *err, size_t n_err)
{
	struct chart_batch *batch = NULL;
	struct chart_series *ser = NULL;
	struct chart_axes ax = { 0 };
	const char **xtime = NULL;
	double *y = NULL, max_ns = 0, scale = 1;
	char (*labels)[256] = NULL, xlabel[512], ylabel[96];
	size_t n_series, k = 0;
	int rc = 0, multi_bench = 0;
	FILE *probe;

	if (!pts || n == 0)
		return err_set(err, n_err, MC_EINVAL, "%s: no data to chart", path);
	/* Fail with the reason here rather than as a gnuplot message. */
	probe = fopen(path, "w");
	if (!probe)
		return err_set(err, n_err, MC_EIO, "%s: cannot write the chart: %s", path,
			       strerror(errno));
	fclose(probe);
	n_series = pts[n - 1].series + 1;
	for (size_t i = 0; i < n; i++) {
		max_ns = pts[i].median_ns > max_ns ? pts[i].median_ns : max_ns;
		multi_bench |= !streq(pts[i].suite, pts[0].suite) ||
			       !streq(pts[i].benchmark, pts[0].benchmark);
	}
	ser = calloc(n_series, sizeof(*ser));
	labels = calloc(n_series, sizeof(*labels));
	xtime = calloc(n, sizeof(*xtime));
	y = calloc(3 * n, sizeof(*y));
	if (!ser || !labels || !xtime || !y) {
		rc = err_set(err, n_err, MC_ENOMEM, "%s: out of memory", path);
		goto out;
	}
	units_time_unit(max_ns, &scale);
	for (size_t i = 0; i < n; i++) {
		const struct history_point *p = &pts[i];

		if (i == 0 || p->series != pts[i - 1].series) {
			k = p->series;
			series_label(p, multi_bench, labels[k], sizeof(labels[k]));
			ser[k].label = labels[k];
			ser[k].xtime = xtime + i;
			ser[k].y = y + i;
			ser[k].lo = y + n + i;
			ser[k].hi = y + 2 * n + i;
		}
		ser[k].n++;
		xtime[i] = p->started_at;
		y[i] = p->median_ns / scale;
		y[n + i] = (isfinite(p->ci_lo_ns) ? p->ci_lo_ns : p->median_ns) / scale;
		y[2 * n + i] = (isfinite(p->ci_hi_ns) ? p->ci_hi_ns : p->median_ns) / scale;
	}
	snprintf(xlabel, sizeof(xlabel), "%s: complete runs by start date (UTC)",
		 title ? title : "");
	snprintf(ylabel, sizeof(ylabel), "median time per iteration (%s), 95%% CI",
		 units_time_unit(max_ns, &scale));
	ax.xlabel = xlabel;
	ax.ylabel = ylabel;
	rc = chart_batch_new(&batch, err, n_err);
	if (!rc)
		rc = chart_add_lines(batch, path, &ax, ser, n_series, err, n_err);
	if (!rc)
		rc = chart_batch_draw(batch, NULL, err, n_err);
out:
	chart_batch_free(batch);
	free(y);
	free(xtime);
	free(labels);
	free(ser);
	return rc;
}

/* ------------------------------------------------------------ verdicts */

const char *history_verdict_name(enum history_verdict v)
{
	switch (v) {
	case HISTORY_FASTER:
		return "faster";
	case HISTORY_SLOWER:
		return "slower";
	case HISTORY_UNCHANGED:
		break;
	}
	return "unchanged";
}

/* The whole CI must lie beyond the threshold, not just the point estimate:
 * the samples of one run are taken within milliseconds and miss the slower
 * drift of a shared machine, so a CI that straddles the threshold is an
 * effect that may well be smaller than it. NaN p or CI: unchanged. */
static enum history_verdict verdict_of(const struct history_change *c,
				       double threshold_pct, double alpha)
{
	if (!(c->p < alpha))
		return HISTORY_UNCHANGED;
	if (c->ci_lo_pct >= threshold_pct)
		return HISTORY_SLOWER;
	if (c->ci_hi_pct <= -threshold_pct)
		return HISTORY_FASTER;
	return HISTORY_UNCHANGED;
}

int history_change_verdict(const double *a, size_t na, const double *b, size_t nb,
			   double median_a_ns, double median_b_ns,
			   double threshold_pct, double alpha,
			   struct history_change *out)
{
	double pct, lo, hi;
	int rc;

	if (!out)
		return MC_EINVAL;
	if (!(threshold_pct > 0))
		threshold_pct = HISTORY_THRESHOLD_PCT;
	if (!(alpha > 0))
		alpha = HISTORY_ALPHA;
	out->ci_lo_pct = out->ci_hi_pct = out->p = NAN;
	out->verdict = HISTORY_UNCHANGED;
	rc = na && nb ? stats_change_ci(a, na, b, nb, &pct, &lo, &hi) : MC_EINVAL;
	if (rc == MC_ENOMEM)
		return rc;
	if (rc) {
		/* No usable samples: a change, but no evidence for a verdict. */
		out->change_pct = median_a_ns > 0 && isfinite(median_b_ns)
			? 100.0 * (median_b_ns / median_a_ns - 1.0) : NAN;
		return 0;
	}
	out->change_pct = pct;
	out->ci_lo_pct = lo;
	out->ci_hi_pct = hi;
	/* The values are finite (stats_change_ci checked): NaN is memory. */
	out->p = stats_mann_whitney_p(a, na, b, nb);
	if (isnan(out->p))
		return MC_ENOMEM;
	out->verdict = verdict_of(out, threshold_pct, alpha);
	return 0;
}

/* ------------------------------------------------------------ runs */

static void run_clear(struct history_run *r)
{
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

static int run_load(sqlite3 *db, int64_t id, struct history_run *out,
		    char *err, size_t n_err)
{
	static const char sql[] =
		"SELECT r.id, r.uuid, r.started_at, r.status, r.git_commit,"
		" r.git_dirty, m.hostname, m.fingerprint, r.compiler,"
		" CASE WHEN json_valid(r.provenance)"
		"  THEN json_extract(r.provenance, '$.openblas.version') END, r.rounds"
		" FROM run r JOIN machine m ON m.id = r.machine_id WHERE r.id = ?1";
	sqlite3_stmt *s = NULL;
	int rc, step, bad = 0;

	memset(out, 0, sizeof(*out));
	rc = prepare(db, sql, &s, err, n_err);
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
			     db_name(db), (long long)id);
	} else {
		rc = db_err(db, "cannot read a run", err, n_err);
	}
	sqlite3_finalize(s);
	if (rc)
		run_clear(out);
	return rc;
}

/* Runs one query of ?1 (text) and ?2 (its length) and collects up to two
 * rows of (id, status text). */
static int lookup2(sqlite3 *db, const char *sql, const char *arg,
		   int64_t out_id[2], char out_status[2][16], int *out_n,
		   char *err, size_t n_err)
{
	sqlite3_stmt *s = NULL;
	int rc, step = SQLITE_DONE;

	*out_n = 0;
	rc = prepare(db, sql, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, (int)strlen(arg));
	while (*out_n < 2 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *st = sqlite3_column_text(s, 1);

		out_id[*out_n] = sqlite3_column_int64(s, 0);
		snprintf(out_status[*out_n], 16, "%s", st ? (const char *)st : "");
		(*out_n)++;
	}
	if (*out_n < 2 && step != SQLITE_DONE)
		rc = db_err(db, "cannot look up a run", err, n_err);
	sqlite3_finalize(s);
	return rc;
}

/* The distinct commits matching a prefix: *out_n is 0, 1 or 2 (two or more). */
static int commit_lookup(sqlite3 *db, const char *prefix, char out_commit[80],
			 int *out_n, char *err, size_t n_err)
{
	static const char sql[] =
		"SELECT DISTINCT git_commit FROM run WHERE status = 'complete'"
		" AND substr(lower(git_commit), 1, ?2) = ?1 LIMIT 2";
	sqlite3_stmt *s = NULL;
	int rc, step;

	*out_n = 0;
	rc = prepare(db, sql, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(s, 2, (int)strlen(prefix));
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (*out_n == 0)
			snprintf(out_commit, 80, "%s", sqlite3_column_text(s, 0));
		(*out_n)++;
	}
	if (step != SQLITE_DONE)
		rc = db_err(db, "cannot look up a commit", err, n_err);
	sqlite3_finalize(s);
	return rc;
}

static int not_complete(sqlite3 *db, const char *ref, const char *status,
			char *err, size_t n_err)
{
	return err_set(err, n_err, MC_EINVAL,
		       "%s: run '%s' is %s, not complete; only complete runs are compared",
		       db_name(db), ref, status);
}

int history_resolve_run(sqlite3 *db, const char *ref, int64_t *out_id,
			char *err, size_t n_err)
{
	static const char by_id[] =
		"SELECT id, status FROM run WHERE id = CAST(?1 AS INTEGER) AND ?2 > 0";
	static const char by_uuid[] =
		"SELECT id, status FROM run WHERE substr(lower(uuid), 1, ?2) = ?1"
		" ORDER BY id LIMIT 2";
	static const char by_commit[] =
		"SELECT id, status FROM run WHERE status = 'complete' AND git_commit = ?1"
		" AND ?2 > 0 ORDER BY started_at DESC, id DESC LIMIT 1";
	char key[80], commit[80], status[2][16];
	int64_t ids[2];
	int rc, n = 0;

	if (!ref || !*ref)
		return err_set(err, n_err, MC_EINVAL, "history: empty run reference");
	if (all_digits(ref) && strlen(ref) < 19) {
		rc = lookup2(db, by_id, ref, ids, status, &n, err, n_err);
		if (rc)
			return rc;
		if (n == 1) {
			if (strcmp(status[0], "complete"))
				return not_complete(db, ref, status[0], err, n_err);
			*out_id = ids[0];
			return 0;
		}
	}
	if (hex_prefix(ref, 1, key, sizeof(key))) {
		rc = lookup2(db, by_uuid, key, ids, status, &n, err, n_err);
		if (rc)
			return rc;
		if (n > 1)
			return err_set(err, n_err, MC_EINVAL,
				       "%s: run uuid prefix '%s' is ambiguous; give more characters",
				       db_name(db), ref);
		if (n == 1) {
			if (strcmp(status[0], "complete"))
				return not_complete(db, ref, status[0], err, n_err);
			*out_id = ids[0];
			return 0;
		}
	}
	if (hex_prefix(ref, 0, key, sizeof(key))) {
		rc = commit_lookup(db, key, commit, &n, err, n_err);
		if (rc)
			return rc;
		if (n > 1)
			return err_set(err, n_err, MC_EINVAL,
				       "%s: commit prefix '%s' is ambiguous; give more characters",
				       db_name(db), ref);
		if (n == 1) {
			rc = lookup2(db, by_commit, commit, ids, status, &n, err, n_err);
			if (rc)
				return rc;
			if (n == 1) {
				*out_id = ids[0];
				return 0;
			}
		}
	}
	return err_set(err, n_err, MC_EINVAL,
		       "%s: no complete run '%s' (give a run id, a run uuid or a git "
		       "commit, or a prefix of at least %d characters)",
		       db_name(db), ref, HISTORY_MIN_PREFIX);
}

int history_default_pair(sqlite3 *db, int64_t *out_a, int64_t *out_b,
			 char *err, size_t n_err)
{
	static const char newest[] =
		"SELECT id FROM run WHERE status = 'complete'"
		" ORDER BY started_at DESC, id DESC";
	static const char partner[] =
		"SELECT a.id FROM run a JOIN run b ON b.id = ?1"
		" WHERE a.status = 'complete' AND a.machine_id = b.machine_id"
		" AND (a.started_at < b.started_at"
		"      OR (a.started_at = b.started_at AND a.id < b.id))"
		" AND EXISTS (SELECT 1 FROM result ra JOIN result rb"
		"  ON rb.run_id = b.id AND rb.suite = ra.suite"
		"  AND rb.benchmark = ra.benchmark AND rb.backend = ra.backend"
		"  AND rb.variant = ra.variant AND rb.clock = ra.clock"
		"  WHERE ra.run_id = a.id AND ra.status = 'ok' AND rb.status = 'ok')"
		" ORDER BY a.started_at DESC, a.id DESC LIMIT 1";
	sqlite3_stmt *sb = NULL, *sa = NULL;
	int rc, step = SQLITE_DONE, found = 0;

	rc = prepare(db, newest, &sb, err, n_err);
	if (!rc)
		rc = prepare(db, partner, &sa, err, n_err);
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
			rc = db_err(db, "cannot look for runs to compare", err, n_err);
		}
	}
	if (!rc && !found && step != SQLITE_DONE)
		rc = db_err(db, "cannot look for runs to compare", err, n_err);
	if (!rc && !found)
		rc = err_set(err, n_err, MC_EINVAL,
			     "%s: no two complete runs of one machine share a result "
			     "to compare; name the runs (A B)", db_name(db));
	sqlite3_finalize(sa);
	sqlite3_finalize(sb);
	return rc;
}

/* ------------------------------------------------------------ compare */

static int load_samples(sqlite3_stmt *s, int64_t result_id, double **buf,
			size_t *cap, size_t *out_n)
{
	size_t n = 0;
	int step;

	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, result_id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		double *nb = grow(*buf, cap, n, sizeof(double));

		if (!nb)
			return MC_ENOMEM;
		*buf = nb;
		(*buf)[n++] = sqlite3_column_double(s, 0);
	}
	*out_n = n;
	return step == SQLITE_DONE ? 0 : MC_EDB;
}

static int count_left_out(sqlite3 *db, struct history_comparison *c,
			  char *err, size_t n_err)
{
#define SAME_KEY " y.suite = x.suite AND y.benchmark = x.benchmark" \
	" AND y.backend = x.backend AND y.variant = x.variant AND y.clock = x.clock"
	static const char sql[] =
		"SELECT"
		" (SELECT count(*) FROM result x WHERE x.run_id = ?1 AND NOT EXISTS"
		"  (SELECT 1 FROM result y WHERE y.run_id = ?2 AND" SAME_KEY ")),"
		" (SELECT count(*) FROM result x WHERE x.run_id = ?2 AND NOT EXISTS"
		"  (SELECT 1 FROM result y WHERE y.run_id = ?1 AND" SAME_KEY ")),"
		" (SELECT count(*) FROM result x JOIN result y ON y.run_id = ?2 AND" SAME_KEY
		"  WHERE x.run_id = ?1 AND (x.status <> 'ok' OR y.status <> 'ok'))";
#undef SAME_KEY
	sqlite3_stmt *s = NULL;
	int rc = prepare(db, sql, &s, err, n_err);

	if (rc)
		return rc;
	sqlite3_bind_int64(s, 1, c->a.id);
	sqlite3_bind_int64(s, 2, c->b.id);
	if (sqlite3_step(s) == SQLITE_ROW) {
		c->n_only_a = (size_t)sqlite3_column_int64(s, 0);
		c->n_only_b = (size_t)sqlite3_column_int64(s, 1);
		c->n_not_ok = (size_t)sqlite3_column_int64(s, 2);
	} else {
		rc = db_err(db, "cannot count the results compared", err, n_err);
	}
	sqlite3_finalize(s);
	return rc;
}

static int compare_rows(sqlite3 *db, struct history_comparison *c,
			char *err, size_t n_err)
{
	static const char rows_sql[] =
		"SELECT ra.id, rb.id, ra.suite, ra.benchmark, ra.backend, ra.variant,"
		" ra.clock, ra.median_ns, rb.median_ns"
		" FROM result ra JOIN result rb ON rb.run_id = ?2"
		" AND rb.suite = ra.suite AND rb.benchmark = ra.benchmark"
		" AND rb.backend = ra.backend AND rb.variant = ra.variant"
		" AND rb.clock = ra.clock"
		" WHERE ra.run_id = ?1 AND ra.status = 'ok' AND rb.status = 'ok'"
		" ORDER BY ra.id";
	static const char samples_sql[] =
		"SELECT ns FROM sample WHERE result_id = ?1 ORDER BY idx";
	sqlite3_stmt *s = NULL, *ss = NULL;
	double *xa = NULL, *xb = NULL;
	size_t cap_a = 0, cap_b = 0, na, nb, cap = 0;
	int rc, step;

	rc = prepare(db, rows_sql, &s, err, n_err);
	if (!rc)
		rc = prepare(db, samples_sql, &ss, err, n_err);
	if (rc)
		goto out;
	sqlite3_bind_int64(s, 1, c->a.id);
	sqlite3_bind_int64(s, 2, c->b.id);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		struct history_cmp_row *r = grow(c->rows, &cap, c->n_rows, sizeof(*r));
		int bad = 0;

		if (!r) {
			rc = MC_ENOMEM;
			break;
		}
		c->rows = r;
		r = &c->rows[c->n_rows++];
		memset(r, 0, sizeof(*r));
		bad |= col_str(s, 2, 0, &r->suite);
		bad |= col_str(s, 3, 0, &r->benchmark);
		bad |= col_str(s, 4, 0, &r->backend);
		bad |= col_str(s, 5, 0, &r->variant);
		bad |= col_str(s, 6, 0, &r->clock);
		r->median_a_ns = col_real(s, 7);
		r->median_b_ns = col_real(s, 8);
		if (bad) {
			rc = MC_ENOMEM;
			break;
		}
		rc = load_samples(ss, sqlite3_column_int64(s, 0), &xa, &cap_a, &na);
		if (!rc)
			rc = load_samples(ss, sqlite3_column_int64(s, 1), &xb, &cap_b, &nb);
		if (!rc)
			rc = history_change_verdict(xa, na, xb, nb, r->median_a_ns,
						    r->median_b_ns, c->threshold_pct,
						    c->alpha, &r->change);
		if (rc)
			break;
		r->n_a = (int64_t)na;
		r->n_b = (int64_t)nb;
		r->floor_pct = c->threshold_pct;
	}
	if (rc == MC_ENOMEM)
		rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	else if (rc == MC_EDB || (!rc && step != SQLITE_DONE))
		rc = db_err(db, "cannot read the results compared", err, n_err);
out:
	free(xb);
	free(xa);
	sqlite3_finalize(ss);
	sqlite3_finalize(s);
	return rc;
}

/* Median and MAD of the n values of x (reordered). */
static void median_mad(double *x, size_t n, double *out_median, double *out_mad)
{
	*out_median = median_inplace(x, n);
	for (size_t i = 0; i < n; i++)
		x[i] = fabs(x[i] - *out_median);
	*out_mad = median_inplace(x, n);
}

/* Groups the rows by (backend, clock), sets each group's noise floor and
 * each row's floor_pct, then the verdicts and their counts. */
static int apply_noise_floor(struct history_comparison *c)
{
	double *x = malloc((c->n_rows ? c->n_rows : 1) * sizeof(*x));
	size_t cap = 0;

	if (!x)
		return MC_ENOMEM;
	/* The verdicts gate CI as one test ("anything slower?"), so the floor
	 * controls the chance of a false alarm among all n rows, not per row:
	 * a fixed 3 sigma over 168 results would raise one about every other
	 * comparison of pure Gaussian noise. */
	c->noise_k = c->n_rows
		? stats_normal_upper_quantile(c->alpha / (2.0 * (double)c->n_rows)) : NAN;
	if (!(c->noise_k >= HISTORY_NOISE_K_MIN))
		c->noise_k = HISTORY_NOISE_K_MIN;
	for (size_t i = 0; i < c->n_rows; i++) {
		struct history_cmp_row *r = &c->rows[i];
		struct history_noise *g = NULL;

		for (size_t k = 0; k < c->n_noise && !g; k++)
			if (streq(c->noise[k].backend, r->backend) &&
			    streq(c->noise[k].clock, r->clock))
				g = &c->noise[k];
		if (g)
			continue;
		g = grow(c->noise, &cap, c->n_noise, sizeof(*g));
		if (!g) {
			free(x);
			return MC_ENOMEM;
		}
		c->noise = g;
		g = &c->noise[c->n_noise++];
		memset(g, 0, sizeof(*g));
		g->backend = strdup(r->backend);
		g->clock = strdup(r->clock);
		if (!g->backend || !g->clock) {
			free(x);
			return MC_ENOMEM;
		}
		for (size_t j = i; j < c->n_rows; j++)
			if (streq(c->rows[j].backend, r->backend) &&
			    streq(c->rows[j].clock, r->clock) &&
			    isfinite(c->rows[j].change.change_pct))
				x[g->n++] = c->rows[j].change.change_pct;
		g->median_pct = g->mad_pct = NAN;
		if (g->n)
			median_mad(x, g->n, &g->median_pct, &g->mad_pct);
		g->floor_pct = c->threshold_pct;
		if (g->n >= HISTORY_NOISE_MIN_N &&
		    c->noise_k * 1.4826 * g->mad_pct > g->floor_pct)
			g->floor_pct = c->noise_k * 1.4826 * g->mad_pct;
		for (size_t j = i; j < c->n_rows; j++)
			if (streq(c->rows[j].backend, r->backend) &&
			    streq(c->rows[j].clock, r->clock))
				c->rows[j].floor_pct = g->floor_pct;
	}
	free(x);
	c->n_slower = c->n_faster = c->n_unchanged = 0;
	for (size_t i = 0; i < c->n_rows; i++) {
		struct history_cmp_row *r = &c->rows[i];

		r->change.verdict = verdict_of(&r->change, r->floor_pct, c->alpha);
		if (r->change.verdict == HISTORY_SLOWER)
			c->n_slower++;
		else if (r->change.verdict == HISTORY_FASTER)
			c->n_faster++;
		else
			c->n_unchanged++;
	}
	return 0;
}

int history_compare(sqlite3 *db, int64_t run_a, int64_t run_b,
		    double threshold_pct, double alpha,
		    struct history_comparison **out, char *err, size_t n_err)
{
	struct history_comparison *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	c->threshold_pct = threshold_pct > 0 ? threshold_pct : HISTORY_THRESHOLD_PCT;
	c->alpha = alpha > 0 ? alpha : HISTORY_ALPHA;
	rc = run_load(db, run_a, &c->a, err, n_err);
	if (!rc)
		rc = run_load(db, run_b, &c->b, err, n_err);
	if (!rc)
		rc = compare_rows(db, c, err, n_err);
	if (!rc && apply_noise_floor(c))
		rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	if (!rc)
		rc = count_left_out(db, c, err, n_err);
	if (rc) {
		history_comparison_free(c);
		return rc;
	}
	if (!streq(c->a.fingerprint, c->b.fingerprint))
		c->differs |= HISTORY_DIFF_MACHINE;
	if (!streq(c->a.compiler, c->b.compiler))
		c->differs |= HISTORY_DIFF_COMPILER;
	if ((c->a.openblas_version != NULL) != (c->b.openblas_version != NULL) ||
	    !streq(c->a.openblas_version, c->b.openblas_version))
		c->differs |= HISTORY_DIFF_OPENBLAS;
	if (c->a.git_dirty == 1 || c->b.git_dirty == 1)
		c->differs |= HISTORY_DIFF_DIRTY;
	if (c->a.rounds != c->b.rounds)
		c->differs |= HISTORY_DIFF_ROUNDS;
	*out = c;
	return 0;
}

void history_comparison_free(struct history_comparison *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_rows; i++) {
		struct history_cmp_row *r = &c->rows[i];

		free(r->suite);
		free(r->benchmark);
		free(r->backend);
		free(r->variant);
		free(r->clock);
	}
	free(c->rows);
	for (size_t i = 0; i < c->n_noise; i++) {
		free(c->noise[i].backend);
		free(c->noise[i].clock);
	}
	free(c->noise);
	run_clear(&c->a);
	run_clear(&c->b);
	free(c);
}

static const char *or_unknown(const char *s)
{
	return s && *s ? s : "unknown";
}

void history_comparison_warnings(const struct history_comparison *c,
				 struct sbuf *out)
{
	const char *sep = "";

	if (c->differs & HISTORY_DIFF_MACHINE) {
		sbuf_addf(out, "%scomparing runs from different machines (A: %s %.8s, "
			  "B: %s %.8s); a change may come from the machine, not the code",
			  sep, c->a.hostname, c->a.fingerprint, c->b.hostname,
			  c->b.fingerprint);
		sep = "\n";
	}
	if (c->differs & HISTORY_DIFF_COMPILER) {
		sbuf_addf(out, "%scomparing runs built by different compilers (A: %s, "
			  "B: %s); a change may come from the compiler, not the code",
			  sep, or_unknown(c->a.compiler), or_unknown(c->b.compiler));
		sep = "\n";
	}
	if (c->differs & HISTORY_DIFF_OPENBLAS) {
		sbuf_addf(out, "%scomparing runs with different OpenBLAS versions (A: %s, "
			  "B: %s); a change may come from OpenBLAS, not the code",
			  sep, or_unknown(c->a.openblas_version),
			  or_unknown(c->b.openblas_version));
		sep = "\n";
	}
	if (c->differs & HISTORY_DIFF_DIRTY) {
		const char *which = c->a.git_dirty == 1 && c->b.git_dirty == 1 ? "A and B"
				    : c->a.git_dirty == 1 ? "A" : "B";

		sbuf_addf(out, "%scomparing runs built from a dirty git tree (%s); the "
			  "code measured is not exactly its commit", sep, which);
		sep = "\n";
	}
	if (c->differs & HISTORY_DIFF_ROUNDS) {
		sbuf_addf(out, "%scomparing runs that took their samples in different "
			  "rounds (A: %d, B: %d); their CIs span different stretches of "
			  "each run's drift", sep, c->a.rounds, c->b.rounds);
		sep = "\n";
	}
	for (size_t i = 0; i < c->n_noise; i++) {
		const struct history_noise *g = &c->noise[i];

		if (!(g->floor_pct > c->threshold_pct))
			continue;
		sbuf_addf(out, "%srun-to-run noise of %s (%s clock) between these runs: "
			  "its %zu changes spread by %.3g%% (MAD around %+.3g%%), so only "
			  "a change whose CI clears %.3g%% gets a verdict", sep, g->backend,
			  g->clock, g->n, g->mad_pct, g->median_pct, g->floor_pct);
		sep = "\n";
	}
}

static cJSON *run_json(const struct history_run *r)
{
	cJSON *o = cJSON_CreateObject();
	int bad = !o;

	if (bad)
		return NULL;
	bad |= !cJSON_AddNumberToObject(o, "run_id", (double)r->id);
	bad |= add_str(o, "uuid", r->uuid);
	bad |= add_str(o, "started_at", r->started_at);
	bad |= add_str(o, "git_commit", r->git_commit);
	bad |= add_dirty(o, "git_dirty", r->git_dirty);
	bad |= add_str(o, "hostname", r->hostname);
	bad |= add_str(o, "fingerprint", r->fingerprint);
	bad |= add_str(o, "compiler", r->compiler);
	bad |= add_str(o, "openblas_version", r->openblas_version);
	bad |= !cJSON_AddNumberToObject(o, "rounds", r->rounds);
	if (bad) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Adds item to o under key, or deletes it; nonzero on failure. */
static int add_item(cJSON *o, const char *key, cJSON *item)
{
	if (item && cJSON_AddItemToObject(o, key, item))
		return 0;
	cJSON_Delete(item);
	return 1;
}

static cJSON *warnings_json(const struct history_comparison *c)
{
	struct sbuf w = SBUF_INIT;
	cJSON *arr = cJSON_CreateArray();
	const char *p;
	int bad = !arr;

	history_comparison_warnings(c, &w);
	bad |= sbuf_failed(&w);
	for (p = sbuf_str(&w); !bad && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, len);
		cJSON *s = line ? cJSON_CreateString(line) : NULL;

		free(line);
		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			bad = 1;
		}
		p += len + (nl ? 1 : 0);
	}
	sbuf_release(&w);
	if (bad) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

cJSON *history_comparison_json(const struct history_comparison *c)
{
	cJSON *root = cJSON_CreateObject(), *arr, *sum;
	int bad = !root;

	if (bad)
		return NULL;
	bad |= add_item(root, "a", run_json(&c->a));
	bad |= add_item(root, "b", run_json(&c->b));
	bad |= !cJSON_AddNumberToObject(root, "threshold_pct", c->threshold_pct);
	bad |= !cJSON_AddNumberToObject(root, "alpha", c->alpha);
	bad |= add_num(root, "noise_k", c->noise_k);
	bad |= add_item(root, "warnings", warnings_json(c));
	arr = cJSON_AddArrayToObject(root, "results");
	bad |= !arr;
	for (size_t i = 0; !bad && i < c->n_rows; i++) {
		const struct history_cmp_row *r = &c->rows[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			bad = 1;
			break;
		}
		bad |= add_key_fields(o, r->suite, r->benchmark, r->backend, r->variant,
				      r->clock);
		bad |= !cJSON_AddNumberToObject(o, "n_a", (double)r->n_a);
		bad |= !cJSON_AddNumberToObject(o, "n_b", (double)r->n_b);
		bad |= add_num(o, "median_a_ns", r->median_a_ns);
		bad |= add_num(o, "median_b_ns", r->median_b_ns);
		bad |= add_num(o, "change_pct", r->change.change_pct);
		bad |= add_num(o, "ci_lo_pct", r->change.ci_lo_pct);
		bad |= add_num(o, "ci_hi_pct", r->change.ci_hi_pct);
		bad |= add_num(o, "p", r->change.p);
		bad |= add_num(o, "floor_pct", r->floor_pct);
		bad |= add_str(o, "verdict", history_verdict_name(r->change.verdict));
	}
	arr = bad ? NULL : cJSON_AddArrayToObject(root, "noise");
	bad |= !arr;
	for (size_t i = 0; !bad && i < c->n_noise; i++) {
		const struct history_noise *g = &c->noise[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			bad = 1;
			break;
		}
		bad |= add_str(o, "backend", g->backend);
		bad |= add_str(o, "clock", g->clock);
		bad |= !cJSON_AddNumberToObject(o, "n", (double)g->n);
		bad |= add_num(o, "median_pct", g->median_pct);
		bad |= add_num(o, "mad_pct", g->mad_pct);
		bad |= add_num(o, "floor_pct", g->floor_pct);
	}
	sum = bad ? NULL : cJSON_AddObjectToObject(root, "summary");
	bad |= !sum;
	if (!bad) {
		bad |= !cJSON_AddNumberToObject(sum, "compared", (double)c->n_rows);
		bad |= !cJSON_AddNumberToObject(sum, "slower", (double)c->n_slower);
		bad |= !cJSON_AddNumberToObject(sum, "faster", (double)c->n_faster);
		bad |= !cJSON_AddNumberToObject(sum, "unchanged", (double)c->n_unchanged);
		bad |= !cJSON_AddNumberToObject(sum, "not_ok", (double)c->n_not_ok);
		bad |= !cJSON_AddNumberToObject(sum, "only_a", (double)c->n_only_a);
		bad |= !cJSON_AddNumberToObject(sum, "only_b", (double)c->n_only_b);
	}
	if (bad) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ------------------------------------------------------------ regressions */

/* A date prefix: YYYY-MM, then optionally -DD, THH, :MM, :SS and more. */
static int is_date_prefix(const char *s)
{
	return strlen(s) >= 7 && isdigit((unsigned char)s[0]) &&
	       isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
	       isdigit((unsigned char)s[3]) && s[4] == '-' &&
	       isdigit((unsigned char)s[5]) && isdigit((unsigned char)s[6]);
}

/* The started_at from which shifts are reported, into out (n_out bytes). */
static int since_start(sqlite3 *db, const char *since, char *out, size_t n_out,
		       char *err, size_t n_err)
{
	static const char first_run[] =
		"SELECT min(started_at) FROM run WHERE status = 'complete'"
		" AND git_commit = ?1";
	char key[80], commit[80];
	sqlite3_stmt *s = NULL;
	int rc, n = 0;

	if (is_date_prefix(since)) {
		snprintf(out, n_out, "%s", since);
		return 0;
	}
	if (!hex_prefix(since, 0, key, sizeof(key)))
		return err_set(err, n_err, MC_EINVAL,
			       "--since '%s' is neither a date (YYYY-MM[-DD[THH:MM]]) nor "
			       "a git commit of at least %d hex digits", since,
			       HISTORY_MIN_PREFIX);
	rc = commit_lookup(db, key, commit, &n, err, n_err);
	if (rc)
		return rc;
	if (n == 0)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: --since '%s': no complete run at that commit",
			       db_name(db), since);
	if (n > 1)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: --since '%s': commit prefix is ambiguous; give more "
			       "characters", db_name(db), since);
	rc = prepare(db, first_run, &s, err, n_err);
	if (rc)
		return rc;
	sqlite3_bind_text(s, 1, commit, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, n_out, "%s", sqlite3_column_text(s, 0));
	else
		rc = db_err(db, "cannot find the first run of a commit", err, n_err);
	sqlite3_finalize(s);
	return rc;
}

static int shift_fill(struct history_shift *sh, const struct history_point *pts,
		      size_t n, size_t t, double before, double after)
{
	const struct history_point *p = &pts[t];
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
	sh->direction = after > before ? HISTORY_SLOWER : HISTORY_FASTER;
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

/* Appends the shifts of one series pts[0..n) to *out. */
static int series_shifts(const struct history_point *pts, size_t n, double min_effect,
			 const char *since, struct history_shift **out, size_t *out_n,
			 size_t *cap)
{
	double *x = NULL, *seg = NULL;
	size_t *idx = NULL, n_found = 0;
	int rc = MC_ENOMEM;

	x = malloc(n * sizeof(*x));
	seg = malloc(n * sizeof(*seg));
	idx = malloc(n * sizeof(*idx));
	if (!x || !seg || !idx)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = pts[i].median_ns;
	rc = stats_changepoints(x, n, min_effect, 2, idx, n, &n_found);
	for (size_t k = 0; !rc && k < n_found; k++) {
		size_t t = idx[k], s = k ? idx[k - 1] : 0, e = k + 1 < n_found ? idx[k + 1] : n;
		double before, after;
		struct history_shift *sh;

		if (since && strcmp(pts[t].started_at, since) < 0)
			continue;
		memcpy(seg, x + s, (t - s) * sizeof(*seg));
		before = median_inplace(seg, t - s);
		memcpy(seg, x + t, (e - t) * sizeof(*seg));
		after = median_inplace(seg, e - t);
		sh = grow(*out, cap, *out_n, sizeof(*sh));
		if (!sh) {
			rc = MC_ENOMEM;
			break;
		}
		*out = sh;
		sh = &(*out)[(*out_n)++];
		memset(sh, 0, sizeof(*sh));
		if (shift_fill(sh, pts, n, t, before, after))
			rc = MC_ENOMEM;
	}
out:
	free(idx);
	free(seg);
	free(x);
	return rc;
}

int history_regressions(sqlite3 *db, const struct history_rq *q,
			struct history_shift **out, size_t *out_n,
			size_t *out_series, char *err, size_t n_err)
{
	struct history_point *pts = NULL;
	struct history_shift *shifts = NULL;
	size_t n_pts = 0, n = 0, cap = 0, n_series = 0;
	double thr = q && q->threshold_pct > 0 ? q->threshold_pct : HISTORY_THRESHOLD_PCT;
	char since[80] = "";
	int rc;

	*out = NULL;
	*out_n = 0;
	if (out_series)
		*out_series = 0;
	if (!isfinite(thr))
		return err_set(err, n_err, MC_EINVAL, "history: threshold is not finite");
	if (q && q->since) {
		rc = since_start(db, q->since, since, sizeof(since), err, n_err);
		if (rc)
			return rc;
	}
	rc = load_points(db, NULL, q ? q->backend : NULL, q ? q->machine : NULL, NULL,
			 &pts, &n_pts, err, n_err);
	if (rc)
		return rc;
	for (size_t s = 0, e; !rc && s < n_pts; s = e) {
		for (e = s + 1; e < n_pts && pts[e].series == pts[s].series; e++)
			;
		if (e - s < HISTORY_MIN_RUNS)
			continue;
		n_series++;
		rc = series_shifts(pts + s, e - s, thr / 100.0, since[0] ? since : NULL,
				   &shifts, &n, &cap);
		if (rc)
			rc = err_set(err, n_err, rc, "history: %s while looking for shifts",
				     rc == MC_ENOMEM ? "out of memory" : "bad series");
	}
	history_points_free(pts, n_pts);
	if (rc) {
		history_shifts_free(shifts, n);
		return rc;
	}
	*out = shifts;
	*out_n = n;
	if (out_series)
		*out_series = n_series;
	return 0;
}

void history_shifts_free(struct history_shift *shifts, size_t n)
{
	if (!shifts)
		return;
	for (size_t i = 0; i < n; i++) {
		struct history_shift *s = &shifts[i];

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

cJSON *history_shifts_json(const struct history_rq *q, size_t n_series,
			   const struct history_shift *shifts, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *qo, *arr, *sum;
	size_t n_slower = 0;
	int bad = !root;

	if (bad)
		return NULL;
	qo = cJSON_AddObjectToObject(root, "query");
	bad |= !qo;
	if (qo) {
		double thr = q && q->threshold_pct > 0 ? q->threshold_pct
						       : HISTORY_THRESHOLD_PCT;

		bad |= add_str(qo, "since", q ? q->since : NULL);
		bad |= add_str(qo, "backend", q ? q->backend : NULL);
		bad |= add_str(qo, "machine", q ? q->machine : NULL);
		bad |= !cJSON_AddNumberToObject(qo, "threshold_pct", thr);
		bad |= !cJSON_AddNumberToObject(qo, "min_runs", HISTORY_MIN_RUNS);
	}
	bad |= !cJSON_AddNumberToObject(root, "series_examined", (double)n_series);
	arr = cJSON_AddArrayToObject(root, "shifts");
	bad |= !arr;
	for (size_t i = 0; !bad && i < n; i++) {
		const struct history_shift *s = &shifts[i];
		cJSON *o = cJSON_CreateObject(), *bis;

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			bad = 1;
			break;
		}
		n_slower += s->direction == HISTORY_SLOWER;
		bad |= add_key_fields(o, s->suite, s->benchmark, s->backend, s->variant,
				      s->clock);
		bad |= add_str(o, "hostname", s->hostname);
		bad |= add_str(o, "fingerprint", s->fingerprint);
		bad |= !cJSON_AddNumberToObject(o, "n_runs", (double)s->n_runs);
		bad |= !cJSON_AddNumberToObject(o, "index", (double)s->index);
		bad |= !cJSON_AddNumberToObject(o, "run_id", (double)s->run_id);
		bad |= add_str(o, "uuid", s->run_uuid);
		bad |= add_str(o, "started_at", s->started_at);
		bad |= add_str(o, "git_commit", s->git_commit);
		bad |= add_num(o, "before_ns", s->before_ns);
		bad |= add_num(o, "after_ns", s->after_ns);
		bad |= add_num(o, "change_pct", s->change_pct);
		bad |= add_str(o, "direction", history_verdict_name(s->direction));
		bis = cJSON_AddObjectToObject(o, "bisect");
		bad |= !bis;
		if (bis) {
			bad |= add_str(bis, "good", s->good_commit);
			bad |= add_str(bis, "bad", s->bad_commit);
		}
	}
	sum = bad ? NULL : cJSON_AddObjectToObject(root, "summary");
	bad |= !sum;
	if (!bad) {
		bad |= !cJSON_AddNumberToObject(sum, "shifts", (double)n);
		bad |= !cJSON_AddNumberToObject(sum, "slower", (double)n_slower);
		bad |= !cJSON_AddNumberToObject(sum, "faster", (double)(n - n_slower));
	}
	if (bad) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ------------------------------------------------------------ text helpers */

void history_fmt_pct(double pct, char *out, size_t n_out)
{
	char num[UNITS_LEN];

	if (!isfinite(pct)) {
		snprintf(out, n_out, "-");
		return;
	}
	units_pct(fabs(pct), num, sizeof(num));
	/* "+0%" and "-0%" read as a change; a zero is unsigned. */
	snprintf(out, n_out, "%s%s%%", strcmp(num, "0") == 0 ? "" : pct < 0 ? "-" : "+",
		 num);
}

void history_fmt_commit(const char *commit, int dirty, char *out, size_t n_out)
{
	if (!commit || !*commit)
		snprintf(out, n_out, "-");
	else
		snprintf(out, n_out, "%.7s%s", commit, dirty == 1 ? "+" : "");
}

void history_fmt_date(const char *iso, char *out, size_t n_out)
{
	size_t len = iso ? strlen(iso) : 0;

	if (len < 16) {
		snprintf(out, n_out, "%s", iso ? iso : "");
		return;
	}
	snprintf(out, n_out, "%.10s %.5s", iso, iso + 11);
}

/* Width of s on a terminal: UTF-8 characters, not bytes. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void history_table(struct sbuf *out, const char *const *cells, size_t n_rows,
		   size_t n_cols, const char *align)
{
	size_t *width = calloc(n_cols ? n_cols : 1, sizeof(*width));

	if (!width) {
		out->failed = 1;
		return;
	}
	for (size_t r = 0; r < n_rows; r++)
		for (size_t c = 0; c < n_cols; c++) {
			size_t w = text_width(cells[r * n_cols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < n_rows; r++) {
		size_t line_start = out->len, len;

		for (size_t c = 0; c < n_cols; c++) {
			const char *s = cells[r * n_cols + c] ? cells[r * n_cols + c] : "";
			size_t pad = width[c] - text_width(s);
			int right = align && align[c] == 'r';

			if (c)
				sbuf_add(out, "  ");
			for (size_t k = 0; right && k < pad; k++)
				sbuf_addc(out, ' ');
			sbuf_add(out, s);
			for (size_t k = 0; !right && k < pad; k++)
				sbuf_addc(out, ' ');
		}
		/* No trailing blanks: golden files and diffs stay clean. */
		len = out->len;
		while (!out->failed && len > line_start && out->buf[len - 1] == ' ')
			len--;
		sbuf_truncate(out, len);
		sbuf_addc(out, '\n');
	}
	free(width);
}
