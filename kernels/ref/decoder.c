/*
 * decoder.c - reference decoder layer pieces (definitions in decoder.h):
 * the projections through ref_sgemm, attention and RoPE in plain double
 * loops. Intermediates are stored as float, as an fp32 model stores them.
 */
#include "ref/decoder.h"
#include "ref/ref.h"

#include <math.h>
#include <string.h>

size_t dec_attn_floats(const struct dec_shape *s)
{
	size_t q = s->heads * s->hd, kv = s->kv * s->hd;

	return s->hidden * q + q + 2 * (s->hidden * kv + kv) + q * s->hidden;
}

size_t dec_mlp_floats(const struct dec_shape *s)
{
	return 3 * s->hidden * s->mlp;
}

size_t dec_layer_floats(const struct dec_shape *s)
{
	return 2 * s->hidden + dec_attn_floats(s) + dec_mlp_floats(s);
}

void dec_attn_split(const struct dec_shape *s, const float *p,
		    struct dec_attn_w *out)
{
	size_t q = s->heads * s->hd, kv = s->kv * s->hd;

	out->wq = p;
	p += s->hidden * q;
	out->bq = p;
	p += q;
	out->wk = p;
	p += s->hidden * kv;
	out->bk = p;
	p += kv;
	out->wv = p;
	p += s->hidden * kv;
	out->bv = p;
	p += kv;
	out->wo = p;
}

void dec_mlp_split(const struct dec_shape *s, const float *p,
		   struct dec_mlp_w *out)
{
	out->wg = p;
	out->wu = p + s->hidden * s->mlp;
	out->wd = p + 2 * s->hidden * s->mlp;
}

void dec_layer_split(const struct dec_shape *s, const float *p,
		     struct dec_layer_w *out)
{
	out->g1 = p;
	dec_attn_split(s, p + s->hidden, &out->attn);
	out->g2 = p + s->hidden + dec_attn_floats(s);
	dec_mlp_split(s, out->g2 + s->hidden, &out->mlp);
}

/* attention: q, k, v, o; mlp: gate, up; layer: both plus two rows of
 * norms and h */
size_t ref_dec_work_floats(const struct dec_shape *s)
{
	size_t q = s->heads * s->hd, kv = s->kv * s->hd;
	size_t attn = s->seq * (2 * q + 2 * kv), mlp = 2 * s->seq * s->mlp;

	return (attn > mlp ? attn : mlp) + 2 * s->seq * s->hidden;
}

/* RoPE of one head vector v[0..hd) at position pos, in place. */
static void rope_vec(float *v, size_t hd, size_t pos)
{
	size_t half = hd / 2;

	for (size_t i = 0; i < half; i++) {
		double a = (double)pos * pow(REF_DEC_ROPE_BASE, -2.0 * (double)i / (double)hd);
		double c = cos(a), sn = sin(a), x0 = v[i], x1 = v[i + half];

		v[i] = (float)(x0 * c - x1 * sn);
		v[i + half] = (float)(x1 * c + x0 * sn);
	}
}

void ref_rope(size_t heads, size_t seq, size_t hd, const float *x, float *y)
{
	memcpy(y, x, heads * seq * hd * sizeof(*y));
	for (size_t h = 0; h < heads; h++)
		for (size_t p = 0; p < seq; p++)
			rope_vec(y + (h * seq + p) * hd, hd, p);
}

static void add_bias(size_t rows, size_t cols, float *y, const float *b)
{
	for (size_t i = 0; i < rows; i++)
		for (size_t j = 0; j < cols; j++)
			y[i * cols + j] = (float)((double)y[i * cols + j] + b[j]);
}

