/*
 * rows_online.cl - variant "online" of the row kernels (softmax,
 * layernorm, rmsnorm): the same results as softmax.cl, layernorm.cl and
 * rmsnorm.cl with one work-group reduction per row instead of two, and
 * several rows per work-group for short rows.
 *
 * A group of L work-items holds L / seg rows, seg (a power of two) per
 * row; a row's statistics are reduced over its segment of the scratch
 * (local memory) by one tree. Each work-item keeps MC_NV float4 of its
 * row in registers, as the default kernels do; the part of a longer row
 * beyond them is read once for the statistics, online, and once more for
 * the output (the default kernels read it up to three times).
 *  - softmax: each work-item reduces its register elements to (m, s) =
 *    (their max, sum of exp(x - m)) keeping exp(x - m) in the registers,
 *    merges the part beyond online, and one tree merges the pairs; the
 *    output of a register element is then exp(x - m) * exp(m - M) / S,
 *    one exp per element.
 *  - layernorm: (count, mean, M2) per work-item, the register part in two
 *    passes over the registers, merged by Chan's formula, so the variance
 *    still sums squares of deviations, never E[x^2] - mean^2.
 *  - rmsnorm: the sum of squares, one tree.
 * Work-items of a row past the last (the last group's) take part in the
 * barriers with neutral values and neither load nor store.
 */

/* Merges the softmax pair (m2, s2) into (*m, *s); -INFINITY marks an
 * empty pair (no element seen). */
void mc_sm_merge(float *m, float *s, float m2, float s2)
{
	float mm = fmax(*m, m2);

	if (mm == -INFINITY)
		return;
	*s = (*m == -INFINITY ? 0.0f : *s * exp(*m - mm)) +
	     (m2 == -INFINITY ? 0.0f : s2 * exp(m2 - mm));
	*m = mm;
}

/* Chan's merge of (n2, mean2, M2_2) into (*n, *mean, *q). */
void mc_ln_merge(float *n, float *mean, float *q, float n2, float mean2,
		 float q2)
{
	float nn = *n + n2, d;

	if (n2 == 0.0f)
		return;
	d = mean2 - *mean;
	*mean += d * (n2 / nn);
	*q += q2 + d * d * (*n * n2 / nn);
	*n = nn;
}

#define MC_ROW_SETUP                                                        \
	const int lid = get_local_id(0);                                    \
	const int lr = lid & (seg - 1), base = lid - lr;                    \
	const int row = get_group_id(0) * (get_local_size(0) / seg) +       \
			lid / seg;                                          \
	const int live = row < rows;                                        \
	const size_t off = (size_t)(live ? row : 0) * (size_t)cols;         \
	__global const float *xr = x + off;                                 \
	__global float *yr = y + off;                                       \
	const int al = (cols & 3) == 0;                                     \
	const int nvec = live ? cols >> 2 : 0;                              \
	const int has_tail = live && lr < (cols & 3);                       \
	const int ti = (cols >> 2) * 4 + lr;                                \
	float4 v[MC_NV]

