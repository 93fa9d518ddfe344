/*
 * test_jpath.c - unit tests of src/lib/jpath.c, the shared ground of the
 * suite loader and the run importer: JSON paths for messages (plain keys,
 * quoted keys, indices, the cut of a long path), the error sentences, and
 * reading a file with a size limit.
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
#include "jpath.h"

static void test_paths(void **state)
{
	char p[JPATH_LEN], q[JPATH_LEN], long_key[400];

	(void)state;
	jpath_key(p, "$", "benchmarks");
	jpath_index(q, p, 1);
	jpath_key(p, q, "grid");
	assert_string_equal(p, "$.benchmarks[1].grid");
	/* not an identifier: quoted, with the quote and the newline escaped */
	jpath_key(p, "$", "a \"b\"\n");
	assert_string_equal(p, "$[\"a \\\"b\\\"\\x0a\"]");
	jpath_key(p, "$", "9lives");
	assert_string_equal(p, "$[\"9lives\"]");
	jpath_key(p, "$", "");
	assert_string_equal(p, "$[\"\"]");
	/* too long: cut, ending in "..." */
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	jpath_key(p, "$", long_key);        /* the key itself is cut to fit */
	assert_true(strlen(p) < JPATH_LEN - 1);
	jpath_key(q, p, "more");
	assert_int_equal(strlen(q), JPATH_LEN - 1);
	assert_string_equal(q + JPATH_LEN - 4, "...");
	assert_memory_equal(q, "$.kkk", 5);
}

static void test_messages(void **state)
{
	char err[MC_ERRLEN], out[8];
	const char text[] = "{\n  \"a\": 1,\n  x\n}";

	(void)state;
	assert_int_equal(jpath_fail(err, sizeof(err), MC_EINVAL, "s.json", "$.a",
				    "expected %s", "a string"), MC_EINVAL);
	assert_string_equal(err, "s.json: $.a: expected a string");
	assert_int_equal(jpath_fail(err, sizeof(err), MC_EIO, "s.json", NULL, "gone"),
			 MC_EIO);
	assert_string_equal(err, "s.json: gone");
	/* offset 14 is the x: line 3, column 3 */
	assert_int_equal(jpath_parse_error(err, sizeof(err), "s.json", text,
					   strlen(text), 14, "parse error"), MC_EINVAL);
	assert_string_equal(err, "s.json:3:3: parse error");
	/* an offset past the end counts as the end */
	jpath_parse_error(err, sizeof(err), "s.json", text, strlen(text), 1000, "bad");
	assert_string_equal(err, "s.json:4:2: bad");
	/* printable text is cut to fit the buffer, never split mid-escape */
	assert_string_equal(jpath_printable("abcdefgh", out, sizeof(out)), "abc");
	assert_string_equal(jpath_printable("a\tb", out, sizeof(out)), "a\\x09");
}

static void test_read_file(void **state)
{
	char dir[] = "/tmp/mcbench-jpath-XXXXXX", path[64], err[MC_ERRLEN];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.json", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	/* 100000 bytes with a NUL inside: read whole, the length says so */
	for (int i = 0; i < 100000; i++)
		fputc(i == 5 ? '\0' : 'x', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(jpath_read_file(path, 0, &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 100000);
	assert_int_equal(buf[5], '\0');
	assert_int_equal(buf[len], '\0');
	free(buf);
	assert_int_equal(jpath_read_file(path, 65536, &buf, &len, err, sizeof(err)),
			 MC_EINVAL);
	assert_null(buf);
	assert_non_null(strstr(err, "larger than 65536 bytes"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(jpath_read_file(path, 0, &buf, &len, err, sizeof(err)), MC_EIO);
	assert_null(buf);
	assert_non_null(strstr(err, "a.json: cannot open: "));
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
