/*
 * common.cl - helpers shared by the mcbench OpenCL kernels (OpenCL C 1.2).
 *
 * The backend concatenates this file first, then every other kernels/opencl
 * file, into one program per device. Row kernels (softmax, layernorm,
 * rmsnorm) run one work-group per row with a power-of-two local size and
 * keep up to MC_NV float4 per work-item in registers, so a row is read from
 * global memory once while it fits (MC_NV * 4 * local size floats).
 */

#define MC_NV 8

/* Depth of the k slices that the sgemm and LoRA kernels stage in local
 * memory. */
#define MC_GK 16

/* Float4 number i of row r; when al is set r is 16-byte aligned and the
 * load is one vector access, else vload4 (4-byte alignment suffices). */
float4 mc_load4(__global const float *r, int i, int al)
{
	return al ? ((__global const float4 *)r)[i] : vload4(i, r);
}

void mc_store4(float4 v, __global float *r, int i, int al)
{
	if (al)
		((__global float4 *)r)[i] = v;
	else
		vstore4(v, i, r);
}

/* The float4 of row r, columns c .. c + 3 of a matrix of ld columns and
 * `cols` valid ones; zero past them. al: ld % 4 == 0, so an in-range
 * float4 is 16-byte aligned. */
float4 mc_ld4(__global const float *p, int ld, int rows, int cols, int r,
	      int c, int al)
{
	__global const float *q = p + (size_t)r * ld + c;

	if (r >= rows)
		return (float4)(0.0f);
	if (c + 3 < cols)
		return al ? *(__global const float4 *)q : vload4(0, q);
	return (float4)(c < cols ? q[0] : 0.0f, c + 1 < cols ? q[1] : 0.0f,
			c + 2 < cols ? q[2] : 0.0f, c + 3 < cols ? q[3] : 0.0f);
}

float mc_hsum4(float4 v)
{
	return (v.x + v.y) + (v.z + v.w);
}

/* Work-group sum and max through a tree in s[0 .. local size); every
 * work-item of the group must call them. The closing barrier lets the
 * caller reuse s at once. */
float mc_wg_sum(float v, __local float *s)
{
	const int lid = get_local_id(0);
	float r;

	s[lid] = v;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int o = get_local_size(0) / 2; o > 0; o >>= 1) {
		if (lid < o)
			s[lid] += s[lid + o];
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	r = s[0];
	barrier(CLK_LOCAL_MEM_FENCE);
	return r;
}

float mc_wg_max(float v, __local float *s)
{
	const int lid = get_local_id(0);
	float r;

	s[lid] = v;
	barrier(CLK_LOCAL_MEM_FENCE);
	for (int o = get_local_size(0) / 2; o > 0; o >>= 1) {
		if (lid < o)
			s[lid] = fmax(s[lid], s[lid + o]);
		barrier(CLK_LOCAL_MEM_FENCE);
	}
	r = s[0];
	barrier(CLK_LOCAL_MEM_FENCE);
	return r;
}

/* The position of a decoder pass's first row: the device counter *pos
 * where a pass reads it (the steps of a generation, whose launches are
 * the same every step), else p0 (pos NULL). */
int mc_pos(__global const int *pos, int p0)
{
	return pos ? pos[0] : p0;
}

/* Marks a point in the queue: the backend times multi-kernel library calls
 * (CLBlast) from the end of this kernel to the end of the call. */
__kernel void mc_stamp(void)
{
}
