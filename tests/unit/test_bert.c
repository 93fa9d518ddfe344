/*
 * test_bert.c - unit tests of the BERT sentence encoder (kernels/ref/bert.h)
 * and of issue 15's kernels wordpiece, bert_encode and embed: a tiny
 * encoder whose result is known by construction, the padding that must
 * not change a result, the plans, and the ref and cpu backends against
 * the reference. The tests that tokenize need the model's vocab.txt and
 * skip, saying so, when MCBENCH_MODEL_DIR is unset (make test sets it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "fixture.h"
#include "err.h"
#include "workload.h"
#include "ref/bert.h"

/* ------------------------------------------------- the tiny encoder */

/*
 * hidden 4, 2 heads of 2, mlp 4, vocab 3, one layer. Token 1 embeds as
 * t0 = [1, -1, 1, -1], token 2 as t1 = [1, 1, -1, -1], token 0 (padding)
 * as garbage that must never matter; positions and type embed as 0, every
 * LN weight 1 and bias 0, so the embedding LN leaves t0 and t1 as they are
 * (mean 0, variance 1). Wq = c I, Wk = Wv = Wo = I, Wi = Wo2 = I, biases 0.
 * In each head a token's key matches its own query with q.k = 2c and the
 * other token's with 0 (t0 and t1 are orthogonal in both heads' halves),
 * so with c = ln(3) / sqrt(2) the scaled scores are ln 3 and 0: weights
 * 3/4 on itself, 1/4 on the other. Then
 *   u0 = LN(t0 + 3/4 t0 + 1/4 t1) = [2, -1.5, 1.5, -2] / sqrt(3.125)
 *   u1 = LN(t1 + 3/4 t1 + 1/4 t0) = [2, 1.5, -1.5, -2] / sqrt(3.125)
 * (both have mean 0), and the MLP gives y = LN(u + gelu(u)); gelu is not
 * odd, so the mean of y0 and y1 does not cancel as that of u0 and u1
 * would (which would hide wrong attention weights).
 * Sequence 0 is [t0, t1, pad]: its embedding is the normalised mean of
 * y0 and y1. Sequence 1 is [t1, pad, pad]: one token attends to itself
 * alone, u = LN(2 t1) = t1, and its embedding is LN(t1 + gelu(t1))
 * normalised.
 */
#define T_H 4
#define T_M 4
#define T_V 3

static double gelu(double z)
{
	return z * 0.5 * (1.0 + erf(z / sqrt(2.0)));
}

/* y = LN(u + gelu(u)) with unit weights. */
static void mlp_ln(const double *u, double *y)
{
	double mean = 0, var = 0;

	for (int c = 0; c < T_H; c++)
		mean += y[c] = u[c] + gelu(u[c]);
	mean /= T_H;
	for (int c = 0; c < T_H; c++)
		var += (y[c] - mean) * (y[c] - mean);
	for (int c = 0; c < T_H; c++)
		y[c] = (y[c] - mean) / sqrt(var / T_H + BERT_LN_EPS);
}

static void normalise(double *e)
{
	double n = 0;

	for (int c = 0; c < T_H; c++)
		n += e[c] * e[c];
	for (int c = 0; c < T_H; c++)
		e[c] /= sqrt(n);
}

static void eye(const float *w, size_t n, float s)
{
	float *m = (float *)w;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			m[i * n + j] = i == j ? s : 0.0f;
}

