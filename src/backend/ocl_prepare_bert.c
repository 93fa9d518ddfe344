/*
 * ocl_prepare_bert.c - the OpenCL backend's prepares for issue 15's BERT
 * sentence encoder (kernels/ref/bert.h; kernels in kernels/opencl/bert.cl):
 * bert_encode (ids and mask in, embeddings out) and embed (text in: the
 * tokenizer on the host and the upload of its ids and mask are part of
 * every iteration).
 *
 * The projections run the own tiled kernel with the bias, gelu or residual
 * fused into its epilogue, not CLBlast: on the H200 (run 9e9c2a8a) the own
 * sgemm matched or beat CLBlast's at 256 to 2048 square, the range of the
 * encoder's products (tokens x 384 x 384 and x 1536), and CLBlast would
 * add a pass over every output for the bias and activation, plus a marker
 * per call to time it. wordpiece alone is not offered here: on this
 * backend it would be the cpu side's C tokenizer plus a copy, not device
 * work; embed measures that copy as part of the whole job.
 */
#include "ocl_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ref/bert.h"
#include "workload_bert.h"
#include "wordpiece.h"

#define OCL_BERT_TILE_GPU 128    /* widest row-kernel group on GPUs */
#define OCL_BERT_NV 8            /* MC_BERT_NV of bert.cl */
#define OCL_BERT_QB 64           /* queries per attention group, at most */

/* The intermediates in s->tmp[]: the hidden state x, the projections qkv
 * [3 x tokens x hidden], the attention output a, the pre-LN sums y, the
 * first LN's x1, the MLP's h [tokens x mlp]; embed's token ids and mask
 * [2 x tokens] (its host step uploads them). */
enum { BT_X, BT_QKV, BT_A, BT_Y, BT_X1, BT_H, BT_TOK, BT_N };

/* What the launches of one encoder need: the checked shape, the buffers
 * and offsets of the ids and mask, the weights. */
struct bert_plan {
	struct bert_shape sh;
	size_t tokens, hd;
	cl_mem ids, mask, emb, layers;
	cl_int ids_off, mask_off;
	size_t i_emb;                  /* input index of emb, layers next */
};

/* Embed's host step: the batch's text and a host copy of the ids and mask
 * it encodes to, uploaded into tmp[BT_TOK] at every iteration. */
struct bert_host {
	const struct wp_vocab *vocab;  /* the workload's */
	char *text;
	size_t len, batch, seq;
	float *tok;                    /* ids [batch x seq], mask after them */
};

static void bert_host_free(void *p)
{
	struct bert_host *h = p;

	if (!h)
		return;
	free(h->tok);
	free(h->text);
	free(h);
}

/* The shape of w, checked against what the kernels assume: rows of hidden
 * and mlp floats in float4 (multiples of 4), a head dimension of 32 or 64
 * (the attention kernel's instances), seq within the position table, and
 * every buffer indexable with int. */
static int bert_shape_check(const struct workload *w, struct bert_plan *p,
			    char *err, size_t n_err)
{
	struct bert_shape *sh = &p->sh;
	size_t H, M, T;

	*sh = *workload_bert_shape(w);
	H = sh->hidden;
	M = sh->mlp;
	T = sh->batch * sh->seq;
	p->tokens = T;
	p->hd = sh->heads ? H / sh->heads : 0;
	if (H % 4 || M % 4 || p->hd * sh->heads != H ||
	    (p->hd != 32 && p->hd != 64))
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s takes hidden "
			       "and mlp in multiples of 4 and heads of 32 or 64 "
			       "(got hidden %zu, mlp %zu, %zu heads).",
			       w->spec->name, H, M, sh->heads);
	if (sh->seq < 1 || sh->seq > BERT_MAX_POS || sh->vocab < 1 ||
	    sh->layers < 1)
		return err_set(err, n_err, MC_EINVAL, "opencl: %s has seq %zu "
			       "(1..%d), vocab %zu and %zu layers.",
			       w->spec->name, sh->seq, BERT_MAX_POS, sh->vocab,
			       sh->layers);
	if (T > INT_MAX / (3 * H) || T > INT_MAX / M ||
	    bert_emb_floats(sh) > INT_MAX ||
	    bert_layer_floats(sh) > INT_MAX / sh->layers)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s at batch "
			       "%zu, seq %zu and %zu layers is beyond the "
			       "kernels' int indexing.", w->spec->name,
			       sh->batch, sh->seq, sh->layers);
	return 0;
}

