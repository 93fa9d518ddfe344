/*
 * workload_decoder.c - the kernel specs of a Qwen2-style decoder's
 * components (definitions and packed layouts in kernels/ref/decoder.h):
 * embedding lookup, RoPE, the attention and MLP sublayers and the whole
 * layer, at any shape (the suite names Qwen2.5-0.5B's: hidden 896, 14
 * query heads, 2 KV heads, head dim 64, MLP 4864).
 *
 * Inputs are finished once (finish_inputs) into a model's scale, and
 * every side receives the bytes: each matrix [in x out] is the seeded
 * floats times sqrt(3 / in) (variance 1 / in, so activations keep their
 * scale through the layer), biases times 0.1, norm weights 1 + x / 4;
 * embedding ids floor((x + 1) / 2 * vocab). Activations x stay the seeded
 * floats in [-1, 1).
 *
 * Counts: a GEMM 2 m n k; attention's causal scores and values 2 hd per
 * (query, key <= query) pair each, 5 per score for the softmax; RoPE 3 per
 * element; silu and the gate product 5 per MLP element; a norm 4 per
 * element, a residual 1. Bytes: inputs read once, output written once.
 *
 * Tolerances: fp32 GEMMs of depth 896 and 4864 in an order each side
 * chooses (see sgemm in workload.c: ~eps sqrt(k) of the scale), then
 * softmax and a second GEMM; rtol 1e-3 and atol 2e-4 of max |y| (half the
 * slack of sgemm's 1e-4 per GEMM, two in a row). RoPE: fp32 angles at
 * positions up to seq (ulp of 511 rad is 3e-5), atol 2e-4. Embedding is
 * a copy: exact.
 *
 * fp16 (variant WORKLOAD_FP16, the peers' inputs rounded to fp16 on the
 * device and every op in fp16): fp16 has a 10-bit mantissa, unit roundoff
 * u = 2^-11 = 4.9e-4, and every op's output is rounded to it. Embedding:
 * a copy of rounded values, off by at most u relative (a subnormal, below
 * 2^-14, by 2^-25 absolute): rtol 1e-3, atol 1e-7. RoPE: x, the cos/sin
 * tables (HF casts them to x's dtype) and y each rounded, a few u of
 * max |y|: rtol 1e-2, atol 2e-3. The sublayers: with x and W rounded,
 * a GEMM's relative error is about u sqrt(2) whatever k (896..4864; the
 * frameworks accumulate fp16 products in fp32, cuBLAS may reduce split-k
 * partial sums in fp16), compounded over a chain of GEMMs, softmax, silu
 * and norms, each rounding its output: rtol 1e-2, atol 5e-3 of max |y|.
 * Each is 2 to 5 times the largest error measured when they were chosen
 * (PyTorch and MLX in fp16 on the CPU against this reference at the
 * components suite's shapes; the commit that set them has the figures),
 * a margin for the GPUs' other kernels and orders of summation.
 */
#include "workload.h"
#include "workload_int.h"
#include "err.h"
#include "ref/decoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const emb_params[] = { "seq", "vocab", "hidden", NULL };
static const char *const rope_params[] = { "seq", "heads", "head_dim", NULL };
static const char *const attn_params[] = {
	"seq", "hidden", "heads", "kv_heads", "head_dim", NULL
};
static const char *const mlp_params[] = { "seq", "hidden", "mlp", NULL };
static const char *const layer_params[] = {
	"seq", "hidden", "heads", "kv_heads", "head_dim", "mlp", NULL
};

/* The shape from params in attn_params / layer_params order (mlp_p: the
 * index of mlp, or -1). */
static struct dec_shape shape_of(const long *p, int mlp_p)
{
	struct dec_shape s = {
		(size_t)p[0], (size_t)p[1], (size_t)p[2], (size_t)p[3],
		(size_t)p[4], mlp_p < 0 ? 0 : (size_t)p[mlp_p],
	};

	return s;
}

/* Checks the head layout and every buffer's size, by the doubles that
 * cannot overflow. */
static int check_shape(const char *kernel, const struct dec_shape *s,
		       int attn, char *err, size_t n_err)
{
	double big = (double)s->hidden * (double)(s->mlp ? s->mlp : 1) * 3.0 +
		     (double)s->hidden * (double)s->heads * (double)s->hd * 4.0 +
		     (double)s->seq * (double)(s->mlp + 4 * s->heads * s->hd + s->hidden);

	if (attn && (s->heads % s->kv != 0 || s->hd % 2 != 0 ||
		     s->hd > REF_DEC_MAX_HD))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: heads (%zu) must be a multiple of kv_heads "
			       "(%zu), and head_dim (%zu) even and at most %d.",
			       kernel, s->heads, s->kv, s->hd, REF_DEC_MAX_HD);
	if (big > (double)WL_MAX_ELEMS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the buffers would exceed the limit of %zu "
			       "elements per buffer.", kernel, WL_MAX_ELEMS);
	return 0;
}

