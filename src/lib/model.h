/*
 * model.h - the real model of the embedding workloads (all-MiniLM-L6-v2):
 * where its files are, and its checkpoint read into the packed weight
 * buffers of kernels/ref/bert.h.
 */
#ifndef MC_MODEL_H
#define MC_MODEL_H
#include <stddef.h>

#include "ref/bert.h"

/* The model directory: $MCBENCH_MODEL_DIR, which must hold vocab.txt and
 * model.safetensors (config.json, when there, is checked by
 * model_load_bert). Copied into out (n_out bytes).
 * Errors: MC_ENOENT (unset, or a file missing: a sentence saying how to
 * set it), MC_EINVAL (longer than n_out). */
int model_dir(char *out, size_t n_out, char *err, size_t n_err);

/* Reads dir/model.safetensors (a BertModel checkpoint: embeddings.*,
 * encoder.layer.N.*) into emb (bert_emb_floats(s) floats) and layers
 * (s->layers x bert_layer_floats(s), layer 0 first), after checking s
 * against it: vocab and hidden from the word embeddings, the positions
 * (BERT_MAX_POS) and token types (BERT_TYPES), mlp from the intermediate
 * layer, at most as many layers as the checkpoint has (fewer reads the
 * first s->layers), every tensor F32 of the layout's shape; and, when
 * dir/config.json exists, its heads, sizes, activation (exact "gelu"),
 * LayerNorm epsilon and absolute positions. Only s's model fields are used.
 * Errors: MC_EINVAL naming the file and the tensor or setting, MC_ENOENT
 * (a tensor missing), MC_EIO, MC_ENOMEM. */
int model_load_bert(const char *dir, const struct bert_shape *s, float *emb, float *layers,
		    char *err, size_t n_err);

#endif
