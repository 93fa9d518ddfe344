/*
 * rmsnorm.cl - row RMS normalisation, y = x / sqrt(mean(x^2) + eps) * gamma.
 *
 * One work-group per row, row kept in registers (common.cl). mc_rmsnorm
 * is the component; mc_rmsnorm_at the decoder's norms, whose gamma is a
 * part of a packed weight buffer and whose rows start at an offset (the
 * LM head normalises the last row of the residual stream alone).
 */

/* The row xr into yr; al: xr and yr are 16-byte aligned and cols a
 * multiple of 4, alg: the same of gamma. */
static void mc_rmsnorm_row(__global const float *xr, __global const float *gamma,
			   __global float *yr, int cols, float eps, int al,
			   int alg, __local float *scratch)
{
	const int lid = get_local_id(0);
	const int nl = get_local_size(0);
	const int nvec = cols >> 2;
	const int has_tail = lid < (cols & 3);
	const int ti = nvec * 4 + lid;
	float4 v[MC_NV];
	float t = has_tail ? xr[ti] : 0.0f;
	float q = t * t, rstd;

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		v[j] = i < nvec ? mc_load4(xr, i, al) : (float4)(0.0f);
		q += mc_hsum4(v[j] * v[j]);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl) {
		float4 u = mc_load4(xr, i, al);
		q += mc_hsum4(u * u);
	}
	rstd = rsqrt(mc_wg_sum(q, scratch) / (float)cols + eps);

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		if (i < nvec)
			mc_store4(v[j] * rstd * mc_load4(gamma, i, alg), yr, i, al);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl)
		mc_store4(mc_load4(xr, i, al) * rstd * mc_load4(gamma, i, alg),
			  yr, i, al);
	if (has_tail)
		yr[ti] = t * rstd * gamma[ti];
}

__kernel void mc_rmsnorm(__global const float *x, __global const float *gamma,
			 __global float *y, int cols, float eps,
			 __local float *scratch)
{
	const size_t off = (size_t)get_group_id(0) * (size_t)cols;
	const int al = (cols & 3) == 0;

	mc_rmsnorm_row(x + off, gamma, y + off, cols, eps, al, al, scratch);
}

/* Row r of y = row r of x + xo (floats), times gamma = w + wo. */
__kernel void mc_rmsnorm_at(__global const float *x, int xo,
			    __global const float *w, int wo, __global float *y,
			    int cols, float eps, __local float *scratch)
{
	const size_t off = (size_t)get_group_id(0) * (size_t)cols;
	const int al = (cols & 3) == 0;

	mc_rmsnorm_row(x + xo + off, w + wo, y + off, cols, eps,
		       al && (xo & 3) == 0, al && (wo & 3) == 0, scratch);
}
