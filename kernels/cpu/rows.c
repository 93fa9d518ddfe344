/*
 * rows.c - softmax, layernorm and rmsnorm on the CPU: one row at a time,
 * AVX2+FMA when the CPU has it (else plain C), rows split over OpenMP
 * threads when the problem is large.
 *
 * These kernels are memory-bound: each element is read once and written
 * once. A row (4 KiB at cols = 1024) stays in L1/L2 between the passes
 * over it, so the multi-pass row algorithms cost no extra memory traffic,
 * but only the first pass waits for memory: the next row is prefetched
 * during the later, compute-only passes so that the two overlap. That
 * matters most for softmax, whose exp costs ~0.2 ns per element on a Zen 3
 * core, not far from what two cores' share of the memory bandwidth allows
 * (~0.5 ns per element at 30 GB/s). For the same reason layernorm takes
 * its mean and variance in one pass (shifted sums, see layernorm_row_avx2)
 * rather than two: each pass over a row costs ~0.1 ns per element.
 * What does cost is the read-for-ownership of the output lines: at sizes
 * well beyond the last-level cache the output is written with non-temporal
 * (streaming) stores, which skip it, moving 8 bytes per element instead of
 * 12. Below that size streaming would evict an output that the next
 * iteration (or consumer) would find in cache, so normal stores are used.
 */
#include "cpu.h"
#include "ref/ref.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_X86 1
#include <immintrin.h>
#else
#define CPU_X86 0
#endif

/* Below this many elements the whole problem runs on one thread: waking
 * the OpenMP team costs microseconds (tens on a VM), the time one core
 * needs for tens of thousands of elements. */
#define CPU_PAR_MIN_ELEMS ((size_t)64 * 1024)

/* Rows are handed to the threads in chunks of this many, on demand rather
 * than in one fixed half each: on a shared machine one core can run slower
 * than the other for a while (a busy sibling on the host), and with fixed
 * halves the faster core then waits at the end. A chunk (256 KiB of input
 * at 1024 columns) costs one atomic increment, noise next to its ~100 us. */
#define CPU_ROW_CHUNK 64

/* Softmax streams from a per-thread copy of the exponentials, used only
 * while a row fits in L2 (beyond that it would not save traffic). */
#define CPU_ROW_BUF_MAX_BYTES ((size_t)256 * 1024)

/* Output size from which stores are non-temporal when the last-level cache
 * size cannot be read. */
#define CPU_STREAM_DEFAULT_BYTES ((size_t)32 * 1024 * 1024)

static int forced_scalar;

void cpu_force_scalar(int force)
{
	__atomic_store_n(&forced_scalar, force != 0, __ATOMIC_RELAXED);
}

int cpu_has_avx2_fma(void)
{
#if CPU_X86
	/* -1 = not checked; racing first callers store the same value */
	static int cached = -1;
	int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (__atomic_load_n(&forced_scalar, __ATOMIC_RELAXED))
		return 0;
	if (v < 0) {
		__builtin_cpu_init();
		v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
		__atomic_store_n(&cached, v, __ATOMIC_RELAXED);
	}
	return v;
#else
	return 0;
#endif
}

const char *cpu_simd_name(void)
{
	return cpu_has_avx2_fma() ? "avx2+fma" : "scalar";
}

/* Non-temporal stores pay off once the output alone exceeds the
 * last-level cache. */
static int use_stream(size_t n_out_elems)
{
	long long llc = cpu_llc_bytes();
	size_t min_bytes = llc > 0 ? (size_t)llc : CPU_STREAM_DEFAULT_BYTES;

	return cpu_has_avx2_fma() && n_out_elems * sizeof(float) >= min_bytes;
}

static int use_threads(size_t rows, size_t cols)
{
	return rows > 1 && rows * cols > CPU_PAR_MIN_ELEMS;
}

/* The row after r, to prefetch while r is computed: each row is read from
 * memory in its first pass and the later passes are pure compute, so
 * without this the memory sits idle during them (and the hardware
 * prefetchers stop at the 4 KiB page a short row ends on). NULL for the
 * last row and for rows too long to stay in L1/L2 until their turn. */
static const float *next_row(const float *x, size_t r, size_t rows, size_t cols)
{
	if (r + 1 >= rows || cols * sizeof(float) > CPU_ROW_BUF_MAX_BYTES / 4)
		return NULL;
	return x + (r + 1) * cols;
}

