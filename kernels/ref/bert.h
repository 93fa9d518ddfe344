/*
 * bert.h - a BERT sentence encoder (all-MiniLM-L6-v2 and e5-small-v2 are
 * two of them) defined once: the shape, the layout of the packed weight
 * buffers every side slices, and the reference (fp32 intermediates as an
 * fp32 model has them, every sum in double).
 *
 * The job, as sentence-transformers runs it (Transformer, mean Pooling,
 * Normalize), for a batch of B token sequences padded to S (ids, and mask
 * 1 for a real token, 0 for padding), token type 0 throughout:
 *   x = LN(word[id] + pos[p] + type[0]) * ge + be       (p = 0..S-1)
 *   per layer:
 *     q = x Wq^T + bq, k = x Wk^T + bk, v = x Wv^T + bv       [S x H]
 *     per head h (hd = H / heads columns each):
 *       a = softmax(q_h k_h^T / sqrt(hd) + m) v_h,  m = 0 for a real key,
 *           -inf for a padded one (HF adds the dtype's minimum: the same
 *           zero weight)
 *     x = LN(x + a Wo^T + bo) * g1 + b1
 *     x = LN(x + gelu(x Wi^T + bi) Wo2^T + bo2) * g2 + b2
 *       gelu(z) = z / 2 * (1 + erf(z / sqrt 2))   (the exact one, HF "gelu")
 *   e = sum_p mask[p] x[p] / max(sum_p mask[p], 1e-9)     (mean pooling)
 *   out = e / max(|e|_2, 1e-12)                           (Normalize)
 *   LN(z) = (z - mean) / sqrt(var + BERT_LN_EPS), var the biased variance.
 * Matrices are stored as the checkpoint stores them, [out x in] (torch's
 * Linear: y = x W^T + b), so a peer loads the buffers as a state dict.
 *
 * Packed buffers, each part row-major and laid end to end, in this order
 * (the checkpoint's tensor names in brackets, under embeddings. and
 * encoder.layer.N.):
 *   emb:   word [vocab x H] (word_embeddings.weight),
 *          pos [BERT_MAX_POS x H] (position_embeddings.weight),
 *          type [BERT_TYPES x H] (token_type_embeddings.weight),
 *          ge [H], be [H] (LayerNorm.weight, .bias)
 *   layer: wq [H x H], bq [H]  (attention.self.query.weight, .bias),
 *          wk, bk (attention.self.key), wv, bv (attention.self.value),
 *          wo [H x H], bo [H]  (attention.output.dense),
 *          g1 [H], b1 [H]      (attention.output.LayerNorm),
 *          wi [M x H], bi [M]  (intermediate.dense),
 *          wo2 [H x M], bo2 [H] (output.dense),
 *          g2 [H], b2 [H]      (output.LayerNorm)
 *   layers: `layers` packed layers end to end, layer 0 first.
 */
#ifndef MC_REF_BERT_H
#define MC_REF_BERT_H
#include <stddef.h>

#define BERT_LN_EPS 1e-12
#define BERT_MAX_POS 512     /* position embeddings: longest sequence */
#define BERT_TYPES 2         /* token type embeddings */
#define BERT_MAX_HD 256      /* largest head dimension the plans accept */

/* The shape of the model and of one batch. */
struct bert_shape {
	size_t batch, seq;       /* B sequences of S tokens (padded) */
	size_t vocab, hidden, heads, mlp, layers;
};

struct bert_emb_w {
	const float *word, *pos, *type, *ge, *be;
};

struct bert_layer_w {
	const float *wq, *bq, *wk, *bk, *wv, *bv, *wo, *bo, *g1, *b1;
	const float *wi, *bi, *wo2, *bo2, *g2, *b2;
};

/* Floats in each packed buffer. */
size_t bert_emb_floats(const struct bert_shape *s);
size_t bert_layer_floats(const struct bert_shape *s);   /* one layer */

/* The parts of a packed buffer at base (pointers into it). */
void bert_emb_split(const struct bert_shape *s, const float *base,
		    struct bert_emb_w *out);
void bert_layer_split(const struct bert_shape *s, const float *base,
		      struct bert_layer_w *out);

/* Floats of workspace ref_bert_encode needs. */
size_t ref_bert_work_floats(const struct bert_shape *s);

/* The whole encoder on ids and mask [batch x seq] (floats holding
 * integers: ids in [0, vocab), mask 0 or 1, at least one 1 per row) with
 * emb and layers packed as above: out [batch x hidden], the normalised
 * mean-pooled embeddings. work: ref_bert_work_floats floats. */
void ref_bert_encode(const struct bert_shape *s, const float *ids,
		     const float *mask, const float *emb, const float *layers,
		     float *work, float *out);

#endif
