/*
 * runner.h - measures one benchmark on one backend and stores the result.
 *
 * The methodology lives here, in one place, for every backend:
 *  1. prepare, run one iteration, fetch the output and validate it against
 *     the reference; a mismatch is stored as 'invalid' and never timed;
 *  2. warm up and calibrate: double the iterations per sample until one
 *     sample lasts at least the target time (swamping timer resolution);
 *  3. take the samples (wall clock around a call that waits for the device;
 *     device clock from profiling events where the backend has one);
 *  4. summarise (stats.h), check physical plausibility against the device's
 *     measured peaks, and store result + raw samples in one transaction.
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
};

/* Measures bench b (workload w, reference output ref) on backend be with
 * variant ("" for none) and stores one row per clock. Returns 0 when the
 * outcome was stored, whatever it was; negative only when the store failed
 * (the caller should stop the run). */
int runner_measure(struct store *st, int64_t run_id, const struct suite *s,
		   const struct suite_bench *b, const struct workload *w,
		   const float *ref, struct backend *be, const char *variant,
		   struct runner_peaks *peaks, struct runner_outcome *out,
		   char *err, size_t n_err);

/* Status for a result whose median implies gflops and gbps on a device with
 * the given peaks and working set footprint_bytes: "ok" or "implausible"
 * (message filled with the figure, the peak and the likely causes). */
const char *runner_plausibility(double flops, double bytes, double median_ns,
				double footprint_bytes,
				const struct runner_peaks *peaks,
				char *msg, size_t n_msg);

#endif
