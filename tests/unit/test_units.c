/*
 * test_units.c - numbers in reports: significant digits without exponents,
 * time units chosen after rounding, speed factors and percentages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "units.h"

static void test_sig(void **state)
{
	char b[UNITS_LEN];

	(void)state;
	units_sig(1234.56, 3, b, sizeof(b));
	assert_string_equal(b, "1235");
	units_sig(0.012345, 3, b, sizeof(b));
	assert_string_equal(b, "0.0123");
	units_sig(9.996, 3, b, sizeof(b));
	assert_string_equal(b, "10.0");
	units_sig(0, 3, b, sizeof(b));
	assert_string_equal(b, "0");
	units_sig(NAN, 3, b, sizeof(b));
	assert_string_equal(b, "nan");
	units_sig(-2.5, 2, b, sizeof(b));
	assert_string_equal(b, "-2.5");
}

static void test_time(void **state)
{
	char b[UNITS_LEN];

	(void)state;
	units_time(123, b, sizeof(b));
	assert_string_equal(b, "123 ns");
	units_time(999.6, b, sizeof(b));     /* rounds to 1000 ns: next unit */
	assert_string_equal(b, "1.00 \xc2\xb5s");
	units_time(1234567, b, sizeof(b));
	assert_string_equal(b, "1.23 ms");
	units_time(2.5e9, b, sizeof(b));
	assert_string_equal(b, "2.50 s");
	units_time(0.5, b, sizeof(b));
	assert_string_equal(b, "0.500 ns");
	units_time_as(1180000, 1234567, b, sizeof(b));
	assert_string_equal(b, "1.18");
}

static void test_factor_pct(void **state)
{
	char b[UNITS_LEN];

	(void)state;
	units_factor(0.104, b, sizeof(b));
	assert_string_equal(b, "0.10");
	units_factor(9.62, b, sizeof(b));
	assert_string_equal(b, "9.6");
	units_factor(1.04, b, sizeof(b));
	assert_string_equal(b, "1.04");
	units_factor(123.4, b, sizeof(b));
	assert_string_equal(b, "123");
	units_pct(62.4, b, sizeof(b));
	assert_string_equal(b, "62");
	units_pct(7.46, b, sizeof(b));
	assert_string_equal(b, "7.5");
	units_pct(0.523, b, sizeof(b));
	assert_string_equal(b, "0.52");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_factor_pct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
