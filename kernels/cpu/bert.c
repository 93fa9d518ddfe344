/*
 * bert.c - issue 15's kernels on the CPU (specs in src/lib/workload_bert.c,
 * the model in kernels/ref/bert.h): wordpiece, bert_encode and embed.
 *
 * The encoder works as a batched fp32 model does, over all B x S tokens,
 * padding included: each projection is one cblas_sgemm over the T = B S
 * rows with the weights transposed in the call (they are [out x in], as
 * the checkpoint stores them), and what follows it is one pass over its
 * output rows (an epilogue, threaded with OpenMP): the bias, or the bias,
 * the residual and the LayerNorm (eps 1e-12, so not cpu_layernorm's), or
 * the bias and the exact gelu (erff). Attention runs per (sequence, head)
 * pair, the pairs spread over the OpenMP threads, every query (padded ones
 * too) against the sequence's real keys only: a masked key's weight is 0
 * (what HF's additive mask of the dtype's minimum gives after exp), so its
 * score is never computed; the softmax is the decoder's row softmax
 * (decoder_int.h). The dot products and the value sums are AVX2+FMA where
 * the CPU has them (head dimensions a multiple of 8), plain C otherwise.
 * Mean pooling multiplies by the mask, as sentence-transformers does.
 *
 * Tokenizing (wordpiece, and embed's first step) is the C WordPiece of
 * src/lib/wordpiece.h, one sentence per OpenMP iteration (the vocabulary
 * is read-only), into the rows of ids and mask.
 *
 * Each row's object (cpu.h's prepare) holds the resolved shape, the
 * workload's vocabulary (borrowed: workload_bert.h) and every buffer, made
 * in the backend's prepare, so a timed call allocates nothing of its own
 * (wp_encode may, inside the tokenizer).
 */
#include "cpu.h"
#include "cpu/decoder_int.h"
#include "ref/bert.h"
#include "err.h"
#include "workload.h"
#include "workload_bert.h"
#include "wordpiece.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_X86 1
#include "simd.h"
#else
#define CPU_X86 0
#endif

struct cpu_bert {
	struct bert_shape s;             /* seq resolved */
	const struct wp_vocab *vocab;    /* the workload's; NULL: bert_encode */
	int n_threads;                   /* of every parallel region */
	int avx2;                        /* cpu_has_avx2_fma() at prepare */
	char *text;                      /* the text as bytes (len + 1) */
	size_t len;                      /* its bytes */
	size_t *line_at, *line_len;      /* batch of each */
	int *tok, *line_rc;              /* [B x S] token ids, batch codes */
	float *ids, *mask;               /* embed's and wordpiece's [B x S] */
	size_t *keys, *n_keys;           /* each sequence's real positions */
	float *x, *q, *k, *v, *ctx, *t, *mid;  /* [T x H], mid [T x M] */
	float *sc;                       /* n_threads rows of S scores */
};

/* ------------------------------------------------------------ pieces */

#if CPU_X86
AVX2 static float dot_avx2(const float *a, const float *b, size_t n)
{
	__m256 acc = _mm256_setzero_ps();

	for (size_t c = 0; c < n; c += 8)
		acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + c),
				      _mm256_loadu_ps(b + c), acc);
	return hsum8(acc);
}

/* y[0..n) += p * x[0..n), n a multiple of 8. */
AVX2 static void axpy_avx2(float *y, float p, const float *x, size_t n)
{
	__m256 vp = _mm256_set1_ps(p);

	for (size_t c = 0; c < n; c += 8)
		_mm256_storeu_ps(y + c, _mm256_fmadd_ps(vp, _mm256_loadu_ps(x + c),
							_mm256_loadu_ps(y + c)));
}

/* Mean and 1 / sqrt(var + eps) of x[0..n), n a multiple of 8. */
AVX2 static void moments_avx2(const float *x, size_t n, float *mean,
			      float *rstd)
{
	__m256 s = _mm256_setzero_ps(), q = _mm256_setzero_ps(), vm;
	float m;

	for (size_t c = 0; c < n; c += 8)
		s = _mm256_add_ps(s, _mm256_loadu_ps(x + c));
	m = hsum8(s) / (float)n;
	vm = _mm256_set1_ps(m);
	for (size_t c = 0; c < n; c += 8) {
		__m256 d = _mm256_sub_ps(_mm256_loadu_ps(x + c), vm);

		q = _mm256_fmadd_ps(d, d, q);
	}
	*mean = m;
	*rstd = 1.0f / sqrtf(hsum8(q) / (float)n + (float)BERT_LN_EPS);
}
#endif

