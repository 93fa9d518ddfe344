/*
 * bert.cl - the BERT sentence encoder of kernels/ref/bert.h on OpenCL:
 * embedding + LayerNorm, the projections x W^T + b with their epilogues,
 * attention with the key mask, residual LayerNorm, and masked mean pooling
 * with the L2 normalisation. The packed weight buffers arrive whole; each
 * part is an offset into its buffer (in floats), as bert_emb_split and
 * bert_layer_split lay them out.
 *
 * An encoder layer is seven launches (ocl_prepare_bert.c):
 *   qkv = x [Wq;Wk;Wv]^T + b    mc_bert_gemm (z = 0, 1, 2: the three
 *                               projections in one launch)
 *   a   = attention(qkv, mask)  mc_bert_attn_32 / _64
 *   y   = x + a Wo^T + bo       mc_bert_gemm, residual epilogue
 *   x1  = LN(y) g1 + b1         mc_bert_ln
 *   h   = gelu(x1 Wi^T + bi)    mc_bert_gemm, gelu epilogue
 *   y   = x1 + h Wo2^T + bo2    mc_bert_gemm, residual epilogue
 *   x   = LN(y) g2 + b2         mc_bert_ln
 * with mc_bert_embed before the first and mc_bert_pool after the last.
 * Token ids and the mask are floats holding integers (the workload's
 * format), read as (buffer, offset) so that embed can upload both in one
 * write. Row lengths (hidden, mlp) are multiples of 4 (checked by the
 * prepare), so rows and weight parts are 16-byte aligned float4 arrays.
 */

/* float4 per work-item of the row kernels (embed, ln): a row of hidden
 * floats stays in registers when hidden <= 16 * MC_BERT_NV * local size. */
#define MC_BERT_NV 8
/* Keys staged in local memory per step of the attention kernel. */
#define MC_BERT_KC 64

/* y (a row of nvec float4) = LN(v) * g + b, v spread as v[j] = element
 * lid + j * local size; every work-item of the group calls it. */
static void mc_bert_ln_row(float4 *v, int nvec, int cols,
			   __global const float *g, __global const float *b,
			   __global float *y, float eps, __local float *scratch)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	float s = 0.0f, q = 0.0f, mean, rstd;

	for (int j = 0; j < MC_BERT_NV; j++)
		if (lid + j * nl < nvec)
			s += mc_hsum4(v[j]);
	mean = mc_wg_sum(s, scratch) / (float)cols;
	/* two passes, as the reference: the variance of x - mean */
	for (int j = 0; j < MC_BERT_NV; j++)
		if (lid + j * nl < nvec) {
			float4 d = v[j] - mean;

			q += mc_hsum4(d * d);
		}
	rstd = rsqrt(mc_wg_sum(q, scratch) / (float)cols + eps);
	for (int j = 0; j < MC_BERT_NV; j++) {
		int i = lid + j * nl;

		if (i < nvec)
			((__global float4 *)y)[i] = (v[j] - mean) * rstd *
				vload4(i, g) + vload4(i, b);
	}
}

/* x [tokens x hidden]: one work-group per token t = b * seq + p,
 * x[t] = LN(word[id] + pos[p] + type[0]) ge + be. Ids outside the
 * vocabulary are clamped: a bad input must not read past the table. */
__kernel void mc_bert_embed(__global const float *ids, int ids_off,
			    __global const float *emb, int vocab, int seq,
			    int hidden, int pos_off, int type_off, int ge_off,
			    int be_off, __global float *x, float eps,
			    __local float *scratch)
{
	const int t = get_group_id(0), lid = get_local_id(0);
	const int nl = get_local_size(0), nvec = hidden / 4;
	int id = clamp((int)ids[ids_off + t], 0, vocab - 1);
	__global const float4 *w = (__global const float4 *)(emb +
						(size_t)id * hidden);
	__global const float4 *p = (__global const float4 *)(emb + pos_off +
						(size_t)(t % seq) * hidden);
	__global const float4 *ty = (__global const float4 *)(emb + type_off);
	float4 v[MC_BERT_NV];

	for (int j = 0; j < MC_BERT_NV; j++) {
		int i = lid + j * nl;

		v[j] = i < nvec ? w[i] + p[i] + ty[i] : (float4)(0.0f);
	}
	mc_bert_ln_row(v, nvec, hidden, emb + ge_off, emb + be_off,
		       x + (size_t)t * hidden, eps, scratch);
}

