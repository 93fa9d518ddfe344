/*
 * test_wordpiece.c - the C WordPiece on a small vocabulary
 * (tests/fixtures/wordpiece/vocab.txt): each step of the BERT pipeline by
 * itself (lowercase, accents, punctuation, ## pieces, [UNK], CJK, special
 * tokens, control characters and whitespace), truncation, the batch's
 * padding and mask, invalid UTF-8 and broken vocabularies. Against HF's
 * own ids on the real vocabulary: test_wordpiece_hf.c.
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
#include "wordpiece.h"

#define VOCAB "tests/fixtures/wordpiece/vocab.txt"

/* ids of the fixture vocabulary (its line numbers from 0) */
enum {
	PAD, UNK, CLS, SEP, MASK, THE, CAFE, NAIVE, UN, AFF, ABLE, TOKEN, IZATION, S_, DOT,
	COMMA, BANG, DQUOTE, QUOTE, DASH, LBRACKET, RBRACKET, DOLLAR, NICHI, HON, HELLO, WORLD,
	A, A_, AB, B, CLS_LOWER, SIGMA, SIGMA_, UBER, N_VOCAB
};

static int setup(void **state)
{
	struct wp_vocab *v = NULL;
	char err[MC_ERRLEN] = "";

	if (wp_vocab_load(VOCAB, &v, err, sizeof(err))) {
		print_message("%s\n", err);
		return -1;
	}
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	wp_vocab_free(*state);
	return 0;
}

/* text (n bytes) encodes to [CLS] want... [SEP] with room for max_len. */
static void check_n(const struct wp_vocab *v, const char *text, size_t n, size_t max_len,
		    const int *want, size_t n_want)
{
	int ids[256];
	size_t got = 0;
	char err[MC_ERRLEN] = "";

	assert_true(max_len <= 256);
	if (wp_encode(v, text, n, max_len, ids, &got, err, sizeof(err)))
		fail_msg("'%s': %s", text, err);
	if (got != n_want + 2) {
		for (size_t i = 0; i < got; i++)
			print_message("%d ", ids[i]);
		fail_msg("'%s': %zu ids, want %zu", text, got, n_want + 2);
	}
	assert_int_equal(ids[0], CLS);
	for (size_t i = 0; i < n_want; i++)
		if (ids[i + 1] != want[i])
			fail_msg("'%s': id %zu is %d, want %d", text, i + 1, ids[i + 1], want[i]);
	assert_int_equal(ids[got - 1], SEP);
}

#define CHECK(v, text, ...) do { \
	const int want_[] = { __VA_ARGS__ }; \
	check_n(v, text, strlen(text), 256, want_, sizeof(want_) / sizeof(want_[0])); \
} while (0)

static void test_vocab(void **state)
{
	const struct wp_vocab *v = *state;

	assert_int_equal(wp_vocab_size(v), N_VOCAB);
	assert_int_equal(wp_vocab_id(v, "##aff", 5), AFF);
	assert_int_equal(wp_vocab_id(v, "\xe6\x97\xa5", 3), NICHI);
	assert_int_equal(wp_vocab_id(v, "aff", 3), -1);
	assert_int_equal(wp_vocab_id(v, "", 0), -1);
}

static void test_lowercase_accents(void **state)
{
	const struct wp_vocab *v = *state;

	CHECK(v, "The CAFE", THE, CAFE);
	CHECK(v, "the caf\xc3\xa9 na\xc3\xafve", THE, CAFE, NAIVE);        /* precomposed */
	CHECK(v, "CAF\xc3\x89 cafe\xcc\x81", CAFE, CAFE);                  /* É, e + U+0301 */
	CHECK(v, "\xc3\x9c" "ber", UBER);                                  /* Ü: U then a mark */
	CHECK(v, "\xce\xa3\xce\xa3", SIGMA, SIGMA_);                       /* ΣΣ -> σ ##σ */
}

static void test_punctuation(void **state)
{
	const struct wp_vocab *v = *state;

	CHECK(v, "hello, world!", HELLO, COMMA, WORLD, BANG);
	CHECK(v, "\"a\"-b", DQUOTE, A, DQUOTE, DASH, B);
	CHECK(v, "a'b.", A, QUOTE, B, DOT);
	/* ASCII symbols are BERT punctuation too: '$' splits a word */
	CHECK(v, "$a", DOLLAR, A);
	CHECK(v, "a$b", A, DOLLAR, B);
}

static void test_subwords(void **state)
{
	const struct wp_vocab *v = *state;

	CHECK(v, "unaffable tokenization tokens", UN, AFF, ABLE, TOKEN, IZATION, TOKEN, S_);
	/* longest match first: "ab" whole; "aab" is a ##a, then no "##b" */
	CHECK(v, "ab aa aab", AB, A, A_, UNK);
}

