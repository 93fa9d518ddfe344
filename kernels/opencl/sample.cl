/*
 * sample.cl - one token drawn from a row of logits, the rules of
 * kernels/ref/sample.h (greedy, top-k, top-p 0.9, temperature 0.7), in
 * one work-group (a row is one token's logits: a launch's worth of work
 * on a GPU is the row, not many rows).
 *
 * The order (largest logit first, equal logits by lower index) is built
 * one kept token at a time: each step is a work-group reduction for the
 * best index after the previous one in the order, so top-k costs k passes
 * over the row and top-p as many as its nucleus holds (a handful for a
 * language model's logits). The kept tokens' indices and weights go to a
 * scratch buffer of 2 vocab floats. The draw is the first kept j whose
 * cumulative weight exceeds u times the total, the last kept when none
 * does; sums in float (u sits mid-bucket, see workload_sample.c).
 * Arguments of every sampler: (logits, u, y, scratch, int vocab, int k,
 * __local float[local], __local int[local]); y[0] is the token.
 * mc_sample_greedy_at is greedy decoding's step (its own arguments): the
 * token into a generation's sequence, on the device.
 */

#define MC_SAMPLE_P 0.9f
#define MC_SAMPLE_T 0.7f

/* (va, ia) comes before (vb, ib) in the order */
static int mc_before(float va, int ia, float vb, int ib)
{
	return va > vb || (va == vb && ia < ib);
}

/* The first index of the order after (pv, pi) (pi < 0: the very first);
 * every work-item gets it. */
static int mc_next(__global const float *x, int n, float pv, int pi,
		   __local float *sv, __local int *si)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	float bv = 0.0f;
	int bi = -1, r;

	for (int i = lid; i < n; i += nl) {
		float v = x[i];

		if (pi >= 0 && !mc_before(pv, pi, v, i))
			continue;
		if (bi < 0 || mc_before(v, i, bv, bi)) {
			bv = v;
			bi = i;
		}
	}
	sv[lid] = bv;
	si[lid] = bi;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int s = nl / 2; s > 0; s >>= 1) {
		if (lid < s && si[lid + s] >= 0 &&
		    (si[lid] < 0 || mc_before(sv[lid + s], si[lid + s], sv[lid], si[lid]))) {
			sv[lid] = sv[lid + s];
			si[lid] = si[lid + s];
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	r = si[0];
	barrier(CLK_LOCAL_MEM_FENCE);
	return r;
}

/* The sum over the work-group of v; every work-item gets it. */
static float mc_sum(float v, __local float *sv)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	float r;

	sv[lid] = v;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int s = nl / 2; s > 0; s >>= 1) {
		if (lid < s)
			sv[lid] += sv[lid + s];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	r = sv[0];
	barrier(CLK_LOCAL_MEM_FENCE);
	return r;
}

/* The draw over the n kept tokens in scratch (indices, then weights at
 * scratch + vocab), by work-item 0. */
static void mc_draw(__global const float *scratch, int vocab, int n,
		    float total, float u, __global float *y)
{
	if (get_local_id(0) == 0) {
		float thr = u * total, c = 0.0f;
		int j = 0;

		for (; j + 1 < n; j++) {
			if (c + scratch[vocab + j] > thr)
				break;
			c += scratch[vocab + j];
		}
		y[0] = scratch[j];
	}
}

__kernel void mc_sample_greedy(__global const float *x, __global const float *u,
			       __global float *y, __global float *scratch,
			       int vocab, int k, __local float *sv, __local int *si)
{
	int i = mc_next(x, vocab, 0.0f, -1, sv, si);

	(void)u; (void)scratch; (void)k;
	if (get_local_id(0) == 0)
		y[0] = (float)i;
}

/* Greedy decoding's token of a pass (kernels/ref/decode.h): the pass of
 * n rows at position b = mc_pos(pos, p0) ends at position b + n, whose
 * token is number b + n - n_prompt of the generation, y's element; then
 * *pos_out = b + n (when not NULL) is the next pass's position. */
