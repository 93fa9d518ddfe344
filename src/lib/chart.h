/*
 * chart.h - SVG charts drawn by gnuplot.
 *
 * A batch collects every chart of a render; chart_batch_draw() then starts
 * gnuplot once and feeds it a single script (data inline as datablocks)
 * that writes all the SVG files. The script depends only on the data, so
 * the same data gives byte-identical SVG (no dates, no titles with times).
 * Labels are passed in noenhanced mode: no text from data is interpreted.
 */
#ifndef MC_CHART_H
#define MC_CHART_H
#include <stddef.h>

struct chart_batch;

/* One series: n points. x is used by line charts (NULL in bar charts);
 * xtime (ISO 8601 strings) replaces x for time axes. y NaN = missing.
 * lo/hi (optional, both or neither) draw error bars. */
struct chart_series {
	const char *label;
	size_t n;
	const double *x;
	const char *const *xtime;
	const double *y, *lo, *hi;
};

struct chart_axes {
	const char *xlabel, *ylabel;
	int logx;   /* -1 automatic (positive values spanning more than a factor 16), 0 no, 1 yes */
	int logy;   /* -1 automatic (positive values spanning more than 2 decades), 0 no, 1 yes */
};

/* Creates an empty batch. Free with chart_batch_free. Errors: MC_ENOMEM. */
int chart_batch_new(struct chart_batch **out, char *err, size_t n_err);
void chart_batch_free(struct chart_batch *b);   /* accepts NULL */

/* Number of charts added so far. */
size_t chart_batch_count(const struct chart_batch *b);

/* Adds a chart of clustered bars: one cluster per category, one bar per
 * series (series[i].y has n_cats values), written to path. The strings are
 * copied. Errors: MC_EINVAL (no data), MC_ENOMEM. */
int chart_add_bars(struct chart_batch *b, const char *path, const struct chart_axes *ax,
		   const char *const *cats, size_t n_cats,
		   const struct chart_series *series, size_t n_series,
		   char *err, size_t n_err);

/* Adds a chart of lines with points, one per series, written to path. */
int chart_add_lines(struct chart_batch *b, const char *path, const struct chart_axes *ax,
		    const struct chart_series *series, size_t n_series,
		    char *err, size_t n_err);

/* The whole gnuplot script of the batch (owned by b). */
const char *chart_batch_script(const struct chart_batch *b);

/* Runs `program` (NULL: $MCREPORT_GNUPLOT, else "gnuplot") once on the
 * script. Does nothing for an empty batch. Errors: MC_EIO when gnuplot
 * cannot be started or fails, with the first line it printed. */
int chart_batch_draw(struct chart_batch *b, const char *program, char *err, size_t n_err);

#endif
