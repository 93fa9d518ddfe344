/*
 * train.c - LoRA training on the CPU (see train.h): the backward pass as
 * six cblas_sgemm calls around a fused softmax-minus-one-hot row kernel,
 * and AdamW as one fused AVX2+FMA pass over the elements.
 *
 * Backward, with s the LoRA scale and T the token count:
 *   H = x.A;  Y = x.W;  Y += s H.B;  P = softmax(Y) - onehot(c)
 * so that P = T dY; the 1/T rides on the alphas of the products that use
 * it: dB = (s/T) H^T.P,  G = P.B^T,  dA = (s/T) x^T.G. Transposes are
 * cblas flags, never copies.
 *
 * Threads: OpenBLAS (a pthreads build here) runs the products on its own
 * threads, which spin for a while after each call, and libgomp's threads
 * spin after each parallel region. Alternating the two inside one kernel
 * puts four spinning threads on two cores: measured on 2 pinned cores of
 * an idle machine, the sgemm calls that follow an OpenMP softmax took
 * 400 us instead of 6. So everything between the products here runs on
 * the calling thread (the softmax is ~5% of the work), and only the
 * stand-alone AdamW of adamw_step uses OpenMP.
 *
 * AdamW reads param, grad, m, v and writes p', m', v' once each: it is
 * memory-bound, one pass, split over the OpenMP team when large.
 */
#include "train.h"
#include "cpu.h"
#include "ref/ref.h"
#include "ref/train.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define TRAIN_X86 1
#include <immintrin.h>
#else
#define TRAIN_X86 0
#endif

/* Below this many elements AdamW runs on one thread: waking the OpenMP
 * team costs microseconds, the time one core needs for ~64K elements (the
 * same threshold as the row kernels). */
#define TRAIN_PAR_MIN_ELEMS ((size_t)64 * 1024)

/* Elements per OpenMP chunk of AdamW (a multiple of 8: whole vectors). */
#define TRAIN_CHUNK ((size_t)16 * 1024)

/* ------------------------------------------------------- softmax rows */

/*
 * Probabilities below TRAIN_P_MIN = 2^-60 (~8.7e-19) are flushed to zero.
 * With logits spread over tens of units many probabilities underflow, and
 * subnormal floats, inputs or intermediate products, cost a microcode
 * assist per operation on many x86 cores in everything that reads them:
 * measured on an Intel Xeon, a backward pass at T = 32 took 1.3 ms with
 * them and 0.45 ms after flushing at FLT_MIN; 2^-60 also keeps the
 * products P.B^T and H^T.P clear of subnormals (|B|, |H| >= 2^-24 unless
 * 0). A probability that small changes no gradient by anything fp32 can
 * hold next to the others (eps 6e-8 of a sum of terms up to 1).
 */
#define TRAIN_P_MIN 0x1p-60f

/* p = softmax(y) - onehot(c) for one row of n logits, plain C. */
static void softmax_row_scalar(const float *y, float *p, size_t n, size_t c)
{
	float max = y[0], sum = 0.0f, inv;

	for (size_t j = 1; j < n; j++)
		max = y[j] > max ? y[j] : max;
	for (size_t j = 0; j < n; j++) {
		float e = expf(y[j] - max);

		p[j] = e < TRAIN_P_MIN ? 0.0f : e;
		sum += p[j];
	}
	inv = 1.0f / sum;
	for (size_t j = 0; j < n; j++) {
		float q = p[j] * inv;

		p[j] = q < TRAIN_P_MIN ? 0.0f : q;
	}
	p[c] -= 1.0f;
}

#if TRAIN_X86
#include "simd.h"

/* The row kernel eight lanes at a time: max, exp and sum, scale; the row
 * (2 KiB at out = 512) stays in L1 between the passes; the n % 8 tail
 * elements take the scalar path's expf. exp8_nonpos (simd.h) clamps its
 * input and gives ~2^-126 for it, at most a subnormal that adds nothing
 * to a sum >= 1; the scaled probabilities are flushed below
 * TRAIN_P_MIN. */
