/*
 * backend.h - the one interface every backend implements.
 *
 * A backend family (ref, cpu, opencl) discovers zero or more instances on
 * this machine ("opencl" gives one per OpenCL device, named after it). The
 * runner drives an instance through prepare -> run (timed) -> output ->
 * release for each workload. Adding a backend is adding one file with a
 * `const struct backend_family` and listing it in backend.c.
 */
#ifndef MC_BACKEND_H
#define MC_BACKEND_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "noise.h"
#include "workload.h"

struct backend;

struct backend_ops {
	/* Nonzero when this instance implements kernel (by spec name). */
	int (*supports)(struct backend *b, const char *kernel);
	/* Variants of the kernel this instance measures separately, e.g.
	 * {"fused", "unfused"}; NULL-terminated; NULL means just "". */
	const char *const *(*variants)(struct backend *b, const char *kernel);
	/* Uploads inputs, builds what is needed; *out_state owned by the
	 * backend until release. MC_EBUILD on kernel build failure. */
	int (*prepare)(struct backend *b, const struct workload *w,
		       const char *variant, void **out_state,
		       char *err, size_t n_err);
	/* Runs n_iters iterations back to back and returns only once the
	 * device has finished all of them (the runner times this call on the
	 * wall clock). When the backend has a device clock (profiling events),
	 * *out_device_ns receives the summed device time, else -1. */
	int (*run)(struct backend *b, void *state, uint64_t n_iters,
		   double *out_device_ns, char *err, size_t n_err);
	/* Copies the output of the last iteration into out (output_len floats). */
	int (*output)(struct backend *b, void *state, float *out,
		      char *err, size_t n_err);
	void (*release)(struct backend *b, void *state);   /* accepts NULL state */
	/* Roofline probes: measured FP32 FMA peak and triad bandwidth. */
	int (*roofline)(struct backend *b, double *out_gflops, double *out_gbps,
			char *err, size_t n_err);
	/* Adds device facts (name, vendor, version, driver, compute_units,
	 * global_mem, local_mem, kind, and anything else) to obj. */
	void (*describe)(struct backend *b, cJSON *obj);
	void (*destroy)(struct backend *b);
	/* Self-timed backends with a device clock only (NULL otherwise): the
	 * device's own ns for the iterations of the last run() on state, or
	 * -1 when that call reported none. */
	double (*self_device_ns)(struct backend *b, void *state);
	/* Backends whose iterations run in another process (a peer adapter)
	 * only, NULL otherwise: what that process reported of the last run()
	 * on state, asked for while sampling: its own context switches and
	 * the device's SM clock, each unknown (-1, NaN) when not reported.
	 * The runner keeps these instead of its own process's switches, which
	 * would count its waits on the pipe. Steal is the runner's own. */
	void (*self_noise)(struct backend *b, void *state, struct noise_sample *out);
	/* Optional (NULL for none), for a device in this process whose clock
	 * the driver reports (an NVIDIA GPU through NVML): its SM clock now,
	 * in MHz, NaN when unknown. Read just before and just after each
	 * sample's call, outside its timing; the sample keeps their mean. */
	double (*clock_mhz)(struct backend *b);
	/* Optional (NULL: the runner measures mcbench's own process, where
	 * the work ran): the memory of the workload prepared on state, as the
	 * backend knows it, each -1 where unknown: *out_peak_rss the resident
	 * high-water mark of the process that did the work since prepare,
	 * *out_base_rss its resident bytes at prepare, *out_device_bytes the
	 * device memory used. A known rss replaces the runner's own. */
	void (*memory)(struct backend *b, void *state, int64_t *out_peak_rss,
		       int64_t *out_base_rss, int64_t *out_device_bytes);
};

struct backend {
	char name[160];             /* "ref", "cpu", "opencl:NVIDIA H100 80GB HBM3" */
	const char *family;         /* "ref", "cpu", "opencl" */
	const struct backend_ops *ops;
	int has_device_clock;       /* run() reports device time */
	/* The time must be taken inside the backend (a peer adapter timing its
	 * own loop in its own process): run() returns the elapsed ns of the n
	 * iterations in *out_device_ns and the runner uses that as the wall
	 * time, so pipe round trips are not charged to the peer. With
	 * has_device_clock too, ops->self_device_ns gives the device time. */
	int self_timed;
	/* Set by the runner around the calls it records (the samples), clear
	 * during calibration and warm-up: a backend whose device clock or
	 * noise costs work of its own (a peer's profiled second pass, its
	 * getrusage) takes them only when this is set. */
	int sampling;
	void *impl;                 /* backend-private */
};

struct backend_family {
	const char *name;
	const char *summary;
	/* Appends up to max instances to out[], sets *out_n. Finding no device
	 * is not an error (0 instances, a reason in err); a broken driver is.
	 * A family that found instances may still leave a note in err (a
	 * device it saw but cannot use); it goes to the run's notes. */
	int (*discover)(struct backend **out, size_t max, size_t *out_n,
			char *err, size_t n_err);
};

/* All families, NULL-terminated. */
const struct backend_family *const *backend_families(void);

/* Discovers every instance of every family (or only those whose family or
 * full name is listed in only[0..n_only)). Notes about families with no
 * instance go to notes (one line each). Caller frees with backend_free_all. */
int backend_discover_all(const char *const *only, size_t n_only,
			 struct backend ***out, size_t *out_n,
			 char *notes, size_t n_notes, char *err, size_t n_err);
void backend_free_all(struct backend **bs, size_t n);

/* Discovery for a family with exactly one instance on any machine (ref,
 * cpu): allocates it named name, family name, with ops. Its destroy can be
 * backend_destroy_plain. */
int backend_discover_single(const char *name, const struct backend_ops *ops,
			    struct backend **out, size_t max, size_t *out_n,
			    char *err, size_t n_err);
/* Frees an instance that owns nothing but itself. */
void backend_destroy_plain(struct backend *b);

/* Families. */
extern const struct backend_family backend_ref;
extern const struct backend_family backend_cpu;
extern const struct backend_family backend_opencl;
extern const struct backend_family backend_mlx;
extern const struct backend_family backend_torch;

#endif