/* A power of two for a group over n items: at most `most` and what the
 * device allows for kernel k, at least `least` where allowed. */
static size_t bert_pow2(struct ocl_dev *d, cl_kernel k, size_t n,
			size_t least, size_t most)
{
	size_t cap = ocl_kernel_wg(d, k), l = 1;

	if (cap > most)
		cap = most;
	while (l * 2 <= cap && (l < n || l < least))
		l *= 2;
	return l;
}

/* A row kernel (mc_bert_embed, mc_bert_ln) over rows rows of hidden
 * floats, one group per row. GPUs get about one float4 per work-item; CPU
 * drivers run a group as loops split at the barriers, so there the fewest
 * work-items that hold the row in their MC_BERT_NV registers (as
 * ocl_row_local, which found 8 work-items 3-7x faster than 256 on PoCL). */
static int bert_row_geometry(struct ocl_dev *d, struct ocl_launch *l,
			     size_t rows, size_t hidden, char *err,
			     size_t n_err)
{
	size_t nvec = hidden / 4, per = d->type & CL_DEVICE_TYPE_CPU ?
		      OCL_BERT_NV : 1;
	size_t local = bert_pow2(d, l->kernel, (nvec + per - 1) / per, 1,
				 OCL_BERT_TILE_GPU);

	if (nvec > OCL_BERT_NV * local)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel %s "
			       "needs work-groups of %zu for rows of %zu "
			       "floats on device '%s'.", l->name,
			       (nvec + OCL_BERT_NV - 1) / OCL_BERT_NV, hidden,
			       d->dev_name);
	l->dim = 1;
	l->local[0] = local;
	l->global[0] = rows * local;
	return 0;
}

/* The projection C [m x n] = A [m x k] W^T + b (+ epilogue epi, see
 * bert.cl), nz of them zs floats apart in w: the 128 tile when that still
 * leaves two groups per compute unit, as the sgemm row chooses. R is read
 * only by the residual epilogue (any buffer otherwise). */
static int bert_gemm(struct ocl_dev *d, struct ocl_state *s, size_t m,
		     size_t n, size_t k, cl_mem A, cl_mem w, size_t wo,
		     size_t bo, size_t zs, size_t nz, cl_mem R, int epi,
		     cl_mem C, char *err, size_t n_err)
{
	size_t groups = (m + 127) / 128 * ((n + 127) / 128) * nz;
	size_t tile = groups >= 2 * (size_t)d->compute_units ? 128 : 64;
	const char *name = tile == 128 ? "mc_bert_gemm_128" : "mc_bert_gemm_64";
	cl_int a[7] = { (cl_int)m, (cl_int)n, (cl_int)k, (cl_int)wo, (cl_int)bo,
			(cl_int)zs, epi };
	struct ocl_launch *l;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, name, &l, err, n_err)) < 0)
		return ret;
	if (ocl_kernel_wg(d, l->kernel) < 256)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel %s needs "
			       "work-groups of 256 on device '%s', which allows "
			       "only %zu.", name, d->dev_name,
			       ocl_kernel_wg(d, l->kernel));
	l->dim = 3;
	l->local[0] = l->local[1] = 16;
	l->local[2] = 1;
	l->global[0] = (n + tile - 1) / tile * 16;
	l->global[1] = (m + tile - 1) / tile * 16;
	l->global[2] = nz;
	return ocl_set_args(d, l->kernel, name, (const struct ocl_arg[]){
			{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[1] },
			{ sizeof(cl_int), &a[2] }, { sizeof(cl_mem), &A },
			{ sizeof(cl_mem), &w }, { sizeof(cl_int), &a[3] },
			{ sizeof(cl_int), &a[4] }, { sizeof(cl_int), &a[5] },
			{ sizeof(cl_mem), &R }, { sizeof(cl_int), &a[6] },
			{ sizeof(cl_mem), &C } }, 11, err, n_err);
}

