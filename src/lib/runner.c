/*
 * runner.c - the measurement methodology (see runner.h).
 */
#include "runner.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "stats.h"

/* Iterations per sample never exceed this, whatever calibration says. */
#define RUNNER_MAX_ITERS 100000000ull
/* Warm-up to a steady state (see settle): calls go on for at least
 * RUNNER_SETTLE_TARGETS sample targets of time, and beyond that while a
 * call still beats the fastest so far by more than RUNNER_SETTLE_GAIN, up
 * to RUNNER_SETTLE_MAX_NS. */
#define RUNNER_SETTLE_TARGETS 20
#define RUNNER_SETTLE_GAIN 0.05
#define RUNNER_SETTLE_MAX_NS 1e9

struct timing {
	uint64_t iters;
	size_t n;
	double *wall_ns;      /* per iteration, per sample */
	double *dev_ns;       /* NULL without a device clock */
};

const char *runner_plausibility(double flops, double bytes, double median_ns,
				double footprint_bytes,
				const struct runner_peaks *peaks,
				char *msg, size_t n_msg)
{
	double gflops = flops / median_ns, gbps = bytes / median_ns;
	static const char causes[] =
		"likely causes: the device was not synchronised before the clock "
		"stopped, lazy evaluation was not forced, or work was skipped or cached";

	if (peaks->gflops > 0 && gflops > peaks->gflops * RUNNER_PEAK_MARGIN) {
		snprintf(msg, n_msg,
			 "implies %.1f GFLOP/s, beyond the measured peak of %.1f GFLOP/s; %s",
			 gflops, peaks->gflops, causes);
		return "implausible";
	}
	/* Data served from cache can legitimately beat DRAM bandwidth, so the
	 * byte check only applies to working sets far larger than the cache. */
	if (peaks->gbps > 0 && peaks->cache_bytes > 0 &&
	    footprint_bytes > 4 * peaks->cache_bytes &&
	    gbps > peaks->gbps * RUNNER_PEAK_MARGIN) {
		snprintf(msg, n_msg,
			 "implies %.1f GB/s on a %.0f MiB working set, beyond the measured "
			 "bandwidth of %.1f GB/s; %s", gbps, footprint_bytes / 1048576.0,
			 peaks->gbps, causes);
		return "implausible";
	}
	return "ok";
}

/* Probes be's roofline again; raises peaks where the new figure is higher.
 * Returns nonzero when a peak rose. */
static int reprobe(struct backend *be, struct runner_peaks *peaks)
{
	double gflops = -1, gbps = -1;
	char e[MC_ERRLEN];
	int rose = 0;

	if (be->ops->roofline(be, &gflops, &gbps, e, sizeof(e)))
		return 0;
	if (gflops > peaks->gflops) {
		peaks->gflops = gflops;
		rose = 1;
	}
	if (gbps > peaks->gbps) {
		peaks->gbps = gbps;
		rose = 1;
	}
	return rose;
}

static double footprint_of(const struct workload *w)
{
	double n = (double)w->plan.output_len;

	for (size_t i = 0; i < w->plan.n_inputs; i++)
		n += (double)w->plan.input_len[i];
	return n * sizeof(float);
}

/* One timed call of n iterations: wall ns for the whole call, and device ns. */
static int timed_run(struct backend *be, void *state, uint64_t n,
		     double *out_wall, double *out_dev, char *err, size_t n_err)
{
	uint64_t t0, t1;
	int rc;

	t0 = clock_now_ns();
	rc = be->ops->run(be, state, n, out_dev, err, n_err);
	t1 = clock_now_ns();
	*out_wall = (double)(t1 - t0);
	if (!rc && be->self_timed) {
		if (*out_dev < 0 || *out_dev > *out_wall)
			return err_set(err, n_err, MC_EINVAL,
				       "%s reported %.0f ns for a call that took %.0f ns",
				       be->name, *out_dev, *out_wall);
		*out_wall = *out_dev;
		*out_dev = -1;
	}
	return rc;
}

/* The rest of the warm-up, at the calibrated count n: the first calls of
 * a kernel on fresh buffers can be several times slower than the steady
 * state, for longer than calibration lasts (page faults, the kernel
 * migrating pages to the threads' NUMA node or collapsing them into huge
 * pages, a CPU clocking up): seen on a 16-core VM as a layer norm whose
 * first samples took several times its later ones, for tens of ms, as a
 * plateau then a drop as often as a steady decline. So the warm-up lasts
 * a minimum time (RUNNER_SETTLE_TARGETS sample targets: 200 ms at the
 * default 10 ms target), then goes on while a call still beats the
 * fastest so far (best_ns, starting at the last calibration call) by more
 * than RUNNER_SETTLE_GAIN, within RUNNER_SETTLE_MAX_NS. At least one call
 * is made; a call longer than the minimum time is the whole warm-up unless
 * it was still getting faster. */
