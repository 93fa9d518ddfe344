/*
 * workload_train.c - the kernel specs of LoRA training: the backward pass of
 * a LoRA layer under a softmax cross-entropy loss, one AdamW step, and the
 * two together as one training step. Counting conventions and tolerances
 * follow workload.c; the references are in kernels/ref/train.c.
 *
 * Everything a peer adapter (suites/peers/peer.py) must replicate is stated
 * here. Common to lora_backward and training_step, with parameters
 * (batch, seq, in, out, rank) and T = batch * seq tokens:
 *
 *   inputs, in this order: x [T x in], W [in x out], A [in x rank],
 *     B [rank x out], targets [T]: every one the seeded floats of
 *     workload.h (buffer i from seed + i), row-major.
 *   class of token t: c_t = min(out - 1, floor((targets[t] + 1) * 0.5 * out)),
 *     computed in double (exact).
 *   forward:  s = alpha / rank with alpha = 2 * rank (s = 2),
 *             H = x.A [T x rank],  Y = x.W + s * H.B [T x out]
 *   loss:     L = (1/T) * sum_t -log softmax(Y[t])[c_t]   (W is frozen)
 *   backward: dY = (softmax(Y) - onehot(c)) / T [T x out],
 *             dB = s * H^T.dY [rank x out],  dA = s * x^T.(dY.B^T) [in x rank]
 *             (what autograd of L gives for A and B).
 *
 * AdamW, in adamw_step and training_step alike: lr = 1e-4, beta1 = 0.9,
 * beta2 = 0.999, eps = 1e-8, weight decay wd = 0.01 decoupled, one step at
 * t = 1 (bias corrections 1 - beta1 and 1 - beta2), per element:
 *   m' = beta1 * m + (1 - beta1) * g
 *   v' = beta2 * v + (1 - beta2) * g^2
 *   p' = p - lr * wd * p - lr * (m' / (1 - beta1)) / (sqrt(v' / (1 - beta2)) + eps)
 * (PyTorch's torch.optim.AdamW: p *= 1 - lr * wd, then the Adam update.)
 */
#include "workload_train.h"
#include "workload_int.h"
#include "err.h"
#include "ref/ref.h"
#include "ref/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Buffer sizes of the LoRA training kernels; fills n_params (A and B
 * together) for the AdamW part. */
static int lora_train_plan(const char *kernel, const long *p,
			   struct workload_plan *out, size_t *out_n_params,
			   char *err, size_t n_err)
{
	size_t t, in = (size_t)p[2], o = (size_t)p[3], r = (size_t)p[4];
	size_t nx, nw, na, nb, ny;
	int rc;

	if ((rc = workload_check_params(kernel, workload_lora_params, p,
					err, n_err)) ||
	    (rc = workload_elems(kernel, "the token count batch*seq",
				 (size_t)p[0], (size_t)p[1], &t, err, n_err)) ||
	    (rc = workload_elems(kernel, "x", t, in, &nx, err, n_err)) ||
	    (rc = workload_elems(kernel, "W", in, o, &nw, err, n_err)) ||
	    (rc = workload_elems(kernel, "A", in, r, &na, err, n_err)) ||
	    (rc = workload_elems(kernel, "B", r, o, &nb, err, n_err)) ||
	    (rc = workload_elems(kernel, "the logits Y", t, o, &ny, err, n_err)))
		return rc;
	if (na + nb > WL_MAX_ELEMS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the output [A | B] would hold %zu floats, "
			       "more than the limit of %zu elements per buffer.",
			       kernel, na + nb, WL_MAX_ELEMS);
	memset(out, 0, sizeof(*out));
	/* x [batch, seq, in], targets [batch, seq]; output [A | B] */
	out->n_inputs = 5;
	workload_set_input(out, 0, 3, (const size_t[]){ (size_t)p[0], (size_t)p[1], in });
	workload_set_input(out, 1, 2, (const size_t[]){ in, o });
	workload_set_input(out, 2, 2, (const size_t[]){ in, r });
	workload_set_input(out, 3, 2, (const size_t[]){ r, o });
	workload_set_input(out, 4, 2, (const size_t[]){ (size_t)p[0], (size_t)p[1] });
	workload_set_output(out, 1, (const size_t[]){ na + nb });
	/* forward as lora_forward; softmax 5 per logit (as softmax); dY 2 per
	 * logit (subtract the one-hot, divide by T); dB = s H^T.dY and
	 * G = dY.B^T 2*T*rank*out each; dA = s x^T.G 2*T*in*rank; the two
	 * scalings by s one per gradient element. */
	out->flops = 2.0 * (double)t * (double)in * (double)o +
		     4.0 * (double)t * (double)in * (double)r +
		     6.0 * (double)t * (double)r * (double)o +
		     9.0 * (double)t * (double)o +
		     (double)na + (double)nb;
	*out_n_params = na + nb;
	return 0;
}

