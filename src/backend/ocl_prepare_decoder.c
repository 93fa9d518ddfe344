/*
 * ocl_prepare_decoder.c - the OpenCL backend's prepares for a Qwen2-style
 * decoder (declared in ocl_int.h): the attention and MLP sublayers and the
 * whole layer (kernels/ref/decoder.h), and decoding with a whole model
 * (kernels/ref/decode.h, src/lib/workload_decode.c), on the kernels of
 * layer.cl, rmsnorm.cl (mc_rmsnorm_at), decoder.cl and sample.cl.
 *
 * As in kernels/cpu/decode.c, everything is a pass: n new rows at
 * positions p0.. through the layers, their keys and values appended to the
 * KV cache planes. decode is the prompt's pass, then a pass of one row per
 * generated token; a step's position is a device counter that its last
 * launch (the greedy token, written into the output) advances, and the
 * next step embeds that token, so the steps are the same launches of the
 * same kernels (each entry retaining its kernel) and no step waits for the
 * host. decode_recompute is a pass over the whole sequence per token, each
 * with its own kernels (its rows grow). decode_step copies its input
 * cache into planes with room for the new token, so that the input is
 * unchanged for the next iteration, then runs its one-row pass at position
 * ctx. The components are one pass at p0 = 0 into planes of seq
 * positions. Every buffer is the state's (in[], out, tmp[]), so a result's
 * device bytes are its buffers'.
 */
#include "ocl_int.h"

#include <limits.h>
#include <string.h>

#include "err.h"
#include "ref/decode.h"

#define OCL_ATTN_MAXHD 128       /* MC_ATTN_MAXHD of layer.cl */
#define OCL_ATTN_L 64            /* MC_ATTN_L of layer.cl */
#define OCL_ATTN_T 16            /* MC_ATTN_T of layer.cl */
#define OCL_GREEDY_LOCAL 256     /* work-items of the one argmax group */

/* Kernel arguments: a buffer (NULL for none) and an int. */
#define ARG_MEM(m) { sizeof(cl_mem), &(m) }
#define ARG_INT(v) { sizeof(cl_int), &(cl_int){ (cl_int)(v) } }

/* What the launches of a pass share. */
struct pass {
	struct dec_shape sh;         /* sh.seq: the rows of the pass */
	const float *base;           /* the host's packed weights, whose
				      * parts the kernels take as offsets */
	cl_mem w;                    /* the same on the device */
	cl_mem cache;                /* KV planes of max_seq positions */
	cl_mem q, kl, vl, o;         /* attention's intermediates, rows of
				      * the largest pass, */
	cl_mem part;                 /* its split results (or NULL), */
	cl_mem nrm, mid, gate;       /* the norm's and the MLP's */
	cl_mem pos;                  /* the position counter, or NULL: p0 */
	size_t p0, max_seq;
};

/* A GEMM's input: rows of x, or with g, their RMS norm times the gain
 * g[go..] taken by the GEMM itself (a pass of up to OCL_GEMV_ROWS rows;
 * a larger one norms in its own launch first). */
struct normed {
	cl_mem x, g;
	cl_int go;
};

/* Which intermediates a prepare needs (make_buffers). */
enum { NEED_ATTN = 1, NEED_MLP = 2, NEED_NORM = 4 };

/* The offset in floats of a part of the packed weights. */
static cl_int part(const struct pass *p, const float *at)
{
	return (cl_int)(at - p->base);
}

/* The parameters names[] of w into v[]. */
static int read_params(const struct workload *w, const char *const *names,
		       size_t *v, char *err, size_t n_err)
{
	int ret;

	for (size_t i = 0; names[i]; i++)
		if ((ret = ocl_param(w, names[i], &v[i], err, n_err)) < 0)
			return ret;
	return 0;
}

/* Checks what the kernels take: mlp a multiple of 4 (the packed parts
 * after wg stay 16-byte aligned, the GEMM's float4 loads), head_dim within MC_ATTN_MAXHD, and every buffer (w's inputs,
 * passes of up to rows rows, cache_floats of KV cache) within the int
 * indexing of the kernels. */
