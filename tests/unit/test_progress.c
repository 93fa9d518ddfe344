/*
 * test_progress.c - unit tests of the progress lines (progress.c) as a log
 * gets them (not a terminal): the ETA from the steps so far, and under a
 * run's time budget never past its end, saying so when the budget bounds
 * it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "progress.h"

/* The lines written to f so far, into buf. */
static void read_back(FILE *f, char *buf, size_t n)
{
	size_t got;

	rewind(f);
	got = fread(buf, 1, n - 1, f);
	buf[got] = 0;
}

static void test_eta_bounded_by_the_budget(void **state)
{
	char buf[4096];
	FILE *f = tmpfile();
	struct progress *p;

	(void)state;
	assert_non_null(f);
	/* No budget: 1000 steps at 20 ms a step are about 20 s more. */
	p = progress_new(f, 1000);
	progress_step(p, "s/one be");
	usleep(20000);
	progress_step(p, "s/two be");
	progress_done(p);
	read_back(f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "[1/1000] s/one be (0s elapsed, ETA ?)\n"));
	assert_non_null(strstr(buf, "[2/1000] s/two be (0s elapsed, ETA "));
	assert_null(strstr(buf, "budget"));
	/* A budget ending in 5 s bounds the same estimate (about 20 s), and
	 * says so; one ending in an hour does not. */
	for (int far = 0; far < 2; far++) {
		assert_int_equal(ftruncate(fileno(f), 0), 0);
		rewind(f);
		p = progress_new(f, 1000);
		progress_set_end(p, clock_now_ns() + (far ? 3600 : 5) * 1000000000ull);
		progress_step(p, "s/one be");
		usleep(20000);
		progress_step(p, "s/two be");
		progress_done(p);
		read_back(f, buf, sizeof(buf));
		if (far) {
			assert_null(strstr(buf, "budget"));
		} else {
			assert_non_null(strstr(buf, "[2/1000] s/two be (0s elapsed, ETA "));
			assert_non_null(strstr(buf, "s (the budget's end))\n"));
			assert_true(strstr(buf, "ETA 5s (") || strstr(buf, "ETA 4s ("));
		}
	}
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eta_bounded_by_the_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
