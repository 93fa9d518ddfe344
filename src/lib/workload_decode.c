/*
 * workload_decode.c - the kernel specs of decoding with a whole model
 * (kernels/ref/decode.h: n_layers Qwen2-style layers, a final RMS norm
 * and an untied LM head): greedy generation with a KV cache, the same
 * generation by full recompute, and one decoding step.
 *
 *   decode, decode_recompute: prompt, gen, layers, vocab, hidden, heads,
 *     kv_heads, head_dim, mlp
 *     inputs: prompt [1 x prompt] (token ids), emb [vocab x hidden],
 *             layers [layers x layer floats], gf [hidden],
 *             head [hidden x vocab]
 *     output: [1 x gen], the generated token ids: the first from the
 *             prompt's pass (its time alone is gen = 1: time to first
 *             token), each next one from the token before it, greedy
 *   decode: the prompt in one causal pass that fills the KV cache, then
 *     one token per pass against the cache. decode_recompute: no cache;
 *     every token is a causal pass over the whole sequence so far (the
 *     LM head on its last row only). Both produce the same tokens, so one
 *     reference serves both (the reference's steps compute exactly what a
 *     whole-sequence pass would, see decode.c).
 *   decode_step: ctx, layers, vocab, hidden, heads, kv_heads, head_dim, mlp
 *     inputs: x [1 x 1 x hidden] (the new token's embedding), cache
 *             [2 layers x kv_heads x ctx x head_dim] (K of layer l at 2l,
 *             V at 2l + 1, keys after RoPE), layers, gf, head
 *     output: logits [1 x vocab] of the token at position ctx: one
 *             decoder forward pass of one token (the denominator of the
 *             sampling kernels' share of a forward pass)
 *
 * The LM head is untied (Qwen2.5-0.5B ties it to the embeddings; with
 * random weights a tied head makes the current token the argmax every
 * time, so the tokens would test nothing). Finished inputs: layers as
 * decoder_layer's, head as a matrix [hidden x vocab], gf 1 + x / 4, ids
 * floor((x + 1) / 2 * vocab); emb, x and the cache stay seeded floats.
 *
 * Counts, per layer and pass of n new tokens seeing `pairs` (query, key)
 * pairs: decoder_layer's (projections, attention, MLP, norms, residuals),
 * plus 2 hidden vocab per row of logits and 4 hidden for the final norm;
 * recompute counts every pass it makes. Bytes: inputs once, output once
 * (weights are re-read per token in fact; the plausibility check must
 * only never be fooled).
 *
 * Tolerance: decode's tokens are exact (rtol = atol = 0); a side whose
 * fp32 sums land on the other side of a near tie fails as invalid, with
 * the first differing token in the message (fixed seeds: either every run
 * of a side passes or none does). decode_step: logits after up to 24
 * layers of fp32 GEMMs: rtol 1e-3, atol 1e-3 of max |logit|.
 *
 * fp16 (variant WORKLOAD_FP16): decode_step only. Each layer adds about
 * the decoder_layer's fp16 error (workload_decoder.c: ~1e-3 of the scale)
 * to the residual stream, independent from layer to layer, so 24 layers
 * give about sqrt(24) times that: rtol 5e-2, atol 2e-2 of max |logit|,
 * about 5 times the largest error measured when they were chosen (PyTorch
 * and MLX in fp16 on the CPU, the decoding suite's shapes; figures in the
 * commit that set them). decode and decode_recompute have none, so no
 * side offers them in fp16: their tokens are compared exactly, and fp16
 * logits (errors of that size) can turn a near tie of the fp32 logits the
 * other way, a legitimate divergence that would fail as invalid, while a
 * tolerance on tokens (a share allowed to differ) would hide real errors.
 */
