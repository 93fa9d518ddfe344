/*
 * ocl_prepare_infer.c - the OpenCL backend's prepares for the inference
 * kernels (declared in ocl_int.h): the samplers of kernels/opencl/sample.cl
 * and the embedding lookup, RoPE and attention alone (sdpa) of
 * kernels/opencl/decoder.cl, and the attention and MLP sublayers of
 * kernels/opencl/layer.cl.
 */
#include "ocl_int.h"

#include <limits.h>
#include <string.h>

#include "err.h"
#include "ref/decoder.h"

#define OCL_SAMPLE_LOCAL 256     /* work-items of the one sampling group */
#define OCL_SDPA_MAXHD 128       /* MC_SDPA_MAXHD of decoder.cl */

/* One launch of k over n work-items in groups of up to 256. */
static void launch_1d(struct ocl_dev *d, struct ocl_launch *l, size_t n)
{
	size_t wg = ocl_kernel_wg(d, l->kernel);

	l->dim = 1;
	l->local[0] = wg < 256 ? wg : 256;
	l->global[0] = (n + l->local[0] - 1) / l->local[0] * l->local[0];
}

int ocl_prepare_sample(struct ocl_dev *d, const struct ocl_kernel *k,
		       const struct workload *w, const char *variant,
		       struct ocl_state *s, char *err, size_t n_err)
{
	struct ocl_launch *l;
	size_t vocab = 0, lens[2], local = 1, cap;
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
	cap = ocl_kernel_wg(d, l->kernel);
	while (local * 2 <= cap && local * 2 <= OCL_SAMPLE_LOCAL)
		local *= 2;
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
	launch_1d(d, l, seq * hidden);
	seq_arg = (cl_int)seq;
	hid_arg = (cl_int)hidden;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
			{ sizeof(cl_mem), &s->out },
			{ sizeof(seq_arg), &seq_arg }, { sizeof(hid_arg), &hid_arg },
		}, 5, err, n_err);
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
	launch_1d(d, l, n / 2);
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
	launch_1d(d, l, heads * seq);
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

/* ------------------------------------- attention and MLP sublayers */

/* A buffer of n floats for s->tmp[i]. */
static int tmp_buffer(struct ocl_dev *d, const struct workload *w,
		      struct ocl_state *s, size_t i, size_t n, char *err,
		      size_t n_err)
{
	cl_int rc;
	int ret;

	if ((ret = ocl_state_reserve(s, 0, i + 1, err, n_err)) < 0)
		return ret;
	s->tmp[i] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, n * sizeof(float),
				   NULL, &rc);
	if (!s->tmp[i])
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating %zu "
			       "floats of intermediates for %s on device '%s' "
			       "failed (%s).", n, w->spec->name, d->dev_name,
			       ocl_errstr(rc));
	return 0;
}

/* The shape of an attention or mlp workload, checked against what the
 * kernels index with ints. */
static int sublayer_shape(const struct workload *w, int attn,
			  struct dec_shape *out, char *err, size_t n_err)
{
	size_t v[5] = { 0, 0, 0, 0, 0 };
	static const char *const an[] = { "seq", "hidden", "heads", "kv_heads", "head_dim" };
	static const char *const mn[] = { "seq", "hidden", "mlp" };
	int ret;

	for (size_t i = 0; i < (attn ? 5u : 3u); i++)
		if ((ret = ocl_param(w, attn ? an[i] : mn[i], &v[i], err, n_err)) < 0)
			return ret;
	*out = attn ? (struct dec_shape){ v[0], v[1], v[2], v[3], v[4], 0 } :
		      (struct dec_shape){ v[0], v[1], 1, 1, 2, v[2] };
	if (out->hidden % 4 || (out->mlp % 4))
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s's GEMMs take "
			       "hidden and mlp in multiples of 4 (got %zu, %zu).",
			       w->spec->name, out->hidden, out->mlp);
	if (attn && out->hd > OCL_SDPA_MAXHD)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: attention takes "
			       "head_dim up to %d, not %zu.", OCL_SDPA_MAXHD, out->hd);
	if (w->plan.input_len[1] > INT_MAX ||
	    out->seq * (out->mlp + (out->heads + 2 * out->kv) * out->hd +
			out->hidden) > INT_MAX)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s at this shape "
			       "is beyond the kernels' int indexing.", w->spec->name);
	return 0;
}

/* launch l of cl_name over n work-items with the arguments args */
static int add_launch(struct ocl_dev *d, struct ocl_state *s, const char *cl_name,
		      size_t n, const struct ocl_arg *args, cl_uint n_args,
		      char *err, size_t n_err)
{
	struct ocl_launch *l;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, cl_name, &l, err, n_err)) < 0)
		return ret;
	launch_1d(d, l, n);
	return ocl_set_args(d, l->kernel, cl_name, args, n_args, err, n_err);
}

int ocl_prepare_attention(struct ocl_dev *d, const struct ocl_kernel *k,
			  const struct workload *w, const char *variant,
			  struct ocl_state *s, char *err, size_t n_err)
{
	struct dec_shape sh;
	struct dec_attn_w aw;
	const float *base = w->inputs[1];
	size_t lens[2], nq, nkv;
	cl_int a[14];
	int ret;

