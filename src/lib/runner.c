/*
 * runner.c - the measurement methodology (see runner.h).
 */
#include "runner.h"
#include "memstat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "noise.h"
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
	struct noise_sample *noise;  /* the machine's noise over each sample */
};

double runner_variant_flops(const char *variant, double flops)
{
	return workload_variant_is_fp16(variant) ? 0.0 : flops;
}

double runner_variant_float_bytes(const char *variant)
{
	return workload_variant_is_fp16(variant) ? 2.0 : 4.0;
}

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
	 * byte check only applies to working sets far larger than the cache.
	 * The working set is what one call must touch: its buffers, or its
	 * compulsory bytes when those are fewer (an embedding lookup gathers
	 * 512 rows of a 545 MB table: the same rows, call after call, come
	 * from cache). */
	if (bytes > 0 && bytes < footprint_bytes)
		footprint_bytes = bytes;
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

/* The bytes of w's inputs and output, at float_bytes a float. */
static double footprint_of(const struct workload *w, double float_bytes)
{
	double n = (double)w->plan.output_len;

	for (size_t i = 0; i < w->plan.n_inputs; i++)
		n += (double)w->plan.input_len[i];
	return n * float_bytes;
}

struct runner_task {
	const struct suite_bench *b;          /* borrowed, like the rest */
	const struct workload *w;
	const float *ref;
	struct backend *be;
	struct runner_peaks *peaks;
	int rounds;                           /* min(asked, samples) */
	int settled;                          /* outcome decided: no more rounds */
	struct store_result r;
	char params[512], msg[512];
	struct timing t;                      /* t.n allocated, taken filled */
	size_t taken;
	float *got;                           /* the output, during a round only */
	int (*stop)(void *);                  /* asked to stop (a signal); may be NULL */
	void *stop_ctx;
	double spent_ns;                      /* what every call so far took, whole */
	double budget_ns;                     /* the most spent_ns may reach */
	/* A share of the run's budget (runner_task_limit): the wall time its
	 * rounds may take, prepare and release included; 0 for none. */
	double share_ns;
	char share_why[160];                  /* "its share (.. s) of the run's .." */
	double first_est_ns;                  /* what its first call should take, 0 unknown */
	double prep_est_ns;                   /* what preparing it should take, 0 unknown */
	char first_est_from[96];              /* how those were estimated */
	double first_ns;                      /* what round 0's first call took */
	double prepare_ns;                    /* what round 0's prepare took */
	double rounds_ns;                     /* wall time of the rounds ended */
	double calib_ns;                      /* round 0's calibration, not repeated */
	uint64_t round_t0;                    /* start of the round in progress */
	int rounds_done;
	struct workload_tol tol;              /* the variant's (workload_variant_tol) */
	double footprint;                     /* bytes of the inputs and output */
	struct noise_clock nclock;            /* for the steal flag */
};

static int task_halt(struct runner_task *t, char *msg, size_t n_msg);

/* One timed call of n iterations: wall ns for the whole call, and device ns.
 * The task's spent time grows by what the call really took, which for a
 * self-timed backend is more than its wall clock (a device pass, a peer's
 * profiled second pass, the pipe): the budget is of the machine's time. */
