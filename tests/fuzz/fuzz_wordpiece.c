/*
 * fuzz_wordpiece.c - libFuzzer target for the WordPiece tokenizer
 * (wordpiece.c) on the test vocabulary (tests/fixtures/wordpiece/vocab.txt,
 * or $FUZZ_WP_VOCAB): the first byte picks a max_len, the rest is text.
 * Invalid UTF-8 must be refused with one line naming the byte; anything
 * else must encode to [CLS] ... [SEP] of ids in the vocabulary, truncation
 * must keep a prefix of the full encoding, and the text as a batch of its
 * lines must give each line's own encoding, padded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fuzz_util.h"
#include "ref/bert.h"
#include "wordpiece.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wp_vocab *vocab;
static int cls, sep, pad;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_WP_VOCAB");
	char err[MC_ERRLEN] = "";

	(void)argc;
	(void)argv;
	if (!path)
		path = "tests/fixtures/wordpiece/vocab.txt";
	if (wp_vocab_load(path, &vocab, err, sizeof(err)))
		fuzz_die("%s (run from the repository root)", err);
	cls = wp_vocab_id(vocab, "[CLS]", 5);
	sep = wp_vocab_id(vocab, "[SEP]", 5);
	pad = wp_vocab_id(vocab, "[PAD]", 5);
	if (pad < 0)
		pad = 0;
	return 0;
}

/* The text's lines as a batch, each row checked against wp_encode. */
static void check_batch(const char *text, size_t len)
{
	size_t batch = 1, seq = 0, start = 0, row = 0;
	char err[MC_ERRLEN] = "";
	float *ids, *mask;
	int *one;

	for (size_t i = 0; i < len; i++)
		batch += text[i] == '\n';
	if (batch > 256)   /* enough rows to check; more only cost memory */
		return;
	if (wp_batch_seq(vocab, text, len, batch, &seq, err, sizeof(err)))
		fuzz_die("wp_batch_seq refused what wp_encode took: %s", err);
	if (seq < 2 || seq > BERT_MAX_POS)
		fuzz_die("wp_batch_seq gave %zu", seq);
	ids = malloc(batch * seq * sizeof(float));
	mask = malloc(batch * seq * sizeof(float));
	one = malloc(seq * sizeof(int));
	if (!ids || !mask || !one)
		fuzz_die("out of memory");
	if (wp_encode_batch(vocab, text, len, batch, seq, ids, mask, err, sizeof(err)))
		fuzz_die("wp_encode_batch refused what wp_encode took: %s", err);
	for (size_t i = 0; i <= len; i++) {
		size_t n = 0;

		if (i < len && text[i] != '\n')
			continue;
		if (wp_encode(vocab, text + start, i - start, seq, one, &n, err, sizeof(err)))
			fuzz_die("a line refused alone: %s", err);
		for (size_t k = 0; k < seq; k++) {
			float want = k < n ? (float)one[k] : (float)pad;

			if (ids[row * seq + k] != want || mask[row * seq + k] != (k < n))
				fuzz_die("batch row %zu column %zu differs from the line alone", row, k);
		}
		row++;
		start = i + 1;
	}
	free(ids);
	free(mask);
	free(one);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int full[BERT_MAX_POS], cut[258];
	size_t n_full = 0, n_cut = 0, max_len;
	char err[MC_ERRLEN] = "";
	const char *text;
	size_t len;
	int rc;

	if (size < 1)
		return 0;
	max_len = 2 + data[0];
	text = (const char *)data + 1;
	len = size - 1;
	rc = wp_encode(vocab, text, len, BERT_MAX_POS, full, &n_full, err, sizeof(err));
	if (rc) {
		if (rc != MC_EINVAL || !strstr(err, "invalid UTF-8 at byte ") || strchr(err, '\n'))
			fuzz_die("wp_encode failed (%d) without naming the invalid byte: '%s'", rc,
				 err);
		return 0;
	}
	if (n_full < 2 || full[0] != cls || full[n_full - 1] != sep)
		fuzz_die("an encoding of %zu ids not [CLS] ... [SEP]", n_full);
	for (size_t i = 0; i < n_full; i++)
		if (full[i] < 0 || (size_t)full[i] >= wp_vocab_size(vocab))
			fuzz_die("id %d outside the vocabulary", full[i]);
	if (wp_encode(vocab, text, len, max_len, cut, &n_cut, err, sizeof(err)))
		fuzz_die("refused at max_len %zu: %s", max_len, err);
	if (n_cut != (n_full < max_len ? n_full : max_len) || cut[n_cut - 1] != sep ||
	    memcmp(cut, full, (n_cut - 1) * sizeof(int)) != 0)
		fuzz_die("max_len %zu: %zu ids, not the first of the %zu", max_len, n_cut, n_full);
	check_batch(text, len);
	return 0;
}