static int check_fit(const struct workload *w, const struct dec_shape *sh,
		     size_t rows, size_t cache_floats, char *err, size_t n_err)
{
	size_t per_row = sh->mlp + (sh->heads + 2 * sh->kv) * sh->hd + sh->hidden;
	int big = rows * per_row > INT_MAX || cache_floats > INT_MAX;

	if (sh->mlp % 4)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s's MLP takes "
			       "mlp in multiples of 4 (got %zu).", w->spec->name,
			       sh->mlp);
	if (sh->hd > OCL_ATTN_MAXHD)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s takes "
			       "head_dim up to %d, not %zu.", w->spec->name,
			       OCL_ATTN_MAXHD, sh->hd);
	for (size_t i = 0; i < w->plan.n_inputs; i++)
		big |= w->plan.input_len[i] > INT_MAX;
	if (big)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: %s at this shape "
			       "is beyond the kernels' int indexing.", w->spec->name);
	return 0;
}

/* How mc_attn_core blocks the (head, query) pairs of a pass of rows
 * rows: gh of the heads that share a KV head by qb queries a group (as
 * many pairs as MC_ATTN_T allows), tiles such blocks in all, each cut
 * into splits spans of positions: enough groups for two per compute unit
 * (one token's few blocks would leave most of a large GPU idle), no span
 * shorter than a chunk of keys. */
struct attn_grid {
	size_t gh, qb, tiles, splits;
};

static struct attn_grid attn_grid(const struct ocl_dev *d, const struct dec_shape *sh,
				  size_t rows, size_t max_seq)
{
	size_t want = 2 * (d->compute_units ? d->compute_units : 1);
	size_t G = sh->heads / sh->kv, chunks = (max_seq + OCL_ATTN_L - 1) / OCL_ATTN_L;
	struct attn_grid g;

	g.gh = G < OCL_ATTN_T ? G : OCL_ATTN_T;
	g.qb = OCL_ATTN_T / g.gh;
	g.tiles = sh->kv * ((G + g.gh - 1) / g.gh) * ((rows + g.qb - 1) / g.qb);
	g.splits = (want + g.tiles - 1) / g.tiles;
	if (g.splits > chunks)
		g.splits = chunks;
	return g;
}

/* Floats of mc_attn_core's split results for passes of min_rows to rows
 * rows: (max, sum, acc[hd]) per (head, query) and span, 0 when none of
 * them splits (the splits only shrink as the rows grow). */
static size_t attn_part_floats(const struct ocl_dev *d, const struct dec_shape *sh,
			       size_t min_rows, size_t rows, size_t max_seq)
{
	size_t most = 0;

	for (size_t r = min_rows; r <= rows; r++) {
		size_t n = attn_grid(d, sh, r, max_seq).splits;

		if (n == 1)
			break;
		if (sh->heads * r * n > most)
			most = sh->heads * r * n;
	}
	return most * (sh->hd + 2);
}

/* The intermediates of passes of min_rows to rows rows (need: NEED_*)
 * and, with NEED_ATTN, the cache of n_layers layers of p->max_seq
 * positions, into p. */
static int make_buffers(struct ocl_dev *d, const struct workload *w,
			struct ocl_state *s, struct pass *p, unsigned need,
			size_t min_rows, size_t rows, size_t n_layers, char *err,
			size_t n_err)
{
	const struct dec_shape *sh = &p->sh;
	size_t nq = sh->heads * sh->hd, nkv = sh->kv * sh->hd;
	size_t n_part = need & NEED_ATTN ?
			attn_part_floats(d, sh, min_rows, rows, p->max_seq) : 0;
	const struct {
		unsigned need;
		size_t floats;
		cl_mem *out;
	} b[] = {
		{ NEED_ATTN, rows * nq, &p->q },
		{ NEED_ATTN, rows * nkv, &p->kl },
		{ NEED_ATTN, rows * nkv, &p->vl },
		{ NEED_ATTN, rows * nq, &p->o },
		{ n_part ? NEED_ATTN : 0, n_part, &p->part },
		{ NEED_ATTN, need & NEED_ATTN ?
			     dec_cache_floats(sh, n_layers, p->max_seq) : 0, &p->cache },
		{ NEED_MLP, rows * sh->mlp, &p->mid },
		/* passes of a few rows fuse the gate and the norms into
		 * their GEMMs (add_layer); the head's norm takes a row of
		 * its own past one */
		{ rows > OCL_GEMV_ROWS ? NEED_MLP : 0, rows * sh->mlp, &p->gate },
		{ rows > 1 ? NEED_NORM : 0, rows * sh->hidden, &p->nrm },
	};
	int ret;

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if ((need & b[i].need) &&
		    (ret = ocl_tmp_buffer(d, w, s, b[i].floats * sizeof(float),
					  b[i].out, err, n_err)) < 0)
			return ret;
	return 0;
}

