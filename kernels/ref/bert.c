/*
 * bert.c - the reference BERT sentence encoder (definitions in bert.h;
 * the packed layout's sizes and splits are bert_layout.c's): plain C,
 * every intermediate stored as float (as an fp32 model stores it), every
 * sum in double.
 *
 * The projections x W^T are row-dot-row: W is [out x in], so output o of
 * token t is the dot product of two contiguous rows, x[t] and W[o]. Blocks
 * of 2 tokens x 4 outputs keep eight independent double accumulators in
 * flight (a single chain would wait on each add's latency), which runs at
 * a few GFLOP/s without any SIMD code; the order of each sum is still the
 * plain one, term after term.
 *
 * Each sequence is processed over its real tokens only (mask 1), gathered
 * at embedding time with their own positions: a padded position is a key
 * every real query gives weight 0 (masked), and a query whose row mean
 * pooling gives weight 0, and nothing else reads it, so leaving it out
 * does not change the pooled result; the cost follows the sentence's
 * length, not the padding's.
 */
#include "ref/bert.h"

#include <math.h>

/* One sequence's buffers: x, q, k, v, ctx, t [S x H], mid [S x M], and a
 * row of S scores. */
size_t ref_bert_work_floats(const struct bert_shape *s)
{
	return s->seq * (6 * s->hidden + s->mlp) + s->seq;
}

/* ------------------------------------------------------------ pieces */

/* y[t][o] = b[o] + x[t] . W[o] for t < n, o < n_out: x [n x n_in], W
 * [n_out x n_in], y [n x n_out]. */
static void linear(size_t n, size_t n_in, size_t n_out, const float *x,
		   const float *W, const float *b, float *y)
{
	size_t t = 0;

	for (; t + 2 <= n; t += 2) {
		const float *x0 = x + t * n_in, *x1 = x0 + n_in;
		size_t o = 0;

		for (; o + 4 <= n_out; o += 4) {
			const float *w0 = W + o * n_in, *w1 = w0 + n_in;
			const float *w2 = w1 + n_in, *w3 = w2 + n_in;
			double a00 = 0, a01 = 0, a02 = 0, a03 = 0;
			double a10 = 0, a11 = 0, a12 = 0, a13 = 0;

			for (size_t i = 0; i < n_in; i++) {
				double u = x0[i], v = x1[i];
				double c0 = w0[i], c1 = w1[i], c2 = w2[i], c3 = w3[i];

				a00 += u * c0;
				a01 += u * c1;
				a02 += u * c2;
				a03 += u * c3;
				a10 += v * c0;
				a11 += v * c1;
				a12 += v * c2;
				a13 += v * c3;
			}
			y[t * n_out + o] = (float)(a00 + b[o]);
			y[t * n_out + o + 1] = (float)(a01 + b[o + 1]);
			y[t * n_out + o + 2] = (float)(a02 + b[o + 2]);
			y[t * n_out + o + 3] = (float)(a03 + b[o + 3]);
			y[(t + 1) * n_out + o] = (float)(a10 + b[o]);
			y[(t + 1) * n_out + o + 1] = (float)(a11 + b[o + 1]);
			y[(t + 1) * n_out + o + 2] = (float)(a12 + b[o + 2]);
			y[(t + 1) * n_out + o + 3] = (float)(a13 + b[o + 3]);
		}
		for (; o < n_out; o++) {
			const float *w0 = W + o * n_in;
			double a0 = 0, a1 = 0;

			for (size_t i = 0; i < n_in; i++) {
				a0 += (double)x0[i] * w0[i];
				a1 += (double)x1[i] * w0[i];
			}
			y[t * n_out + o] = (float)(a0 + b[o]);
			y[(t + 1) * n_out + o] = (float)(a1 + b[o]);
		}
	}
	for (; t < n; t++) {
		const float *x0 = x + t * n_in;

		for (size_t o = 0; o < n_out; o++) {
			const float *w0 = W + o * n_in;
			double a = 0;

			for (size_t i = 0; i < n_in; i++)
				a += (double)x0[i] * w0[i];
			y[t * n_out + o] = (float)(a + b[o]);
		}
	}
}

/* y[r] = LN(x[r]) * g + b for r < n rows of H (y may be x). */
static void layernorm(size_t n, size_t H, const float *x, const float *g,
		      const float *b, float *y)
{
	for (size_t r = 0; r < n; r++) {
		const float *xr = x + r * H;
		double mean = 0.0, var = 0.0, rstd;

		for (size_t c = 0; c < H; c++)
			mean += xr[c];
		mean /= (double)H;
		for (size_t c = 0; c < H; c++)
			var += ((double)xr[c] - mean) * ((double)xr[c] - mean);
		rstd = 1.0 / sqrt(var / (double)H + BERT_LN_EPS);
		for (size_t c = 0; c < H; c++)
			y[r * H + c] = (float)(((double)xr[c] - mean) * rstd * g[c] + b[c]);
	}
}

