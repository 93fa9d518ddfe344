/*
 * decoder.h - the pieces of a Qwen2-style decoder layer, defined once: the
 * shapes, the layout of the packed weight buffers that every side slices,
 * and the references (fp32 intermediates as an fp32 model has, every sum
 * in double).
 *
 * A layer on x [seq x hidden] (rows are tokens at positions 0..seq-1):
 *   h = x + attention(rmsnorm(x) * g1),  y = h + mlp(rmsnorm(h) * g2)
 *   rmsnorm(x) = x / sqrt(mean(x^2) + REF_DEC_EPS)
 *   attention: q = x.wq + bq [seq x heads*hd], k = x.wk + bk, v = x.wv + bv
 *     [seq x kv*hd]; RoPE on q and k; per head h with kv head
 *     g = h / (heads / kv): o_h = softmax(q_h k_g^T / sqrt(hd), causal) v_g;
 *     out = o.wo (wo [heads*hd x hidden], no bias)
 *   RoPE (the rotate-half form of HF's Qwen2, mlx.fast.rope with
 *     traditional=False): for a head vector v at position p and
 *     i < hd/2, a = p * base^(-2i/hd), base = REF_DEC_ROPE_BASE:
 *     v'[i] = v[i] cos a - v[i + hd/2] sin a,
 *     v'[i + hd/2] = v[i + hd/2] cos a + v[i] sin a
 *   mlp: (silu(x.wg) * (x.wu)).wd, silu(z) = z / (1 + exp(-z))
 * Matrices are row-major [in x out] (y = x.W).
 *
 * Packed buffers, each part row-major and laid end to end:
 *   attention: wq [hidden x heads*hd], bq [heads*hd], wk [hidden x kv*hd],
 *              bk [kv*hd], wv [hidden x kv*hd], bv [kv*hd],
 *              wo [heads*hd x hidden]
 *   mlp:       wg [hidden x mlp], wu [hidden x mlp], wd [mlp x hidden]
 *   layer:     g1 [hidden], attention, g2 [hidden], mlp
 */
#ifndef MC_REF_DECODER_H
#define MC_REF_DECODER_H
#include <stddef.h>

#define REF_DEC_EPS 1e-6
#define REF_DEC_ROPE_BASE 1e6
#define REF_DEC_MAX_HD 512      /* largest head dimension the plans accept */

struct dec_shape {
	size_t seq, hidden, heads, kv, hd, mlp;
};

struct dec_attn_w {
	const float *wq, *bq, *wk, *bk, *wv, *bv, *wo;
};

struct dec_mlp_w {
	const float *wg, *wu, *wd;
};

struct dec_layer_w {
	const float *g1, *g2;
	struct dec_attn_w attn;
	struct dec_mlp_w mlp;
};

/* Floats in each packed buffer. */
size_t dec_attn_floats(const struct dec_shape *s);
size_t dec_mlp_floats(const struct dec_shape *s);
size_t dec_layer_floats(const struct dec_shape *s);

/* The parts of a packed buffer at base (pointers into it). */
void dec_attn_split(const struct dec_shape *s, const float *base,
		    struct dec_attn_w *out);
void dec_mlp_split(const struct dec_shape *s, const float *base,
		   struct dec_mlp_w *out);
void dec_layer_split(const struct dec_shape *s, const float *base,
		     struct dec_layer_w *out);

/* Floats of workspace the references below need (the largest of them). */
size_t ref_dec_work_floats(const struct dec_shape *s);

/* RoPE of x [heads x seq x hd] (head-major, as SDPA takes it) into y. */
void ref_rope(size_t heads, size_t seq, size_t hd, const float *x, float *y);

/* The attention sublayer (no norm, no residual) of x [seq x hidden] into
 * y [seq x hidden]; work as ref_dec_work_floats. */
void ref_attention(const struct dec_shape *s, const float *x,
		   const struct dec_attn_w *w, float *work, float *y);

/* The MLP of x [seq x hidden] into y. */
void ref_mlp(const struct dec_shape *s, const float *x,
	     const struct dec_mlp_w *w, float *work, float *y);

/* RMS norm of each row of x [rows x cols] with eps REF_DEC_EPS, times g. */
void ref_dec_rmsnorm(size_t rows, size_t cols, const float *x,
		     const float *g, float *y);

/* The whole layer on x [seq x hidden] into y. */
void ref_decoder_layer(const struct dec_shape *s, const float *x,
		       const struct dec_layer_w *w, float *work, float *y);

#endif
