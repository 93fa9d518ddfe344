/*
 * train.c - reference LoRA training kernels: loss, backward pass, AdamW and
 * the whole training step (see train.h).
 *
 * The backward pass goes one token at a time, the way the math reads: the
 * forward row y = x_t.W + s (x_t.A).B, its softmax, the row of dY, and that
 * row's contributions to dB and dA, summed into double accumulators in the
 * caller's workspace. W streams past once per token (1 MiB at 512 x 512,
 * it stays in L2/L3); nothing is recomputed.
 */
#include "ref.h"
#include "train.h"

#include <math.h>

size_t ref_lora_class(float target, size_t out)
{
	double c = floor(((double)target + 1.0) * 0.5 * (double)out);

	return c >= (double)(out - 1) ? out - 1 : (size_t)c;
}

size_t ref_lora_grad_work(size_t in, size_t out, size_t rank)
{
	return in * rank + rank * out + out + 2 * rank;
}

/* The loss and, when grads is nonzero, its gradients in double at work
 * (d_a: in x rank, then d_b: rank x out). Work layout: d_a, d_b, the row y
 * (out), h = x_t.A (rank), g = dY_t.B^T (rank). */
static double lora_grads(size_t tokens, size_t in, size_t out, size_t rank,
			 const float *x, const float *w, const float *a,
			 const float *b, const float *targets, double *work,
			 int grads)
{
	double *da = work, *db = da + in * rank, *y = db + rank * out;
	double *h = y + out, *g = h + rank;
	double inv_t = 1.0 / (double)tokens, loss = 0.0;
	const double s = REF_LORA_SCALE;

	for (size_t i = 0; i < in * rank + rank * out; i++)
		work[i] = 0.0;
	for (size_t t = 0; t < tokens; t++) {
		const float *xt = x + t * in;
		size_t c = ref_lora_class(targets[t], out);
		double max, sum = 0.0;

		for (size_t r = 0; r < rank; r++)
			h[r] = 0.0;
		for (size_t j = 0; j < out; j++)
			y[j] = 0.0;
		for (size_t p = 0; p < in; p++) {
			double xp = xt[p];
			const float *wp = w + p * out, *ap = a + p * rank;

			for (size_t j = 0; j < out; j++)
				y[j] += xp * wp[j];
			for (size_t r = 0; r < rank; r++)
				h[r] += xp * ap[r];
		}
		for (size_t r = 0; r < rank; r++) {
			double hr = s * h[r];
			const float *br = b + r * out;

			for (size_t j = 0; j < out; j++)
				y[j] += hr * br[j];
		}

		/* softmax cross-entropy: -log p_c = log(sum) + max - y_c */
		max = y[0];
		for (size_t j = 1; j < out; j++)
			max = y[j] > max ? y[j] : max;
		loss += max - y[c];
		for (size_t j = 0; j < out; j++) {
			y[j] = exp(y[j] - max);
			sum += y[j];
		}
		loss += log(sum);
		if (!grads)
			continue;

		/* y becomes the row of dY = (p - onehot) / tokens */
		for (size_t j = 0; j < out; j++)
			y[j] = (y[j] / sum - (j == c ? 1.0 : 0.0)) * inv_t;
		for (size_t r = 0; r < rank; r++) {
			const float *br = b + r * out;
			double *dbr = db + r * out, shr = s * h[r], gr = 0.0;

			for (size_t j = 0; j < out; j++) {
				gr += y[j] * br[j];
				dbr[j] += shr * y[j];
			}
			g[r] = gr;
		}
		for (size_t p = 0; p < in; p++) {
			double sxp = s * xt[p];
			double *dap = da + p * rank;

			for (size_t r = 0; r < rank; r++)
				dap[r] += sxp * g[r];
		}
	}
	return loss * inv_t;
}

double ref_lora_loss(size_t tokens, size_t in, size_t out, size_t rank,
		     const float *x, const float *w, const float *a,
		     const float *b, const float *targets, double *work)
{
	return lora_grads(tokens, in, out, rank, x, w, a, b, targets, work, 0);
}

void ref_lora_backward(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, double *work,
		       float *d_a, float *d_b)
{
	const double *db = work + in * rank;

	lora_grads(tokens, in, out, rank, x, w, a, b, targets, work, 1);
	for (size_t i = 0; i < in * rank; i++)
		d_a[i] = (float)work[i];
	for (size_t i = 0; i < rank * out; i++)
		d_b[i] = (float)db[i];
}

/* One element of AdamW at t = 1, in double. */
static void adamw_one(double p, double g, double m, double v, float *out_p,
		      float *out_m, float *out_v)
{
	double m1 = REF_ADAMW_BETA1 * m + (1.0 - REF_ADAMW_BETA1) * g;
	double v1 = REF_ADAMW_BETA2 * v + (1.0 - REF_ADAMW_BETA2) * g * g;
	double m_hat = m1 / (1.0 - REF_ADAMW_BETA1);
	double v_hat = v1 / (1.0 - REF_ADAMW_BETA2);

	*out_p = (float)(p - REF_ADAMW_LR * REF_ADAMW_WD * p -
			 REF_ADAMW_LR * m_hat / (sqrt(v_hat) + REF_ADAMW_EPS));
	if (out_m)
		*out_m = (float)m1;
	if (out_v)
		*out_v = (float)v1;
}

void ref_adamw_step(size_t n, const float *param, const float *grad,
		    const float *m, const float *v_seed, float *out_param,
		    float *out_m, float *out_v)
{
	for (size_t i = 0; i < n; i++)
		adamw_one(param[i], grad[i], m[i],
			  (double)v_seed[i] * (double)v_seed[i],
			  &out_param[i], &out_m[i], &out_v[i]);
}

void ref_training_step(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, double *work,
		       float *new_a, float *new_b)
{
	const double *da = work, *db = work + in * rank;

	lora_grads(tokens, in, out, rank, x, w, a, b, targets, work, 1);
	/* m and v start at zero; the new moments are not part of the output */
	for (size_t i = 0; i < in * rank; i++)
		adamw_one(a[i], da[i], 0.0, 0.0, &new_a[i], NULL, NULL);
	for (size_t i = 0; i < rank * out; i++)
		adamw_one(b[i], db[i], 0.0, 0.0, &new_b[i], NULL, NULL);
}