/* ------------------------------------------------------------ scalar */

static void softmax_row_scalar(const float *x, float *y, size_t n)
{
	float max = x[0], sum = 0.0f, inv;

	for (size_t j = 1; j < n; j++)
		max = x[j] > max ? x[j] : max;
	for (size_t j = 0; j < n; j++) {
		y[j] = expf(x[j] - max);
		sum += y[j];
	}
	inv = 1.0f / sum;
	for (size_t j = 0; j < n; j++)
		y[j] *= inv;
}

static void layernorm_row_scalar(const float *x, const float *gamma,
				 const float *beta, float *y, size_t n)
{
	float mean = 0.0f, var = 0.0f, rstd;

	for (size_t j = 0; j < n; j++)
		mean += x[j];
	mean /= (float)n;
	for (size_t j = 0; j < n; j++)
		var += (x[j] - mean) * (x[j] - mean);
	rstd = 1.0f / sqrtf(var / (float)n + (float)REF_NORM_EPS);
	for (size_t j = 0; j < n; j++)
		y[j] = (x[j] - mean) * rstd * gamma[j] + beta[j];
}

static void rmsnorm_row_scalar(const float *x, const float *gamma, float *y,
			       size_t n)
{
	float ss = 0.0f, rinv;

	for (size_t j = 0; j < n; j++)
		ss += x[j] * x[j];
	rinv = 1.0f / sqrtf(ss / (float)n + (float)REF_NORM_EPS);
	for (size_t j = 0; j < n; j++)
		y[j] = x[j] * rinv * gamma[j];
}

/* -------------------------------------------------------------- AVX2 */
#if CPU_X86
#include "simd.h"

/* Elements to handle one by one before y + j is 32-byte aligned. */
static inline size_t peel32(const float *y, size_t n)
{
	size_t k = ((32 - ((uintptr_t)y & 31)) & 31) / sizeof(float);

	return k < n ? k : n;
}

/* y[j] = src[j] * s for j < n with streaming stores (src may be y). */
AVX2 static void scale_stream(const float *src, float *y, size_t n, float s)
{
	size_t j = 0, head = peel32(y, n);
	__m256 vs = _mm256_set1_ps(s);

	for (; j < head; j++)
		y[j] = src[j] * s;
	for (; j + 8 <= n; j += 8)
		_mm256_stream_ps(y + j, _mm256_mul_ps(_mm256_loadu_ps(src + j), vs));
	for (; j < n; j++)
		y[j] = src[j] * s;
}

/* Requests the cache lines of next[0..n) (NULL: nothing), one per 64 bytes,
 * spread over the compute passes of the current row. */
static inline void prefetch_line(const float *next, size_t j)
{
	if (next)
		_mm_prefetch((const char *)(next + j), _MM_HINT_T0);
}

/* buf: a row-sized scratch for the exponentials when streaming, else NULL
 * (then they go to y and are scaled in place). next: the row to prefetch
 * while computing this one, or NULL. */
AVX2 static void softmax_row_avx2(const float *x, float *y, size_t n,
				  float *buf, const float *next)
{
	float *e = buf ? buf : y;
	__m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
	__m256 s0 = _mm256_setzero_ps(), s1 = s0, vmax;
	float max, sum;
	size_t j = 0;

	for (; j + 32 <= n; j += 32) {
		m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + j));
		m1 = _mm256_max_ps(m1, _mm256_loadu_ps(x + j + 8));
		m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + j + 16));
		m3 = _mm256_max_ps(m3, _mm256_loadu_ps(x + j + 24));
	}
	for (; j + 8 <= n; j += 8)
		m0 = _mm256_max_ps(m0, _mm256_loadu_ps(x + j));
	max = hmax8(_mm256_max_ps(_mm256_max_ps(m0, m1), _mm256_max_ps(m2, m3)));
	for (; j < n; j++)
		max = x[j] > max ? x[j] : max;

	vmax = _mm256_set1_ps(max);
	j = 0;
	for (; j + 16 <= n; j += 16) {
		__m256 e0 = exp8_nonpos(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmax));
		__m256 e1 = exp8_nonpos(_mm256_sub_ps(_mm256_loadu_ps(x + j + 8), vmax));

		prefetch_line(next, j);
		_mm256_storeu_ps(e + j, e0);
		_mm256_storeu_ps(e + j + 8, e1);
		s0 = _mm256_add_ps(s0, e0);
		s1 = _mm256_add_ps(s1, e1);
	}
	for (; j + 8 <= n; j += 8) {
		__m256 e0 = exp8_nonpos(_mm256_sub_ps(_mm256_loadu_ps(x + j), vmax));

		prefetch_line(next, j);
		_mm256_storeu_ps(e + j, e0);
		s0 = _mm256_add_ps(s0, e0);
	}
	sum = hsum8(_mm256_add_ps(s0, s1));
	for (; j < n; j++) {
		e[j] = expf(x[j] - max);
		sum += e[j];
	}

	if (buf) {
		scale_stream(buf, y, n, 1.0f / sum);
	} else {
		__m256 vinv = _mm256_set1_ps(1.0f / sum);
		float inv = 1.0f / sum;

		for (j = 0; j + 8 <= n; j += 8)
			_mm256_storeu_ps(y + j, _mm256_mul_ps(_mm256_loadu_ps(y + j), vinv));
		for (; j < n; j++)
			y[j] *= inv;
	}
}