__kernel void mc_sample_greedy_at(__global const float *x, int vocab,
				  __global float *y, __global const int *pos,
				  int p0, int n, int n_prompt,
				  __global int *pos_out, __local float *sv,
				  __local int *si)
{
	int i = mc_next(x, vocab, 0.0f, -1, sv, si);

	if (get_local_id(0) == 0) {
		int b = mc_pos(pos, p0);

		y[b + n - n_prompt] = (float)i;
		if (pos_out)
			pos_out[0] = b + n;
	}
}

/* The kept tokens of the order, one at a time, until n reach k (top-k)
 * or their weights reach p of z (top-p, z > 0); returns n and their total
 * weight in *out_total. */
static int mc_keep(__global const float *x, int vocab, int k, float z,
		   __global float *scratch, float *out_total,
		   __local float *sv, __local int *si)
{
	int i = mc_next(x, vocab, 0.0f, -1, sv, si), n = 0;
	float m = x[i], total = 0.0f;

	for (;;) {
		float w = exp(x[i] - m);

		if (get_local_id(0) == 0) {
			scratch[n] = (float)i;
			scratch[vocab + n] = w;
		}
		total += w;
		n++;
		if (n >= vocab || (z > 0.0f ? total >= MC_SAMPLE_P * z : n >= k))
			break;
		i = mc_next(x, vocab, x[i], i, sv, si);
	}
	barrier(CLK_GLOBAL_MEM_FENCE);
	*out_total = total;
	return n;
}

__kernel void mc_sample_top_k(__global const float *x, __global const float *u,
			      __global float *y, __global float *scratch,
			      int vocab, int k, __local float *sv, __local int *si)
{
	float total;
	int n = mc_keep(x, vocab, k, 0.0f, scratch, &total, sv, si);

	mc_draw(scratch, vocab, n, total, u[0], y);
}

__kernel void mc_sample_top_p(__global const float *x, __global const float *u,
			      __global float *y, __global float *scratch,
			      int vocab, int k, __local float *sv, __local int *si)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	float m = x[mc_next(x, vocab, 0.0f, -1, sv, si)], z = 0.0f, total;
	int n;

	(void)k;
	for (int i = lid; i < vocab; i += nl)
		z += exp(x[i] - m);
	z = mc_sum(z, sv);
	n = mc_keep(x, vocab, vocab, z, scratch, &total, sv, si);
	mc_draw(scratch, vocab, n, total, u[0], y);
}

/* Every token in index order: each work-item sums a contiguous chunk,
 * work-item 0 scans the chunk sums, and the chunk holding the first
 * cumulative weight past u * total finds it (the smallest index any chunk
 * finds, so a chunk sum rounded across the threshold cannot pick late). */
__kernel void mc_sample_temperature(__global const float *x, __global const float *u,
				    __global float *y, __global float *scratch,
				    int vocab, int k, __local float *sv, __local int *si)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	const int chunk = (vocab + nl - 1) / nl;
	const int i0 = min(lid * chunk, vocab), i1 = min(i0 + chunk, vocab);
	float m = x[mc_next(x, vocab, 0.0f, -1, sv, si)], c = 0.0f, thr;

	(void)scratch; (void)k;
	for (int i = i0; i < i1; i++)
		c += exp((x[i] - m) / MC_SAMPLE_T);
	sv[lid] = c;
	barrier(CLK_LOCAL_MEM_FENCE);
	if (lid == 0) {
		float run = 0.0f;

		for (int j = 0; j < nl; j++) {
			float t = sv[j];

			sv[j] = run;       /* exclusive prefix */
			run += t;
		}
		si[0] = vocab - 1;  /* rounding left none: the last token */
		si[1] = as_int(run);  /* the total, as bits beside it */
	}
	barrier(CLK_LOCAL_MEM_FENCE);
	thr = u[0] * as_float(si[1]);
	if (i0 < i1 && sv[lid] + c > thr) {
		float run = sv[lid];

		for (int i = i0; i < i1; i++) {
			run += exp((x[i] - m) / MC_SAMPLE_T);
			if (run > thr) {
				atomic_min(&si[0], i);
				break;
			}
		}
	}
	barrier(CLK_LOCAL_MEM_FENCE);
	if (lid == 0)
		y[0] = (float)si[0];
}
