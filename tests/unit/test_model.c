/*
 * test_model.c - model_dir and model_load_bert. A tiny BertModel
 * checkpoint written here (vocabulary 5, hidden 4, MLP 6, 2 layers; every
 * element a distinct number) must land in the packed buffers exactly where
 * bert_emb_split / bert_layer_split say; a wrong shape, too many layers, a
 * missing or non-F32 tensor and a contradicting config.json are refused
 * naming what is wrong. With MCBENCH_MODEL_DIR set, the real checkpoint
 * loads too (skipped, and counted, without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "sbuf.h"

#define V 5
#define H 4
#define M 6
#define L 2

static const struct bert_shape tiny = { 1, 8, V, H, 2, M, L };

/* The checkpoint's tensors: name, dims, and the value of element e is
 * (index in this list + 1) * 10000 + e. */
struct tensor {
	char name[96];
	size_t n_dims, dims[2];
};

static size_t tiny_tensors(struct tensor *t)
{
	static const struct { const char *name; size_t n_dims, d0, d1; } emb[] = {
		{ "word_embeddings.weight", 2, V, H },
		{ "position_embeddings.weight", 2, BERT_MAX_POS, H },
		{ "token_type_embeddings.weight", 2, BERT_TYPES, H },
		{ "LayerNorm.weight", 1, H, 0 },
		{ "LayerNorm.bias", 1, H, 0 },
	};
	static const struct { const char *name; size_t n_dims, d0, d1; } layer[] = {
		{ "attention.self.query.weight", 2, H, H }, { "attention.self.query.bias", 1, H, 0 },
		{ "attention.self.key.weight", 2, H, H }, { "attention.self.key.bias", 1, H, 0 },
		{ "attention.self.value.weight", 2, H, H }, { "attention.self.value.bias", 1, H, 0 },
		{ "attention.output.dense.weight", 2, H, H },
		{ "attention.output.dense.bias", 1, H, 0 },
		{ "attention.output.LayerNorm.weight", 1, H, 0 },
		{ "attention.output.LayerNorm.bias", 1, H, 0 },
		{ "intermediate.dense.weight", 2, M, H }, { "intermediate.dense.bias", 1, M, 0 },
		{ "output.dense.weight", 2, H, M }, { "output.dense.bias", 1, H, 0 },
		{ "output.LayerNorm.weight", 1, H, 0 }, { "output.LayerNorm.bias", 1, H, 0 },
	};
	size_t n = 0;

	for (size_t i = 0; i < 5; i++, n++) {
		snprintf(t[n].name, sizeof(t[n].name), "embeddings.%s", emb[i].name);
		t[n].n_dims = emb[i].n_dims;
		t[n].dims[0] = emb[i].d0;
		t[n].dims[1] = emb[i].d1;
	}
	for (size_t l = 0; l < L; l++)
		for (size_t i = 0; i < 16; i++, n++) {
			snprintf(t[n].name, sizeof(t[n].name), "encoder.layer.%zu.%s", l,
				 layer[i].name);
			t[n].n_dims = layer[i].n_dims;
			t[n].dims[0] = layer[i].d0;
			t[n].dims[1] = layer[i].d1;
		}
	return n;
}

static size_t numel(const struct tensor *t)
{
	return t->n_dims == 2 ? t->dims[0] * t->dims[1] : t->dims[0];
}

static char dir[64];

/* Writes dir/model.safetensors from the tiny list, with tensor `odd`
 * (-1: none) stored as F16 (half its bytes) and tensor `drop` left out. */
static void write_ckpt(long odd, long drop)
{
	struct tensor t[64];
	size_t n = tiny_tensors(t), off = 0;
	struct sbuf json = SBUF_INIT;
	char path[128];
	unsigned char le[8];
	FILE *f;

	sbuf_add(&json, "{\"__metadata__\": {\"format\": \"pt\"}");
	for (size_t i = 0; i < n; i++) {
		size_t bytes = numel(&t[i]) * ((long)i == odd ? 2 : 4);

		if ((long)i == drop)
			continue;
		sbuf_addf(&json, ", \"%s\": {\"dtype\": \"%s\", \"shape\": [%zu", t[i].name,
			  (long)i == odd ? "F16" : "F32", t[i].dims[0]);
		if (t[i].n_dims == 2)
			sbuf_addf(&json, ", %zu", t[i].dims[1]);
		sbuf_addf(&json, "], \"data_offsets\": [%zu, %zu]}", off, off + bytes);
		off += bytes;
	}
	sbuf_add(&json, "}");
	assert_false(sbuf_failed(&json));
	snprintf(path, sizeof(path), "%s/model.safetensors", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)((unsigned long long)json.len >> (8 * i));
	assert_int_equal(fwrite(le, 1, 8, f), 8);
	assert_int_equal(fwrite(json.buf, 1, json.len, f), json.len);
	for (size_t i = 0; i < n; i++) {
		if ((long)i == drop)
			continue;
		for (size_t e = 0; e < numel(&t[i]); e++) {
			float x = (float)((i + 1) * 10000 + e);

			assert_int_equal(fwrite(&x, (long)i == odd ? 2 : 4, 1, f), 1);
		}
	}
	assert_int_equal(fclose(f), 0);
	sbuf_release(&json);
}

