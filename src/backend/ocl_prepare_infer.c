/*
 * ocl_prepare_infer.c - the OpenCL backend's prepares for the inference
 * kernels (declared in ocl_int.h): the samplers of kernels/opencl/sample.cl
 * and the embedding lookup, RoPE and attention alone (sdpa) of
 * kernels/opencl/decoder.cl. The decoder's sublayers, the layer and
 * whole-model decoding are ocl_prepare_decoder.c's.
 */
#include "ocl_int.h"

#include <limits.h>
#include <string.h>

#include "err.h"

#define OCL_SAMPLE_LOCAL 256     /* work-items of the one sampling group */
#define OCL_SDPA_MAXHD 128       /* MC_SDPA_MAXHD of decoder.cl */

int ocl_prepare_sample(struct ocl_dev *d, const struct ocl_kernel *k,
		       const struct workload *w, const char *variant,
		       struct ocl_state *s, char *err, size_t n_err)
{
	struct ocl_launch *l;
	size_t vocab = 0, lens[2], local;
	cl_int vocab_arg, k_arg;
	cl_int rc;
	int ret;

	(void)variant;
	if ((ret = ocl_state_reserve(s, 1, 1, err, n_err)) < 0)
		return ret;
	l = &s->launch[0];
	if ((ret = ocl_param(w, "vocab", &vocab, err, n_err)) < 0)
		return ret;
	lens[0] = vocab;
	lens[1] = 1;
	if ((ret = ocl_check_plan(w, 2, lens, 1, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = ocl_kernel(d, k->cl_name, &l->kernel, err, n_err)) < 0)
		return ret;
	/* the kept tokens' indices and weights */
	s->tmp[0] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE,
				   2 * vocab * sizeof(float), NULL, &rc);
	if (!s->tmp[0])
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating the "
			       "scratch of %s on device '%s' failed (%s).",
			       w->spec->name, d->dev_name, ocl_errstr(rc));
	/* a power of two (the reductions halve it), at least 2 (the
	 * temperature kernel keeps two values in the int scratch) */
	local = ocl_local_pow2(d, l->kernel, OCL_SAMPLE_LOCAL);
	if (local < 2)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s needs work-"
			       "groups of 2 or more on device '%s'.",
			       w->spec->name, d->dev_name);
	s->n_launch = 1;
	l->name = k->cl_name;
	l->dim = 1;
	l->global[0] = l->local[0] = local;
	vocab_arg = (cl_int)vocab;
	k_arg = (cl_int)workload_param(w, "k", 1);
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
			{ sizeof(cl_mem), &s->out }, { sizeof(cl_mem), &s->tmp[0] },
			{ sizeof(vocab_arg), &vocab_arg }, { sizeof(k_arg), &k_arg },
			{ local * sizeof(cl_float), NULL }, { local * sizeof(cl_int), NULL },
		}, 8, err, n_err);
}

int ocl_prepare_embedding(struct ocl_dev *d, const struct ocl_kernel *k,
			  const struct workload *w, const char *variant,
			  struct ocl_state *s, char *err, size_t n_err)
{
	struct ocl_launch *l;
	size_t seq = 0, vocab = 0, hidden = 0, lens[2];
	cl_int seq_arg, hid_arg;
	int ret;