void ref_attention(const struct dec_shape *s, const float *x,
		   const struct dec_attn_w *w, float *work, float *y)
{
	size_t S = s->seq, H = s->heads, KV = s->kv, D = s->hd;
	size_t nq = H * D, nkv = KV * D, group = H / KV;
	float *q = work, *k = q + S * nq, *v = k + S * nkv, *o = v + S * nkv;
	double scale = 1.0 / sqrt((double)D);

	ref_sgemm(S, nq, s->hidden, x, w->wq, q);
	ref_sgemm(S, nkv, s->hidden, x, w->wk, k);
	ref_sgemm(S, nkv, s->hidden, x, w->wv, v);
	add_bias(S, nq, q, w->bq);
	add_bias(S, nkv, k, w->bk);
	add_bias(S, nkv, v, w->bv);
	for (size_t p = 0; p < S; p++) {
		for (size_t h = 0; h < H; h++)
			rope_vec(q + p * nq + h * D, D, p);
		for (size_t g = 0; g < KV; g++)
			rope_vec(k + p * nkv + g * D, D, p);
	}
	for (size_t h = 0; h < H; h++) {
		size_t g = h / group;

		for (size_t i = 0; i < S; i++) {
			const float *qi = q + i * nq + h * D;
			double m = -INFINITY, z = 0.0, acc[REF_DEC_MAX_HD];

			/* two passes over the keys: the max, then the sum and
			 * the values (no score buffer, so no failure) */
			for (size_t j = 0; j <= i; j++) {
				double d = 0.0;

				for (size_t c = 0; c < D; c++)
					d += (double)qi[c] * k[j * nkv + g * D + c];
				if (d * scale > m)
					m = d * scale;
			}
			for (size_t c = 0; c < D; c++)
				acc[c] = 0.0;
			for (size_t j = 0; j <= i; j++) {
				double d = 0.0, e;

				for (size_t c = 0; c < D; c++)
					d += (double)qi[c] * k[j * nkv + g * D + c];
				e = exp(d * scale - m);
				z += e;
				for (size_t c = 0; c < D; c++)
					acc[c] += e * v[j * nkv + g * D + c];
			}
			for (size_t c = 0; c < D; c++)
				o[i * nq + h * D + c] = (float)(acc[c] / z);
		}
	}
	ref_sgemm(S, s->hidden, nq, o, w->wo, y);
}

void ref_mlp(const struct dec_shape *s, const float *x,
	     const struct dec_mlp_w *w, float *work, float *y)
{
	size_t n = s->seq * s->mlp;
	float *gate = work, *up = work + n;

	ref_sgemm(s->seq, s->mlp, s->hidden, x, w->wg, gate);
	ref_sgemm(s->seq, s->mlp, s->hidden, x, w->wu, up);
	for (size_t i = 0; i < n; i++) {
		double z = gate[i];

		gate[i] = (float)(z / (1.0 + exp(-z)) * up[i]);
	}
	ref_sgemm(s->seq, s->hidden, s->mlp, gate, w->wd, y);
}

void ref_dec_rmsnorm(size_t rows, size_t cols, const float *x,
		     const float *g, float *y)
{
	for (size_t r = 0; r < rows; r++) {
		double ss = 0.0, inv;

		for (size_t c = 0; c < cols; c++)
			ss += (double)x[r * cols + c] * x[r * cols + c];
		inv = 1.0 / sqrt(ss / (double)cols + REF_DEC_EPS);
		for (size_t c = 0; c < cols; c++)
			y[r * cols + c] = (float)(x[r * cols + c] * inv * g[c]);
	}
}

void ref_decoder_layer(const struct dec_shape *s, const float *x,
		       const struct dec_layer_w *w, float *work, float *y)
{
	size_t n = s->seq * s->hidden;
	float *nrm = work, *h = work + n, *rest = work + 2 * n;

	ref_dec_rmsnorm(s->seq, s->hidden, x, w->g1, nrm);
	ref_attention(s, nrm, &w->attn, rest, h);
	for (size_t i = 0; i < n; i++)
		h[i] = (float)((double)h[i] + x[i]);
	ref_dec_rmsnorm(s->seq, s->hidden, h, w->g2, nrm);
	ref_mlp(s, nrm, &w->mlp, rest, y);
	for (size_t i = 0; i < n; i++)
		y[i] = (float)((double)y[i] + h[i]);
}
