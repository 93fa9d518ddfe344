/*
 * workload_bert.c - the kernel specs of issue 15's sentence embeddings
 * with a BERT encoder (definitions in kernels/ref/bert.h), at
 * all-MiniLM-L6-v2's shape (vocab 30522, hidden 384, 12 heads, MLP 1536):
 *
 *   wordpiece (batch, seq): input "text", the first `batch` sentences of
 *     the corpus (src/lib/corpus.h; cyclic past its end) joined by '\n',
 *     one UTF-8 byte per float (0..255); output the token ids [batch x S]
 *     as floats, [CLS] ... [SEP] then [PAD] (0), exact.
 *   bert_encode (batch, seq, layers, weights): inputs "ids", "mask"
 *     [batch x S] (what wordpiece makes of the same text, mask 1 for a
 *     token), "emb" [rows x 384] and "layers" [layers x floats of one]
 *     (packed as bert.h lays them out); output the normalised mean-pooled
 *     embeddings [batch x 384].
 *   embed (batch, seq, layers, weights): the whole job from "text" (as
 *     wordpiece's), "emb", "layers": tokenize, encode, pool, normalise;
 *     output as bert_encode's.
 * S is seq (2..512; truncating as HF does), or for seq = 0 the longest
 * encoded sentence of the batch (dynamic padding, as sentence-transformers
 * pads). Resolving it needs the vocabulary, so a plan with seq = 0 loads
 * $MCBENCH_MODEL_DIR/vocab.txt (model.h); the workload keeps the resolved
 * shape, and for wordpiece and embed the vocabulary, in its ctx
 * (workload_bert.h), so that no timed call loads anything.
 *
 * weights = 1: all-MiniLM-L6-v2 itself, from $MCBENCH_MODEL_DIR/
 * model.safetensors (layers must be 6). weights = 0: the seeded floats
 * finished to BERT's initialisation (initializer_range 0.02), so that any
 * number of layers (12: e5-small-v2's shape) has a model: every matrix
 * and the word, position and type embeddings times 0.02 sqrt(3) (the
 * seeded floats are uniform in [-1, 1), deviation 1 / sqrt(3): so 0.02);
 * biases and LayerNorm betas times 0.02 (BERT starts them at 0; small and
 * nonzero, a side that drops one is caught); LayerNorm gammas 1 + x / 4
 * (BERT's 1, spread so that a gamma applied to the wrong column shows).
 *
 * Counts, over the B x S tokens T as the sides compute them (padded ones
 * included; the reference skips them, see bert.c, but the work of the
 * job is what a batched model does), H = 384, M = 1536:
 *   embeddings 2 T H (word + type + position) + a LayerNorm;
 *   per layer: the projections 2 T n k each (q, k, v, attention output:
 *     k = n = H; intermediate k = H, n = M; output k = M, n = H), a bias
 *     1 per output element, attention per sequence 2 S S H for the scores
 *     and 2 S S H for the values plus 5 per score for the softmax (max,
 *     subtract, exp, sum, divide: 12 heads x S x S scores), gelu 5 per
 *     element (scale, erf, add, multiply, halve), two residual adds and
 *     two LayerNorms (8 per element, as the layernorm spec counts);
 *   pooling 2 T H (mask multiply, add) and a divide per output element;
 *   normalisation 3 per output element (square, add, divide).
 * wordpiece does no floating-point work: 0 flops.
 * Bytes, the compulsory traffic: the floats of every input read once,
 * except the embedding tables, of which only the rows looked up are read
 * (T word rows, S position rows, one type row), and the output written;
 * the vocabulary is not counted (it is the tokenizer's, not a buffer).
 *
 * Validation's reference (expected_ctx) encodes each sentence once per
 * process and model, through refmemo.h: batch b is the corpus's first b
 * sentences, and a sentence's row depends only on the model and its own
 * real tokens, so the batches, paddings and both kernels share the work.
 * The ref backend times the computation itself (reference_ctx).
 *
 * Tolerances: wordpiece is exact (rtol = atol = 0). bert_encode and embed
 * are checked by cosine similarity, at least 0.9999 per sentence (min_cos,
 * the criterion); their rtol and atol (1e-2) are only recorded.
 *
 * Where the model's files are absent ($MCBENCH_MODEL_DIR unset, or without
 * vocab.txt or model.safetensors), a plan that needs them and every
 * workload fail with MC_ENODATA: the suite still loads and the run records
 * the benchmark skipped, with model_dir's sentence saying what to set.
 */
