/*
 * decode.c - the decoding kernels (src/lib/workload_decode.c, model and
 * cache layouts in kernels/ref/decode.h) on the CPU. One routine, pass(),
 * runs n new tokens at positions p0.. through every layer, appending
 * their keys and values to the cache: the prompt is one pass of n =
 * prompt, each cached token a pass of n = 1, and full recompute a pass of
 * the whole sequence per token. Projections and the MLP are cblas_sgemm
 * (OpenBLAS's threads; sgemv for one row, cpu_dec_linear), each
 * query block's scores one GEMM against the keys it may see (the
 * components' attention, decoder.c; sgemv for a decoded token), and the
 * LM head one product of the last row (sgemv).
 */
#include "cpu.h"
#include "cpu/decoder_int.h"
#include "ref/decode.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#define BLK 64

struct model {
	struct dec_shape s;           /* seq unused */
	size_t layers, vocab, max_seq;
	const float *emb, *w, *gf, *head;
};

/* Workspace for passes of up to n rows: nrm, a [n x hidden], q, o
 * [n x q], k, v [n x kv], scores BLK x max_seq, the MLP's 2 n mlp, the
 * RoPE table, logits, then the cache. */
static size_t pass_work(const struct model *m, size_t n)
{
	const struct dec_shape *s = &m->s;

	return 2 * n * s->hidden + 2 * n * s->heads * s->hd +
	       2 * n * s->kv * s->hd + BLK * m->max_seq + 2 * n * s->mlp +
	       m->max_seq * s->hd + m->vocab +
	       dec_cache_floats(s, m->layers, m->max_seq);
}

struct work {
	float *nrm, *a, *q, *o, *k, *v, *sc, *mlp, *tab, *logits, *cache;
};

static struct work work_split(const struct model *m, size_t n, float *p)
{
	const struct dec_shape *s = &m->s;
	struct work w;

	w.nrm = p;
	w.a = w.nrm + n * s->hidden;
	w.q = w.a + n * s->hidden;
	w.o = w.q + n * s->heads * s->hd;
	w.k = w.o + n * s->heads * s->hd;
	w.v = w.k + n * s->kv * s->hd;
	w.sc = w.v + n * s->kv * s->hd;
	w.mlp = w.sc + BLK * m->max_seq;
	w.tab = w.mlp + 2 * n * s->mlp;
	w.logits = w.tab + m->max_seq * s->hd;
	w.cache = w.logits + m->vocab;
	return w;
}

/* Causal attention of the n queries q (positions p0..p0+n-1) of every
 * head against the cache planes K, V (positions 0..p0+n-1) into o. */
static void attend(const struct model *m, size_t p0, size_t n,
		   const float *kc, const float *vc, struct work *w)
{
	const struct dec_shape *s = &m->s;
	size_t D = s->hd, nq = s->heads * D, group = s->heads / s->kv;
	float scale = 1.0f / sqrtf((float)D);

	for (size_t h = 0; h < s->heads; h++) {
		const float *K = kc + (h / group) * m->max_seq * D;
		const float *V = vc + (h / group) * m->max_seq * D;

		for (size_t b0 = 0; b0 < n; b0 += BLK) {
			size_t b1 = b0 + BLK < n ? b0 + BLK : n, bs = b1 - b0;
			size_t keys = p0 + b1;

			if (bs == 1) {  /* a decoded token: sgemv (cpu_dec_linear) */
				cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)keys,
					    (int)D, scale, K, (int)D,
					    w->q + b0 * nq + h * D, 1, 0.0f, w->sc, 1);
				cpu_dec_masked_softmax(w->sc, keys, keys);
				cblas_sgemv(CblasRowMajor, CblasTrans, (int)keys,
					    (int)D, 1.0f, V, (int)D, w->sc, 1, 0.0f,
					    w->o + b0 * nq + h * D, 1);
				continue;
			}
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
				    (int)bs, (int)keys, (int)D, scale,
				    w->q + b0 * nq + h * D, (int)nq, K, (int)D,
				    0.0f, w->sc, (int)keys);
			for (size_t i = 0; i < bs; i++)
				cpu_dec_masked_softmax(w->sc + i * keys,
						       p0 + b0 + i + 1, keys);
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
				    (int)bs, (int)D, (int)keys, 1.0f, w->sc,
				    (int)keys, V, (int)D, 0.0f,
				    w->o + b0 * nq + h * D, (int)nq);
		}
	}
}