static float dot(int avx2, const float *a, const float *b, size_t n)
{
	float d = 0.0f;

#if CPU_X86
	if (avx2)
		return dot_avx2(a, b, n);
#endif
	(void)avx2;
	for (size_t c = 0; c < n; c++)
		d += a[c] * b[c];
	return d;
}

static void axpy(int avx2, float *y, float p, const float *x, size_t n)
{
#if CPU_X86
	if (avx2) {
		axpy_avx2(y, p, x, n);
		return;
	}
#endif
	(void)avx2;
	for (size_t c = 0; c < n; c++)
		y[c] += p * x[c];
}

/* x = LN(x) * g + b in place over one row of n. */
static void ln_row(int avx2, float *x, const float *g, const float *b,
		   size_t n)
{
	float mean = 0.0f, var = 0.0f, rstd;

#if CPU_X86
	if (avx2) {
		moments_avx2(x, n, &mean, &rstd);
	} else
#endif
	{
		(void)avx2;
		for (size_t c = 0; c < n; c++)
			mean += x[c];
		mean /= (float)n;
		for (size_t c = 0; c < n; c++)
			var += (x[c] - mean) * (x[c] - mean);
		rstd = 1.0f / sqrtf(var / (float)n + (float)BERT_LN_EPS);
	}
	for (size_t c = 0; c < n; c++)
		x[c] = (x[c] - mean) * rstd * g[c] + b[c];
}

/* y [T x n_out] = x [T x n_in] W^T, W [n_out x n_in]: one single-threaded
 * sgemm per OpenMP thread, each over its own block of outputs (so each
 * reads its share of W once). Not one sgemm on OpenBLAS's own threads: the
 * epilogues between the projections are OpenMP regions, and libgomp's
 * threads spin for a while after each (OMP_WAIT_POLICY unset) on the cores
 * OpenBLAS's pthreads then need; on the 2-core VM that made the 12-layer
 * encoder at batch 1 several times slower than the same code with
 * OMP_WAIT_POLICY=passive. encode() runs with OpenBLAS at one thread. */
static void project(const struct cpu_bert *o, size_t T, size_t n_in, size_t n_out,
		    const float *x, const float *W, float *y)
{
	int nt = o->n_threads;
	size_t chunk = ((n_out + (size_t)nt - 1) / (size_t)nt + 15) & ~(size_t)15;

#pragma omp parallel for schedule(static) num_threads(nt)
	for (int i = 0; i < nt; i++) {
		size_t lo = (size_t)i * chunk, hi = lo + chunk < n_out ? lo + chunk : n_out;

		if (lo < hi)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)T,
				    (int)(hi - lo), (int)n_in, 1.0f, x, (int)n_in,
				    W + lo * n_in, (int)n_in, 0.0f, y + lo, (int)n_out);
	}
}

/* x = LN(x + t + bias) * g + b, row by row over T rows of n. */
static void residual_ln(const struct cpu_bert *o, float *x, const float *t,
			const float *bias, const float *g, const float *b)
{
	long T = (long)(o->s.batch * o->s.seq);
	size_t n = o->s.hidden;

#pragma omp parallel for schedule(static) num_threads(o->n_threads)
	for (long r = 0; r < T; r++) {
		float *xr = x + (size_t)r * n;
		const float *tr = t + (size_t)r * n;

		for (size_t c = 0; c < n; c++)
			xr[c] = xr[c] + (tr[c] + bias[c]);
		ln_row(o->avx2, xr, g, b, n);
	}
}

/* y[r] += bias over T rows of n (q, k, v). */
static void add_bias(const struct cpu_bert *o, float *y, const float *bias,
		     size_t n)
{
	long T = (long)(o->s.batch * o->s.seq);

#pragma omp parallel for schedule(static) num_threads(o->n_threads)
	for (long r = 0; r < T; r++)
		for (size_t c = 0; c < n; c++)
			y[(size_t)r * n + c] += bias[c];
}