/* x [rows x hidden] = LN(y) g + b, g and b at offsets into w; one
 * work-group per row. */
__kernel void mc_bert_ln(__global const float *y, __global const float *w,
			 int hidden, int g_off, int b_off, __global float *x,
			 float eps, __local float *scratch)
{
	const int r = get_group_id(0), lid = get_local_id(0);
	const int nl = get_local_size(0), nvec = hidden / 4;
	__global const float4 *yr = (__global const float4 *)(y +
						(size_t)r * hidden);
	float4 v[MC_BERT_NV];

	for (int j = 0; j < MC_BERT_NV; j++) {
		int i = lid + j * nl;

		v[j] = i < nvec ? yr[i] : (float4)(0.0f);
	}
	mc_bert_ln_row(v, nvec, hidden, w + g_off, w + b_off,
		       x + (size_t)r * hidden, eps, scratch);
}

/*
 * C [m x n] = A [m x k] W^T + b, W [n x k] at w + wo, b at w + bo, then
 * epi 1: gelu (the exact one, erf), epi 2: + R [m x n] (the residual).
 * Group z of the third dimension computes the z-th of several such
 * products laid zs floats apart in w (weights and bias) and m * n apart
 * in C: the q, k and v projections in one launch.
 *
 * The tiling of sgemm.cl: a 16 x 16 work-group computes a (16*WPT)^2 tile
 * of C, each work-item WPT x WPT outputs at rows ty + 16 i, columns
 * tx + 16 j (coalesced stores, conflict-free local reads). Both A and W
 * are read along k, so both slices of MC_GK are staged transposed in
 * local memory, loaded as float4 (k % 4 == 0); out of range loads zero.
 */
#define MC_BERT_GEMM(NAME, WPT)                                               \
__kernel __attribute__((reqd_work_group_size(16, 16, 1)))                    \
void NAME(int m, int n, int k, __global const float *A,                      \
	  __global const float *w, int wo, int bo, int zs,                   \
	  __global const float *R, int epi, __global float *C)               \
{                                                                            \
	__local float As[MC_GK][16 * WPT + 1];                               \
	__local float Ws[MC_GK][16 * WPT + 1];                               \
	const int tx = get_local_id(0), ty = get_local_id(1);                \
	const int t = ty * 16 + tx, z = get_group_id(2);                     \
	const int row0 = get_group_id(1) * (16 * WPT);                       \
	const int col0 = get_group_id(0) * (16 * WPT);                       \
	__global const float *W = w + wo + (size_t)z * zs;                   \
	__global const float *bias = w + bo + (size_t)z * zs;                \
	float acc[WPT][WPT];                                                 \
                                                                             \
	C += (size_t)z * m * n;                                              \
	for (int i = 0; i < WPT; i++)                                        \
		for (int j = 0; j < WPT; j++)                                \
			acc[i][j] = 0.0f;                                    \
	for (int k0 = 0; k0 < k; k0 += MC_GK) {                              \
		for (int l = 0; l < WPT / 4; l++) {                          \
			const int idx = t + l * 256;                         \
			const int r = idx / (MC_GK / 4);                     \
			const int c = idx % (MC_GK / 4) * 4;                 \
			const int gk = k0 + c;                               \
			float4 a = (float4)(0.0f), b = (float4)(0.0f);       \
                                                                             \
			if (row0 + r < m && gk < k)                          \
				a = *(__global const float4 *)(A +           \
					(size_t)(row0 + r) * k + gk);        \
			if (col0 + r < n && gk < k)                          \
				b = *(__global const float4 *)(W +           \
					(size_t)(col0 + r) * k + gk);        \
			As[c][r] = a.x; As[c + 1][r] = a.y;                  \
			As[c + 2][r] = a.z; As[c + 3][r] = a.w;              \
			Ws[c][r] = b.x; Ws[c + 1][r] = b.y;                  \
			Ws[c + 2][r] = b.z; Ws[c + 3][r] = b.w;              \
		}                                                            \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
		for (int kk = 0; kk < MC_GK; kk++) {                         \
			float a[WPT], b[WPT];                                \
			for (int i = 0; i < WPT; i++)                        \
				a[i] = As[kk][ty + 16 * i];                  \
			for (int j = 0; j < WPT; j++)                        \
				b[j] = Ws[kk][tx + 16 * j];                  \
			for (int i = 0; i < WPT; i++)                        \
				for (int j = 0; j < WPT; j++)                \
					acc[i][j] = fma(a[i], b[j],          \
							acc[i][j]);          \
		}                                                            \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
	}                                                                    \
	for (int i = 0; i < WPT; i++) {                                      \
		const int r = row0 + ty + 16 * i;                            \
		for (int j = 0; j < WPT; j++) {                              \
			const int c = col0 + tx + 16 * j;                    \
			if (r < m && c < n) {                                \
				size_t o = (size_t)r * n + c;                \
				float v = acc[i][j] + bias[c];               \
                                                                             \
				if (epi == 1)                                \
					v = 0.5f * v * (1.0f +               \
						erf(v * M_SQRT1_2_F));       \
				else if (epi == 2)                           \
					v += R[o];                           \
				C[o] = v;                                    \
			}                                                    \
		}                                                            \
	}                                                                    \
}

