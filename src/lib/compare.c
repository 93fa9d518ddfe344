/*
 * compare.c - two runs compared result by result (compare.h).
 *
 * The shared results and their raw samples come from store_history; the
 * change, its CI, the p-value, the noise floor of each (backend, clock)
 * group and the verdicts are stats.c's rules.
 */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The rows of c from the pairs of results of its runs, each with the
 * change of its samples at the threshold (the noise floors come later). */
static int compare_rows(struct store_history *h, struct compare_result *c,
			char *err, size_t n_err)
{
	struct store_history_pair *pairs = NULL;
	double *xa = NULL, *xb = NULL;
	size_t n_pairs = 0, cap_a = 0, cap_b = 0, na, nb;
	int rc;

	rc = store_history_pairs(h, c->a.id, c->b.id, &pairs, &n_pairs, err, n_err);
	if (rc)
		return rc;
	c->rows = calloc(n_pairs ? n_pairs : 1, sizeof(*c->rows));
	if (!c->rows) {
		rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_pairs && !rc; i++) {
		struct store_history_pair *p = &pairs[i];
		struct compare_row *r = &c->rows[c->n_rows++];

		/* The row takes over the pair's strings. */
		r->suite = p->suite;
		r->benchmark = p->benchmark;
		r->backend = p->backend;
		r->variant = p->variant;
		r->clock = p->clock;
		p->suite = p->benchmark = p->backend = p->variant = p->clock = NULL;
		r->median_a_ns = p->median_a_ns;
		r->median_b_ns = p->median_b_ns;
		rc = store_history_samples(h, p->result_a, &xa, &cap_a, &na, err, n_err);
		if (!rc)
			rc = store_history_samples(h, p->result_b, &xb, &cap_b, &nb, err, n_err);
		if (rc)
			break;
		if (stats_change_verdict_rounds(xa, na, p->rounds_a ? p->rounds_a : c->a.rounds,
						xb, nb, p->rounds_b ? p->rounds_b : c->b.rounds,
						r->median_a_ns, r->median_b_ns,
						c->threshold_pct, c->alpha, &r->change)) {
			rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
			break;
		}
		r->n_a = (int64_t)na;
		r->n_b = (int64_t)nb;
		r->floor_pct = c->threshold_pct;
	}
out:
	free(xb);
	free(xa);
	store_history_pairs_free(pairs, n_pairs);
	return rc;
}

static int same_result(const struct compare_row *r, const struct store_history_point *p)
{
	return streq(r->suite, p->suite) && streq(r->benchmark, p->benchmark) &&
	       streq(r->backend, p->backend) && streq(r->variant, p->variant) &&
	       streq(r->clock, p->clock);
}

/* Each row's own history (compare_row): the medians of its result in the
 * machine's other complete runs, oldest first. Only when both runs are of
 * one machine: another machine's history says nothing of this one. */
static int history_noise(struct store_history *h, struct compare_result *c,
			 char *err, size_t n_err)
{
	struct store_history_point *pts = NULL;
	double *med = NULL;
	size_t n_pts = 0;
	int rc;

	for (size_t i = 0; i < c->n_rows; i++) {
		c->rows[i].hist_n = 0;
		c->rows[i].hist_sd_pct = NAN;
	}
	if (!c->n_rows || !c->a.fingerprint || !streq(c->a.fingerprint, c->b.fingerprint))
		return 0;
	rc = store_history_points(h, NULL, NULL, c->b.fingerprint, NULL, &pts, &n_pts,
				  err, n_err);
	if (rc)
		return rc;
	med = malloc((n_pts ? n_pts : 1) * sizeof(*med));
	if (!med) {
		store_history_points_free(pts, n_pts);
		return err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	}
	/* The points come series by series; each series is one result of
	 * one machine (fingerprint), so at most one row matches it. */
	for (size_t s = 0; s < n_pts;) {
		size_t e = s, n = 0;
		struct compare_row *r = NULL;

		while (e < n_pts && pts[e].series == pts[s].series)
			e++;
		if (streq(pts[s].fingerprint, c->b.fingerprint))
			for (size_t i = 0; i < c->n_rows && !r; i++)
				if (same_result(&c->rows[i], &pts[s]))
					r = &c->rows[i];
		for (size_t j = s; r && j < e; j++)
			if (pts[j].run_id != c->a.id && pts[j].run_id != c->b.id)
				med[n++] = pts[j].median_ns;
		if (r) {
			r->hist_n = n;
			r->hist_sd_pct = stats_history_sd_pct(med, n);
		}
		s = e;
	}
	free(med);
	store_history_points_free(pts, n_pts);
	return 0;
}