/* mid = gelu(mid + bias), the exact gelu, over T rows of M. */
static void bias_gelu(const struct cpu_bert *o, float *mid, const float *bias)
{
	long T = (long)(o->s.batch * o->s.seq);
	size_t M = o->s.mlp;

#pragma omp parallel for schedule(static) num_threads(o->n_threads)
	for (long r = 0; r < T; r++)
		for (size_t c = 0; c < M; c++) {
			float z = mid[(size_t)r * M + c] + bias[c];

			mid[(size_t)r * M + c] = 0.5f * z * (1.0f + erff(z * (float)M_SQRT1_2));
		}
}

/* ctx for every (sequence, head): softmax(q k^T / sqrt(hd)) v over the
 * sequence's real keys, for all S queries. */
static void attention(const struct cpu_bert *o)
{
	size_t S = o->s.seq, H = o->s.hidden, hd = H / o->s.heads;
	long B = (long)o->s.batch, NH = (long)o->s.heads;
	float scale = 1.0f / sqrtf((float)hd);
	int avx2 = o->avx2 && hd % 8 == 0;

#pragma omp parallel for collapse(2) schedule(dynamic, 1) num_threads(o->n_threads)
	for (long b = 0; b < B; b++)
		for (long h = 0; h < NH; h++) {
			const size_t *keys = o->keys + (size_t)b * S;
			size_t nk = o->n_keys[b], base = (size_t)b * S * H + (size_t)h * hd;
			float *sc = o->sc + (size_t)omp_get_thread_num() * S;

			for (size_t i = 0; i < S; i++) {
				const float *qi = o->q + base + i * H;
				float *ci = o->ctx + base + i * H;

				memset(ci, 0, hd * sizeof(*ci));
				if (nk == 0)
					continue;
				for (size_t j = 0; j < nk; j++)
					sc[j] = scale * dot(avx2, qi, o->k + base + keys[j] * H, hd);
				cpu_dec_masked_softmax(sc, nk, nk);
				for (size_t j = 0; j < nk; j++)
					axpy(avx2, ci, sc[j], o->v + base + keys[j] * H, hd);
			}
		}
}

/* out [B x H]: the mask-weighted mean of each sequence's rows of x,
 * normalised. */
static void pool(const struct cpu_bert *o, const float *mask, float *out)
{
	size_t S = o->s.seq, H = o->s.hidden;
	long B = (long)o->s.batch;

#pragma omp parallel for schedule(static) num_threads(o->n_threads)
	for (long b = 0; b < B; b++) {
		float *e = out + (size_t)b * H, n = 0.0f, norm = 0.0f;

		memset(e, 0, H * sizeof(*e));
		for (size_t i = 0; i < S; i++) {
			float m = mask[(size_t)b * S + i];

			for (size_t c = 0; c < H; c++)
				e[c] += m * o->x[((size_t)b * S + i) * H + c];
			n += m;
		}
		n = fmaxf(n, 1e-9f);
		for (size_t c = 0; c < H; c++) {
			e[c] /= n;
			norm += e[c] * e[c];
		}
		norm = fmaxf(sqrtf(norm), 1e-12f);
		for (size_t c = 0; c < H; c++)
			e[c] /= norm;
	}
}