#include "workload.h"
#include "workload_int.h"
#include "workload_bert.h"
#include "corpus.h"
#include "err.h"
#include "model.h"
#include "refmemo.h"
#include "wordpiece.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wp_params[] = { "batch", "seq", NULL };
static const char *const bert_params[] = {
	"batch", "seq", "layers", "weights", NULL
};
static const char *const wp_inputs[] = { "text", NULL };
static const char *const encode_inputs[] = {
	"ids", "mask", "emb", "layers", NULL
};
static const char *const embed_inputs[] = { "text", "emb", "layers", NULL };

/* What a workload keeps (its ctx): the shape with S resolved, and the
 * vocabulary where the kernel tokenizes (NULL for bert_encode). */
struct bert_ctx {
	struct bert_shape shape;
	struct wp_vocab *vocab;
};

static struct bert_shape model_shape(size_t batch, size_t seq, size_t layers)
{
	struct bert_shape s = {
		batch, seq, WL_BERT_VOCAB, WL_BERT_HIDDEN, WL_BERT_HEADS,
		WL_BERT_MLP, layers,
	};

	return s;
}

/* ---------------------------------------------------- the data behind */

/* model_dir, with its MC_ENOENT (no model here) as MC_ENODATA: what the
 * suites and the runner skip on (workload.h, err.h). */
static int model_files(char *dir, size_t n_dir, char *err, size_t n_err)
{
	int rc = model_dir(dir, n_dir, err, n_err);

	return rc == MC_ENOENT ? MC_ENODATA : rc;
}

/* $MCBENCH_MODEL_DIR/vocab.txt into *out, checked to be the model's. */
static int load_vocab(const char *kernel, struct wp_vocab **out, char *err,
		      size_t n_err)
{
	char dir[4096], path[4200];
	int rc;

	*out = NULL;
	if ((rc = model_files(dir, sizeof(dir), err, n_err)))
		return rc;
	snprintf(path, sizeof(path), "%s/vocab.txt", dir);
	if ((rc = wp_vocab_load(path, out, err, n_err)))
		return rc;
	if (wp_vocab_size(*out) != WL_BERT_VOCAB) {
		rc = err_set(err, n_err, MC_EINVAL,
			     "%s: %s holds %zu tokens; the model's vocabulary "
			     "has %d.", kernel, path, wp_vocab_size(*out),
			     WL_BERT_VOCAB);
		wp_vocab_free(*out);
		*out = NULL;
	}
	return rc;
}

/* S for batch and seq: seq itself, or (seq = 0) the longest encoding of
 * the batch's text with v (loaded here, and freed, when v is NULL). */
static int resolve_seq(const char *kernel, size_t batch, size_t seq,
		       const struct wp_vocab *v, const char *text, size_t len,
		       size_t *out_seq, char *err, size_t n_err)
{
	struct wp_vocab *own = NULL;
	int rc = 0;

	*out_seq = seq;
	if (seq > 0)
		return 0;
	if (!v && (rc = load_vocab(kernel, &own, err, n_err)))
		return rc;
	rc = wp_batch_seq(v ? v : own, text, len, batch, out_seq, err, n_err);
	wp_vocab_free(own);
	return rc;
}

