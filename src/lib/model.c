/*
 * model.c - the model directory and the checkpoint loader (see model.h).
 *
 * The loader walks one table per part (embeddings, a layer) pairing each
 * checkpoint tensor with where bert.h's layout puts it, so the layout is
 * the one of bert_emb_split / bert_layer_split and nothing here repeats
 * its offsets. Shapes are checked by st_read_f32 against the layout's.
 */
#include "model.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "jpath.h"
#include "safetensors.h"

#define MODEL_ENV "MCBENCH_MODEL_DIR"
#define MODEL_CONFIG_MAX (1u << 20)

static const char *const model_files[] = { "vocab.txt", "model.safetensors" };

int model_dir(char *out, size_t n_out, char *err, size_t n_err)
{
	const char *dir = getenv(MODEL_ENV);

	if (n_out)
		out[0] = '\0';
	if (!dir || !dir[0])
		return err_set(err, n_err, MC_ENOENT,
			       "%s is not set: set it to a directory with all-MiniLM-L6-v2's "
			       "vocab.txt and model.safetensors (make suite and make test set "
			       "it from scripts/model-fetch.sh)", MODEL_ENV);
	for (size_t i = 0; i < sizeof(model_files) / sizeof(model_files[0]); i++) {
		char path[4096];
		struct stat sb;
		const char *why;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, model_files[i]) >=
		    sizeof(path))
			return err_set(err, n_err, MC_EINVAL, "%s: path too long", MODEL_ENV);
		why = stat(path, &sb) != 0 ? strerror(errno) :
		      !S_ISREG(sb.st_mode) ? "not a file" : NULL;
		if (why)
			return err_set(err, n_err, MC_ENOENT,
				       "%s=%s has no %s (%s): set it to a directory with "
				       "all-MiniLM-L6-v2's vocab.txt and model.safetensors",
				       MODEL_ENV, dir, model_files[i], why);
	}
	if (strlen(dir) >= n_out)
		return err_set(err, n_err, MC_EINVAL, "%s is longer than %zu bytes", MODEL_ENV,
			       n_out ? n_out - 1 : 0);
	memcpy(out, dir, strlen(dir) + 1);
	return 0;
}

/* One tensor of the checkpoint and where it goes. */
struct model_part {
	const char *name;     /* after "embeddings." or "encoder.layer.N." */
	const float *dst;     /* into the caller's (writable) buffer */
	size_t n_dims;
	size_t dims[2];
};

static int model_read_parts(struct st_file *f, const char *prefix, const struct model_part *p,
			    size_t n, char *err, size_t n_err)
{
	for (size_t i = 0; i < n; i++) {
		char name[256];
		int rc;

		snprintf(name, sizeof(name), "%s%s", prefix, p[i].name);
		/* dst points into the caller's non-const buffer */
		if ((rc = st_read_f32(f, name, p[i].n_dims, p[i].dims, (float *)p[i].dst, err,
				      n_err)))
			return rc;
	}
	return 0;
}

/* Layers in the checkpoint: N for encoder.layer.0 .. N-1 (by their
 * attention's query weight, which every BERT layer has). */
static size_t model_ckpt_layers(const struct st_file *f)
{
	size_t n = 0;
	char name[128];

	for (;; n++) {
		snprintf(name, sizeof(name), "encoder.layer.%zu.attention.self.query.weight", n);
		if (!st_find(f, name))
			return n;
	}
}

/* The checkpoint's model shape against s, from the tensors' shapes. */
static int model_check_shape(const char *path, const struct st_file *f,
			     const struct bert_shape *s, char *err, size_t n_err)
{
	const struct st_tensor *w = st_find(f, "embeddings.word_embeddings.weight");
	const struct st_tensor *p = st_find(f, "embeddings.position_embeddings.weight");
	const struct st_tensor *t = st_find(f, "embeddings.token_type_embeddings.weight");
	const struct st_tensor *m = st_find(f, "encoder.layer.0.intermediate.dense.weight");
	size_t layers = model_ckpt_layers(f);

	if (!w || !p || !t)
		return err_set(err, n_err, MC_ENOENT, "%s: no %s: not a BertModel checkpoint",
			       path, !w ? "embeddings.word_embeddings.weight" :
			       !p ? "embeddings.position_embeddings.weight" :
			       "embeddings.token_type_embeddings.weight");
	if (w->n_dims != 2 || w->dims[0] != s->vocab || w->dims[1] != s->hidden)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: embeddings.word_embeddings.weight is not [%zu x %zu] "
			       "(vocabulary x hidden) as the workload's shape", path, s->vocab,
			       s->hidden);
	if (p->n_dims != 2 || p->dims[0] != BERT_MAX_POS)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: embeddings.position_embeddings.weight does not have %d "
			       "positions", path, BERT_MAX_POS);
	if (t->n_dims != 2 || t->dims[0] != BERT_TYPES)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: embeddings.token_type_embeddings.weight does not have %d "
			       "token types", path, BERT_TYPES);
	if (s->layers > layers)
		return err_set(err, n_err, MC_EINVAL,
			       "%s: the workload wants %zu layers, the checkpoint has %zu", path,
			       s->layers, layers);
	if (s->layers && (!m || m->n_dims != 2 || m->dims[0] != s->mlp))
		return err_set(err, n_err, MC_EINVAL,
			       "%s: encoder.layer.0.intermediate.dense.weight is not [%zu x %zu] "
			       "(mlp x hidden) as the workload's shape", path, s->mlp, s->hidden);
	return 0;
}

