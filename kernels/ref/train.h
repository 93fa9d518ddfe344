/*
 * train.h - reference implementations of the LoRA training kernels
 * (lora_backward, adamw_step, training_step; the specs, with the exact
 * math, are in src/lib/workload_train.c).
 *
 * The rules of ref.h hold: plain, obviously correct C with double
 * accumulation, row-major arrays that do not overlap, sizes >= 1, no
 * allocation and no failure. The backward pass needs double accumulators
 * the size of the gradients, so the caller passes a workspace of
 * ref_lora_grad_work() doubles.
 *
 * The LoRA layer is that of ref_lora_forward: y = x.W + (x.A).B * s with
 * s = REF_LORA_SCALE (alpha / rank, alpha = 2 * rank); x is tokens x in,
 * W in x out, A in x rank, B rank x out.
 */
#ifndef MC_REF_TRAIN_H
#define MC_REF_TRAIN_H
#include <stddef.h>

/* AdamW hyperparameters of adamw_step and training_step. Both take one
 * step at t = 1, so the bias corrections are 1 - beta1 and 1 - beta2. */
#define REF_ADAMW_LR 1e-4
#define REF_ADAMW_BETA1 0.9
#define REF_ADAMW_BETA2 0.999
#define REF_ADAMW_EPS 1e-8
#define REF_ADAMW_WD 0.01

/* Class of a token from its seeded target value t in [-1, 1):
 * min(out - 1, floor((t + 1) * 0.5 * out)), computed in double (exact for
 * out < 2^29, so every language gets the same class). */
size_t ref_lora_class(float target, size_t out);

/* Doubles of workspace that ref_lora_backward, ref_lora_loss and
 * ref_training_step need: in*rank + rank*out + out + 2*rank. */
size_t ref_lora_grad_work(size_t in, size_t out, size_t rank);

/* Mean cross-entropy over the tokens of softmax(y) against the classes of
 * targets (tokens floats, see ref_lora_class), y the LoRA forward output.
 * work: ref_lora_grad_work() doubles. Returns the loss in double. */
double ref_lora_loss(size_t tokens, size_t in, size_t out, size_t rank,
		     const float *x, const float *w, const float *a,
		     const float *b, const float *targets, double *work);

/* Gradients of that loss with respect to A and B: with dY = (softmax(y) -
 * onehot) / tokens, d_b = s * (x.A)^T . dY (rank x out) and
 * d_a = s * x^T . (dY . B^T) (in x rank). work as above. */
void ref_lora_backward(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, double *work,
		       float *d_a, float *d_b);

/* One AdamW step (t = 1, the REF_ADAMW_* hyperparameters) over n elements:
 *   v    = v_seed^2                     (the second moment must be >= 0)
 *   m'   = beta1 m + (1 - beta1) g
 *   v'   = beta2 v + (1 - beta2) g^2
 *   p'   = p - lr wd p - lr (m' / (1 - beta1)) / (sqrt(v' / (1 - beta2)) + eps)
 * writing p', m', v' to out_param, out_m, out_v. */
void ref_adamw_step(size_t n, const float *param, const float *grad,
		    const float *m, const float *v_seed, float *out_param,
		    float *out_m, float *out_v);

/* One training step of the LoRA adapter: the gradients of
 * ref_lora_backward (kept in double), then one AdamW step of A and B from
 * m = v = 0 (the formulas of ref_adamw_step with v = 0). W is frozen.
 * Writes the new A (in x rank) and B (rank x out). work as above. */
void ref_training_step(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, double *work,
		       float *new_a, float *new_b);

#endif
