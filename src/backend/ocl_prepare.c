/*
 * ocl_prepare.c - how the OpenCL backend prepares each kind of kernel: the
 * prepare functions its kernel table (backend_opencl.c) points at. They
 * upload a workload's inputs, create the output and any intermediates,
 * create the kernels and set their arguments and launch geometry, and
 * check the plan against what the OpenCL kernels assume.
 */
#include "ocl_int.h"
#include "ocl_tune.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "err.h"

#define OCL_ROW_LOCAL 1024       /* local size cap of the row kernels */
#define OCL_ROW_LOCAL_CPU 8      /* the same on CPU devices, see ocl_row_local */
#define OCL_ROW_GROUP 128        /* "online": rows share groups up to this */
#define OCL_ROW_PER_ITEM 16      /* floats per work-item a row kernel aims at */
#define OCL_NORM_EPS 1e-5f
#define OCL_LORA_SCALE 2.0f      /* alpha / rank with alpha = 2 * rank */
#define OCL_LORA_RMAX 64         /* MC_LORA_RMAX of lora.cl */

/* Positive parameter of w that fits an int, or MC_EINVAL. */
int ocl_param(const struct workload *w, const char *name,
		     size_t *out, char *err, size_t n_err)
{
	long v = workload_param(w, name, -1);

	if (v <= 0 || v > INT_MAX)
		return err_set(err, n_err, MC_EINVAL, "opencl: %s needs "
			       "parameter %s in 1..%d, got %ld.",
			       w->spec->name, name, INT_MAX, v);
	*out = (size_t)v;
	return 0;
}

/* Checks that the plan of w has the buffer sizes this backend assumes, so a
 * changed spec fails here instead of reading past a device buffer. */
int ocl_check_plan(const struct workload *w, size_t n_inputs,
			  const size_t *lens, size_t out_len,
			  char *err, size_t n_err)
{
	if (w->plan.n_inputs != n_inputs || w->plan.output_len != out_len)
		return err_set(err, n_err, MC_EINVAL, "opencl: the plan of %s "
			       "has %zu inputs and %zu output floats, the "
			       "OpenCL kernel expects %zu and %zu.",
			       w->spec->name, w->plan.n_inputs,
			       w->plan.output_len, n_inputs, out_len);
	for (size_t i = 0; i < n_inputs; i++)
		if (w->plan.input_len[i] != lens[i])
			return err_set(err, n_err, MC_EINVAL, "opencl: input "
				       "%zu of %s has %zu floats, the OpenCL "
				       "kernel expects %zu.", i, w->spec->name,
				       w->plan.input_len[i], lens[i]);
	return 0;
}

int ocl_upload(struct ocl_dev *d, const struct workload *w,
		      struct ocl_state *s, char *err, size_t n_err)
{
	return ocl_upload_some(d, w, s, 0, err, n_err);
}

int ocl_upload_some(struct ocl_dev *d, const struct workload *w,
		    struct ocl_state *s, unsigned host_only, char *err,
		    size_t n_err)
{
	cl_int rc;

	for (size_t i = 0; i < w->plan.n_inputs; i++) {
		size_t bytes = w->plan.input_len[i] * sizeof(float);

		if (host_only & (1u << i))
			continue;
		s->in[i] = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY, bytes,
					  NULL, &rc);
		if (!s->in[i])
			return err_set(err, n_err, MC_ENOMEM, "opencl: "
				       "allocating %zu bytes for input %zu of "
				       "%s on device '%s' failed (%s).", bytes,
				       i, w->spec->name, d->dev_name,
				       ocl_errstr(rc));
		rc = clEnqueueWriteBuffer(d->queue, s->in[i], CL_TRUE, 0,
					  bytes, w->inputs[i], 0, NULL, NULL);
		if (rc != CL_SUCCESS)
			return err_set(err, n_err, MC_EIO, "opencl: uploading "
				       "input %zu of %s to device '%s' failed "
				       "(%s).", i, w->spec->name, d->dev_name,
				       ocl_errstr(rc));
	}
	s->out_len = w->plan.output_len;
	s->out = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE,
				s->out_len * sizeof(float), NULL, &rc);
	if (!s->out)
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating the "
			       "output of %s on device '%s' failed (%s).",
			       w->spec->name, d->dev_name, ocl_errstr(rc));
	return 0;
}