static int same_group(const struct compare_row *r, const char *backend,
		      const char *clock)
{
	return streq(r->backend, backend) && streq(r->clock, clock);
}

static void noise_free(struct compare_result *c)
{
	for (size_t i = 0; i < c->n_noise; i++) {
		free(c->noise[i].backend);
		free(c->noise[i].clock);
	}
	free(c->noise);
	c->noise = NULL;
	c->n_noise = 0;
}

/* Groups the rows by (backend, clock) and sets each group's median, MAD
 * and noise floor, and each row's floor_pct from its group's. x: scratch
 * of n_rows. */
static int group_noise(struct compare_result *c, double *x)
{
	noise_free(c);
	c->noise = calloc(c->n_rows ? c->n_rows : 1, sizeof(*c->noise));
	if (!c->noise)
		return MC_ENOMEM;
	for (size_t i = 0; i < c->n_rows; i++) {
		struct compare_row *r = &c->rows[i];
		struct compare_noise *g = NULL;

		for (size_t k = 0; k < c->n_noise && !g; k++)
			if (same_group(r, c->noise[k].backend, c->noise[k].clock))
				g = &c->noise[k];
		if (g)
			continue;
		g = &c->noise[c->n_noise++];
		g->backend = strdup(r->backend);
		g->clock = strdup(r->clock);
		if (!g->backend || !g->clock)
			return MC_ENOMEM;
		for (size_t j = i; j < c->n_rows; j++)
			if (same_group(&c->rows[j], r->backend, r->clock) &&
			    isfinite(c->rows[j].change.change_pct))
				x[g->n++] = c->rows[j].change.change_pct;
		g->median_pct = g->mad_pct = NAN;
		if (g->n)
			stats_median_mad(x, g->n, &g->median_pct, &g->mad_pct);
		g->floor_pct = stats_noise_floor(c->threshold_pct, c->noise_k, g->n,
						 g->mad_pct);
		for (size_t j = i; j < c->n_rows; j++)
			if (same_group(&c->rows[j], r->backend, r->clock))
				c->rows[j].floor_pct = g->floor_pct;
	}
	return 0;
}

static double relative_to(double pct, double shift_pct)
{
	return 100.0 * ((1.0 + pct / 100.0) / (1.0 + shift_pct / 100.0) - 1.0);
}

/* The machine's own move between the runs (compare_result.shift_pct):
 * when every group of at least STATS_NOISE_MIN_N results, of two backends
 * or more, moved past the threshold the same way (a VM whose neighbour
 * took the memory bus for the whole of run A: every kernel of every
 * backend, a single-threaded reference one as much as a peer's, 45%
 * slower), the median change of all rows is that move, and each row's
 * change and CI become relative to it. A change of the code moves some
 * results and not others (and never a peer's framework); the rows it
 * moved still stand out from the rest. One backend alone cannot tell
 * its code from the machine, so then nothing is taken out. x: scratch. */
