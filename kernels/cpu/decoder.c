/*
 * decoder.c - the decoder components (kernels/ref/decoder.h) on the CPU:
 * every projection one cblas_sgemm (OpenBLAS's threads), causal attention
 * per head in blocks of BLK query rows, each block's scores one GEMM
 * against only the keys it may see (so the masked half is never
 * computed), its softmax in place, and its values a second GEMM. RoPE
 * takes its cos/sin table per call from an angle-addition recurrence in
 * double (no libm call per element), as every side recomputes its angles.
 */
#include "cpu.h"
#include "ref/decoder.h"
#include "cpu/decoder_int.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_X86 1
#include "simd.h"
#else
#define CPU_X86 0
#endif

#define BLK 64

/* ------------------------------------------------------------ pieces */

/* cos and sin of p * base^(-2i/hd) for p < seq, i < hd/2: tab[p][i] and
 * tab[p][hd/2 + i]. */
void cpu_dec_rope_table(size_t seq, size_t hd, float *tab)
{
	size_t half = hd / 2;

	for (size_t i = 0; i < half; i++) {
		double th = pow(REF_DEC_ROPE_BASE, -2.0 * (double)i / (double)hd);
		double c1 = cos(th), s1 = sin(th), c = 1.0, s = 0.0;

		for (size_t p = 0; p < seq; p++) {
			double cn = c * c1 - s * s1;

			tab[p * hd + i] = (float)c;
			tab[p * hd + half + i] = (float)s;
			s = s * c1 + c * s1;
			c = cn;
		}
	}
}

void cpu_dec_rope_row(float *restrict v, const float *restrict cs, size_t hd)
{
	size_t half = hd / 2;

	for (size_t i = 0; i < half; i++) {
		float x0 = v[i], x1 = v[i + half], c = cs[i], s = cs[half + i];

		v[i] = x0 * c - x1 * s;
		v[i + half] = x1 * c + x0 * s;
	}
}

#if CPU_X86
/* y[0..n) = exp(y - m) in place; returns the sum. */
AVX2 static float exp_sum_avx2(float *y, size_t n, float m)
{
	__m256 vm = _mm256_set1_ps(m), acc = _mm256_setzero_ps();
	float sum;
	size_t j = 0;

	for (; j + 8 <= n; j += 8) {
		__m256 e = exp8_nonpos(_mm256_sub_ps(_mm256_loadu_ps(y + j), vm));

		_mm256_storeu_ps(y + j, e);
		acc = _mm256_add_ps(acc, e);
	}
	sum = hsum8(acc);
	for (; j < n; j++)
		sum += y[j] = expf(y[j] - m);
	return sum;
}
#endif

#if CPU_X86
/* max of y[0..n), n >= 1; a NaN element is passed over, as the scalar
 * loop's comparison does (max_ps returns its second operand then). */
AVX2 static float max_avx2(const float *y, size_t n)
{
	__m256 acc = _mm256_set1_ps(y[0]);
	float m;
	size_t j = 0;

	for (; j + 8 <= n; j += 8)
		acc = _mm256_max_ps(_mm256_loadu_ps(y + j), acc);
	m = hmax8(acc);
	for (; j < n; j++)
		m = y[j] > m ? y[j] : m;
	return m;
}
#endif

float cpu_dec_masked_exp(float *row, size_t n, size_t width)
{
	float m = row[0], sum = 0.0f;

#if CPU_X86
	if (cpu_has_avx2_fma()) {
		sum = exp_sum_avx2(row, n, max_avx2(row, n));
	} else
#endif
	{
		for (size_t j = 1; j < n; j++)
			m = row[j] > m ? row[j] : m;
		for (size_t j = 0; j < n; j++)
			sum += row[j] = expf(row[j] - m);
	}
	for (size_t j = n; j < width; j++)
		row[j] = 0.0f;
	return sum;
}

void cpu_dec_masked_softmax(float *row, size_t n, size_t width)
{
	float inv = 1.0f / cpu_dec_masked_exp(row, n, width);

	for (size_t j = 0; j < n; j++)
		row[j] *= inv;
}

void cpu_dec_rmsnorm(size_t rows, size_t cols, const float *x, const float *g,
		    float *y)
{
	for (size_t r = 0; r < rows; r++) {
		const float *xr = x + r * cols;
		float ss = 0.0f, inv;

		for (size_t c = 0; c < cols; c++)
			ss += xr[c] * xr[c];
		inv = 1.0f / sqrtf(ss / (float)cols + (float)REF_DEC_EPS);
		for (size_t c = 0; c < cols; c++)
			y[r * cols + c] = xr[c] * inv * g[c];
	}
}

