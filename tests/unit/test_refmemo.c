/*
 * test_refmemo.c - the reference memo (src/lib/refmemo.h): keys compared
 * whole, a value found only at its length, a key stored twice holds the
 * newer value, and the oldest entries go first once the memo is full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "refmemo.h"

static void test_find_put(void **state)
{
	const float a[3] = { 1, 2, 3 }, b[3] = { 4, 5, 6 };
	const char k1[] = "sentence one", k2[] = "sentence onf";
	const float *got;

	(void)state;
	refmemo_clear();
	assert_null(refmemo_find(k1, sizeof(k1), 3));
	assert_int_equal(refmemo_put(k1, sizeof(k1), a, 3), 0);
	got = refmemo_find(k1, sizeof(k1), 3);
	assert_non_null(got);
	assert_memory_equal(got, a, sizeof(a));
	assert_null(refmemo_find(k2, sizeof(k2), 3));        /* one byte apart */
	assert_null(refmemo_find(k1, sizeof(k1) - 1, 3));    /* a prefix */
	assert_null(refmemo_find(k1, sizeof(k1), 2));        /* another length */
	assert_int_equal(refmemo_put(k1, sizeof(k1), b, 3), 0);
	assert_int_equal(refmemo_entries(), 1);
	assert_memory_equal(refmemo_find(k1, sizeof(k1), 3), b, sizeof(b));
	refmemo_clear();
	assert_int_equal(refmemo_entries(), 0);
	assert_null(refmemo_find(k1, sizeof(k1), 3));
}

/* Values of a quarter of the cap: the fifth put drops the first. */
static void test_evict(void **state)
{
	size_t n = REFMEMO_MAX_BYTES / 4 / sizeof(float) - 8;
	float *v = calloc(n, sizeof(float));
	int k;

	(void)state;
	assert_non_null(v);
	refmemo_clear();
	for (k = 0; k < 5; k++) {
		v[0] = (float)k;
		assert_int_equal(refmemo_put(&k, sizeof(k), v, n), 0);
	}
	assert_int_equal(refmemo_entries(), 4);
	k = 0;
	assert_null(refmemo_find(&k, sizeof(k), n));
	for (k = 1; k < 5; k++) {
		const float *got = refmemo_find(&k, sizeof(k), n);

		assert_non_null(got);
		assert_true(got[0] == (float)k);
	}
	/* one value over the cap is never held, and drops nothing */
	assert_int_equal(refmemo_put("x", 1, v, REFMEMO_MAX_BYTES / sizeof(float) + 1), 0);
	assert_int_equal(refmemo_entries(), 4);
	refmemo_clear();
	free(v);
}

static void test_digest(void **state)
{
	uint8_t d1[16], d2[16];
	float x[64] = { 0 };

	(void)state;
	refmemo_digest(x, sizeof(x), d1);
	x[63] = 1e-30f;
	refmemo_digest(x, sizeof(x), d2);
	assert_memory_not_equal(d1, d2, 16);
	x[63] = 0;
	refmemo_digest(x, sizeof(x), d2);
	assert_memory_equal(d1, d2, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_put),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