static double attn_flops(const struct dec_shape *s)
{
	double S = (double)s->seq, q = (double)(s->heads * s->hd);
	double kv = (double)(s->kv * s->hd), pairs = S * (S + 1) / 2;

	return 2 * S * (double)s->hidden * (q + 2 * kv) + 2 * S * q * (double)s->hidden +
	       pairs * (double)s->heads * (4.0 * (double)s->hd + 5.0) +
	       3.0 * S * (q + kv) + S * (q + 2 * kv);
}

static double mlp_flops(const struct dec_shape *s)
{
	return 6.0 * (double)s->seq * (double)s->hidden * (double)s->mlp +
	       5.0 * (double)s->seq * (double)s->mlp;
}

static void set_xy(struct workload_plan *out, const struct dec_shape *s,
		   size_t n_w)
{
	memset(out, 0, sizeof(*out));
	out->n_inputs = 2;
	workload_set_input(out, 0, 3, (const size_t[]){ 1, s->seq, s->hidden });
	workload_set_input(out, 1, 1, &n_w);
	workload_set_output(out, 3, (const size_t[]){ 1, s->seq, s->hidden });
	out->bytes = 4.0 * (2.0 * (double)(s->seq * s->hidden) + (double)n_w);
}

static int attention_plan(const long *p, struct workload_plan *out,
			  char *err, size_t n_err)
{
	struct dec_shape s = shape_of(p, -1);
	int rc;

	if ((rc = workload_check_params("attention", attn_params, p, err, n_err)) ||
	    (rc = check_shape("attention", &s, 1, err, n_err)))
		return rc;
	set_xy(out, &s, dec_attn_floats(&s));
	out->flops = attn_flops(&s);
	return 0;
}

static int mlp_plan(const long *p, struct workload_plan *out,
		    char *err, size_t n_err)
{
	struct dec_shape s = { (size_t)p[0], (size_t)p[1], 1, 1, 2, (size_t)p[2] };
	int rc;

	if ((rc = workload_check_params("mlp", mlp_params, p, err, n_err)) ||
	    (rc = check_shape("mlp", &s, 0, err, n_err)))
		return rc;
	set_xy(out, &s, dec_mlp_floats(&s));
	out->flops = mlp_flops(&s);
	return 0;
}

static int layer_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	struct dec_shape s = shape_of(p, 5);
	int rc;

	if ((rc = workload_check_params("decoder_layer", layer_params, p, err, n_err)) ||
	    (rc = check_shape("decoder_layer", &s, 1, err, n_err)))
		return rc;
	set_xy(out, &s, dec_layer_floats(&s));
	out->flops = attn_flops(&s) + mlp_flops(&s) +
		     10.0 * (double)(s.seq * s.hidden);
	return 0;
}

static int rope_plan(const long *p, struct workload_plan *out,
		     char *err, size_t n_err)
{
	size_t n, dims[4] = { 1, (size_t)p[1], (size_t)p[0], (size_t)p[2] };
	int rc;

	if ((rc = workload_check_params("rope", rope_params, p, err, n_err)) ||
	    (rc = workload_elems("rope", "x", dims[1] * dims[2], dims[3], &n,
				 err, n_err)))
		return rc;
	if (dims[3] % 2 != 0)
		return err_set(err, n_err, MC_EINVAL,
			       "rope: head_dim (%zu) must be even.", dims[3]);
	memset(out, 0, sizeof(*out));
	out->n_inputs = 1;
	workload_set_input(out, 0, 4, dims);
	workload_set_output(out, 4, dims);
	out->flops = 3.0 * (double)n;
	out->bytes = 8.0 * (double)n;
	return 0;
}