/* The encoder on ids and mask [B x S] with the packed emb and layers. */
static void encode(struct cpu_bert *o, const float *ids, const float *mask,
		   const float *emb, const float *layers, float *out)
{
	const struct bert_shape *s = &o->s;
	size_t S = s->seq, H = s->hidden, M = s->mlp, T = s->batch * S;
	struct bert_emb_w e;
	int blas_threads = openblas_get_num_threads();

	openblas_set_num_threads(1);   /* project() threads it; restored below */
	bert_emb_split(s, emb, &e);
#pragma omp parallel for schedule(static) num_threads(o->n_threads)
	for (long t = 0; t < (long)T; t++) {
		const float *wr = e.word + (size_t)ids[t] * H;
		const float *pr = e.pos + ((size_t)t % S) * H;
		float *xr = o->x + (size_t)t * H;

		for (size_t c = 0; c < H; c++)
			xr[c] = (wr[c] + e.type[c]) + pr[c];
		ln_row(o->avx2, xr, e.ge, e.be, H);
	}
	for (size_t b = 0; b < s->batch; b++) {
		size_t n = 0;

		for (size_t j = 0; j < S; j++)
			if (mask[b * S + j] != 0.0f)
				o->keys[b * S + n++] = j;
		o->n_keys[b] = n;
	}
	for (size_t l = 0; l < s->layers; l++) {
		struct bert_layer_w w;

		bert_layer_split(s, layers + l * bert_layer_floats(s), &w);
		project(o, T, H, H, o->x, w.wq, o->q);
		project(o, T, H, H, o->x, w.wk, o->k);
		project(o, T, H, H, o->x, w.wv, o->v);
		add_bias(o, o->q, w.bq, H);
		add_bias(o, o->k, w.bk, H);
		add_bias(o, o->v, w.bv, H);
		attention(o);
		project(o, T, H, H, o->ctx, w.wo, o->t);
		residual_ln(o, o->x, o->t, w.bo, w.g1, w.b1);
		project(o, T, H, M, o->x, w.wi, o->mid);
		bias_gelu(o, o->mid, w.bi);
		project(o, T, M, H, o->mid, w.wo2, o->t);
		residual_ln(o, o->x, o->t, w.bo2, w.g2, w.b2);
	}
	pool(o, mask, out);
	openblas_set_num_threads(blas_threads);
}

/* The text input into ids and mask [B x S] (o->ids, o->mask), one
 * sentence per thread. Returns 0, or the tokenizer's error (the first
 * failing sentence's). */
static int tokenize(struct cpu_bert *o, const float *text, float *ids,
		    float *mask, char *err, size_t n_err)
{
	size_t B = o->s.batch, S = o->s.seq, n_breaks = 0, l = 0;

	for (size_t i = 0; i < o->len; i++) {
		o->text[i] = (char)(unsigned char)text[i];
		n_breaks += o->text[i] == '\n';
	}
	if (n_breaks != B - 1)
		return err_set(err, n_err, MC_EINVAL,
			       "cpu: the text holds %zu lines, not batch = %zu.",
			       n_breaks + 1, B);
	o->line_at[0] = 0;
	for (size_t i = 0; i < o->len; i++)
		if (o->text[i] == '\n') {
			o->line_len[l] = i - o->line_at[l];
			o->line_at[++l] = i + 1;
		}
	o->line_len[B - 1] = o->len - o->line_at[B - 1];
#pragma omp parallel for schedule(dynamic, 1) num_threads(o->n_threads)
	for (long b = 0; b < (long)B; b++) {
		int *tk = o->tok + (size_t)b * S;
		size_t n = 0;

		o->line_rc[b] = wp_encode(o->vocab, o->text + o->line_at[b],
					  o->line_len[b], S, tk, &n, NULL, 0);
		for (size_t j = 0; j < S; j++) {
			ids[(size_t)b * S + j] = j < n ? (float)tk[j] : 0.0f;
			mask[(size_t)b * S + j] = j < n ? 1.0f : 0.0f;
		}
	}
	for (size_t b = 0; b < B; b++)
		if (o->line_rc[b]) {
			size_t n;

			/* again, alone, for its sentence */
			return wp_encode(o->vocab, o->text + o->line_at[b],
					 o->line_len[b], S, o->tok + b * S, &n,
					 err, n_err);
		}
	return 0;
}

/* --------------------------------------------------------- the rows */

static void bert_release(void *obj)
{
	struct cpu_bert *o = obj;

	if (!o)
		return;
	free(o->sc);
	free(o->mid);
	free(o->t);
	free(o->ctx);
	free(o->v);
	free(o->k);
	free(o->q);
	free(o->x);
	free(o->n_keys);
	free(o->keys);
	free(o->mask);
	free(o->ids);
	free(o->line_rc);
	free(o->tok);
	free(o->line_len);
	free(o->line_at);
	free(o->text);
	free(o);
}

/* calloc'd floats (zeroed, so their pages are faulted in now and not in
 * the first timed call), or NULL. */
static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* tokens: the kernel tokenizes (text in input 0); encodes: it runs the
 * encoder. */
