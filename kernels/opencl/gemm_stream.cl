/*
 * gemm_stream.cl - the GEMM kernels for few rows: LoRA forward at 64 tokens
 * (variant "splitk" of lora_forward) and the skinny sgemm shapes (variant
 * "skinny" of sgemm). All matrices row-major, FP32.
 *
 * At 64 rows a product x[m x k] . W[k x n] has too few output tiles to fill
 * a GPU (2048 columns are 32 tiles of 64 for 132 compute units), so
 * mc_gemm_splitk also splits k: group (j, i + row_tiles * s) computes the
 * 64 x 64 tile (i, j) of the partial product over k slice s, into
 * P[s][m][ncat]. Column tiles past those of B1 (n1 columns) read B2 (n2
 * columns) instead, so that one launch computes x.W and x.A of LoRA side by
 * side: P's columns are [x.W | x.A]. Each slice of W is loaded once per
 * group with float4 loads (a 16 x 64 slice is one float4 per work-item) and
 * reused from local memory by all 64 rows; work-item (tx, ty) owns rows
 * ty + 16i (i < 4) and the float4 of columns 4tx, so the partials are
 * written as coalesced float4. Out-of-range elements load as zero.
 *
 * mc_gemm_epilogue then sums the S partials: y = sum_s P_W + (scale * sum_s
 * P_A) . B for LoRA (n2 = rank), plain C = sum_s P for a split sgemm
 * (n2 = 0).
 *
 * mc_gemm_rowdot (n <= MC_ROWDOT_NMAX: 64 x 8 x k) and mc_gemm_direct
 * (small k: 64 x 1024 x 8) are single launches for shapes that launch
 * overhead, not the arithmetic, bounds.
 */

#define MC_ST 64                 /* tile of mc_gemm_splitk: 64 x 64 */
#define MC_ROWDOT_NMAX 16

