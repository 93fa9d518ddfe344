/*
 * ocl_probe.c - the roofline probes of an OpenCL device: the FP32 FMA peak
 * (mc_peak_fma) and the triad bandwidth (mc_triad, roofline.cl), each the
 * best of a few launches timed by profiling events.
 */
#include "ocl_int.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>

#include "err.h"

#define OCL_PEAK_MIN_NS 50e6     /* a timed FMA launch lasts at least this */
#define OCL_PEAK_REPS 3          /* timed FMA launches, best kept */
#define OCL_PEAK_FLOP_PER_TRIP 512.0 /* of mc_peak_fma, see roofline.cl */
#define OCL_TRIAD_REPS 5         /* timed triad launches, best kept */
#define OCL_TRIAD_MAX_BYTES (256u << 20)

/* Runs k once over global (local may be NULL) and returns its device time. */
static int ocl_time_launch(struct ocl_dev *d, cl_kernel k, size_t global,
			   const size_t *local, double *out_ns,
			   char *err, size_t n_err)
{
	cl_event ev = NULL;
	cl_ulong t0, t1;
	cl_int rc;
	int ret = 0;

	rc = clEnqueueNDRangeKernel(d->queue, k, 1, NULL, &global, local, 0,
				    NULL, &ev);
	if (rc == CL_SUCCESS)
		rc = clWaitForEvents(1, &ev);
	if (rc != CL_SUCCESS) {
		ret = err_set(err, n_err, MC_EIO, "opencl: a roofline probe "
			      "kernel failed on device '%s' (%s).",
			      d->dev_name, ocl_errstr(rc));
		goto out;
	}
	if ((ret = ocl_event_time(d, ev, CL_PROFILING_COMMAND_START, &t0, err,
				  n_err)) < 0 ||
	    (ret = ocl_event_time(d, ev, CL_PROFILING_COMMAND_END, &t1, err,
				  n_err)) < 0)
		goto out;
	*out_ns = t1 > t0 ? (double)(t1 - t0) : 0;
out:
	if (ev)
		clReleaseEvent(ev);
	return ret;
}

/* FP32 peak: mc_peak_fma over compute_units * max work-group size * 8
 * work-items, trip count grown until a launch lasts OCL_PEAK_MIN_NS, then
 * the best of OCL_PEAK_REPS such launches. */
int ocl_probe_fma(struct ocl_dev *d, double *out_gflops,
		  char *err, size_t n_err)
{
	cl_kernel k = NULL;
	cl_mem buf = NULL;
	size_t local, global;
	cl_int iters = 16, rc;
	cl_float a = 0.999f, bias = 0.001f;
	double ns, best = 0;
	int ret, timed = 0;

	if ((ret = ocl_kernel(d, "mc_peak_fma", &k, err, n_err)) < 0)
		goto out;
	local = ocl_kernel_wg(d, k);
	if (local > 256)
		local = 256;
	global = (size_t)d->compute_units * d->max_wg * 8;
	global = (global + local - 1) / local * local;
	buf = clCreateBuffer(d->ctx, CL_MEM_WRITE_ONLY, global * sizeof(float),
			     NULL, &rc);
	if (!buf) {
		ret = err_set(err, n_err, MC_ENOMEM, "opencl: allocating the "
			      "FMA probe buffer on device '%s' failed (%s).",
			      d->dev_name, ocl_errstr(rc));
		goto out;
	}
	if ((ret = ocl_set_args(d, k, "mc_peak_fma", (const struct ocl_arg[]){
			{ sizeof(cl_mem), &buf }, { sizeof(iters), &iters },
			{ sizeof(a), &a }, { sizeof(bias), &bias } }, 4,
				err, n_err)) < 0)
		goto out;
	for (int tries = 0; tries < 40 && timed < OCL_PEAK_REPS; tries++) {
		if ((ret = ocl_time_launch(d, k, global, &local, &ns, err,
					   n_err)) < 0)
			goto out;
		if (ns < OCL_PEAK_MIN_NS && iters < INT_MAX / 64) {
			double f = ns > 0 ? 1.25 * OCL_PEAK_MIN_NS / ns : 64;

			iters = (cl_int)(iters * (f > 64 ? 64 : f < 2 ? 2 : f));
			rc = clSetKernelArg(k, 1, sizeof(iters), &iters);
			if (rc != CL_SUCCESS) {
				ret = err_set(err, n_err, MC_EIO, "opencl: "
					      "setting the FMA probe trip "
					      "count on device '%s' failed "
					      "(%s).", d->dev_name,
					      ocl_errstr(rc));
				goto out;
			}
			continue;
		}
		timed++;
		if (ns > 0 && (double)global * iters * OCL_PEAK_FLOP_PER_TRIP / ns > best)
			best = (double)global * iters * OCL_PEAK_FLOP_PER_TRIP / ns;
	}
	if (!(best > 0) || !isfinite(best)) {
		ret = err_set(err, n_err, MC_EIO, "opencl: the FMA probe on "
			      "device '%s' gave no usable timing.", d->dev_name);
		goto out;
	}
	*out_gflops = best;     /* FLOP per ns is GFLOP/s */
out:
	if (buf)
		clReleaseMemObject(buf);
	if (k)
		clReleaseKernel(k);
	return ret;
}