/* y[rows x cols] = x[rows x k].w[k x cols] (+ bias in every row). */
void cpu_dec_linear(size_t rows, size_t cols, size_t k, const float *x,
		   const float *w, const float *bias, float *y)
{
	if (bias)
		for (size_t r = 0; r < rows; r++)
			memcpy(y + r * cols, bias, cols * sizeof(*y));
	/* One row (a decoded token) is a matrix-vector product, and Debian
	 * 12's OpenBLAS (0.3.21) runs sgemm with m = 1 as any GEMM, packing
	 * w first; its sgemv, which streams w once, is several times faster
	 * at the decoder's shapes (the decoding suite's cpu results). */
	if (rows == 1) {
		cblas_sgemv(CblasRowMajor, CblasTrans, (int)k, (int)cols, 1.0f, w,
			    (int)cols, x, 1, bias ? 1.0f : 0.0f, y, 1);
		return;
	}
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows,
		    (int)cols, (int)k, 1.0f, x, (int)k, w, (int)cols,
		    bias ? 1.0f : 0.0f, y, (int)cols);
}

static size_t attn_work(const struct dec_shape *s)
{
	return s->seq * (2 * s->heads * s->hd + 2 * s->kv * s->hd) +
	       BLK * s->seq + s->seq * s->hd;
}

static void attention(const struct dec_shape *s, const float *x,
		      const struct dec_attn_w *w, float *work, float *y)
{
	size_t S = s->seq, H = s->heads, D = s->hd, nq = H * D;
	size_t nkv = s->kv * D, group = H / s->kv;
	float *q = work, *k = q + S * nq, *v = k + S * nkv, *o = v + S * nkv;
	float *sc = o + S * nq, *tab = sc + BLK * S;
	float scale = 1.0f / sqrtf((float)D);

	cpu_dec_linear(S, nq, s->hidden, x, w->wq, w->bq, q);
	cpu_dec_linear(S, nkv, s->hidden, x, w->wk, w->bk, k);
	cpu_dec_linear(S, nkv, s->hidden, x, w->wv, w->bv, v);
	cpu_dec_rope_table(S, D, tab);
	for (size_t p = 0; p < S; p++) {
		for (size_t h = 0; h < H; h++)
			cpu_dec_rope_row(q + p * nq + h * D, tab + p * D, D);
		for (size_t g = 0; g < s->kv; g++)
			cpu_dec_rope_row(k + p * nkv + g * D, tab + p * D, D);
	}
	for (size_t h = 0; h < H; h++) {
		size_t g = h / group;

		for (size_t b0 = 0; b0 < S; b0 += BLK) {
			size_t b1 = b0 + BLK < S ? b0 + BLK : S, bs = b1 - b0;

			/* the block's rows see keys 0 .. b1-1 at most */
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
				    (int)bs, (int)b1, (int)D, scale,
				    q + b0 * nq + h * D, (int)nq, k + g * D,
				    (int)nkv, 0.0f, sc, (int)b1);
			for (size_t i = 0; i < bs; i++)
				cpu_dec_masked_softmax(sc + i * b1, b0 + i + 1, b1);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				    (int)bs, (int)D, (int)b1, 1.0f, sc, (int)b1,
				    v + g * D, (int)nkv, 0.0f,
				    o + b0 * nq + h * D, (int)nq);
		}
	}
	cpu_dec_linear(S, s->hidden, nq, o, w->wo, NULL, y);
}

#if CPU_X86
AVX2 static void swiglu_avx2(float *gate, const float *up, size_t n)
{
	const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 z = _mm256_loadu_ps(gate + i);
		/* e = exp(-|z|) <= 1; sigmoid(z) = 1 / (1 + e) for z >= 0,
		 * e / (1 + e) below */
		__m256 e = exp8_nonpos(_mm256_or_ps(z, sign));
		__m256 r = _mm256_div_ps(one, _mm256_add_ps(one, e));
		__m256 neg = _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_LT_OQ);
		__m256 sg = _mm256_blendv_ps(r, _mm256_mul_ps(e, r), neg);

		_mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_mul_ps(z, sg),
							 _mm256_loadu_ps(up + i)));
	}
	for (; i < n; i++)
		gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}
#endif

void cpu_dec_mlp(const struct dec_shape *s, const float *x,
		const struct dec_mlp_w *w, float *work, float *y)
{
	size_t n = s->seq * s->mlp;
	float *gate = work, *up = work + n;

	cpu_dec_linear(s->seq, s->mlp, s->hidden, x, w->wg, NULL, gate);
	cpu_dec_linear(s->seq, s->mlp, s->hidden, x, w->wu, NULL, up);
#if CPU_X86
	if (cpu_has_avx2_fma())
		swiglu_avx2(gate, up, n);
	else
#endif
		for (size_t i = 0; i < n; i++)
			gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
	cpu_dec_linear(s->seq, s->hidden, s->mlp, gate, w->wd, NULL, y);
}