	(void)variant;
	if ((ret = ocl_state_reserve(s, 1, 0, err, n_err)) < 0)
		return ret;
	l = &s->launch[0];
	if ((ret = ocl_param(w, "seq", &seq, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "vocab", &vocab, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "hidden", &hidden, err, n_err)) < 0)
		return ret;
	lens[0] = vocab * hidden;
	lens[1] = seq;
	if ((ret = ocl_check_plan(w, 2, lens, seq * hidden, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = ocl_kernel(d, k->cl_name, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch = 1;
	l->name = k->cl_name;
	ocl_launch_1d(d, l, seq * hidden);
	seq_arg = (cl_int)seq;
	hid_arg = (cl_int)hidden;
	/* the component's ids are all the prompt: no generated tokens, no
	 * device position (mc_embedding) */
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
			{ sizeof(cl_mem), NULL }, { sizeof(cl_mem), NULL },
			{ sizeof(cl_int), &(cl_int){ 0 } }, { sizeof(cl_mem), &s->out },
			{ sizeof(seq_arg), &seq_arg }, { sizeof(hid_arg), &hid_arg },
			{ sizeof(seq_arg), &seq_arg },
		}, 9, err, n_err);
}

int ocl_prepare_rope(struct ocl_dev *d, const struct ocl_kernel *k,
		     const struct workload *w, const char *variant,
		     struct ocl_state *s, char *err, size_t n_err)
{
	struct ocl_launch *l;
	size_t seq = 0, heads = 0, hd = 0, n;
	cl_int seq_arg, hd_arg, pairs_arg;
	int ret;

	(void)variant;
	if ((ret = ocl_state_reserve(s, 1, 0, err, n_err)) < 0)
		return ret;
	l = &s->launch[0];
	if ((ret = ocl_param(w, "seq", &seq, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "heads", &heads, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "head_dim", &hd, err, n_err)) < 0)
		return ret;
	n = heads * seq * hd;
	if (n / 2 > INT_MAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: rope over %zu "
			       "pairs is beyond the kernel's indexing.", n / 2);
	if ((ret = ocl_check_plan(w, 1, &n, n, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = ocl_kernel(d, k->cl_name, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch = 1;
	l->name = k->cl_name;
	ocl_launch_1d(d, l, n / 2);
	seq_arg = (cl_int)seq;
	hd_arg = (cl_int)hd;
	pairs_arg = (cl_int)(n / 2);
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->out },
			{ sizeof(seq_arg), &seq_arg }, { sizeof(hd_arg), &hd_arg },
			{ sizeof(pairs_arg), &pairs_arg },
		}, 5, err, n_err);
}

/* sdpa and sdpa_causal: mc_sdpa with the flag the row's name implies. */
int ocl_prepare_sdpa(struct ocl_dev *d, const struct ocl_kernel *k,
		     const struct workload *w, const char *variant,
		     struct ocl_state *s, char *err, size_t n_err)
{
	struct ocl_launch *l;
	size_t seq = 0, heads = 0, kv = 0, hd = 0, lens[3];
	cl_int a_seq, a_heads, a_kv, a_hd, a_causal;
	int ret;

	(void)variant;
	if ((ret = ocl_state_reserve(s, 1, 0, err, n_err)) < 0)
		return ret;
	l = &s->launch[0];
	if ((ret = ocl_param(w, "seq", &seq, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "heads", &heads, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "kv_heads", &kv, err, n_err)) < 0 ||
	    (ret = ocl_param(w, "head_dim", &hd, err, n_err)) < 0)
		return ret;
	if (hd > OCL_SDPA_MAXHD || heads * seq > INT_MAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s takes head_dim "
			       "up to %d and heads x seq below 2^31 (got %zu, "
			       "%zu).", w->spec->name, OCL_SDPA_MAXHD, hd,
			       heads * seq);
	lens[0] = heads * seq * hd;
	lens[1] = lens[2] = kv * seq * hd;
	if ((ret = ocl_check_plan(w, 3, lens, lens[0], err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = ocl_kernel(d, k->cl_name, &l->kernel, err, n_err)) < 0)
		return ret;
	s->n_launch = 1;
	l->name = k->cl_name;
	ocl_launch_1d(d, l, heads * seq);
	a_seq = (cl_int)seq;
	a_heads = (cl_int)heads;
	a_kv = (cl_int)kv;
	a_hd = (cl_int)hd;
	a_causal = strcmp(k->name, "sdpa_causal") == 0;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
			{ sizeof(cl_mem), &s->in[2] }, { sizeof(cl_mem), &s->out },
			{ sizeof(a_seq), &a_seq }, { sizeof(a_heads), &a_heads },
			{ sizeof(a_kv), &a_kv }, { sizeof(a_hd), &a_hd },
			{ sizeof(a_causal), &a_causal },
		}, 9, err, n_err);
}
