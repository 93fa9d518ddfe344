/*
 * workload.h - the work a benchmark does, defined once for every side.
 *
 * A kernel spec (softmax, sgemm, lora_forward ...) names its integer
 * parameters and knows, for given values, the sizes of its input and
 * output buffers, its FLOP and compulsory byte counts, and a plain C
 * reference implementation. A workload is one spec at fixed parameter values
 * with seeded inputs; every backend and every peer receives exactly this,
 * and every output is validated against the reference computed from it.
 *
 * Inputs come from splitmix64 seeded with (seed + buffer index), mapped to
 * float in [-1, 1): the same numbers in C and in the Python peers. A spec
 * may then reshape them once (finish_inputs); the peers receive the bytes.
 */
#ifndef MC_WORKLOAD_H
#define MC_WORKLOAD_H
#include <stddef.h>
#include <stdint.h>

#define WORKLOAD_MAX_PARAMS 12
#define WORKLOAD_MAX_BUFS 8
#define WORKLOAD_MAX_DIMS 4

/* The shape of a buffer, row-major: what a framework builds it as (the
 * peers receive it in their requests and report it back). */
struct workload_shape {
	size_t n_dims;
	size_t dims[WORKLOAD_MAX_DIMS];
};

struct workload_plan {
	size_t n_inputs;
	size_t input_len[WORKLOAD_MAX_BUFS]; /* floats per input buffer */
	struct workload_shape input_shape[WORKLOAD_MAX_BUFS];
	size_t output_len;                   /* floats in the single output */
	/* An output of several results laid end to end (e.g. [dA | dB]) has
	 * the one dimension output_len. */
	struct workload_shape output_shape;
	double flops;                        /* per iteration */
	double bytes;                        /* compulsory traffic per iteration */
};

struct workload;

/* The variant of a peer's result computed in half precision: the inputs
 * rounded to fp16 on the device, the arithmetic in fp16. Its tolerances
 * are the spec's fp16 ones (workload_variant_tol). */
#define WORKLOAD_FP16 "fp16"

/* Tolerances of one precision, as workload_check takes them. */
struct workload_tol {
	double rtol, atol;
};

struct kernel_spec {
	const char *name;                 /* "softmax" */
	const char *summary;              /* one line for `mcbench list` */
	const char *const *param_names;   /* NULL-terminated, e.g. rows, cols */
	const char *const *input_names;   /* NULL-terminated, e.g. x */
	double rtol, atol;                /* default tolerances, see workload_check */
	/* Optional (NULL: fp32 only, an fp16 result is refused): the
	 * tolerances of variant WORKLOAD_FP16, each at least its fp32 one;
	 * the spec's header comment says how they were chosen. */
	const struct workload_tol *fp16;
	/* Fills *out for params (in param_names order); MC_EINVAL with a
	 * sentence when a value is out of range. */
	int (*plan)(const long *params, struct workload_plan *out,
		    char *err, size_t n_err);
	/* Reference: plain C, double accumulation; writes output_len floats. */
	void (*reference)(const long *params, const float *const *inputs,
			  float *output);
	/* Optional (NULL: the inputs stay the seeded floats): turns the
	 * seeded inputs, in place, into the kernel's data (logits of a
	 * language model's shape, weights scaled as a model's are, a draw
	 * in [0, 1)), once, in workload_create. Every side receives the
	 * resulting bytes. Returns 0, or a negative MC_E* code with a
	 * sentence in err (out of memory). */
	int (*finish_inputs)(const long *params, float *const *inputs,
			     char *err, size_t n_err);
	/* Optional (0: not used): the output's rows (its last dimension
	 * wide) are directions, such as sentence embeddings, and pass when
	 * each one's cosine similarity with the reference's row is at least
	 * min_cos (workload_check_cos); rtol and atol are then measured and
	 * stored but decide nothing. */
	double min_cos;
	/* Bit i set: parameter i may be 0 in a suite's grid, with a meaning
	 * the spec's plan documents (every other value is in [1, INT_MAX]). */
	unsigned zero_ok;
	/* Optional (NULL for most kernels), for a kernel whose work needs
	 * more than its parameters and inputs say (a tokenizer's vocabulary;
	 * the sequence length that seq=0 resolves to, which depends on the
	 * data): ctx_create makes the object that holds it, once, at the end
	 * of workload_create (so never inside a timed call), into w->ctx;
	 * workload_destroy frees it with ctx_free. Backends read it through
	 * the kernel's own header. Returns 0, or a negative MC_E* code with
	 * a sentence in err. */
	int (*ctx_create)(const struct workload *w, void **out_ctx,
			  char *err, size_t n_err);
	void (*ctx_free)(void *ctx);
	/* The reference of a kernel with a ctx, in place of reference (which
	 * is then NULL): the same contract, with the whole workload. Call
	 * either through workload_reference. */
	void (*reference_ctx)(const struct workload *w, float *output);
	/* Optional: the reference output for validation, the same floats as
	 * the reference's, allowed to reuse what earlier workloads of the
	 * process computed (refmemo.h). The ref backend never calls it: it
	 * times the computation. Call through workload_expected. */
	void (*expected_ctx)(const struct workload *w, float *output);
};

