/*
 * layer.cl - the attention and MLP sublayers of a Qwen2-style decoder layer
 * on OpenCL (definitions and the packed weight layouts in
 * kernels/ref/decoder.h), a plain baseline: the GEMMs one 4 x 4 output
 * block per work-item read straight from global memory (no local-memory
 * tiling), the projections with RoPE one element pair per work-item.
 * Weights arrive as the one packed buffer w; each part is an offset into
 * it (in floats).
 *
 * Attention, three launches: mc_attn_qkv (the projections with their
 * biases, RoPE on q and k: a work-item computes both elements of a rotated
 * pair), mc_attn_core (causal GQA with an online softmax, one work-item
 * per (head, query)), mc_linear (the output projection). MLP, two:
 * mc_mlp_gate_up (silu(x.Wg) * (x.Wu) per element), mc_linear (.Wd).
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

/* A 4 x 4 block of x [rows x k] . w [k x cols] at rows r0.., columns
 * c0.. (c0 + 4 <= cols; rows past the last are clamped, their results
 * unused): each w row's 4 floats are read once for 4 rows of x. */
static void mc_block4(__global const float *x, __global const float *w,
		      int rows, int k, int cols, int r0, int c0, float4 acc[4])
{
	int ra = min(r0 + 1, rows - 1), rb = min(r0 + 2, rows - 1);
	int rc = min(r0 + 3, rows - 1);
	__global const float *x0 = x + (size_t)r0 * k, *x1 = x + (size_t)ra * k;
	__global const float *x2 = x + (size_t)rb * k, *x3 = x + (size_t)rc * k;

	for (int t = 0; t < 4; t++)
		acc[t] = (float4)(0.0f);
	for (int i = 0; i < k; i++) {
		float4 wv = vload4(0, w + (size_t)i * (size_t)cols + c0);

		acc[0] = fma((float4)(x0[i]), wv, acc[0]);
		acc[1] = fma((float4)(x1[i]), wv, acc[1]);
		acc[2] = fma((float4)(x2[i]), wv, acc[2]);
		acc[3] = fma((float4)(x3[i]), wv, acc[3]);
	}
}

/* y [rows x cols] = x [rows x k] . w[wo..] [k x cols] (+ b[bo..] when bo
 * >= 0), one work-item per 4 x 4 block (cols a multiple of 4) over
 * ceil(rows / 4) x cols / 4 work-items */
__kernel void mc_linear(__global const float *x, __global const float *w,
			__global float *y, int rows, int cols, int k, int wo,
			int bo)
{
	int g = get_global_id(0), nb = cols / 4;

	if (g < (rows + 3) / 4 * nb) {
		int r0 = g / nb * 4, c0 = g % nb * 4;
		float4 acc[4], b = bo >= 0 ? vload4(0, w + bo + c0) : (float4)(0.0f);

		mc_block4(x, w + wo, rows, k, cols, r0, c0, acc);
		for (int t = 0; t < 4 && r0 + t < rows; t++)
			vstore4(acc[t] + b, 0, y + (size_t)(r0 + t) * cols + c0);
	}
}

/* qkv = [q: seq x heads*hd | k: seq x kv*hd | v: seq x kv*hd]; work-items
 * over seq x (heads*hd/2 + kv*hd/2 + kv*hd): q pairs, k pairs, v columns */
__kernel void mc_attn_qkv(__global const float *x, __global const float *w,
			  __global float *qkv, int seq, int hidden, int heads,
			  int kv, int hd, int wq, int bq, int wk, int bk,
			  int wv, int bv)
{
	int nq = heads * hd, nkv = kv * hd, hh = hd / 2;
	int per_row = nq / 2 + nkv / 2 + nkv, g = get_global_id(0);

	if (g < seq * per_row) {
		int p = g / per_row, j = g % per_row;
		__global const float *xr = x + (size_t)p * (size_t)hidden;

		if (j >= nq / 2 + nkv / 2) {
			int c = j - nq / 2 - nkv / 2;

			qkv[(size_t)seq * (nq + nkv) + (size_t)p * nkv + c] =
				mc_dot_col(xr, w + wv, hidden, nkv, c) + w[bv + c];
		} else {
			int isk = j >= nq / 2, jj = isk ? j - nq / 2 : j;
			int cols = isk ? nkv : nq, wo = isk ? wk : wq, bo = isk ? bk : bq;
			int head = jj / hh, i = jj % hh, c0 = head * hd + i, c1 = c0 + hh;
			float x0 = mc_dot_col(xr, w + wo, hidden, cols, c0) + w[bo + c0];
			float x1 = mc_dot_col(xr, w + wo, hidden, cols, c1) + w[bo + c1];
			float a = (float)p * pow(MC_LAYER_ROPE_BASE, -2.0f * (float)i / (float)hd);
			float cs = cos(a), sn = sin(a);
			__global float *dst = qkv + (isk ? (size_t)seq * nq : 0) +
					      (size_t)p * cols;

			dst[c0] = x0 * cs - x1 * sn;
			dst[c1] = x1 * cs + x0 * sn;
		}
	}
}

/* o [seq x heads*hd]: causal attention of each (head, query) over the
 * qkv buffer of mc_attn_qkv, one work-item each, online softmax */
__kernel void mc_attn_core(__global const float *qkv, __global float *o,
			   int seq, int heads, int kv, int hd)
{
	int g = get_global_id(0), nq = heads * hd, nkv = kv * hd;

	if (g < heads * seq) {
		int h = g / seq, i = g % seq, kh = h / (heads / kv);
		__global const float *q = qkv + (size_t)i * nq + h * hd;
		__global const float *K = qkv + (size_t)seq * nq + kh * hd;
		__global const float *V = K + (size_t)seq * nkv;
		float qv[MC_ATTN_MAXHD], acc[MC_ATTN_MAXHD];
		float scale = rsqrt((float)hd), m = -INFINITY, z = 0.0f;

		for (int c = 0; c < hd; c++) {
			qv[c] = q[c] * scale;
			acc[c] = 0.0f;
		}
		for (int j = 0; j <= i; j++) {
			__global const float *kj = K + (size_t)j * nkv;
			__global const float *vj = V + (size_t)j * nkv;
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

/* h [rows x mlp] = silu(x.Wg) * (x.Wu), one work-item per 4 x 4 block
 * (mlp a multiple of 4) */
__kernel void mc_mlp_gate_up(__global const float *x, __global const float *w,
			     __global float *h, int rows, int hidden, int mlp,
			     int wg, int wu)
{
	int g = get_global_id(0), nb = mlp / 4;

	if (g < (rows + 3) / 4 * nb) {
		int r0 = g / nb * 4, c0 = g % nb * 4;
		float4 z[4], u[4];

		mc_block4(x, w + wg, rows, hidden, mlp, r0, c0, z);
		mc_block4(x, w + wu, rows, hidden, mlp, r0, c0, u);
		for (int t = 0; t < 4 && r0 + t < rows; t++)
			vstore4(z[t] / (1.0f + exp(-z[t])) * u[t], 0,
				h + (size_t)(r0 + t) * mlp + c0);
	}
}
