/*
 * layernorm.cl - row layer normalisation,
 * y = (x - mean) / sqrt(var + eps) * gamma + beta, var biased (divide by cols).
 *
 * One work-group per row, row kept in registers (common.cl); the variance
 * is a second pass over x - mean, not E[x^2] - mean^2, for accuracy.
 */

__kernel void mc_layernorm(__global const float *x, __global const float *gamma,
			   __global const float *beta, __global float *y,
			   int cols, float eps, __local float *scratch)
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
	float s = t, mean, q = 0.0f, rstd;

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		v[j] = i < nvec ? mc_load4(xr, i, al) : (float4)(0.0f);
		s += mc_hsum4(v[j]);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl)
		s += mc_hsum4(mc_load4(xr, i, al));
	mean = mc_wg_sum(s, scratch) / (float)cols;

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		float4 d = v[j] - mean;
		if (i < nvec)
			q += mc_hsum4(d * d);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl) {
		float4 d = mc_load4(xr, i, al) - mean;
		q += mc_hsum4(d * d);
	}
	if (has_tail)
		q += (t - mean) * (t - mean);
	rstd = rsqrt(mc_wg_sum(q, scratch) / (float)cols + eps);

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		if (i < nvec)
			mc_store4((v[j] - mean) * rstd * mc_load4(gamma, i, al) +
				  mc_load4(beta, i, al), yr, i, al);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl)
		mc_store4((mc_load4(xr, i, al) - mean) * rstd *
			  mc_load4(gamma, i, al) + mc_load4(beta, i, al), yr, i, al);
	if (has_tail)
		yr[ti] = (t - mean) * rstd * gamma[ti] + beta[ti];
}
