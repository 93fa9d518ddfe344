/*
 * workload_bert.h - what a backend needs of a workload of issue 15's
 * kernels (wordpiece, bert_encode, embed; specs in workload_bert.c)
 * beyond its parameters and inputs: the model's shape with the sequence
 * length that seq = 0 resolved to, and the tokenizer's vocabulary. Both
 * are made once, untimed, when the workload is created (the spec's ctx),
 * and live as long as it; nothing here allocates or fails.
 *
 * The model of every spec is all-MiniLM-L6-v2's shape: vocab 30522,
 * hidden 384, 12 heads, MLP 1536, with `layers` layers.
 */
#ifndef MC_WORKLOAD_BERT_H
#define MC_WORKLOAD_BERT_H
#include "workload.h"
#include "ref/bert.h"

struct wp_vocab;

#define WL_BERT_VOCAB 30522
#define WL_BERT_HIDDEN 384
#define WL_BERT_HEADS 12
#define WL_BERT_MLP 1536

/* The shape of w, a workload of wordpiece, bert_encode or embed: batch,
 * seq as resolved (the S of every [batch x S] buffer), and the model's
 * dimensions with w's layers (0 for wordpiece). */
const struct bert_shape *workload_bert_shape(const struct workload *w);

/* The vocabulary of w (a wordpiece or embed workload; NULL for
 * bert_encode, whose inputs are already token ids), owned by w. Read-only:
 * several threads may tokenize with it at once. */
const struct wp_vocab *workload_bert_vocab(const struct workload *w);

#endif