struct workload {
	const struct kernel_spec *spec;
	long params[WORKLOAD_MAX_PARAMS];
	uint64_t seed;
	struct workload_plan plan;
	float *inputs[WORKLOAD_MAX_BUFS];    /* owned by the workload */
	void *ctx;                           /* spec->ctx_create's, or NULL */
};

/* All known kernels, NULL-terminated. Static storage. */
const struct kernel_spec *const *workload_kernels(void);
/* The spec called name, or NULL. */
const struct kernel_spec *workload_find(const char *name);
/* Index of param called name in spec->param_names, or -1. */
int workload_param_index(const struct kernel_spec *spec, const char *name);
/* Value of the named parameter of w; dflt when the spec has no such param. */
long workload_param(const struct workload *w, const char *name, long dflt);

/* Plans and allocates w with seeded inputs. Release with workload_destroy. */
int workload_create(const struct kernel_spec *spec, const long *params,
		    uint64_t seed, struct workload **out, char *err, size_t n_err);
void workload_destroy(struct workload *w);   /* accepts NULL */

/* The reference output of w (output_len floats) into output, through
 * the spec's reference or reference_ctx. Cannot fail (a reference that
 * cannot get its memory writes NaN, which validation reports). */
void workload_reference(const struct workload *w, float *output);
/* The output w must match, for validation: the spec's expected_ctx where
 * it has one, else workload_reference. The same contract. */
void workload_expected(const struct workload *w, float *output);

/* Fills buf[0..n) with the seeded values (splitmix64(seed) -> [-1, 1)). */
void workload_fill(float *buf, size_t n, uint64_t seed);

/* Canonical benchmark name, e.g. "softmax/rows=64,cols=1024", and params as
 * a JSON object text "{\"cols\":1024,\"rows\":64}" (keys sorted). */
void workload_name(const struct workload *w, char *out, size_t n_out);
void workload_params_json(const struct workload *w, char *out, size_t n_out);

/* The tolerances a result of variant must meet, into *out: for
 * WORKLOAD_FP16, spec->fp16, each raised to fp32's where that is larger
 * (fp32 holds a suite's override of rtol and atol, which so loosens an
 * fp16 check but never tightens it below what fp16 can achieve); for any
 * other variant (fp32 ones: "", "fused" ...) fp32 itself. Returns 0, or
 * MC_ENOTSUP with a one-line sentence in err when variant is fp16 and the
 * kernel has no fp16 tolerances. */
int workload_variant_tol(const struct kernel_spec *spec, const char *variant,
			 const struct workload_tol *fp32, struct workload_tol *out,
			 char *err, size_t n_err);
/* Nonzero when variant is WORKLOAD_FP16. */
int workload_variant_is_fp16(const char *variant);

/* Compares got with ref over n floats. Element i passes when
 * |got-ref| <= atol * scale + rtol * |ref|, scale = max |ref|. Fills the
 * max absolute error and max relative error (|got-ref| / max(|ref|, scale*1e-6))
 * and returns 0 when all pass, MC_EVALID (with the first bad index in err)
 * otherwise; a NaN or Inf in got always fails. */
int workload_check(const float *ref, const float *got, size_t n,
		   double rtol, double atol, double *out_max_abs,
		   double *out_max_rel, char *err, size_t n_err);

/* Compares got with ref as rows of cols floats (n_rows * cols in all):
 * fills *out_min_cos with the smallest cosine similarity of a row of got
 * with the same row of ref (a zero row against a zero row counts 1, against
 * a nonzero one 0) and returns 0 when every row reaches min_cos,
 * MC_EVALID naming the first row that does not (or holds a NaN or Inf,
 * which makes *out_min_cos NaN) otherwise. */
int workload_check_cos(const float *ref, const float *got, size_t n_rows,
		       size_t cols, double min_cos, double *out_min_cos,
		       char *err, size_t n_err);

/* FNV-1a 64-bit digest of the float bit patterns, hex into out (17 bytes). */
void workload_digest(const float *x, size_t n, char *out);

#endif
