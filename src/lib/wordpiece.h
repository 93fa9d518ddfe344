/*
 * wordpiece.h - BERT's uncased WordPiece tokenizer (all-MiniLM-L6-v2's),
 * the same ids as HF tokenizers' fast BertTokenizer from tokenizer.json:
 * BertNormalizer(clean_text, handle_chinese_chars, strip_accents = lowercase
 * = true), BertPreTokenizer, WordPiece("##", [UNK], 100 chars), the
 * [CLS] ... [SEP] template, and BERT's special tokens matched verbatim in the
 * raw text as HF's added tokens are.
 *
 * Unicode data (NFD, general categories, lowercase) comes from libutf8proc.
 * HF's tokenizer classifies characters with tables of Unicode 8.0; the few
 * hundred punctuation, format and nonspacing-mark characters assigned since
 * are treated as Unicode 8.0 did (as unassigned: letters) so the two agree
 * on every code point (scripts/wordpiece-unicode.py made the table and
 * checks it).
 */
#ifndef MC_WORDPIECE_H
#define MC_WORDPIECE_H
#include <stddef.h>

/* A vocabulary: token strings and their ids. Read-only once loaded, so one
 * vocabulary may serve several threads at once. */
struct wp_vocab;

/* Loads vocab.txt: one token per line (UTF-8, "\n" or "\r\n" ends a line),
 * id = line index from 0. [UNK], [CLS] and [SEP] must be present; [PAD]
 * (id 0 when absent) is what wp_encode_batch pads with. Empty lines,
 * duplicate tokens and invalid UTF-8 are refused.
 * On success *out owns the vocabulary (wp_vocab_free). Errors: MC_EIO
 * (cannot read path), MC_EINVAL naming path:line, MC_ENOMEM. */
int wp_vocab_load(const char *path, struct wp_vocab **out, char *err, size_t n_err);

/* Frees v; accepts NULL. */
void wp_vocab_free(struct wp_vocab *v);

/* Tokens in v (the largest id + 1). */
size_t wp_vocab_size(const struct wp_vocab *v);

/* The id of token (exact bytes, len of them), or -1 when absent. */
int wp_vocab_id(const struct wp_vocab *v, const char *token, size_t len);

/* Tokenizes len bytes of UTF-8 text (a NUL among them is a character HF
 * drops) into out_ids (room for max_len ints): [CLS], the tokens, [SEP].
 * Longer encodings are truncated to max_len tokens with [SEP] kept last,
 * as HF truncates. max_len >= 2. *out_n = ids written.
 * Errors: MC_EINVAL for invalid UTF-8 (naming the byte offset) or
 * max_len < 2, MC_ENOMEM. */
int wp_encode(const struct wp_vocab *v, const char *text, size_t len, size_t max_len,
	      int *out_ids, size_t *out_n, char *err, size_t n_err);

/* Tokenizes a batch: text holds exactly batch lines separated by '\n' (no
 * final newline; a line may be empty), each encoded as by wp_encode with
 * max_len seq into row i of out_ids [batch x seq] (ids as floats), padded
 * with [PAD]; out_mask [batch x seq] is 1 for a token, 0 for padding.
 * seq >= 2 (the specs' seq = 0 resolved with wp_batch_seq first).
 * Errors: MC_EINVAL (line count, seq, invalid UTF-8 naming the line and
 * the byte offset in text), MC_ENOMEM. */
int wp_encode_batch(const struct wp_vocab *v, const char *text, size_t len, size_t batch,
		    size_t seq, float *out_ids, float *out_mask, char *err, size_t n_err);

/* The length of the longest encoding of the batch's lines ([CLS] and [SEP]
 * counted), capped at BERT_MAX_POS: the S of seq = 0, padding to the
 * longest sentence as sentence-transformers does. Same text and errors as
 * wp_encode_batch. */
int wp_batch_seq(const struct wp_vocab *v, const char *text, size_t len, size_t batch,
		 size_t *out_seq, char *err, size_t n_err);

#endif
