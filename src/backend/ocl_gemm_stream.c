/*
 * ocl_gemm_stream.c - the OpenCL backend's variants for products with few
 * rows (kernels/opencl/gemm_stream.cl): lora_forward "splitk" and sgemm
 * "skinny". They choose the launch geometry from what the device reports
 * (compute units, the kernels' work-group limits, local memory) rather
 * than from what one GPU likes.
 */
#include "ocl_int.h"

#include <limits.h>
#include <string.h>

#include "err.h"

#define OCL_ST 64                /* MC_ST of gemm_stream.cl */
#define OCL_GK 16                /* MC_GK of common.cl */
#define OCL_SPLIT_MAX 16         /* most k slices of mc_gemm_splitk */
#define OCL_SPLIT_MIN_K 64       /* least k per slice: 4 slices of MC_GK */
#define OCL_ROWDOT_NMAX 16       /* MC_ROWDOT_NMAX of gemm_stream.cl */
#define OCL_DIRECT_KMAX 32       /* mc_gemm_direct up to this k */
#define OCL_EPI_LOCAL 256        /* local size of the epilogue and rowdot */

/* Slices of k for `tiles` output tiles: doubled while the groups number
 * fewer than two per compute unit (enough to cover the latency of the W
 * stream) and each slice keeps OCL_SPLIT_MIN_K; *kc is the slice length,
 * a multiple of OCL_GK, and the result is the number of non-empty slices. */
static size_t ocl_splits(const struct ocl_dev *d, size_t tiles, size_t k,
			 size_t *kc)
{
	size_t s = 1, want = 2 * (size_t)(d->compute_units ? d->compute_units : 1);

	while (s < OCL_SPLIT_MAX && tiles * s < want &&
	       k >= 2 * s * OCL_SPLIT_MIN_K)
		s *= 2;
	*kc = (k + s - 1) / s;
	*kc = (*kc + OCL_GK - 1) / OCL_GK * OCL_GK;
	return (k + *kc - 1) / *kc;
}

/* Local size up to `most`, a power of two the kernel and device allow. */
static size_t ocl_pow2_local(struct ocl_dev *d, cl_kernel k, size_t most)
{
	size_t cap = ocl_kernel_wg(d, k), l = 1;

	if (cap > most)
		cap = most;
	while (l * 2 <= cap)
		l *= 2;
	return l;
}

/* Launch l of mc_gemm_splitk: P[S][m][ncat] = slices of A[m x k] .
 * [B1 (n1 columns) | B2 (n2 columns)]. */
static int ocl_splitk_launch(struct ocl_dev *d, struct ocl_launch *l,
			     size_t m, size_t k, size_t kc, size_t S,
			     const cl_mem *a, const cl_mem *b1, size_t n1,
			     const cl_mem *b2, size_t n2, const cl_mem *p,
			     char *err, size_t n_err)
{
	size_t rt = (m + OCL_ST - 1) / OCL_ST, ct1 = (n1 + OCL_ST - 1) / OCL_ST;
	size_t ct2 = (n2 + OCL_ST - 1) / OCL_ST;
	cl_int im = (cl_int)m, ik = (cl_int)k, ikc = (cl_int)kc;
	cl_int irt = (cl_int)rt, in1 = (cl_int)n1, ict1 = (cl_int)ct1;
	cl_int in2 = (cl_int)n2, incat = (cl_int)(n1 + n2);
	int ret;

	l->name = "mc_gemm_splitk";
	if ((ret = ocl_kernel(d, l->name, &l->kernel, err, n_err)) < 0)
		return ret;
	if (ocl_kernel_wg(d, l->kernel) < 256)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel %s "
			       "needs work-groups of 256 on device '%s', "
			       "which allows only %zu.", l->name, d->dev_name,
			       ocl_kernel_wg(d, l->kernel));
	l->dim = 2;
	l->local[0] = l->local[1] = 16;
	l->global[0] = (ct1 + ct2) * 16;
	l->global[1] = rt * S * 16;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
		{ sizeof(im), &im }, { sizeof(ik), &ik }, { sizeof(ikc), &ikc },
		{ sizeof(irt), &irt }, { sizeof(cl_mem), a },
		{ sizeof(cl_mem), b1 }, { sizeof(in1), &in1 },
		{ sizeof(ict1), &ict1 }, { sizeof(cl_mem), b2 },
		{ sizeof(in2), &in2 }, { sizeof(cl_mem), p },
		{ sizeof(incat), &incat } }, 12, err, n_err);
}