static void write_config(const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (!text) {
		unlink(path);
		return;
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mcbench-model-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Every element of part (count floats at got) is tensor k's element e. */
static void check_part(const float *got, size_t count, size_t k, const char *what)
{
	for (size_t e = 0; e < count; e++)
		if (got[e] != (float)((k + 1) * 10000 + e))
			fail_msg("%s element %zu is %g, want %g", what, e, got[e],
				 (double)((k + 1) * 10000 + e));
}

static void test_load_tiny(void **state)
{
	float *emb = malloc(bert_emb_floats(&tiny) * sizeof(float));
	float *layers = malloc(L * bert_layer_floats(&tiny) * sizeof(float));
	struct bert_emb_w e;
	char err[MC_ERRLEN] = "";

	(void)state;
	assert_non_null(emb);
	assert_non_null(layers);
	write_ckpt(-1, -1);
	write_config(NULL);
	if (model_load_bert(dir, &tiny, emb, layers, err, sizeof(err)))
		fail_msg("%s", err);
	bert_emb_split(&tiny, emb, &e);
	check_part(e.word, V * H, 0, "word");
	check_part(e.pos, BERT_MAX_POS * H, 1, "pos");
	check_part(e.type, BERT_TYPES * H, 2, "type");
	check_part(e.ge, H, 3, "ge");
	check_part(e.be, H, 4, "be");
	for (size_t l = 0; l < L; l++) {
		struct bert_layer_w w;
		size_t k = 5 + 16 * l;

		bert_layer_split(&tiny, layers + l * bert_layer_floats(&tiny), &w);
		check_part(w.wq, H * H, k + 0, "wq");
		check_part(w.bq, H, k + 1, "bq");
		check_part(w.wk, H * H, k + 2, "wk");
		check_part(w.bk, H, k + 3, "bk");
		check_part(w.wv, H * H, k + 4, "wv");
		check_part(w.bv, H, k + 5, "bv");
		check_part(w.wo, H * H, k + 6, "wo");
		check_part(w.bo, H, k + 7, "bo");
		check_part(w.g1, H, k + 8, "g1");
		check_part(w.b1, H, k + 9, "b1");
		check_part(w.wi, M * H, k + 10, "wi");
		check_part(w.bi, M, k + 11, "bi");
		check_part(w.wo2, H * M, k + 12, "wo2");
		check_part(w.bo2, H, k + 13, "bo2");
		check_part(w.g2, H, k + 14, "g2");
		check_part(w.b2, H, k + 15, "b2");
	}
	/* fewer layers than the checkpoint: the first ones */
	{
		struct bert_shape one = tiny;

		one.layers = 1;
		memset(layers, 0, L * bert_layer_floats(&tiny) * sizeof(float));
		assert_int_equal(model_load_bert(dir, &one, emb, layers, err, sizeof(err)), 0);
		check_part(layers, H * H, 5, "layer 0 wq");
		assert_true(layers[bert_layer_floats(&tiny)] == 0);
	}
	/* a config.json that agrees */
	write_config("{\"num_attention_heads\": 2, \"hidden_size\": 4, \"intermediate_size\": 6,"
		     " \"vocab_size\": 5, \"max_position_embeddings\": 512, \"type_vocab_size\": 2,"
		     " \"layer_norm_eps\": 1e-12, \"hidden_act\": \"gelu\","
		     " \"position_embedding_type\": \"absolute\", \"num_hidden_layers\": 2}");
	assert_int_equal(model_load_bert(dir, &tiny, emb, layers, err, sizeof(err)), 0);
	write_config(NULL);
	free(emb);
	free(layers);
}

static void expect_error(const struct bert_shape *s, int rc, const char *msg)
{
	float *emb = malloc((bert_emb_floats(s) + 1000) * sizeof(float));
	float *layers = malloc((s->layers + 1) * (bert_layer_floats(s) + 1000) * sizeof(float));
	char err[MC_ERRLEN] = "";
	int got;

	assert_non_null(emb);
	assert_non_null(layers);
	got = model_load_bert(dir, s, emb, layers, err, sizeof(err));
	if (got != rc || !strstr(err, msg) || !strstr(err, dir) || strchr(err, '\n'))
		fail_msg("rc %d '%s', want %d and '%s' naming %s", got, err, rc, msg, dir);
	free(emb);
	free(layers);
}

static void test_load_errors(void **state)
{
	struct bert_shape s = tiny;

	(void)state;
	write_ckpt(-1, -1);
	s.layers = 3;
	expect_error(&s, MC_EINVAL, "the workload wants 3 layers, the checkpoint has 2");
	s = tiny;
	s.hidden = 8;
	expect_error(&s, MC_EINVAL, "embeddings.word_embeddings.weight is not [5 x 8]");
	s = tiny;
	s.vocab = 6;
	expect_error(&s, MC_EINVAL, "embeddings.word_embeddings.weight is not [6 x 4]");
	s = tiny;
	s.mlp = 8;
	expect_error(&s, MC_EINVAL, "intermediate.dense.weight is not [8 x 4]");
	/* tensor 5 + 16 + 12: encoder.layer.1.output.dense.weight */
	write_ckpt(5 + 16 + 12, -1);
	expect_error(&tiny, MC_EINVAL, "tensor 'encoder.layer.1.output.dense.weight' is F16");
	write_ckpt(-1, 5 + 16 + 3);
	expect_error(&tiny, MC_ENOENT, "no tensor 'encoder.layer.1.attention.self.key.bias'");
	write_ckpt(-1, 0);
	expect_error(&tiny, MC_ENOENT, "no embeddings.word_embeddings.weight");
	write_ckpt(-1, -1);
	write_config("{\"num_attention_heads\": 4, \"hidden_size\": 4}");
	expect_error(&tiny, MC_EINVAL, "\"num_attention_heads\" is not 2");
	write_config("{\"num_attention_heads\": 2, \"hidden_size\": 4, \"intermediate_size\": 6,"
		     " \"vocab_size\": 5, \"max_position_embeddings\": 512, \"type_vocab_size\": 2,"
		     " \"layer_norm_eps\": 1e-12, \"hidden_act\": \"gelu_new\"}");
	expect_error(&tiny, MC_EINVAL, "\"hidden_act\" is not \"gelu\"");
	write_config("not json");
	expect_error(&tiny, MC_EINVAL, "config.json: not a JSON object");
	write_config(NULL);
}

static void test_model_dir(void **state)
{
	char out[256], err[MC_ERRLEN] = "", path[128];
	const char *saved = getenv("MCBENCH_MODEL_DIR");
	char *keep = saved ? strdup(saved) : NULL;
	FILE *f;

	(void)state;
	unsetenv("MCBENCH_MODEL_DIR");
	assert_int_equal(model_dir(out, sizeof(out), err, sizeof(err)), MC_ENOENT);
	assert_non_null(strstr(err, "MCBENCH_MODEL_DIR is not set"));
	setenv("MCBENCH_MODEL_DIR", dir, 1);
	write_ckpt(-1, -1);
	snprintf(path, sizeof(path), "%s/vocab.txt", dir);
	unlink(path);
	assert_int_equal(model_dir(out, sizeof(out), err, sizeof(err)), MC_ENOENT);
	assert_non_null(strstr(err, "has no vocab.txt"));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(model_dir(out, sizeof(out), err, sizeof(err)), 0);
	assert_string_equal(out, dir);
	assert_int_equal(model_dir(out, 4, err, sizeof(err)), MC_EINVAL);
	if (keep)
		setenv("MCBENCH_MODEL_DIR", keep, 1);
	else
		unsetenv("MCBENCH_MODEL_DIR");
	free(keep);
}

/* The real all-MiniLM-L6-v2 checkpoint, at its shape. */
static void test_real(void **state)
{
	struct bert_shape s = { 1, 8, 30522, 384, 12, 1536, 6 };
	char real[4096], err[MC_ERRLEN] = "";
	float *emb, *layers;
	struct bert_emb_w e;
	int nonzero = 0;

	(void)state;
	if (model_dir(real, sizeof(real), err, sizeof(err))) {
		print_message("skip: %s\n", err);
		skip();
	}
	emb = malloc(bert_emb_floats(&s) * sizeof(float));
	layers = malloc(s.layers * bert_layer_floats(&s) * sizeof(float));
	assert_non_null(emb);
	assert_non_null(layers);
	if (model_load_bert(real, &s, emb, layers, err, sizeof(err)))
		fail_msg("%s", err);
	bert_emb_split(&s, emb, &e);
	for (size_t i = 0; i < s.hidden; i++)
		nonzero += e.ge[i] != 0;
	assert_int_equal(nonzero, s.hidden);
	s.layers = 7;
	assert_int_equal(model_load_bert(real, &s, emb, layers, err, sizeof(err)), MC_EINVAL);
	free(emb);
	free(layers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_tiny),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_model_dir),
		cmocka_unit_test(test_real),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
