/*
 * runner.h - measures benchmarks on backends and stores the results.
 *
 * The methodology lives here, in one place, for every backend. A task is
 * one benchmark x backend x variant; its samples are taken in rounds, and
 * the caller (session.h, for a run) interleaves the rounds of all its
 * tasks (round 0 of every task, then round 1 of every task, ...), so that
 * a result's samples span the whole run rather than the few milliseconds
 * a single pass would take: a shared machine drifts over seconds, and
 * samples taken back to back cannot see it (their CI would claim a
 * precision the next run refutes).
 * Each round:
 *  1. prepares a fresh state (buffers, device copies, a peer's workload),
 *     runs one iteration, fetches the output and validates it against
 *     the reference; a mismatch ends the task as 'invalid', never timed;
 *  2. warms up: in round 0 it also calibrates (doubles the iterations per
 *     sample until one sample lasts at least the target time, swamping
 *     timer resolution), later rounds reuse that count;
 *  3. takes its share of the samples (wall clock around a call that waits
 *     for the device; device clock from profiling events where the backend
 *     has one): round k of R takes samples floor(k*n/R) .. floor((k+1)*n/R)-1,
 *     each with the machine's noise over its call (noise.h: CPU steal,
 *     context switches, a GPU's clock where known);
 *  4. validates the output again, and releases the state.
 * Storing summarises (stats.h), checks physical plausibility against the
 * device's measured peaks, and stores result + raw samples in one
 * transaction per clock.
 */
#ifndef MC_RUNNER_H
#define MC_RUNNER_H
#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "store.h"
#include "suite.h"
#include "workload.h"

/* Measured limits of the device a backend instance runs on. */
struct runner_peaks {
	double gflops;        /* FP32 FMA peak; <= 0 unknown */
	double gbps;          /* triad bandwidth; <= 0 unknown */
	double cache_bytes;   /* last-level cache; bandwidth is only checked
				 for working sets well beyond it; <= 0 unknown */
};

/* Margin over the measured peak before a result is implausible. */
#define RUNNER_PEAK_MARGIN 1.10

struct runner_outcome {
	const char *status;   /* static: ok, invalid, implausible, failed, skipped */
	char message[512];
	double median_ns;     /* wall clock, when timed */
	int rounds;           /* > 0: kept fewer rounds than planned (a share) */
};

struct runner_task;

/* A task measuring bench b (workload w, reference output ref) on backend
 * be with variant ("" for none), in rounds rounds (at most b->samples; 1
 * takes every sample in one pass). s, b, w, ref, be, variant and peaks are
 * borrowed and must outlive the task; peaks may be raised by a re-probe.
 * The output is validated at the variant's tolerances (workload_variant_tol:
 * b->rtol and b->atol, or the fp16 ones for WORKLOAD_FP16, whose result
 * counts 2 bytes a float and is held to the bandwidth peak alone); a
 * variant the kernel cannot validate makes a task that stores `skipped`
 * with the reason and never calls the backend.
 * Errors: MC_ENOMEM. Release with runner_task_free(). */
int runner_task_new(const struct suite *s, const struct suite_bench *b,
		    const struct workload *w, const float *ref, struct backend *be,
		    const char *variant, struct runner_peaks *peaks, int rounds,
		    struct runner_task **out, char *err, size_t n_err);
void runner_task_free(struct runner_task *t);   /* accepts NULL */

/* Makes t check stop(ctx) before every call to its backend: once it
 * returns nonzero, the round in progress ends at once (the task is then
 * not to be stored: the caller, who owns stop, knows). stop may be NULL. */
void runner_task_set_stop(struct runner_task *t, int (*stop)(void *), void *ctx);

/* Whether a measurement should not begin under a share of share_ns of a
 * run's budget (share_why: what the share is) when preparing it should
 * take prep_est_ns and its first call first_est_ns (0 unknown; est_from:
 * how they were estimated): neither can be cut short. Returns 1, with the
 * reason in msg, when they would outlast the share; 0 otherwise. */
int runner_start_refused(double share_ns, const char *share_why, double prep_est_ns,
			 double first_est_ns, const char *est_from, char *msg, size_t n_msg);

