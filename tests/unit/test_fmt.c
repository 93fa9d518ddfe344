/*
 * test_fmt.c - the text pieces of the history commands' tables (fmt.c):
 * percentages, commits, dates, and tables aligned in UTF-8 characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "fmt.h"
#include "sbuf.h"

static void test_text_helpers(void **state)
{
	const char *cells[] = { "name", "time", "a", "1.23 \xc2\xb5s", "bbb", "10.0 ms" };
	struct sbuf b = SBUF_INIT;
	char s[32];

	(void)state;
	fmt_table(&b, cells, 3, 2, "lr");
	assert_string_equal(sbuf_str(&b), "name     time\n"
					  "a     1.23 \xc2\xb5s\n"
					  "bbb   10.0 ms\n");
	sbuf_release(&b);
	fmt_pct(5.71, s, sizeof(s));
	assert_string_equal(s, "+5.7%");
	fmt_pct(-12.4, s, sizeof(s));
	assert_string_equal(s, "-12%");
	fmt_pct(0, s, sizeof(s));
	assert_string_equal(s, "0%");
	fmt_pct(NAN, s, sizeof(s));
	assert_string_equal(s, "-");
	fmt_commit("0123456789abcdef", 1, s, sizeof(s));
	assert_string_equal(s, "0123456+");
	fmt_commit(NULL, -1, s, sizeof(s));
	assert_string_equal(s, "-");
	fmt_date("2024-05-01T10:20:30Z", s, sizeof(s));
	assert_string_equal(s, "2024-05-01 10:20");
}

/* A grid lays out as fmt_table() of its header and cells; a cell left
 * alone reads as empty, and a grid of no rows is its header alone. */
static void test_grid(void **state)
{
	static const char *const head[] = { "name", "time" };
	struct fmt_grid *g = fmt_grid_new(head, 2, 3);
	struct sbuf b = SBUF_INIT;
	char (*t)[FMT_CELL_LEN];

	(void)state;
	assert_non_null(g);
	t = fmt_grid_row(g, 0);
	snprintf(t[0], FMT_CELL_LEN, "a");
	snprintf(t[1], FMT_CELL_LEN, "1.23 \xc2\xb5s");
	t = fmt_grid_row(g, 2);
	snprintf(t[0], FMT_CELL_LEN, "bbb");
	snprintf(t[1], FMT_CELL_LEN, "10.0 ms");
	fmt_grid_emit(g, &b, "lr");
	assert_string_equal(sbuf_str(&b), "name     time\n"
					  "a     1.23 \xc2\xb5s\n"
					  "\n"
					  "bbb   10.0 ms\n");
	sbuf_release(&b);
	fmt_grid_free(g);
	g = fmt_grid_new(head, 2, 0);
	assert_non_null(g);
	fmt_grid_emit(g, &b, "ll");
	assert_string_equal(sbuf_str(&b), "name  time\n");
	sbuf_release(&b);
	fmt_grid_free(g);
	fmt_grid_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_helpers),
		cmocka_unit_test(test_grid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