/* Sum of x[j]^2 over x[0..n) with four vector accumulators. */
AVX2 static float sumsq_avx2(const float *x, size_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, d0;
	float s;
	size_t j = 0;

	for (; j + 32 <= n; j += 32) {
		d0 = _mm256_loadu_ps(x + j);
		a0 = _mm256_fmadd_ps(d0, d0, a0);
		d0 = _mm256_loadu_ps(x + j + 8);
		a1 = _mm256_fmadd_ps(d0, d0, a1);
		d0 = _mm256_loadu_ps(x + j + 16);
		a2 = _mm256_fmadd_ps(d0, d0, a2);
		d0 = _mm256_loadu_ps(x + j + 24);
		a3 = _mm256_fmadd_ps(d0, d0, a3);
	}
	for (; j + 8 <= n; j += 8) {
		d0 = _mm256_loadu_ps(x + j);
		a0 = _mm256_fmadd_ps(d0, d0, a0);
	}
	s = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (; j < n; j++)
		s += x[j] * x[j];
	return s;
}

/* y = (x - c) * s * gamma + beta (beta NULL: no add), streaming or not;
 * prefetches next (NULL: nothing) on the way. */
AVX2 static void affine_row_avx2(const float *x, const float *gamma,
				 const float *beta, float *y, size_t n,
				 float c, float s, int stream, const float *next)
{
	__m256 vc = _mm256_set1_ps(c), vs = _mm256_set1_ps(s);
	size_t j = 0, head = stream ? peel32(y, n) : 0;

	for (; j < head; j++)
		y[j] = (x[j] - c) * s * gamma[j] + (beta ? beta[j] : 0.0f);
	for (; j + 8 <= n; j += 8) {
		__m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + j), vc), vs);

		if ((j & 15) == 0)
			prefetch_line(next, j);
		__m256 v = beta ? _mm256_fmadd_ps(t, _mm256_loadu_ps(gamma + j),
						  _mm256_loadu_ps(beta + j))
				: _mm256_mul_ps(t, _mm256_loadu_ps(gamma + j));

		if (stream)
			_mm256_stream_ps(y + j, v);
		else
			_mm256_storeu_ps(y + j, v);
	}
	for (; j < n; j++)
		y[j] = (x[j] - c) * s * gamma[j] + (beta ? beta[j] : 0.0f);
}

/* Sums of d and d^2 for d = x - k over x[0..n), in one pass, four vector
 * accumulators each. */
