/*
 * decoder.cl - decoder components on OpenCL (definitions in
 * kernels/ref/decoder.h): the embedding lookup and RoPE, one work-item per
 * copied float and per rotated pair. RoPE's angle is in float, as GPU
 * frameworks compute it (the spec's tolerance allows for that).
 */

#define MC_ROPE_BASE 1e6f

/* y[t][c] = table[ids[t]][c] over seq x hidden work-items */
__kernel void mc_embedding(__global const float *table, __global const float *ids,
			   __global float *y, int seq, int hidden)
{
	size_t g = get_global_id(0);

	if (g < (size_t)seq * (size_t)hidden) {
		size_t t = g / (size_t)hidden, c = g % (size_t)hidden;

		y[g] = table[(size_t)ids[t] * (size_t)hidden + c];
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