/* n tokens x [n x hidden] (the residual stream, in place) at positions
 * p0.. through every layer; their K, V go into w->cache. */
static void pass(const struct model *m, size_t p0, size_t n, float *x,
		 struct work *w)
{
	const struct dec_shape *s = &m->s;
	size_t H = s->hidden, D = s->hd, nq = s->heads * D, nkv = s->kv * D;
	size_t lf = dec_layer_floats(s), plane = s->kv * m->max_seq * D;
	struct dec_shape rows = *s;

	rows.seq = n;
	for (size_t l = 0; l < m->layers; l++) {
		struct dec_layer_w lw;
		float *kc = w->cache + 2 * l * plane, *vc = kc + plane;

		dec_layer_split(s, m->w + l * lf, &lw);
		cpu_dec_rmsnorm(n, H, x, lw.g1, w->nrm);
		cpu_dec_linear(n, nq, H, w->nrm, lw.attn.wq, lw.attn.bq, w->q);
		cpu_dec_linear(n, nkv, H, w->nrm, lw.attn.wk, lw.attn.bk, w->k);
		cpu_dec_linear(n, nkv, H, w->nrm, lw.attn.wv, lw.attn.bv, w->v);
		for (size_t i = 0; i < n; i++) {
			const float *cs = w->tab + (p0 + i) * D;

			for (size_t h = 0; h < s->heads; h++)
				cpu_dec_rope_row(w->q + i * nq + h * D, cs, D);
			for (size_t g = 0; g < s->kv; g++) {
				cpu_dec_rope_row(w->k + i * nkv + g * D, cs, D);
				memcpy(kc + (g * m->max_seq + p0 + i) * D,
				       w->k + i * nkv + g * D, D * sizeof(float));
				memcpy(vc + (g * m->max_seq + p0 + i) * D,
				       w->v + i * nkv + g * D, D * sizeof(float));
			}
		}
		attend(m, p0, n, kc, vc, w);
		cpu_dec_linear(n, H, nq, w->o, lw.attn.wo, NULL, w->a);
		for (size_t i = 0; i < n * H; i++)
			x[i] += w->a[i];
		cpu_dec_rmsnorm(n, H, x, lw.g2, w->nrm);
		cpu_dec_mlp(&rows, w->nrm, &lw.mlp, w->mlp, w->a);
		for (size_t i = 0; i < n * H; i++)
			x[i] += w->a[i];
	}
}

/* The greedy token of the residual row x [hidden]. */
static size_t next_token(const struct model *m, const float *x,
			 struct work *w)
{
	cpu_dec_rmsnorm(1, m->s.hidden, x, m->gf, w->nrm);
	cpu_dec_linear(1, m->vocab, m->s.hidden, w->nrm, m->head, NULL,
		       w->logits);
	return dec_argmax(w->logits, m->vocab);
}

static void embed(const struct model *m, const float *ids, size_t n,
		  float *x)
{
	for (size_t t = 0; t < n; t++)
		memcpy(x + t * m->s.hidden, m->emb + (size_t)ids[t] * m->s.hidden,
		       m->s.hidden * sizeof(float));
}

/* params: prompt, gen, layers, vocab, hidden, heads, kv_heads, head_dim,
 * mlp; inputs: prompt, emb, layers, gf, head */
static struct model gen_model(const size_t *p, float *const *in)
{
	struct model m = {
		{ 0, p[4], p[5], p[6], p[7], p[8] }, p[2], p[3], p[0] + p[1],
		in[1], in[2], in[3], in[4],
	};