MC_BERT_GEMM(mc_bert_gemm_64, 4)
MC_BERT_GEMM(mc_bert_gemm_128, 8)

/*
 * a [tokens x hidden] = per sequence b and head h, softmax(q k^T / sqrt(HD)
 * + mask) v over qkv = [q | k | v], each [tokens x hidden]. Work-groups
 * over (query blocks of the local size) x (batch * heads), a work-item per
 * query holding its q and its output row in registers (float4: HD / 4
 * vector reads of each key from local memory); the group stages
 * MC_BERT_KC keys and values of its head at a time in local memory (every
 * work-item then reads the same key: a broadcast) and each work-item runs
 * an online softmax over them, so any seq fits in fixed local memory.
 * Work-items past seq load the last query (their result is not stored)
 * so that the whole group reaches the barriers.
 * Masked keys are skipped (weight 0, as the reference's -inf); the branch
 * is the same for the whole group. Queries of padded positions are
 * computed like the others (pooling gives them weight 0).
 */
#define MC_BERT_ATTN(NAME, HD)                                                \
__kernel void NAME(__global const float *qkv, __global const float *mask,    \
		   int mask_off, __global float *a, int seq, int hidden,     \
		   int heads, int tokens)                                    \
{                                                                            \
	__local float4 Ks[MC_BERT_KC * HD / 4], Vs[MC_BERT_KC * HD / 4];     \
	__local float mk[MC_BERT_KC];                                        \
	const int lid = get_local_id(0), nl = get_local_size(0);             \
	const int i = get_global_id(0), bh = get_group_id(1);                \
	const int b = bh / heads, h = bh % heads;                            \
	const size_t row0 = (size_t)b * seq;                                 \
	__global const float *K = qkv + (size_t)tokens * hidden +            \
				  row0 * hidden + h * HD;                    \
	__global const float *V = K + (size_t)tokens * hidden;               \
	__global const float *qr = qkv + (row0 + min(i, seq - 1)) * hidden + \
				   h * HD;                                   \
	const float scale = rsqrt((float)HD);                                \
	float4 q[HD / 4], acc[HD / 4];                                       \
	float m = -INFINITY, z = 0.0f;                                       \
                                                                             \
	for (int c = 0; c < HD / 4; c++) {                                   \
		q[c] = ((__global const float4 *)qr)[c] * scale;              \
		acc[c] = (float4)(0.0f);                                     \
	}                                                                    \
	for (int j0 = 0; j0 < seq; j0 += MC_BERT_KC) {                       \
		const int nk = min(MC_BERT_KC, seq - j0);                    \
                                                                             \
		for (int e = lid; e < nk * HD / 4; e += nl) {                \
			size_t g = (size_t)(j0 + e / (HD / 4)) * hidden +    \
				   e % (HD / 4) * 4;                         \
                                                                             \
			Ks[e] = *(__global const float4 *)(K + g);           \
			Vs[e] = *(__global const float4 *)(V + g);           \
		}                                                            \
		for (int e = lid; e < nk; e += nl)                           \
			mk[e] = mask[mask_off + row0 + j0 + e];              \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
		for (int jj = 0; jj < nk; jj++) {                            \
			__local const float4 *kj = Ks + jj * (HD / 4);       \
			__local const float4 *vj = Vs + jj * (HD / 4);       \
			float4 d4 = (float4)(0.0f);                          \
			float d, e;                                          \
                                                                             \
			if (mk[jj] == 0.0f)                                  \
				continue;                                    \
			/* four independent chains, not one of HD */         \
			for (int c = 0; c < HD / 4; c++)                     \
				d4 = fma(q[c], kj[c], d4);                   \
			d = mc_hsum4(d4);                                    \
			if (d > m) {                                         \
				float r = exp(m - d);                        \
                                                                             \
				z *= r;                                      \
				for (int c = 0; c < HD / 4; c++)             \
					acc[c] *= r;                         \
				m = d;                                       \
			}                                                    \
			e = exp(d - m);                                      \
			z += e;                                              \
			for (int c = 0; c < HD / 4; c++)                     \
				acc[c] = fma((float4)(e), vj[c], acc[c]);    \
		}                                                            \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
	}                                                                    \
	if (i < seq) {                                                       \
		float rz = z > 0.0f ? 1.0f / z : 0.0f;                       \
		__global float *o = a + (row0 + i) * hidden + h * HD;        \
                                                                             \
		for (int c = 0; c < HD / 4; c++)                             \
			((__global float4 *)o)[c] = acc[c] * rz;             \
	}                                                                    \
}