void ocl_launch_1d(struct ocl_dev *d, struct ocl_launch *l, size_t n)
{
	size_t wg = ocl_kernel_wg(d, l->kernel);

	l->dim = 1;
	l->local[0] = wg < 256 ? wg : 256;
	l->global[0] = (n + l->local[0] - 1) / l->local[0] * l->local[0];
}

int ocl_add_launch_1d(struct ocl_dev *d, struct ocl_state *s,
		      const char *cl_name, size_t n, const struct ocl_arg *args,
		      cl_uint n_args, char *err, size_t n_err)
{
	struct ocl_launch *l;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, cl_name, &l, err, n_err)) < 0)
		return ret;
	ocl_launch_1d(d, l, n);
	return ocl_set_args(d, l->kernel, cl_name, args, n_args, err, n_err);
}

int ocl_tmp_buffer(struct ocl_dev *d, const struct workload *w,
		   struct ocl_state *s, size_t bytes, cl_mem *out_mem,
		   char *err, size_t n_err)
{
	size_t i = s->n_tmp;
	cl_int rc;
	int ret;

	if ((ret = ocl_state_reserve(s, 0, i + 1, err, n_err)) < 0)
		return ret;
	s->tmp[i] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, bytes, NULL, &rc);
	if (!s->tmp[i])
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating %zu "
			       "bytes of intermediates for %s on device '%s' "
			       "failed (%s).", bytes,
			       w ? w->spec->name : "a GEMM's split sums",
			       d->dev_name, ocl_errstr(rc));
	*out_mem = s->tmp[i];
	return 0;
}

size_t ocl_local_pow2(struct ocl_dev *d, cl_kernel k, size_t most)
{
	size_t cap = ocl_kernel_wg(d, k), local = 1;

	while (local * 2 <= cap && local * 2 <= most)
		local *= 2;
	return local;
}

/* Local size of a row kernel: the power of two that gives each work-item
 * about OCL_ROW_PER_ITEM floats (4 float4: enough work between the
 * reductions' barriers, and rows up to 8192 * 4 floats stay in registers),
 * at least 4 (for the cols % 4 tail elements), at most OCL_ROW_LOCAL and
 * what the device allows for the kernel. On the H100 (NVIDIA OpenCL), rows
 * of 1000-1024 floats ran 1.4-2.2x faster with 64 work-items than with 256,
 * at 2.3-2.9 TB/s against a triad of 3.0; that driver allows these kernels
 * 256 work-items, so rows past 8192 floats re-read part of the row (1.5-1.8
 * TB/s at 32768). CPU drivers run a work-group on one core as loops split
 * at each barrier; there 8 beat 256 by 3-7x on PoCL, so CPUs get at most
 * OCL_ROW_LOCAL_CPU. */
size_t ocl_row_local(struct ocl_dev *d, cl_kernel k, size_t cols)
{
	size_t cap = ocl_kernel_wg(d, k), want = cols / OCL_ROW_PER_ITEM, l = 1;
	size_t most = d->type & CL_DEVICE_TYPE_CPU ? OCL_ROW_LOCAL_CPU :
		      OCL_ROW_LOCAL;

	if (cap > most)
		cap = most;
	if (want < 4)
		want = 4;
	while (l * 2 <= cap && l < want)
		l *= 2;
	return l;
}

