/*
 * test_linediff.c - the unified diff `mcreport check` prints: hunks with
 * context, removals before additions, and a cap on its length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "linediff.h"
#include "sbuf.h"

static size_t diff(const char *a, const char *b, size_t max, struct sbuf *out)
{
	return linediff_unified(a, strlen(a), b, strlen(b), "old", "new", 1, max, out);
}

static void test_same(void **state)
{
	struct sbuf out = SBUF_INIT;

	(void)state;
	assert_int_equal(diff("a\nb\n", "a\nb\n", 40, &out), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(diff("", "", 40, &out), 0);
	sbuf_release(&out);
}

static void test_changed_line(void **state)
{
	struct sbuf out = SBUF_INIT;

	(void)state;
	assert_int_equal(diff("a\nb\nc\nd\ne\n", "a\nb\nX\nd\ne\n", 40, &out), 2);
	assert_string_equal(sbuf_str(&out),
			    "--- old\n+++ new\n@@ -2,3 +2,3 @@\n b\n-c\n+X\n d\n");
	sbuf_release(&out);
}

static void test_insert_delete(void **state)
{
	struct sbuf out = SBUF_INIT;

	(void)state;
	assert_int_equal(diff("a\nb\nc\n", "a\nc\nd\n", 40, &out), 2);
	assert_string_equal(sbuf_str(&out),
			    "--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+d\n");
	sbuf_release(&out);
}

static void test_cap(void **state)
{
	struct sbuf out = SBUF_INIT;
	char a[4096] = "", b[4096] = "";
	size_t lines = 0;

	(void)state;
	for (int i = 0; i < 100; i++) {
		snprintf(a + strlen(a), sizeof(a) - strlen(a), "line %d\n", i);
		snprintf(b + strlen(b), sizeof(b) - strlen(b), "line %d%s\n", i, i % 3 ? "" : "!");
	}
	assert_int_equal(diff(a, b, 10, &out), 68);
	for (const char *p = sbuf_str(&out); *p; p++)
		lines += *p == '\n';
	assert_true(lines <= 13);
	assert_non_null(strstr(sbuf_str(&out), "more changed lines\n"));
	sbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_changed_line),
		cmocka_unit_test(test_insert_delete),
		cmocka_unit_test(test_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
