/*
 * sgemm.cl - the general GEMMs: C[m x n] = A[m x k] . B[k x n] with an
 * epilogue, all row-major, FP32. Used by sgemm (variant "own"), LoRA's
 * unfused launches and every linear layer of the decoder kernels.
 *
 * B is read from float bo of its buffer (a part of a packed weight
 * buffer). The epilogue, per element, with acc the product:
 *   MC_EPI_NONE  C = acc (+ bias)
 *   MC_EPI_ADD   C = acc (+ bias) + R        (a residual; R may be C)
 *   MC_EPI_GLU   C = silu(R) * (acc (+ bias)) (R the gate: SwiGLU)
 *   MC_EPI_GLU2  C = silu(acc) * acc2, acc2 the product with a second
 *                B from bo2 (mc_gemv only: gate and up in one pass)
 * bias[biaso + column] is added when bias is not NULL. R has C's shape.
 *
 * mc_sgemm_64 and mc_sgemm_128: a 16 x 16 work-group computes a TS x TS
 * tile of C (TS = 64 H, H = 1 or 2), each work-item 4 H x 4 H elements in
 * registers: rows 4 ty + 64 h + i and columns 4 tx + 64 g + j (h, g < H,
 * i, j < 4), so that its slices of A and B are float4 reads of local
 * memory (a warp's A reads are two addresses, broadcast; its B reads 256
 * contiguous bytes) and its stores are float4. Slices of MC_GK columns of
 * A (transposed into local memory) and MC_GK rows of B are staged per
 * step; the next step's are loaded into registers before this step's
 * arithmetic, so that the global loads' latency overlaps it. Out-of-range
 * elements load as zero, so any m, n, k work. Where the tiles are fewer
 * than the device's compute units (the attention's projections and the
 * MLP's down projection at 512 rows: 112 tiles of 64, 16 for the KV
 * heads'), k is split across groups too (the third dimension of the
 * launch, kc a multiple of MC_GK), their sums left in P for
 * mc_gemv_reduce.
 *
 * mc_gemv: few rows (m <= MC_GEMV_ROWS, decoding's one token), where a
 * tile of 64 rows would be mostly empty and the time is B's stream: a
 * group of 256 covers `lanes` float4 columns with 256 / lanes slices of
 * k, interleaved so that a warp reads whole rows of B; the slices' sums
 * meet in local memory. Where the columns give too few groups to keep
 * enough of B's loads in flight (896 columns: 14 groups of 64 columns on
 * a GPU of 132 compute units), k is split across groups as well, and
 * mc_gemv_reduce adds the splits and applies the epilogue.
 */

#define MC_EPI_NONE 0
#define MC_EPI_ADD 1
#define MC_EPI_GLU 2
#define MC_EPI_GLU2 3
#define MC_GEMV_ROWS 4

/* SwiGLU: silu(gate) * up */
static float4 mc_silu_mul(float4 gate, float4 up)
{
	return gate / (1.0f + exp(-gate)) * up;
}

/* The epilogue of the float4 v at row r, columns c.. (c < n; up to 4
 * valid): bias, then mode with R; stored as a float4 when all four are in
 * range and al (n % 4 == 0), else element by element. */
void mc_gemm_store(float4 v, int r, int c, int n, int al,
		   __global const float *bias, int biaso,
		   __global const float *R, int mode, __global float *C)
{
	size_t o = (size_t)r * (size_t)n + (size_t)c;

	if (bias)
		v += mc_ld4(bias + biaso, 0, 1, n, 0, c, 0);
	if (mode != MC_EPI_NONE) {
		float4 rv = mc_ld4(R, n, r + 1, n, r, c, al);

		v = mode == MC_EPI_ADD ? v + rv : mc_silu_mul(rv, v);
	}
	if (c + 3 < n) {
		if (al)
			*(__global float4 *)(C + o) = v;
		else
			vstore4(v, 0, C + o);
		return;
	}
	C[o] = v.x;
	if (c + 1 < n)
		C[o + 1] = v.y;
	if (c + 2 < n)
		C[o + 2] = v.z;
}

