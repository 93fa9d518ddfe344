/*
 * lora.cl - LoRA forward, y = x.W + s * (x.A).B for T tokens:
 * x[T x in], W[in x out], A[in x rank], B[rank x out], all row-major.
 *
 * mc_lora_fused is the 64-tile sgemm of sgemm.cl (16 x 16 work-items, 4 x 4
 * outputs each) for x.W, extended: while the slices of x pass through local
 * memory it also accumulates the tile's 64 rows of x.A (rank <= MC_LORA_RMAX;
 * work-item t owns row t / 4, ranks t % 4 + 4u), keeps s * x.A in local
 * memory, and adds its product with B in the epilogue, B staged 16 ranks at
 * a time. The fixed-count loops carry #pragma unroll so that the private
 * arrays stay in registers. Each column tile recomputes x.A for its rows:
 * rank / 64 extra work relative to x.W, the price of one kernel and no
 * intermediate buffer; and it is held to the 64 tile. On the H100 it was
 * 1.6x slower than the unfused variant at 2048 tokens (in = out = 1024,
 * rank 16) and even at 64 tokens (in = out = 4096). mc_axpy serves the
 * unfused variant (three sgemm and y += s * t).
 */

#define MC_LORA_RMAX 64
#define MC_LORA_NXA (MC_LORA_RMAX / 4)

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void mc_lora_fused(int tokens, int in, int out, int rank, float scale,
		   __global const float *x, __global const float *W,
		   __global const float *A, __global const float *B,
		   __global float *y)
{
	__local float Xs[MC_GK][64 + 1];
	__local float Ws[MC_GK][64];
	__local float As[MC_GK][MC_LORA_RMAX];
	__local float XA[64][MC_LORA_RMAX + 1];
	const int tx = get_local_id(0), ty = get_local_id(1);
	const int t = ty * 16 + tx;
	const int row0 = get_group_id(1) * 64, col0 = get_group_id(0) * 64;
	const int xr = t >> 2, xq = t & 3;
	float acc[4][4], xa[MC_LORA_NXA];

#pragma unroll
	for (int i = 0; i < 4; i++)
#pragma unroll
		for (int j = 0; j < 4; j++)
			acc[i][j] = 0.0f;
#pragma unroll
	for (int u = 0; u < MC_LORA_NXA; u++)
		xa[u] = 0.0f;

	for (int k0 = 0; k0 < in; k0 += MC_GK) {
#pragma unroll
		for (int l = 0; l < 4; l++) {
			const int idx = t + l * 256;
			const int lr = idx / MC_GK, lc = idx % MC_GK;
			const int wr = idx / 64, wc = idx % 64;
			const int gxr = row0 + lr, gxc = k0 + lc;
			const int gwr = k0 + wr, gwc = col0 + wc;

			Xs[lc][lr] = (gxr < tokens && gxc < in) ?
				x[gxr * in + gxc] : 0.0f;
			Ws[wr][wc] = (gwr < in && gwc < out) ?
				W[gwr * out + gwc] : 0.0f;
		}
		for (int idx = t; idx < MC_GK * rank; idx += 256) {
			const int ar = idx / rank, ac = idx % rank;

			As[ar][ac] = k0 + ar < in ? A[(k0 + ar) * rank + ac] :
				     0.0f;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
#pragma unroll
		for (int kk = 0; kk < MC_GK; kk++) {
			const float xv = Xs[kk][xr];
			float a[4], b[4];

#pragma unroll
			for (int i = 0; i < 4; i++)
				a[i] = Xs[kk][ty + 16 * i];
#pragma unroll
			for (int j = 0; j < 4; j++)
				b[j] = Ws[kk][tx + 16 * j];
#pragma unroll
			for (int i = 0; i < 4; i++)
#pragma unroll
				for (int j = 0; j < 4; j++)
					acc[i][j] = fma(a[i], b[j], acc[i][j]);
#pragma unroll
			for (int u = 0; u < MC_LORA_NXA; u++)
				if (xq + 4 * u < rank)
					xa[u] = fma(xv, As[kk][xq + 4 * u],
						    xa[u]);
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}

#pragma unroll
	for (int u = 0; u < MC_LORA_NXA; u++)
		if (xq + 4 * u < rank)
			XA[xr][xq + 4 * u] = scale * xa[u];
	for (int q0 = 0; q0 < rank; q0 += MC_GK) {
		const int nq = rank - q0 < MC_GK ? rank - q0 : MC_GK;

#pragma unroll
		for (int l = 0; l < 4; l++) {
			const int idx = t + l * 256;
			const int br = idx / 64, bc = idx % 64;
			const int gbr = q0 + br, gbc = col0 + bc;

			Ws[br][bc] = (gbr < rank && gbc < out) ?
				B[gbr * out + gbc] : 0.0f;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
		for (int qq = 0; qq < nq; qq++) {
			float a[4], b[4];

#pragma unroll
			for (int i = 0; i < 4; i++)
				a[i] = XA[ty + 16 * i][q0 + qq];
#pragma unroll
			for (int j = 0; j < 4; j++)
				b[j] = Ws[qq][tx + 16 * j];
#pragma unroll
			for (int i = 0; i < 4; i++)
#pragma unroll
				for (int j = 0; j < 4; j++)
					acc[i][j] = fma(a[i], b[j], acc[i][j]);
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}

	for (int i = 0; i < 4; i++) {
		const int r = row0 + ty + 16 * i;

		for (int j = 0; j < 4; j++) {
			const int c = col0 + tx + 16 * j;

			if (r < tokens && c < out)
				y[r * out + c] = acc[i][j];
		}
	}
}

/* y[i] += s * t[i] for i < n. */
__kernel void mc_axpy(__global float *y, __global const float *t, float s,
		      int n)
{
	const int i = get_global_id(0);

	if (i < n)
		y[i] = fma(s, t[i], y[i]);
}