static void test_unknown(void **state)
{
	const struct wp_vocab *v = *state;
	char word[160];

	/* a word of which a piece matches nothing is [UNK] as a whole */
	CHECK(v, "xyz unxyz un", UNK, UNK, UN);
	/* 100 code points is the longest word WordPiece splits */
	memset(word, 'a', 100);
	word[100] = '\0';
	{
		int want[100];

		want[0] = A;
		for (int i = 1; i < 100; i++)
			want[i] = A_;
		check_n(v, word, 100, 256, want, 100);
	}
	memset(word, 'a', 101);
	word[101] = '\0';
	CHECK(v, word, UNK);
	/* counted in code points, not bytes: 60 σ (120 bytes) split, 101 do not */
	{
		int want[60];

		for (int i = 0; i < 60; i++) {
			memcpy(word + 2 * i, "\xcf\x83", 2);
			want[i] = i ? SIGMA_ : SIGMA;
		}
		check_n(v, word, 120, 256, want, 60);
	}
	{
		char *sig = malloc(202);

		assert_non_null(sig);
		for (int i = 0; i < 101; i++)
			memcpy(sig + 2 * i, "\xcf\x83", 2);
		check_n(v, sig, 202, 256, (const int[]){ UNK }, 1);
		free(sig);
	}
}

static void test_cjk(void **state)
{
	const struct wp_vocab *v = *state;

	/* ideographs are words of their own even without spaces; kana are not */
	CHECK(v, "\xe6\x97\xa5\xe6\x9c\xac", NICHI, HON);
	CHECK(v, "hello\xe6\x97\xa5\xe6\x9c\xacthe", HELLO, NICHI, HON, THE);
	CHECK(v, "a\xe3\x81\x82", UNK);   /* aあ: one word, あ not in the vocabulary */
}

static void test_specials(void **state)
{
	const struct wp_vocab *v = *state;

	/* HF matches its special tokens verbatim before normalising */
	CHECK(v, "[MASK]hello [cls] [CLS", MASK, HELLO, LBRACKET, CLS_LOWER, RBRACKET, LBRACKET,
	      CLS_LOWER);
	CHECK(v, "a[SEP]b[PAD]", A, SEP, B, PAD);
	CHECK(v, "[UNK]", UNK);
}

static void test_cleaning(void **state)
{
	const struct wp_vocab *v = *state;

	CHECK(v, "a\x01" "b", AB);                          /* a control character goes */
	CHECK(v, "a\xe2\x80\x8b" "b \xc2\xad", AB);         /* and format ones (ZWSP, SHY) */
	CHECK(v, "a\xef\xbf\xbd" "b", AB);                  /* and U+FFFD */
	CHECK(v, "a\tb\xc2\xa0the\xe3\x80\x80" "a\r\nb", A, B, THE, A, B);   /* spaces */
	CHECK(v, "a\xe2\x80\xa8" "b", A, B);                /* U+2028 is whitespace to HF */
	check_n(v, "a\0b", 3, 256, (const int[]){ AB }, 1); /* a NUL byte is dropped */
	check_n(v, "", 0, 256, NULL, 0);
	check_n(v, " \t\x01 ", 4, 256, NULL, 0);
}

static void test_truncation(void **state)
{
	const struct wp_vocab *v = *state;
	char err[MC_ERRLEN] = "";
	int ids[4];
	size_t n = 99;

	check_n(v, "hello world the", 15, 4, (const int[]){ HELLO, WORLD }, 2);
	check_n(v, "hello world the", 15, 5, (const int[]){ HELLO, WORLD, THE }, 3);
	check_n(v, "hello world the", 15, 2, NULL, 0);
	/* a word's pieces are cut like any token */
	check_n(v, "unaffable", 9, 4, (const int[]){ UN, AFF }, 2);
	assert_int_equal(wp_encode(v, "a", 1, 1, ids, &n, err, sizeof(err)), MC_EINVAL);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "max_len 1"));
}

static void test_invalid_utf8(void **state)
{
	const struct wp_vocab *v = *state;
	static const struct { const char *text; size_t at; } bad[] = {
		{ "ab\xff" "cd", 2 },                 /* not a lead byte */
		{ "\xc0\xaf", 0 },                    /* overlong '/' */
		{ "x\xe0\x80\xaf", 1 },               /* overlong, three bytes */
		{ "\xed\xa0\x80", 0 },                /* a surrogate */
		{ "ok \xf4\x90\x80\x80", 3 },         /* past U+10FFFF */
		{ "\xe6\x97", 0 },                    /* cut short */
		{ "a\xe6\x97z", 1 },                  /* continuation missing */
		{ "\x80", 0 },                        /* a lone continuation byte */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[MC_ERRLEN] = "", want[64];
		int ids[16];
		size_t n = 99;

		assert_int_equal(wp_encode(v, bad[i].text, strlen(bad[i].text), 16, ids, &n, err,
					   sizeof(err)), MC_EINVAL);
		assert_int_equal(n, 0);
		snprintf(want, sizeof(want), "invalid UTF-8 at byte %zu", bad[i].at);
		if (!strstr(err, want))
			fail_msg("case %zu: '%s' lacks '%s'", i, err, want);
	}
}

