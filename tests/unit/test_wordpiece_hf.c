/*
 * test_wordpiece_hf.c - the C WordPiece against HF's fast tokenizer on
 * all-MiniLM-L6-v2's vocabulary: every corpus sentence (the embedded copy,
 * so the binary's corpus is the file's) and every hard case gives exactly
 * the ids of the fixtures scripts/wordpiece-fixture.py wrote from HF
 * (tests/fixtures/corpus-ids.txt, tests/fixtures/wordpiece/hard*.txt),
 * one by one and as padded and truncated batches. Needs the model's
 * vocab.txt: skipped, and counted, without MCBENCH_MODEL_DIR.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "err.h"
#include "jpath.h"
#include "model.h"
#include "wordpiece.h"

#define MAX_IDS 512

/* One fixture: the ids of each of its lines. */
struct ids_file {
	size_t n;
	int ids[128][MAX_IDS];
	size_t len[128];
};

static void read_ids(const char *path, struct ids_file *out)
{
	char *text = NULL, err[MC_ERRLEN] = "";
	size_t n = 0;

	if (jpath_read_file(path, 0, &text, &n, err, sizeof(err)))
		fail_msg("%s", err);
	out->n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = line, *end;

		if (line[0] == '#')
			continue;
		assert_true(out->n < 128);
		out->len[out->n] = 0;
		for (long id; (id = strtol(p, &end, 10)), end != p; p = end) {
			assert_true(out->len[out->n] < MAX_IDS);
			out->ids[out->n][out->len[out->n]++] = (int)id;
		}
		out->n++;
	}
	free(text);
}

static struct wp_vocab *model_vocab(void)
{
	char dir[4096], path[4200], err[MC_ERRLEN] = "";
	struct wp_vocab *v = NULL;

	if (model_dir(dir, sizeof(dir), err, sizeof(err))) {
		print_message("skip: %s\n", err);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/vocab.txt", dir);
	if (wp_vocab_load(path, &v, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(wp_vocab_size(v), 30522);
	return v;
}

static void check_line(const struct wp_vocab *v, const char *what, size_t i, const char *s,
		       size_t n, const int *want, size_t n_want)
{
	int ids[MAX_IDS];
	size_t got = 0;
	char err[MC_ERRLEN] = "";

	if (wp_encode(v, s, n, MAX_IDS, ids, &got, err, sizeof(err)))
		fail_msg("%s line %zu: %s", what, i + 1, err);
	if (got != n_want || memcmp(ids, want, got * sizeof(*ids)) != 0) {
		for (size_t k = 0; k < got || k < n_want; k++)
			if (k >= got || k >= n_want || ids[k] != want[k]) {
				fail_msg("%s line %zu: %zu ids, HF %zu; first difference at %zu: "
					 "%d, HF %d", what, i + 1, got, n_want, k,
					 k < got ? ids[k] : -1, k < n_want ? want[k] : -1);
			}
	}
}

/* A batch of text (batch lines whose HF ids are want[i % n_want]) padded
 * or truncated to seq: each row HF's ids cut to seq with [SEP] last, then
 * [PAD] with mask 0. */
static void check_batch(const struct wp_vocab *v, const char *text, size_t len, size_t batch,
			size_t seq, const struct ids_file *want)
{
	float *ids = malloc(batch * seq * sizeof(float));
	float *mask = malloc(batch * seq * sizeof(float));
	char err[MC_ERRLEN] = "";

	assert_non_null(ids);
	assert_non_null(mask);
	if (wp_encode_batch(v, text, len, batch, seq, ids, mask, err, sizeof(err)))
		fail_msg("batch %zu seq %zu: %s", batch, seq, err);
	for (size_t i = 0; i < batch; i++) {
		const int *w = want->ids[i % want->n];
		size_t n = want->len[i % want->n] < seq ? want->len[i % want->n] : seq;

		for (size_t k = 0; k < seq; k++) {
			float id = k + 1 == n ? w[want->len[i % want->n] - 1] : k < n ? w[k] : 0;

			if (ids[i * seq + k] != id || mask[i * seq + k] != (k < n))
				fail_msg("batch %zu seq %zu: row %zu column %zu is %g (mask %g), "
					 "want %g", batch, seq, i, k, ids[i * seq + k],
					 mask[i * seq + k], id);
		}
	}
	free(ids);
	free(mask);
}

static void test_corpus(void **state)
{
	struct wp_vocab *v = model_vocab();
	static struct ids_file want;
	size_t seq = 0, longest = 0;
	char err[MC_ERRLEN] = "";

	(void)state;
	if (!v)
		skip();
	read_ids("tests/fixtures/corpus-ids.txt", &want);
	assert_int_equal(want.n, corpus_count());
	for (size_t i = 0; i < want.n; i++) {
		size_t n;
		const char *s = corpus_sentence(i, &n);

		check_line(v, "corpus", i, s, n, want.ids[i], want.len[i]);
		if (want.len[i] > longest)
			longest = want.len[i];
	}
	/* the sweep's batches: padded to their longest, cyclic past the
	 * corpus, and at the fixed sequence of 128 (truncating nothing) and of
	 * 16 (truncating most) */
	for (size_t batch = 1; batch <= 2 * want.n; batch = batch < 10 ? batch + 3 : batch * 2) {
		char *text = NULL;
		size_t len = 0, max = 0;

		if (corpus_batch(batch, &text, &len, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(wp_batch_seq(v, text, len, batch, &seq, err, sizeof(err)), 0);
		for (size_t i = 0; i < batch; i++)
			if (want.len[i % want.n] > max)
				max = want.len[i % want.n];
		assert_int_equal(seq, max);
		check_batch(v, text, len, batch, seq, &want);
		check_batch(v, text, len, batch, 128, &want);
		check_batch(v, text, len, batch, 16, &want);
		free(text);
	}
	print_message("corpus: %zu sentences, the longest %zu tokens, as HF\n", want.n, longest);
	wp_vocab_free(v);
}

static void test_hard(void **state)
{
	struct wp_vocab *v = model_vocab();
	static struct ids_file want;
	char *text = NULL, err[MC_ERRLEN] = "";
	size_t len = 0, start = 0, line = 0;

	(void)state;
	if (!v)
		skip();
	read_ids("tests/fixtures/wordpiece/hard-ids.txt", &want);
	if (jpath_read_file("tests/fixtures/wordpiece/hard.txt", 0, &text, &len, err,
			    sizeof(err)))
		fail_msg("%s", err);
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n')
			continue;
		assert_true(line < want.n);
		check_line(v, "hard.txt", line, text + start, i - start, want.ids[line],
			   want.len[line]);
		line++;
		start = i + 1;
	}
	assert_int_equal(line, want.n);
	/* as one batch: the text without its final newline */
	check_batch(v, text, len - 1, line, 24, &want);
	free(text);
	wp_vocab_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_hard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