#define MC_SGEMM_KERNEL(NAME, H)                                              \
__kernel __attribute__((reqd_work_group_size(16, 16, 1)))                    \
void NAME(int m, int n, int k, int kc, __global const float *A,              \
	  __global const float *B, int bo, __global const float *bias,       \
	  int biaso, __global const float *R, int mode, __global float *C,   \
	  __global float *P)                                                 \
{                                                                            \
	/* A's slice transposed, rows padded by a float4 against bank        \
	 * conflicts of its stores; B's slice as it is */                    \
	__local float4 As[MC_GK][16 * H + 1];                                \
	__local float4 Bs[MC_GK][16 * H];                                    \
	__local float *Asf = (__local float *)As;                            \
	const int TS = 64 * H, ASTRIDE = 64 * H + 4;                         \
	const int tx = get_local_id(0), ty = get_local_id(1);                \
	const int t = ty * 16 + tx;                                          \
	const int row0 = get_group_id(1) * TS, col0 = get_group_id(0) * TS;  \
	const int alA = (k & 3) == 0, alB = (n & 3) == 0 && (bo & 3) == 0;   \
	/* this group's span of k: kb .. ke, kb a multiple of MC_GK */        \
	const int split = get_group_id(2), kb = split * kc;                  \
	const int ke = min(k, kb + kc);                                      \
	/* loads: A rows t/4 + 64 l at k 4 (t % 4); B rows t / (16 H)        \
	 * + (16 / H) l at the float4 column t % (16 H) */                   \
	const int ar = t >> 2, ak = (t & 3) * 4;                             \
	const int br = t / (16 * H), bc = t % (16 * H);                      \
	__global const float *Bp = B + bo;                                   \
	float4 acc[4 * H][H], pa[H], pb[H];                                  \
                                                                             \
	for (int i = 0; i < 4 * H; i++)                                      \
		for (int g = 0; g < H; g++)                                  \
			acc[i][g] = (float4)(0.0f);                          \
	for (int l = 0; l < H; l++) {                                        \
		pa[l] = mc_ld4(A, k, m, ke, row0 + ar + 64 * l, kb + ak, alA); \
		pb[l] = mc_ld4(Bp, n, ke, n, kb + br + (16 / H) * l,         \
			       col0 + 4 * bc, alB);                          \
	}                                                                    \
	for (int k0 = kb; k0 < ke; k0 += MC_GK) {                            \
		for (int l = 0; l < H; l++) {                                \
			__local float *d = Asf + ak * ASTRIDE + ar + 64 * l; \
                                                                             \
			d[0] = pa[l].x;                                      \
			d[ASTRIDE] = pa[l].y;                                \
			d[2 * ASTRIDE] = pa[l].z;                            \
			d[3 * ASTRIDE] = pa[l].w;                            \
			Bs[br + (16 / H) * l][bc] = pb[l];                   \
		}                                                            \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
		if (k0 + MC_GK < ke)                                         \
			for (int l = 0; l < H; l++) {                        \
				pa[l] = mc_ld4(A, k, m, ke, row0 + ar + 64 * l,\
					       k0 + MC_GK + ak, alA);        \
				pb[l] = mc_ld4(Bp, n, ke, n, k0 + MC_GK + br +\
					       (16 / H) * l, col0 + 4 * bc,  \
					       alB);                         \
			}                                                    \
		for (int kk = 0; kk < MC_GK; kk++) {                         \
			float4 a[H], b[H];                                   \
                                                                             \
			for (int h = 0; h < H; h++) {                        \
				a[h] = As[kk][ty + 16 * h];                  \
				b[h] = Bs[kk][tx + 16 * h];                  \
			}                                                    \
			for (int h = 0; h < H; h++)                          \
				for (int g = 0; g < H; g++) {                \
					acc[4 * h][g] = fma((float4)(a[h].x), \
						b[g], acc[4 * h][g]);        \
					acc[4 * h + 1][g] = fma((float4)(a[h].y),\
						b[g], acc[4 * h + 1][g]);    \
					acc[4 * h + 2][g] = fma((float4)(a[h].z),\
						b[g], acc[4 * h + 2][g]);    \
					acc[4 * h + 3][g] = fma((float4)(a[h].w),\
						b[g], acc[4 * h + 3][g]);    \
				}                                            \
		}                                                            \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
	}                                                                    \
	for (int h = 0; h < H; h++)                                          \
		for (int i = 0; i < 4; i++) {                                \
			const int r = row0 + 4 * ty + 64 * h + i;            \
                                                                             \
			if (r >= m)                                          \
				continue;                                    \
			for (int g = 0; g < H; g++) {                        \
				const int c = col0 + 4 * tx + 64 * g;        \
                                                                             \
				if (c >= n)                                  \
					continue;                            \
				if (get_num_groups(2) > 1)                   \
					vstore4(acc[4 * h + i][g], 0, P +    \
						((size_t)split * m + r) *    \
						((n + 3) & ~3) + c);         \
				else                                         \
					mc_gemm_store(acc[4 * h + i][g], r, c,\
						      n, (n & 3) == 0, bias, \
						      biaso, R, mode, C);    \
			}                                                    \
		}                                                            \
}