static int timed_run(struct runner_task *t, struct backend *be, void *state,
		     uint64_t n, double *out_wall, double *out_dev, char *err,
		     size_t n_err)
{
	uint64_t t0, t1;
	int rc;

	t0 = clock_now_ns();
	rc = be->ops->run(be, state, n, out_dev, err, n_err);
	t1 = clock_now_ns();
	*out_wall = (double)(t1 - t0);
	t->spent_ns += *out_wall;
	if (!rc && be->self_timed) {
		if (*out_dev < 0 || *out_dev > *out_wall)
			return err_set(err, n_err, MC_EINVAL,
				       "%s reported %.0f ns for a call that took %.0f ns",
				       be->name, *out_dev, *out_wall);
		*out_wall = *out_dev;
		*out_dev = be->has_device_clock && be->ops->self_device_ns ?
			   be->ops->self_device_ns(be, state) : -1;
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
static int settle(struct runner_task *t, struct backend *be, void *state, uint64_t n,
		  double best_ns, double target_ns, char *msg, size_t n_msg)
{
	double spent = 0, wall, dev, min_ns = RUNNER_SETTLE_TARGETS * target_ns;
	int improving, rc;

	do {
		rc = task_halt(t, msg, n_msg);
		if (!rc)
			rc = timed_run(t, be, state, n, &wall, &dev, msg, n_msg);
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
static int calibrate(struct runner_task *t, struct backend *be, void *state,
		     double target_ns, double max_seconds, int samples,
		     uint64_t *out_iters, char *msg, size_t n_msg)
{
	uint64_t n = 1, c0 = clock_now_ns();
	double wall, dev, per_iter;
	int rc;

	for (;;) {
		rc = task_halt(t, msg, n_msg);
		if (!rc)
			rc = timed_run(t, be, state, n, &wall, &dev, msg, n_msg);
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
	/* What later rounds will not repeat, for runner_task_remaining_ns. */
	t->calib_ns = (double)(clock_now_ns() - c0);
	return settle(t, be, state, n, wall, target_ns, msg, n_msg);
}

/* What the machine did over one sample's call (noise.h): marks taken just
 * outside the timed call, so reading /proc costs the sample nothing. A
 * backend running in another process reports that process's context
 * switches (and a GPU's clock) itself; one with clock_mhz gets mhz, the
 * mean of its clock read just before and just after the call. */
static void sample_noise(struct runner_task *task, struct backend *be, void *state,
			 const struct noise_mark *m0, const struct noise_mark *m1,
			 double window_ns, double mhz, struct noise_sample *out)
{
	noise_between(m0, m1, window_ns, &task->nclock, out);
	if (be->ops->clock_mhz)
		out->sm_clock_mhz = mhz;
	if (be->ops->self_noise) {
		struct noise_sample own;

		noise_sample_unknown(&own);
		be->ops->self_noise(be, state, &own);
		out->nvcsw = own.nvcsw;
		out->nivcsw = own.nivcsw;
		out->sm_clock_mhz = own.sm_clock_mhz;
	}
}

static int take_sample(struct runner_task *task, struct backend *be, void *state,
		       struct timing *t, size_t i, char *msg, size_t n_msg)
{
	double wall, dev = -1, mhz0 = NAN, mhz1 = NAN;
	struct noise_mark m0, m1;
	uint64_t w0, w1;
	int rc = task_halt(task, msg, n_msg);

	if (rc)
		return rc;
	if (be->ops->clock_mhz)
		mhz0 = be->ops->clock_mhz(be);
	noise_mark_now(NULL, &m0);
	w0 = clock_now_ns();
	rc = timed_run(task, be, state, t->iters, &wall, &dev, msg, n_msg);
	w1 = clock_now_ns();
	noise_mark_now(NULL, &m1);
	if (rc)
		return rc;
	if (be->ops->clock_mhz)
		mhz1 = be->ops->clock_mhz(be);
	sample_noise(task, be, state, &m0, &m1, (double)(w1 - w0),
		     isnan(mhz0) ? mhz1 : isnan(mhz1) ? mhz0 : (mhz0 + mhz1) / 2, &t->noise[i]);
	t->wall_ns[i] = wall / (double)t->iters;
	if (t->dev_ns) {
		if (dev < 0) {
			snprintf(msg, n_msg, "backend %s reported no device time",
				 be->name);
			return MC_EINVAL;
		}
		t->dev_ns[i] = dev / (double)t->iters;
	}
	return 0;
}

static int take_samples(struct runner_task *task, struct backend *be, void *state,
			struct timing *t, char *msg, size_t n_msg)
{
	int rc = 0;

	be->sampling = 1;
	for (size_t i = 0; i < t->n && !rc; i++)
		rc = take_sample(task, be, state, t, i, msg, n_msg);
	be->sampling = 0;
	return rc;
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
	rc = store_result_add_noise(st, run_id, r, t ? t->wall_ns : NULL,
				    t ? t->noise : NULL, t ? t->n : 0, err, n_err);
	if (rc || !be->has_device_clock)
		return rc;
	r->clock = "device";
	if (t && t->n && t->dev_ns) {
		if (stats_summarize(t->dev_ns, t->n, &r->stats))
			return err_set(err, n_err, MC_EINVAL, "non-finite device sample");
	}
	/* The same calls, so the same noise as the wall clock's samples. */
	return store_result_add_noise(st, run_id, r, t && t->dev_ns ? t->dev_ns : NULL,
				      t && t->dev_ns ? t->noise : NULL,
				      t && t->dev_ns ? t->n : 0, err, n_err);
}

/* One benchmark x backend x variant, measured over rounds. */

/* Checked before every call to the backend, so that a signal or the
 * budget ends a measurement within one call, not one benchmark: MC_EINTR
 * when asked to stop, MC_ENOTSUP (stored as skipped) once the calls of
 * this task have taken more than its budget. */
static int task_halt(struct runner_task *t, char *msg, size_t n_msg)
{
	if (t->stop && t->stop(t->stop_ctx)) {
		snprintf(msg, n_msg, "stopped by a signal");
		return MC_EINTR;
	}
	if (t->spent_ns > t->budget_ns) {
		snprintf(msg, n_msg, "stopped after %.3g s, %zu of %zu samples taken: "
			 "over the suite's budget of %g s (max_seconds, twice over "
			 "as for the first call)", t->spent_ns / 1e9, t->taken, t->t.n,
			 t->b->max_seconds);
		return MC_ENOTSUP;
	}
	if (t->share_ns > 0) {
		double used = t->rounds_ns + (double)(clock_now_ns() - t->round_t0);

		if (used > t->share_ns) {
			snprintf(msg, n_msg, "stopped after %.3g s in %d of %d rounds, %zu of "
				 "%zu samples taken: over %s", used / 1e9,
				 t->rounds_done + 1, t->rounds, t->taken, t->t.n,
				 t->share_why);
			return MC_ENOTSUP;
		}
	}
	return 0;
}

void runner_task_set_stop(struct runner_task *t, int (*stop)(void *), void *ctx)
{
	t->stop = stop;
	t->stop_ctx = ctx;
}

/* Ends the task with status; its message is already in t->msg. */
static void task_settle(struct runner_task *t, const char *status)
{
	t->r.status = status;
	t->settled = 1;
}

int runner_task_new(const struct suite *s, const struct suite_bench *b,
		    const struct workload *w, const float *ref, struct backend *be,
		    const char *variant, struct runner_peaks *peaks, int rounds,
		    struct runner_task **out, char *err, size_t n_err)
{
	struct runner_task *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return err_set(err, n_err, MC_ENOMEM, "out of memory for %s on %s",
			       b->name, be->name);
	t->b = b;
	t->w = w;
	t->ref = ref;
	t->be = be;
	t->peaks = peaks;
	/* The same allowance as the first call gets (task_round_on). */
	t->budget_ns = b->max_seconds * 2e9;
	t->rounds = rounds < 1 ? 1 : rounds > b->samples ? b->samples : rounds;
	workload_params_json(w, t->params, sizeof(t->params));
	t->r.suite = s->name;
	t->r.benchmark = b->name;
	t->r.kernel = b->spec->name;
	t->r.params = t->params;
	t->r.backend = be->name;
	t->r.variant = variant;
	t->r.flops = w->plan.flops;
	/* An fp16 result moves half the bytes the plan counts for fp32
	 * (token ids, which stay whole, are then counted a few bytes under). */
	t->r.bytes = w->plan.bytes * runner_variant_float_bytes(variant) / sizeof(float);
	t->footprint = footprint_of(w, runner_variant_float_bytes(variant));
	t->r.max_abs_err = NAN;
	t->r.max_rel_err = NAN;
	t->r.peak_rss_bytes = t->r.base_rss_bytes = t->r.device_bytes = -1;
	t->r.status = "ok";
	t->t.n = (size_t)b->samples;
	t->t.wall_ns = calloc(t->t.n, sizeof(double));
	t->t.dev_ns = be->has_device_clock ? calloc(t->t.n, sizeof(double)) : NULL;
	t->t.noise = calloc(t->t.n, sizeof(*t->t.noise));
	noise_clock_init(&t->nclock);
	if (!t->t.wall_ns || !t->t.noise || (be->has_device_clock && !t->t.dev_ns)) {
		runner_task_free(t);
		return err_set(err, n_err, MC_ENOMEM, "out of memory for %s on %s",
			       b->name, be->name);
	}
	/* A variant the kernel cannot validate is never measured: skipped,
	 * before any call to the backend. */
	if (workload_variant_tol(b->spec, variant,
				 &(struct workload_tol){ b->rtol, b->atol }, &t->tol,
				 t->msg, sizeof(t->msg)))
		task_settle(t, "skipped");
	*out = t;
	return 0;
}

void runner_task_free(struct runner_task *t)
{
	if (!t)
		return;
	free(t->t.wall_ns);
	free(t->t.dev_ns);
	free(t->t.noise);
	free(t->got);
	free(t);
}

/* Fetches the output and checks it against the reference; keeps the
 * largest errors seen over every check of every round. */
static int task_check(struct runner_task *t, void *state)
{
	double abs_err = NAN, rel_err = NAN;
	int rc = t->be->ops->output(t->be, state, t->got, t->msg, sizeof(t->msg));

	if (rc)
		return rc;
	rc = workload_check(t->ref, t->got, t->w->plan.output_len, t->tol.rtol,
			    t->tol.atol, &abs_err, &rel_err, t->msg, sizeof(t->msg));
	if (t->w->spec->min_cos > 0.0) {
		/* rows are directions: the cosine decides, the errors report */
		const struct workload_shape *o = &t->w->plan.output_shape;
		size_t cols = o->n_dims ? o->dims[o->n_dims - 1] : 1;
		double c = NAN;

		rc = workload_check_cos(t->ref, t->got, t->w->plan.output_len / cols,
					cols, t->w->spec->min_cos, &c, t->msg,
					sizeof(t->msg));
		if (!t->r.cosine_checked || !(c >= t->r.min_cosine))
			t->r.min_cosine = c;
		t->r.cosine_checked = 1;
	}
	if (isnan(t->r.max_abs_err) || abs_err > t->r.max_abs_err)
		t->r.max_abs_err = abs_err;
	if (isnan(t->r.max_rel_err) || rel_err > t->r.max_rel_err)
		t->r.max_rel_err = rel_err;
	return rc;
}

/* The body of a round on a prepared state: validate, warm up (calibrating
 * in round 0), take this round's samples, validate again. */
static void task_round_on(struct runner_task *t, void *state, int round)
{
	const struct suite_bench *b = t->b;
	struct timing part;
	double first_wall, dev_dummy;
	size_t end = (size_t)(round + 1) * t->t.n / (size_t)t->rounds;
	int rc;

	/* Validation before any timing: the first iteration's output must
	 * match the reference computed from the same seeded inputs. */
	rc = task_halt(t, t->msg, sizeof(t->msg));
	/* A call cannot be cut short, so a share is no use once a call that
	 * will outlast it has begun: one whose estimate does is not made. */
	if (!rc && round == 0 && t->share_ns > 0 &&
	    t->first_est_ns > t->share_ns - (double)(clock_now_ns() - t->round_t0)) {
		snprintf(t->msg, sizeof(t->msg), "not started: one call would take about "
			 "%.3g s (%s), over what is left of %s", t->first_est_ns / 1e9,
			 t->first_est_from, t->share_why);
		rc = MC_ENOTSUP;
	}
	if (!rc)
		rc = timed_run(t, t->be, state, 1, &first_wall, &dev_dummy, t->msg,
			       sizeof(t->msg));
	if (!rc && round == 0)
		t->first_ns = first_wall;
	if (rc) {
		task_settle(t, rc == MC_ENOTSUP ? "skipped" : "failed");
		return;
	}
	rc = task_check(t, state);
	if (rc) {
		task_settle(t, rc == MC_EVALID ? "invalid" : "failed");
		return;
	}
	if (round == 0) {
		/* The validation call can include compiling the kernel (MLX's
		 * JIT on CUDA, PoCL's build, cuBLAS's heuristics): run 863a9ffe
		 * in db/runs skipped four MLX-on-CUDA results on a first call
		 * of seconds that its next run measured in microseconds. So the
		 * verdict "samples would exceed the budget" is taken on the
		 * first call of calibration (the second call), unless this one
		 * alone took the whole budget. */
		if (first_wall > b->max_seconds * 1e9) {
			snprintf(t->msg, sizeof(t->msg),
				 "one iteration takes %.3g s, so %d samples would exceed "
				 "the suite's budget of %g s", first_wall / 1e9, b->samples,
				 b->max_seconds);
			rc = MC_ENOTSUP;
		} else {
			rc = calibrate(t, t->be, state, b->target_ms * 1e6, b->max_seconds,
				       b->samples, &t->t.iters, t->msg, sizeof(t->msg));
		}
	} else {
		/* Fresh buffers again, so the same warm-up; the validation
		 * call, scaled, is the time to beat. */
		rc = settle(t, t->be, state, t->t.iters, first_wall * (double)t->t.iters,
			    b->target_ms * 1e6, t->msg, sizeof(t->msg));
	}
	if (rc) {
		task_settle(t, rc == MC_ENOTSUP ? "skipped" : "failed");
		return;
	}
	part = t->t;     /* iters as calibrated */
	part.n = end - t->taken;
	part.wall_ns = t->t.wall_ns + t->taken;
	part.dev_ns = t->t.dev_ns ? t->t.dev_ns + t->taken : NULL;
	part.noise = t->t.noise + t->taken;
	rc = take_samples(t, t->be, state, &part, t->msg, sizeof(t->msg));
	if (rc) {
		task_settle(t, rc == MC_ENOTSUP ? "skipped" : "failed");
		return;
	}
	t->taken = end;
	/* The output after timing must still be right: a kernel that only
	 * computes on its first call, or caches, is caught here. */
	rc = task_check(t, state);
	if (rc)
		task_settle(t, rc == MC_EVALID ? "invalid" : "failed");
}

/* The memory of a round on state: the worker process's high-water mark
 * since the reset before prepare (base: its resident bytes then), where
 * the reset worked (reset 0), or as the backend reports it for a process
 * of its own; the result keeps the round with the highest peak, and the
 * largest device figure. */
static void task_note_memory(struct runner_task *t, void *state, int reset,
			     int64_t base)
{
	int64_t peak = reset == 0 ? memstat_peak_bytes() : -1;
	int64_t b_peak = -1, b_base = -1, dev = -1;

	if (t->be->ops->memory) {
		t->be->ops->memory(t->be, state, &b_peak, &b_base, &dev);
		if (b_peak > 0) {
			peak = b_peak;
			base = b_base;
		}
	}
	if (peak > t->r.peak_rss_bytes) {
		t->r.peak_rss_bytes = peak;
		t->r.base_rss_bytes = base;
	}
	if (dev > t->r.device_bytes)
		t->r.device_bytes = dev;
}

static void task_round(struct runner_task *t, int round);

/* Whether the first k of R rounds of n samples, n' = floor(k*n/R) of them,
 * split into k rounds (stats_boot.h: round j holds floor(j*n'/k) ..) just
 * as they were taken. Always for k = 1, and for every k when R divides n. */
static int split_keeps(size_t n, int rounds, int k)
{
	size_t kept = (size_t)k * n / (size_t)rounds;

	for (int j = 1; j < k; j++)
		if ((size_t)j * kept / (size_t)k != (size_t)j * n / (size_t)rounds)
			return 0;
	return kept > 0;
}

/* A measurement whose rounds will not all fit its share (whole: what all
 * would take) keeps those that do: the rounds done and as many more as
 * fit by what a round took, never all (that is what does not fit). The
 * rounds run are not thrown away (a full make suite here once spent more
 * than half its budget on rounds it then discarded); the result records
 * its rounds (store.h), and its samples keep their rounds as taken. When
 * they cannot (a count of samples that the rounds do not divide), it is
 * skipped as before. */
static void task_cut(struct runner_task *t, double whole)
{
	double per = (t->rounds_ns - t->calib_ns) / (double)t->rounds_done;
	double left = t->share_ns - t->rounds_ns;
	int fit = t->rounds_done;

	if (per > 0 && left > per)
		fit += (int)fmin(left / per, (double)t->rounds);
	if (fit >= t->rounds)
		fit = t->rounds - 1;
	while (fit > t->rounds_done && !split_keeps(t->t.n, t->rounds, fit))
		fit--;
	if (!split_keeps(t->t.n, t->rounds, fit)) {
		snprintf(t->msg, sizeof(t->msg),
			 "stopped after %d of %d rounds: all %d would take about "
			 "%.3g s, over %s", t->rounds_done, t->rounds, t->rounds,
			 whole / 1e9, t->share_why);
		task_settle(t, "skipped");
		return;
	}
	snprintf(t->msg, sizeof(t->msg),
		 "%d of %d rounds: all %d would take about %.3g s, over %s",
		 fit, t->rounds, t->rounds, whole / 1e9, t->share_why);
	t->t.n = (size_t)fit * t->t.n / (size_t)t->rounds;
	t->rounds = fit;
	t->r.rounds = fit;
}

void runner_task_round(struct runner_task *t, int round)
{
	if (t->settled || round >= t->rounds)
		return;
	t->round_t0 = clock_now_ns();
	task_round(t, round);
	t->rounds_ns += (double)(clock_now_ns() - t->round_t0);
	t->rounds_done++;
	/* Within its share of the run's budget, by what its rounds so far
	 * took: a measurement that will not fit keeps what does (task_cut)
	 * rather than rounding on. */
	if (!t->settled && t->share_ns > 0 && t->rounds_done < t->rounds) {
		double whole = t->rounds_ns + runner_task_remaining_ns(t);

		if (whole > t->share_ns)
			task_cut(t, whole);
	}
}

double runner_task_remaining_ns(const struct runner_task *t)
{
	double per;

	if (t->settled || t->rounds_done == 0 || t->rounds_done >= t->rounds)
		return 0.0;
	per = (t->rounds_ns - t->calib_ns) / (double)t->rounds_done;
	return per > 0 ? per * (double)(t->rounds - t->rounds_done) : 0.0;
}

int runner_start_refused(double share_ns, const char *share_why, double prep_est_ns,
			 double first_est_ns, const char *est_from, char *msg, size_t n_msg)
{
	double est = (prep_est_ns > 0 ? prep_est_ns : 0) + (first_est_ns > 0 ? first_est_ns : 0);

	if (!(share_ns > 0) || !(est > share_ns))
		return 0;
	snprintf(msg, n_msg, "not started: preparing it and one call would take about "
		 "%.3g s (%s), over %s", est / 1e9, est_from ? est_from : "", share_why);
	return 1;
}

void runner_task_limit(struct runner_task *t, double share_ns, const char *why,
		       double prep_est_ns, double first_est_ns, const char *est_from)
{
	t->share_ns = share_ns > 0 ? share_ns : 1.0;
	snprintf(t->share_why, sizeof(t->share_why), "%s", why);
	t->prep_est_ns = prep_est_ns > 0 ? prep_est_ns : 0;
	t->first_est_ns = first_est_ns > 0 ? first_est_ns : 0;
	snprintf(t->first_est_from, sizeof(t->first_est_from), "%s",
		 est_from ? est_from : "");
}

double runner_task_first_ns(const struct runner_task *t)
{
	return t->first_ns;
}

double runner_task_prepare_ns(const struct runner_task *t)
{
	return t->prepare_ns;
}

/* One round: prepare, the round's body, release. */
static void task_round(struct runner_task *t, int round)
{
	void *state = NULL;
	uint64_t prep_t0;
	int rc, reset;
	int64_t base;

	/* The output buffer lives for one round only: a run holds every
	 * task between its rounds, and outputs can be hundreds of MiB. */
	t->got = malloc(t->w->plan.output_len * sizeof(float));
	if (!t->got) {
		snprintf(t->msg, sizeof(t->msg), "out of memory for the output");
		task_settle(t, "failed");
		return;
	}
	/* Preparing (a peer building the model, a device upload) is no call
	 * either: not begun when it and the first call should outlast the
	 * share. */
	if (round == 0 && t->share_ns > 0 &&
	    runner_start_refused(t->share_ns, t->share_why, t->prep_est_ns, t->first_est_ns,
				 t->first_est_from, t->msg, sizeof(t->msg))) {
		free(t->got);
		t->got = NULL;
		task_settle(t, "skipped");
		return;
	}
	reset = memstat_reset_peak();
	base = memstat_rss_bytes();
	prep_t0 = clock_now_ns();
	rc = t->be->ops->prepare(t->be, t->w, t->r.variant, &state, t->msg,
				 sizeof(t->msg));
	if (round == 0)
		t->prepare_ns = (double)(clock_now_ns() - prep_t0);
	if (rc) {
		/* A peer that built other shapes than the workload defines
		 * (MC_EVALID) is not measuring the same work: invalid. */
		task_settle(t, rc == MC_ENOTSUP ? "skipped" :
			       rc == MC_EVALID ? "invalid" : "failed");
	} else {
		task_round_on(t, state, round);
		task_note_memory(t, state, reset, base);
		t->be->ops->release(t->be, state);
	}
	free(t->got);
	t->got = NULL;
}

int runner_task_pending(const struct runner_task *t, int round)
{
	return !t->settled && round < t->rounds;
}

/* Summarises the samples and checks that they are physically possible. */
static void task_judge(struct runner_task *t)
{
	struct stats_summary ws;
	double *best = t->t.dev_ns ? t->t.dev_ns : t->t.wall_ns;
	double flops = runner_variant_flops(t->r.variant, t->r.flops);

	t->r.iters_per_sample = (int64_t)t->t.iters;
	/* Plausibility uses the fastest clock's median: device time
	 * excludes host overhead, so it is the one that could be too fast.
	 * An implausible result keeps its samples as evidence; reports never
	 * show it as a time. */
	if (stats_summarize(best, t->t.n, &ws) != 0)
		return;
	t->r.status = runner_plausibility(flops, t->r.bytes, ws.median,
					  t->footprint, t->peaks, t->msg,
					  sizeof(t->msg));
	/* The probe at the start of the run may have been slowed by other
	 * load; before rejecting, probe again and keep the higher peaks, so
	 * only a result beyond a quiet peak fails. */
	if (strcmp(t->r.status, "ok") != 0 && reprobe(t->be, t->peaks))
		t->r.status = runner_plausibility(flops, t->r.bytes, ws.median,
						  t->footprint, t->peaks, t->msg,
						  sizeof(t->msg));
}

int runner_store_unmade(struct store *st, int64_t run_id, const struct suite *s,
			const struct suite_bench *b, const struct backend *be,
			const char *variant, const char *status, const char *message,
			struct runner_outcome *out, char *err, size_t n_err)
{
	struct workload shape = { .spec = b->spec };
	struct store_result r = { 0 };
	char params[512];
	int rc;

	/* Only the spec and the params: the workload could not be made. */
	memcpy(shape.params, b->params, sizeof(shape.params));
	workload_params_json(&shape, params, sizeof(params));
	r.suite = s->name;
	r.benchmark = b->name;
	r.kernel = b->spec->name;
	r.params = params;
	r.backend = be->name;
	r.variant = variant;
	r.status = status;
	r.message = message;
	r.flops = 0;     /* unknown: the plan that computes them failed */
	r.bytes = 0;
	r.iters_per_sample = -1;
	r.max_abs_err = NAN;
	r.max_rel_err = NAN;
	rc = store_rows(st, run_id, &r, be, NULL, err, n_err);
	if (out) {
		out->status = status;
		snprintf(out->message, sizeof(out->message), "%s", message);
		out->median_ns = NAN;
		out->rounds = 0;
	}
	return rc;
}

int runner_task_store(struct runner_task *t, struct store *st, int64_t run_id,
		      struct runner_outcome *out, char *err, size_t n_err)
{
	const struct timing *timed = NULL;
	int rc;

	if (!t->settled) {
		if (t->taken == t->t.n) {
			task_judge(t);
		} else {
			snprintf(t->msg, sizeof(t->msg), "only %zu of %zu samples were taken",
				 t->taken, t->t.n);
			t->r.status = "failed";
		}
	}
	if (!strcmp(t->r.status, "ok") || !strcmp(t->r.status, "implausible"))
		timed = &t->t;
	t->r.message = t->msg[0] ? t->msg : NULL;
	rc = store_rows(st, run_id, &t->r, t->be, timed, err, n_err);
	if (out) {
		struct stats_summary ws;

		out->status = t->r.status;
		snprintf(out->message, sizeof(out->message), "%s", t->msg);
		out->median_ns = NAN;
		out->rounds = t->r.rounds;
		if (timed && stats_summarize(t->t.wall_ns, t->t.n, &ws) == 0)
			out->median_ns = ws.median;
	}
	return rc;
}

int runner_measure(struct store *st, int64_t run_id, const struct suite *s,
		   const struct suite_bench *b, const struct workload *w,
		   const float *ref, struct backend *be, const char *variant,
		   struct runner_peaks *peaks, int rounds, struct runner_outcome *out,
		   char *err, size_t n_err)
{
	struct runner_task *t = NULL;
	int rc = runner_task_new(s, b, w, ref, be, variant, peaks, rounds, &t, err,
				 n_err);

	if (rc)
		return rc;
	for (int k = 0; runner_task_pending(t, k); k++)
		runner_task_round(t, k);
	rc = runner_task_store(t, st, run_id, out, err, n_err);
	runner_task_free(t);
	return rc;
}