__kernel void mc_softmax_online(__global const float *x, __global float *y,
				int rows, int cols, int seg,
				__local float *scratch)
{
	MC_ROW_SETUP;
	__local float *sm = scratch, *ss = scratch + get_local_size(0);
	float t = has_tail ? xr[ti] : -INFINITY;
	float mreg = t, sreg = 0.0f, m, s, mb = -INFINITY, sb = 0.0f, f;

	for (int j = 0; j < MC_NV; j++) {
		int i = lr + j * seg;
		v[j] = i < nvec ? mc_load4(xr, i, al) : (float4)(-INFINITY);
		mreg = fmax(mreg, fmax(fmax(v[j].x, v[j].y),
				       fmax(v[j].z, v[j].w)));
	}
	if (mreg != -INFINITY) {
		for (int j = 0; j < MC_NV; j++) {
			v[j] = exp(v[j] - mreg);
			sreg += mc_hsum4(v[j]);
		}
		t = has_tail ? exp(t - mreg) : 0.0f;
		sreg += t;
	}
	for (int i = lr + MC_NV * seg; i < nvec; i += seg) {
		float4 u = mc_load4(xr, i, al);
		float um = fmax(fmax(u.x, u.y), fmax(u.z, u.w));

		mc_sm_merge(&mb, &sb, um, mc_hsum4(exp(u - um)));
	}
	m = mreg;
	s = sreg;
	mc_sm_merge(&m, &s, mb, sb);
	sm[lid] = m;
	ss[lid] = s;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int o = seg / 2; o > 0; o >>= 1) {
		if (lr < o) {
			m = sm[lid];
			s = ss[lid];
			mc_sm_merge(&m, &s, sm[lid + o], ss[lid + o]);
			sm[lid] = m;
			ss[lid] = s;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	m = sm[base];
	s = 1.0f / ss[base];
	f = mreg == -INFINITY ? 0.0f : exp(mreg - m) * s;
	for (int j = 0; j < MC_NV; j++) {
		int i = lr + j * seg;
		if (i < nvec)
			mc_store4(v[j] * f, yr, i, al);
	}
	for (int i = lr + MC_NV * seg; i < nvec; i += seg)
		mc_store4(exp(mc_load4(xr, i, al) - m) * s, yr, i, al);
	if (has_tail)
		yr[ti] = t * f;
}

__kernel void mc_layernorm_online(__global const float *x,
				  __global const float *gamma,
				  __global const float *beta,
				  __global float *y, int rows, int cols,
				  int seg, float eps, __local float *scratch)
{
	MC_ROW_SETUP;
	const int nl = get_local_size(0);
	__local float *sn = scratch, *smu = scratch + nl, *sq = scratch + 2 * nl;
	float t = has_tail ? xr[ti] : 0.0f;
	float sum = t, cnt = has_tail ? 1.0f : 0.0f, mu = 0.0f, q = 0.0f;
	float rstd;

	for (int j = 0; j < MC_NV; j++) {
		int i = lr + j * seg;
		v[j] = i < nvec ? mc_load4(xr, i, al) : (float4)(0.0f);
		if (i < nvec) {
			sum += mc_hsum4(v[j]);
			cnt += 4.0f;
		}
	}
	if (cnt > 0.0f) {
		mu = sum / cnt;
		for (int j = 0; j < MC_NV; j++) {
			float4 d = v[j] - mu;
			if (lr + j * seg < nvec)
				q += mc_hsum4(d * d);
		}
		if (has_tail)
			q += (t - mu) * (t - mu);
	}
	for (int i = lr + MC_NV * seg; i < nvec; i += seg) {
		float4 u = mc_load4(xr, i, al), d;
		float um = mc_hsum4(u) * 0.25f;

		d = u - um;
		mc_ln_merge(&cnt, &mu, &q, 4.0f, um, mc_hsum4(d * d));
	}
	sn[lid] = cnt;
	smu[lid] = mu;
	sq[lid] = q;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int o = seg / 2; o > 0; o >>= 1) {
		if (lr < o) {
			cnt = sn[lid];
			mu = smu[lid];
			q = sq[lid];
			mc_ln_merge(&cnt, &mu, &q, sn[lid + o], smu[lid + o],
				    sq[lid + o]);
			sn[lid] = cnt;
			smu[lid] = mu;
			sq[lid] = q;
		}
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	mu = smu[base];
	rstd = rsqrt(sq[base] / (float)cols + eps);
	for (int j = 0; j < MC_NV; j++) {
		int i = lr + j * seg;
		if (i < nvec)
			mc_store4((v[j] - mu) * rstd * mc_load4(gamma, i, al) +
				  mc_load4(beta, i, al), yr, i, al);
	}
	for (int i = lr + MC_NV * seg; i < nvec; i += seg)
		mc_store4((mc_load4(xr, i, al) - mu) * rstd *
			  mc_load4(gamma, i, al) + mc_load4(beta, i, al),
			  yr, i, al);
	if (has_tail)
		yr[ti] = (t - mu) * rstd * gamma[ti] + beta[ti];
}

__kernel void mc_rmsnorm_online(__global const float *x,
				__global const float *gamma,
				__global float *y, int rows, int cols, int seg,
				float eps, __local float *scratch)
{
	MC_ROW_SETUP;
	float t = has_tail ? xr[ti] : 0.0f;
	float q = t * t, rstd;

	for (int j = 0; j < MC_NV; j++) {
		int i = lr + j * seg;
		v[j] = i < nvec ? mc_load4(xr, i, al) : (float4)(0.0f);
		q += mc_hsum4(v[j] * v[j]);
	}
	for (int i = lr + MC_NV * seg; i < nvec; i += seg) {
		float4 u = mc_load4(xr, i, al);
		q += mc_hsum4(u * u);
	}
	scratch[lid] = q;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int o = seg / 2; o > 0; o >>= 1) {
		if (lr < o)
			scratch[lid] += scratch[lid + o];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	rstd = rsqrt(scratch[base] / (float)cols + eps);
	for (int j = 0; j < MC_NV; j++) {
		int i = lr + j * seg;
		if (i < nvec)
			mc_store4(v[j] * rstd * mc_load4(gamma, i, al), yr, i, al);
	}
	for (int i = lr + MC_NV * seg; i < nvec; i += seg)
		mc_store4(mc_load4(xr, i, al) * rstd * mc_load4(gamma, i, al),
			  yr, i, al);
	if (has_tail)
		yr[ti] = t * rstd * gamma[ti];
}