static void test_batch(void **state)
{
	const struct wp_vocab *v = *state;
	const char *text = "hello world\nthe\n";   /* 3 lines, the last empty */
	static const float want_ids[3][4] = {
		{ CLS, HELLO, WORLD, SEP }, { CLS, THE, SEP, PAD }, { CLS, SEP, PAD, PAD },
	};
	static const float want_mask[3][4] = { { 1, 1, 1, 1 }, { 1, 1, 1, 0 }, { 1, 1, 0, 0 } };
	float ids[12], mask[12];
	char err[MC_ERRLEN] = "";
	size_t seq = 0;

	assert_int_equal(wp_batch_seq(v, text, strlen(text), 3, &seq, err, sizeof(err)), 0);
	assert_int_equal(seq, 4);
	assert_int_equal(wp_encode_batch(v, text, strlen(text), 3, 4, ids, mask, err,
					 sizeof(err)), 0);
	assert_memory_equal(ids, want_ids, sizeof(ids));
	assert_memory_equal(mask, want_mask, sizeof(mask));
	/* seq 3 truncates the first line, [SEP] last */
	assert_int_equal(wp_encode_batch(v, text, strlen(text), 3, 3, ids, mask, err,
					 sizeof(err)), 0);
	assert_true(ids[0] == CLS && ids[1] == HELLO && ids[2] == SEP);
	assert_true(mask[0] == 1 && mask[1] == 1 && mask[2] == 1);
	assert_true(ids[3] == CLS && ids[4] == THE && ids[5] == SEP);
	/* the line count must be the batch */
	assert_int_equal(wp_encode_batch(v, text, strlen(text), 2, 4, ids, mask, err,
					 sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "3 line(s), the batch is 2"));
	assert_int_equal(wp_batch_seq(v, text, strlen(text), 4, &seq, err, sizeof(err)),
			 MC_EINVAL);
	assert_int_equal(wp_encode_batch(v, text, strlen(text), 3, 1, ids, mask, err,
					 sizeof(err)), MC_EINVAL);
	assert_non_null(strstr(err, "sequence 1"));
	/* invalid UTF-8 is named by line and byte */
	assert_int_equal(wp_encode_batch(v, "the\nx\xff", 6, 2, 4, ids, mask, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "line 2: invalid UTF-8 at byte 5"));
	/* seq = 0's S is capped at BERT's 512 positions */
	{
		size_t n = 2000;
		char *many = malloc(n);

		assert_non_null(many);
		for (size_t i = 0; i < n; i += 2)
			memcpy(many + i, "a ", 2);
		assert_int_equal(wp_batch_seq(v, many, n, 1, &seq, err, sizeof(err)), 0);
		assert_int_equal(seq, 512);
		free(many);
	}
}

/* Writes text to a scratch file and loads it as a vocabulary. */
static int load_text(const char *text, char *err, size_t n_err, char *path, size_t n_path)
{
	struct wp_vocab *v = NULL;
	FILE *f;
	int rc, fd;

	snprintf(path, n_path, "/tmp/mcbench-wp-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	rc = wp_vocab_load(path, &v, err, n_err);
	if (rc == 0) {
		assert_int_equal(wp_vocab_size(v), 4);
		assert_int_equal(wp_vocab_id(v, "ab", 2), 3);
	} else {
		assert_null(v);
	}
	wp_vocab_free(v);
	unlink(path);
	return rc;
}

static void test_vocab_errors(void **state)
{
	static const struct { const char *text; int rc; const char *msg; } cases[] = {
		{ "[UNK]\n[CLS]\n[SEP]\nab\n", 0, NULL },
		{ "[UNK]\r\n[CLS]\r\n[SEP]\r\nab", 0, NULL },       /* CRLF, no final newline */
		{ "[UNK]\n[CLS]\n[SEP]\n[UNK]\n", MC_EINVAL, ":4: token '[UNK]' repeats line 1" },
		{ "[UNK]\n[CLS]\n\n[SEP]\n", MC_EINVAL, ":3: empty token" },
		{ "[UNK]\n[CLS]\n[SEP]\na\xff\n", MC_EINVAL, ":4: invalid UTF-8 at byte 2" },
		{ "[UNK]\n[CLS]\nab\n", MC_EINVAL, "no [SEP] token" },
		{ "", MC_EINVAL, "no tokens" },
	};
	struct wp_vocab *v = (void *)1;
	char err[MC_ERRLEN] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[64];
		int rc = load_text(cases[i].text, err, sizeof(err), path, sizeof(path));

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s), want %d", i, rc, err, cases[i].rc);
		if (cases[i].msg && (!strstr(err, cases[i].msg) || !strstr(err, path)))
			fail_msg("case %zu: '%s' lacks '%s' or the path", i, err, cases[i].msg);
	}
	assert_int_equal(wp_vocab_load("/nonexistent/vocab.txt", &v, err, sizeof(err)), MC_EIO);
	assert_null(v);
	assert_non_null(strstr(err, "/nonexistent/vocab.txt: cannot open"));
	wp_vocab_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocab),
		cmocka_unit_test(test_lowercase_accents),
		cmocka_unit_test(test_punctuation),
		cmocka_unit_test(test_subwords),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_cjk),
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_cleaning),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_vocab_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
