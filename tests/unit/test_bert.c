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
#include "cpu/cpu.h"
#include "err.h"
#include "workload.h"
#include "refmemo.h"
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

/* ------------------------------------------------ the kernel specs */

static struct workload *make(const char *kernel, const long *params)
{
	const struct kernel_spec *spec = workload_find(kernel);
	struct workload *w = NULL;
	char err[MC_ERRLEN];

	assert_non_null(spec);
	if (workload_create(spec, params, 11, &w, err, sizeof(err)) < 0)
		fail_msg("workload_create(%s): %s", kernel, err);
	return w;
}

/* The tests that tokenize need the model's vocab.txt. */
static int have_model(void)
{
	const char *d = getenv("MCBENCH_MODEL_DIR");

	if (d && d[0])
		return 1;
	print_message("skip: MCBENCH_MODEL_DIR is not set (the model's vocab.txt)\n");
	return 0;
}

static struct backend *instance(const struct backend_family *f)
{
	struct backend *b[4];
	char err[MC_ERRLEN] = "";
	size_t n = 0;

	if (f->discover(b, 4, &n, err, sizeof(err)) < 0 || n != 1)
		fail_msg("%s discover: %s", f->name, err);
	return b[0];
}

/* got: w's output on backend f (output_len floats, caller frees). */
static float *run_on(const struct backend_family *f, const struct workload *w)
{
	struct backend *b = instance(f);
	float *got = calloc(w->plan.output_len, sizeof(float));
	char err[MC_ERRLEN] = "";
	double dev_ns;
	void *st = NULL;

	assert_non_null(got);
	if (b->ops->prepare(b, w, NULL, &st, err, sizeof(err)) < 0 ||
	    b->ops->run(b, st, 2, &dev_ns, err, sizeof(err)) < 0 ||
	    b->ops->output(b, st, got, err, sizeof(err)) < 0)
		fail_msg("%s on %s: %s", w->spec->name, f->name, err);
	b->ops->release(b, st);
	b->ops->destroy(b);
	return got;
}

static float *reference(const struct workload *w)
{
	float *y = malloc(w->plan.output_len * sizeof(float));

	assert_non_null(y);
	workload_reference(w, y);
	return y;
}

/* got passes w's checks against ref: the tolerances and min_cos. */
static void check(const struct workload *w, const float *ref, const float *got,
		  const char *what)
{
	size_t n = w->plan.output_len, cols = w->plan.output_shape.dims[1];
	double max_abs, max_rel, cos;
	char err[MC_ERRLEN], name[160];

	workload_name(w, name, sizeof(name));
	if (workload_check(ref, got, n, w->spec->rtol, w->spec->atol, &max_abs,
			   &max_rel, err, sizeof(err)) < 0 ||
	    workload_check_cos(ref, got, n / cols, cols, w->spec->min_cos, &cos,
			       err, sizeof(err)) < 0)
		fail_msg("%s on %s: %s", name, what, err);
	print_message("%-48s %-4s max_abs %.2e min cos 1-%.1e\n", name, what,
		      max_abs, 1.0 - cos);
}