#include "workload.h"
#include "workload_int.h"
#include "err.h"
#include "ref/decode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const gen_params[] = {
	"prompt", "gen", "layers", "vocab", "hidden", "heads", "kv_heads",
	"head_dim", "mlp", NULL
};
static const char *const step_params[] = {
	"ctx", "layers", "vocab", "hidden", "heads", "kv_heads", "head_dim",
	"mlp", NULL
};

/* The model shape from p[first..first+4] (hidden .. mlp); seq unset. */
static struct dec_shape model_shape(const long *p, size_t first)
{
	struct dec_shape s = {
		0, (size_t)p[first], (size_t)p[first + 1], (size_t)p[first + 2],
		(size_t)p[first + 3], (size_t)p[first + 4],
	};

	return s;
}

static int check_model(const char *kernel, const struct dec_shape *s,
		       size_t layers, size_t vocab, size_t max_seq,
		       char *err, size_t n_err)
{
	double lf = (double)s->hidden * (double)(3 * s->mlp + 2 * s->heads * s->hd +
						 2 * s->kv * s->hd + 4);

	if (s->heads % s->kv != 0 || s->hd % 2 != 0 || s->hd > REF_DEC_MAX_HD)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: heads (%zu) must be a multiple of kv_heads "
			       "(%zu), and head_dim (%zu) even and at most %d.",
			       kernel, s->heads, s->kv, s->hd, REF_DEC_MAX_HD);
	if (vocab >= (1u << 24))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: vocab %zu is not below 2^24, so a token id "
			       "would not be exact as a float.", kernel, vocab);
	if (lf * (double)layers > (double)WL_MAX_ELEMS ||
	    (double)vocab * (double)s->hidden > (double)WL_MAX_ELEMS ||
	    (double)max_seq * (double)(s->mlp + s->hidden + s->heads * s->hd) * 4.0 >
		    (double)WL_MAX_ELEMS ||
	    2.0 * (double)layers * (double)(s->kv * s->hd) * (double)max_seq >
		    (double)WL_MAX_ELEMS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the buffers would exceed the limit of %zu "
			       "elements per buffer.", kernel, WL_MAX_ELEMS);
	return 0;
}

/* One layer's arithmetic for n new rows seeing `pairs` key positions in
 * all (decoder_layer's count). */
static double layer_pass_flops(const struct dec_shape *s, double n,
			       double pairs)
{
	double q = (double)(s->heads * s->hd), kv = (double)(s->kv * s->hd);
	double hid = (double)s->hidden;

	return 2 * n * hid * (q + 2 * kv) + 2 * n * q * hid +
	       pairs * (double)s->heads * (4.0 * (double)s->hd + 5.0) +
	       3.0 * n * (q + kv) + n * (q + 2 * kv) +
	       6.0 * n * hid * (double)s->mlp + 5.0 * n * (double)s->mlp +
	       10.0 * n * hid;
}

static double head_flops(const struct dec_shape *s, size_t vocab)
{
	return 2.0 * (double)s->hidden * (double)vocab + 4.0 * (double)s->hidden;
}

static void set_model_inputs(struct workload_plan *out, size_t first,
			     const struct dec_shape *s, size_t layers,
			     size_t vocab)
{
	workload_set_input(out, first, 2,
			   (const size_t[]){ layers, dec_layer_floats(s) });
	workload_set_input(out, first + 1, 1, &s->hidden);
	workload_set_input(out, first + 2, 2, (const size_t[]){ s->hidden, vocab });
}

static double inputs_bytes(const struct workload_plan *out)
{
	double b = 0.0;

	for (size_t i = 0; i < out->n_inputs; i++)
		b += 4.0 * (double)out->input_len[i];
	return b;
}

static int gen_plan(const char *kernel, int recompute, const long *p,
		    struct workload_plan *out, char *err, size_t n_err)
{
	struct dec_shape s = model_shape(p, 4);
	size_t P = (size_t)p[0], G = (size_t)p[1], L = (size_t)p[2];
	size_t V = (size_t)p[3];
	double fl = 0.0;
	int rc;

