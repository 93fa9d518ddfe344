/*
 * workload.c - the kernel specs (parameters, buffer sizes, FLOP and byte
 * counts, tolerances, reference) and the seeded workloads built from them.
 *
 * Counting conventions, the same for every backend so that rates compare:
 *  - flops are the arithmetic a straightforward implementation performs,
 *    stated per kernel below (an exp counts as one flop);
 *  - bytes are the compulsory traffic: every input read once and the output
 *    written once, 4 bytes per float. Write-allocate traffic (the
 *    read-for-ownership of the output's cache lines) is not counted; the
 *    bandwidth probes of the roofline count the same way (12 bytes per
 *    triad element).
 *
 * Tolerances follow workload_check: atol is relative to max |ref| of the
 * whole output, rtol to each element's |ref|.
 */
#include "workload.h"
#include "workload_int.h"
#include "err.h"
#include "ref/ref.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ planning */

/* The plan helpers of workload_int.h, shared with workload_train.c. */

int workload_check_params(const char *kernel, const char *const *names,
			  const long *params, char *err, size_t n_err)
{
	for (size_t i = 0; names[i]; i++)
		if (params[i] < 1 || params[i] > INT_MAX)
			return err_set(err, n_err, MC_EINVAL,
				       "%s: parameter %s must be an integer in "
				       "[1, %d], got %ld.", kernel, names[i],
				       INT_MAX, params[i]);
	return 0;
}

int workload_elems(const char *kernel, const char *what, size_t a, size_t b,
		   size_t *out, char *err, size_t n_err)
{
	if (__builtin_mul_overflow(a, b, out) || *out > WL_MAX_ELEMS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: %s would hold %zu x %zu floats, more than "
			       "the limit of %zu elements per buffer.",
			       kernel, what, a, b, WL_MAX_ELEMS);
	return 0;
}

static void shape_set(struct workload_shape *s, size_t n_dims,
		      const size_t *dims, size_t *out_len)
{
	size_t len = 1;

	s->n_dims = n_dims;
	for (size_t d = 0; d < n_dims; d++)
		len *= s->dims[d] = dims[d];
	*out_len = len;
}

void workload_set_input(struct workload_plan *out, size_t i, size_t n_dims,
			const size_t *dims)
{
	shape_set(&out->input_shape[i], n_dims, dims, &out->input_len[i]);
}

void workload_set_output(struct workload_plan *out, size_t n_dims,
			 const size_t *dims)
{
	shape_set(&out->output_shape, n_dims, dims, &out->output_len);
}

const char *const workload_rows_cols[] = { "rows", "cols", NULL };

/* softmax: per element 1 compare (max), 1 subtract, 1 exp, 1 add (sum),
 * 1 multiply by the reciprocal of the sum = 5 flops. */