/* Launch l of mc_gemm_epilogue: y[m x n1] = sum of the S partials in P
 * plus (scale * sum of their n2 last columns) . B[n2 x n1]. */
static int ocl_epilogue_launch(struct ocl_dev *d, struct ocl_launch *l,
			       size_t m, size_t n1, size_t n2, size_t S,
			       float scale, const cl_mem *p, const cl_mem *b,
			       const cl_mem *y, char *err, size_t n_err)
{
	cl_int im = (cl_int)m, in1 = (cl_int)n1, in2 = (cl_int)n2;
	cl_int iS = (cl_int)S, incat = (cl_int)(n1 + n2);
	cl_float sc = scale;
	size_t xa_bytes = (n2 ? n2 : 1) * sizeof(float);
	int ret;

	l->name = "mc_gemm_epilogue";
	if ((ret = ocl_kernel(d, l->name, &l->kernel, err, n_err)) < 0)
		return ret;
	if (xa_bytes > d->local_mem / 2)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: rank %zu "
			       "needs %zu bytes of local memory on device "
			       "'%s', which has %llu.", n2, xa_bytes,
			       d->dev_name, (unsigned long long)d->local_mem);
	l->dim = 2;
	l->local[0] = ocl_pow2_local(d, l->kernel, OCL_EPI_LOCAL);
	l->local[1] = 1;
	l->global[0] = (n1 + l->local[0] - 1) / l->local[0] * l->local[0];
	l->global[1] = m;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
		{ sizeof(im), &im }, { sizeof(in1), &in1 },
		{ sizeof(in2), &in2 }, { sizeof(iS), &iS },
		{ sizeof(sc), &sc }, { sizeof(cl_mem), p },
		{ sizeof(incat), &incat }, { sizeof(cl_mem), b },
		{ sizeof(cl_mem), y }, { xa_bytes, NULL } }, 10, err, n_err);
}

static int ocl_partials(struct ocl_dev *d, struct ocl_state *s, size_t floats,
			char *err, size_t n_err)
{
	cl_int rc;

	s->tmp[0] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE,
				   floats * sizeof(float), NULL, &rc);
	if (!s->tmp[0])
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating "
			       "%zu floats of partial products on device '%s' "
			       "failed (%s).", floats, d->dev_name,
			       ocl_errstr(rc));
	return 0;
}

int ocl_prepare_lora_splitk(struct ocl_dev *d, struct ocl_state *s,
			    size_t t, size_t in, size_t out, size_t rank,
			    float scale, char *err, size_t n_err)
{
	size_t tiles = ((t + OCL_ST - 1) / OCL_ST) *
		       ((out + OCL_ST - 1) / OCL_ST + (rank + OCL_ST - 1) / OCL_ST);
	size_t kc, S = ocl_splits(d, tiles, in, &kc);
	int ret;

	if (S * t > (size_t)INT_MAX / (out + rank))
		return err_set(err, n_err, MC_ENOTSUP, "opencl: the partial "
			       "products of lora_forward would pass %d floats.",
			       INT_MAX);
	if ((ret = ocl_partials(d, s, S * t * (out + rank), err, n_err)) < 0)
		return ret;
	s->n_launch = 2;
	if ((ret = ocl_splitk_launch(d, &s->launch[0], t, in, kc, S,
				     &s->in[0], &s->in[1], out, &s->in[2],
				     rank, &s->tmp[0], err, n_err)) < 0)
		return ret;
	return ocl_epilogue_launch(d, &s->launch[1], t, out, rank, S, scale,
				   &s->tmp[0], &s->in[3], &s->out, err, n_err);
}