static int embedding_plan(const long *p, struct workload_plan *out,
			  char *err, size_t n_err)
{
	size_t seq = (size_t)p[0], vocab = (size_t)p[1], hidden = (size_t)p[2];
	size_t nt, ny;
	int rc;

	if ((rc = workload_check_params("embedding", emb_params, p, err, n_err)) ||
	    (rc = workload_elems("embedding", "table", vocab, hidden, &nt, err, n_err)) ||
	    (rc = workload_elems("embedding", "y", seq, hidden, &ny, err, n_err)))
		return rc;
	if (vocab >= (1u << 24))
		return err_set(err, n_err, MC_EINVAL,
			       "embedding: vocab %zu is not below 2^24, so an "
			       "id would not be exact as a float.", vocab);
	memset(out, 0, sizeof(*out));
	out->n_inputs = 2;
	workload_set_input(out, 0, 2, (const size_t[]){ vocab, hidden });
	workload_set_input(out, 1, 2, (const size_t[]){ 1, seq });
	workload_set_output(out, 3, (const size_t[]){ 1, seq, hidden });
	out->bytes = 4.0 * (2.0 * (double)ny + (double)seq);
	return 0;
}

/* ------------------------------------------------------- references */

/* The reference interface cannot fail: without its workspace the output
 * is NaN, which validation reports. */
static float *ref_work(const struct dec_shape *s, float *out, size_t n_out)
{
	float *work = malloc(ref_dec_work_floats(s) * sizeof(float));

	if (!work)
		for (size_t i = 0; i < n_out; i++)
			out[i] = NAN;
	return work;
}

static void attention_ref(const long *p, const float *const *in, float *out)
{
	struct dec_shape s = shape_of(p, -1);
	struct dec_attn_w w;
	float *work = ref_work(&s, out, s.seq * s.hidden);

	if (!work)
		return;
	dec_attn_split(&s, in[1], &w);
	ref_attention(&s, in[0], &w, work, out);
	free(work);
}

static void mlp_ref(const long *p, const float *const *in, float *out)
{
	struct dec_shape s = { (size_t)p[0], (size_t)p[1], 1, 1, 2, (size_t)p[2] };
	struct dec_mlp_w w;
	float *work = ref_work(&s, out, s.seq * s.hidden);

	if (!work)
		return;
	dec_mlp_split(&s, in[1], &w);
	ref_mlp(&s, in[0], &w, work, out);
	free(work);
}

static void layer_ref(const long *p, const float *const *in, float *out)
{
	struct dec_shape s = shape_of(p, 5);
	struct dec_layer_w w;
	float *work = ref_work(&s, out, s.seq * s.hidden);

	if (!work)
		return;
	dec_layer_split(&s, in[1], &w);
	ref_decoder_layer(&s, in[0], &w, work, out);
	free(work);
}

static void rope_ref(const long *p, const float *const *in, float *out)
{
	ref_rope((size_t)p[1], (size_t)p[0], (size_t)p[2], in[0], out);
}

static void embedding_ref(const long *p, const float *const *in, float *out)
{
	size_t hidden = (size_t)p[2];

	for (size_t t = 0; t < (size_t)p[0]; t++)
		memcpy(out + t * hidden, in[0] + (size_t)in[1][t] * hidden,
		       hidden * sizeof(*out));
}

/* ------------------------------------------------ finished inputs */

void workload_dec_scale_matrix(float *w, size_t in, size_t out)
{
	float s = (float)sqrt(3.0 / (double)in);

	for (size_t i = 0; i < in * out; i++)
		w[i] *= s;
}

static void scale_vec(float *v, size_t n, float mul, float add)
{
	for (size_t i = 0; i < n; i++)
		v[i] = v[i] * mul + add;
}

static void finish_attn(const struct dec_shape *s, float *p)
{
	struct dec_attn_w w;
	size_t q = s->heads * s->hd, kv = s->kv * s->hd;

	dec_attn_split(s, p, &w);
	workload_dec_scale_matrix((float *)w.wq, s->hidden, q);
	workload_dec_scale_matrix((float *)w.wk, s->hidden, kv);
	workload_dec_scale_matrix((float *)w.wv, s->hidden, kv);
	workload_dec_scale_matrix((float *)w.wo, q, s->hidden);
	scale_vec((float *)w.bq, q, 0.1f, 0.0f);
	scale_vec((float *)w.bk, kv, 0.1f, 0.0f);
	scale_vec((float *)w.bv, kv, 0.1f, 0.0f);
}

static void finish_mlp(const struct dec_shape *s, float *p)
{
	struct dec_mlp_w w;

	dec_mlp_split(s, p, &w);
	workload_dec_scale_matrix((float *)w.wg, s->hidden, s->mlp);
	workload_dec_scale_matrix((float *)w.wu, s->hidden, s->mlp);
	workload_dec_scale_matrix((float *)w.wd, s->mlp, s->hidden);
}

