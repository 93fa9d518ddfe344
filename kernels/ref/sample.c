/*
 * sample.c - the reference sampler (rules in sample.h): plain C in double,
 * a full qsort for the order.
 */
#include "ref/sample.h"

#include <math.h>
#include <stdlib.h>

struct ranked {
	float v;
	size_t i;
};

/* larger logit first, then lower index: a total order, so qsort's
 * instability cannot show */
static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->v != b->v)
		return a->v > b->v ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int ref_sample_order(size_t vocab, const float *logits, size_t *out_idx)
{
	struct ranked *r = malloc(vocab * sizeof(*r));

	if (!r)
		return -1;
	for (size_t i = 0; i < vocab; i++) {
		r[i].v = logits[i];
		r[i].i = i;
	}
	qsort(r, vocab, sizeof(*r), ranked_cmp);
	for (size_t j = 0; j < vocab; j++)
		out_idx[j] = r[j].i;
	free(r);
	return 0;
}

/* The first kept j with c_j > thr over weights w(j), j < n; fills *out
 * with the token and its bucket as shares of total. */
static void draw(size_t n, const size_t *idx, const double *w, double total,
		 double u, struct ref_sample_pick *out)
{
	double thr = u * total, c = 0.0;
	size_t j;

	for (j = 0; j + 1 < n; j++) {
		if (c + w[j] > thr)
			break;
		c += w[j];
	}
	out->token = idx ? idx[j] : j;
	out->lo = c / total;
	out->hi = (c + w[j]) / total;
}

int ref_sample(enum ref_sample_rule rule, size_t vocab, size_t k,
	       const float *logits, double u, struct ref_sample_pick *out)
{
	size_t *idx = NULL;
	double *w = NULL, m = logits[0], total = 0.0;
	size_t n = vocab;
	int rc = -1;

	for (size_t i = 1; i < vocab; i++)
		if (logits[i] > m)
			m = logits[i];
	if (rule == REF_SAMPLE_GREEDY) {
		size_t i = 0;

		while ((double)logits[i] != m)
			i++;
		out->token = i;
		out->lo = 0.0;
		out->hi = 1.0;
		return 0;
	}
	w = malloc(vocab * sizeof(*w));
	if (!w)
		goto out;
	if (rule == REF_SAMPLE_TEMPERATURE) {
		for (size_t i = 0; i < vocab; i++)
			total += w[i] = exp(((double)logits[i] - m) /
					    REF_SAMPLE_T);
		draw(vocab, NULL, w, total, u, out);
		rc = 0;
		goto out;
	}
	idx = malloc(vocab * sizeof(*idx));
	if (!idx || ref_sample_order(vocab, logits, idx))
		goto out;
	for (size_t j = 0; j < vocab; j++)
		w[j] = exp((double)logits[idx[j]] - m);
	if (rule == REF_SAMPLE_TOP_K) {
		n = k < vocab ? k : vocab;
		for (size_t j = 0; j < n; j++)
			total += w[j];
	} else {
		double z = 0.0;

		for (size_t j = 0; j < vocab; j++)
			z += w[j];
		for (n = 0; n < vocab && (n == 0 || total < REF_SAMPLE_P * z); n++)
			total += w[n];
	}
	draw(n, idx, w, total, u, out);
	rc = 0;
out:
	free(idx);
	free(w);
	return rc;
}
