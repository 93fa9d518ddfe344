/*
 * test_mdesc.c - text from data can neither break a table nor inject HTML,
 * links, emphasis, code or headings once escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mdesc.h"
#include "sbuf.h"

static void expect(const char *in, const char *want)
{
	struct sbuf b = SBUF_INIT;

	mdesc_text(&b, in);
	assert_false(sbuf_failed(&b));
	assert_string_equal(sbuf_str(&b), want);
	sbuf_release(&b);
}

static void test_plain(void **state)
{
	(void)state;
	expect("softmax/rows=64,cols=1024", "softmax/rows=64,cols=1024");
	expect("Test CPU @ 3.00GHz (R)", "Test CPU @ 3.00GHz (R)");
	expect("", "");
	expect(NULL, "");
}

static void test_table_breakers(void **state)
{
	(void)state;
	expect("a|b", "a\\|b");
	expect("line\nbreak\r\ttab", "line break  tab");
	expect("back\\slash", "back\\\\slash");
}

static void test_html_and_links(void **state)
{
	(void)state;
	expect("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	expect("a & b", "a &amp; b");
	expect("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))");
	expect("![img](x.png)", "!\\[img\\](x.png)");
	expect("see http://evil.example/x", "see http&#58;//evil.example/x");
	expect("www.evil.example", "www&#46;evil.example");
	expect("mail me@evil.example", "mail me&#64;evil.example");
}

static void test_emphasis_and_code(void **state)
{
	(void)state;
	expect("*em* _u_ `code` ~~s~~", "\\*em\\* \\_u\\_ \\`code\\` \\~\\~s\\~\\~");
}

static void test_line_starts(void **state)
{
	(void)state;
	expect("# heading", "\\# heading");
	expect("  - item", "  \\- item");
	expect("+ x", "\\+ x");
	expect("a # b - c", "a # b - c");
}

static void test_utf8(void **state)
{
	(void)state;
	expect("\xc2\xb5s \xe2\x9c\x85", "\xc2\xb5s \xe2\x9c\x85");
	expect("bad \xff\xfe end", "bad \xef\xbf\xbd\xef\xbf\xbd end");
	expect("overlong \xc0\xaf", "overlong \xef\xbf\xbd\xef\xbf\xbd");
	expect("cut \xe2\x9c", "cut \xef\xbf\xbd\xef\xbf\xbd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_table_breakers),
		cmocka_unit_test(test_html_and_links),
		cmocka_unit_test(test_emphasis_and_code),
		cmocka_unit_test(test_line_starts),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