/* y [rows x cols] = x . w[wo..] (+ r), the GEMM of sgemm.cl */
static int add_linear(struct ocl_dev *d, struct ocl_state *s, cl_mem x,
		      cl_mem w, cl_mem y, cl_mem r, size_t rows, size_t cols,
		      size_t k, cl_int wo, char *err, size_t n_err)
{
	const struct ocl_gemm g = { .m = rows, .n = cols, .k = k, .a = x,
				    .b = w, .c = y, .bo = (size_t)wo, .r = r,
				    .mode = r ? OCL_EPI_ADD : OCL_EPI_NONE };

	return ocl_add_gemm(d, s, &g, err, n_err);
}

/* y [rows x hidden] = rmsnorm of x's rows from float xo on, times g[go..],
 * one work-group per row */
static int add_norm(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
		    cl_mem x, size_t xo, cl_mem g, cl_int go, cl_mem y,
		    size_t rows, char *err, size_t n_err)
{
	struct ocl_launch *l;
	size_t local;
	int ret;

	if ((ret = ocl_state_add_launch(d, s, "mc_rmsnorm_at", &l, err, n_err)) < 0)
		return ret;
	local = ocl_row_local(d, l->kernel, p->sh.hidden);
	l->dim = 1;
	l->local[0] = local;
	l->global[0] = rows * local;
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			ARG_MEM(x), ARG_INT(xo), ARG_MEM(g), ARG_INT(go), ARG_MEM(y),
			ARG_INT(p->sh.hidden),
			{ sizeof(cl_float), &(cl_float){ (cl_float)REF_DEC_EPS } },
			{ local * sizeof(cl_float), NULL } }, 8, err, n_err);
}

/* y = attention(x) (+ r) of the pass, its keys and values into layer's
 * planes of the cache */