/* The parameters every spec shares: batch >= 1, seq 0 or 2..512. */
static int check_batch_seq(const char *kernel, const long *p, char *err,
			   size_t n_err)
{
	if (p[0] < 1 || p[0] > INT_MAX)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: parameter batch must be an integer in "
			       "[1, %d], got %ld.", kernel, INT_MAX, p[0]);
	if (p[1] != 0 && (p[1] < 2 || p[1] > BERT_MAX_POS))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: parameter seq must be 0 (pad to the longest "
			       "sentence) or in [2, %d] (the model's positions; "
			       "[CLS] and [SEP] take two), got %ld.", kernel,
			       BERT_MAX_POS, p[1]);
	return 0;
}

/* layers >= 1, weights 0 or 1, and weights = 1 only at the checkpoint's
 * six layers. */
static int check_model(const char *kernel, const long *p, char *err,
		       size_t n_err)
{
	if (p[2] < 1 || p[2] > INT_MAX)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: parameter layers must be an integer in "
			       "[1, %d], got %ld.", kernel, INT_MAX, p[2]);
	if (p[3] != 0 && p[3] != 1)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: parameter weights must be 0 (seeded, BERT's "
			       "initialisation) or 1 (all-MiniLM-L6-v2), got %ld.",
			       kernel, p[3]);
	if (p[3] == 1 && p[2] != 6)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: weights=1 is all-MiniLM-L6-v2, which has 6 "
			       "layers; got layers=%ld.", kernel, p[2]);
	return 0;
}

/* The text of the batch and S (see resolve_seq). *out_text: malloc'd. */
static int batch_text(const char *kernel, const long *p,
		      const struct wp_vocab *v, char **out_text,
		      size_t *out_len, size_t *out_seq, char *err, size_t n_err)
{
	int rc;

	if ((rc = corpus_batch((size_t)p[0], out_text, out_len, err, n_err)))
		return rc;
	rc = resolve_seq(kernel, (size_t)p[0], (size_t)p[1], v, *out_text,
			 *out_len, out_seq, err, n_err);
	if (rc) {
		free(*out_text);
		*out_text = NULL;
	}
	return rc;
}

/* ------------------------------------------------------------ plans */

/* The encoders' largest buffer: the cpu's workspace, 6 H + M floats a
 * token. */
#define ENCODER_PER_TOKEN (6 * WL_BERT_HIDDEN + WL_BERT_MLP)

static double encoder_flops(const struct bert_shape *s)
{
	double T = (double)s->batch * (double)s->seq, H = (double)s->hidden;
	double M = (double)s->mlp, S = (double)s->seq;
	double layer = 8.0 * T * H * H + 4.0 * T * H * M + 23.0 * T * H +
		       6.0 * T * M +
		       (double)s->batch * S * S * (4.0 * H + 5.0 * (double)s->heads);

	return 10.0 * T * H + (double)s->layers * layer + 2.0 * T * H +
	       4.0 * (double)s->batch * H;
}

/* Bytes of the model's inputs read and the output written (see the file
 * comment); the caller adds its token inputs. */
static double encoder_bytes(const struct bert_shape *s)
{
	double T = (double)s->batch * (double)s->seq, H = (double)s->hidden;

	return 4.0 * (T * H + (double)s->seq * H + 3.0 * H +
		      (double)s->layers * (double)bert_layer_floats(s) +
		      (double)s->batch * H);
}

/* The inputs emb and layers at index i, i + 1, the output, and the
 * counts; checks that every buffer fits. */