/* x = LN(y) with the gamma and beta at g_off, b_off of w. */
static int bert_ln(struct ocl_dev *d, struct ocl_state *s,
		   const struct bert_plan *p, cl_mem y, cl_mem w, size_t g_off,
		   size_t b_off, cl_mem x, char *err, size_t n_err)
{
	cl_int a[3] = { (cl_int)p->sh.hidden, (cl_int)g_off, (cl_int)b_off };
	cl_float eps = (cl_float)BERT_LN_EPS;
	struct ocl_launch *l;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, "mc_bert_ln", &l, err, n_err)) < 0 ||
	    (ret = bert_row_geometry(d, l, p->tokens, p->sh.hidden, err,
				     n_err)) < 0)
		return ret;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &y }, { sizeof(cl_mem), &w },
			{ sizeof(cl_int), &a[0] }, { sizeof(cl_int), &a[1] },
			{ sizeof(cl_int), &a[2] }, { sizeof(cl_mem), &x },
			{ sizeof(eps), &eps },
			{ l->local[0] * sizeof(float), NULL } }, 8, err, n_err);
}

/* x = LN(word[id] + pos + type[0]), the first launch. */
static int bert_embed(struct ocl_dev *d, struct ocl_state *s,
		      const struct bert_plan *p, const struct workload *w,
		      char *err, size_t n_err)
{
	const float *base = w->inputs[p->i_emb];
	struct bert_emb_w ew;
	cl_int a[8];
	cl_float eps = (cl_float)BERT_LN_EPS;
	struct ocl_launch *l;
	int ret;

	bert_emb_split(&p->sh, base, &ew);
	a[0] = p->ids_off;
	a[1] = (cl_int)p->sh.vocab;
	a[2] = (cl_int)p->sh.seq;
	a[3] = (cl_int)p->sh.hidden;
	a[4] = (cl_int)(ew.pos - base);
	a[5] = (cl_int)(ew.type - base);
	a[6] = (cl_int)(ew.ge - base);
	a[7] = (cl_int)(ew.be - base);
	if ((ret = ocl_state_add_launch(d, s, "mc_bert_embed", &l, err, n_err)) < 0 ||
	    (ret = bert_row_geometry(d, l, p->tokens, p->sh.hidden, err,
				     n_err)) < 0)
		return ret;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &p->ids }, { sizeof(cl_int), &a[0] },
			{ sizeof(cl_mem), &p->emb }, { sizeof(cl_int), &a[1] },
			{ sizeof(cl_int), &a[2] }, { sizeof(cl_int), &a[3] },
			{ sizeof(cl_int), &a[4] }, { sizeof(cl_int), &a[5] },
			{ sizeof(cl_int), &a[6] }, { sizeof(cl_int), &a[7] },
			{ sizeof(cl_mem), &s->tmp[BT_X] }, { sizeof(eps), &eps },
			{ l->local[0] * sizeof(float), NULL } }, 13, err, n_err);
}

/* a = attention(qkv) under the key mask: one work-item per query, groups
 * of up to OCL_BERT_QB queries (a warp's 32 at least on GPUs) per
 * (sequence, head). */
static int bert_attn(struct ocl_dev *d, struct ocl_state *s,
		     const struct bert_plan *p, char *err, size_t n_err)
{
	cl_int a[5] = { p->mask_off, (cl_int)p->sh.seq, (cl_int)p->sh.hidden,
			(cl_int)p->sh.heads, (cl_int)p->tokens };
	const char *name = p->hd == 32 ? "mc_bert_attn_32" : "mc_bert_attn_64";
	struct ocl_launch *l;
	size_t local;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, name, &l, err, n_err)) < 0)
		return ret;
	local = bert_pow2(d, l->kernel, p->sh.seq,
			  d->type & CL_DEVICE_TYPE_GPU ? 32 : 1, OCL_BERT_QB);
	l->dim = 2;
	l->local[0] = local;
	l->local[1] = 1;
	l->global[0] = (p->sh.seq + local - 1) / local * local;
	l->global[1] = p->sh.batch * p->sh.heads;
	return ocl_set_args(d, l->kernel, name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->tmp[BT_QKV] },
			{ sizeof(cl_mem), &p->mask }, { sizeof(cl_int), &a[0] },
			{ sizeof(cl_mem), &s->tmp[BT_A] },
			{ sizeof(cl_int), &a[1] }, { sizeof(cl_int), &a[2] },
			{ sizeof(cl_int), &a[3] }, { sizeof(cl_int), &a[4] } },
			8, err, n_err);
}