static int bert_prepare(const struct workload *w, int tokens, int encodes,
			void **out, char *err, size_t n_err)
{
	struct cpu_bert *o = calloc(1, sizeof(*o));
	size_t T, H, B;
	int ok;

	*out = NULL;
	if (!o)
		return err_set(err, n_err, MC_ENOMEM,
			       "cpu: out of memory preparing %s.", w->spec->name);
	o->s = *workload_bert_shape(w);
	o->vocab = workload_bert_vocab(w);
	o->n_threads = omp_get_max_threads();
	o->avx2 = cpu_has_avx2_fma();
	B = o->s.batch;
	T = B * o->s.seq;
	H = o->s.hidden;
	ok = 1;
	if (tokens) {
		o->len = w->plan.input_len[0];
		ok = (o->text = zalloc(o->len + 1, 1)) &&
		     (o->line_at = zalloc(B, sizeof(size_t))) &&
		     (o->line_len = zalloc(B, sizeof(size_t))) &&
		     (o->tok = zalloc(T, sizeof(int))) &&
		     (o->line_rc = zalloc(B, sizeof(int))) &&
		     (o->ids = zalloc(T, sizeof(float))) &&
		     (o->mask = zalloc(T, sizeof(float)));
	}
	if (ok && encodes)
		ok = (o->keys = zalloc(T, sizeof(size_t))) &&
		     (o->n_keys = zalloc(B, sizeof(size_t))) &&
		     (o->x = zalloc(T * H, sizeof(float))) &&
		     (o->q = zalloc(T * H, sizeof(float))) &&
		     (o->k = zalloc(T * H, sizeof(float))) &&
		     (o->v = zalloc(T * H, sizeof(float))) &&
		     (o->ctx = zalloc(T * H, sizeof(float))) &&
		     (o->t = zalloc(T * H, sizeof(float))) &&
		     (o->mid = zalloc(T * o->s.mlp, sizeof(float))) &&
		     (o->sc = zalloc((size_t)o->n_threads * o->s.seq, sizeof(float)));
	if (!ok) {
		bert_release(o);
		return err_set(err, n_err, MC_ENOMEM,
			       "cpu: out of memory for the buffers of %s "
			       "(batch %zu, seq %zu).", w->spec->name, B, o->s.seq);
	}
	*out = o;
	return 0;
}

static int wordpiece_prepare(const struct workload *w, void **out, char *err,
			     size_t n_err)
{
	return bert_prepare(w, 1, 0, out, err, n_err);
}

static int encode_prepare(const struct workload *w, void **out, char *err,
			  size_t n_err)
{
	return bert_prepare(w, 0, 1, out, err, n_err);
}

static int embed_prepare(const struct workload *w, void **out, char *err,
			 size_t n_err)
{
	return bert_prepare(w, 1, 1, out, err, n_err);
}

/* inputs: text */
static int wordpiece_run(void *obj, float *const *in, float *out, char *err,
			 size_t n_err)
{
	struct cpu_bert *o = obj;

	return tokenize(o, in[0], out, o->mask, err, n_err);
}

/* inputs: ids, mask, emb, layers */
static int encode_run(void *obj, float *const *in, float *out, char *err,
		      size_t n_err)
{
	(void)err;
	(void)n_err;
	encode(obj, in[0], in[1], in[2], in[3], out);
	return 0;
}

/* inputs: text, emb, layers */
static int embed_run(void *obj, float *const *in, float *out, char *err,
		     size_t n_err)
{
	struct cpu_bert *o = obj;
	int rc = tokenize(o, in[0], o->ids, o->mask, err, n_err);

	if (rc)
		return rc;
	encode(o, o->ids, o->mask, in[1], in[2], out);
	return 0;
}

const struct cpu_kernel cpu_kernel_wordpiece = {
	.name = "wordpiece",
	.prepare = wordpiece_prepare,
	.run_obj = wordpiece_run,
	.release = bert_release,
};

const struct cpu_kernel cpu_kernel_bert_encode = {
	.name = "bert_encode",
	.prepare = encode_prepare,
	.run_obj = encode_run,
	.release = bert_release,
};

const struct cpu_kernel cpu_kernel_embed = {
	.name = "embed",
	.prepare = embed_prepare,
	.run_obj = embed_run,
	.release = bert_release,
};