AVX2 static void shifted_sums_avx2(const float *x, size_t n, float k,
				   float *out_s1, float *out_s2)
{
	__m256 vk = _mm256_set1_ps(k), d0, d1, d2, d3;
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	__m256 q0 = a0, q1 = a0, q2 = a0, q3 = a0;
	float s1, s2;
	size_t j = 0;

	for (; j + 32 <= n; j += 32) {
		d0 = _mm256_sub_ps(_mm256_loadu_ps(x + j), vk);
		d1 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 8), vk);
		d2 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 16), vk);
		d3 = _mm256_sub_ps(_mm256_loadu_ps(x + j + 24), vk);
		a0 = _mm256_add_ps(a0, d0);
		a1 = _mm256_add_ps(a1, d1);
		a2 = _mm256_add_ps(a2, d2);
		a3 = _mm256_add_ps(a3, d3);
		q0 = _mm256_fmadd_ps(d0, d0, q0);
		q1 = _mm256_fmadd_ps(d1, d1, q1);
		q2 = _mm256_fmadd_ps(d2, d2, q2);
		q3 = _mm256_fmadd_ps(d3, d3, q3);
	}
	for (; j + 8 <= n; j += 8) {
		d0 = _mm256_sub_ps(_mm256_loadu_ps(x + j), vk);
		a0 = _mm256_add_ps(a0, d0);
		q0 = _mm256_fmadd_ps(d0, d0, q0);
	}
	s1 = hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	s2 = hsum8(_mm256_add_ps(_mm256_add_ps(q0, q1), _mm256_add_ps(q2, q3)));
	for (; j < n; j++) {
		s1 += x[j] - k;
		s2 += (x[j] - k) * (x[j] - k);
	}
	*out_s1 = s1;
	*out_s2 = s2;
}

/* Mean and variance in one pass from sums shifted by k, the mean of the
 * first (up to) 8 elements: var = E[(x-k)^2] - E[x-k]^2 cancels only as
 * much as (mean - k)^2 exceeds var, and a k drawn from the row itself
 * stays within a few standard deviations of the mean (the textbook
 * E[x^2] - E[x]^2, with k = 0, fails once |mean| >> std). Rounding can
 * leave var a hair below 0 when it is ~0; it is clamped there. */
AVX2 static void layernorm_row_avx2(const float *x, const float *gamma,
				    const float *beta, float *y, size_t n,
				    int stream, const float *next)
{
	size_t nk = n < 8 ? n : 8;
	float k = 0.0f, s1, s2, mean, var;

	for (size_t j = 0; j < nk; j++)
		k += x[j];
	k /= (float)nk;
	shifted_sums_avx2(x, n, k, &s1, &s2);
	mean = s1 / (float)n;
	var = s2 / (float)n - mean * mean;
	if (var < 0.0f)
		var = 0.0f;
	affine_row_avx2(x, gamma, beta, y, n, k + mean,
			1.0f / sqrtf(var + (float)REF_NORM_EPS), stream, next);
}

AVX2 static void rmsnorm_row_avx2(const float *x, const float *gamma,
				  float *y, size_t n, int stream, const float *next)
{
	float ms = sumsq_avx2(x, n) / (float)n;

	affine_row_avx2(x, gamma, NULL, y, n, 0.0f,
			1.0f / sqrtf(ms + (float)REF_NORM_EPS), stream, next);
}

/* Orders this thread's streaming stores before anything that follows. */
static void stream_fence(int stream)
{
	if (stream)
		_mm_sfence();
}
#else
static void softmax_row_avx2(const float *x, float *y, size_t n, float *buf,
			     const float *next)
{
	(void)buf;
	(void)next;
	softmax_row_scalar(x, y, n);
}

static void layernorm_row_avx2(const float *x, const float *gamma,
			       const float *beta, float *y, size_t n, int stream,
			       const float *next)
{
	(void)stream;
	(void)next;
	layernorm_row_scalar(x, gamma, beta, y, n);
}

static void rmsnorm_row_avx2(const float *x, const float *gamma, float *y,
			     size_t n, int stream, const float *next)
{
	(void)stream;
	(void)next;
	rmsnorm_row_scalar(x, gamma, y, n);
}

static void stream_fence(int stream)
{
	(void)stream;
}
#endif

/* ------------------------------------------------------------ drivers */

enum row_kind { ROW_SOFTMAX, ROW_LAYERNORM, ROW_RMSNORM };

struct row_job {
	enum row_kind kind;
	size_t rows, cols;
	const float *x, *gamma, *beta;
	float *y;
	int simd;      /* AVX2+FMA path */
	int stream;    /* non-temporal stores of y */
};

