/*
 * sample.c - the sampling kernels (rules in kernels/ref/sample.h) on one
 * CPU thread: a row of 151936 logits is 600 KiB, a few tens of
 * microseconds of work per pass, too little to pay for waking an OpenMP
 * team on a loaded machine. AVX2+FMA for the passes over the whole row
 * (max, exp and sum) when the CPU has it.
 *
 * None of them sorts the vocabulary. Top-k keeps the k largest in a
 * sorted buffer while scanning once (after the first few thousand
 * elements almost nothing beats the k-th, so almost everything costs one
 * vector compare). Top-p first tries the 64 largest the same way: with a
 * language model's logits those nearly always hold p of the mass; when
 * they do not, it sorts only the candidates that can matter, the logits
 * above max - log(vocab / ((1 - p) Z)) (everything below carries less
 * than (1 - p) of the mass, so the kept prefix lies above). Temperature
 * keeps per-block sums of the weights so that the draw scans one block.
 * Weights are fp32 exps (the polynomial of simd.h, ~1e-7) summed in
 * double.
 */
#include "cpu.h"
#include "ref/sample.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_X86 1
#include "simd.h"
#else
#define CPU_X86 0
#endif

/* Weights per block of the temperature kernel's partial sums. */
#define SAMPLE_BLOCK 256
/* How many of the largest logits top-p tries before sorting candidates. */
#define SAMPLE_TOP_P_FIRST 64

struct cand {
	float v;
	uint32_t i;
};

#if CPU_X86
AVX2 static float max_avx2(const float *l, size_t n)
{
	__m256 m = _mm256_set1_ps(-INFINITY);
	float r;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		m = _mm256_max_ps(m, _mm256_loadu_ps(l + i));
	r = hmax8(m);
	for (; i < n; i++)
		r = l[i] > r ? l[i] : r;
	return r;
}

/* Sum over l[0..n) of exp((l - m) * s) in double; the weights into e and
 * the sum of each block of SAMPLE_BLOCK into blocks, when not NULL. */
AVX2 static double exp_sum_avx2(const float *l, size_t n, float m, float s,
				float *e, double *blocks)
{
	const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
	double total = 0.0;

	for (size_t b0 = 0; b0 < n; b0 += SAMPLE_BLOCK) {
		size_t end = b0 + SAMPLE_BLOCK < n ? b0 + SAMPLE_BLOCK : n, i = b0;
		__m256d acc = _mm256_setzero_pd();
		double part[4], sum;

		for (; i + 8 <= end; i += 8) {
			__m256 x = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(l + i), vm), vs);
			__m256 w = exp8_nonpos(x);

			if (e)
				_mm256_storeu_ps(e + i, w);
			acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_castps256_ps128(w)));
			acc = _mm256_add_pd(acc, _mm256_cvtps_pd(_mm256_extractf128_ps(w, 1)));
		}
		_mm256_storeu_pd(part, acc);
		sum = (part[0] + part[1]) + (part[2] + part[3]);
		for (; i < end; i++) {
			float w = expf((l[i] - m) * s);

			if (e)
				e[i] = w;
			sum += w;
		}
		if (blocks)
			blocks[b0 / SAMPLE_BLOCK] = sum;
		total += sum;
	}
	return total;
}
#endif

static float row_max(const float *l, size_t n)
{
	float r = l[0];

#if CPU_X86
	if (cpu_has_avx2_fma())
		return max_avx2(l, n);
#endif
	for (size_t i = 1; i < n; i++)
		r = l[i] > r ? l[i] : r;
	return r;
}

static double exp_sum(const float *l, size_t n, float m, float s, float *e,
		      double *blocks)
{
	double total = 0.0;

#if CPU_X86
	if (cpu_has_avx2_fma())
		return exp_sum_avx2(l, n, m, s, e, blocks);
#endif
	for (size_t b0 = 0; b0 < n; b0 += SAMPLE_BLOCK) {
		size_t end = b0 + SAMPLE_BLOCK < n ? b0 + SAMPLE_BLOCK : n;
		double sum = 0.0;

		for (size_t i = b0; i < end; i++) {
			float w = expf((l[i] - m) * s);

			if (e)
				e[i] = w;
			sum += w;
		}
		if (blocks)
			blocks[b0 / SAMPLE_BLOCK] = sum;
		total += sum;
	}
	return total;
}

/* Inserts (v, i) into buf[0..*n) (sorted: larger v first, equal v by
 * lower i), keeping at most cap; i is larger than every index in buf, so
 * it goes after the equal ones. */
static void cand_insert(struct cand *buf, size_t *n, size_t cap, float v,
			uint32_t i)
{
	size_t pos = *n;

	if (*n == cap && !(v > buf[cap - 1].v))
		return;
	if (*n < cap)
		(*n)++;
	else
		pos = cap - 1;
	while (pos > 0 && buf[pos - 1].v < v) {
		buf[pos] = buf[pos - 1];
		pos--;
	}
	buf[pos].v = v;
	buf[pos].i = i;
}

#if CPU_X86
/* top_n's scan from i on, once buf holds cap: one vector compare against
 * the cap-th per 8 logits. Returns where it stopped (a tail of < 8). */
AVX2 static size_t top_n_avx2(const float *l, size_t n, size_t i, size_t cap,
			      struct cand *buf, size_t *kept)
{
	for (; i + 8 <= n; i += 8) {
		__m256 thr = _mm256_set1_ps(buf[cap - 1].v);
		unsigned hits = (unsigned)_mm256_movemask_ps(
			_mm256_cmp_ps(_mm256_loadu_ps(l + i), thr, _CMP_GT_OQ));

		while (hits) {
			unsigned b = (unsigned)__builtin_ctz(hits);

			cand_insert(buf, kept, cap, l[i + b], (uint32_t)(i + b));
			hits &= hits - 1;
		}
	}
	return i;
}
#endif