static int softmax_plan(const long *p, struct workload_plan *out,
			char *err, size_t n_err)
{
	size_t n;
	int rc;

	if ((rc = workload_check_params("softmax", workload_rows_cols, p,
					err, n_err)) ||
	    (rc = workload_elems("softmax", "x", (size_t)p[0], (size_t)p[1],
				 &n, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 1;
	workload_set_input(out, 0, 2, (const size_t[]){ (size_t)p[0], (size_t)p[1] });
	workload_set_output(out, 2, out->input_shape[0].dims);
	out->flops = 5.0 * (double)n;
	out->bytes = 2.0 * 4.0 * (double)n;
	return 0;
}

/* layernorm: per element 1 add (mean), 3 for the variance (subtract,
 * multiply, add), 4 for the output (subtract, scale, gamma, beta) = 8
 * flops; the per-row sqrt and divide are not counted. */
static int layernorm_plan(const long *p, struct workload_plan *out,
			  char *err, size_t n_err)
{
	size_t n;
	int rc;

	if ((rc = workload_check_params("layernorm", workload_rows_cols, p,
					err, n_err)) ||
	    (rc = workload_elems("layernorm", "x", (size_t)p[0], (size_t)p[1],
				 &n, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 3;
	workload_set_input(out, 0, 2, (const size_t[]){ (size_t)p[0], (size_t)p[1] });
	workload_set_input(out, 1, 1, (const size_t[]){ (size_t)p[1] });
	workload_set_input(out, 2, 1, (const size_t[]){ (size_t)p[1] });
	workload_set_output(out, 2, out->input_shape[0].dims);
	out->flops = 8.0 * (double)n;
	out->bytes = 8.0 * (double)n + 8.0 * (double)p[1];
	return 0;
}

/* rmsnorm: per element 2 (square, add) + 2 (scale, gamma) = 4 flops. */
static int rmsnorm_plan(const long *p, struct workload_plan *out,
			char *err, size_t n_err)
{
	size_t n;
	int rc;

	if ((rc = workload_check_params("rmsnorm", workload_rows_cols, p,
					err, n_err)) ||
	    (rc = workload_elems("rmsnorm", "x", (size_t)p[0], (size_t)p[1],
				 &n, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 2;
	workload_set_input(out, 0, 2, (const size_t[]){ (size_t)p[0], (size_t)p[1] });
	workload_set_input(out, 1, 1, (const size_t[]){ (size_t)p[1] });
	workload_set_output(out, 2, out->input_shape[0].dims);
	out->flops = 4.0 * (double)n;
	out->bytes = 8.0 * (double)n + 4.0 * (double)p[1];
	return 0;
}

static const char *const sgemm_params[] = { "m", "n", "k", NULL };

/* sgemm: 2mnk flops (one multiply and one add per term). */
static int sgemm_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	size_t m = (size_t)p[0], n = (size_t)p[1], k = (size_t)p[2];
	size_t na, nb, nc;
	int rc;

	if ((rc = workload_check_params("sgemm", sgemm_params, p, err, n_err)) ||
	    (rc = workload_elems("sgemm", "A", m, k, &na, err, n_err)) ||
	    (rc = workload_elems("sgemm", "B", k, n, &nb, err, n_err)) ||
	    (rc = workload_elems("sgemm", "C", m, n, &nc, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 2;
	workload_set_input(out, 0, 2, (const size_t[]){ m, k });
	workload_set_input(out, 1, 2, (const size_t[]){ k, n });
	workload_set_output(out, 2, (const size_t[]){ m, n });
	out->flops = 2.0 * (double)m * (double)n * (double)k;
	out->bytes = 4.0 * ((double)na + (double)nb + (double)nc);
	return 0;
}

const char *const workload_lora_params[] = {
	"batch", "seq", "in", "out", "rank", NULL
};

/* lora_forward: T = batch*seq tokens; 2*T*in*out (x.W) + 2*T*in*rank (x.A)
 * + 2*T*rank*out ((xA).B) + 2*T*out (scale and add) flops. */
static int lora_plan(const long *p, struct workload_plan *out,
		     char *err, size_t n_err)
{
	size_t t, in = (size_t)p[2], o = (size_t)p[3], r = (size_t)p[4];
	size_t nx, nw, na, nb, ny;
	int rc;

	if ((rc = workload_check_params("lora_forward", workload_lora_params,
					p, err, n_err)) ||
	    (rc = workload_elems("lora_forward", "the token count batch*seq",
				 (size_t)p[0], (size_t)p[1], &t, err, n_err)) ||
	    (rc = workload_elems("lora_forward", "x", t, in, &nx, err, n_err)) ||
	    (rc = workload_elems("lora_forward", "W", in, o, &nw, err, n_err)) ||
	    (rc = workload_elems("lora_forward", "A", in, r, &na, err, n_err)) ||
	    (rc = workload_elems("lora_forward", "B", r, o, &nb, err, n_err)) ||
	    (rc = workload_elems("lora_forward", "y", t, o, &ny, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	/* x is the activation [batch, seq, in], y [batch, seq, out] */
	out->n_inputs = 4;
	workload_set_input(out, 0, 3, (const size_t[]){ (size_t)p[0], (size_t)p[1], in });
	workload_set_input(out, 1, 2, (const size_t[]){ in, o });
	workload_set_input(out, 2, 2, (const size_t[]){ in, r });
	workload_set_input(out, 3, 2, (const size_t[]){ r, o });
	workload_set_output(out, 3, (const size_t[]){ (size_t)p[0], (size_t)p[1], o });
	out->flops = 2.0 * (double)t * (double)in * (double)o +
		     2.0 * (double)t * (double)in * (double)r +
		     2.0 * (double)t * (double)r * (double)o +
		     2.0 * (double)t * (double)o;
	out->bytes = 4.0 * ((double)nx + (double)nw + (double)na +
			    (double)nb + (double)ny);
	return 0;
}

/* ------------------------------------------------------- references */

static void softmax_ref(const long *p, const float *const *in, float *out)
{
	ref_softmax((size_t)p[0], (size_t)p[1], in[0], out);
}

static void layernorm_ref(const long *p, const float *const *in, float *out)
{
	ref_layernorm((size_t)p[0], (size_t)p[1], in[0], in[1], in[2], out);
}

static void rmsnorm_ref(const long *p, const float *const *in, float *out)
{
	ref_rmsnorm((size_t)p[0], (size_t)p[1], in[0], in[1], out);
}

static void sgemm_ref(const long *p, const float *const *in, float *out)
{
	ref_sgemm((size_t)p[0], (size_t)p[1], (size_t)p[2], in[0], in[1], out);
}

static void lora_ref(const long *p, const float *const *in, float *out)
{
	ref_lora_forward((size_t)p[0] * (size_t)p[1], (size_t)p[2],
			 (size_t)p[3], (size_t)p[4], in[0], in[1], in[2],
			 in[3], out);
}

/* ------------------------------------------------------------ specs */

static const char *const in_x[] = { "x", NULL };
static const char *const in_x_gamma[] = { "x", "gamma", NULL };
static const char *const in_x_gamma_beta[] = { "x", "gamma", "beta", NULL };
static const char *const in_a_b[] = { "A", "B", NULL };
static const char *const in_lora[] = { "x", "W", "A", "B", NULL };

/*
 * Tolerances. Softmax and the norms reduce one row at a time and an fp32
 * implementation is within a few ulp of the double reference per element:
 * rtol 1e-4 leaves ~800 ulp of slack, atol 1e-6 (of max |y|) covers
 * elements that are tiny (softmax tails) or cancel (layernorm's + beta).
 * Layer norm is ill-conditioned when a row's spread is tiny next to its
 * mean: rounding the mean to fp32 costs up to eps * |mean| / std per
 * element. With uniform inputs std ~ 0.58 once cols is more than a handful,
 * so this never matters at real sizes, but at cols <= ~8 a row of near-equal
 * values can push an honest fp32 result past these bounds.
 *
 * sgemm and lora_forward sum k products in fp32 in an order the backend
 * chooses; with inputs uniform in [-1, 1) a dot product's rounding error
 * grows like eps * sqrt(k) * |partial sums| ~ eps * k / 3 in the worst
 * plausible order, while max |C| ~ 4 sigma = 4 * sqrt(k / 9). The ratio is
 * ~ eps * sqrt(k) / 4 = 1.9e-6 at k = 4096 and 7.5e-6 at k = 65536, so atol
 * 1e-4 (of max |C|) is a 13x margin even at k = 65536 and still catches a
 * wrong term (one product is ~ 1 / max|C| ~ 1e-2 of the scale at k = 4096).
 * rtol 1e-3 adds nothing for small elements, which are the ones that
 * cancel; it only keeps the large ones from needing atol.
 */
const struct kernel_spec workload_spec_softmax = {
	.name = "softmax",
	.summary = "numerically stable softmax of each row of x[rows x cols]",
	.param_names = workload_rows_cols,
	.input_names = in_x,
	.rtol = 1e-4, .atol = 1e-6,
	.plan = softmax_plan,
	.reference = softmax_ref,
};

const struct kernel_spec workload_spec_layernorm = {
	.name = "layernorm",
	.summary = "layer norm of each row: (x - mean) / sqrt(var + 1e-5) * gamma + beta",
	.param_names = workload_rows_cols,
	.input_names = in_x_gamma_beta,
	.rtol = 1e-4, .atol = 1e-6,
	.plan = layernorm_plan,
	.reference = layernorm_ref,
};

const struct kernel_spec workload_spec_rmsnorm = {
	.name = "rmsnorm",
	.summary = "RMS norm of each row: x / sqrt(mean(x^2) + 1e-5) * gamma",
	.param_names = workload_rows_cols,
	.input_names = in_x_gamma,
	.rtol = 1e-4, .atol = 1e-6,
	.plan = rmsnorm_plan,
	.reference = rmsnorm_ref,
};

const struct kernel_spec workload_spec_sgemm = {
	.name = "sgemm",
	.summary = "C[m x n] = A[m x k] . B[k x n], fp32, row-major",
	.param_names = sgemm_params,
	.input_names = in_a_b,
	.rtol = 1e-3, .atol = 1e-4,
	.plan = sgemm_plan,
	.reference = sgemm_ref,
};

const struct kernel_spec workload_spec_lora_forward = {
	.name = "lora_forward",
	.summary = "LoRA layer: y = x.W + (x.A).B * alpha/rank, alpha = 2*rank",
	.param_names = workload_lora_params,
	.input_names = in_lora,
	.rtol = 1e-3, .atol = 1e-4,
	.plan = lora_plan,
	.reference = lora_ref,
};

/*
 * The table of kernels, one line per kernel: X(name) stands for
 * workload_spec_<name>, the spec (defined above, in workload_train.c, or
 * in a file of its own). The list is expanded into the declarations of the
 * specs and into the table, so a kernel is added by one line here and its
 * spec's file.
 */
#define WORKLOAD_SPECS(X) \
	X(softmax) \
	X(layernorm) \
	X(rmsnorm) \
	X(sgemm) \
	X(lora_forward) \
	X(lora_backward) \
	X(adamw_step) \
	X(training_step) \
	X(triad) \
	X(sample_greedy) \
	X(sample_top_k) \
	X(sample_top_p) \
	X(sample_temperature) \
	X(embedding) \
	X(rope) \
	X(attention) \
	X(mlp) \
	X(decoder_layer) \
	X(empty) \
	X(decode) \
	X(decode_recompute) \
	X(decode_step) \
	X(sdpa) \
	X(sdpa_causal) \
	X(wordpiece) \
	X(bert_encode) \
	X(embed) \
	/* end of the list: a new kernel's line goes above */

#define WORKLOAD_SPEC_DECLARE(name) extern const struct kernel_spec workload_spec_##name;
#define WORKLOAD_SPEC_ENTRY(name) &workload_spec_##name,
WORKLOAD_SPECS(WORKLOAD_SPEC_DECLARE)
static const struct kernel_spec *const all_specs[] = {
	WORKLOAD_SPECS(WORKLOAD_SPEC_ENTRY)
	NULL
};

const struct kernel_spec *const *workload_kernels(void)
{
	return all_specs;
}

const struct kernel_spec *workload_find(const char *name)
{
	for (size_t i = 0; all_specs[i]; i++)
		if (strcmp(all_specs[i]->name, name) == 0)
			return all_specs[i];
	return NULL;
}

int workload_param_index(const struct kernel_spec *spec, const char *name)
{
	for (int i = 0; spec->param_names[i]; i++)
		if (strcmp(spec->param_names[i], name) == 0)
			return i;
	return -1;
}

long workload_param(const struct workload *w, const char *name, long dflt)
{
	int i = workload_param_index(w->spec, name);

	return i < 0 ? dflt : w->params[i];
}

/* --------------------------------------------------------- workloads */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Top 24 bits -> [0, 1) -> [-1, 1); every step is exact in float, so any
 * language doing the same arithmetic gets the same bits. */
void workload_fill(float *buf, size_t n, uint64_t seed)
{
	uint64_t state = seed;

	for (size_t i = 0; i < n; i++) {
		uint64_t z = splitmix64(&state);

		buf[i] = (float)((double)(z >> 40) * 0x1p-24 * 2.0 - 1.0);
	}
}

static int shape_holds(const struct workload_shape *s, size_t len)
{
	size_t n = 1;

	if (s->n_dims < 1 || s->n_dims > WORKLOAD_MAX_DIMS)
		return 0;
	for (size_t d = 0; d < s->n_dims; d++)
		n *= s->dims[d];
	return n == len;
}

/* A plan whose shapes disagree with its lengths is a bug in the spec; it
 * is caught here, before any backend or peer builds from it. */
static int plan_check_shapes(const struct kernel_spec *spec,
			     const struct workload_plan *plan,
			     char *err, size_t n_err)
{
	for (size_t i = 0; i < plan->n_inputs; i++)
		if (!shape_holds(&plan->input_shape[i], plan->input_len[i]))
			return err_set(err, n_err, MC_EINVAL,
				       "%s: the plan's shape of input %s does "
				       "not hold its %zu floats.", spec->name,
				       spec->input_names[i], plan->input_len[i]);
	if (!shape_holds(&plan->output_shape, plan->output_len))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the plan's shape of the output does not "
			       "hold its %zu floats.", spec->name,
			       plan->output_len);
	return 0;
}

int workload_create(const struct kernel_spec *spec, const long *params,
		    uint64_t seed, struct workload **out, char *err, size_t n_err)
{
	struct workload *w = NULL;
	size_t n_params = 0;
	int rc;

	*out = NULL;
	while (spec->param_names[n_params])
		n_params++;
	if (n_params > WORKLOAD_MAX_PARAMS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the spec has %zu parameters, more than "
			       "WORKLOAD_MAX_PARAMS.", spec->name, n_params);
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, n_err, MC_ENOMEM,
			       "%s: out of memory for the workload.", spec->name);
	w->spec = spec;
	w->seed = seed;
	memcpy(w->params, params, n_params * sizeof(*params));
	rc = spec->plan(w->params, &w->plan, err, n_err);
	if (rc)
		goto out;
	if ((rc = plan_check_shapes(spec, &w->plan, err, n_err)))
		goto out;
	for (size_t i = 0; i < w->plan.n_inputs; i++) {
		/* 64-byte aligned and padded to whole cache lines, so SIMD
		 * kernels and device uploads can use the buffers directly. */
		size_t bytes = (w->plan.input_len[i] * sizeof(float) + 63) & ~(size_t)63;

		w->inputs[i] = aligned_alloc(64, bytes);
		if (!w->inputs[i]) {
			rc = err_set(err, n_err, MC_ENOMEM,
				     "%s: out of memory for input %s (%zu bytes).",
				     spec->name, spec->input_names[i], bytes);
			goto out;
		}
		workload_fill(w->inputs[i], w->plan.input_len[i], seed + i);
	}
	if (spec->finish_inputs &&
	    (rc = spec->finish_inputs(w->params, w->inputs, err, n_err)))
		goto out;
	if (spec->ctx_create && (rc = spec->ctx_create(w, &w->ctx, err, n_err)))
		goto out;
	*out = w;
	w = NULL;
out:
	workload_destroy(w);
	return rc;
}

void workload_destroy(struct workload *w)
{
	if (!w)
		return;
	if (w->ctx)
		w->spec->ctx_free(w->ctx);
	for (size_t i = 0; i < WORKLOAD_MAX_BUFS; i++)
		free(w->inputs[i]);
	free(w);
}

void workload_reference(const struct workload *w, float *output)
{
	if (w->spec->reference_ctx)
		w->spec->reference_ctx(w, output);
	else
		w->spec->reference(w->params, (const float *const *)w->inputs,
				   output);
}

void workload_expected(const struct workload *w, float *output)
{
	if (w->spec->expected_ctx)
		w->spec->expected_ctx(w, output);
	else
		workload_reference(w, output);
}

/* Appends formatted text at out + *len; truncates as snprintf does and
 * keeps out NUL-terminated (n_out > 0). */
static void appendf(char *out, size_t n_out, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void appendf(char *out, size_t n_out, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*len >= n_out - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(out + *len, n_out - *len, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len = *len + (size_t)k < n_out - 1 ? *len + (size_t)k : n_out - 1;
}

void workload_name(const struct workload *w, char *out, size_t n_out)
{
	size_t len = 0;

	if (n_out == 0)
		return;
	out[0] = '\0';
	appendf(out, n_out, &len, "%s/", w->spec->name);
	for (size_t i = 0; w->spec->param_names[i]; i++)
		appendf(out, n_out, &len, i ? ",%s=%ld" : "%s=%ld",
			w->spec->param_names[i], w->params[i]);
}

void workload_params_json(const struct workload *w, char *out, size_t n_out)
{
	const char *const *names = w->spec->param_names;
	size_t order[WORKLOAD_MAX_PARAMS], n = 0, len = 0;

	if (n_out == 0)
		return;
	while (n < WORKLOAD_MAX_PARAMS && names[n]) {
		order[n] = n;
		n++;
	}
	/* insertion sort of the (few) keys by name */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 &&
		     strcmp(names[order[j - 1]], names[order[j]]) > 0; j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	out[0] = '\0';
	appendf(out, n_out, &len, "{");
	for (size_t i = 0; i < n; i++)
		appendf(out, n_out, &len, i ? ",\"%s\":%ld" : "\"%s\":%ld",
			names[order[i]], w->params[order[i]]);
	appendf(out, n_out, &len, "}");
}

int workload_variant_is_fp16(const char *variant)
{
	return variant && strcmp(variant, WORKLOAD_FP16) == 0;
}

int workload_variant_tol(const struct kernel_spec *spec, const char *variant,
			 const struct workload_tol *fp32, struct workload_tol *out,
			 char *err, size_t n_err)
{
	*out = *fp32;
	if (!workload_variant_is_fp16(variant))
		return 0;
	if (!spec->fp16)
		return err_set(err, n_err, MC_ENOTSUP, "%s has no fp16 variant: "
			       "the kernel states no fp16 tolerance, so an fp16 "
			       "result could not be validated", spec->name);
	out->rtol = fmax(spec->fp16->rtol, fp32->rtol);
	out->atol = fmax(spec->fp16->atol, fp32->atol);
	return 0;
}

int workload_check(const float *ref, const float *got, size_t n,
		   double rtol, double atol, double *out_max_abs,
		   double *out_max_rel, char *err, size_t n_err)
{
	double scale = 0.0, max_abs = 0.0, max_rel = 0.0;
	size_t first_bad = n;
	double bad_got = 0.0, bad_ref = 0.0, bad_tol = 0.0;
	int nonfinite = 0;

	for (size_t i = 0; i < n; i++) {
		double r = fabs((double)ref[i]);

		if (r > scale)
			scale = r;
	}
	for (size_t i = 0; i < n; i++) {
		double g = got[i], r = ref[i];
		double diff = fabs(g - r);
		double tol = atol * scale + rtol * fabs(r);
		double denom = fmax(fabs(r), scale * 1e-6);
		double rel;

		if (!isfinite(g) || !isfinite(r)) {
			if (first_bad == n) {
				first_bad = i;
				bad_got = g;
				bad_ref = r;
				nonfinite = 1;
			}
			max_abs = max_rel = INFINITY;
			continue;
		}
		rel = denom > 0.0 ? diff / denom : (diff > 0.0 ? INFINITY : 0.0);
		if (diff > max_abs)
			max_abs = diff;
		if (rel > max_rel)
			max_rel = rel;
		if (!(diff <= tol) && first_bad == n) {
			first_bad = i;
			bad_got = g;
			bad_ref = r;
			bad_tol = tol;
		}
	}
	if (out_max_abs)
		*out_max_abs = max_abs;
	if (out_max_rel)
		*out_max_rel = max_rel;
	if (first_bad == n)
		return 0;
	if (nonfinite)
		return err_set(err, n_err, MC_EVALID,
			       "Element %zu is not finite: got %g, reference %g.",
			       first_bad, bad_got, bad_ref);
	return err_set(err, n_err, MC_EVALID,
		       "Element %zu differs from the reference: got %.9g, "
		       "expected %.9g, |difference| %.3g exceeds the tolerance "
		       "%.3g (rtol %g, atol %g of max |ref| %g).",
		       first_bad, bad_got, bad_ref, fabs(bad_got - bad_ref),
		       bad_tol, rtol, atol, scale);
}

void workload_digest(const float *x, size_t n, char *out)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	/* bytes of each bit pattern in little-endian order, whatever the host */
	for (size_t i = 0; i < n; i++) {
		uint32_t bits;

		memcpy(&bits, &x[i], sizeof(bits));
		for (int b = 0; b < 4; b++) {
			h ^= (bits >> (8 * b)) & 0xffu;
			h *= 0x100000001b3ULL;
		}
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The cosine similarity of a and b (cols floats each) in double, so that
 * rounding in the check itself stays far below the 1e-4 that tells a good
 * embedding from a bad one; a zero row against a zero row counts 1,
 * against a nonzero one 0. NaN when either holds a NaN or Inf. */
static double row_cos(const float *a, const float *b, size_t cols)
{
	double ab = 0.0, aa = 0.0, bb = 0.0;

	for (size_t j = 0; j < cols; j++) {
		ab += (double)a[j] * b[j];
		aa += (double)a[j] * a[j];
		bb += (double)b[j] * b[j];
	}
	if (!isfinite(ab) || !isfinite(aa) || !isfinite(bb))
		return NAN;
	if (aa == 0.0 || bb == 0.0)
		return aa == bb ? 1.0 : 0.0;
	return ab / sqrt(aa * bb);
}

int workload_check_cos(const float *ref, const float *got, size_t n_rows,
		       size_t cols, double min_cos, double *out_min_cos,
		       char *err, size_t n_err)
{
	double worst = 1.0, bad_cos = 0.0;
	size_t bad = n_rows;

	for (size_t r = 0; r < n_rows; r++) {
		double c = row_cos(ref + r * cols, got + r * cols, cols);

		if (isnan(c)) {
			*out_min_cos = NAN;
			return err_set(err, n_err, MC_EVALID,
				       "Row %zu holds a value that is not finite.", r);
		}
		if (c < worst)
			worst = c;
		if (c < min_cos && bad == n_rows) {
			bad = r;
			bad_cos = c;
		}
	}
	*out_min_cos = worst;
	if (bad == n_rows)
		return 0;
	return err_set(err, n_err, MC_EVALID,
		       "Row %zu points another way than the reference's: "
		       "cosine similarity %.6f, below the %.6f required "
		       "(smallest over the rows %.6f).", bad, bad_cos, min_cos,
		       worst);
}