AVX2 static void softmax_row_avx2(const float *y, float *p, size_t n, size_t c)
{
	__m256 vmax = _mm256_set1_ps(-INFINITY), vsum = _mm256_setzero_ps();
	const __m256 tiny = _mm256_set1_ps(TRAIN_P_MIN);
	float max, sum, inv;
	size_t j;

	for (j = 0; j + 8 <= n; j += 8)
		vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(y + j));
	max = hmax8(vmax);
	for (; j < n; j++)
		max = y[j] > max ? y[j] : max;
	vmax = _mm256_set1_ps(max);
	for (j = 0; j + 8 <= n; j += 8) {
		__m256 e = exp8_nonpos(_mm256_sub_ps(_mm256_loadu_ps(y + j), vmax));

		_mm256_storeu_ps(p + j, e);
		vsum = _mm256_add_ps(vsum, e);
	}
	sum = hsum8(vsum);
	for (; j < n; j++) {
		float e = expf(y[j] - max);

		p[j] = e < TRAIN_P_MIN ? 0.0f : e;
		sum += p[j];
	}
	inv = 1.0f / sum;
	vsum = _mm256_set1_ps(inv);
	for (j = 0; j + 8 <= n; j += 8) {
		__m256 q = _mm256_mul_ps(_mm256_loadu_ps(p + j), vsum);

		q = _mm256_and_ps(q, _mm256_cmp_ps(q, tiny, _CMP_GE_OQ));
		_mm256_storeu_ps(p + j, q);
	}
	for (; j < n; j++) {
		float q = p[j] * inv;

		p[j] = q < TRAIN_P_MIN ? 0.0f : q;
	}
	p[c] -= 1.0f;
}
#else
static void softmax_row_avx2(const float *y, float *p, size_t n, size_t c)
{
	softmax_row_scalar(y, p, n, c);
}
#endif

/* p = softmax(y) - onehot(c), one row, on the calling thread. */
static void softmax_minus_onehot(const float *y, float *p, size_t n, size_t c)
{
	if (cpu_has_avx2_fma())
		softmax_row_avx2(y, p, n, c);
	else
		softmax_row_scalar(y, p, n, c);
}

/* ------------------------------------------------------------ backward */

size_t cpu_lora_backward_work(size_t tokens, size_t out, size_t rank)
{
	return 2 * tokens * (rank + out);
}

void cpu_lora_backward(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, float *work,
		       float *d_a, float *d_b)
{
	const int t = (int)tokens, ni = (int)in, no = (int)out, r = (int)rank;
	const float s = (float)REF_LORA_SCALE, s_t = s / (float)tokens;
	float *h = work, *y = h + tokens * rank, *p = y + tokens * out;
	float *g = p + tokens * out;

	/* forward: H = x.A, Y = x.W + s H.B */
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, r, ni, 1.0f,
		    x, ni, a, r, 0.0f, h, r);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, no, ni, 1.0f,
		    x, ni, w, no, 0.0f, y, no);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, no, r, s,
		    h, r, b, no, 1.0f, y, no);

	/* P = softmax(Y) - onehot = T dY */
	for (size_t i = 0; i < tokens; i++)
		softmax_minus_onehot(y + i * out, p + i * out, out,
				     ref_lora_class(targets[i], out));

	/* dB = (s/T) H^T.P, G = P.B^T, dA = (s/T) x^T.G */
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, no, t, s_t,
		    h, r, p, no, 0.0f, d_b, no);
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, r, no, 1.0f,
		    p, no, b, no, 0.0f, g, r);
	cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni, r, t, s_t,
		    x, ni, g, r, 0.0f, d_a, r);
}

/* ------------------------------------------------------------ AdamW */

/* One AdamW element in fp32 (the scalar path and the vector tails);
 * square_v: the second moment is v^2 (adamw_step's seeded input). */
