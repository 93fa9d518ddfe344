/*
 * test_busy.c - unit tests of src/lib/busy.c: the busy time of an in-order
 * queue is the union of its commands' intervals: gaps left out, overlaps
 * counted once, a command inside counted time adds nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "busy.h"

/* Commands apart: each adds its own length, the gaps between them none. */
static void test_gaps(void **state)
{
	struct busy b;

	(void)state;
	busy_init(&b);
	assert_int_equal(busy_add(&b, 1000, 1010), 10);
	assert_int_equal(busy_add(&b, 1050, 1070), 20);
	assert_int_equal(busy_add(&b, 2000, 2001), 1);
}

/* A command stamped as started while the one before still ran adds only
 * what lies past that one's end: three 10 ns kernels whose starts were
 * stamped 5 ns early are 30 ns busy, where a sum says 40. */
static void test_overlap(void **state)
{
	struct busy b;
	uint64_t total = 0, sum = 0;

	(void)state;
	busy_init(&b);
	for (uint64_t k = 0; k < 3; k++) {
		uint64_t start = 100 + 10 * k - (k ? 5 : 0), end = 110 + 10 * k;

		total += busy_add(&b, start, end);
		sum += end - start;
	}
	assert_int_equal(total, 30);
	assert_int_equal(sum, 40);
}

/* A command inside time already counted, or one whose stamps are reversed,
 * adds nothing and does not pull the timeline back. */
static void test_inside_and_reversed(void **state)
{
	struct busy b;

	(void)state;
	busy_init(&b);
	assert_int_equal(busy_add(&b, 0, 100), 100);
	assert_int_equal(busy_add(&b, 20, 80), 0);
	assert_int_equal(busy_add(&b, 90, 60), 0);
	assert_int_equal(busy_add(&b, 100, 130), 30);
	assert_int_equal(b.last_end, 130);
}

/* The first command counts whole, even from the clock's zero. */
static void test_first_from_zero(void **state)
{
	struct busy b;

	(void)state;
	busy_init(&b);
	assert_int_equal(busy_add(&b, 0, 7), 7);
	busy_init(&b);
	assert_int_equal(busy_add(&b, 5, 5), 0);
	assert_int_equal(busy_add(&b, 5, 9), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_inside_and_reversed),
		cmocka_unit_test(test_first_from_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
