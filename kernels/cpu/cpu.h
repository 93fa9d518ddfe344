/*
 * cpu.h - the optimised CPU kernels, the CPU roofline probes and the few
 * machine facts the ref and cpu backends describe themselves with.
 *
 * Row kernels (softmax, layernorm, rmsnorm) use AVX2+FMA when the CPU has
 * them (checked at run time) and plain C otherwise, and split the rows over
 * OpenMP threads when the problem is large enough to pay for the fork.
 * sgemm and lora_forward call OpenBLAS (cblas_sgemm), which has its own
 * threads. Arrays are row-major, must not overlap, and sizes are >= 1.
 * The kernels neither allocate nor fail unless stated.
 */
#ifndef MC_CPU_H
#define MC_CPU_H
#include <stddef.h>

struct cJSON;
struct workload;

/*
 * A kernel as the cpu backend (src/backend/backend_cpu.c) runs it: one row
 * of its table. Each kernel defines its row, `const struct cpu_kernel
 * cpu_kernel_<name>`, beside its code; the table lists the names.
 */
struct cpu_kernel {
	const char *name;      /* the spec's name, e.g. "softmax" */
	/* Floats of workspace for parameters p (the spec's order), or NULL
	 * when the kernel needs none. */
	size_t (*scratch_floats)(const size_t *p);
	/* One iteration: the spec's inputs in[] in its order, the plan's
	 * output_len floats into out, scratch as scratch_floats asked. */
	void (*run)(const size_t *p, float *const *in, float *out,
		    float *scratch);
	/* Optional (NULL for most kernels), for a kernel whose run needs
	 * more than p and a workspace sized by p (what the workload's ctx
	 * holds: the length seq = 0 resolved to, a tokenizer's vocabulary):
	 * prepare makes the row's object from the workload in the backend's
	 * prepare, untimed; run_obj is then one iteration in place of run
	 * (returning 0, or a negative MC_E* code with a sentence in err); and
	 * release frees the object (accepts NULL). */
	int (*prepare)(const struct workload *w, void **out_obj, char *err,
		       size_t n_err);
	int (*run_obj)(void *obj, float *const *in, float *out, char *err,
		       size_t n_err);
	void (*release)(void *obj);
};

/* Nonzero when the AVX2+FMA code paths are used: the CPU has them and
 * cpu_force_scalar has not turned them off. */
int cpu_has_avx2_fma(void);

/* force != 0 makes every kernel take its plain C path from now on (for
 * tests and for measuring what the SIMD code gains); 0 restores run-time
 * detection. Affects kernels started after the call. */
void cpu_force_scalar(int force);

/* Name of the code path the row kernels take on this CPU: "avx2+fma" or
 * "scalar". Static storage. */
const char *cpu_simd_name(void);

/* Row softmax of x[rows x cols] into y (same semantics as ref_softmax).
 * exp is a polynomial accurate to ~2 ulp (see softmax.c). May allocate a
 * per-thread row buffer; when that fails it falls back to a path without.
 * Returns nothing: it cannot fail. */
void cpu_softmax(size_t rows, size_t cols, const float *x, float *y);

/* Layer norm of each row (same semantics as ref_layernorm). */
void cpu_layernorm(size_t rows, size_t cols, const float *x,
		   const float *gamma, const float *beta, float *y);

/* RMS norm of each row (same semantics as ref_rmsnorm). */
void cpu_rmsnorm(size_t rows, size_t cols, const float *x,
		 const float *gamma, float *y);

/* C[m x n] = A[m x k] . B[k x n] through cblas_sgemm. */
void cpu_sgemm(size_t m, size_t n, size_t k, const float *a,
	       const float *b, float *c);

/* LoRA forward (same semantics as ref_lora_forward) as three sgemm calls:
 * y = x.W; t = x.A; y += 2 * t.B. scratch must hold tokens * rank floats. */
void cpu_lora_forward(size_t tokens, size_t in, size_t out, size_t rank,
		      const float *x, const float *w, const float *a,
		      const float *b, float *scratch, float *y);

/*
 * Roofline probes of the whole machine (all online CPUs through OpenMP).
 * *out_gflops: the FP32 FMA peak of a register-resident loop of independent
 * FMA chains (2 flops per FMA lane). *out_gbps: streaming bandwidth over
 * arrays of max(64 MiB, 2 x last-level cache), counted in compulsory bytes
 * (the convention of every kernel's byte count): the best of the triad
 * a[i] = b[i] + s * c[i] (12 bytes per element, with ordinary and with
 * non-temporal stores) and of a[i] = s * b[i] (8 bytes, non-temporal), so
 * that it bounds the row kernels too (see roofline.c). Each figure is the
 * best of many short repeats, so that a busy or throttled moment does not
 * lower it. The first call measures (about a second); calls within 5 s of
 * a measurement return it, later calls measure again and return the best
 * figures seen (the runner re-probes before calling a result implausible).
 * Thread-safe. Returns 0, or MC_ENOMEM when the arrays
 * cannot be allocated (err says so; the next call tries again).
 */
int cpu_roofline(double *out_gflops, double *out_gbps, char *err, size_t n_err);

/* The least work a measuring cpu_roofline() call does on any CPU (one
 * thread, scalar chains, the smallest arrays): the peak probe's minimum
 * rounds x 2^20 iterations x 12 chains x 2 FLOP, and the bandwidth probe's
 * minimum rounds x 16 Mi elements x 8 bytes (its least-counted pass). A
 * probe's best round is at least its average, so each figure is at least
 * this work over the call's wall time, however slow the machine (under
 * valgrind too): a bound tests can check that no slowdown breaks.
 * roofline.c asserts these against its own constants. */
#define CPU_ROOFLINE_MIN_FLOPS (24ull * (1ull << 20) * 12ull * 2ull)
#define CPU_ROOFLINE_MIN_BYTES (16ull * (16ull << 20) * 8ull)

/* What the backends report about the machine. */
struct cpu_info {
	char model[128];          /* /proc/cpuinfo "model name", or "unknown" */
	char vendor[64];          /* /proc/cpuinfo "vendor_id", or "unknown" */
	long n_cpus;              /* online CPUs */
	long long mem_total_bytes; /* /proc/meminfo MemTotal, or -1 */
	long long cache_bytes;     /* last-level cache (one instance), or -1 */
};

/* Fills *out; fields that cannot be read are "unknown" / -1, never an
 * error. */
void cpu_info_read(struct cpu_info *out);

/* Size in bytes of the last-level cache that cpu 0 uses (the highest
 * /sys/devices/system/cpu/cpu0/cache/index* level), or -1 when unknown.
 * Read once and cached: cheap enough to call from a kernel. sysconf's
 * _SC_LEVEL3_CACHE_SIZE is not used: under some hypervisors it reports the
 * whole package's L3 (256 MiB on a VM whose slice has 32 MiB). */
long long cpu_llc_bytes(void);

/* Adds what the ref and cpu backends both say about the machine to the
 * JSON object obj, from cpu_info_read: "kind" ("cpu"), "name", "vendor",
 * "compute_units", "global_mem", and "cache_bytes" when known. Each
 * backend adds its own keys after these. Cannot fail (cJSON drops a key it
 * cannot allocate, as every describe does). */
void cpu_info_describe(struct cJSON *obj);

#endif