/* Row r of job j; buf is softmax's streaming scratch (NULL: none). */
static void row_one(const struct row_job *j, size_t r, float *buf)
{
	const float *x = j->x + r * j->cols, *next;
	float *y = j->y + r * j->cols;

	if (!j->simd) {
		if (j->kind == ROW_SOFTMAX)
			softmax_row_scalar(x, y, j->cols);
		else if (j->kind == ROW_LAYERNORM)
			layernorm_row_scalar(x, j->gamma, j->beta, y, j->cols);
		else
			rmsnorm_row_scalar(x, j->gamma, y, j->cols);
		return;
	}
	next = next_row(j->x, r, j->rows, j->cols);
	if (j->kind == ROW_SOFTMAX)
		softmax_row_avx2(x, y, j->cols, buf, next);
	else if (j->kind == ROW_LAYERNORM)
		layernorm_row_avx2(x, j->gamma, j->beta, y, j->cols, j->stream, next);
	else
		rmsnorm_row_avx2(x, j->gamma, y, j->cols, j->stream, next);
}

/* Softmax streams from a row-sized scratch; without one (allocation
 * failed, or another kernel) the row is computed in place in y. */
static float *row_buf(const struct row_job *j)
{
	if (j->kind != ROW_SOFTMAX || !j->stream)
		return NULL;
	return aligned_alloc(64, (j->cols * sizeof(float) + 63) & ~(size_t)63);
}

/* Runs every row, on all threads when the job is large. The serial case
 * does not enter an OpenMP region at all: even `parallel if (0)` costs
 * ~0.4 us, as long as a whole 1024-float row takes. */
static void run_rows(const struct row_job *j)
{
	if (!use_threads(j->rows, j->cols)) {
		float *buf = row_buf(j);

		for (size_t r = 0; r < j->rows; r++)
			row_one(j, r, buf);
		stream_fence(j->stream);
		free(buf);
		return;
	}
#pragma omp parallel
	{
		float *buf = row_buf(j);

#pragma omp for schedule(dynamic, CPU_ROW_CHUNK)
		for (size_t r = 0; r < j->rows; r++)
			row_one(j, r, buf);
		stream_fence(j->stream);
		free(buf);
	}
}

void cpu_softmax(size_t rows, size_t cols, const float *x, float *y)
{
	struct row_job j = {
		.kind = ROW_SOFTMAX, .rows = rows, .cols = cols, .x = x, .y = y,
		.simd = cpu_has_avx2_fma(),
		/* the scratch only saves traffic while a row fits in L2 */
		.stream = use_stream(rows * cols) &&
			  cols * sizeof(float) <= CPU_ROW_BUF_MAX_BYTES,
	};

	run_rows(&j);
}

void cpu_layernorm(size_t rows, size_t cols, const float *x,
		   const float *gamma, const float *beta, float *y)
{
	struct row_job j = {
		.kind = ROW_LAYERNORM, .rows = rows, .cols = cols, .x = x,
		.gamma = gamma, .beta = beta, .y = y,
		.simd = cpu_has_avx2_fma(), .stream = use_stream(rows * cols),
	};

	run_rows(&j);
}

void cpu_rmsnorm(size_t rows, size_t cols, const float *x,
		 const float *gamma, float *y)
{
	struct row_job j = {
		.kind = ROW_RMSNORM, .rows = rows, .cols = cols, .x = x,
		.gamma = gamma, .y = y,
		.simd = cpu_has_avx2_fma(), .stream = use_stream(rows * cols),
	};

	run_rows(&j);
}

/* ------------------------------------------------------ the backend's rows */

static void softmax_run(const size_t *p, float *const *in, float *out,
			float *scratch)
{
	(void)scratch;
	cpu_softmax(p[0], p[1], in[0], out);
}

static void layernorm_run(const size_t *p, float *const *in, float *out,
			  float *scratch)
{
	(void)scratch;
	cpu_layernorm(p[0], p[1], in[0], in[1], in[2], out);
}

static void rmsnorm_run(const size_t *p, float *const *in, float *out,
			float *scratch)
{
	(void)scratch;
	cpu_rmsnorm(p[0], p[1], in[0], in[1], out);
}

const struct cpu_kernel cpu_kernel_softmax = {
	.name = "softmax", .run = softmax_run,
};
const struct cpu_kernel cpu_kernel_layernorm = {
	.name = "layernorm", .run = layernorm_run,
};
const struct cpu_kernel cpu_kernel_rmsnorm = {
	.name = "rmsnorm", .run = rmsnorm_run,
};