static void run_shift(struct compare_result *c, double *x)
{
	int up = 1, down = 1, backends = 0;
	size_t n = 0;

	c->shift_pct = NAN;
	for (size_t k = 0; k < c->n_noise; k++) {
		const struct compare_noise *g = &c->noise[k];
		int seen = 0;

		if (g->n < STATS_NOISE_MIN_N)
			continue;
		for (size_t j = 0; j < k && !seen; j++)
			seen = c->noise[j].n >= STATS_NOISE_MIN_N &&
			       streq(c->noise[j].backend, g->backend);
		backends += !seen;
		up &= g->median_pct >= c->threshold_pct;
		down &= g->median_pct <= -c->threshold_pct;
	}
	if (backends < 2 || !(up || down))
		return;
	for (size_t i = 0; i < c->n_rows; i++)
		if (isfinite(c->rows[i].change.change_pct))
			x[n++] = log1p(c->rows[i].change.change_pct / 100.0);
	c->shift_pct = 100.0 * expm1(stats_median_inplace(x, n));
	for (size_t i = 0; i < c->n_rows; i++) {
		struct stats_change *ch = &c->rows[i].change;

		ch->change_pct = relative_to(ch->change_pct, c->shift_pct);
		ch->ci_lo_pct = relative_to(ch->ci_lo_pct, c->shift_pct);
		ch->ci_hi_pct = relative_to(ch->ci_hi_pct, c->shift_pct);
	}
}

/* Sets the noise floors, takes out a move of the whole machine
 * (run_shift, the floors then set again on what is left), then the
 * verdicts and their counts. */
static int apply_noise_floor(struct compare_result *c)
{
	double *x = malloc((c->n_rows ? c->n_rows : 1) * sizeof(*x));
	int rc;

	if (!x)
		return MC_ENOMEM;
	c->noise_k = stats_noise_k(c->alpha, c->n_rows);
	for (size_t i = 0; i < c->n_rows; i++)
		c->rows[i].raw_change_pct = c->rows[i].change.change_pct;
	rc = group_noise(c, x);
	if (!rc) {
		run_shift(c, x);
		if (isfinite(c->shift_pct))
			rc = group_noise(c, x);
	}
	free(x);
	if (rc)
		return rc;
	c->n_slower = c->n_faster = c->n_unchanged = c->n_inconclusive = 0;
	for (size_t i = 0; i < c->n_rows; i++) {
		struct compare_row *r = &c->rows[i];

		if (isfinite(r->hist_sd_pct)) {
			double fl = c->noise_k * r->hist_sd_pct;

			r->floor_pct = fl > c->threshold_pct ? fl : c->threshold_pct;
			r->change.verdict = stats_verdict_history(&r->change, r->floor_pct,
								  c->threshold_pct, c->alpha);
		} else {
			r->change.verdict = stats_verdict(&r->change, r->floor_pct, c->alpha);
		}
		if (r->change.verdict == STATS_SLOWER)
			c->n_slower++;
		else if (r->change.verdict == STATS_FASTER)
			c->n_faster++;
		else if (r->change.verdict == STATS_INCONCLUSIVE)
			c->n_inconclusive++;
		else
			c->n_unchanged++;
	}
	return 0;
}

static unsigned differences(const struct compare_result *c)
{
	unsigned d = 0;

	if (!streq(c->a.fingerprint, c->b.fingerprint))
		d |= COMPARE_DIFF_MACHINE;
	if (!streq(c->a.compiler, c->b.compiler))
		d |= COMPARE_DIFF_COMPILER;
	if ((c->a.openblas_version != NULL) != (c->b.openblas_version != NULL) ||
	    !streq(c->a.openblas_version, c->b.openblas_version))
		d |= COMPARE_DIFF_OPENBLAS;
	if (c->a.git_dirty == 1 || c->b.git_dirty == 1)
		d |= COMPARE_DIFF_DIRTY;
	if (c->a.rounds != c->b.rounds)
		d |= COMPARE_DIFF_ROUNDS;
	return d;
}