/* lora_backward: flops above; bytes: the five inputs read once, the two
 * gradients written once. */
static int lora_backward_plan(const long *p, struct workload_plan *out,
			      char *err, size_t n_err)
{
	size_t n_params;
	int rc = lora_train_plan("lora_backward", p, out, &n_params, err, n_err);

	if (rc)
		return rc;
	out->bytes = 4.0 * ((double)out->input_len[0] + (double)out->input_len[1] +
			    (double)out->input_len[2] + (double)out->input_len[3] +
			    (double)out->input_len[4] + (double)n_params);
	return 0;
}

/* AdamW per element: m' 3, v' 4, the bias corrections 2, sqrt and + eps 2,
 * divide and * lr 2, decay and the two subtractions 3 = 16 flops. */
#define WLT_ADAMW_FLOPS 16.0

/* training_step: lora_backward's flops plus AdamW of every element of A
 * and B. Bytes: the five inputs read once and the new A and B written
 * once; the moments start at zero and are no input. */
static int training_step_plan(const long *p, struct workload_plan *out,
			      char *err, size_t n_err)
{
	size_t n_params;
	int rc = lora_train_plan("training_step", p, out, &n_params, err, n_err);

	if (rc)
		return rc;
	out->flops += WLT_ADAMW_FLOPS * (double)n_params;
	out->bytes = 4.0 * ((double)out->input_len[0] + (double)out->input_len[1] +
			    (double)out->input_len[2] + (double)out->input_len[3] +
			    (double)out->input_len[4] + (double)n_params);
	return 0;
}

/* adamw_step: 16 flops per element plus 1 for v = v_seed^2; bytes: four
 * inputs read and three outputs written, 7 * 4 per element. */
static int adamw_step_plan(const long *p, struct workload_plan *out,
			   char *err, size_t n_err)
{
	size_t n;
	int rc;

	if ((rc = workload_check_params("adamw_step", workload_rows_cols, p,
					err, n_err)) ||
	    (rc = workload_elems("adamw_step", "param", (size_t)p[0],
				 (size_t)p[1], &n, err, n_err)))
		return rc;
	if (n > WL_MAX_ELEMS / 3)
		return err_set(err, n_err, MC_EINVAL,
			       "adamw_step: the output [param | m | v] would hold "
			       "3 x %zu floats, more than the limit of %zu "
			       "elements per buffer.", n, WL_MAX_ELEMS);
	memset(out, 0, sizeof(*out));
	out->n_inputs = 4;
	for (size_t i = 0; i < 4; i++)
		workload_set_input(out, i, 2, (const size_t[]){ (size_t)p[0], (size_t)p[1] });
	workload_set_output(out, 1, (const size_t[]){ 3 * n });
	out->flops = (WLT_ADAMW_FLOPS + 1.0) * (double)n;
	out->bytes = 7.0 * 4.0 * (double)n;
	return 0;
}

/* ------------------------------------------------------- references */

/* The double workspace of the LoRA references. The reference interface
 * cannot fail, so when it cannot be allocated the output is all NaN, which
 * validation reports as not finite rather than passing silently. */
static double *lora_work(const long *p, float *output)
{
	size_t in = (size_t)p[2], o = (size_t)p[3], r = (size_t)p[4];
	double *work = malloc(ref_lora_grad_work(in, o, r) * sizeof(double));

	if (!work)
		for (size_t i = 0; i < in * r + r * o; i++)
			output[i] = NAN;
	return work;
}

static void lora_backward_ref(const long *p, const float *const *in,
			      float *out)
{
	double *work = lora_work(p, out);

	if (!work)
		return;
	ref_lora_backward((size_t)p[0] * (size_t)p[1], (size_t)p[2],
			  (size_t)p[3], (size_t)p[4], in[0], in[1], in[2],
			  in[3], in[4], work, out, out + p[2] * p[4]);
	free(work);
}

static void training_step_ref(const long *p, const float *const *in,
			      float *out)
{
	double *work = lora_work(p, out);

	if (!work)
		return;
	ref_training_step((size_t)p[0] * (size_t)p[1], (size_t)p[2],
			  (size_t)p[3], (size_t)p[4], in[0], in[1], in[2],
			  in[3], in[4], work, out, out + p[2] * p[4]);
	free(work);
}