/* Triad bandwidth: a = b + s*c over three buffers of min(256 MiB,
 * global_mem / 8, max alloc) each, 12 bytes per element, best of
 * OCL_TRIAD_REPS launches after one warm-up. */
int ocl_probe_triad(struct ocl_dev *d, double *out_gbps,
		    char *err, size_t n_err)
{
	cl_kernel k = NULL;
	cl_mem buf[3] = { NULL, NULL, NULL };
	const cl_float fill[3] = { 0.0f, 1.0f, 2.0f }, scale = 3.0f;
	size_t bytes = OCL_TRIAD_MAX_BYTES, n;
	double ns, best_ns = 0;
	cl_int rc;
	int ret;

	if (bytes > d->global_mem / 8)
		bytes = (size_t)(d->global_mem / 8);
	if (bytes > d->max_alloc)
		bytes = (size_t)d->max_alloc;
	bytes &= ~(size_t)0xffff;
	if (bytes == 0) {
		return err_set(err, n_err, MC_ENOTSUP, "opencl: device '%s' "
			       "has too little memory for the triad probe.",
			       d->dev_name);
	}
	n = bytes / sizeof(float);
	if ((ret = ocl_kernel(d, "mc_triad", &k, err, n_err)) < 0)
		goto out;
	for (int i = 0; i < 3; i++) {
		buf[i] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, bytes, NULL,
					&rc);
		if (rc == CL_SUCCESS)
			rc = clEnqueueFillBuffer(d->queue, buf[i], &fill[i],
						 sizeof(fill[i]), 0, bytes, 0,
						 NULL, NULL);
		if (rc != CL_SUCCESS) {
			ret = err_set(err, n_err, MC_ENOMEM, "opencl: "
				      "preparing the %zu-byte triad buffers on "
				      "device '%s' failed (%s).", bytes,
				      d->dev_name, ocl_errstr(rc));
			goto out;
		}
	}
	if ((ret = ocl_set_args(d, k, "mc_triad", (const struct ocl_arg[]){
			{ sizeof(cl_mem), &buf[0] }, { sizeof(cl_mem), &buf[1] },
			{ sizeof(cl_mem), &buf[2] }, { sizeof(scale), &scale } },
				4, err, n_err)) < 0)
		goto out;
	for (int i = 0; i <= OCL_TRIAD_REPS; i++) {
		if ((ret = ocl_time_launch(d, k, n / 4, NULL, &ns, err,
					   n_err)) < 0)
			goto out;
		if (i > 0 && ns > 0 && (best_ns == 0 || ns < best_ns))
			best_ns = ns;
	}
	if (!(best_ns > 0)) {
		ret = err_set(err, n_err, MC_EIO, "opencl: the triad probe on "
			      "device '%s' gave no usable timing.", d->dev_name);
		goto out;
	}
	*out_gbps = 12.0 * (double)n / best_ns;
out:
	for (int i = 0; i < 3; i++)
		if (buf[i])
			clReleaseMemObject(buf[i]);
	if (k)
		clReleaseKernel(k);
	return ret;
}
