/*
 * empty.cl - the launch-floor kernel of the workload empty
 * (src/lib/workload_empty.c): y = x + 1, one work-item per element (the
 * suite launches one work-group for n = 1). It does the least a kernel can
 * do and still be validated, so its device time is the cost of launching
 * one kernel. Launched by the backend's elementwise prepare: x, y, n.
 */
__kernel void mc_empty(__global const float *x, __global float *y, int n)
{
	int i = get_global_id(0);

	if (i < n)
		y[i] = x[i] + 1.0f;
}