	if ((rc = workload_check_params(kernel, gen_params, p, err, n_err)) ||
	    (rc = check_model(kernel, &s, L, V, P + G, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 5;
	workload_set_input(out, 0, 2, (const size_t[]){ 1, P });
	workload_set_input(out, 1, 2, (const size_t[]){ V, s.hidden });
	set_model_inputs(out, 2, &s, L, V);
	workload_set_output(out, 2, (const size_t[]){ 1, G });
	if (recompute) {
		for (size_t i = 0; i < G; i++) {
			double n = (double)(P + i);

			fl += layer_pass_flops(&s, n, n * (n + 1) / 2);
		}
	} else {
		fl = layer_pass_flops(&s, (double)P, (double)P * (double)(P + 1) / 2);
		for (size_t i = 1; i < G; i++)
			fl += layer_pass_flops(&s, 1.0, (double)(P + i));
	}
	out->flops = fl * (double)L + (double)G * head_flops(&s, V);
	out->bytes = inputs_bytes(out) + 4.0 * (double)G;
	return 0;
}

static int decode_plan(const long *p, struct workload_plan *out,
		       char *err, size_t n_err)
{
	return gen_plan("decode", 0, p, out, err, n_err);
}

static int recompute_plan(const long *p, struct workload_plan *out,
			  char *err, size_t n_err)
{
	return gen_plan("decode_recompute", 1, p, out, err, n_err);
}

static int step_plan(const long *p, struct workload_plan *out,
		     char *err, size_t n_err)
{
	struct dec_shape s = model_shape(p, 3);
	size_t C = (size_t)p[0], L = (size_t)p[1], V = (size_t)p[2];
	int rc;

	if ((rc = workload_check_params("decode_step", step_params, p, err, n_err)) ||
	    (rc = check_model("decode_step", &s, L, V, C + 1, err, n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 5;
	workload_set_input(out, 0, 3, (const size_t[]){ 1, 1, s.hidden });
	workload_set_input(out, 1, 4, (const size_t[]){ 2 * L, s.kv, C, s.hd });
	set_model_inputs(out, 2, &s, L, V);
	workload_set_output(out, 2, (const size_t[]){ 1, V });
	out->flops = layer_pass_flops(&s, 1.0, (double)(C + 1)) * (double)L +
		     head_flops(&s, V);
	out->bytes = inputs_bytes(out) + 4.0 * (double)V;
	return 0;
}

/* ------------------------------------------------------- references */

/* The reference interface cannot fail: without memory the output is NaN,
 * which validation reports. */
static void gen_ref(const long *p, const float *const *in, float *out)
{
	struct dec_shape s = model_shape(p, 4);
	size_t P = (size_t)p[0], G = (size_t)p[1], max_seq = P + G;
	struct dec_model_w m = { (size_t)p[2], (size_t)p[3], in[1], in[2],
				 in[3], in[4] };
	float *cache = malloc(dec_cache_floats(&s, m.n_layers, max_seq) * sizeof(float));
	float *work = malloc(ref_dec_step_work_floats(&s) * sizeof(float));
	float *logits = malloc(m.vocab * sizeof(float));
	size_t tok = 0;

	if (!cache || !work || !logits) {
		for (size_t i = 0; i < G; i++)
			out[i] = NAN;
		goto out;
	}
	for (size_t pos = 0; pos + 1 < P + G; pos++) {
		const float *x;

		if (pos < P)
			tok = (size_t)in[0][pos];
		x = m.emb + tok * s.hidden;
		ref_dec_step(&s, &m, cache, max_seq, pos, x, work,
			     pos + 1 >= P ? logits : NULL);
		if (pos + 1 >= P)
			out[pos + 1 - P] = (float)(tok = dec_argmax(logits, m.vocab));
	}
	/* gen = 1 stops at the prompt's last token, which the loop above
	 * covers; G >= 1 always, so out[G - 1] is written */
out:
	free(logits);
	free(work);
	free(cache);
}

static void step_ref(const long *p, const float *const *in, float *out)
{
	struct dec_shape s = model_shape(p, 3);
	size_t C = (size_t)p[0], D = s.hd;
	struct dec_model_w m = { (size_t)p[1], (size_t)p[2], NULL, in[2],
				 in[3], in[4] };
	float *cache = malloc(dec_cache_floats(&s, m.n_layers, C + 1) * sizeof(float));
	float *work = malloc(ref_dec_step_work_floats(&s) * sizeof(float));

	if (!cache || !work) {
		for (size_t i = 0; i < m.vocab; i++)
			out[i] = NAN;
		goto out;
	}
	/* the input cache holds ctx positions; the step's cache has room
	 * for one more */
	for (size_t plane = 0; plane < 2 * m.n_layers * s.kv; plane++)
		memcpy(cache + plane * (C + 1) * D, in[1] + plane * C * D,
		       C * D * sizeof(float));
	ref_dec_step(&s, &m, cache, C + 1, C, in[0], work, out);
out:
	free(work);
	free(cache);
}

/* ------------------------------------------------ finished inputs */

static void finish_model(const struct dec_shape *s, size_t layers,
			 size_t vocab, float *const *in)
{
	size_t lf = dec_layer_floats(s);

	for (size_t l = 0; l < layers; l++)
		workload_dec_finish_layer(s, in[0] + l * lf);
	for (size_t i = 0; i < s->hidden; i++)
		in[1][i] = in[1][i] * 0.25f + 1.0f;
	workload_dec_scale_matrix(in[2], s->hidden, vocab);
}

static int gen_finish(const long *p, float *const *in, char *err, size_t n)
{
	struct dec_shape s = model_shape(p, 4);
	double vocab = (double)p[3];

	(void)err;
	(void)n;
	for (size_t t = 0; t < (size_t)p[0]; t++) {
		double id = floor(((double)in[0][t] + 1.0) * 0.5 * vocab);

		in[0][t] = (float)(id < vocab ? id : vocab - 1);
	}
	finish_model(&s, (size_t)p[2], (size_t)p[3], in + 2);
	return 0;
}

static int step_finish(const long *p, float *const *in, char *err, size_t n)
{
	struct dec_shape s = model_shape(p, 3);

	(void)err;
	(void)n;
	finish_model(&s, (size_t)p[1], (size_t)p[2], in + 2);
	return 0;
}

/* ------------------------------------------------------------ specs */

/* decode_step's fp16 tolerances: see the header comment. */
static const struct workload_tol fp16_step = { 5e-2, 2e-2 };

static const char *const in_gen[] = {
	"prompt", "emb", "layers", "gf", "head", NULL
};
static const char *const in_step[] = {
	"x", "cache", "layers", "gf", "head", NULL
};

const struct kernel_spec workload_spec_decode = {
	.name = "decode",
	.summary = "greedy generation of gen tokens after a prompt, with a "
		   "KV cache, through layers decoder layers and an LM head",
	.param_names = gen_params,
	.input_names = in_gen,
	.plan = decode_plan,
	.reference = gen_ref,
	.finish_inputs = gen_finish,
};

const struct kernel_spec workload_spec_decode_recompute = {
	.name = "decode_recompute",
	.summary = "the same greedy generation without a cache: every token "
		   "a causal pass over the whole sequence",
	.param_names = gen_params,
	.input_names = in_gen,
	.plan = recompute_plan,
	.reference = gen_ref,
	.finish_inputs = gen_finish,
};

const struct kernel_spec workload_spec_decode_step = {
	.name = "decode_step",
	.summary = "one token's forward pass at cache length ctx: layers "
		   "decoder layers, final norm, LM head logits",
	.param_names = step_params,
	.input_names = in_step,
	.rtol = 1e-3, .atol = 1e-3,
	.fp16 = &fp16_step,
	.plan = step_plan,
	.reference = step_ref,
	.finish_inputs = step_finish,
};
