/*
 * layer.cl - the attention and MLP sublayers of a Qwen2-style decoder layer
 * on OpenCL (definitions and the packed weight layouts in
 * kernels/ref/decoder.h). The linear layers are the GEMM of sgemm.cl
 * (ocl_prepare_decoder.c launches it); here, the attention's own parts,
 * still a plain baseline: the projections with RoPE one element pair per
 * work-item, the core one work-item per (head, query).
 * Weights arrive as the one packed buffer w; each part is an offset into
 * it (in floats).
 *
 * Attention, three launches: mc_attn_qkv (the projections with their
 * biases, RoPE on q and k: a work-item computes both elements of a rotated
 * pair; q to its own buffer, k and v into KV cache planes), mc_attn_core
 * (causal GQA with an online softmax over the cache, one work-item per
 * (head, query)), the GEMM (the output projection, the residual in its
 * epilogue). MLP, three GEMMs: the gate x.Wg, the up projection with
 * silu(gate) * (x.Wu) in its epilogue, then .Wd with the residual.
 *
 * The same kernels run a whole model (the decoding kernels): a pass of
 * seq new rows at positions p0.. (mc_pos: a device counter or an
 * argument) appends its keys and values to cache planes [kv x max_seq x
 * hd] (kernels/ref/decode.h) and attends to every position up to its
 * own; the components are the pass at p0 = 0 with max_seq = seq. The
 * LM head is the GEMM of one row (mc_gemv).
 */

#define MC_LAYER_ROPE_BASE 1e6f
#define MC_ATTN_MAXHD 128

static float mc_dot_col(__global const float *x, __global const float *w,
			int k, int cols, int col)
{
	float d = 0.0f;

	for (int i = 0; i < k; i++)
		d = fma(x[i], w[(size_t)i * (size_t)cols + col], d);
	return d;
}

/* Head g's row of position p in the cache planes at ko (floats). */
static size_t mc_kv_at(int ko, int g, int p, int max_seq, int hd)
{
	return (size_t)ko + ((size_t)g * (size_t)max_seq + (size_t)p) * (size_t)hd;
}

/* q [seq x heads*hd]; k and v of position mc_pos(pos, p0) + row into the
 * cache planes at ko and vo; work-items over seq x (heads*hd/2 + kv*hd/2 +
 * kv*hd): q pairs, k pairs, v columns */
__kernel void mc_attn_qkv(__global const float *x, __global const float *w,
			  __global float *q, __global float *cache,
			  __global const int *pos, int p0, int max_seq,
			  int ko, int vo, int seq, int hidden, int heads,
			  int kv, int hd, int wq, int bq, int wk, int bk,
			  int wv, int bv)
{
	int nq = heads * hd, nkv = kv * hd, hh = hd / 2;
	int per_row = nq / 2 + nkv / 2 + nkv, g = get_global_id(0);

	if (g < seq * per_row) {
		int row = g / per_row, j = g % per_row, p = mc_pos(pos, p0) + row;
		__global const float *xr = x + (size_t)row * (size_t)hidden;

		if (j >= nq / 2 + nkv / 2) {
			int c = j - nq / 2 - nkv / 2;

			cache[mc_kv_at(vo, c / hd, p, max_seq, hd) + c % hd] =
				mc_dot_col(xr, w + wv, hidden, nkv, c) + w[bv + c];
		} else {
			int isk = j >= nq / 2, jj = isk ? j - nq / 2 : j;
			int cols = isk ? nkv : nq, wo = isk ? wk : wq, bo = isk ? bk : bq;
			int head = jj / hh, i = jj % hh, c0 = head * hd + i, c1 = c0 + hh;
			float x0 = mc_dot_col(xr, w + wo, hidden, cols, c0) + w[bo + c0];
			float x1 = mc_dot_col(xr, w + wo, hidden, cols, c1) + w[bo + c1];
			float a = (float)p * pow(MC_LAYER_ROPE_BASE, -2.0f * (float)i / (float)hd);
			float cs = cos(a), sn = sin(a);
			/* the pair's first element; its second hd/2 later */
			size_t at = isk ? mc_kv_at(ko, head, p, max_seq, hd) + i :
					  (size_t)row * nq + c0;
			__global float *dst = isk ? cache : q;

			dst[at] = x0 * cs - x1 * sn;
			dst[at + hh] = x1 * cs + x0 * sn;
		}
	}
}

/* o [seq x heads*hd]: causal attention of each (head, query) of q, the
 * query at position mc_pos(pos, p0) + row seeing the cache's positions up
 * to its own, one work-item each, online softmax */
__kernel void mc_attn_core(__global const float *q, __global const float *cache,
			   __global float *o, __global const int *pos, int p0,
			   int max_seq, int ko, int vo, int seq, int heads,
			   int kv, int hd)
{
	int g = get_global_id(0), nq = heads * hd;

	if (g < heads * seq) {
		int h = g / seq, i = g % seq, kh = h / (heads / kv);
		int last = mc_pos(pos, p0) + i;
		__global const float *qi = q + (size_t)i * nq + h * hd;
		__global const float *K = cache + mc_kv_at(ko, kh, 0, max_seq, hd);
		__global const float *V = cache + mc_kv_at(vo, kh, 0, max_seq, hd);
		float qv[MC_ATTN_MAXHD], acc[MC_ATTN_MAXHD];
		float scale = rsqrt((float)hd), m = -INFINITY, z = 0.0f;

		for (int c = 0; c < hd; c++) {
			qv[c] = qi[c] * scale;
			acc[c] = 0.0f;
		}
		for (int j = 0; j <= last; j++) {
			__global const float *kj = K + (size_t)j * hd;
			__global const float *vj = V + (size_t)j * hd;
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
			o[(size_t)i * nq + h * hd + c] = acc[c] / z;
	}
}