/* The cap largest of l[0..n) in the order of the rules, into buf; returns
 * how many (min(cap, n)). */
static size_t top_n(const float *l, size_t n, size_t cap, struct cand *buf)
{
	size_t kept = 0, i = 0;

	for (; i < n && kept < cap; i++)
		cand_insert(buf, &kept, cap, l[i], (uint32_t)i);
#if CPU_X86
	if (cpu_has_avx2_fma())
		i = top_n_avx2(l, n, i, cap, buf, &kept);
#endif
	for (; i < n; i++)
		cand_insert(buf, &kept, cap, l[i], (uint32_t)i);
	return kept;
}

/* The draw over kept candidates with weights exp(v - m): the first j
 * with c_j > u * c_{n-1} (total: c_{n-1}, when already known, else < 0). */
static uint32_t draw_cands(const struct cand *c, size_t n, float m,
			   double total, double u)
{
	double thr, cum = 0.0;
	size_t j;

	if (total < 0.0) {
		total = 0.0;
		for (j = 0; j < n; j++)
			total += exp((double)c[j].v - m);
	}
	thr = u * total;
	for (j = 0; j + 1 < n; j++) {
		cum += exp((double)c[j].v - m);
		if (cum > thr)
			break;
	}
	return c[j].i;
}

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;

	if (a->v != b->v)
		return a->v > b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

/* ---------------------------------------------------------------- rows */

static void greedy_run(const size_t *p, float *const *in, float *out,
		       float *scratch)
{
	const float *l = in[0];
	float m = row_max(l, p[0]);
	size_t i = 0;

	(void)scratch;
	while (l[i] != m)
		i++;
	out[0] = (float)i;
}

static size_t top_k_scratch(const size_t *p)
{
	return 2 * (p[1] < p[0] ? p[1] : p[0]);
}

static void top_k_run(const size_t *p, float *const *in, float *out,
		      float *scratch)
{
	struct cand *buf = (struct cand *)(void *)scratch;
	size_t n = top_n(in[0], p[0], p[1] < p[0] ? p[1] : p[0], buf);

	out[0] = (float)draw_cands(buf, n, buf[0].v, -1.0, in[1][0]);
}

static size_t top_p_scratch(const size_t *p)
{
	return 2 * p[0];
}

static void top_p_run(const size_t *p, float *const *in, float *out,
		      float *scratch)
{
	const float *l = in[0];
	struct cand *buf = (struct cand *)(void *)scratch;
	size_t v = p[0], n, kept;
	float m = row_max(l, v);
	double z = exp_sum(l, v, m, 1.0f, NULL, NULL), need = REF_SAMPLE_P * z;
	double cum = 0.0, floor_v;

	n = top_n(l, v, SAMPLE_TOP_P_FIRST < v ? SAMPLE_TOP_P_FIRST : v, buf);
	for (kept = 0; kept < n && (kept == 0 || cum < need); kept++)
		cum += exp((double)buf[kept].v - m);
	if (cum < need && n < v) {
		/* the candidates that can be kept; one extra nat of margin
		 * for the fp32 weights in z */
		floor_v = (double)m - log((double)v / ((1.0 - REF_SAMPLE_P) * z)) - 1.0;
		n = 0;
		for (size_t i = 0; i < v; i++)
			if ((double)l[i] >= floor_v) {
				buf[n].v = l[i];
				buf[n].i = (uint32_t)i;
				n++;
			}
		qsort(buf, n, sizeof(*buf), cand_cmp);
		cum = 0.0;
		for (kept = 0; kept < n && (kept == 0 || cum < need); kept++)
			cum += exp((double)buf[kept].v - m);
	}
	out[0] = (float)draw_cands(buf, kept, m, cum, in[1][0]);
}

static size_t temperature_scratch(const size_t *p)
{
	return p[0] + 2 * (p[0] / SAMPLE_BLOCK + 1) + 2;
}

static void temperature_run(const size_t *p, float *const *in, float *out,
			    float *scratch)
{
	const float *l = in[0];
	size_t v = p[0], n_blocks = (v + SAMPLE_BLOCK - 1) / SAMPLE_BLOCK, b, i;
	float *e = scratch;
	/* after the weights, 8-byte aligned (scratch is 64-byte aligned) */
	double *blocks = (double *)(void *)(scratch + ((v + 1) & ~(size_t)1));
	double total = exp_sum(l, v, row_max(l, v), (float)(1.0 / REF_SAMPLE_T),
			       e, blocks);
	double thr = in[1][0] * total, cum = 0.0;

	for (b = 0; b + 1 < n_blocks && cum + blocks[b] <= thr; b++)
		cum += blocks[b];
	for (i = b * SAMPLE_BLOCK; i + 1 < v; i++) {
		cum += e[i];
		if (cum > thr)
			break;
	}
	out[0] = (float)i;
}

const struct cpu_kernel cpu_kernel_sample_greedy = {
	.name = "sample_greedy", .run = greedy_run,
};
const struct cpu_kernel cpu_kernel_sample_top_k = {
	.name = "sample_top_k", .scratch_floats = top_k_scratch, .run = top_k_run,
};
const struct cpu_kernel cpu_kernel_sample_top_p = {
	.name = "sample_top_p", .scratch_floats = top_p_scratch, .run = top_p_run,
};
const struct cpu_kernel cpu_kernel_sample_temperature = {
	.name = "sample_temperature",
	.scratch_floats = temperature_scratch, .run = temperature_run,
};