/* The layer's parts are views of the caller's writable buffer. */
void workload_dec_finish_layer(const struct dec_shape *s, float *p)
{
	scale_vec(p, s->hidden, 0.25f, 1.0f);
	finish_attn(s, p + s->hidden);
	scale_vec(p + s->hidden + dec_attn_floats(s), s->hidden, 0.25f, 1.0f);
	finish_mlp(s, p + 2 * s->hidden + dec_attn_floats(s));
}

static int attention_finish(const long *p, float *const *in, char *err, size_t n)
{
	struct dec_shape s = shape_of(p, -1);

	(void)err;
	(void)n;
	finish_attn(&s, in[1]);
	return 0;
}

static int mlp_finish(const long *p, float *const *in, char *err, size_t n)
{
	struct dec_shape s = { (size_t)p[0], (size_t)p[1], 1, 1, 2, (size_t)p[2] };

	(void)err;
	(void)n;
	finish_mlp(&s, in[1]);
	return 0;
}

static int layer_finish(const long *p, float *const *in, char *err, size_t n)
{
	struct dec_shape s = shape_of(p, 5);

	(void)err;
	(void)n;
	workload_dec_finish_layer(&s, in[1]);
	return 0;
}

static int embedding_finish(const long *p, float *const *in, char *err, size_t n)
{
	double vocab = (double)p[1];

	(void)err;
	(void)n;
	for (size_t t = 0; t < (size_t)p[0]; t++) {
		double id = floor(((double)in[1][t] + 1.0) * 0.5 * vocab);

		in[1][t] = (float)(id < vocab ? id : vocab - 1);
	}
	return 0;
}

/* ------------------------------------------------------------ specs */

/* fp16 tolerances: see the header comment. */
static const struct workload_tol fp16_emb = { 1e-3, 1e-7 };
static const struct workload_tol fp16_rope = { 1e-2, 2e-3 };
static const struct workload_tol fp16_sublayer = { 1e-2, 5e-3 };

static const char *const in_x_attn[] = { "x", "attn", NULL };
static const char *const in_x_mlp[] = { "x", "mlp", NULL };
static const char *const in_x_layer[] = { "x", "layer", NULL };
static const char *const in_x[] = { "x", NULL };
static const char *const in_emb[] = { "table", "ids", NULL };

const struct kernel_spec workload_spec_embedding = {
	.name = "embedding",
	.summary = "embedding lookup: rows ids of table[vocab x hidden]",
	.param_names = emb_params,
	.input_names = in_emb,
	.fp16 = &fp16_emb,
	.plan = embedding_plan,
	.reference = embedding_ref,
	.finish_inputs = embedding_finish,
};

const struct kernel_spec workload_spec_rope = {
	.name = "rope",
	.summary = "rotary position embedding (rotate-half, base 1e6) of "
		   "x[heads x seq x head_dim]",
	.param_names = rope_params,
	.input_names = in_x,
	.rtol = 1e-4, .atol = 2e-4,
	.fp16 = &fp16_rope,
	.plan = rope_plan,
	.reference = rope_ref,
};

const struct kernel_spec workload_spec_attention = {
	.name = "attention",
	.summary = "attention sublayer: QKV projections, RoPE, causal GQA, "
		   "output projection",
	.param_names = attn_params,
	.input_names = in_x_attn,
	.rtol = 1e-3, .atol = 2e-4,
	.fp16 = &fp16_sublayer,
	.plan = attention_plan,
	.reference = attention_ref,
	.finish_inputs = attention_finish,
};

const struct kernel_spec workload_spec_mlp = {
	.name = "mlp",
	.summary = "SwiGLU MLP: (silu(x.Wg) * x.Wu).Wd",
	.param_names = mlp_params,
	.input_names = in_x_mlp,
	.rtol = 1e-3, .atol = 2e-4,
	.fp16 = &fp16_sublayer,
	.plan = mlp_plan,
	.reference = mlp_ref,
	.finish_inputs = mlp_finish,
};

const struct kernel_spec workload_spec_decoder_layer = {
	.name = "decoder_layer",
	.summary = "one decoder layer: RMS norm, attention, residual, RMS "
		   "norm, MLP, residual",
	.param_names = layer_params,
	.input_names = in_x_layer,
	.rtol = 1e-3, .atol = 2e-4,
	.fp16 = &fp16_sublayer,
	.plan = layer_plan,
	.reference = layer_ref,
	.finish_inputs = layer_finish,
};