static inline void adamw_scalar(size_t n, const float *p, const float *g,
				const float *m, const float *v, int square_v,
				float *op, float *om, float *ov)
{
	const float b1 = (float)REF_ADAMW_BETA1, c1 = (float)(1.0 - REF_ADAMW_BETA1);
	const float b2 = (float)REF_ADAMW_BETA2, c2 = (float)(1.0 - REF_ADAMW_BETA2);
	const float ib1 = (float)(1.0 / (1.0 - REF_ADAMW_BETA1));
	const float ib2 = (float)(1.0 / (1.0 - REF_ADAMW_BETA2));
	const float lr = (float)REF_ADAMW_LR, eps = (float)REF_ADAMW_EPS;
	const float lr_wd = (float)(REF_ADAMW_LR * REF_ADAMW_WD);

	for (size_t i = 0; i < n; i++) {
		float vi = square_v ? v[i] * v[i] : v[i];
		float m1 = b1 * m[i] + c1 * g[i];
		float v1 = b2 * vi + c2 * (g[i] * g[i]);
		float upd = (m1 * ib1) / (sqrtf(v1 * ib2) + eps);

		op[i] = (p[i] - lr_wd * p[i]) - lr * upd;
		om[i] = m1;
		ov[i] = v1;
	}
}

#if TRAIN_X86
/* The same formulas eight lanes at a time, fused multiply-adds where the
 * formula has a product and a sum. */
AVX2 static void adamw_avx2(size_t n, const float *p, const float *g,
			    const float *m, const float *v, int square_v,
			    float *op, float *om, float *ov)
{
	const __m256 b1 = _mm256_set1_ps((float)REF_ADAMW_BETA1);
	const __m256 c1 = _mm256_set1_ps((float)(1.0 - REF_ADAMW_BETA1));
	const __m256 b2 = _mm256_set1_ps((float)REF_ADAMW_BETA2);
	const __m256 c2 = _mm256_set1_ps((float)(1.0 - REF_ADAMW_BETA2));
	const __m256 ib1 = _mm256_set1_ps((float)(1.0 / (1.0 - REF_ADAMW_BETA1)));
	const __m256 ib2 = _mm256_set1_ps((float)(1.0 / (1.0 - REF_ADAMW_BETA2)));
	const __m256 lr = _mm256_set1_ps((float)REF_ADAMW_LR);
	const __m256 eps = _mm256_set1_ps((float)REF_ADAMW_EPS);
	const __m256 lr_wd = _mm256_set1_ps((float)(REF_ADAMW_LR * REF_ADAMW_WD));
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 vp = _mm256_loadu_ps(p + i), vg = _mm256_loadu_ps(g + i);
		__m256 vm = _mm256_loadu_ps(m + i), vv = _mm256_loadu_ps(v + i);
		__m256 m1, v1, upd;

		if (square_v)
			vv = _mm256_mul_ps(vv, vv);
		m1 = _mm256_fmadd_ps(b1, vm, _mm256_mul_ps(c1, vg));
		v1 = _mm256_fmadd_ps(b2, vv, _mm256_mul_ps(c2, _mm256_mul_ps(vg, vg)));
		upd = _mm256_div_ps(_mm256_mul_ps(m1, ib1),
				    _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(v1, ib2)),
						  eps));
		vp = _mm256_fnmadd_ps(lr_wd, vp, vp);
		_mm256_storeu_ps(op + i, _mm256_fnmadd_ps(lr, upd, vp));
		_mm256_storeu_ps(om + i, m1);
		_mm256_storeu_ps(ov + i, v1);
	}
	adamw_scalar(n - i, p + i, g + i, m + i, v + i, square_v, op + i,
		     om + i, ov + i);
}
#else
static void adamw_avx2(size_t n, const float *p, const float *g,
		       const float *m, const float *v, int square_v,
		       float *op, float *om, float *ov)
{
	adamw_scalar(n, p, g, m, v, square_v, op, om, ov);
}
#endif