/* ctx = softmax(q_h k_h^T / sqrt(hd)) v_h for every head, over the n real
 * tokens of one sequence (rows of H). sc: a row of n floats. */
static void attention(const struct bert_shape *s, size_t n, const float *q,
		      const float *k, const float *v, float *sc, float *ctx)
{
	size_t H = s->hidden, hd = H / s->heads;
	double scale = 1.0 / sqrt((double)hd);

	for (size_t h = 0; h < s->heads; h++)
		for (size_t i = 0; i < n; i++) {
			const float *qi = q + i * H + h * hd;
			double m = -INFINITY, z = 0.0, acc[BERT_MAX_HD];

			for (size_t j = 0; j < n; j++) {
				const float *kj = k + j * H + h * hd;
				double d = 0.0;

				for (size_t c = 0; c < hd; c++)
					d += (double)qi[c] * kj[c];
				sc[j] = (float)(d * scale);
				if (sc[j] > m)
					m = sc[j];
			}
			for (size_t j = 0; j < n; j++) {
				double e = exp((double)sc[j] - m);

				sc[j] = (float)e;
				z += e;
			}
			for (size_t c = 0; c < hd; c++)
				acc[c] = 0.0;
			for (size_t j = 0; j < n; j++) {
				const float *vj = v + j * H + h * hd;

				for (size_t c = 0; c < hd; c++)
					acc[c] += (double)sc[j] * vj[c];
			}
			for (size_t c = 0; c < hd; c++)
				ctx[i * H + h * hd + c] = (float)(acc[c] / z);
		}
}

/* x = LN(x + t) * g + b over n rows of H. */
static void add_norm(size_t n, size_t H, float *x, const float *t,
		     const float *g, const float *b)
{
	for (size_t i = 0; i < n * H; i++)
		x[i] = x[i] + t[i];    /* the fp32 residual, as the model adds it */
	layernorm(n, H, x, g, b, x);
}

/* One layer on the n real tokens x [n x H] of a sequence, in place. */
static void layer(const struct bert_shape *s, size_t n,
		  const struct bert_layer_w *w, float *x, float *work)
{
	size_t H = s->hidden, M = s->mlp, S = s->seq;
	float *q = work, *k = q + S * H, *v = k + S * H, *ctx = v + S * H;
	float *t = ctx + S * H, *mid = t + S * H, *sc = mid + S * M;

	linear(n, H, H, x, w->wq, w->bq, q);
	linear(n, H, H, x, w->wk, w->bk, k);
	linear(n, H, H, x, w->wv, w->bv, v);
	attention(s, n, q, k, v, sc, ctx);
	linear(n, H, H, ctx, w->wo, w->bo, t);
	add_norm(n, H, x, t, w->g1, w->b1);
	linear(n, H, M, x, w->wi, w->bi, mid);
	for (size_t i = 0; i < n * M; i++) {
		double z = mid[i];

		mid[i] = (float)(z * 0.5 * (1.0 + erf(z / sqrt(2.0))));
	}
	linear(n, M, H, mid, w->wo2, w->bo2, t);
	add_norm(n, H, x, t, w->g2, w->b2);
}

/* ------------------------------------------------------------ encoder */

void ref_bert_encode(const struct bert_shape *s, const float *ids,
		     const float *mask, const float *emb, const float *layers,
		     float *work, float *out)
{
	size_t H = s->hidden, S = s->seq, n_layer = bert_layer_floats(s);
	struct bert_emb_w e;
	float *x = work, *rest = work + S * H;

	bert_emb_split(s, emb, &e);
	for (size_t b = 0; b < s->batch; b++) {
		const float *id = ids + b * S, *mk = mask + b * S;
		double norm = 0.0;
		size_t n = 0;

		/* the real tokens, each with its own position */
		for (size_t p = 0; p < S; p++) {
			const float *wr;

			if (mk[p] == 0.0f)
				continue;
			wr = e.word + (size_t)id[p] * H;
			for (size_t c = 0; c < H; c++)
				x[n * H + c] = (float)((double)wr[c] + e.type[c] +
						       e.pos[p * H + c]);
			n++;
		}
		layernorm(n, H, x, e.ge, e.be, x);
		for (size_t l = 0; l < s->layers; l++) {
			struct bert_layer_w w;

			bert_layer_split(s, layers + l * n_layer, &w);
			layer(s, n, &w, x, rest);
		}
		/* mean pooling, then Normalize; pooled stays in out's row */
		for (size_t c = 0; c < H; c++) {
			double sum = 0.0;

			for (size_t i = 0; i < n; i++)
				sum += x[i * H + c];
			out[b * H + c] = (float)(sum / fmax((double)n, 1e-9));
			norm += (double)out[b * H + c] * out[b * H + c];
		}
		norm = fmax(sqrt(norm), 1e-12);
		for (size_t c = 0; c < H; c++)
			out[b * H + c] = (float)(out[b * H + c] / norm);
	}
}