static int plan_model(const char *kernel, const struct bert_shape *s,
		      size_t i, struct workload_plan *out, char *err,
		      size_t n_err)
{
	size_t rows = s->vocab + BERT_MAX_POS + BERT_TYPES + 2, n;
	int rc;

	if ((rc = workload_elems(kernel, "layers", s->layers,
				 bert_layer_floats(s), &n, err, n_err)) ||
	    (rc = workload_elems(kernel, "the token count batch*seq", s->batch,
				 s->seq * s->hidden, &n, err, n_err)) ||
	    (rc = workload_elems(kernel, "the workspace", s->batch * s->seq,
				 ENCODER_PER_TOKEN, &n, err, n_err)))
		return rc;
	workload_set_input(out, i, 2, (const size_t[]){ rows, s->hidden });
	workload_set_input(out, i + 1, 2,
			   (const size_t[]){ s->layers, bert_layer_floats(s) });
	workload_set_output(out, 2, (const size_t[]){ s->batch, s->hidden });
	out->flops = encoder_flops(s);
	out->bytes = encoder_bytes(s);
	return 0;
}

/* Bytes of corpus_batch(batch)'s text, found without making it; MC_EINVAL
 * when it would not fit a buffer. */
static int text_len(const char *kernel, size_t batch, size_t *out,
		    char *err, size_t n_err)
{
	size_t n = corpus_count(), cycle = 0, rest = 0, len;

	if (n == 0)
		return err_set(err, n_err, MC_EINVAL, "%s: the corpus is empty.",
			       kernel);
	for (size_t i = 0; i < n; i++) {
		corpus_sentence(i, &len);
		cycle += len + 1;
		if (i < batch % n)
			rest += len + 1;
	}
	if (__builtin_mul_overflow(batch / n, cycle, out) ||
	    __builtin_add_overflow(*out, rest, out) || *out - 1 > WL_MAX_ELEMS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the text of %zu sentences would exceed the "
			       "limit of %zu elements per buffer.", kernel, batch,
			       WL_MAX_ELEMS);
	*out -= 1;      /* no newline after the last */
	return 0;
}

/* The text's length and S for params p. per_token: floats a token needs
 * in the largest buffer, checked at the shortest S (2) before seq = 0 is
 * resolved, so that an absurd batch is refused before its text is made
 * and tokenized. */
static int plan_text(const char *kernel, const long *p, size_t per_token,
		     size_t *out_len, size_t *out_seq, char *err, size_t n_err)
{
	size_t batch = (size_t)p[0], n;
	char *text = NULL;
	int rc;

	if ((rc = text_len(kernel, batch, out_len, err, n_err)) ||
	    (rc = workload_elems(kernel, "the largest buffer", batch,
				 (p[1] ? (size_t)p[1] : 2) * per_token, &n, err,
				 n_err)))
		return rc;
	if (p[1] > 0) {
		*out_seq = (size_t)p[1];
		return 0;
	}
	rc = batch_text(kernel, p, NULL, &text, out_len, out_seq, err, n_err);
	free(text);
	return rc;
}

static int wordpiece_plan(const long *p, struct workload_plan *out,
			  char *err, size_t n_err)
{
	size_t len, S, n;
	int rc;

	if ((rc = check_batch_seq("wordpiece", p, err, n_err)) ||
	    (rc = plan_text("wordpiece", p, 1, &len, &S, err, n_err)) ||
	    (rc = workload_elems("wordpiece", "ids", (size_t)p[0], S, &n, err,
				 n_err)))
		return rc;
	memset(out, 0, sizeof(*out));
	out->n_inputs = 1;
	workload_set_input(out, 0, 1, &len);
	workload_set_output(out, 2, (const size_t[]){ (size_t)p[0], S });
	out->bytes = 4.0 * ((double)len + (double)n);
	return 0;
}

static int encode_plan(const long *p, struct workload_plan *out,
		       char *err, size_t n_err)
{
	struct bert_shape s;
	size_t len, S;
	int rc;

	if ((rc = check_batch_seq("bert_encode", p, err, n_err)) ||
	    (rc = check_model("bert_encode", p, err, n_err)) ||
	    (rc = plan_text("bert_encode", p, ENCODER_PER_TOKEN, &len, &S, err,
			    n_err)))
		return rc;
	s = model_shape((size_t)p[0], S, (size_t)p[2]);
	memset(out, 0, sizeof(*out));
	if ((rc = plan_model("bert_encode", &s, 2, out, err, n_err)))
		return rc;
	out->n_inputs = 4;
	workload_set_input(out, 0, 2, (const size_t[]){ s.batch, S });
	workload_set_input(out, 1, 2, (const size_t[]){ s.batch, S });
	out->bytes += 4.0 * 2.0 * (double)(s.batch * S);
	return 0;
}

