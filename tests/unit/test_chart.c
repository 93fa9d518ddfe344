/*
 * test_chart.c - the gnuplot scripts of charts, from given data: bars
 * (clustered, with error bars when every series has them, log scale when
 * the values span more than two decades), lines over a parameter (log x
 * from a factor 16) and over run dates (history), quoting of labels that
 * come from data, refusal of a chart with no value, and the one gnuplot
 * process per batch (here a stand-in that copies the script it is fed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart.h"
#include "err.h"

/* The batch's script, after one chart added by the caller. */
static const char *script(struct chart_batch *b)
{
	return chart_batch_script(b);
}

static void test_bars(void **state)
{
	static const char *const cats[] = { "rows=64", "rows=1024" };
	const double y0[] = { 1.5, 30 }, lo0[] = { 1.25, 28 }, hi0[] = { 1.75, 32.5 };
	const double y1[] = { 2, NAN }, lo1[] = { 1.9, NAN }, hi1[] = { 2.1, NAN };
	struct chart_series ser[2] = {
		{ "cpu", 2, NULL, NULL, y0, lo0, hi0 },
		{ "it's \"mlx\"\nCPU", 2, NULL, NULL, y1, lo1, hi1 },
	};
	struct chart_axes ax = { "benchmark", "median time (ms)", -1, -1 };
	struct chart_batch *b = NULL;
	char err[MC_ERRLEN];
	const char *s;

	(void)state;
	assert_int_equal(chart_batch_new(&b, err, sizeof(err)), 0);
	assert_int_equal(chart_batch_count(b), 0);
	assert_int_equal(chart_add_bars(b, "out/bars-x.svg", &ax, cats, 2, ser, 2, err,
					sizeof(err)), 0);
	assert_int_equal(chart_batch_count(b), 1);
	s = script(b);
	assert_non_null(strstr(s, "reset\nset terminal svg size 640,440 noenhanced"));
	assert_non_null(strstr(s, "set output 'out/bars-x.svg'\n"));
	assert_non_null(strstr(s, "set xlabel 'benchmark'\nset ylabel 'median time (ms)'\n"));
	assert_non_null(strstr(s, "set style histogram errorbars lw 1 gap 1\n"));
	/* 1.25 .. 32.5 spans less than 100x: linear from zero. */
	assert_non_null(strstr(s, "set yrange [0:*]\n"));
	assert_null(strstr(s, "logscale"));
	/* One data row per category: value, low, high per series; NaN missing. */
	assert_non_null(strstr(s, "$mc0 << EOD\n"
			       "\"rows=64\" 1.5 1.25 1.75 2 1.9 2.1\n"
			       "\"rows=1024\" 30 28 32.5 NaN NaN NaN\nEOD\n"));
	/* Titles quoted for gnuplot: '' for a quote, a blank for a line break. */
	assert_non_null(strstr(s, "plot $mc0 using 2:3:4:xtic(1) title 'cpu', "
			       "$mc0 using 5:6:7 title 'it''s \"mlx\" CPU'\n"));
	assert_non_null(strstr(s, "unset output\n"));
	chart_batch_free(b);
}

static void test_bars_plain_and_log(void **state)
{
	static const char *const cats[] = { "a\"b", "c" };
	const double y[] = { 0.5, 500 };
	struct chart_series ser = { "only", 2, NULL, NULL, y, NULL, NULL };
	struct chart_axes ax = { NULL, NULL, -1, -1 };
	struct chart_batch *b = NULL;
	char err[MC_ERRLEN];
	const char *s;

	(void)state;
	assert_int_equal(chart_batch_new(&b, err, sizeof(err)), 0);
	assert_int_equal(chart_add_bars(b, "p.svg", &ax, cats, 2, &ser, 1, err, sizeof(err)), 0);
	s = script(b);
	assert_non_null(strstr(s, "set style histogram clustered gap 1\n"));
	assert_non_null(strstr(s, "set logscale y 10\n"));   /* 0.5 .. 500: 1000x */
	assert_null(strstr(s, "set xlabel"));
	/* A double quote in a datablock label becomes a single one. */
	assert_non_null(strstr(s, "\"a'b\" 0.5\n\"c\" 500\n"));
	assert_non_null(strstr(s, "plot $mc0 using 2:xtic(1) title 'only'\n"));
	/* Forced linear despite the span. */
	ax.logy = 0;
	assert_int_equal(chart_add_bars(b, "q.svg", &ax, cats, 2, &ser, 1, err, sizeof(err)), 0);
	assert_int_equal(chart_batch_count(b), 2);
	s = strstr(script(b), "set output 'q.svg'");
	assert_non_null(s);
	assert_null(strstr(s, "logscale"));
	assert_non_null(strstr(s, "$mc1 << EOD\n"));         /* the second chart's block */
	chart_batch_free(b);
}

static void test_no_value(void **state)
{
	static const char *const cats[] = { "a" };
	const double y[] = { NAN };
	struct chart_series ser = { "s", 1, NULL, NULL, y, NULL, NULL };
	struct chart_axes ax = { NULL, NULL, -1, -1 };
	struct chart_batch *b = NULL;
	char err[MC_ERRLEN];

	(void)state;
	assert_int_equal(chart_batch_new(&b, err, sizeof(err)), 0);
	assert_int_equal(chart_add_bars(b, "n.svg", &ax, cats, 1, &ser, 1, err, sizeof(err)),
			 MC_EINVAL);
	assert_non_null(strstr(err, "n.svg"));
	assert_int_equal(chart_add_bars(b, "n.svg", &ax, cats, 0, &ser, 1, err, sizeof(err)),
			 MC_EINVAL);
	assert_int_equal(chart_add_lines(b, "n.svg", &ax, &ser, 0, err, sizeof(err)), MC_EINVAL);
	assert_int_equal(chart_batch_count(b), 0);
	/* An empty batch draws nothing and starts no program. */
	assert_int_equal(chart_batch_draw(b, "/nonexistent/gnuplot", err, sizeof(err)), 0);
	chart_batch_free(b);
	chart_batch_free(NULL);
}