/* AdamW over n elements; the outputs may be the inputs (elementwise). */
static void adamw(size_t n, const float *p, const float *g, const float *m,
		  const float *v, int square_v, float *op, float *om, float *ov)
{
	int simd = cpu_has_avx2_fma();
	size_t n_chunks = (n + TRAIN_CHUNK - 1) / TRAIN_CHUNK;

	if (n < TRAIN_PAR_MIN_ELEMS) {
		if (simd)
			adamw_avx2(n, p, g, m, v, square_v, op, om, ov);
		else
			adamw_scalar(n, p, g, m, v, square_v, op, om, ov);
		return;
	}
#pragma omp parallel for schedule(static)
	for (size_t c = 0; c < n_chunks; c++) {
		size_t i = c * TRAIN_CHUNK;
		size_t k = n - i < TRAIN_CHUNK ? n - i : TRAIN_CHUNK;

		if (simd)
			adamw_avx2(k, p + i, g + i, m + i, v + i, square_v,
				   op + i, om + i, ov + i);
		else
			adamw_scalar(k, p + i, g + i, m + i, v + i, square_v,
				     op + i, om + i, ov + i);
	}
}

void cpu_adamw_step(size_t n, const float *param, const float *grad,
		    const float *m, const float *v_seed, float *out_param,
		    float *out_m, float *out_v)
{
	adamw(n, param, grad, m, v_seed, 1, out_param, out_m, out_v);
}

/* ------------------------------------------------------ training step */

size_t cpu_training_step_work(size_t tokens, size_t in, size_t out,
			      size_t rank)
{
	return cpu_lora_backward_work(tokens, out, rank) +
	       3 * (in * rank + rank * out);
}

/* Work layout: the backward workspace, then the gradients, m and v of the
 * parameter vector [A | B] (in*rank + rank*out floats each). */
void cpu_training_step(size_t tokens, size_t in, size_t out, size_t rank,
		       const float *x, const float *w, const float *a,
		       const float *b, const float *targets, float *work,
		       float *new_a, float *new_b)
{
	size_t na = in * rank, nb = rank * out;
	float *grad = work + cpu_lora_backward_work(tokens, out, rank);
	float *m = grad + na + nb, *v = m + na + nb;

	cpu_lora_backward(tokens, in, out, rank, x, w, a, b, targets, work,
			  grad, grad + na);
	memset(m, 0, 2 * (na + nb) * sizeof(float));
	adamw(na, a, grad, m, v, 0, new_a, m, v);
	adamw(nb, b, grad + na, m + na, v + na, 0, new_b, m + na, v + na);
}

/* ------------------------------------------------------ the backend's rows */

/* The LoRA kernels take batch, seq, in, out, rank; adamw_step rows, cols.
 * Outputs are laid end to end as the specs define: [dA | dB], [A' | B'],
 * [param' | m' | v']. */
static size_t lora_backward_scratch(const size_t *p)
{
	return cpu_lora_backward_work(p[0] * p[1], p[3], p[4]);
}

static void lora_backward_run(const size_t *p, float *const *in, float *out,
			      float *scratch)
{
	cpu_lora_backward(p[0] * p[1], p[2], p[3], p[4], in[0], in[1], in[2],
			  in[3], in[4], scratch, out, out + p[2] * p[4]);
}

static void adamw_step_run(const size_t *p, float *const *in, float *out,
			   float *scratch)
{
	size_t n = p[0] * p[1];

	(void)scratch;
	cpu_adamw_step(n, in[0], in[1], in[2], in[3], out, out + n, out + 2 * n);
}

static size_t training_step_scratch(const size_t *p)
{
	return cpu_training_step_work(p[0] * p[1], p[2], p[3], p[4]);
}

static void training_step_run(const size_t *p, float *const *in, float *out,
			      float *scratch)
{
	cpu_training_step(p[0] * p[1], p[2], p[3], p[4], in[0], in[1], in[2],
			  in[3], in[4], scratch, out, out + p[2] * p[4]);
}

const struct cpu_kernel cpu_kernel_lora_backward = {
	.name = "lora_backward",
	.scratch_floats = lora_backward_scratch, .run = lora_backward_run,
};
const struct cpu_kernel cpu_kernel_adamw_step = {
	.name = "adamw_step", .run = adamw_step_run,
};
const struct cpu_kernel cpu_kernel_training_step = {
	.name = "training_step",
	.scratch_floats = training_step_scratch, .run = training_step_run,
};
