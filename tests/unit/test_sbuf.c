/*
 * test_sbuf.c - the growable text buffer: appends of every kind, growth
 * past the first allocation (bytes kept, always NUL-terminated), printf
 * output of any length, bytes passed through untouched (sbuf escapes
 * nothing: NUL, '%' and UTF-8 go in as given), and the sticky failure
 * that a too large append leaves (the out-of-memory path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static void test_empty(void **state)
{
	struct sbuf b = SBUF_INIT;
	char *s;

	(void)state;
	assert_string_equal(sbuf_str(&b), "");
	assert_int_equal(b.len, 0);
	assert_false(sbuf_failed(&b));
	sbuf_truncate(&b, 0);          /* nothing to shorten: no crash, no change */
	assert_null(b.buf);
	s = sbuf_detach(&b);           /* "" as a malloc'd string */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	sbuf_release(&b);              /* accepts an empty buffer */
}

static void test_append(void **state)
{
	struct sbuf b = SBUF_INIT;

	(void)state;
	sbuf_add(&b, "ab");
	sbuf_addc(&b, 'c');
	sbuf_addn(&b, "defgh", 2);
	sbuf_addf(&b, "-%d-%s-%.2f", 42, "x", 1.5);
	assert_string_equal(sbuf_str(&b), "abcde-42-x-1.50");
	assert_int_equal(b.len, strlen("abcde-42-x-1.50"));
	sbuf_truncate(&b, 3);
	assert_string_equal(sbuf_str(&b), "abc");
	assert_int_equal(b.len, 3);
	sbuf_truncate(&b, 10);         /* longer than the text: unchanged */
	assert_string_equal(sbuf_str(&b), "abc");
	sbuf_release(&b);
	assert_null(b.buf);
	assert_int_equal(b.len, 0);
}

/* Many appends and one long printf grow the buffer several times over;
 * every byte survives each reallocation. */
static void test_growth(void **state)
{
	struct sbuf b = SBUF_INIT;
	char big[5000];
	char *s;

	(void)state;
	for (int i = 0; i < 1000; i++)
		sbuf_addf(&b, "%03d,", i);
	assert_int_equal(b.len, 4000);
	assert_true(b.cap > b.len);
	assert_int_equal(b.buf[b.len], '\0');
	assert_memory_equal(b.buf, "000,001,002,", 12);
	assert_memory_equal(b.buf + 3996, "999,", 4);
	for (int i = 0; i < 1000; i++) {
		char want[8];

		snprintf(want, sizeof(want), "%03d,", i);
		assert_memory_equal(b.buf + 4 * i, want, 4);
	}
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sbuf_addf(&b, "[%s]", big);     /* one format longer than the whole buffer */
	assert_int_equal(b.len, 4000 + 2 + 4999);
	assert_int_equal(b.buf[4000], '[');
	assert_int_equal(b.buf[4001 + 4999], ']');
	assert_int_equal(strlen(sbuf_str(&b)), b.len);
	s = sbuf_detach(&b);
	assert_int_equal(strlen(s), 4000 + 2 + 4999);
	assert_null(b.buf);             /* detached: b is empty again */
	assert_int_equal(b.len, 0);
	free(s);
}

/* sbuf does no escaping: whatever goes in comes out, NUL bytes included
 * (counted in len), '%' in appended text is not a format. */
static void test_bytes_untouched(void **state)
{
	struct sbuf b = SBUF_INIT;

	(void)state;
	sbuf_add(&b, "100% `code` | <b> \xc2\xb5s");
	sbuf_addn(&b, "a\0b", 3);
	sbuf_addf(&b, "%s", "%d");
	assert_int_equal(b.len, strlen("100% `code` | <b> \xc2\xb5s") + 3 + 2);
	assert_string_equal(sbuf_str(&b), "100% `code` | <b> \xc2\xb5s" "a");
	assert_memory_equal(b.buf + b.len - 5, "a\0b%d", 5);
	sbuf_release(&b);
}

/* An append too large to allocate turns the buffer failed: sticky, later
 * appends are ignored, the text so far stays readable, detach gives NULL
 * and release makes the buffer usable again. */
static void test_failure_is_sticky(void **state)
{
	struct sbuf b = SBUF_INIT;

	(void)state;
	sbuf_add(&b, "kept");
	sbuf_addn(&b, "never read", SIZE_MAX / 2);   /* fails before touching the bytes */
	assert_true(sbuf_failed(&b));
	assert_string_equal(sbuf_str(&b), "kept");
	sbuf_add(&b, "more");
	sbuf_addc(&b, '!');
	sbuf_addf(&b, "%d", 7);
	assert_string_equal(sbuf_str(&b), "kept");
	assert_int_equal(b.len, 4);
	assert_null(sbuf_detach(&b));
	assert_false(sbuf_failed(&b));               /* detach released it */
	assert_null(b.buf);
	sbuf_addn(&b, "x", SIZE_MAX - 1);
	assert_true(sbuf_failed(&b));
	sbuf_release(&b);
	assert_false(sbuf_failed(&b));
	sbuf_add(&b, "again");
	assert_string_equal(sbuf_str(&b), "again");
	sbuf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_bytes_untouched),
		cmocka_unit_test(test_failure_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
