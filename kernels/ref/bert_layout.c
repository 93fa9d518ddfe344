/*
 * bert_layout.c - the packed weight layout of bert.h: sizes and the split
 * of a packed buffer into its parts. Apart from the reference encoder so
 * that what only loads or slices weights (model.c, the backends' prepare)
 * needs no more than this.
 */
#include "ref/bert.h"

size_t bert_emb_floats(const struct bert_shape *s)
{
	return (s->vocab + BERT_MAX_POS + BERT_TYPES) * s->hidden + 2 * s->hidden;
}

size_t bert_layer_floats(const struct bert_shape *s)
{
	size_t h = s->hidden, m = s->mlp;

	return 4 * (h * h + h) + 2 * h + (m * h + m) + (h * m + h) + 2 * h;
}

void bert_emb_split(const struct bert_shape *s, const float *base, struct bert_emb_w *out)
{
	size_t h = s->hidden;

	out->word = base;
	out->pos = out->word + s->vocab * h;
	out->type = out->pos + BERT_MAX_POS * h;
	out->ge = out->type + BERT_TYPES * h;
	out->be = out->ge + h;
}

void bert_layer_split(const struct bert_shape *s, const float *base, struct bert_layer_w *out)
{
	size_t h = s->hidden, m = s->mlp;

	out->wq = base;
	out->bq = out->wq + h * h;
	out->wk = out->bq + h;
	out->bk = out->wk + h * h;
	out->wv = out->bk + h;
	out->bv = out->wv + h * h;
	out->wo = out->bv + h;
	out->bo = out->wo + h * h;
	out->g1 = out->bo + h;
	out->b1 = out->g1 + h;
	out->wi = out->b1 + h;
	out->bi = out->wi + m * h;
	out->wo2 = out->bi + m;
	out->bo2 = out->wo2 + h * m;
	out->g2 = out->bo2 + h;
	out->b2 = out->g2 + h;
}