MC_SGEMM_KERNEL(mc_sgemm_64, 1)
MC_SGEMM_KERNEL(mc_sgemm_128, 2)

/* Sums ACC[] over the ns slices of a mc_gemv group through red, for rows
 * below m: the total of each float4 column lands with its slice 0. A
 * macro, not a function: PoCL's CPU device mishandled a private array
 * passed by pointer into a function with barriers. */
#define MC_GEMV_SUM(ACC)                                                     \
	do {                                                                 \
		for (int r = 0; r < m && r < MC_GEMV_ROWS; r++)              \
			red[r][t] = ACC[r];                                  \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
		for (int o = ns / 2; o > 0; o >>= 1) {                       \
			if (sl < o)                                          \
				for (int r = 0; r < m && r < MC_GEMV_ROWS; r++) \
					red[r][t] += red[r][t + o * lanes];  \
			barrier(CLK_LOCAL_MEM_FENCE);                        \
		}                                                            \
		for (int r = 0; r < m && r < MC_GEMV_ROWS; r++)              \
			ACC[r] = red[r][t];                                  \
		barrier(CLK_LOCAL_MEM_FENCE);                                \
	} while (0)

/* mc_gemv's products over its rows kb.. ke of k, stepping ns from kb +
 * sl, at float4 column c: with the norm (NG: rows of A times rs[r] and
 * the gain ng[ngo..]) and the second B (DUAL) or without. Called with
 * constant flags, so that each inlined copy is a loop without their tests
 * (a loop with them inside ran the 32000-column head slower on the H200
 * than the loop before the options: runs 14ca7c2f and 07f1fca6);
 * unrolled, so that several rows' loads are in flight. */
static inline void mc_gemv_loop(const int NG, const int DUAL, int m, int n,
				int k, int kb, int ke, int sl, int ns, int c,
				__global const float *A, __global const float *Bp,
				__global const float *Bp2, int al, int al2,
				__global const float *ng, int ngo,
				const float *rs, float4 *acc, float4 *acc2)
{
#pragma unroll 4
	for (int i = kb + sl; i < ke; i += ns) {
		const float4 w = mc_ld4(Bp, n, k, n, i, c, al);
		const float4 w2 = DUAL ? mc_ld4(Bp2, n, k, n, i, c, al2) :
					 (float4)(0.0f);
		const float g = NG ? ng[ngo + i] : 1.0f;

		for (int r = 0; r < MC_GEMV_ROWS; r++)
			if (r < m) {
				const float a = NG ? A[(size_t)r * k + i] * rs[r] * g :
						     A[(size_t)r * k + i];

				acc[r] = fma((float4)(a), w, acc[r]);
				if (DUAL)
					acc2[r] = fma((float4)(a), w2, acc2[r]);
			}
	}
}

/* Group (x, y) of mc_gemv covers float4 columns x * lanes .. and rows
 * y * kc .. of k (kc = k: no split). Two prologue options serve a
 * decoding step's one token: with ng, each row of A is taken as its RMS
 * norm times the gain ng[ngo..] (mc_rmsnorm's arithmetic: the norm's own
 * launch saved), and with mode MC_EPI_GLU2, a second product with B from
 * bo2 on makes C = silu(A.B) * (A.B2) (SwiGLU's gate and up projection
 * in one pass over A). Unsplit, a group stores through the epilogue;
 * split, its sums (both products with GLU2) go to P [splits x (1 or 2) x
 * m x np] (np: n rounded up to 4) for mc_gemv_reduce. */