	(void)k;
	(void)variant;
	if ((ret = sublayer_shape(w, 1, &sh, err, n_err)) < 0)
		return ret;
	nq = sh.heads * sh.hd;
	nkv = sh.kv * sh.hd;
	lens[0] = sh.seq * sh.hidden;
	lens[1] = dec_attn_floats(&sh);
	if ((ret = ocl_check_plan(w, 2, lens, lens[0], err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = tmp_buffer(d, w, s, 0, sh.seq * (nq + 2 * nkv), err, n_err)) < 0 ||
	    (ret = tmp_buffer(d, w, s, 1, sh.seq * nq, err, n_err)) < 0)
		return ret;
	dec_attn_split(&sh, base, &aw);
	a[0] = (cl_int)sh.seq;
	a[1] = (cl_int)sh.hidden;
	a[2] = (cl_int)sh.heads;
	a[3] = (cl_int)sh.kv;
	a[4] = (cl_int)sh.hd;
	a[5] = (cl_int)(aw.wq - base);
	a[6] = (cl_int)(aw.bq - base);
	a[7] = (cl_int)(aw.wk - base);
	a[8] = (cl_int)(aw.bk - base);
	a[9] = (cl_int)(aw.wv - base);
	a[10] = (cl_int)(aw.bv - base);
	a[11] = (cl_int)(aw.wo - base);
	a[12] = (cl_int)nq;
	a[13] = -1;
	if ((ret = add_launch(d, s, "mc_attn_qkv", sh.seq * (nq / 2 + nkv / 2 + nkv),
			      (const struct ocl_arg[]){
				{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
				{ sizeof(cl_mem), &s->tmp[0] },
				{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[1] },
				{ sizeof(cl_int), &a[2] }, { sizeof(cl_int), &a[3] },
				{ sizeof(cl_int), &a[4] }, { sizeof(cl_int), &a[5] },
				{ sizeof(cl_int), &a[6] }, { sizeof(cl_int), &a[7] },
				{ sizeof(cl_int), &a[8] }, { sizeof(cl_int), &a[9] },
				{ sizeof(cl_int), &a[10] } }, 14, err, n_err)) < 0 ||
	    (ret = add_launch(d, s, "mc_attn_core", sh.heads * sh.seq,
			      (const struct ocl_arg[]){
				{ sizeof(cl_mem), &s->tmp[0] }, { sizeof(cl_mem), &s->tmp[1] },
				{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[2] },
				{ sizeof(cl_int), &a[3] }, { sizeof(cl_int), &a[4] } },
			      6, err, n_err)) < 0)
		return ret;
	/* out = o . wo [nq x hidden], no bias; 4 x 4 blocks */
	return add_launch(d, s, "mc_linear", (sh.seq + 3) / 4 * (sh.hidden / 4),
			  (const struct ocl_arg[]){
				{ sizeof(cl_mem), &s->tmp[1] }, { sizeof(cl_mem), &s->in[1] },
				{ sizeof(cl_mem), &s->out },
				{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[1] },
				{ sizeof(cl_int), &a[12] }, { sizeof(cl_int), &a[11] },
				{ sizeof(cl_int), &a[13] } }, 8, err, n_err);
}

int ocl_prepare_mlp(struct ocl_dev *d, const struct ocl_kernel *k,
		    const struct workload *w, const char *variant,
		    struct ocl_state *s, char *err, size_t n_err)
{
	struct dec_shape sh;
	struct dec_mlp_w mw;
	const float *base = w->inputs[1];
	size_t lens[2];
	cl_int a[7];
	int ret;

	(void)k;
	(void)variant;
	if ((ret = sublayer_shape(w, 0, &sh, err, n_err)) < 0)
		return ret;
	lens[0] = sh.seq * sh.hidden;
	lens[1] = dec_mlp_floats(&sh);
	if ((ret = ocl_check_plan(w, 2, lens, lens[0], err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = tmp_buffer(d, w, s, 0, sh.seq * sh.mlp, err, n_err)) < 0)
		return ret;
	dec_mlp_split(&sh, base, &mw);
	a[0] = (cl_int)sh.seq;
	a[1] = (cl_int)sh.hidden;
	a[2] = (cl_int)sh.mlp;
	a[3] = (cl_int)(mw.wg - base);
	a[4] = (cl_int)(mw.wu - base);
	a[5] = (cl_int)(mw.wd - base);
	a[6] = -1;
	if ((ret = add_launch(d, s, "mc_mlp_gate_up", (sh.seq + 3) / 4 * (sh.mlp / 4),
			      (const struct ocl_arg[]){
				{ sizeof(cl_mem), &s->in[0] }, { sizeof(cl_mem), &s->in[1] },
				{ sizeof(cl_mem), &s->tmp[0] },
				{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[1] },
				{ sizeof(cl_int), &a[2] }, { sizeof(cl_int), &a[3] },
				{ sizeof(cl_int), &a[4] } }, 8, err, n_err)) < 0)
		return ret;
	return add_launch(d, s, "mc_linear", (sh.seq + 3) / 4 * (sh.hidden / 4),
			  (const struct ocl_arg[]){
				{ sizeof(cl_mem), &s->tmp[0] }, { sizeof(cl_mem), &s->in[1] },
				{ sizeof(cl_mem), &s->out },
				{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[1] },
				{ sizeof(cl_int), &a[2] }, { sizeof(cl_int), &a[5] },
				{ sizeof(cl_int), &a[6] } }, 8, err, n_err);
}
