/*
 * decoder.cl - decoder components on OpenCL (definitions in
 * kernels/ref/decoder.h): the embedding lookup and RoPE, one work-item per
 * copied float and per rotated pair, and attention alone (sdpa), one per
 * query. RoPE's angle is in float, as GPU frameworks compute it (the
 * spec's tolerance allows for that). For the decoding kernels
 * (kernels/ref/decode.h), the lookup also reads generated tokens, and
 * mc_kv_grow copies a step's input cache into planes with room for its
 * token.
 */

#define MC_ROPE_BASE 1e6f

/* y[t][c] = table[id][c] over seq x hidden work-items, id the token at
 * position p = mc_pos(pos, p0) + t: ids[p] below n_ids (the prompt),
 * gen[p - n_ids] past it (a generation's tokens so far, written on the
 * device by mc_sample_greedy_at) */
__kernel void mc_embedding(__global const float *table, __global const float *ids,
			   __global const float *gen, __global const int *pos,
			   int p0, __global float *y, int seq, int hidden,
			   int n_ids)
{
	size_t g = get_global_id(0);

	if (g < (size_t)seq * (size_t)hidden) {
		size_t t = g / (size_t)hidden, c = g % (size_t)hidden;
		int p = mc_pos(pos, p0) + (int)t;
		float id = p < n_ids ? ids[p] : gen[p - n_ids];

		y[g] = table[(size_t)id * (size_t)hidden + c];
	}
}

/* dst [planes x max_seq x hd] takes src [planes x seq x hd] at positions
 * 0..seq-1, over the n = planes x seq x hd floats of src */
__kernel void mc_kv_grow(__global const float *src, __global float *dst, int n,
			 int seq, int max_seq, int hd)
{
	int g = get_global_id(0);

	if (g < n) {
		int per = seq * hd;

		dst[(size_t)(g / per) * (size_t)max_seq * (size_t)hd + g % per] = src[g];
	}
}

/* x [heads x seq x hd]: the pair (i, i + hd/2) of row r at position
 * r % seq, over heads x seq x hd/2 work-items */
__kernel void mc_rope(__global const float *x, __global float *y, int seq,
		      int hd, int n_pairs)
{
	int g = get_global_id(0);

	if (g < n_pairs) {
		int hh = hd / 2, i = g % hh, r = g / hh, pos = r % seq;
		size_t o = (size_t)r * (size_t)hd;
		float a = (float)pos * pow(MC_ROPE_BASE, -2.0f * (float)i / (float)hd);
		float c = cos(a), s = sin(a), x0 = x[o + i], x1 = x[o + i + hh];

		y[o + i] = x0 * c - x1 * s;
		y[o + i + hh] = x1 * c + x0 * s;
	}
}

/* Largest head dimension mc_sdpa takes (its query and accumulator live
 * in private memory). */
#define MC_SDPA_MAXHD 128

/* Scaled dot-product attention (src/lib/workload_sdpa.c), one work-item
 * per (head, query) over heads x seq: q [heads x seq x hd], k, v
 * [kv x seq x hd], o like q; the keys up to the query when causal, with
 * the softmax taken online (a running max rescales the sum and the
 * accumulated values), so no score row is stored. A plain baseline: each
 * work-item reads every key and value it sees from global memory. */
__kernel void mc_sdpa(__global const float *q, __global const float *k,
		      __global const float *v, __global float *o, int seq,
		      int heads, int kv, int hd, int causal)
{
	int g = get_global_id(0);

	if (g < heads * seq) {
		int h = g / seq, i = g % seq, last = causal ? i + 1 : seq;
		size_t kb = (size_t)(h / (heads / kv)) * (size_t)seq * (size_t)hd;
		__global const float *qi = q + (size_t)g * (size_t)hd;
		float qv[MC_SDPA_MAXHD], acc[MC_SDPA_MAXHD];
		float scale = rsqrt((float)hd), m = -INFINITY, z = 0.0f;

		for (int c = 0; c < hd; c++) {
			qv[c] = qi[c] * scale;
			acc[c] = 0.0f;
		}
		for (int j = 0; j < last; j++) {
			__global const float *kj = k + kb + (size_t)j * (size_t)hd;
			__global const float *vj = v + kb + (size_t)j * (size_t)hd;
			float d = 0.0f, e;

			for (int c = 0; c < hd; c++)
				d = fma(qv[c], kj[c], d);
			if (d > m) {
				float r = exp(m - d);

				z *= r;
				for (int c = 0; c < hd; c++)
					acc[c] *= r;
				m = d;
			}
			e = exp(d - m);
			z += e;
			for (int c = 0; c < hd; c++)
				acc[c] = fma(e, vj[c], acc[c]);
		}
		for (int c = 0; c < hd; c++)
			o[(size_t)g * (size_t)hd + c] = acc[c] / z;
	}
}
