/*
 * test_corpus.c - the embedded corpus: the same sentences as
 * suites/corpus/embeddings.txt, none empty, and batches of them joined
 * with '\n', from the first again past the last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "err.h"
#include "jpath.h"

static void test_same_as_file(void **state)
{
	char *text = NULL, err[MC_ERRLEN] = "";
	size_t len = 0, off = 0, n = corpus_count();

	(void)state;
	if (jpath_read_file("suites/corpus/embeddings.txt", 0, &text, &len, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n, 100);
	for (size_t i = 0; i < n; i++) {
		size_t l;
		const char *s = corpus_sentence(i, &l);

		assert_non_null(s);
		assert_true(l > 0);
		assert_true(off + l < len);
		assert_memory_equal(s, text + off, l);
		assert_int_equal(text[off + l], '\n');
		off += l + 1;
	}
	assert_int_equal(off, len);
	assert_null(corpus_sentence(n, &len));
	assert_int_equal(len, 0);
	free(text);
}

static void test_batch(void **state)
{
	char *text = NULL, err[MC_ERRLEN] = "";
	size_t len = 0, l0, l1, n = corpus_count();
	const char *s0 = corpus_sentence(0, &l0), *s1 = corpus_sentence(1, &l1);

	(void)state;
	assert_int_equal(corpus_batch(1, &text, &len, err, sizeof(err)), 0);
	assert_int_equal(len, l0);
	assert_int_equal(strlen(text), len);
	assert_memory_equal(text, s0, l0);
	free(text);

	assert_int_equal(corpus_batch(2, &text, &len, err, sizeof(err)), 0);
	assert_int_equal(len, l0 + 1 + l1);
	assert_memory_equal(text, s0, l0);
	assert_int_equal(text[l0], '\n');
	assert_memory_equal(text + l0 + 1, s1, l1);
	free(text);

	/* past the corpus: from the first again, n + 2 lines */
	assert_int_equal(corpus_batch(n + 2, &text, &len, err, sizeof(err)), 0);
	{
		size_t lines = 1;

		for (size_t i = 0; i < len; i++)
			lines += text[i] == '\n';
		assert_int_equal(lines, n + 2);
		assert_int_equal(len, strlen(text));
		assert_memory_equal(text + len - l1, s1, l1);
		assert_int_equal(text[len - l1 - 1], '\n');
	}
	free(text);

	assert_int_equal(corpus_batch(0, &text, &len, err, sizeof(err)), MC_EINVAL);
	assert_null(text);
	assert_non_null(strstr(err, "a batch of 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_file),
		cmocka_unit_test(test_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