static size_t layer_work(const struct dec_shape *s)
{
	size_t a = attn_work(s), m = 2 * s->seq * s->mlp;

	return 2 * s->seq * s->hidden + (a > m ? a : m);
}

static void layer(const struct dec_shape *s, const float *x,
		  const struct dec_layer_w *w, float *work, float *y)
{
	size_t n = s->seq * s->hidden;
	float *nrm = work, *h = work + n, *rest = work + 2 * n;

	cpu_dec_rmsnorm(s->seq, s->hidden, x, w->g1, nrm);
	attention(s, nrm, &w->attn, rest, h);
	for (size_t i = 0; i < n; i++)
		h[i] += x[i];
	cpu_dec_rmsnorm(s->seq, s->hidden, h, w->g2, nrm);
	cpu_dec_mlp(s, nrm, &w->mlp, rest, y);
	for (size_t i = 0; i < n; i++)
		y[i] += h[i];
}

/* -------------------------------------------------------------- rows */

static struct dec_shape attn_shape(const size_t *p)
{
	struct dec_shape s = { p[0], p[1], p[2], p[3], p[4], 0 };

	return s;
}

static struct dec_shape mlp_shape(const size_t *p)
{
	struct dec_shape s = { p[0], p[1], 1, 1, 2, p[2] };

	return s;
}

static struct dec_shape layer_shape(const size_t *p)
{
	struct dec_shape s = { p[0], p[1], p[2], p[3], p[4], p[5] };

	return s;
}

static size_t attention_scratch(const size_t *p)
{
	struct dec_shape s = attn_shape(p);

	return attn_work(&s);
}

static void attention_run(const size_t *p, float *const *in, float *out,
			  float *scratch)
{
	struct dec_shape s = attn_shape(p);
	struct dec_attn_w w;

	dec_attn_split(&s, in[1], &w);
	attention(&s, in[0], &w, scratch, out);
}

static size_t mlp_scratch(const size_t *p)
{
	return 2 * p[0] * p[2];
}

static void mlp_run(const size_t *p, float *const *in, float *out,
		    float *scratch)
{
	struct dec_shape s = mlp_shape(p);
	struct dec_mlp_w w;

	dec_mlp_split(&s, in[1], &w);
	cpu_dec_mlp(&s, in[0], &w, scratch, out);
}

static size_t layer_scratch(const size_t *p)
{
	struct dec_shape s = layer_shape(p);

	return layer_work(&s);
}

static void layer_run(const size_t *p, float *const *in, float *out,
		      float *scratch)
{
	struct dec_shape s = layer_shape(p);
	struct dec_layer_w w;

	dec_layer_split(&s, in[1], &w);
	layer(&s, in[0], &w, scratch, out);
}

/* rope: seq, heads, head_dim; x [heads x seq x hd] */
static size_t rope_scratch(const size_t *p)
{
	return p[0] * p[2];
}

static void rope_run(const size_t *p, float *const *in, float *out,
		     float *scratch)
{
	size_t S = p[0], H = p[1], D = p[2];

	cpu_dec_rope_table(S, D, scratch);
	memcpy(out, in[0], S * H * D * sizeof(*out));
	for (size_t h = 0; h < H; h++)
		for (size_t t = 0; t < S; t++)
			cpu_dec_rope_row(out + (h * S + t) * D, scratch + t * D, D);
}

/* Rows copied below this many floats in all stay on one thread: the fork
 * costs more than they take (rows.c's bound for its row kernels). */
#define EMB_PAR_MIN_ELEMS ((size_t)64 * 1024)

/* A gather of rows: one thread alone copies them at one core's bandwidth
 * from wherever they are; two threads keep twice the loads in flight. */
static void embedding_run(const size_t *p, float *const *in, float *out,
			  float *scratch)
{
	size_t hidden = p[2];

	(void)scratch;
#pragma omp parallel for schedule(static) if (p[0] * hidden >= EMB_PAR_MIN_ELEMS)
	for (size_t t = 0; t < p[0]; t++)
		memcpy(out + t * hidden, in[0] + (size_t)in[1][t] * hidden,
		       hidden * sizeof(*out));
}

const struct cpu_kernel cpu_kernel_embedding = {
	.name = "embedding", .run = embedding_run,
};
const struct cpu_kernel cpu_kernel_rope = {
	.name = "rope", .scratch_floats = rope_scratch, .run = rope_run,
};
const struct cpu_kernel cpu_kernel_attention = {
	.name = "attention",
	.scratch_floats = attention_scratch, .run = attention_run,
};
const struct cpu_kernel cpu_kernel_mlp = {
	.name = "mlp", .scratch_floats = mlp_scratch, .run = mlp_run,
};
const struct cpu_kernel cpu_kernel_decoder_layer = {
	.name = "decoder_layer", .scratch_floats = layer_scratch, .run = layer_run,
};
