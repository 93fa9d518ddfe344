/*
 * decode.c - the reference of one decoding step (decode.h): decoder.h's
 * layer for a single token against a KV cache. A prompt is these steps one
 * position at a time: each row of ref_sgemm is summed on its own, in the
 * same order whatever the number of rows, so a step computes exactly what
 * row pos of a whole-sequence pass would (and full recompute the same).
 */
#include "ref/decode.h"
#include "ref/ref.h"

#include <math.h>
#include <string.h>

size_t dec_cache_floats(const struct dec_shape *s, size_t n_layers,
			size_t max_seq)
{
	return n_layers * 2 * s->kv * max_seq * s->hd;
}

size_t dec_argmax(const float *x, size_t n)
{
	size_t best = 0;

	for (size_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

/* x [hidden], nrm [hidden], q, o [heads*hd], k, v [kv*hd], a, h [hidden],
 * the MLP's 2 mlp */
size_t ref_dec_step_work_floats(const struct dec_shape *s)
{
	return 5 * s->hidden + 2 * s->heads * s->hd + 2 * s->kv * s->hd +
	       2 * s->mlp;
}

static void rope_at(float *v, size_t hd, size_t pos)
{
	size_t half = hd / 2;

	for (size_t i = 0; i < half; i++) {
		double a = (double)pos * pow(REF_DEC_ROPE_BASE, -2.0 * (double)i / (double)hd);
		double c = cos(a), sn = sin(a), x0 = v[i], x1 = v[i + half];

		v[i] = (float)(x0 * c - x1 * sn);
		v[i + half] = (float)(x1 * c + x0 * sn);
	}
}

static void add_bias(size_t n, float *y, const float *b)
{
	for (size_t j = 0; j < n; j++)
		y[j] = (float)((double)y[j] + b[j]);
}

/* o_h = softmax(q_h . K_g^T / sqrt(hd)) V_g over positions 0..pos. */
static void attend(const struct dec_shape *s, const float *q,
		   const float *kc, const float *vc, size_t max_seq,
		   size_t pos, float *o)
{
	size_t D = s->hd, group = s->heads / s->kv;
	double scale = 1.0 / sqrt((double)D);

	for (size_t h = 0; h < s->heads; h++) {
		const float *qh = q + h * D;
		const float *K = kc + (h / group) * max_seq * D;
		const float *V = vc + (h / group) * max_seq * D;
		double m = -INFINITY, z = 0.0, acc[REF_DEC_MAX_HD];

		for (size_t j = 0; j <= pos; j++) {
			double d = 0.0;

			for (size_t c = 0; c < D; c++)
				d += (double)qh[c] * K[j * D + c];
			if (d * scale > m)
				m = d * scale;
		}
		for (size_t c = 0; c < D; c++)
			acc[c] = 0.0;
		for (size_t j = 0; j <= pos; j++) {
			double d = 0.0, e;

			for (size_t c = 0; c < D; c++)
				d += (double)qh[c] * K[j * D + c];
			e = exp(d * scale - m);
			z += e;
			for (size_t c = 0; c < D; c++)
				acc[c] += e * V[j * D + c];
		}
		for (size_t c = 0; c < D; c++)
			o[h * D + c] = (float)(acc[c] / z);
	}
}

void ref_dec_step(const struct dec_shape *s, const struct dec_model_w *m,
		  float *cache, size_t max_seq, size_t pos, const float *x_in,
		  float *work, float *logits)
{
	size_t H = s->hidden, nq = s->heads * s->hd, nkv = s->kv * s->hd;
	size_t per_layer = dec_layer_floats(s), plane = s->kv * max_seq * s->hd;
	struct dec_shape one = *s;
	float *x = work, *nrm = x + H, *a = nrm + H, *h = a + H, *y = h + H;
	float *q = y + H, *o = q + nq, *k = o + nq, *v = k + nkv, *rest = v + nkv;

	one.seq = 1;
	memcpy(x, x_in, H * sizeof(*x));
	for (size_t l = 0; l < m->n_layers; l++) {
		struct dec_layer_w w;
		float *kc = cache + 2 * l * plane, *vc = kc + plane;

		dec_layer_split(s, m->layers + l * per_layer, &w);
		ref_dec_rmsnorm(1, H, x, w.g1, nrm);
		ref_sgemm(1, nq, H, nrm, w.attn.wq, q);
		ref_sgemm(1, nkv, H, nrm, w.attn.wk, k);
		ref_sgemm(1, nkv, H, nrm, w.attn.wv, v);
		add_bias(nq, q, w.attn.bq);
		add_bias(nkv, k, w.attn.bk);
		add_bias(nkv, v, w.attn.bv);
		for (size_t i = 0; i < s->heads; i++)
			rope_at(q + i * s->hd, s->hd, pos);
		for (size_t g = 0; g < s->kv; g++) {
			rope_at(k + g * s->hd, s->hd, pos);
			memcpy(kc + (g * max_seq + pos) * s->hd, k + g * s->hd,
			       s->hd * sizeof(*k));
			memcpy(vc + (g * max_seq + pos) * s->hd, v + g * s->hd,
			       s->hd * sizeof(*v));
		}
		attend(s, q, kc, vc, max_seq, pos, o);
		ref_sgemm(1, H, nq, o, w.attn.wo, a);
		for (size_t i = 0; i < H; i++)
			h[i] = (float)((double)a[i] + x[i]);
		ref_dec_rmsnorm(1, H, h, w.g2, nrm);
		ref_mlp(&one, nrm, &w.mlp, rest, y);
		for (size_t i = 0; i < H; i++)
			x[i] = (float)((double)y[i] + h[i]);
	}
	if (!logits)
		return;
	ref_dec_rmsnorm(1, H, x, m->gf, nrm);
	ref_sgemm(1, m->vocab, H, nrm, m->head, logits);
}