/* Gives t a share of a run's budget: the wall time its rounds may take
 * in all (prepare and release included), share_ns > 0; why names it in
 * the messages (e.g. "its share (2.1 s) of the run's budget of 780 s",
 * copied). Checked before every call, like the suite's budget, and after
 * each round against what the rounds so far say all of them will take;
 * and, since neither a call nor a prepare can be cut short, before round
 * 0's prepare against prep_est_ns + first_est_ns and before its first
 * call against first_est_ns (what each should take, 0 unknown; est_from
 * says how they were estimated, copied): a measurement over its share is
 * stored `skipped` with the reason. */
void runner_task_limit(struct runner_task *t, double share_ns, const char *why,
		       double prep_est_ns, double first_est_ns, const char *est_from);

/* What round 0's first call (one iteration, validated) and its prepare
 * took, in wall ns; 0 before them. */
double runner_task_first_ns(const struct runner_task *t);
double runner_task_prepare_ns(const struct runner_task *t);

/* What t's rounds still to run will take, in wall ns, by its rounds so
 * far (round 0's calibration left out: later rounds do not repeat it);
 * 0 before its first round ends and once its outcome is decided. */
double runner_task_remaining_ns(const struct runner_task *t);

/* Nonzero when round (0-based) still has work: the task's outcome is not
 * yet decided and round is below its round count. */
int runner_task_pending(const struct runner_task *t, int round);

/* Runs round `round` of t, in order from 0; does nothing unless pending.
 * A failure is part of the outcome (invalid, failed, skipped, with its
 * message) and ends the task's rounds; nothing is stored yet. */
void runner_task_round(struct runner_task *t, int round);

/* Stores bench b on be (variant) as status ('failed' or 'skipped') with
 * message, for a measurement that could not even be set up: 'failed' when
 * its workload, reference or sample arrays did not fit in memory (one
 * result fails, not the run), 'skipped' when files its workload needs are
 * absent on this machine (a model's, MC_ENODATA), as a backend that is
 * absent is skipped. flops and bytes are stored as 0 (unknown). out as in
 * runner_task_store. Returns negative only when the store failed. */
int runner_store_unmade(struct store *st, int64_t run_id, const struct suite *s,
			const struct suite_bench *b, const struct backend *be,
			const char *variant, const char *status, const char *message,
			struct runner_outcome *out, char *err, size_t n_err);

/* Decides the outcome (a task whose rounds did not all run is 'failed')
 * and stores one row per clock; out (may be NULL) gets it. Returns 0 when
 * stored, whatever the outcome; negative only when the store failed (the
 * caller should stop the run). */
int runner_task_store(struct runner_task *t, struct store *st, int64_t run_id,
		      struct runner_outcome *out, char *err, size_t n_err);

/* A task run to the end alone: new, every round, store, free. Returns as
 * runner_task_store, or MC_ENOMEM. */
int runner_measure(struct store *st, int64_t run_id, const struct suite *s,
		   const struct suite_bench *b, const struct workload *w,
		   const float *ref, struct backend *be, const char *variant,
		   struct runner_peaks *peaks, int rounds, struct runner_outcome *out,
		   char *err, size_t n_err);

/* What the plausibility check holds a result of variant to, the one rule
 * for the runner and for an import: its FLOP count (0 for fp16, whose
 * tensor cores exceed the measured FP32 peak many times over: such a
 * result is held to the bandwidth alone), and the bytes one of its floats
 * takes in the working set (2 for fp16, else 4). */
double runner_variant_flops(const char *variant, double flops);
double runner_variant_float_bytes(const char *variant);

/* Status for a result whose median implies gflops and gbps on a device with
 * the given peaks and buffers of footprint_bytes (its working set: those, or
 * its compulsory bytes when fewer): "ok" or "implausible"
 * (message filled with the figure, the peak and the likely causes). */
const char *runner_plausibility(double flops, double bytes, double median_ns,
				double footprint_bytes,
				const struct runner_peaks *peaks,
				char *msg, size_t n_msg);

#endif