static void test_ref_tiny(void **state)
{
	const struct bert_shape s = { 2, 3, T_V, T_H, 2, T_M, 1 };
	float *emb = calloc(bert_emb_floats(&s), sizeof(float));
	float *lay = calloc(bert_layer_floats(&s), sizeof(float));
	float *work = malloc(ref_bert_work_floats(&s) * sizeof(float));
	const float ids[] = { 1, 2, 0, 2, 0, 0 }, mask[] = { 1, 1, 0, 1, 0, 0 };
	const float t0[] = { 1, -1, 1, -1 }, t1[] = { 1, 1, -1, -1 };
	const float pad[] = { 50, -7, 3, 1000 };
	double u0[T_H], u1[T_H], y0[T_H], y1[T_H], e0[T_H], e1[T_H];
	double r = sqrt(3.125);
	struct bert_emb_w e;
	struct bert_layer_w w;
	float out[2 * T_H];

	(void)state;
	assert_non_null(emb);
	assert_non_null(lay);
	assert_non_null(work);
	/* the packed sizes, as bert.h lays them out */
	assert_int_equal(bert_emb_floats(&s), (T_V + BERT_MAX_POS + BERT_TYPES + 2) * T_H);
	assert_int_equal(bert_layer_floats(&s), 4 * (T_H * T_H + T_H) + 2 * T_H +
			 (T_M * T_H + T_M) + (T_H * T_M + T_H) + 2 * T_H);
	bert_emb_split(&s, emb, &e);
	bert_layer_split(&s, lay, &w);
	assert_ptr_equal(e.be + T_H, emb + bert_emb_floats(&s));
	assert_ptr_equal(w.b2 + T_H, lay + bert_layer_floats(&s));
	memcpy((float *)e.word, pad, sizeof(pad));
	memcpy((float *)e.word + T_H, t0, sizeof(t0));
	memcpy((float *)e.word + 2 * T_H, t1, sizeof(t1));
	for (int c = 0; c < T_H; c++) {
		((float *)e.ge)[c] = 1.0f;
		((float *)w.g1)[c] = 1.0f;
		((float *)w.g2)[c] = 1.0f;
	}
	eye(w.wq, T_H, (float)(log(3.0) / sqrt(2.0)));
	eye(w.wk, T_H, 1.0f);
	eye(w.wv, T_H, 1.0f);
	eye(w.wo, T_H, 1.0f);
	eye(w.wi, T_H, 1.0f);
	eye(w.wo2, T_H, 1.0f);

	for (int c = 0; c < T_H; c++) {
		u0[c] = (t0[c] + 0.75 * t0[c] + 0.25 * t1[c]) / r;
		u1[c] = (t1[c] + 0.75 * t1[c] + 0.25 * t0[c]) / r;
	}
	mlp_ln(u0, y0);
	mlp_ln(u1, y1);
	for (int c = 0; c < T_H; c++) {
		e0[c] = (y0[c] + y1[c]) / 2;
		u1[c] = t1[c];
	}
	normalise(e0);
	mlp_ln(u1, e1);
	normalise(e1);

	ref_bert_encode(&s, ids, mask, emb, lay, work, out);
	for (int c = 0; c < T_H; c++) {
		assert_true(fabs(out[c] - e0[c]) < 1e-6);
		assert_true(fabs(out[T_H + c] - e1[c]) < 1e-6);
	}
	free(work);
	free(lay);
	free(emb);
}

/* Padding changes nothing at the reference either: a sequence of random
 * ids run alone at its own length and inside a longer padded batch (with
 * garbage ids where the mask is 0) gives the same bits, since the
 * reference computes over real tokens only. */
static void test_ref_padding(void **state)
{
	struct bert_shape a = { 1, 5, 50, 8, 2, 16, 2 }, b = a;
	float *emb = malloc(bert_emb_floats(&a) * sizeof(float));
	float *lay = malloc(2 * bert_layer_floats(&a) * sizeof(float));
	float *wa, *wb;
	float ids_a[5] = { 3, 17, 4, 49, 8 }, mask_a[5] = { 1, 1, 1, 1, 1 };
	float ids_b[2 * 9] = { 0 }, mask_b[2 * 9] = { 0 };
	float out_a[8], out_b[16];

	(void)state;
	b.batch = 2;
	b.seq = 9;
	wa = malloc(ref_bert_work_floats(&a) * sizeof(float));
	wb = malloc(ref_bert_work_floats(&b) * sizeof(float));
	assert_true(emb && lay && wa && wb);
	workload_fill(emb, bert_emb_floats(&a), 1);
	workload_fill(lay, 2 * bert_layer_floats(&a), 2);
	for (size_t i = 0; i < 9; i++) {
		ids_b[i] = ids_b[9 + i] = (float)(i * 7 % 50);
		mask_b[i] = 1;
	}
	memcpy(ids_b + 9, ids_a, sizeof(ids_a));
	memcpy(mask_b + 9, mask_a, sizeof(mask_a));
	for (size_t i = 5; i < 9; i++)
		mask_b[9 + i] = 0;
	ref_bert_encode(&a, ids_a, mask_a, emb, lay, wa, out_a);
	ref_bert_encode(&b, ids_b, mask_b, emb, lay, wb, out_b);
	assert_memory_equal(out_a, out_b + 8, sizeof(out_a));
	free(wb);
	free(wa);
	free(lay);
	free(emb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_tiny),
		cmocka_unit_test(test_ref_padding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