/* A row kernel kname over x[rows x cols] and n_in - 1 vectors of cols
 * (gamma, beta); the norms (with_eps) also take the epsilon. n_red > 0
 * selects the variant "online" (rows_online.cl): rows, cols, seg before
 * the epsilon, n_red floats of scratch per work-item, and several rows per
 * group. */
static int ocl_prepare_rows(struct ocl_dev *d, const struct workload *w,
			    const char *kname, size_t n_in, int with_eps,
			    size_t n_red, struct ocl_state *s,
			    char *err, size_t n_err)
{
	size_t rows = 0, cols = 0, lens[3], local, per = 1;
	cl_int cols_arg, rows_arg, seg_arg;
	cl_float eps = OCL_NORM_EPS;
	struct ocl_launch *l;
	struct ocl_arg args[9];
	cl_uint n_args = 0;
	int ret;

	if ((ret = ocl_state_reserve(s, 1, 0, err, n_err)) < 0)
		return ret;
	l = &s->launch[0];
	if ((ret = ocl_param(w, "rows", &rows, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "cols", &cols, err, n_err)) < 0)
		return ret;
	if (rows > SIZE_MAX / cols / sizeof(float))
		return err_set(err, n_err, MC_EINVAL, "opencl: %s with %zu x "
			       "%zu floats is too large.", w->spec->name,
			       rows, cols);
	lens[0] = rows * cols;
	lens[1] = lens[2] = cols;
	if ((ret = ocl_check_plan(w, n_in, lens, rows * cols, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = ocl_kernel(d, kname, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch = 1;
	l->name = kname;
	local = ocl_row_local(d, l->kernel, cols);
	if (n_red) {
		/* Short rows share a group: up to OCL_ROW_GROUP work-items
		 * (the CPU cap on CPUs), within what the kernel allows and
		 * what the scratch leaves of local memory. */
		size_t most = d->type & CL_DEVICE_TYPE_CPU ? OCL_ROW_LOCAL_CPU :
			      OCL_ROW_GROUP;

		while (local * per * 2 <= most && per < rows &&
		       local * per * 2 <= ocl_kernel_wg(d, l->kernel) &&
		       n_red * local * per * 2 * sizeof(float) <=
		       d->local_mem / 2)
			per *= 2;
	}
	cols_arg = (cl_int)cols;
	rows_arg = (cl_int)rows;
	seg_arg = (cl_int)local;
	for (size_t i = 0; i < n_in; i++)
		args[n_args++] = (struct ocl_arg){ sizeof(cl_mem), &s->in[i] };
	args[n_args++] = (struct ocl_arg){ sizeof(cl_mem), &s->out };
	if (n_red)
		args[n_args++] = (struct ocl_arg){ sizeof(rows_arg), &rows_arg };
	args[n_args++] = (struct ocl_arg){ sizeof(cols_arg), &cols_arg };
	if (n_red)
		args[n_args++] = (struct ocl_arg){ sizeof(seg_arg), &seg_arg };
	if (with_eps)
		args[n_args++] = (struct ocl_arg){ sizeof(eps), &eps };
	args[n_args++] = (struct ocl_arg){ (n_red ? n_red : 1) * local * per *
					   sizeof(float), NULL };
	l->dim = 1;
	l->local[0] = local * per;
	l->global[0] = (rows + per - 1) / per * local * per;
	return ocl_set_args(d, l->kernel, kname, args, n_args, err, n_err);
}

/* Whether variant names the row kernels' "online" variant. */
static int ocl_online(const char *variant)
{
	return variant && strcmp(variant, "online") == 0;
}

int ocl_prepare_softmax(struct ocl_dev *d, const struct ocl_kernel *k,
			       const struct workload *w, const char *variant,
			       struct ocl_state *s, char *err, size_t n_err)
{
	if (ocl_online(variant))
		return ocl_prepare_rows(d, w, "mc_softmax_online", 1, 0, 2, s,
					err, n_err);
	return ocl_prepare_rows(d, w, k->cl_name, 1, 0, 0, s, err, n_err);
}

int ocl_prepare_layernorm(struct ocl_dev *d, const struct ocl_kernel *k,
				 const struct workload *w, const char *variant,
				 struct ocl_state *s, char *err, size_t n_err)
{
	if (ocl_online(variant))
		return ocl_prepare_rows(d, w, "mc_layernorm_online", 3, 1, 3, s,
					err, n_err);
	return ocl_prepare_rows(d, w, k->cl_name, 3, 1, 0, s, err, n_err);
}

int ocl_prepare_rmsnorm(struct ocl_dev *d, const struct ocl_kernel *k,
			       const struct workload *w, const char *variant,
			       struct ocl_state *s, char *err, size_t n_err)
{
	if (ocl_online(variant))
		return ocl_prepare_rows(d, w, "mc_rmsnorm_online", 2, 1, 1, s,
					err, n_err);
	return ocl_prepare_rows(d, w, k->cl_name, 2, 1, 0, s, err, n_err);
}

/* An elementwise kernel, the row's cl_name: every input and the output hold
 * n floats; the arguments are the inputs in the spec's order, the output
 * and n (int), over n work-items rounded up to whole work-groups (the
 * kernel checks its index against n). */
int ocl_prepare_elementwise(struct ocl_dev *d,
				   const struct ocl_kernel *k,
				   const struct workload *w,
				   const char *variant, struct ocl_state *s,
				   char *err, size_t n_err)
{
	size_t n = w->plan.output_len, lens[WORKLOAD_MAX_BUFS];
	struct ocl_launch *l;
	struct ocl_arg args[WORKLOAD_MAX_BUFS + 2];
	cl_uint n_args = 0;
	cl_int n_arg;
	int ret;

	(void)variant;
	if ((ret = ocl_state_reserve(s, 1, 0, err, n_err)) < 0)
		return ret;
	l = &s->launch[0];
	if (n > INT_MAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s over %zu "
			       "floats is beyond the OpenCL kernel's "
			       "indexing.", w->spec->name, n);
	for (size_t i = 0; i < w->plan.n_inputs; i++)
		lens[i] = n;
	if ((ret = ocl_check_plan(w, w->plan.n_inputs, lens, n, err,
				  n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = ocl_kernel(d, k->cl_name, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch = 1;
	l->name = k->cl_name;
	n_arg = (cl_int)n;
	for (size_t i = 0; i < w->plan.n_inputs; i++)
		args[n_args++] = (struct ocl_arg){ sizeof(cl_mem), &s->in[i] };
	args[n_args++] = (struct ocl_arg){ sizeof(cl_mem), &s->out };
	args[n_args++] = (struct ocl_arg){ sizeof(n_arg), &n_arg };
	ocl_launch_1d(d, l, n);
	return ocl_set_args(d, l->kernel, l->name, args, n_args, err, n_err);
}

CLBlastStatusCode ocl_clblast_sgemm(struct ocl_dev *d,
					   struct ocl_state *s, cl_event *ev)
{
	return CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo,
			    CLBlastTransposeNo, s->m, s->n, s->k, 1.0f,
			    s->in[0], 0, s->k, s->in[1], 0, s->n, 0.0f,
			    s->out, 0, s->n, &d->queue, ev);
}

/* One CLBlast call, waited for: done in prepare, so that CLBlast compiles
 * its kernels outside the timed run and a device it cannot serve is
 * reported before any timing. */
int ocl_clblast_try(struct ocl_dev *d, struct ocl_state *s,
			   char *err, size_t n_err)
{
	cl_event ev = NULL;
	CLBlastStatusCode st;
	cl_int rc = CL_SUCCESS;

	/* Tuned parameters, if any, before CLBlast first compiles for the
	 * device; a tuning file in error fails every CLBlast result with
	 * its message rather than timing the defaults unannounced. */
	if (!d->clblast_tuned) {
		int ret = ocl_tune_apply(d->device, d->dev_name, NULL, d->clblast_tuning,
					 sizeof(d->clblast_tuning), err, n_err);

		if (ret < 0)
			return ret;
		d->clblast_tuned = 1;
	}
	d->clblast_used = 1;
	st = ocl_clblast_sgemm(d, s, &ev);
	if (st == CLBlastSuccess)
		rc = ev ? clWaitForEvents(1, &ev) : clFinish(d->queue);
	if (ev)
		clReleaseEvent(ev);
	if (st != CLBlastSuccess)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: CLBlast SGEMM "
			       "failed on device '%s' (CLBlast status %d).",
			       d->dev_name, (int)st);
	if (rc != CL_SUCCESS)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: CLBlast SGEMM "
			       "did not complete on device '%s' (%s).",
			       d->dev_name, ocl_errstr(rc));
	return 0;
}

/* Appends the own GEMM C[m x n] = A[m x k] . B[k x n] to s. */
static int ocl_gemm_plain(struct ocl_dev *d, struct ocl_state *s, size_t m,
			  size_t n, size_t k, cl_mem a, cl_mem b, cl_mem c,
			  char *err, size_t n_err)
{
	const struct ocl_gemm g = { .m = m, .n = n, .k = k, .a = a, .b = b,
				    .c = c, .mode = OCL_EPI_NONE };

	return ocl_add_gemm(d, s, &g, err, n_err);
}

int ocl_prepare_sgemm(struct ocl_dev *d, const struct ocl_kernel *row,
			     const struct workload *w, const char *variant,
			     struct ocl_state *s, char *err, size_t n_err)
{
	size_t m = 0, n = 0, k = 0, lens[2];
	int ret;

	(void)row;
	s->use_clblast = variant && strcmp(variant, "clblast") == 0;
	/* the own kernel one launch; skinny up to two and a partials buffer */
	if ((ret = ocl_state_reserve(s, 2, 1, err, n_err)) < 0)
		return ret;

	if ((ret = ocl_param(w, "m", &m, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "n", &n, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "k", &k, err, n_err)) < 0)
		return ret;
	/* The own kernel indexes with int. */
	if (m > INT_MAX / k || k > INT_MAX / n || m > INT_MAX / n)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: sgemm %zu x "
			       "%zu x %zu has a matrix of more than %d "
			       "floats, beyond the OpenCL kernel's indexing.",
			       m, n, k, INT_MAX);
	lens[0] = m * k;
	lens[1] = k * n;
	if ((ret = ocl_check_plan(w, 2, lens, m * n, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0)
		return ret;
	s->m = m;
	s->n = n;
	s->k = k;
	if (s->use_clblast) {
		if ((ret = ocl_kernel(d, "mc_stamp", &s->stamp, err,
				      n_err)) < 0)
			return ret;
		return ocl_clblast_try(d, s, err, n_err);
	}

	if (variant && strcmp(variant, "skinny") == 0)
		return ocl_prepare_sgemm_skinny(d, s, m, n, k, err, n_err);
	return ocl_gemm_plain(d, s, m, n, k, s->in[0], s->in[1], s->out, err,
			      n_err);
}

int ocl_prepare_lora(struct ocl_dev *d, const struct ocl_kernel *row,
			    const struct workload *w, const char *variant,
			    struct ocl_state *s, char *err, size_t n_err)
{
	size_t batch = 0, seq = 0, in = 0, out = 0, rank = 0, t, lens[4];
	cl_int it, iin, iout, irank, n_y;
	cl_float scale = OCL_LORA_SCALE;
	struct ocl_launch *l;
	int fused = !variant || !variant[0] || strcmp(variant, "fused") == 0;
	cl_int rc;
	int ret;

	(void)row;
	/* unfused: four launches over two intermediates */
	if ((ret = ocl_state_reserve(s, 4, 2, err, n_err)) < 0)
		return ret;
	l = s->launch;

	if ((ret = ocl_param(w, "batch", &batch, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "seq", &seq, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "in", &in, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "out", &out, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "rank", &rank, err, n_err)) < 0)
		return ret;
	t = batch * seq;
	if (batch > INT_MAX / seq || t > INT_MAX / in || t > INT_MAX / out ||
	    in > INT_MAX / out || in > INT_MAX / rank || rank > INT_MAX / out)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: lora_forward "
			       "has a matrix of more than %d floats, beyond "
			       "the OpenCL kernels' indexing.", INT_MAX);
	if (fused && rank > OCL_LORA_RMAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: the fused "
			       "lora_forward kernel handles rank up to %d, "
			       "not %zu.", OCL_LORA_RMAX, rank);
	lens[0] = t * in;
	lens[1] = in * out;
	lens[2] = in * rank;
	lens[3] = rank * out;
	if ((ret = ocl_check_plan(w, 4, lens, t * out, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0)
		return ret;
	if (variant && strcmp(variant, "splitk") == 0)
		return ocl_prepare_lora_splitk(d, s, t, in, out, rank, scale,
					       err, n_err);
	it = (cl_int)t;
	iin = (cl_int)in;
	iout = (cl_int)out;
	irank = (cl_int)rank;

	if (fused) {
		l->name = "mc_lora_fused";
		if ((ret = ocl_kernel(d, l->name, &l->kernel, err, n_err)) < 0)
			return ret;
		s->n_launch = 1;
		if (ocl_kernel_wg(d, l->kernel) < 256)
			return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel "
				       "%s needs work-groups of 256 on device "
				       "'%s', which allows only %zu.", l->name,
				       d->dev_name,
				       ocl_kernel_wg(d, l->kernel));
		l->dim = 2;
		l->global[0] = (out + 63) / 64 * 16;
		l->global[1] = (t + 63) / 64 * 16;
		l->local[0] = l->local[1] = 16;
		return ocl_set_args(d, l->kernel, l->name,
				    (const struct ocl_arg[]){
			{ sizeof(it), &it }, { sizeof(iin), &iin },
			{ sizeof(iout), &iout }, { sizeof(irank), &irank },
			{ sizeof(scale), &scale },
			{ sizeof(cl_mem), &s->in[0] },
			{ sizeof(cl_mem), &s->in[1] },
			{ sizeof(cl_mem), &s->in[2] },
			{ sizeof(cl_mem), &s->in[3] },
			{ sizeof(cl_mem), &s->out } }, 10, err, n_err);
	}

	/* y = x.W; xa = x.A; tmp = xa.B; y += s * tmp. */
	s->tmp[0] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE,
				   t * rank * sizeof(float), NULL, &rc);
	if (s->tmp[0])
		s->tmp[1] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE,
					   t * out * sizeof(float), NULL, &rc);
	if (!s->tmp[1])
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating the "
			       "intermediates of lora_forward on device '%s' "
			       "failed (%s).", d->dev_name, ocl_errstr(rc));
	if ((ret = ocl_gemm_plain(d, s, t, out, in, s->in[0], s->in[1],
				  s->out, err, n_err)) < 0 ||
	    (ret = ocl_gemm_plain(d, s, t, rank, in, s->in[0], s->in[2],
				  s->tmp[0], err, n_err)) < 0 ||
	    (ret = ocl_gemm_plain(d, s, t, out, rank, s->tmp[0], s->in[3],
				  s->tmp[1], err, n_err)) < 0)
		return ret;
	n_y = (cl_int)(t * out);
	return ocl_add_launch_1d(d, s, "mc_axpy", t * out, (const struct ocl_arg[]){
		{ sizeof(cl_mem), &s->out }, { sizeof(cl_mem), &s->tmp[1] },
		{ sizeof(scale), &scale }, { sizeof(n_y), &n_y } }, 4, err, n_err);
}
