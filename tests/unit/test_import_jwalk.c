/*
 * test_import_jwalk.c - unit tests of src/lib/jwalk.c, the JSON walker of
 * the importers: the tolerant parse of Google Benchmark's and Python's bare
 * NaN/Infinity (numbers only where strict JSON would have a value, never
 * inside strings, positions of parse errors unchanged, no way for a file to
 * fake one), and the typed getters' messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "err.h"
#include "jwalk.h"

static cJSON *parse(const char *text, int tolerant, char *err, size_t n_err, int *rc)
{
	cJSON *root = NULL;

	*rc = (tolerant ? jwalk_parse_tolerant : jwalk_parse)("x.json", text, strlen(text),
							      &root, err, n_err);
	return root;
}

static void test_tolerant_numbers(void **state)
{
	const char *text = "{\"a\": NaN, \"b\": Infinity, \"c\": -Infinity,\n"
			   " \"s\": \"NaN Infinity\", \"d\": [NaN, 1]}";
	char err[MC_ERRLEN] = "";
	struct jwalk w;
	double x = 0;
	const char *s = NULL;
	int rc;
	cJSON *root = parse(text, 1, err, sizeof(err), &rc);

	(void)state;
	assert_int_equal(rc, 0);
	jwalk_init(&w, "x.json", err, sizeof(err));
	w.tolerant = 1;
	assert_int_equal(jwalk_get(&w, root, "a", JW_ANYNUM, 0, &(const cJSON *){ NULL }), 0);
	assert_true(jwalk_number(&w, cJSON_GetObjectItem(root, "a"), &x) && isnan(x));
	assert_true(jwalk_number(&w, cJSON_GetObjectItem(root, "b"), &x) && x == INFINITY);
	assert_true(jwalk_number(&w, cJSON_GetObjectItem(root, "c"), &x) && x == -INFINITY);
	/* Inside a string they are text. */
	assert_int_equal(jwalk_str(&w, root, "s", 0, &s), 0);
	assert_string_equal(s, "NaN Infinity");
	/* A finite number is wanted: NaN is refused with the path. */
	assert_int_equal(jwalk_num(&w, root, "a", 0, &x), MC_EINVAL);
	assert_string_equal(err, "x.json: $.a: expected a number");
	/* And a NaN is not a string either. */
	assert_int_equal(jwalk_str(&w, root, "a", 0, &s), MC_EINVAL);
	/* A walker that is not tolerant sees none of them as numbers. */
	w.tolerant = 0;
	assert_false(jwalk_number(&w, cJSON_GetObjectItem(root, "a"), &x));
	cJSON_Delete(root);
	/* The strict parse refuses them. */
	root = parse(text, 0, err, sizeof(err), &rc);
	assert_null(root);
	assert_int_equal(rc, MC_EINVAL);
	assert_string_equal(err, "x.json:1:7: invalid JSON");
}

static void test_tolerant_positions(void **state)
{
	char err[MC_ERRLEN] = "";
	int rc;

	(void)state;
	/* The error after a rewritten NaN is where it was in the file. */
	assert_null(parse("{\"a\": [NaN,\n  Infinity,\n  x]}", 1, err, sizeof(err), &rc));
	assert_string_equal(err, "x.json:3:3: invalid JSON");
	/* NaNx is no token; a raw control byte in a string cannot fake one. */
	assert_null(parse("[NaNx]", 1, err, sizeof(err), &rc));
	assert_null(parse("[\"\001\"]", 1, err, sizeof(err), &rc));
	assert_string_equal(err, "x.json:1:3: control character in a JSON string");
	/* Truncated. */
	assert_null(parse("{\"a\": NaN", 1, err, sizeof(err), &rc));
	assert_int_equal(rc, MC_EINVAL);
	assert_non_null(strstr(err, "x.json:1:"));
}

static void test_getters(void **state)
{
	char err[MC_ERRLEN] = "";
	struct jwalk w;
	int64_t n = 0;
	const char *s;
	static const char *const allowed[] = { "a", "b", NULL };
	int rc;
	cJSON *root = parse("{\"o\": {\"n\": 1.5, \"m\": -2, \"e\": \"c\"}}", 0, err,
			    sizeof(err), &rc);
	const cJSON *o;
	size_t mark;

	(void)state;
	jwalk_init(&w, "x.json", err, sizeof(err));
	assert_int_equal(jwalk_get(&w, root, "o", JW_OBJ, 0, &o), 0);
	mark = jwalk_push(&w, "o", 0);
	assert_int_equal(jwalk_int(&w, o, "n", 0, 0, &n), MC_EINVAL);
	assert_string_equal(err, "x.json: $.o.n: expected an integer");
	assert_int_equal(jwalk_int(&w, o, "m", 0, 0, &n), MC_EINVAL);
	assert_string_equal(err, "x.json: $.o.m: expected an integer >= 0");
	assert_int_equal(jwalk_str(&w, o, "zz", 0, &s), MC_EINVAL);
	assert_string_equal(err, "x.json: $.o.zz: missing");
	assert_int_equal(jwalk_enum(&w, o, "e", allowed, &s), MC_EINVAL);
	assert_string_equal(err, "x.json: $.o.e: expected one of \"a\", \"b\"");
	jwalk_pop(&w, mark);
	assert_string_equal(w.path, "$");
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tolerant_numbers),
		cmocka_unit_test(test_tolerant_positions),
		cmocka_unit_test(test_getters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