__kernel __attribute__((reqd_work_group_size(256, 1, 1)))
void mc_gemv(int m, int n, int k, int lanes, int kc, __global const float *A,
	     __global const float *B, int bo, int bo2, __global const float *ng,
	     int ngo, float eps, __global const float *bias, int biaso,
	     __global const float *R, int mode, __global float *C,
	     __global float *P)
{
	__local float4 red[MC_GEMV_ROWS][256];
	__local float nl[256];
	const int t = get_local_id(0), lane = t % lanes, sl = t / lanes;
	const int ns = 256 / lanes, split = get_group_id(1);
	const int c = (get_group_id(0) * lanes + lane) * 4, dual = mode == MC_EPI_GLU2;
	const int kb = split * kc, ke = min(k, kb + kc), np = (n + 3) & ~3;
	const int al = (n & 3) == 0 && (bo & 3) == 0;
	const int al2 = (n & 3) == 0 && (bo2 & 3) == 0;
	__global const float *Bp = B + bo, *Bp2 = B + bo2;
	float4 acc[MC_GEMV_ROWS], acc2[MC_GEMV_ROWS];
	float rs[MC_GEMV_ROWS];

	for (int r = 0; r < MC_GEMV_ROWS; r++) {
		acc[r] = acc2[r] = (float4)(0.0f);
		rs[r] = 1.0f;
	}
	if (ng)
		for (int r = 0; r < m && r < MC_GEMV_ROWS; r++) {
			float q = 0.0f;

			for (int i = t; i < k; i += 256)
				q = fma(A[(size_t)r * k + i], A[(size_t)r * k + i], q);
			rs[r] = rsqrt(mc_wg_sum(q, nl) / (float)k + eps);
		}
	/* the options are the group's alike: a loop for each */
	if (c < n) {
		if (ng && dual)
			mc_gemv_loop(1, 1, m, n, k, kb, ke, sl, ns, c, A, Bp,
				     Bp2, al, al2, ng, ngo, rs, acc, acc2);
		else if (ng)
			mc_gemv_loop(1, 0, m, n, k, kb, ke, sl, ns, c, A, Bp,
				     Bp2, al, al2, ng, ngo, rs, acc, acc2);
		else if (dual)
			mc_gemv_loop(0, 1, m, n, k, kb, ke, sl, ns, c, A, Bp,
				     Bp2, al, al2, ng, ngo, rs, acc, acc2);
		else
			mc_gemv_loop(0, 0, m, n, k, kb, ke, sl, ns, c, A, Bp,
				     Bp2, al, al2, ng, ngo, rs, acc, acc2);
	}
	MC_GEMV_SUM(acc);
	if (dual)
		MC_GEMV_SUM(acc2);
	if (sl != 0 || c >= n)
		return;
	for (int r = 0; r < m && r < MC_GEMV_ROWS; r++) {
		if (get_num_groups(1) > 1) {
			__global float *pp = P + (size_t)split * (1 + dual) * m * np;

			vstore4(acc[r], 0, pp + (size_t)r * np + c);
			if (dual)
				vstore4(acc2[r], 0, pp + (size_t)(m + r) * np + c);
		} else if (dual) {
			mc_gemm_store(mc_silu_mul(acc[r], acc2[r]), r, c,
				      n, (n & 3) == 0, NULL, 0, NULL, MC_EPI_NONE, C);
		} else {
			mc_gemm_store(acc[r], r, c, n, (n & 3) == 0, bias, biaso,
				      R, mode, C);
		}
	}
}

/* C [m x n] from mc_gemv's splits partial sums in P, added in split order
 * (so the result does not depend on timing), through the epilogue; one
 * work-item per float4 of C. */
__kernel void mc_gemv_reduce(int m, int n, int splits, __global const float *P,
			     __global const float *bias, int biaso,
			     __global const float *R, int mode, __global float *C)
{
	const int np = (n + 3) & ~3, g = get_global_id(0), dual = mode == MC_EPI_GLU2;

	if (g < m * (np / 4)) {
		const int r = g / (np / 4), c = g % (np / 4) * 4;
		float4 v = (float4)(0.0f), u = (float4)(0.0f);

		for (int s = 0; s < splits; s++) {
			__global const float *pp = P + (size_t)s * (1 + dual) * m * np;

			v += vload4(0, pp + (size_t)r * np + c);
			if (dual)
				u += vload4(0, pp + (size_t)(m + r) * np + c);
		}
		if (dual)
			mc_gemm_store(mc_silu_mul(v, u), r, c, n, (n & 3) == 0,
				      NULL, 0, NULL, MC_EPI_NONE, C);
		else
			mc_gemm_store(v, r, c, n, (n & 3) == 0, bias, biaso, R,
				      mode, C);
	}
}