static int embed_plan(const long *p, struct workload_plan *out,
		      char *err, size_t n_err)
{
	struct bert_shape s;
	size_t len, S;
	int rc;

	if ((rc = check_batch_seq("embed", p, err, n_err)) ||
	    (rc = check_model("embed", p, err, n_err)) ||
	    (rc = plan_text("embed", p, ENCODER_PER_TOKEN, &len, &S, err, n_err)))
		return rc;
	s = model_shape((size_t)p[0], S, (size_t)p[2]);
	memset(out, 0, sizeof(*out));
	if ((rc = plan_model("embed", &s, 1, out, err, n_err)))
		return rc;
	out->n_inputs = 3;
	workload_set_input(out, 0, 1, &len);
	out->bytes += 4.0 * (double)len;
	return 0;
}

/* --------------------------------------------------- finished inputs */

static void text_to_floats(const char *text, size_t len, float *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (float)(unsigned char)text[i];
}

static void scale(const float *x, size_t n, float mul, float add)
{
	float *y = (float *)x;

	for (size_t i = 0; i < n; i++)
		y[i] = add + y[i] * mul;
}

/* weights = 0: the seeded emb and layers to BERT's initialisation (the
 * file comment). */
static void init_seeded(const struct bert_shape *s, float *emb,
			float *layers)
{
	const float w = 0.02f * sqrtf(3.0f), b = 0.02f, g = 0.25f;
	size_t H = s->hidden, M = s->mlp;
	struct bert_emb_w e;

	bert_emb_split(s, emb, &e);
	scale(e.word, (s->vocab + BERT_MAX_POS + BERT_TYPES) * H, w, 0.0f);
	scale(e.ge, H, g, 1.0f);
	scale(e.be, H, b, 0.0f);
	for (size_t l = 0; l < s->layers; l++) {
		struct bert_layer_w L;

		bert_layer_split(s, layers + l * bert_layer_floats(s), &L);
		scale(L.wq, H * H, w, 0.0f);
		scale(L.bq, H, b, 0.0f);
		scale(L.wk, H * H, w, 0.0f);
		scale(L.bk, H, b, 0.0f);
		scale(L.wv, H * H, w, 0.0f);
		scale(L.bv, H, b, 0.0f);
		scale(L.wo, H * H, w, 0.0f);
		scale(L.bo, H, b, 0.0f);
		scale(L.g1, H, g, 1.0f);
		scale(L.b1, H, b, 0.0f);
		scale(L.wi, M * H, w, 0.0f);
		scale(L.bi, M, b, 0.0f);
		scale(L.wo2, H * M, w, 0.0f);
		scale(L.bo2, H, b, 0.0f);
		scale(L.g2, H, g, 1.0f);
		scale(L.b2, H, b, 0.0f);
	}
}

static int finish_model(const struct bert_shape *s, long weights,
			float *emb, float *layers, char *err, size_t n_err)
{
	char dir[4096];
	int rc;

	if (weights == 0) {
		init_seeded(s, emb, layers);
		return 0;
	}
	if ((rc = model_files(dir, sizeof(dir), err, n_err)))
		return rc;
	return model_load_bert(dir, s, emb, layers, err, n_err);
}

static int wordpiece_finish(const long *p, float *const *in, char *err,
			    size_t n_err)
{
	char *text = NULL;
	size_t len;
	int rc;

	if ((rc = corpus_batch((size_t)p[0], &text, &len, err, n_err)))
		return rc;
	text_to_floats(text, len, in[0]);
	free(text);
	return 0;
}