static int add_attn(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
		    const struct dec_attn_w *aw, size_t layer, const struct normed *in,
		    cl_mem y, cl_mem r, char *err, size_t n_err)
{
	const struct dec_shape *sh = &p->sh;
	size_t nq = sh->heads * sh->hd, nkv = sh->kv * sh->hd;
	size_t plane = sh->kv * p->max_seq * sh->hd, ko = 2 * layer * plane;
	const struct attn_grid ag = attn_grid(d, sh, sh->seq, p->max_seq);
	const struct {
		const float *w, *b;
		size_t n;
		cl_mem out;
	} proj[] = { { aw->wq, aw->bq, nq, p->q }, { aw->wk, aw->bk, nkv, p->kl },
		     { aw->wv, aw->bv, nkv, p->vl } };
	struct ocl_launch *l;
	int ret;

	/* the projections with their biases */
	for (size_t i = 0; i < sizeof(proj) / sizeof(proj[0]); i++) {
		const struct ocl_gemm g = { .m = sh->seq, .n = proj[i].n,
					    .k = sh->hidden, .a = in->x, .b = p->w,
					    .c = proj[i].out,
					    .bo = (size_t)part(p, proj[i].w),
					    .bias = p->w,
					    .biaso = (size_t)part(p, proj[i].b),
					    .mode = OCL_EPI_NONE, .norm_g = in->g,
					    .norm_go = (size_t)in->go,
					    .eps = (float)REF_DEC_EPS };

		if ((ret = ocl_add_gemm(d, s, &g, err, n_err)) < 0)
			return ret;
	}
	if ((ret = ocl_add_launch_1d(d, s, "mc_attn_rope", sh->seq * (nq / 2 + nkv / 2 + nkv),
				     (const struct ocl_arg[]){
					ARG_MEM(p->q), ARG_MEM(p->kl), ARG_MEM(p->vl),
					ARG_MEM(p->cache), ARG_MEM(p->pos), ARG_INT(p->p0),
					ARG_INT(p->max_seq), ARG_INT(ko), ARG_INT(ko + plane),
					ARG_INT(sh->seq), ARG_INT(sh->heads), ARG_INT(sh->kv),
					ARG_INT(sh->hd) },
				     13, err, n_err)) < 0 ||
	    (ret = ocl_state_add_launch(d, s, "mc_attn_core", &l, err, n_err)) < 0)
		return ret;
	if (ocl_kernel_wg(d, l->kernel) < OCL_ATTN_L)
		return err_set(err, n_err, MC_ENOTSUP, "opencl: kernel mc_attn_core "
			       "needs work-groups of %d on device '%s', which "
			       "allows only %zu.", OCL_ATTN_L, d->dev_name,
			       ocl_kernel_wg(d, l->kernel));
	l->dim = 1;
	l->local[0] = OCL_ATTN_L;
	l->global[0] = ag.tiles * ag.splits * OCL_ATTN_L;
	if ((ret = ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
					ARG_MEM(p->q), ARG_MEM(p->cache), ARG_MEM(p->o),
					ARG_MEM(p->part), ARG_MEM(p->pos), ARG_INT(p->p0),
					ARG_INT(p->max_seq), ARG_INT(ko), ARG_INT(ko + plane),
					ARG_INT(sh->seq), ARG_INT(sh->heads), ARG_INT(sh->kv),
					ARG_INT(sh->hd), ARG_INT(ag.gh), ARG_INT(ag.qb),
					ARG_INT(ag.splits) },
				16, err, n_err)) < 0 ||
	    (ag.splits > 1 &&
	     (ret = ocl_add_launch_1d(d, s, "mc_attn_merge", sh->heads * sh->seq * sh->hd,
				      (const struct ocl_arg[]){
					ARG_MEM(p->part), ARG_MEM(p->o), ARG_INT(sh->seq),
					ARG_INT(sh->heads), ARG_INT(sh->hd),
					ARG_INT(ag.splits) },
				      6, err, n_err)) < 0))
		return ret;
	/* out = o . wo [nq x hidden], no bias */
	return add_linear(d, s, p->o, p->w, y, r, sh->seq, sh->hidden, nq,
			  part(p, aw->wo), err, n_err);
}

/* y = mlp(x) (+ r) of the pass */
static int add_mlp(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
		   const struct dec_mlp_w *mw, const struct normed *in, cl_mem y,
		   cl_mem r, char *err, size_t n_err)
{
	const struct dec_shape *sh = &p->sh;
	int ret;

	/* mid = silu(x . wg) * (x . wu): with few rows one pass of both
	 * products; else the gate, then the up projection with the gate in
	 * its epilogue */
	const struct ocl_gemm both = { .m = sh->seq, .n = sh->mlp,
				       .k = sh->hidden, .a = in->x, .b = p->w,
				       .c = p->mid, .bo = (size_t)part(p, mw->wg),
				       .bo2 = (size_t)part(p, mw->wu),
				       .mode = OCL_EPI_GLU2, .norm_g = in->g,
				       .norm_go = (size_t)in->go,
				       .eps = (float)REF_DEC_EPS };
	const struct ocl_gemm gate = { .m = sh->seq, .n = sh->mlp,
				       .k = sh->hidden, .a = in->x, .b = p->w,
				       .c = p->gate, .bo = (size_t)part(p, mw->wg),
				       .mode = OCL_EPI_NONE };
	const struct ocl_gemm up = { .m = sh->seq, .n = sh->mlp,
				     .k = sh->hidden, .a = in->x, .b = p->w,
				     .c = p->mid, .bo = (size_t)part(p, mw->wu),
				     .r = p->gate, .mode = OCL_EPI_GLU };

	if (sh->seq <= OCL_GEMV_ROWS)
		ret = ocl_add_gemm(d, s, &both, err, n_err);
	else if ((ret = ocl_add_gemm(d, s, &gate, err, n_err)) == 0)
		ret = ocl_add_gemm(d, s, &up, err, n_err);
	if (ret < 0)
		return ret;
	return add_linear(d, s, p->mid, p->w, y, r, sh->seq, sh->hidden, sh->mlp,
			  part(p, mw->wd), err, n_err);
}