/* dir/config.json, when there, against s: what the tensors cannot say
 * (the heads, the activation, the epsilon) and what they did. */
static int model_check_config(const char *dir, const struct bert_shape *s, char *err,
			      size_t n_err)
{
	const struct { const char *key; double want; } nums[] = {
		{ "num_attention_heads", (double)s->heads },
		{ "hidden_size", (double)s->hidden },
		{ "intermediate_size", (double)s->mlp },
		{ "vocab_size", (double)s->vocab },
		{ "max_position_embeddings", BERT_MAX_POS },
		{ "type_vocab_size", BERT_TYPES },
		{ "layer_norm_eps", BERT_LN_EPS },
	};
	/* absent position_embedding_type is HF's default, absolute */
	const struct { const char *key, *want; int optional; } strs[] = {
		{ "hidden_act", "gelu", 0 },
		{ "position_embedding_type", "absolute", 1 },
	};
	char path[4096], *text = NULL;
	cJSON *root = NULL;
	struct stat sb;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (stat(path, &sb) != 0)
		return 0;
	if ((rc = jpath_read_file(path, MODEL_CONFIG_MAX, &text, &len, err, n_err)))
		return rc;
	if (!(root = cJSON_ParseWithLength(text, len)) || !cJSON_IsObject(root)) {
		rc = err_set(err, n_err, MC_EINVAL, "%s: not a JSON object", path);
		goto out;
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, nums[i].key);

		if (!cJSON_IsNumber(j) || j->valuedouble != nums[i].want) {
			rc = err_set(err, n_err, MC_EINVAL,
				     "%s: \"%s\" is not %g as the workload's shape has it", path,
				     nums[i].key, nums[i].want);
			goto out;
		}
	}
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, strs[i].key);

		if (!j && strs[i].optional)
			continue;
		if (!cJSON_IsString(j) || strcmp(j->valuestring, strs[i].want) != 0) {
			rc = err_set(err, n_err, MC_EINVAL,
				     "%s: \"%s\" is not \"%s\", the one bert.h computes", path,
				     strs[i].key, strs[i].want);
			goto out;
		}
	}
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}

int model_load_bert(const char *dir, const struct bert_shape *s, float *emb, float *layers,
		    char *err, size_t n_err)
{
	struct st_file *f = NULL;
	struct bert_emb_w e;
	char path[4096];
	size_t h = s->hidden, m = s->mlp;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/model.safetensors", dir) >= sizeof(path))
		return err_set(err, n_err, MC_EINVAL, "%s: path too long", dir);
	if ((rc = model_check_config(dir, s, err, n_err)))
		return rc;
	if ((rc = st_open(path, &f, err, n_err)))
		return rc;
	if ((rc = model_check_shape(path, f, s, err, n_err)))
		goto out;
	bert_emb_split(s, emb, &e);
	{
		const struct model_part parts[] = {
			{ "word_embeddings.weight", e.word, 2, { s->vocab, h } },
			{ "position_embeddings.weight", e.pos, 2, { BERT_MAX_POS, h } },
			{ "token_type_embeddings.weight", e.type, 2, { BERT_TYPES, h } },
			{ "LayerNorm.weight", e.ge, 1, { h } },
			{ "LayerNorm.bias", e.be, 1, { h } },
		};

		if ((rc = model_read_parts(f, "embeddings.", parts,
					   sizeof(parts) / sizeof(parts[0]), err, n_err)))
			goto out;
	}
	for (size_t l = 0; l < s->layers; l++) {
		struct bert_layer_w w;
		char prefix[64];

		bert_layer_split(s, layers + l * bert_layer_floats(s), &w);
		snprintf(prefix, sizeof(prefix), "encoder.layer.%zu.", l);
		{
			const struct model_part parts[] = {
				{ "attention.self.query.weight", w.wq, 2, { h, h } },
				{ "attention.self.query.bias", w.bq, 1, { h } },
				{ "attention.self.key.weight", w.wk, 2, { h, h } },
				{ "attention.self.key.bias", w.bk, 1, { h } },
				{ "attention.self.value.weight", w.wv, 2, { h, h } },
				{ "attention.self.value.bias", w.bv, 1, { h } },
				{ "attention.output.dense.weight", w.wo, 2, { h, h } },
				{ "attention.output.dense.bias", w.bo, 1, { h } },
				{ "attention.output.LayerNorm.weight", w.g1, 1, { h } },
				{ "attention.output.LayerNorm.bias", w.b1, 1, { h } },
				{ "intermediate.dense.weight", w.wi, 2, { m, h } },
				{ "intermediate.dense.bias", w.bi, 1, { m } },
				{ "output.dense.weight", w.wo2, 2, { h, m } },
				{ "output.dense.bias", w.bo2, 1, { h } },
				{ "output.LayerNorm.weight", w.g2, 1, { h } },
				{ "output.LayerNorm.bias", w.b2, 1, { h } },
			};

			if ((rc = model_read_parts(f, prefix, parts,
						   sizeof(parts) / sizeof(parts[0]), err, n_err)))
				goto out;
		}
	}
out:
	st_close(f);
	return rc;
}