static int encode_finish(const long *p, float *const *in, char *err,
			 size_t n_err)
{
	struct wp_vocab *v = NULL;
	struct bert_shape s;
	char *text = NULL;
	size_t len, S;
	int rc;

	if ((rc = load_vocab("bert_encode", &v, err, n_err)) ||
	    (rc = batch_text("bert_encode", p, v, &text, &len, &S, err, n_err)) ||
	    (rc = wp_encode_batch(v, text, len, (size_t)p[0], S, in[0], in[1],
				  err, n_err)))
		goto out;
	s = model_shape((size_t)p[0], S, (size_t)p[2]);
	rc = finish_model(&s, p[3], in[2], in[3], err, n_err);
out:
	free(text);
	wp_vocab_free(v);
	return rc;
}

static int embed_finish(const long *p, float *const *in, char *err,
			size_t n_err)
{
	struct bert_shape s = model_shape((size_t)p[0], 0, (size_t)p[2]);
	int rc;

	if ((rc = wordpiece_finish(p, in, err, n_err)))
		return rc;
	return finish_model(&s, p[3], in[1], in[2], err, n_err);
}

/* --------------------------------------------------------------- ctx */

static void ctx_free(void *ctx)
{
	struct bert_ctx *c = ctx;

	if (!c)
		return;
	wp_vocab_free(c->vocab);
	free(c);
}

/* The text input (one byte per float) back as bytes; malloc'd, NUL-
 * terminated, or NULL when out of memory. */
static char *text_of(const float *t, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = (char)(unsigned char)t[i];
	s[len] = '\0';
	return s;
}

/* The ctx of w: the vocabulary when the kernel tokenizes, and S: seq_of,
 * read off the plan by the caller, or 0 to resolve it from the text input
 * as given (embed at seq = 0, whose plan has no [batch x S] buffer). */
static int ctx_make(const struct workload *w, int tokenizes, size_t seq_of,
		    void **out, char *err, size_t n_err)
{
	const char *kernel = w->spec->name;
	struct bert_ctx *c = calloc(1, sizeof(*c));
	size_t batch = (size_t)w->params[0], S = seq_of;
	long layers = workload_param(w, "layers", 0);
	char *text = NULL;
	int rc = 0;

	*out = NULL;
	if (!c)
		return err_set(err, n_err, MC_ENOMEM,
			       "%s: out of memory for the workload's context.",
			       kernel);
	if (tokenizes && (rc = load_vocab(kernel, &c->vocab, err, n_err)))
		goto out;
	if (S == 0) {
		size_t len = w->plan.input_len[0];

		if (!(text = text_of(w->inputs[0], len))) {
			rc = err_set(err, n_err, MC_ENOMEM,
				     "%s: out of memory for the text.", kernel);
			goto out;
		}
		if ((rc = resolve_seq(kernel, batch, (size_t)w->params[1],
				      c->vocab, text, len, &S, err, n_err)))
			goto out;
	}
	c->shape = model_shape(batch, S, (size_t)layers);
	*out = c;
	c = NULL;
out:
	free(text);
	ctx_free(c);
	return rc;
}

static int wordpiece_ctx(const struct workload *w, void **out, char *err,
			 size_t n_err)
{
	return ctx_make(w, 1, w->plan.output_shape.dims[1], out, err, n_err);
}

static int encode_ctx(const struct workload *w, void **out, char *err,
		      size_t n_err)
{
	return ctx_make(w, 0, w->plan.input_shape[0].dims[1], out, err, n_err);
}

static int embed_ctx(const struct workload *w, void **out, char *err,
		     size_t n_err)
{
	return ctx_make(w, 1, (size_t)w->params[1], out, err, n_err);
}

const struct bert_shape *workload_bert_shape(const struct workload *w)
{
	return &((const struct bert_ctx *)w->ctx)->shape;
}