/* The input of a sublayer: x normed by the gain at go of the packed
 * weights, in the GEMMs of a pass of few rows, else by its own launch
 * into p->nrm. */
static int add_normed(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
		      cl_mem x, cl_int go, struct normed *out, char *err,
		      size_t n_err)
{
	if (p->sh.seq <= OCL_GEMV_ROWS) {
		*out = (struct normed){ x, p->w, go };
		return 0;
	}
	*out = (struct normed){ p->nrm, NULL, 0 };
	return add_norm(d, s, p, x, 0, p->w, go, p->nrm, p->sh.seq, err, n_err);
}

/* Layer number layer of the packed weights on x into y (x may be y):
 * h = x + attention(rmsnorm(x) g1), y = h + mlp(rmsnorm(h) g2) */
static int add_layer(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
		     size_t layer, cl_mem x, cl_mem y, char *err, size_t n_err)
{
	struct dec_layer_w lw;
	struct normed in;
	int ret;

	dec_layer_split(&p->sh, p->base + layer * dec_layer_floats(&p->sh), &lw);
	if ((ret = add_normed(d, s, p, x, part(p, lw.g1), &in, err, n_err)) < 0 ||
	    (ret = add_attn(d, s, p, &lw.attn, layer, &in, y, x, err,
			    n_err)) < 0 ||
	    (ret = add_normed(d, s, p, y, part(p, lw.g2), &in, err, n_err)) < 0)
		return ret;
	return add_mlp(d, s, p, &lw.mlp, &in, y, y, err, n_err);
}

/* The pass through n_layers layers, the first reading x0 (the input, left
 * as it is), all writing x, then the LM head on x's last row: logits
 * [vocab] = rmsnorm(row) gf . head. */
static int add_model(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
		     size_t n_layers, cl_mem x0, cl_mem x, cl_mem gf, cl_mem head,
		     cl_mem logits, size_t vocab, char *err, size_t n_err)
{
	size_t hid = p->sh.hidden;
	const struct ocl_gemm one = { .m = 1, .n = vocab, .k = hid, .a = x,
				      .b = head, .c = logits, .mode = OCL_EPI_NONE,
				      .norm_g = gf, .eps = (float)REF_DEC_EPS };
	int ret;

	for (size_t l = 0; l < n_layers; l++)
		if ((ret = add_layer(d, s, p, l, l ? x : x0, x, err, n_err)) < 0)
			return ret;
	/* one row: the norm in the head's GEMM; else the last row's */
	if (p->sh.seq == 1)
		return ocl_add_gemm(d, s, &one, err, n_err);
	if ((ret = add_norm(d, s, p, x, (p->sh.seq - 1) * hid, gf, 0, p->nrm, 1,
			    err, n_err)) < 0)
		return ret;
	return add_linear(d, s, p->nrm, head, logits, NULL, 1, vocab, hid, 0,
			  err, n_err);
}

/* ------------------------------------------------------- components */

/* The components' pass: rows at p0 = 0 into cache planes of seq
 * positions, w's input 1 the packed weights. */
static int component(struct ocl_dev *d, const struct workload *w,
		     struct ocl_state *s, struct dec_shape sh, size_t n_w, unsigned need,
		     struct pass *out_p, char *err, size_t n_err)
{
	size_t lens[2];
	int ret;