/* out = normalise(masked mean of x), the last launch: a group per
 * sequence, a work-item per column or a few (CPUs: 8 work-items, as the
 * row kernels). */
static int bert_pool(struct ocl_dev *d, struct ocl_state *s,
		     const struct bert_plan *p, char *err, size_t n_err)
{
	cl_int a[3] = { p->mask_off, (cl_int)p->sh.seq, (cl_int)p->sh.hidden };
	struct ocl_launch *l;
	size_t local;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, "mc_bert_pool", &l, err, n_err)) < 0)
		return ret;
	local = bert_pow2(d, l->kernel, p->sh.hidden, 1,
			  d->type & CL_DEVICE_TYPE_CPU ? 8 :
			  OCL_BERT_TILE_GPU);
	l->dim = 1;
	l->local[0] = local;
	l->global[0] = p->sh.batch * local;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			{ sizeof(cl_mem), &s->tmp[BT_X] },
			{ sizeof(cl_mem), &p->mask }, { sizeof(cl_int), &a[0] },
			{ sizeof(cl_mem), &s->out }, { sizeof(cl_int), &a[1] },
			{ sizeof(cl_int), &a[2] },
			{ local * sizeof(float), NULL } }, 7, err, n_err);
}

/* The intermediates BT_X .. BT_H of p's shape. */
static int bert_buffers(struct ocl_dev *d, struct ocl_state *s,
			const struct bert_plan *p, const struct workload *w,
			char *err, size_t n_err)
{
	size_t T = p->tokens, H = p->sh.hidden;
	size_t floats[BT_H + 1] = { T * H, 3 * T * H, T * H, T * H, T * H,
				    T * p->sh.mlp };
	cl_int rc;
	int ret;

	if ((ret = ocl_state_reserve(s, 0, BT_N, err, n_err)) < 0)
		return ret;
	for (size_t i = 0; i <= BT_H; i++) {
		s->tmp[i] = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE,
					   floats[i] * sizeof(float), NULL, &rc);
		if (!s->tmp[i])
			return err_set(err, n_err, MC_ENOMEM, "opencl: "
				       "allocating %zu floats of intermediates "
				       "for %s on device '%s' failed (%s).",
				       floats[i], w->spec->name, d->dev_name,
				       ocl_errstr(rc));
	}
	return 0;
}

/* Every launch of the encoder, in order (see bert.cl). */
static int bert_launches(struct ocl_dev *d, struct ocl_state *s,
			 const struct bert_plan *p, const struct workload *w,
			 char *err, size_t n_err)
{
	const float *base = w->inputs[p->i_emb + 1];
	size_t T = p->tokens, H = p->sh.hidden, M = p->sh.mlp;
	size_t per = bert_layer_floats(&p->sh);
	cl_mem *t = NULL;
	int ret;

	if ((ret = bert_buffers(d, s, p, w, err, n_err)) < 0 ||
	    (ret = ocl_state_reserve(s, 2 + 7 * p->sh.layers, 0, err,
				     n_err)) < 0 ||
	    (ret = bert_embed(d, s, p, w, err, n_err)) < 0)
		return ret;
	t = s->tmp;
	for (size_t i = 0; i < p->sh.layers; i++) {
		struct bert_layer_w lw;
		size_t o = i * per;

		bert_layer_split(&p->sh, base + o, &lw);
#define OFF(x) (o + (size_t)(lw.x - (base + o)))
		if ((ret = bert_gemm(d, s, T, H, H, t[BT_X], p->layers,
				     OFF(wq), OFF(bq), (size_t)(lw.wk - lw.wq),
				     3, t[BT_X], 0, t[BT_QKV], err, n_err)) < 0 ||
		    (ret = bert_attn(d, s, p, err, n_err)) < 0 ||
		    (ret = bert_gemm(d, s, T, H, H, t[BT_A], p->layers,
				     OFF(wo), OFF(bo), 0, 1, t[BT_X], 2,
				     t[BT_Y], err, n_err)) < 0 ||
		    (ret = bert_ln(d, s, p, t[BT_Y], p->layers, OFF(g1),
				   OFF(b1), t[BT_X1], err, n_err)) < 0 ||
		    (ret = bert_gemm(d, s, T, M, H, t[BT_X1], p->layers,
				     OFF(wi), OFF(bi), 0, 1, t[BT_X1], 1,
				     t[BT_H], err, n_err)) < 0 ||
		    (ret = bert_gemm(d, s, T, H, M, t[BT_H], p->layers,
				     OFF(wo2), OFF(bo2), 0, 1, t[BT_X1], 2,
				     t[BT_Y], err, n_err)) < 0 ||
		    (ret = bert_ln(d, s, p, t[BT_Y], p->layers, OFF(g2),
				   OFF(b2), t[BT_X], err, n_err)) < 0)
			return ret;
#undef OFF
	}
	return bert_pool(d, s, p, err, n_err);
}

