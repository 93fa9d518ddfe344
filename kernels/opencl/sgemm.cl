/*
 * sgemm.cl - C[m x n] = A[m x k] . B[k x n], all row-major, FP32.
 *
 * A 16 x 16 work-group computes a (16*WPT) x (16*WPT) tile of C, each
 * work-item a WPT x WPT block held in registers: rows ty + 16*i and
 * columns tx + 16*j, so that stores are coalesced and local-memory reads
 * are broadcast or conflict-free. Slices of MC_GK columns of A (stored
 * transposed, padded against bank conflicts) and MC_GK rows of B are staged
 * in local memory; out-of-range elements load as zero, so any m, n, k work.
 * Two instances: tile 64 (WPT 4) for small grids, 128 (WPT 8) for large.
 */

#define MC_SGEMM_KERNEL(NAME, WPT)                                            \
__kernel __attribute__((reqd_work_group_size(16, 16, 1)))                    \
void NAME(int m, int n, int k, __global const float *A,                      \
	  __global const float *B, __global float *C)                        \
{                                                                            \
	__local float As[MC_GK][16 * WPT + 1];                               \
	__local float Bs[MC_GK][16 * WPT];                                   \
	const int tx = get_local_id(0), ty = get_local_id(1);                \
	const int t = ty * 16 + tx;                                          \
	const int row0 = get_group_id(1) * (16 * WPT);                       \
	const int col0 = get_group_id(0) * (16 * WPT);                       \
	float acc[WPT][WPT];                                                 \
                                                                             \
	for (int i = 0; i < WPT; i++)                                        \
		for (int j = 0; j < WPT; j++)                                \
			acc[i][j] = 0.0f;                                    \
	for (int k0 = 0; k0 < k; k0 += MC_GK) {                              \
		for (int l = 0; l < WPT * MC_GK / 16; l++) {                 \
			const int idx = t + l * 256;                         \
			const int ar = idx / MC_GK, ac = idx % MC_GK;        \
			const int br = idx / (16 * WPT);                     \
			const int bc = idx % (16 * WPT);                     \
			const int gar = row0 + ar, gac = k0 + ac;            \
			const int gbr = k0 + br, gbc = col0 + bc;            \
			As[ac][ar] = (gar < m && gac < k) ?                  \
				A[gar * k + gac] : 0.0f;                     \
			Bs[br][bc] = (gbr < k && gbc < n) ?                  \
				B[gbr * n + gbc] : 0.0f;                     \
		}                                                            \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
		for (int kk = 0; kk < MC_GK; kk++) {                         \
			float a[WPT], b[WPT];                                \
			for (int i = 0; i < WPT; i++)                        \
				a[i] = As[kk][ty + 16 * i];                  \
			for (int j = 0; j < WPT; j++)                        \
				b[j] = Bs[kk][tx + 16 * j];                  \
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
			if (r < m && c < n)                                  \
				C[r * n + c] = acc[i][j];                    \
		}                                                            \
	}                                                                    \
}

MC_SGEMM_KERNEL(mc_sgemm_64, 4)
MC_SGEMM_KERNEL(mc_sgemm_128, 8)