static int settle(struct backend *be, void *state, uint64_t n, double best_ns,
		  double target_ns, char *msg, size_t n_msg)
{
	double spent = 0, wall, dev, min_ns = RUNNER_SETTLE_TARGETS * target_ns;
	int improving, rc;

	do {
		rc = timed_run(be, state, n, &wall, &dev, msg, n_msg);
		if (rc)
			return rc;
		spent += wall;
		improving = wall < best_ns * (1.0 - RUNNER_SETTLE_GAIN);
		if (wall < best_ns)
			best_ns = wall;
	} while ((spent < min_ns || improving) && spent < RUNNER_SETTLE_MAX_NS);
	return 0;
}

/* Warm-up and calibration: grows the iteration count until one call lasts
 * at least target_ns, then settles (see settle). The calls made here are
 * the warm-up. */
static int calibrate(struct backend *be, void *state, double target_ns,
		     double max_seconds, int samples, uint64_t *out_iters,
		     char *msg, size_t n_msg)
{
	uint64_t n = 1;
	double wall, dev, per_iter;
	int rc;

	for (;;) {
		rc = timed_run(be, state, n, &wall, &dev, msg, n_msg);
		if (rc)
			return rc;
		per_iter = wall / (double)n;
		if (n == 1 && per_iter * (samples + 1) > max_seconds * 1e9) {
			snprintf(msg, n_msg,
				 "one iteration takes %.3g s, so %d samples would exceed "
				 "the suite's budget of %g s", per_iter / 1e9, samples,
				 max_seconds);
			return MC_ENOTSUP;
		}
		if (wall >= target_ns || n >= RUNNER_MAX_ITERS)
			break;
		/* Aim 20% past the target, but never more than 100x at once:
		 * the first calls of a cold kernel are slower than steady state. */
		double want = ceil(target_ns * 1.2 / (per_iter > 0 ? per_iter : 1));
		if (want > (double)n * 100)
			want = (double)n * 100;
		n = want > (double)(n + 1) ? (uint64_t)want : n + 1;
		if (n > RUNNER_MAX_ITERS)
			n = RUNNER_MAX_ITERS;
	}
	*out_iters = n;
	return settle(be, state, n, wall, target_ns, msg, n_msg);
}

static int take_samples(struct backend *be, void *state, struct timing *t,
			char *msg, size_t n_msg)
{
	for (size_t i = 0; i < t->n; i++) {
		double wall, dev = -1;
		int rc = timed_run(be, state, t->iters, &wall, &dev, msg, n_msg);

		if (rc)
			return rc;
		t->wall_ns[i] = wall / (double)t->iters;
		if (t->dev_ns) {
			if (dev < 0) {
				snprintf(msg, n_msg, "backend %s reported no device time",
					 be->name);
				return MC_EINVAL;
			}
			t->dev_ns[i] = dev / (double)t->iters;
		}
	}
	return 0;
}

/* Stores one row per clock; with no samples (not timed) rows carry only
 * the status and message. */
static int store_rows(struct store *st, int64_t run_id, struct store_result *r,
		      const struct backend *be, const struct timing *t,
		      char *err, size_t n_err)
{
	int rc;

	r->clock = "wall";
	if (t && t->n) {
		if (stats_summarize(t->wall_ns, t->n, &r->stats))
			return err_set(err, n_err, MC_EINVAL, "non-finite wall sample");
	}
	rc = store_result_add(st, run_id, r, t ? t->wall_ns : NULL, t ? t->n : 0,
			      err, n_err);
	if (rc || !be->has_device_clock)
		return rc;
	r->clock = "device";
	if (t && t->n && t->dev_ns) {
		if (stats_summarize(t->dev_ns, t->n, &r->stats))
			return err_set(err, n_err, MC_EINVAL, "non-finite device sample");
	}
	return store_result_add(st, run_id, r, t && t->dev_ns ? t->dev_ns : NULL,
				t && t->dev_ns ? t->n : 0, err, n_err);
}

