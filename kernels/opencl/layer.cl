/*
 * layer.cl - the attention and MLP sublayers of a Qwen2-style decoder layer
 * on OpenCL (definitions and the packed weight layouts in
 * kernels/ref/decoder.h). The linear layers, the attention's projections
 * among them, are the GEMM of sgemm.cl (ocl_prepare_decoder.c launches
 * it, biases in its epilogue); here, the attention's own parts.
 * Weights arrive as the one packed buffer w; each part is an offset into
 * it (in floats).
 *
 * Attention: three GEMMs (q, k, v with their biases), mc_attn_rope (RoPE
 * on q in place and on k into the KV cache planes, v copied beside it),
 * mc_attn_core (causal GQA with an online softmax over the cache, a
 * work-group per block of (head, query) pairs on one KV head and span of
 * positions), with more than one
 * span mc_attn_merge, then the GEMM of the output projection with the
 * residual in its epilogue. MLP, three GEMMs: the gate x.Wg, the up
 * projection with silu(gate) * (x.Wu) in its epilogue, then .Wd with the
 * residual.
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

/* Head g's row of position p in the cache planes at ko (floats). */
static size_t mc_kv_at(int ko, int g, int p, int max_seq, int hd)
{
	return (size_t)ko + ((size_t)g * (size_t)max_seq + (size_t)p) * (size_t)hd;
}

/* The projections' outputs (the GEMMs of sgemm.cl, biases added) to
 * where attention reads them: q [seq x heads*hd] rotated in place, k
 * [seq x kv*hd] rotated and v as it is into the cache planes at ko and vo,
 * at position mc_pos(pos, p0) + row; work-items over seq x (heads*hd/2 +
 * kv*hd/2 + kv*hd): q pairs, k pairs, v elements */