static void adamw_step_ref(const long *p, const float *const *in, float *out)
{
	size_t n = (size_t)p[0] * (size_t)p[1];

	ref_adamw_step(n, in[0], in[1], in[2], in[3], out, out + n, out + 2 * n);
}

/* ------------------------------------------------------------ specs */

static const char *const in_lora_train[] = {
	"x", "W", "A", "B", "targets", NULL
};
static const char *const in_adamw[] = { "param", "grad", "m", "v", NULL };

/*
 * lora_backward (batch, seq, in, out, rank): the gradients of the loss L
 * above with respect to A and B.
 *   inputs: x, W, A, B, targets (see the top of the file)
 *   output: [dA (in x rank, row-major) | dB (rank x out, row-major)],
 *           in*rank + rank*out floats.
 *
 * Tolerance: rtol 1e-3, atol 1e-4, as for lora_forward. The fp32 forward
 * carries lora_forward's error (~eps sqrt(in) of logits whose spread is
 * ~25 at in = 512); the softmax turns an absolute logit error into the
 * same relative error of each probability, and the gradient products sum
 * T, out or rank terms. Measured cpu against ref: at most 3.6e-6 of
 * max |ref| (batch 2-4, seq 16-64, 512 and 1024 square, rank 8 and 16, 13
 * seeds), a margin of ~28.
 */
const struct kernel_spec workload_spec_lora_backward = {
	.name = "lora_backward",
	.summary = "LoRA backward under softmax cross-entropy: [dL/dA | dL/dB]",
	.param_names = workload_lora_params,
	.input_names = in_lora_train,
	.rtol = 1e-3, .atol = 1e-4,
	.plan = lora_backward_plan,
	.reference = lora_backward_ref,
};

/*
 * adamw_step (rows, cols): one AdamW step (formulas at the top) of a
 * rows x cols parameter.
 *   inputs: param p, grad g, m, v: four rows*cols buffers of seeded
 *           floats. A second moment must be >= 0, so the step uses
 *           v = (input v)^2, the square of the seeded value, on every side.
 *   output: [p' | m' | v'], each rows*cols floats: 3*rows*cols floats.
 *
 * Tolerance: elementwise fp32 arithmetic, a few roundings per element:
 * measured at most 1 ulp of 1 (1.2e-7) against the double reference, and
 * the values are ~1, so atol 1e-6 (of max |ref|) leaves a margin of ~8
 * and rtol adds next to nothing (1e-7). The tolerance must be this tight
 * to see the update at all: lr * m_hat / (sqrt(v_hat) + eps) is ~1e-4
 * next to |p| ~ 1, so an update a few percent wrong fails.
 */
const struct kernel_spec workload_spec_adamw_step = {
	.name = "adamw_step",
	.summary = "one AdamW step (lr 1e-4, wd 0.01, t = 1): [param | m | v]",
	.param_names = workload_rows_cols,
	.input_names = in_adamw,
	.rtol = 1e-7, .atol = 1e-6,
	.plan = adamw_step_plan,
	.reference = adamw_step_ref,
};

/*
 * training_step (batch, seq, in, out, rank): forward, loss, backward as
 * lora_backward, then one AdamW step (t = 1) of A and B from m = v = 0.
 *   inputs: x, W, A, B, targets (as lora_backward)
 *   output: [new A (in x rank) | new B (rank x out)], in*rank + rank*out
 *           floats. The moments are not part of the output.
 *
 * From zero moments the update is lr * g / (|g| + eps): +-1e-4 for all but
 * the tiniest gradients, next to |A|, |B| ~ 1. The tolerance must see the
 * update, so it is adamw_step's: atol 1e-6 of max |ref|, rtol 1e-7. Only a
 * gradient whose sign fp32 gets wrong (|g| below its rounding error) could
 * fail an honest implementation; the tiny gradients here come from tiny
 * probabilities, which fp32 keeps to a relative error, not from
 * cancellation: no sign differed in 245760 gradient elements (30 seeds of
 * the suite's shape), and the measured error is 1 ulp (1.2e-7).
 */
const struct kernel_spec workload_spec_training_step = {
	.name = "training_step",
	.summary = "LoRA training step: forward, backward, AdamW of A and B: [A | B]",
	.param_names = workload_lora_params,
	.input_names = in_lora_train,
	.rtol = 1e-7, .atol = 1e-6,
	.plan = training_step_plan,
	.reference = training_step_ref,
};