MC_BERT_ATTN(mc_bert_attn_32, 32)
MC_BERT_ATTN(mc_bert_attn_64, 64)

/* out [batch x hidden]: one work-group (power-of-two size) per sequence b,
 * e = sum_p mask[p] x[p] / max(sum_p mask[p], 1e-9), out = e / max(|e|,
 * 1e-12). Each work-item owns columns lid, lid + nl ...: it writes e
 * there, then rescales what it wrote itself (no barrier needed). */
__kernel void mc_bert_pool(__global const float *x, __global const float *mask,
			   int mask_off, __global float *out, int seq,
			   int hidden, __local float *scratch)
{
	const int b = get_group_id(0), lid = get_local_id(0);
	const int nl = get_local_size(0);
	__global const float *mr = mask + mask_off + (size_t)b * seq;
	__global const float *xb = x + (size_t)b * seq * hidden;
	__global float *o = out + (size_t)b * hidden;
	float cnt = 0.0f, ss = 0.0f, rn;

	for (int p = 0; p < seq; p++)
		cnt += mr[p];
	cnt = 1.0f / fmax(cnt, 1e-9f);
	for (int c = lid; c < hidden; c += nl) {
		float e = 0.0f;

		for (int p = 0; p < seq; p++) {
			float mp = mr[p];

			if (mp != 0.0f)
				e = fma(mp, xb[(size_t)p * hidden + c], e);
		}
		e *= cnt;
		o[c] = e;
		ss = fma(e, e, ss);
	}
	rn = 1.0f / fmax(sqrt(mc_wg_sum(ss, scratch)), 1e-12f);
	for (int c = lid; c < hidden; c += nl)
		o[c] *= rn;
}