/* mc_gemm_rowdot: one group per row of A, red[n][L] in local memory. */
static int ocl_rowdot_launch(struct ocl_dev *d, struct ocl_state *s,
			     size_t m, size_t n, size_t k,
			     char *err, size_t n_err)
{
	struct ocl_launch *l = &s->launch[0];
	cl_int in = (cl_int)n, ik = (cl_int)k;
	size_t local;
	int ret;

	l->name = "mc_gemm_rowdot";
	if ((ret = ocl_kernel(d, l->name, &l->kernel, err, n_err)) < 0)
		return ret;
	local = ocl_pow2_local(d, l->kernel, OCL_EPI_LOCAL);
	/* CPU drivers run a group as loops split at barriers: a few
	 * work-items each, as for the row kernels. */
	if (d->type & CL_DEVICE_TYPE_CPU && local > 8)
		local = 8;
	while (local > 1 && n * local * sizeof(float) > d->local_mem / 2)
		local /= 2;
	s->n_launch = 1;
	l->dim = 1;
	l->local[0] = local;
	l->global[0] = m * local;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
		{ sizeof(in), &in }, { sizeof(ik), &ik },
		{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
		{ sizeof(cl_mem), &s->out },
		{ n * local * sizeof(float), NULL } }, 6, err, n_err);
}

static int ocl_direct_launch(struct ocl_dev *d, struct ocl_state *s,
			     size_t m, size_t n, size_t k,
			     char *err, size_t n_err)
{
	struct ocl_launch *l = &s->launch[0];
	cl_int im = (cl_int)m, in = (cl_int)n, ik = (cl_int)k;
	int ret;

	l->name = "mc_gemm_direct";
	if ((ret = ocl_kernel(d, l->name, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch = 1;
	l->dim = 2;
	l->local[0] = ocl_pow2_local(d, l->kernel, 64);
	l->local[1] = 1;
	l->global[0] = (n + l->local[0] - 1) / l->local[0] * l->local[0];
	l->global[1] = m;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
		{ sizeof(im), &im }, { sizeof(in), &in }, { sizeof(ik), &ik },
		{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
		{ sizeof(cl_mem), &s->out } }, 6, err, n_err);
}

/* Narrow outputs (n <= 16: 64 x 8 x k) get one group per row, a shallow
 * product (k <= 32: 64 x 1024 x 8) one work-item per output; both are one
 * launch, since at these sizes the launch is most of the time. Any other
 * shape runs mc_gemm_splitk, k split only when the output tiles are too
 * few for the device, with the epilogue summing the slices. */
int ocl_prepare_sgemm_skinny(struct ocl_dev *d, struct ocl_state *s,
			     size_t m, size_t n, size_t k,
			     char *err, size_t n_err)
{
	size_t tiles = ((m + OCL_ST - 1) / OCL_ST) * ((n + OCL_ST - 1) / OCL_ST);
	size_t kc, S;
	int ret;

	if (n <= OCL_ROWDOT_NMAX)
		return ocl_rowdot_launch(d, s, m, n, k, err, n_err);
	if (k <= OCL_DIRECT_KMAX)
		return ocl_direct_launch(d, s, m, n, k, err, n_err);
	S = ocl_splits(d, tiles, k, &kc);
	if (S == 1) {
		s->n_launch = 1;
		return ocl_splitk_launch(d, &s->launch[0], m, k, kc, 1,
					 &s->in[0], &s->in[1], n, &s->in[1], 0,
					 &s->out, err, n_err);
	}
	if (S * m > (size_t)INT_MAX / n)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: the partial "
			       "products of sgemm would pass %d floats.",
			       INT_MAX);
	if ((ret = ocl_partials(d, s, S * m * n, err, n_err)) < 0)
		return ret;
	s->n_launch = 2;
	if ((ret = ocl_splitk_launch(d, &s->launch[0], m, k, kc, S, &s->in[0],
				     &s->in[1], n, &s->in[1], 0, &s->tmp[0],
				     err, n_err)) < 0)
		return ret;
	return ocl_epilogue_launch(d, &s->launch[1], m, n, 0, S, 1.0f,
				   &s->tmp[0], &s->in[1], &s->out, err, n_err);
}
