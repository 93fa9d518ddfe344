/*
 * ocl_gemm.c - the general GEMM launch (kernels/opencl/sgemm.cl), shared by
 * sgemm's own variant, LoRA's unfused launches and the decoder's linear
 * layers (ocl_int.h).
 */
#include "ocl_int.h"

#include <limits.h>
#include <string.h>

#include "err.h"

/* The float4 columns a mc_gemv group covers for n columns: the widest of
 * 16, 8, 4 that still gives every compute unit a group; a narrower group
 * reads each row of B in shorter pieces, so it is the fallback. */
static size_t gemv_lanes(const struct ocl_dev *d, size_t n)
{
	size_t cu = d->compute_units ? d->compute_units : 1, lanes = 16;

	while (lanes > 4 && (n + 4 * lanes - 1) / (4 * lanes) < cu)
		lanes /= 2;
	return lanes;
}

int ocl_add_gemm(struct ocl_dev *d, struct ocl_state *s,
		 const struct ocl_gemm *g, char *err, size_t n_err)
{
	size_t groups = ((g->m + 127) / 128) * ((g->n + 127) / 128);
	int gemv = g->m <= OCL_GEMV_ROWS;
	size_t tile = groups >= 2 * (size_t)d->compute_units ? 128 : 64;
	size_t lanes = gemv ? gemv_lanes(d, g->n) : 0;
	const char *name = gemv ? "mc_gemv" :
			   tile == 128 ? "mc_sgemm_128" : "mc_sgemm_64";
	struct ocl_launch *l;
	int ret;

	if (g->m > INT_MAX || g->n > INT_MAX || g->k > INT_MAX ||
	    g->bo > INT_MAX || g->biaso > INT_MAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: a GEMM of %zu x "
			       "%zu x %zu is beyond the kernels' int indexing.",
			       g->m, g->n, g->k);
	if ((ret = ocl_state_add_launch(d, s, name, &l, err, n_err)) < 0)
		return ret;
	if (ocl_kernel_wg(d, l->kernel) < 256)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel %s "
			       "needs work-groups of 256 on device '%s', "
			       "which allows only %zu.", name, d->dev_name,
			       ocl_kernel_wg(d, l->kernel));
	if (gemv) {
		l->dim = 1;
		l->local[0] = 256;
		l->global[0] = (g->n + 4 * lanes - 1) / (4 * lanes) * 256;
	} else {
		l->dim = 2;
		l->global[0] = (g->n + tile - 1) / tile * 16;
		l->global[1] = (g->m + tile - 1) / tile * 16;
		l->local[0] = l->local[1] = 16;
	}
	/* mc_gemv takes lanes after k; the tiled kernels the same without */
	cl_int im = (cl_int)g->m, in = (cl_int)g->n, ik = (cl_int)g->k;
	cl_int il = (cl_int)lanes, ibo = (cl_int)g->bo;
	cl_int ibi = (cl_int)g->biaso, mode = g->mode;
	struct ocl_arg args[] = {
		{ sizeof(cl_int), &im }, { sizeof(cl_int), &in },
		{ sizeof(cl_int), &ik }, { sizeof(cl_int), &il },
		{ sizeof(cl_mem), &g->a }, { sizeof(cl_mem), &g->b },
		{ sizeof(cl_int), &ibo }, { sizeof(cl_mem), &g->bias },
		{ sizeof(cl_int), &ibi }, { sizeof(cl_mem), &g->r },
		{ sizeof(cl_int), &mode }, { sizeof(cl_mem), &g->c } };
	const cl_uint n_args = sizeof(args) / sizeof(args[0]);

	if (!gemv)
		memmove(&args[3], &args[4], (n_args - 4) * sizeof(args[0]));
	return ocl_set_args(d, l->kernel, name, args, gemv ? n_args : n_args - 1,
			    err, n_err);
}
