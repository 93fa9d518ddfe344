/*
 * decode.h - a whole Qwen2-style model of n_layers decoder layers
 * (kernels/ref/decoder.h) with a final RMS norm and an LM head, run one
 * token at a time against a KV cache: the reference of the decoding
 * kernels (src/lib/workload_decode.c).
 *
 * Model buffers (each row-major, the layouts of decoder.h):
 *   emb    [vocab x hidden]         the token embeddings
 *   layers [n_layers x layer]       decoder.h's packed layer, end to end
 *   gf     [hidden]                 the final norm's weight
 *   head   [hidden x vocab]         the LM head (untied), logits = x.head
 * KV cache: per layer, K then V, each [kv_heads x max_seq x head_dim]
 * (head-major, as SDPA takes it), the keys after RoPE; position p of head
 * g of layer l's K is at ((l * 2 + 0) * kv + g) * max_seq * hd + p * hd.
 *
 * Greedy decoding picks the first index of the largest logit.
 */
#ifndef MC_REF_DECODE_H
#define MC_REF_DECODE_H
#include <stddef.h>
#include "ref/decoder.h"

struct dec_model_w {
	size_t n_layers, vocab;
	const float *emb, *layers, *gf, *head;
};

/* Floats of a KV cache of max_seq positions for model shape s. */
size_t dec_cache_floats(const struct dec_shape *s, size_t n_layers,
			size_t max_seq);

/* The first index of the largest of x[0..n). */
size_t dec_argmax(const float *x, size_t n);

/* Floats of workspace ref_dec_step needs. */
size_t ref_dec_step_work_floats(const struct dec_shape *s);

/* One token through every layer of m: x [hidden] (its embedding) at
 * position pos, its K and V written into cache (max_seq positions, those
 * below pos already filled); logits [vocab] = head of the final norm, or
 * skipped when logits is NULL (a prompt token before the last). s->seq is
 * ignored. Every sum in double, intermediates stored as float. */
void ref_dec_step(const struct dec_shape *s, const struct dec_model_w *m,
		  float *cache, size_t max_seq, size_t pos, const float *x,
		  float *work, float *logits);

#endif