__kernel __attribute__((reqd_work_group_size(16, 16, 1)))
void mc_gemm_splitk(int m, int k, int kc, int row_tiles,
		    __global const float *A,
		    __global const float *B1, int n1, int ct1,
		    __global const float *B2, int n2,
		    __global float *P, int ncat)
{
	__local float Xs[MC_GK][MC_ST + 1];
	__local float4 Ws[MC_GK][MC_ST / 4];
	const int tx = get_local_id(0), ty = get_local_id(1);
	const int t = ty * 16 + tx;
	const int tile = get_group_id(0);
	const int it = get_group_id(1) % row_tiles;
	const int s = get_group_id(1) / row_tiles;
	const int row0 = it * MC_ST;
	const int second = tile >= ct1;
	__global const float *B = second ? B2 : B1;
	const int nb = second ? n2 : n1;
	const int col0 = (second ? tile - ct1 : tile) * MC_ST;
	const int pc0 = second ? n1 + col0 : col0;   /* column in P */
	const int kb = s * kc;
	const int ke = kb + kc < k ? kb + kc : k;
	const int alA = (k & 3) == 0, alB = (nb & 3) == 0;
	/* the work-item's loads: x row t/4, k 4(t%4); W k-row t/16, col 4(t%16) */
	const int xr = t >> 2, xk = (t & 3) * 4;
	const int wr = t >> 4, wc = (t & 15) * 4;
	float4 acc[4], xv, wv;

#pragma unroll
	for (int i = 0; i < 4; i++)
		acc[i] = (float4)(0.0f);
	/* The next step's x and W are loaded into registers before this
	 * step's arithmetic, so their latency overlaps it: at two groups
	 * per compute unit a load issued only after the barrier leaves the
	 * unit idle for a whole memory round trip every 16 k. */
	xv = mc_ld4(A, k, m, ke, row0 + xr, kb + xk, alA);
	wv = kb + wr < ke ? mc_ld4(B, nb, ke, nb, kb + wr, col0 + wc, alB) :
			    (float4)(0.0f);
	for (int k0 = kb; k0 < ke; k0 += MC_GK) {
		const int kn = k0 + MC_GK;

		Xs[xk + 0][xr] = xv.x;
		Xs[xk + 1][xr] = xv.y;
		Xs[xk + 2][xr] = xv.z;
		Xs[xk + 3][xr] = xv.w;
		Ws[wr][wc >> 2] = wv;
		barrier(CLK_LOCAL_MEM_FENCE);
		if (kn < ke) {
			xv = mc_ld4(A, k, m, ke, row0 + xr, kn + xk, alA);
			wv = kn + wr < ke ?
				mc_ld4(B, nb, ke, nb, kn + wr, col0 + wc, alB) :
				(float4)(0.0f);
		}
#pragma unroll
		for (int kk = 0; kk < MC_GK; kk++) {
			const float4 b = Ws[kk][tx];

#pragma unroll
			for (int i = 0; i < 4; i++)
				acc[i] = fma((float4)(Xs[kk][ty + 16 * i]), b,
					     acc[i]);
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	for (int i = 0; i < 4; i++) {
		const int r = row0 + ty + 16 * i;
		const int c = col0 + 4 * tx;
		__global float *q = P + ((size_t)s * m + r) * ncat + pc0 + 4 * tx;

		if (r >= m)
			continue;
		if (c + 3 < nb) {
			vstore4(acc[i], 0, q);
		} else {
			if (c < nb)
				q[0] = acc[i].x;
			if (c + 1 < nb)
				q[1] = acc[i].y;
			if (c + 2 < nb)
				q[2] = acc[i].z;
		}
	}
}

/* Group (cb, r) of local size L: y[r][c] for c in cb*L .. cb*L + L - 1,
 * y = sum_s P[s][r][c] + sum_q xa[q] * B[q][c], xa[q] = scale * sum_s
 * P[s][r][n1 + q] (q < n2, staged in xa, n2 floats, at least one). */
__kernel void mc_gemm_epilogue(int m, int n1, int n2, int S, float scale,
			       __global const float *P, int ncat,
			       __global const float *B, __global float *y,
			       __local float *xa)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	const int r = get_group_id(1);
	const int c = get_group_id(0) * nl + lid;
	const size_t sm = (size_t)m * ncat;
	__global const float *pr = P + (size_t)r * ncat;
	float v = 0.0f;

	for (int q = lid; q < n2; q += nl) {
		float a = 0.0f;

		for (int s = 0; s < S; s++)
			a += pr[s * sm + n1 + q];
		xa[q] = scale * a;
	}
	barrier(CLK_LOCAL_MEM_FENCE);
	if (c >= n1)
		return;
	for (int s = 0; s < S; s++)
		v += pr[s * sm + c];
	for (int q = 0; q < n2; q++)
		v = fma(xa[q], B[(size_t)q * n1 + c], v);
	y[(size_t)r * n1 + c] = v;
}

/* C[m x n] = A . B for n <= MC_ROWDOT_NMAX: one group per row of A; each
 * work-item accumulates every column over k = lid, lid + L, ... (A's row
 * read coalesced, B's rows of n floats contiguous), then one tree over the
 * group reduces all n columns at once in red[n][L] (n * L floats). */
__kernel void mc_gemm_rowdot(int n, int k, __global const float *A,
			     __global const float *B, __global float *C,
			     __local float *red)
{
	const int lid = get_local_id(0), nl = get_local_size(0);
	const int r = get_group_id(0);
	__global const float *ar = A + (size_t)r * k;
	float acc[MC_ROWDOT_NMAX];

#pragma unroll
	for (int j = 0; j < MC_ROWDOT_NMAX; j++)
		acc[j] = 0.0f;
	for (int kk = lid; kk < k; kk += nl) {
		const float a = ar[kk];
		__global const float *br = B + (size_t)kk * n;

#pragma unroll
		for (int j = 0; j < MC_ROWDOT_NMAX; j++)
			if (j < n)
				acc[j] = fma(a, br[j], acc[j]);
	}
	for (int j = 0; j < n; j++)
		red[j * nl + lid] = acc[j];
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int o = nl / 2; o > 0; o >>= 1) {
		if (lid < o)
			for (int j = 0; j < n; j++)
				red[j * nl + lid] += red[j * nl + lid + o];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	for (int j = lid; j < n; j += nl)        /* n may exceed L */
		C[(size_t)r * n + j] = red[j * nl];
}

/* C[m x n] = A . B for small k: one work-item per element (global n x m),
 * B's rows read coalesced, A's row a broadcast. */
__kernel void mc_gemm_direct(int m, int n, int k, __global const float *A,
			     __global const float *B, __global float *C)
{
	const int c = get_global_id(0), r = get_global_id(1);
	__global const float *ar = A + (size_t)r * k;
	float v = 0.0f;

	if (c >= n || r >= m)
		return;
	for (int kk = 0; kk < k; kk++)
		v = fma(ar[kk], B[(size_t)kk * n + c], v);
	C[(size_t)r * n + c] = v;
}