static void test_scaling_lines(void **state)
{
	const double x[] = { 4, 16, 64 }, y[] = { 10, 20, 45 };
	const double lo[] = { 9, 19, 40 }, hi[] = { 11, 21, 50 };
	const double x2[] = { 4, 64 }, y2[] = { 5, 6 };
	struct chart_series ser[2] = {
		{ "cpu", 3, x, NULL, y, lo, hi },
		{ "torch", 2, x2, NULL, y2, NULL, NULL },
	};
	struct chart_axes ax = { "rank", "GFLOP/s", -1, -1 };
	struct chart_batch *b = NULL;
	char err[MC_ERRLEN];
	const char *s;

	(void)state;
	assert_int_equal(chart_batch_new(&b, err, sizeof(err)), 0);
	assert_int_equal(chart_add_lines(b, "s.svg", &ax, ser, 2, err, sizeof(err)), 0);
	s = script(b);
	assert_non_null(strstr(s, "set terminal svg size 800,440 noenhanced"));
	assert_non_null(strstr(s, "set logscale x 2\n"));     /* 4 .. 64: 16x */
	assert_null(strstr(s, "logscale y"));                 /* 5 .. 50: 10x */
	assert_non_null(strstr(s, "$mc0_0 << EOD\n4 10 9 11\n16 20 19 21\n64 45 40 50\nEOD\n"));
	assert_non_null(strstr(s, "$mc0_1 << EOD\n4 5\n64 6\nEOD\n"));
	assert_non_null(strstr(s, "plot $mc0_0 using 1:2:3:4 with yerrorlines pt 7 ps 0.6 "
			       "title 'cpu', $mc0_1 using 1:2 with linespoints pt 7 ps 0.6 "
			       "title 'torch'\n"));
	chart_batch_free(b);
}

static void test_history_lines(void **state)
{
	static const char *const when[] = { "2026-11-20T10:00:00Z", "2026-11-23T16:22:00.123Z" };
	const double y[] = { 15.2, 14.9 };
	struct chart_series ser = { "cpu", 2, NULL, when, y, NULL, NULL };
	struct chart_axes ax = { "run start (UTC)", "median wall time (ms)", -1, 1 };
	struct chart_batch *b = NULL;
	char err[MC_ERRLEN];
	const char *s;

	(void)state;
	assert_int_equal(chart_batch_new(&b, err, sizeof(err)), 0);
	assert_int_equal(chart_add_lines(b, "h.svg", &ax, &ser, 1, err, sizeof(err)), 0);
	s = script(b);
	assert_non_null(strstr(s, "set xdata time\nset timefmt '%Y-%m-%dT%H:%M:%S'\n"));
	assert_null(strstr(s, "logscale x"));
	assert_non_null(strstr(s, "set logscale y 10\n"));    /* forced */
	/* Dates cut to the seconds that timefmt reads. */
	assert_non_null(strstr(s, "$mc0_0 << EOD\n2026-11-20T10:00:00 15.2\n"
			       "2026-11-23T16:22:00 14.9\nEOD\n"));
	chart_batch_free(b);
}

/* The whole batch goes to one process on its stdin: a stand-in for gnuplot
 * that copies its input receives exactly the script; a failing or missing
 * program is an MC_EIO that says so. */
static void test_draw(void **state)
{
	static const char *const cats[] = { "a" };
	const double y[] = { 1 };
	struct chart_series ser = { "s", 1, NULL, NULL, y, NULL, NULL };
	struct chart_axes ax = { NULL, NULL, -1, -1 };
	struct chart_batch *b = NULL;
	char err[MC_ERRLEN], dir[] = "/tmp/test-chart-XXXXXX", prog[256], path[128], got[4096];
	FILE *f;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/script.gp", dir);
	snprintf(prog, sizeof(prog), "tee '%s' >/dev/null", path);
	assert_int_equal(chart_batch_new(&b, err, sizeof(err)), 0);
	assert_int_equal(chart_add_bars(b, "a.svg", &ax, cats, 1, &ser, 1, err, sizeof(err)), 0);
	assert_int_equal(chart_add_bars(b, "b.svg", &ax, cats, 1, &ser, 1, err, sizeof(err)), 0);
	assert_int_equal(chart_batch_draw(b, prog, err, sizeof(err)), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	assert_string_equal(got, chart_batch_script(b));
	assert_non_null(strstr(got, "set output 'a.svg'"));
	assert_non_null(strstr(got, "set output 'b.svg'"));
	assert_int_equal(chart_batch_draw(b, "false", err, sizeof(err)), MC_EIO);
	assert_non_null(strstr(err, "gnuplot failed"));
	assert_int_equal(chart_batch_draw(b, "/nonexistent/gnuplot", err, sizeof(err)), MC_EIO);
	assert_non_null(strstr(err, "not found"));
	assert_non_null(strstr(err, "--no-charts"));
	chart_batch_free(b);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_bars_plain_and_log),
		cmocka_unit_test(test_no_value),
		cmocka_unit_test(test_scaling_lines),
		cmocka_unit_test(test_history_lines),
		cmocka_unit_test(test_draw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
