/*
 * rmsnorm.cl - row RMS normalisation, y = x / sqrt(mean(x^2) + eps) * gamma.
 *
 * One work-group per row, row kept in registers (common.cl).
 */

__kernel void mc_rmsnorm(__global const float *x, __global const float *gamma,
			 __global float *y, int cols, float eps,
			 __local float *scratch)
{
	const int lid = get_local_id(0);
	const int nl = get_local_size(0);
	const size_t off = (size_t)get_group_id(0) * (size_t)cols;
	__global const float *xr = x + off;
	__global float *yr = y + off;
	const int al = (cols & 3) == 0;
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
			mc_store4(v[j] * rstd * mc_load4(gamma, i, al), yr, i, al);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl)
		mc_store4(mc_load4(xr, i, al) * rstd * mc_load4(gamma, i, al),
			  yr, i, al);
	if (has_tail)
		yr[ti] = t * rstd * gamma[ti];
}