int compare_runs(struct store_history *h, int64_t run_a, int64_t run_b,
		 double threshold_pct, double alpha,
		 struct compare_result **out, char *err, size_t n_err)
{
	struct compare_result *c;
	int rc;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	c->threshold_pct = threshold_pct > 0 ? threshold_pct : STATS_THRESHOLD_PCT;
	c->alpha = alpha > 0 ? alpha : STATS_ALPHA;
	rc = store_history_run(h, run_a, &c->a, err, n_err);
	if (!rc)
		rc = store_history_run(h, run_b, &c->b, err, n_err);
	if (!rc)
		rc = compare_rows(h, c, err, n_err);
	if (!rc)
		rc = history_noise(h, c, err, n_err);
	if (!rc && apply_noise_floor(c))
		rc = err_set(err, n_err, MC_ENOMEM, "history: out of memory");
	if (!rc)
		rc = store_history_left_out(h, c->a.id, c->b.id, &c->n_only_a,
					    &c->n_only_b, &c->n_not_ok, err, n_err);
	if (rc) {
		compare_result_free(c);
		return rc;
	}
	c->differs = differences(c);
	*out = c;
	return 0;
}

void compare_result_free(struct compare_result *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_rows; i++) {
		struct compare_row *r = &c->rows[i];

		free(r->suite);
		free(r->benchmark);
		free(r->backend);
		free(r->variant);
		free(r->clock);
	}
	free(c->rows);
	noise_free(c);
	store_history_run_clear(&c->a);
	store_history_run_clear(&c->b);
	free(c);
}

static const char *or_unknown(const char *s)
{
	return s && *s ? s : "unknown";
}

void compare_warnings(const struct compare_result *c, struct sbuf *out)
{
	const char *sep = "";

	if (c->differs & COMPARE_DIFF_MACHINE) {
		sbuf_addf(out, "%scomparing runs from different machines (A: %s %.8s, "
			  "B: %s %.8s); a change may come from the machine, not the code",
			  sep, c->a.hostname, c->a.fingerprint, c->b.hostname,
			  c->b.fingerprint);
		sep = "\n";
	}
	if (c->differs & COMPARE_DIFF_COMPILER) {
		sbuf_addf(out, "%scomparing runs built by different compilers (A: %s, "
			  "B: %s); a change may come from the compiler, not the code",
			  sep, or_unknown(c->a.compiler), or_unknown(c->b.compiler));
		sep = "\n";
	}
	if (c->differs & COMPARE_DIFF_OPENBLAS) {
		sbuf_addf(out, "%scomparing runs with different OpenBLAS versions (A: %s, "
			  "B: %s); a change may come from OpenBLAS, not the code",
			  sep, or_unknown(c->a.openblas_version),
			  or_unknown(c->b.openblas_version));
		sep = "\n";
	}
	if (c->differs & COMPARE_DIFF_DIRTY) {
		const char *which = c->a.git_dirty == 1 && c->b.git_dirty == 1 ? "A and B"
				    : c->a.git_dirty == 1 ? "A" : "B";

		sbuf_addf(out, "%scomparing runs built from a dirty git tree (%s); the "
			  "code measured is not exactly its commit", sep, which);
		sep = "\n";
	}
	if (c->differs & COMPARE_DIFF_ROUNDS) {
		sbuf_addf(out, "%scomparing runs that took their samples in different "
			  "rounds (A: %d, B: %d); their CIs span different stretches of "
			  "each run's drift", sep, c->a.rounds, c->b.rounds);
		sep = "\n";
	}
	if (isfinite(c->shift_pct)) {
		sbuf_addf(out, "%sthe whole of run B moved %+.3g%% against A: every backend's "
			  "results moved alike, past the %g%% threshold, so most likely the "
			  "machine did, not the code; each change and verdict below is "
			  "relative to that move (the raw change: --json change_raw_pct)",
			  sep, c->shift_pct, c->threshold_pct);
		sep = "\n";
	}
	for (size_t i = 0; i < c->n_noise; i++) {
		const struct compare_noise *g = &c->noise[i];

		if (!(g->floor_pct > c->threshold_pct))
			continue;
		sbuf_addf(out, "%srun-to-run noise of %s (%s clock) between these runs: "
			  "its %zu changes spread by %.3g%% (MAD around %+.3g%%), so only "
			  "a change whose CI clears %.3g%% gets a verdict", sep, g->backend,
			  g->clock, g->n, g->mad_pct, g->median_pct, g->floor_pct);
		sep = "\n";
	}
}