static void test_plans(void **state)
{
	const struct kernel_spec *enc = workload_find("bert_encode");
	const struct kernel_spec *emb = workload_find("embed");
	const struct kernel_spec *wp = workload_find("wordpiece");
	const long ok[] = { 3, 16, 2, 0 }, wpok[] = { 2, 16 };
	const long bad[][4] = {
		{ 0, 16, 2, 0 }, { 3, 1, 2, 0 }, { 3, 513, 2, 0 }, { 3, 16, 0, 0 },
		{ 3, 16, 2, 2 }, { 3, 16, 12, 1 },
	};
	struct bert_shape s = { 3, 16, 30522, 384, 12, 1536, 2 };
	double T = 48, H = 384, M = 1536, S = 16, flops;
	struct workload_plan p;
	char err[MC_ERRLEN];

	(void)state;
	assert_non_null(enc);
	assert_non_null(emb);
	assert_non_null(wp);
	assert_int_equal(enc->plan(ok, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 4);
	assert_int_equal(p.input_shape[0].dims[0], 3);
	assert_int_equal(p.input_shape[0].dims[1], 16);
	assert_int_equal(p.input_len[1], 48);
	assert_int_equal(p.input_shape[2].dims[0], 30522 + BERT_MAX_POS + BERT_TYPES + 2);
	assert_int_equal(p.input_shape[2].dims[1], 384);
	assert_int_equal(p.input_len[2], bert_emb_floats(&s));
	assert_int_equal(p.input_shape[3].dims[0], 2);
	assert_int_equal(p.input_len[3], 2 * bert_layer_floats(&s));
	assert_int_equal(p.output_shape.n_dims, 2);
	assert_int_equal(p.output_shape.dims[1], 384);
	assert_int_equal(p.output_len, 3 * 384);
	/* the counts the spec's comment states, restated */
	flops = 10 * T * H + 2 * T * H + 4 * 3 * H +
		2 * (8 * T * H * H + 4 * T * H * M + 23 * T * H + 6 * T * M +
		     3 * S * S * (4 * H + 5 * 12));
	assert_true(fabs(p.flops - flops) <= 1e-9 * flops);
	assert_true(p.bytes == 4.0 * (2 * 48 + 48 * 384 + 16 * 384 + 3 * 384 +
				      2.0 * (double)bert_layer_floats(&s) + 3 * 384));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(enc->plan(bad[i], &p, err, sizeof(err)), MC_EINVAL);
		assert_int_equal(emb->plan(bad[i], &p, err, sizeof(err)), MC_EINVAL);
	}
	assert_int_equal(emb->plan(ok, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 3);
	assert_int_equal(p.input_shape[0].n_dims, 1);
	assert_int_equal(p.output_len, 3 * 384);
	assert_true(p.flops == flops);
	assert_int_equal(wp->plan(wpok, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_inputs, 1);
	assert_int_equal(p.output_shape.dims[0], 2);
	assert_int_equal(p.output_shape.dims[1], 16);
	assert_true(p.flops == 0);
	assert_true(p.bytes == 4.0 * ((double)p.input_len[0] + 32));
	assert_int_equal(wp->plan((const long[]){ 2, 600 }, &p, err, sizeof(err)),
			 MC_EINVAL);
}

/* Without the model's files, what needs them says so with MC_ENODATA
 * (the suites load, the run skips); what does not still plans. */
static void test_no_model(void **state)
{
	const char *dir = getenv("MCBENCH_MODEL_DIR");
	char *saved = dir ? strdup(dir) : NULL;
	const long seq0[] = { 3, 0, 2, 0 }, seq16[] = { 3, 16, 2, 0 };
	struct workload_plan p;
	struct workload *w = NULL;
	char err[MC_ERRLEN] = "";

	(void)state;
	setenv("MCBENCH_MODEL_DIR", "/nonexistent/mcbench-model", 1);
	assert_int_equal(workload_find("bert_encode")->plan(seq0, &p, err, sizeof(err)),
			 MC_ENODATA);
	assert_non_null(strstr(err, "MCBENCH_MODEL_DIR"));
	assert_int_equal(workload_find("embed")->plan(seq0, &p, err, sizeof(err)),
			 MC_ENODATA);
	assert_int_equal(workload_find("wordpiece")->plan(seq0, &p, err, sizeof(err)),
			 MC_ENODATA);
	assert_int_equal(workload_find("bert_encode")->plan(seq16, &p, err, sizeof(err)), 0);
	assert_int_equal(workload_create(workload_find("bert_encode"), seq16, 1, &w,
					 err, sizeof(err)), MC_ENODATA);
	assert_null(w);
	unsetenv("MCBENCH_MODEL_DIR");
	assert_int_equal(workload_create(workload_find("wordpiece"), seq16, 1, &w,
					 err, sizeof(err)), MC_ENODATA);
	if (saved)
		setenv("MCBENCH_MODEL_DIR", saved, 1);
	free(saved);
}

/* ref and cpu agree on bert_encode with seeded weights, at one and two
 * layers, padded to the longest sentence and to 16, and truncated to 8,
 * on the AVX2 and the plain C paths. */
static void test_cpu_encode(void **state)
{
	static const long seqs[] = { 0, 16, 8 };

	(void)state;
	if (!have_model())
		skip();
	for (long layers = 1; layers <= 2; layers++)
		for (size_t i = 0; i < 3; i++)
			for (int scalar = 0; scalar < 2; scalar++) {
				const long p[] = { 3, seqs[i], layers, 0 };
				struct workload *w = make("bert_encode", p);
				float *ref = reference(w), *got;

				cpu_force_scalar(scalar);
				got = run_on(&backend_cpu, w);
				cpu_force_scalar(0);
				check(w, ref, got, scalar ? "cpu/scalar" : "cpu");
				free(got);
				got = run_on(&backend_ref, w);
				assert_memory_equal(got, ref, w->plan.output_len * sizeof(float));
				free(got);
				free(ref);
				workload_destroy(w);
			}
}

/* The same with all-MiniLM-L6-v2's weights, end to end (embed). (The
 * reference agreed with sentence-transformers' embeddings of the whole
 * corpus, torch on the CPU, far inside min_cos when it was written; the
 * peers compare the two in every run.) */
static void test_cpu_model(void **state)
{
	const long p[] = { 4, 0, 6, 1 };
	struct workload *w;
	float *ref, *got;

	(void)state;
	if (!have_model())
		skip();
	w = make("embed", p);
	ref = reference(w);
	got = run_on(&backend_cpu, w);
	check(w, ref, got, "cpu");
	free(got);
	free(ref);
	workload_destroy(w);
}

/* Padding a batch to 128 tokens changes no embedding: the masked keys
 * weigh nothing and pooling skips the padded rows, on the cpu (which
 * computes every padded row) as in the reference. */
static void test_padding(void **state)
{
	const long p0[] = { 5, 0, 2, 0 }, p128[] = { 5, 128, 2, 0 };
	struct workload *w0, *w128;
	float *r0, *r128, *c0, *c128;

	(void)state;
	if (!have_model())
		skip();
	w0 = make("bert_encode", p0);
	w128 = make("bert_encode", p128);
	assert_true(w0->plan.input_shape[0].dims[1] < 128);
	r0 = reference(w0);
	r128 = reference(w128);
	c0 = run_on(&backend_cpu, w0);
	c128 = run_on(&backend_cpu, w128);
	for (size_t i = 0; i < w0->plan.output_len; i++) {
		assert_true(fabsf(r0[i] - r128[i]) <= 1e-6f);
		assert_true(fabsf(c0[i] - c128[i]) <= 1e-6f);
	}
	check(w128, r128, c128, "cpu");
	free(c128);
	free(c0);
	free(r128);
	free(r0);
	workload_destroy(w128);
	workload_destroy(w0);
}

/* wordpiece: the cpu's sentence-parallel tokenizer gives the reference's
 * ids exactly, each row [CLS] ... [SEP] then [PAD], padded to the longest
 * or truncated to 8 with [SEP] kept last. */
static void test_wordpiece(void **state)
{
	(void)state;
	if (!have_model())
		skip();
	for (long seq = 0; seq <= 8; seq += 8) {
		const long p[] = { 7, seq };
		struct workload *w = make("wordpiece", p);
		size_t B = 7, S = w->plan.output_shape.dims[1], longest = 0;
		float *ref = reference(w), *got = run_on(&backend_cpu, w);

		assert_memory_equal(got, ref, B * S * sizeof(float));
		for (size_t b = 0; b < B; b++) {
			size_t n = 0;

			assert_true(ref[b * S] == 101.0f);      /* [CLS] */
			while (n < S && ref[b * S + n] != 0.0f)
				n++;
			assert_true(ref[b * S + n - 1] == 102.0f); /* [SEP] */
			for (size_t j = n; j < S; j++)
				assert_true(ref[b * S + j] == 0.0f);
			longest = n > longest ? n : longest;
		}
		assert_int_equal(longest, S);
		free(got);
		free(ref);
		workload_destroy(w);
	}
}

/* embed is bert_encode on what wordpiece makes of the text: with the same
 * weights the reference gives the same bits; and the cpu agrees with it. */
static void test_embed(void **state)
{
	const long p[] = { 3, 0, 1, 0 };
	struct workload *we, *wb;
	float *re, *rb, *got;

	(void)state;
	if (!have_model())
		skip();
	we = make("embed", p);
	wb = make("bert_encode", p);
	memcpy(we->inputs[1], wb->inputs[2], we->plan.input_len[1] * sizeof(float));
	memcpy(we->inputs[2], wb->inputs[3], we->plan.input_len[2] * sizeof(float));
	re = reference(we);
	rb = reference(wb);
	assert_memory_equal(re, rb, we->plan.output_len * sizeof(float));
	got = run_on(&backend_cpu, we);
	check(we, re, got, "cpu");
	free(got);
	got = run_on(&backend_ref, we);
	assert_memory_equal(got, re, we->plan.output_len * sizeof(float));
	free(got);
	free(rb);
	free(re);
	workload_destroy(wb);
	workload_destroy(we);
}

static float *expected(const struct workload *w)
{
	float *y = malloc(w->plan.output_len * sizeof(float));

	assert_non_null(y);
	workload_expected(w, y);
	return y;
}

/* Validation's reference goes through the memo (refmemo.h): a sentence
 * seen with the same model is not recomputed, and what comes back is the
 * computed reference bit for bit, at any batch and padding; a model that
 * differs by one weight misses. */
static void test_memo(void **state)
{
	const long p5[] = { 5, 0, 2, 0 }, p3[] = { 3, 128, 2, 0 };
	struct workload *w5, *w3;
	float *e5, *r5, *e3, *r3;

	(void)state;
	if (!have_model())
		skip();
	refmemo_clear();
	w5 = make("bert_encode", p5);
	w3 = make("bert_encode", p3);
	memcpy(w3->inputs[2], w5->inputs[2], w3->plan.input_len[2] * sizeof(float));
	memcpy(w3->inputs[3], w5->inputs[3], w3->plan.input_len[3] * sizeof(float));
	e5 = expected(w5);
	assert_int_equal(refmemo_entries(), 5);
	r5 = reference(w5);
	assert_memory_equal(e5, r5, w5->plan.output_len * sizeof(float));
	/* batch 3 at seq 128: its sentences are batch 5's first three */
	e3 = expected(w3);
	assert_int_equal(refmemo_entries(), 5);
	r3 = reference(w3);
	assert_memory_equal(e3, r3, w3->plan.output_len * sizeof(float));
	assert_memory_equal(e3, e5, w3->plan.output_len * sizeof(float));
	free(e3);
	free(r3);
	/* one weight of layer 0 changed: every sentence misses */
	w3->inputs[3][7] += 0.5f;
	e3 = expected(w3);
	assert_int_equal(refmemo_entries(), 8);
	r3 = reference(w3);
	assert_memory_equal(e3, r3, w3->plan.output_len * sizeof(float));
	assert_memory_not_equal(e3, e5, w3->plan.output_len * sizeof(float));
	refmemo_clear();
	assert_int_equal(refmemo_entries(), 0);
	free(e3);
	free(r3);
	free(r5);
	free(e5);
	workload_destroy(w3);
	workload_destroy(w5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref_tiny),
		cmocka_unit_test(test_ref_padding),
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_no_model),
		cmocka_unit_test(test_cpu_encode),
		cmocka_unit_test(test_cpu_model),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_wordpiece),
		cmocka_unit_test(test_embed),
		cmocka_unit_test(test_memo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