	memset(out_p, 0, sizeof(*out_p));
	out_p->sh = sh;
	out_p->max_seq = sh.seq;
	out_p->base = w->inputs[1];
	lens[0] = sh.seq * sh.hidden;
	lens[1] = n_w;
	if ((ret = check_fit(w, &sh, sh.seq, need & NEED_ATTN ?
			     dec_cache_floats(&sh, 1, sh.seq) : 0, err, n_err)) < 0 ||
	    (ret = ocl_check_plan(w, 2, lens, lens[0], err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0)
		return ret;
	out_p->w = s->in[1];
	return make_buffers(d, w, s, out_p, need, sh.seq, sh.seq, 1, err, n_err);
}

int ocl_prepare_attention(struct ocl_dev *d, const struct ocl_kernel *k,
			  const struct workload *w, const char *variant,
			  struct ocl_state *s, char *err, size_t n_err)
{
	static const char *const names[] = { "seq", "hidden", "heads", "kv_heads",
					     "head_dim", NULL };
	size_t v[5];
	struct dec_shape sh;
	struct dec_attn_w aw;
	struct pass p;
	int ret;

	(void)k;
	(void)variant;
	if ((ret = read_params(w, names, v, err, n_err)) < 0)
		return ret;
	sh = (struct dec_shape){ v[0], v[1], v[2], v[3], v[4], 0 };
	if ((ret = component(d, w, s, sh, dec_attn_floats(&sh), NEED_ATTN,
			     &p, err, n_err)) < 0)
		return ret;
	dec_attn_split(&sh, p.base, &aw);
	return add_attn(d, s, &p, &aw, 0, &(struct normed){ s->in[0], NULL, 0 },
			s->out, NULL, err, n_err);
}

int ocl_prepare_mlp(struct ocl_dev *d, const struct ocl_kernel *k,
		    const struct workload *w, const char *variant,
		    struct ocl_state *s, char *err, size_t n_err)
{
	static const char *const names[] = { "seq", "hidden", "mlp", NULL };
	size_t v[3];
	struct dec_shape sh;
	struct dec_mlp_w mw;
	struct pass p;
	int ret;

	(void)k;
	(void)variant;
	if ((ret = read_params(w, names, v, err, n_err)) < 0)
		return ret;
	sh = (struct dec_shape){ v[0], v[1], 0, 0, 0, v[2] };
	if ((ret = component(d, w, s, sh, dec_mlp_floats(&sh), NEED_MLP,
			     &p, err, n_err)) < 0)
		return ret;
	dec_mlp_split(&sh, p.base, &mw);
	return add_mlp(d, s, &p, &mw, &(struct normed){ s->in[0], NULL, 0 },
		       s->out, NULL, err, n_err);
}

int ocl_prepare_decoder_layer(struct ocl_dev *d, const struct ocl_kernel *k,
			      const struct workload *w, const char *variant,
			      struct ocl_state *s, char *err, size_t n_err)
{
	static const char *const names[] = { "seq", "hidden", "heads", "kv_heads",
					     "head_dim", "mlp", NULL };
	size_t v[6];
	struct dec_shape sh;
	struct pass p;
	int ret;

	(void)k;
	(void)variant;
	if ((ret = read_params(w, names, v, err, n_err)) < 0)
		return ret;
	sh = (struct dec_shape){ v[0], v[1], v[2], v[3], v[4], v[5] };
	if ((ret = component(d, w, s, sh, dec_layer_floats(&sh),
			     NEED_ATTN | NEED_MLP | NEED_NORM, &p, err, n_err)) < 0)
		return ret;
	return add_layer(d, s, &p, 0, s->in[0], s->out, err, n_err);
}

/* --------------------------------------------------------- decoding */

/* The inputs of a whole model after the first two (layers, gf, head) into
 * lens[2..4]; the shape's parameters from v[first..first+4]. */
static struct dec_shape model_lens(const size_t *v, size_t first,
				   size_t n_layers, size_t vocab, size_t *lens)
{
	struct dec_shape sh = { 1, v[first], v[first + 1], v[first + 2],
				v[first + 3], v[first + 4] };

	lens[2] = n_layers * dec_layer_floats(&sh);
	lens[3] = sh.hidden;
	lens[4] = sh.hidden * vocab;
	return sh;
}

/* One generation pass of p->sh.seq rows: their embeddings (the prompt's
 * ids, then the tokens generated so far in out), the model, the greedy
 * token into out and, with pos_out, the next pass's position. */
static int add_gen_pass(struct ocl_dev *d, struct ocl_state *s, const struct pass *p,
			size_t n_layers, size_t vocab, size_t prompt, cl_mem x,
			cl_mem logits, cl_mem pos_out, char *err, size_t n_err)
{
	struct ocl_launch *l;
	int ret;

	if ((ret = ocl_add_launch_1d(d, s, "mc_embedding", p->sh.seq * p->sh.hidden,
				     (const struct ocl_arg[]){
					ARG_MEM(s->in[1]), ARG_MEM(s->in[0]),
					ARG_MEM(s->out), ARG_MEM(p->pos), ARG_INT(p->p0),
					ARG_MEM(x), ARG_INT(p->sh.seq),
					ARG_INT(p->sh.hidden), ARG_INT(prompt) },
				     9, err, n_err)) < 0 ||
	    (ret = add_model(d, s, p, n_layers, x, x, s->in[3], s->in[4], logits,
			     vocab, err, n_err)) < 0 ||
	    (ret = ocl_state_add_launch(d, s, "mc_sample_greedy_at", &l, err,
					n_err)) < 0)
		return ret;
	l->dim = 1;
	l->global[0] = l->local[0] = ocl_local_pow2(d, l->kernel, OCL_GREEDY_LOCAL);
	return ocl_set_args(d, l->kernel, l->name, (const struct ocl_arg[]){
			ARG_MEM(logits), ARG_INT(vocab), ARG_MEM(s->out),
			ARG_MEM(p->pos), ARG_INT(p->p0), ARG_INT(p->sh.seq),
			ARG_INT(prompt), ARG_MEM(pos_out),
			{ l->local[0] * sizeof(cl_float), NULL },
			{ l->local[0] * sizeof(cl_int), NULL } }, 10, err, n_err);
}

/* decode and decode_recompute: buffers for passes of up to rows rows, a
 * cache of the positions a generation feeds back (the last token is never
 * an input), then the passes. */
static int prepare_gen(struct ocl_dev *d, const struct workload *w,
		       struct ocl_state *s, int recompute, char *err,
		       size_t n_err)
{
	static const char *const names[] = { "prompt", "gen", "layers", "vocab",
					     "hidden", "heads", "kv_heads",
					     "head_dim", "mlp", NULL };
	size_t v[9], lens[5], prompt, gen, n_layers, vocab, rows, first;
	cl_mem x = NULL, logits = NULL, pos = NULL;
	struct pass p;
	int ret;

	if ((ret = read_params(w, names, v, err, n_err)) < 0)
		return ret;
	prompt = v[0];
	gen = v[1];
	n_layers = v[2];
	vocab = v[3];
	rows = recompute ? prompt + gen - 1 : prompt;
	memset(&p, 0, sizeof(p));
	p.sh = model_lens(v, 4, n_layers, vocab, lens);
	p.max_seq = prompt + gen - 1;
	p.base = w->inputs[2];
	lens[0] = prompt;
	lens[1] = vocab * p.sh.hidden;
	if ((ret = check_fit(w, &p.sh, rows, dec_cache_floats(&p.sh, n_layers,
							       p.max_seq),
			     err, n_err)) < 0 ||
	    (ret = ocl_check_plan(w, 5, lens, gen, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = make_buffers(d, w, s, &p, NEED_ATTN | NEED_MLP | NEED_NORM,
				recompute || gen == 1 ? prompt : 1, rows,
				n_layers, err, n_err)) < 0 ||
	    (ret = ocl_tmp_buffer(d, w, s, rows * p.sh.hidden * sizeof(float),
				  &x, err, n_err)) < 0 ||
	    (ret = ocl_tmp_buffer(d, w, s, vocab * sizeof(float), &logits, err,
				  n_err)) < 0 ||
	    (!recompute && (ret = ocl_tmp_buffer(d, w, s, sizeof(cl_int), &pos,
						 err, n_err)) < 0))
		return ret;
	p.w = s->in[2];
	if (recompute) {
		for (size_t i = 0; i < gen; i++) {
			p.sh.seq = prompt + i;
			if ((ret = add_gen_pass(d, s, &p, n_layers, vocab, prompt,
						x, logits, NULL, err, n_err)) < 0)
				return ret;
		}
		return 0;
	}
	/* the prompt's pass (at 0, whatever the counter holds: it sets it) */
	p.sh.seq = prompt;
	if ((ret = add_gen_pass(d, s, &p, n_layers, vocab, prompt, x, logits,
				pos, err, n_err)) < 0 || gen == 1)
		return ret;
	p.sh.seq = 1;
	p.pos = pos;
	first = s->n_launch;
	if ((ret = add_gen_pass(d, s, &p, n_layers, vocab, prompt, x, logits,
				pos, err, n_err)) < 0)
		return ret;
	return ocl_state_repeat(s, first, gen - 2, err, n_err);
}

int ocl_prepare_decode(struct ocl_dev *d, const struct ocl_kernel *k,
		       const struct workload *w, const char *variant,
		       struct ocl_state *s, char *err, size_t n_err)
{
	(void)k;
	(void)variant;
	return prepare_gen(d, w, s, 0, err, n_err);
}

int ocl_prepare_decode_recompute(struct ocl_dev *d, const struct ocl_kernel *k,
				 const struct workload *w, const char *variant,
				 struct ocl_state *s, char *err, size_t n_err)
{
	(void)k;
	(void)variant;
	return prepare_gen(d, w, s, 1, err, n_err);
}

int ocl_prepare_decode_step(struct ocl_dev *d, const struct ocl_kernel *k,
			    const struct workload *w, const char *variant,
			    struct ocl_state *s, char *err, size_t n_err)
{
	static const char *const names[] = { "ctx", "layers", "vocab", "hidden",
					     "heads", "kv_heads", "head_dim",
					     "mlp", NULL };
	size_t v[8], lens[5], ctx, n_layers, vocab, n_in;
	cl_mem x = NULL;
	struct pass p;
	int ret;

	(void)k;
	(void)variant;
	if ((ret = read_params(w, names, v, err, n_err)) < 0)
		return ret;
	ctx = v[0];
	n_layers = v[1];
	vocab = v[2];
	memset(&p, 0, sizeof(p));
	p.sh = model_lens(v, 3, n_layers, vocab, lens);
	p.max_seq = ctx + 1;
	p.p0 = ctx;
	p.base = w->inputs[2];
	n_in = dec_cache_floats(&p.sh, n_layers, ctx);
	lens[0] = p.sh.hidden;
	lens[1] = n_in;
	if ((ret = check_fit(w, &p.sh, 1, dec_cache_floats(&p.sh, n_layers,
							    p.max_seq),
			     err, n_err)) < 0 ||
	    (ret = ocl_check_plan(w, 5, lens, vocab, err, n_err)) < 0 ||
	    (ret = ocl_upload(d, w, s, err, n_err)) < 0 ||
	    (ret = make_buffers(d, w, s, &p, NEED_ATTN | NEED_MLP | NEED_NORM,
				1, 1, n_layers, err, n_err)) < 0 ||
	    (ret = ocl_tmp_buffer(d, w, s, p.sh.hidden * sizeof(float), &x, err,
				  n_err)) < 0)
		return ret;
	p.w = s->in[2];
	if ((ret = ocl_add_launch_1d(d, s, "mc_kv_grow", n_in,
				     (const struct ocl_arg[]){
					ARG_MEM(s->in[1]), ARG_MEM(p.cache),
					ARG_INT(n_in), ARG_INT(ctx),
					ARG_INT(p.max_seq), ARG_INT(p.sh.hd) },
				     6, err, n_err)) < 0)
		return ret;
	return add_model(d, s, &p, n_layers, s->in[0], x, s->in[3], s->in[4],
			 s->out, vocab, err, n_err);
}
