/*
 * test_clock.c - unit tests of src/lib/clock.c: the clock is monotonic, its
 * measured resolution and overhead are plausible, and the UTC timestamp has
 * the exact "YYYY-MM-DDTHH:MM:SSZ" shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "clock.h"

static void test_monotonic(void **state)
{
	uint64_t prev = clock_now_ns();

	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint64_t now = clock_now_ns();

		assert_true(now >= prev);
		prev = now;
	}
	assert_true(prev > 0);
}

static void test_name(void **state)
{
	const char *name = clock_name();

	(void)state;
	assert_non_null(name);
	assert_true(strcmp(name, "CLOCK_MONOTONIC_RAW") == 0 ||
		    strcmp(name, "CLOCK_MONOTONIC") == 0);
}

static void test_resolution(void **state)
{
	double claimed = -1.0, res = clock_resolution_ns(&claimed);

	(void)state;
	print_message("resolution %.0f ns (claimed %.0f ns) on %s\n", res, claimed,
		      clock_name());
	assert_true(res > 0.0);
	assert_true(res < 1e6);
	assert_true(claimed >= 0.0);
	assert_true(clock_resolution_ns(NULL) > 0.0);
}

static void test_overhead(void **state)
{
	double ns = clock_overhead_ns();

	(void)state;
	print_message("overhead %.1f ns per call\n", ns);
	assert_true(ns > 0.0);
	assert_true(ns < 10000.0);
}

static void test_iso8601(void **state)
{
	/* '9' stands for a digit; everything else must match literally. */
	static const char shape[] = "9999-99-99T99:99:99Z";
	char buf[32], tiny[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	clock_utc_iso8601(buf, sizeof(buf));
	assert_int_equal(strlen(buf), strlen(shape));
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == '9')
			assert_true(isdigit((unsigned char)buf[i]));
		else
			assert_int_equal(buf[i], shape[i]);
	}
	assert_true(strncmp(buf, "2024", 4) >= 0);	/* a plausible year */
	assert_true(memcmp(buf + 5, "13", 2) < 0);	/* month <= 12 */

	/* exactly the documented minimum fits */
	clock_utc_iso8601(buf, 21);
	assert_int_equal(strlen(buf), 20);
	/* a short buffer is truncated, never overrun */
	memset(tiny, 'x', sizeof(tiny));
	clock_utc_iso8601(tiny, 5);
	assert_int_equal(strlen(tiny), 4);
	assert_int_equal(tiny[5], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_resolution),
		cmocka_unit_test(test_overhead),
		cmocka_unit_test(test_iso8601),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
