/*
 * triad.cl - the workload kernel triad (src/lib/workload_triad.c):
 * a = b + s*c with s = 3, one element per work-item over n floats (any n;
 * the roofline's mc_triad in roofline.cl wants a multiple of 4). Launched
 * by the backend's elementwise prepare: inputs, output, n.
 */
__kernel void mc_stream_triad(__global const float *b,
			      __global const float *c,
			      __global float *a, int n)
{
	int i = get_global_id(0);

	if (i < n)
		a[i] = b[i] + 3.0f * c[i];
}