int runner_measure(struct store *st, int64_t run_id, const struct suite *s,
		   const struct suite_bench *b, const struct workload *w,
		   const float *ref, struct backend *be, const char *variant,
		   struct runner_peaks *peaks, struct runner_outcome *out,
		   char *err, size_t n_err)
{
	char params[512], msg[512] = "";
	struct store_result r;
	struct timing t = { 0 };
	void *state = NULL;
	float *got = NULL;
	double dev_dummy, first_iter_ns = 0;
	int rc, stored_rc;

	workload_params_json(w, params, sizeof(params));
	memset(&r, 0, sizeof(r));
	r.suite = s->name;
	r.benchmark = b->name;
	r.kernel = b->spec->name;
	r.params = params;
	r.backend = be->name;
	r.variant = variant;
	r.flops = w->plan.flops;
	r.bytes = w->plan.bytes;
	r.max_abs_err = NAN;
	r.max_rel_err = NAN;
	r.status = "failed";

	rc = be->ops->prepare(be, w, variant, &state, msg, sizeof(msg));
	if (rc) {
		/* A peer that built other shapes than the workload defines
		 * (MC_EVALID) is not measuring the same work: invalid. */
		if (rc == MC_ENOTSUP)
			r.status = "skipped";
		else if (rc == MC_EVALID)
			r.status = "invalid";
		goto record;
	}
	/* Validation before any timing: the first iteration's output must
	 * match the reference computed from the same seeded inputs. */
	got = malloc(w->plan.output_len * sizeof(float));
	if (!got) {
		snprintf(msg, sizeof(msg), "out of memory for the output");
		goto record;
	}
	{
		double first_wall;

		rc = timed_run(be, state, 1, &first_wall, &dev_dummy, msg, sizeof(msg));
		if (!rc)
			rc = be->ops->output(be, state, got, msg, sizeof(msg));
		if (rc)
			goto record;
		/* A first call already too slow for the budget is skipped after
		 * validation, without another call to confirm it. */
		if (first_wall * (b->samples + 1) > b->max_seconds * 2e9)
			t.iters = 0;
		else
			t.iters = 1;
		first_iter_ns = first_wall;
	}
	rc = workload_check(ref, got, w->plan.output_len, b->rtol, b->atol,
			    &r.max_abs_err, &r.max_rel_err, msg, sizeof(msg));
	if (rc) {
		r.status = "invalid";
		goto record;
	}

	if (t.iters == 0) {
		snprintf(msg, sizeof(msg),
			 "one iteration takes %.3g s, so %d samples would exceed "
			 "the suite's budget of %g s", first_iter_ns / 1e9, b->samples,
			 b->max_seconds);
		rc = MC_ENOTSUP;
	} else {
		rc = calibrate(be, state, b->target_ms * 1e6, b->max_seconds,
			       b->samples, &t.iters, msg, sizeof(msg));
	}
	if (rc) {
		r.status = rc == MC_ENOTSUP ? "skipped" : "failed";
		goto record;
	}
	t.n = (size_t)b->samples;
	t.wall_ns = calloc(t.n, sizeof(double));
	t.dev_ns = be->has_device_clock ? calloc(t.n, sizeof(double)) : NULL;
	if (!t.wall_ns || (be->has_device_clock && !t.dev_ns)) {
		snprintf(msg, sizeof(msg), "out of memory for samples");
		t.n = 0;
		goto record;
	}
	rc = take_samples(be, state, &t, msg, sizeof(msg));
	if (rc) {
		t.n = 0;
		goto record;
	}
	/* The output after timing must still be right: a kernel that only
	 * computes on its first call, or caches, is caught here. */
	rc = be->ops->output(be, state, got, msg, sizeof(msg));
	if (!rc)
		rc = workload_check(ref, got, w->plan.output_len, b->rtol, b->atol,
				    &r.max_abs_err, &r.max_rel_err, msg, sizeof(msg));
	if (rc) {
		r.status = "invalid";
		t.n = 0;
		goto record;
	}
	r.iters_per_sample = (int64_t)t.iters;
	r.status = "ok";
	{
		struct stats_summary ws;
		double *best = t.dev_ns ? t.dev_ns : t.wall_ns;

		/* Plausibility uses the fastest clock's median: device time
		 * excludes host overhead, so it is the one that could be too fast. */
		/* An implausible result keeps its samples as evidence; reports
		 * never show it as a time. */
		if (stats_summarize(best, t.n, &ws) == 0)
			r.status = runner_plausibility(w->plan.flops, w->plan.bytes,
						       ws.median, footprint_of(w),
						       peaks, msg, sizeof(msg));
		/* The probe at the start of the run may have been slowed by
		 * other load; before rejecting, probe again and keep the
		 * higher peaks, so only a result beyond a quiet peak fails. */
		if (strcmp(r.status, "ok") != 0 && reprobe(be, peaks))
			r.status = runner_plausibility(w->plan.flops, w->plan.bytes,
						       ws.median, footprint_of(w),
						       peaks, msg, sizeof(msg));
	}

record:
	r.message = msg[0] ? msg : NULL;
	if (strcmp(r.status, "ok") != 0 && strcmp(r.status, "implausible") != 0)
		t.n = 0;
	stored_rc = store_rows(st, run_id, &r, be, t.n ? &t : NULL, err, n_err);
	if (out) {
		out->status = r.status;
		snprintf(out->message, sizeof(out->message), "%s", msg);
		out->median_ns = t.n ? r.stats.median : NAN;
		if (t.n && be->has_device_clock) {
			struct stats_summary ws;
			if (stats_summarize(t.wall_ns, t.n, &ws) == 0)
				out->median_ns = ws.median;
		}
	}
	be->ops->release(be, state);
	free(got);
	free(t.wall_ns);
	free(t.dev_ns);
	return stored_rc;
}