const struct wp_vocab *workload_bert_vocab(const struct workload *w)
{
	return ((const struct bert_ctx *)w->ctx)->vocab;
}

/* ------------------------------------------------------- references */

/* The reference interface cannot fail: when it cannot get its memory or
 * tokenize, the output is NaN, which validation reports. */
static void fail_output(const struct workload *w, float *out)
{
	for (size_t i = 0; i < w->plan.output_len; i++)
		out[i] = NAN;
}

static void wordpiece_ref(const struct workload *w, float *out)
{
	const struct bert_shape *s = workload_bert_shape(w);
	size_t len = w->plan.input_len[0];
	char *text = text_of(w->inputs[0], len);
	float *mask = malloc(s->batch * s->seq * sizeof(float));
	char err[MC_ERRLEN];

	if (!text || !mask ||
	    wp_encode_batch(workload_bert_vocab(w), text, len, s->batch,
			    s->seq, out, mask, err, sizeof(err)))
		fail_output(w, out);
	free(mask);
	free(text);
}

/* What a sentence's reference row depends on (bert.h): the model, by
 * shape and content, then each real token's position and id (float bits),
 * in refmemo_key's layout. */
struct memo_head {
	uint8_t emb[16], layers[16];
	uint64_t vocab, hidden, heads, mlp, n_layers;
};

/* The key of row b into key (sizeof(struct memo_head) + 8 S bytes); its
 * length. */
static size_t memo_key(const struct memo_head *h, const struct bert_shape *s,
		       const float *ids, const float *mask, size_t b,
		       unsigned char *key)
{
	size_t len = sizeof(*h);

	memcpy(key, h, sizeof(*h));
	for (size_t p = 0; p < s->seq; p++) {
		uint32_t pos = (uint32_t)p;

		if (mask[b * s->seq + p] == 0.0f)
			continue;
		memcpy(key + len, &pos, 4);
		memcpy(key + len + 4, &ids[b * s->seq + p], 4);
		len += 8;
	}
	return len;
}

/* ref_bert_encode row by row through the memo (refmemo.h): a sentence
 * already encoded with this model in this run is copied, not recomputed.
 * Each row of ref_bert_encode is computed on its own, so a row of a batch
 * of one is the row of any batch holding the same tokens, bit for bit.
 * Where the key cannot be made (no memory), every row is computed. */
static void encode_memo(const struct bert_shape *s, const float *ids,
			const float *mask, const float *emb,
			const float *layers, float *work, float *out)
{
	struct memo_head h;
	struct bert_shape one = *s;
	size_t H = s->hidden;
	unsigned char *key = malloc(sizeof(h) + 8 * s->seq);

	if (!key) {
		ref_bert_encode(s, ids, mask, emb, layers, work, out);
		return;
	}
	memset(&h, 0, sizeof(h));
	refmemo_digest(emb, bert_emb_floats(s) * sizeof(float), h.emb);
	refmemo_digest(layers, s->layers * bert_layer_floats(s) * sizeof(float),
		       h.layers);
	h.vocab = s->vocab;
	h.hidden = s->hidden;
	h.heads = s->heads;
	h.mlp = s->mlp;
	h.n_layers = s->layers;
	one.batch = 1;
	for (size_t b = 0; b < s->batch; b++) {
		size_t len = memo_key(&h, s, ids, mask, b, key);
		const float *hit = refmemo_find(key, len, H);

		if (hit) {
			memcpy(out + b * H, hit, H * sizeof(float));
			continue;
		}
		ref_bert_encode(&one, ids + b * s->seq, mask + b * s->seq, emb,
				layers, work, out + b * H);
		(void)refmemo_put(key, len, out + b * H, H);  /* a miss next time */
	}
	free(key);
}

/* The encoder's reference, computed (memo 0: what the ref backend times)
 * or through the memo (validation). */