/* Checks that w's inputs are names[0 .. n) in that order, the order the
 * prepares index them in. */
static int bert_inputs(const struct workload *w, const char *const *names,
		       size_t n, char *err, size_t n_err)
{
	const char *const *in = w->spec->input_names;

	for (size_t i = 0; i < n; i++)
		if (!in || !in[i] || strcmp(in[i], names[i]) != 0)
			return err_set(err, n_err, MC_EINVAL, "opencl: input %zu "
				       "of %s is '%s', the OpenCL prepare expects "
				       "'%s'.", i, w->spec->name,
				       in && in[i] ? in[i] : "(none)", names[i]);
	if (in[n])
		return err_set(err, n_err, MC_EINVAL, "opencl: %s has more "
			       "than the %zu inputs the OpenCL prepare "
			       "expects.", w->spec->name, n);
	return 0;
}

int ocl_prepare_bert_encode(struct ocl_dev *d, const struct ocl_kernel *k,
			    const struct workload *w, const char *variant,
			    struct ocl_state *s, char *err, size_t n_err)
{
	static const char *const names[] = { "ids", "mask", "emb", "layers" };
	struct bert_plan p;
	size_t lens[4];
	int ret;

	(void)k;
	(void)variant;
	memset(&p, 0, sizeof(p));
	if ((ret = bert_inputs(w, names, 4, err, n_err)) < 0 ||
	    (ret = bert_shape_check(w, &p, err, n_err)) < 0)
		return ret;
	lens[0] = lens[1] = p.tokens;
	lens[2] = bert_emb_floats(&p.sh);
	lens[3] = bert_layer_floats(&p.sh) * p.sh.layers;
	if ((ret = ocl_check_plan(w, 4, lens, p.sh.batch * p.sh.hidden, err,
				  n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0)
		return ret;
	p.ids = s->in[0];
	p.mask = s->in[1];
	p.emb = s->in[2];
	p.layers = s->in[3];
	p.i_emb = 2;
	return bert_launches(d, s, &p, w, err, n_err);
}

/* Embed's iteration starts here: the batch's text to ids and mask (the C
 * WordPiece), then one upload of both, whose event starts the iteration's
 * device time. The host buffer is free again when the iteration has been
 * waited for (ocl_run runs these one at a time), so the write need not
 * block. */
static int bert_host_step(struct ocl_dev *d, struct ocl_state *s,
			  cl_event *out_ev, char *err, size_t n_err)
{
	struct bert_host *h = s->host;
	size_t T = h->batch * h->seq;
	cl_int rc;
	int ret;

	if ((ret = wp_encode_batch(h->vocab, h->text, h->len, h->batch,
				   h->seq, h->tok, h->tok + T, err, n_err)) < 0)
		return ret;
	rc = clEnqueueWriteBuffer(d->queue, s->tmp[BT_TOK], CL_FALSE, 0,
				  2 * T * sizeof(float), h->tok, 0, NULL,
				  out_ev);
	if (rc != CL_SUCCESS)
		return err_set(err, n_err, MC_EIO, "opencl: uploading the "
			       "token ids of embed to device '%s' failed (%s).",
			       d->dev_name, ocl_errstr(rc));
	return 0;
}

/* The text input (one byte per float) as the bytes it holds. */
static int bert_text(const struct workload *w, struct bert_host *h,
		     char *err, size_t n_err)
{
	const float *f = w->inputs[0];

	h->len = w->plan.input_len[0];
	h->text = malloc(h->len + 1);
	if (!h->text)
		return err_set(err, n_err, MC_ENOMEM, "opencl: out of memory "
			       "for the %zu bytes of embed's text.", h->len);
	for (size_t i = 0; i < h->len; i++) {
		if (!(f[i] >= 0.0f && f[i] <= 255.0f) || f[i] != (float)(int)f[i])
			return err_set(err, n_err, MC_EINVAL, "opencl: byte %zu "
				       "of embed's text is %g, not an integer in "
				       "0..255.", i, (double)f[i]);
		h->text[i] = (char)(unsigned char)f[i];
	}
	h->text[h->len] = 0;
	return 0;
}

int ocl_prepare_embed(struct ocl_dev *d, const struct ocl_kernel *k,
		      const struct workload *w, const char *variant,
		      struct ocl_state *s, char *err, size_t n_err)
{
	static const char *const names[] = { "text", "emb", "layers" };
	struct bert_plan p;
	struct bert_host *h;
	size_t lens[3];
	cl_int rc;
	int ret;

	(void)k;
	(void)variant;
	memset(&p, 0, sizeof(p));
	if ((ret = bert_inputs(w, names, 3, err, n_err)) < 0 ||
	    (ret = bert_shape_check(w, &p, err, n_err)) < 0)
		return ret;
	if (!workload_bert_vocab(w))
		return err_set(err, n_err, MC_EINVAL, "opencl: the embed "
			       "workload has no vocabulary.");
	lens[0] = w->plan.input_len[0];
	lens[1] = bert_emb_floats(&p.sh);
	lens[2] = bert_layer_floats(&p.sh) * p.sh.layers;
	/* the text stays on the host: the tokenizer reads it there */
	if ((ret = ocl_check_plan(w, 3, lens, p.sh.batch * p.sh.hidden, err,
				  n_err)) < 0 ||
	    (ret = ocl_upload_some(d, w, s, 1u << 0, err, n_err)) < 0 ||
	    (ret = ocl_state_reserve(s, 0, BT_N, err, n_err)) < 0)
		return ret;
	if (!(h = calloc(1, sizeof(*h))))
		return err_set(err, n_err, MC_ENOMEM, "opencl: out of memory "
			       "preparing embed.");
	s->host = h;
	s->host_free = bert_host_free;
	h->vocab = workload_bert_vocab(w);
	h->batch = p.sh.batch;
	h->seq = p.sh.seq;
	if ((ret = bert_text(w, h, err, n_err)) < 0)
		return ret;
	if (!(h->tok = malloc(2 * p.tokens * sizeof(float))))
		return err_set(err, n_err, MC_ENOMEM, "opencl: out of memory "
			       "for embed's %zu token ids.", p.tokens);
	s->tmp[BT_TOK] = clCreateBuffer(d->ctx, CL_MEM_READ_ONLY,
					2 * p.tokens * sizeof(float), NULL,
					&rc);
	if (!s->tmp[BT_TOK])
		return err_set(err, n_err, MC_ENOMEM, "opencl: allocating "
			       "embed's token ids on device '%s' failed (%s).",
			       d->dev_name, ocl_errstr(rc));
	p.ids = p.mask = s->tmp[BT_TOK];
	p.ids_off = 0;
	p.mask_off = (cl_int)p.tokens;
	p.emb = s->in[1];
	p.layers = s->in[2];
	p.i_emb = 1;
	if ((ret = bert_launches(d, s, &p, w, err, n_err)) < 0)
		return ret;
	/* last: the warm-up and the runs call it from here on */
	s->host_step = bert_host_step;
	return 0;
}