__kernel void mc_attn_rope(__global float *q, __global const float *kl,
			   __global const float *vl, __global float *cache,
			   __global const int *pos, int p0, int max_seq,
			   int ko, int vo, int seq, int heads, int kv, int hd)
{
	int nq = heads * hd, nkv = kv * hd, hh = hd / 2;
	int per_row = nq / 2 + nkv / 2 + nkv, g = get_global_id(0);

	if (g < seq * per_row) {
		int row = g / per_row, j = g % per_row, p = mc_pos(pos, p0) + row;

		if (j >= nq / 2 + nkv / 2) {
			int c = j - nq / 2 - nkv / 2;

			cache[mc_kv_at(vo, c / hd, p, max_seq, hd) + c % hd] =
				vl[(size_t)row * nkv + c];
		} else {
			int isk = j >= nq / 2, jj = isk ? j - nq / 2 : j;
			int head = jj / hh, i = jj % hh, c0 = head * hd + i;
			__global const float *src = isk ? kl + (size_t)row * nkv :
				(__global const float *)q + (size_t)row * nq;
			float x0 = src[c0], x1 = src[c0 + hh];
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

/* Work-items of a mc_attn_core group: the keys scored at a time, and the
 * head dimensions each covers (MC_ATTN_MAXHD / MC_ATTN_L at most); the
 * (head, query) pairs a group serves at most. */
#define MC_ATTN_L 64
#define MC_ATTN_T 16
#define MC_ATTN_A (MC_ATTN_MAXHD / MC_ATTN_L)

/*
 * Causal grouped-query attention over the cache, the query at position
 * mc_pos(pos, p0) + row seeing positions up to its own. A group of
 * MC_ATTN_L serves up to MC_ATTN_T (head, query) pairs that read the
 * same KV head, gh of the heads sharing it by qb consecutive queries
 * (the pairs of a decoding step: the heads of one query; of a prompt:
 * a few queries of each), so that each key and value row it reads serves
 * them all. Its positions are a span of whole chunks of MC_ATTN_L keys
 * (n_split spans: a step's few pairs would otherwise leave most compute
 * units idle). Per chunk: each work-item reads one key row (float4
 * runs) and scores it against every pair's query (local memory); per
 * pair the chunk's max rescales the running sum and accumulator (online
 * softmax) and the scores become weights in local memory; then each
 * work-item accumulates its head dimensions over the chunk's value rows
 * (a warp reads whole rows), each value serving every pair. With one
 * split the result goes to o [seq x heads*hd]; with more, each pair's
 * (max, sum, acc[hd]) goes to part for mc_attn_merge. Groups over (KV
 * head, block of gh heads, block of qb queries, split), the split
 * fastest.
 */
__kernel __attribute__((reqd_work_group_size(MC_ATTN_L, 1, 1)))
void mc_attn_core(__global const float *q, __global const float *cache,
		  __global float *o, __global float *part,
		  __global const int *pos, int p0, int max_seq, int ko, int vo,
		  int seq, int heads, int kv, int hd, int gh, int qb,
		  int n_split)
{
	__local float qs[MC_ATTN_T][MC_ATTN_MAXHD], sc[MC_ATTN_T][MC_ATTN_L];
	__local float cmax[MC_ATTN_T];
	const int lid = get_local_id(0), grp = get_group_id(0), nq = heads * hd;
	const int G = heads / kv, n_hb = (G + gh - 1) / gh, n_qb = (seq + qb - 1) / qb;
	const int split = grp % n_split, tile = grp / n_split;
	const int kh = tile / (n_hb * n_qb), hb = tile / n_qb % n_hb;
	const int i0 = tile % n_qb * qb, nqi = min(qb, seq - i0);
	const int h0 = kh * G + hb * gh, nm = min(gh, G - hb * gh) * nqi;
	const int base = mc_pos(pos, p0), n_pos = base + i0 + nqi;
	const int span = ((n_pos + MC_ATTN_L - 1) / MC_ATTN_L + n_split - 1) /
			 n_split * MC_ATTN_L;
	const int begin = split * span, end = min(begin + span, n_pos);
	__global const float *K = cache + mc_kv_at(ko, kh, 0, max_seq, hd);
	__global const float *V = cache + mc_kv_at(vo, kh, 0, max_seq, hd);
	float m[MC_ATTN_T], z[MC_ATTN_T], acc[MC_ATTN_T][MC_ATTN_A];
	const float scale = rsqrt((float)hd);
	/* the dimensions past the first MC_ATTN_L a work-item's (when hd is
	 * larger): the group's alike, so no work is spent on absent ones */
	const int na = (hd + MC_ATTN_L - 1) / MC_ATTN_L;

	/* pair u: head h0 + u / nqi, query i0 + u % nqi */
	for (int e = lid; e < nm * hd; e += MC_ATTN_L) {
		int u = e / hd, c = e % hd;

		qs[u][c] = q[(size_t)(i0 + u % nqi) * nq + (h0 + u / nqi) * hd + c] * scale;
	}
	for (int u = 0; u < MC_ATTN_T; u++) {
		m[u] = -INFINITY;
		z[u] = 0.0f;
		for (int a = 0; a < MC_ATTN_A; a++)
			acc[u][a] = 0.0f;
	}
	for (int c0 = begin; c0 < end; c0 += MC_ATTN_L) {
		const int n = min(MC_ATTN_L, end - c0), j = c0 + lid;
		float s[MC_ATTN_T];

		for (int u = 0; u < MC_ATTN_T; u++)
			s[u] = 0.0f;
		barrier(CLK_LOCAL_MEM_FENCE);   /* qs written, the last chunk read */
		if (lid < n) {
			__global const float *kj = K + (size_t)j * hd;
			int c = 0;

			for (; c + 4 <= hd; c += 4) {
				const float4 k4 = vload4(0, kj + c);

				for (int u = 0; u < MC_ATTN_T; u++)
					if (u < nm)
						s[u] += dot(k4, vload4(0, &qs[u][c]));
			}
			for (; c < hd; c++)
				for (int u = 0; u < MC_ATTN_T; u++)
					if (u < nm)
						s[u] = fma(kj[c], qs[u][c], s[u]);
		}
		/* past the chunk, or after the pair's own position: masked */
		for (int u = 0; u < MC_ATTN_T; u++)
			if (u < nm)
				sc[u][lid] = lid < n && j <= base + i0 + u % nqi ?
					     s[u] : -INFINITY;
		barrier(CLK_LOCAL_MEM_FENCE);
		if (lid < nm) {
			float cm = m[lid];

			for (int t = 0; t < n; t++)
				cm = fmax(cm, sc[lid][t]);
			cmax[lid] = cm;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
		/* a pair that sees none of the chunk keeps its state */
		for (int u = 0; u < MC_ATTN_T; u++)
			if (u < nm && cmax[u] != -INFINITY) {
				const float r = exp(m[u] - cmax[u]);

				m[u] = cmax[u];
				z[u] *= r;
				for (int a = 0; a < MC_ATTN_A; a++)
					acc[u][a] *= r;
			}
		for (int u = 0; u < MC_ATTN_T; u++)
			if (u < nm && lid < n)
				sc[u][lid] = m[u] == -INFINITY ? 0.0f :
					     exp(sc[u][lid] - m[u]);
		barrier(CLK_LOCAL_MEM_FENCE);
		for (int t = 0; t < n; t++) {
			__global const float *vj = V + (size_t)(c0 + t) * hd;
			float v[MC_ATTN_A];

			for (int a = 0; a < MC_ATTN_A; a++)
				v[a] = a < na && lid + a * MC_ATTN_L < hd ?
				       vj[lid + a * MC_ATTN_L] : 0.0f;
			for (int u = 0; u < MC_ATTN_T; u++)
				if (u < nm) {
					const float p = sc[u][t];

					z[u] += p;
					for (int a = 0; a < MC_ATTN_A; a++)
						if (a < na)
							acc[u][a] = fma(p, v[a], acc[u][a]);
				}
		}
	}
	for (int u = 0; u < MC_ATTN_T; u++) {
		const int h = h0 + u / nqi, i = i0 + u % nqi;

		if (u >= nm)
			break;
		if (n_split == 1) {
			for (int a = 0; a < MC_ATTN_A; a++)
				if (lid + a * MC_ATTN_L < hd)
					o[(size_t)i * nq + h * hd + lid + a * MC_ATTN_L] =
						acc[u][a] / z[u];
			continue;
		}
		/* an empty span (a short context) leaves m = -inf, z = 0 */
		__global float *pp = part + ((size_t)(h * seq + i) * n_split + split) *
					    (size_t)(hd + 2);
		if (lid == 0) {
			pp[0] = m[u];
			pp[1] = z[u];
		}
		for (int a = 0; a < MC_ATTN_A; a++)
			if (lid + a * MC_ATTN_L < hd)
				pp[2 + lid + a * MC_ATTN_L] = acc[u][a];
	}
}

/* o [seq x heads*hd] from mc_attn_core's n_split partial results per
 * (head, query): each rescaled to the largest max; over heads x seq x hd
 * work-items. The first span is never empty, so that max is finite. */
__kernel void mc_attn_merge(__global const float *part, __global float *o,
			    int seq, int heads, int hd, int n_split)
{
	int g = get_global_id(0);

	if (g < heads * seq * hd) {
		int hq = g / hd, c = g % hd, h = hq / seq, i = hq % seq;
		__global const float *pp = part + (size_t)hq * n_split * (hd + 2);
		float m = -INFINITY, z = 0.0f, acc = 0.0f;

		for (int s = 0; s < n_split; s++)
			m = fmax(m, pp[(size_t)s * (hd + 2)]);
		for (int s = 0; s < n_split; s++) {
			__global const float *ps = pp + (size_t)s * (hd + 2);
			float f = exp(ps[0] - m);

			z = fma(ps[1], f, z);
			acc = fma(ps[2 + c], f, acc);
		}
		o[(size_t)i * heads * hd + h * hd + c] = acc / z;
	}
}