static void encode(const struct bert_shape *s, int memo, const float *ids,
		   const float *mask, const float *emb, const float *layers,
		   float *work, float *out)
{
	if (memo)
		encode_memo(s, ids, mask, emb, layers, work, out);
	else
		ref_bert_encode(s, ids, mask, emb, layers, work, out);
}

static void encode_with(const struct workload *w, int memo, float *out)
{
	const struct bert_shape *s = workload_bert_shape(w);
	float *work = malloc(ref_bert_work_floats(s) * sizeof(float));

	if (!work) {
		fail_output(w, out);
		return;
	}
	encode(s, memo, w->inputs[0], w->inputs[1], w->inputs[2], w->inputs[3],
	       work, out);
	free(work);
}

static void encode_ref(const struct workload *w, float *out)
{
	encode_with(w, 0, out);
}

static void encode_expected(const struct workload *w, float *out)
{
	encode_with(w, 1, out);
}

static void embed_with(const struct workload *w, int memo, float *out)
{
	const struct bert_shape *s = workload_bert_shape(w);
	size_t len = w->plan.input_len[0], n = s->batch * s->seq;
	char *text = text_of(w->inputs[0], len);
	float *ids = malloc(2 * n * sizeof(float));
	float *work = malloc(ref_bert_work_floats(s) * sizeof(float));
	char err[MC_ERRLEN];

	if (!text || !ids || !work ||
	    wp_encode_batch(workload_bert_vocab(w), text, len, s->batch,
			    s->seq, ids, ids + n, err, sizeof(err)))
		fail_output(w, out);
	else
		encode(s, memo, ids, ids + n, w->inputs[1], w->inputs[2], work,
		       out);
	free(work);
	free(ids);
	free(text);
}

static void embed_ref(const struct workload *w, float *out)
{
	embed_with(w, 0, out);
}

static void embed_expected(const struct workload *w, float *out)
{
	embed_with(w, 1, out);
}

/* ------------------------------------------------------------ specs */

const struct kernel_spec workload_spec_wordpiece = {
	.name = "wordpiece",
	.summary = "BERT WordPiece tokenization of batch corpus sentences into "
		   "ids [batch x S], padded (seq=0: to the longest)",
	.param_names = wp_params,
	.input_names = wp_inputs,
	.rtol = 0, .atol = 0,
	.zero_ok = 1u << 1,                    /* seq */
	.plan = wordpiece_plan,
	.finish_inputs = wordpiece_finish,
	.ctx_create = wordpiece_ctx,
	.ctx_free = ctx_free,
	.reference_ctx = wordpiece_ref,
};

const struct kernel_spec workload_spec_bert_encode = {
	.name = "bert_encode",
	.summary = "BERT encoder (MiniLM-L6 shape) on token ids [batch x S], "
		   "mean pooling, L2 normalisation: [batch x 384]",
	.param_names = bert_params,
	.input_names = encode_inputs,
	.rtol = 1e-2, .atol = 1e-2, .min_cos = 0.9999,
	.zero_ok = 1u << 1 | 1u << 3,         /* seq, weights */
	.plan = encode_plan,
	.finish_inputs = encode_finish,
	.ctx_create = encode_ctx,
	.ctx_free = ctx_free,
	.reference_ctx = encode_ref,
	.expected_ctx = encode_expected,
};

const struct kernel_spec workload_spec_embed = {
	.name = "embed",
	.summary = "sentence embeddings end to end: WordPiece, BERT encoder, "
		   "pooling, normalisation: [batch x 384]",
	.param_names = bert_params,
	.input_names = embed_inputs,
	.rtol = 1e-2, .atol = 1e-2, .min_cos = 0.9999,
	.zero_ok = 1u << 1 | 1u << 3,         /* seq, weights */
	.plan = embed_plan,
	.finish_inputs = embed_finish,
	.ctx_create = embed_ctx,
	.ctx_free = ctx_free,
	.reference_ctx = embed_ref,
	.expected_ctx = embed_expected,
};
