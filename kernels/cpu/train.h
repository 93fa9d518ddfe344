/*
 * train.h - the LoRA training kernels on the CPU: backward pass, AdamW and
 * the whole training step, with the semantics of kernels/ref/train.h (the
 * specs are in src/lib/workload_train.c).
 *
 * The matrix products go to OpenBLAS (cblas_sgemm, its own threads); the
 * softmax rows of the backward pass are AVX2+FMA on the calling thread
 * (train.c says why not OpenMP); AdamW is an AVX2+FMA loop split over
 * OpenMP threads when large. Everything is fp32. Arrays are
 * row-major and sizes >= 1; the caller passes the float workspace each
 * kernel states. The kernels neither allocate nor fail.
 */
#ifndef MC_CPU_TRAIN_H
#define MC_CPU_TRAIN_H
#include <stddef.h>

/* Floats of workspace cpu_lora_backward needs: 2 * tokens * (rank + out). */
size_t cpu_lora_backward_work(size_t tokens, size_t out, size_t rank);

/* Gradients of the LoRA cross-entropy loss (same semantics as
 * ref_lora_backward): d_a (in x rank) and d_b (rank x out), which may be
 * adjacent in one buffer but must not overlap the inputs or work. */
void cpu_lora_backward(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, float *work,
		       float *d_a, float *d_b);

/* One AdamW step with the second moment given as v_seed^2 (same semantics
 * as ref_adamw_step). */
void cpu_adamw_step(size_t n, const float *param, const float *grad,
		    const float *m, const float *v_seed, float *out_param,
		    float *out_m, float *out_v);

/* Floats of workspace cpu_training_step needs: the backward workspace plus
 * the gradients and the two moments of A and B. */
size_t cpu_training_step_work(size_t tokens, size_t in, size_t out,
			      size_t rank);

/* One training step (same semantics as ref_training_step): gradients,
 * then AdamW of A and B from zeroed moments, which it zeroes in work on
 * every call as a fresh optimizer would. Writes new_a and new_b. */
void cpu_training_step(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, float *work,
		       float *new_a, float *new_b);

#endif
