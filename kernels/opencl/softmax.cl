/*
 * softmax.cl - numerically stable row softmax, y = exp(x - max) / sum.
 *
 * One work-group per row; the row's float4s stay in registers between the
 * max pass, the exp/sum pass and the store (see common.cl). Elements past
 * the last whole float4 (cols % 4 of them) go one per work-item.
 */

__kernel void mc_softmax(__global const float *x, __global float *y,
			 int cols, __local float *scratch)
{
	const int lid = get_local_id(0);
	const int nl = get_local_size(0);
	const size_t off = (size_t)get_group_id(0) * (size_t)cols;
	__global const float *xr = x + off;
	__global float *yr = y + off;
	const int al = (cols & 3) == 0;
	const int nvec = cols >> 2;
	const int has_tail = lid < (cols & 3);
	float4 v[MC_NV];
	float t = has_tail ? xr[nvec * 4 + lid] : -INFINITY;
	float m = t, s = 0.0f, inv;

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		v[j] = i < nvec ? mc_load4(xr, i, al) : (float4)(-INFINITY);
		m = fmax(m, fmax(fmax(v[j].x, v[j].y), fmax(v[j].z, v[j].w)));
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl) {
		float4 u = mc_load4(xr, i, al);
		m = fmax(m, fmax(fmax(u.x, u.y), fmax(u.z, u.w)));
	}
	m = mc_wg_max(m, scratch);

	for (int j = 0; j < MC_NV; j++) {
		v[j] = exp(v[j] - m);
		s += mc_hsum4(v[j]);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl)
		s += mc_hsum4(exp(mc_load4(xr, i, al) - m));
	t = has_tail ? exp(t - m) : 0.0f;
	s = mc_wg_sum(s + t, scratch);
	inv = 1.0f / s;

	for (int j = 0; j < MC_NV; j++) {
		int i = lid + j * nl;
		if (i < nvec)
			mc_store4(v[j] * inv, yr, i, al);
	}
	for (int i = lid + MC_NV * nl; i < nvec; i += nl)
		mc_store4(exp(mc_load4(xr, i, al) - m) * inv, yr, i, al);
	if (has_tail)
		yr[nvec * 4 + lid] = t * inv;
}