	return m;
}

/* The residual stream of the whole sequence leads the workspace. */
static size_t gen_scratch(const size_t *p)
{
	struct model m = gen_model(p, (float *const[5]){ 0 });

	return m.max_seq * m.s.hidden + pass_work(&m, m.max_seq);
}

static void decode_run(const size_t *p, float *const *in, float *out,
		       float *scratch)
{
	struct model m = gen_model(p, in);
	size_t P = p[0], G = p[1], tok;
	float *x = scratch;
	struct work w = work_split(&m, m.max_seq, x + m.max_seq * m.s.hidden);

	cpu_dec_rope_table(m.max_seq, m.s.hd, w.tab);
	embed(&m, in[0], P, x);
	pass(&m, 0, P, x, &w);
	out[0] = (float)(tok = next_token(&m, x + (P - 1) * m.s.hidden, &w));
	for (size_t i = 1; i < G; i++) {
		embed(&m, out + i - 1, 1, x);
		pass(&m, P + i - 1, 1, x, &w);
		out[i] = (float)(tok = next_token(&m, x, &w));
	}
	(void)tok;
}

static void recompute_run(const size_t *p, float *const *in, float *out,
			  float *scratch)
{
	struct model m = gen_model(p, in);
	size_t P = p[0], G = p[1];
	float *x = scratch;
	struct work w = work_split(&m, m.max_seq, x + m.max_seq * m.s.hidden);

	cpu_dec_rope_table(m.max_seq, m.s.hd, w.tab);
	for (size_t i = 0; i < G; i++) {
		size_t n = P + i;

		embed(&m, in[0], P, x);
		embed(&m, out, i, x + P * m.s.hidden);
		pass(&m, 0, n, x, &w);
		out[i] = (float)next_token(&m, x + (n - 1) * m.s.hidden, &w);
	}
}

/* params: ctx, layers, vocab, hidden ...; inputs: x, cache, layers, gf,
 * head */
static struct model step_model(const size_t *p, float *const *in)
{
	struct model m = {
		{ 0, p[3], p[4], p[5], p[6], p[7] }, p[1], p[2], p[0] + 1,
		NULL, in[2], in[3], in[4],
	};

	return m;
}

static size_t step_scratch(const size_t *p)
{
	struct model m = step_model(p, (float *const[5]){ 0 });

	return m.s.hidden + pass_work(&m, 1);
}

/* The input cache holds ctx positions; the step's has room for one more,
 * so the step starts by copying it (0.2% of the bytes at Qwen2.5-0.5B's
 * shapes and ctx 128: an engine's cache has the room already). */
static void step_run(const size_t *p, float *const *in, float *out,
		     float *scratch)
{
	struct model m = step_model(p, in);
	size_t C = p[0], D = m.s.hd;
	float *x = scratch;
	struct work w = work_split(&m, 1, x + m.s.hidden);

	for (size_t plane = 0; plane < 2 * m.layers * m.s.kv; plane++)
		memcpy(w.cache + plane * (C + 1) * D, in[1] + plane * C * D,
		       C * D * sizeof(float));
	cpu_dec_rope_table(C + 1, D, w.tab);
	memcpy(x, in[0], m.s.hidden * sizeof(float));
	pass(&m, C, 1, x, &w);
	cpu_dec_rmsnorm(1, m.s.hidden, x, m.gf, w.nrm);
	cpu_dec_linear(1, m.vocab, m.s.hidden, w.nrm, m.head, NULL, out);
}

const struct cpu_kernel cpu_kernel_decode = {
	.name = "decode", .scratch_floats = gen_scratch, .run = decode_run,
};
const struct cpu_kernel cpu_kernel_decode_recompute = {
	.name = "decode_recompute",
	.scratch_floats = gen_scratch, .run = recompute_run,
};
const struct cpu_kernel cpu_kernel_decode_step = {
	.name = "decode_step", .scratch_floats = step_scratch, .run = step_run,
};
