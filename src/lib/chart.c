/*
 * chart.c - gnuplot scripts for bar and line charts, run in one gnuplot
 * process per batch (see chart.h).
 */
#include "chart.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "sbuf.h"

struct chart_batch {
	struct sbuf script;
	size_t n_charts;
};

int chart_batch_new(struct chart_batch **out, char *err, size_t n_err)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return err_set(err, n_err, MC_ENOMEM, "out of memory for charts.");
	return 0;
}

void chart_batch_free(struct chart_batch *b)
{
	if (!b)
		return;
	sbuf_release(&b->script);
	free(b);
}

size_t chart_batch_count(const struct chart_batch *b)
{
	return b->n_charts;
}

const char *chart_batch_script(const struct chart_batch *b)
{
	return sbuf_str(&b->script);
}

/* A gnuplot single-quoted string: no escapes but '' for a quote; line
 * breaks would end the command, so they become blanks. */
static void chart_quote(struct sbuf *s, const char *text)
{
	sbuf_addc(s, '\'');
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '\'')
			sbuf_add(s, "''");
		else if (*p == '\n' || *p == '\r')
			sbuf_addc(s, ' ');
		else
			sbuf_addc(s, *p);
	}
	sbuf_addc(s, '\'');
}

/* A label inside a datablock: double-quoted, where gnuplot knows no
 * escapes, so double quotes become single ones. */
static void chart_data_label(struct sbuf *s, const char *text)
{
	sbuf_addc(s, '"');
	for (const char *p = text ? text : ""; *p; p++)
		sbuf_addc(s, *p == '"' ? '\'' : (*p == '\n' || *p == '\r') ? ' ' : *p);
	sbuf_addc(s, '"');
}

static void chart_num(struct sbuf *s, double v)
{
	if (isfinite(v))
		sbuf_addf(s, " %.6g", v);
	else
		sbuf_add(s, " NaN");
}

/* Whether positive values span more than a factor span (and none is <= 0). */
static int chart_wants_log(const struct chart_series *series, size_t n_series, int use_x,
			   double span)
{
	double lo = INFINITY, hi = 0;

	for (size_t i = 0; i < n_series; i++) {
		const double *v = use_x ? series[i].x : series[i].y;

		if (!v)
			return 0;
		for (size_t k = 0; k < series[i].n; k++) {
			if (!isfinite(v[k]))
				continue;
			if (v[k] <= 0)
				return 0;
			lo = v[k] < lo ? v[k] : lo;
			hi = v[k] > hi ? v[k] : hi;
		}
	}
	return hi > 0 && hi / lo > span;
}

static int chart_has_value(const struct chart_series *series, size_t n_series)
{
	for (size_t i = 0; i < n_series; i++)
		for (size_t k = 0; k < series[i].n; k++)
			if (isfinite(series[i].y[k]))
				return 1;
	return 0;
}

/* The key sits above the plot, a line per series when labels are long:
 * the chart grows with the number of series so the plot keeps its size. */
static void chart_head(struct sbuf *s, const char *path, int width, size_t n_series,
		       const struct chart_axes *ax)
{
	int height = 440 + (n_series > 3 ? 22 * (int)(n_series - 3) : 0);

	sbuf_add(s, "reset\n");
	sbuf_addf(s, "set terminal svg size %d,%d noenhanced font 'sans,11' "
		  "background '#ffffff'\n", width, height);
	sbuf_add(s, "set output ");
	chart_quote(s, path);
	sbuf_add(s, "\nset grid ytics\nset key outside top center horizontal\n");
	if (ax->xlabel) {
		sbuf_add(s, "set xlabel ");
		chart_quote(s, ax->xlabel);
		sbuf_addc(s, '\n');
	}
	if (ax->ylabel) {
		sbuf_add(s, "set ylabel ");
		chart_quote(s, ax->ylabel);
		sbuf_addc(s, '\n');
	}
}

static int chart_finish(struct chart_batch *b, char *err, size_t n_err)
{
	sbuf_add(&b->script, "unset output\n");
	if (sbuf_failed(&b->script))
		return err_set(err, n_err, MC_ENOMEM, "out of memory for charts.");
	b->n_charts++;
	return 0;
}

int chart_add_bars(struct chart_batch *b, const char *path, const struct chart_axes *ax,
		   const char *const *cats, size_t n_cats,
		   const struct chart_series *series, size_t n_series,
		   char *err, size_t n_err)
{
	struct sbuf *s = &b->script;
	int errbars = n_series > 0, logy, width;
	size_t id = b->n_charts;

	if (!n_cats || !n_series || !chart_has_value(series, n_series))
		return err_set(err, n_err, MC_EINVAL, "chart %s has no value to draw.", path);
	for (size_t i = 0; i < n_series; i++)
		errbars = errbars && series[i].lo && series[i].hi;
	logy = ax->logy < 0 ? chart_wants_log(series, n_series, 0, 100) : ax->logy;
	width = 160 + (int)(n_cats * (16 + 14 * n_series));
	width = width < 640 ? 640 : width > 1800 ? 1800 : width;
	chart_head(s, path, width, n_series, ax);
	sbuf_addf(s, "set style data histograms\nset style histogram %s gap 1\n",
		  errbars ? "errorbars lw 1" : "clustered");
	sbuf_add(s, "set style fill solid 0.85 border -1\n"
		 "set xtics rotate by 30 right scale 0 nomirror\nset bmargin 10\n");
	sbuf_add(s, logy ? "set logscale y 10\n" : "set yrange [0:*]\n");
	sbuf_addf(s, "$mc%zu << EOD\n", id);
	for (size_t k = 0; k < n_cats; k++) {
		chart_data_label(s, cats[k]);
		for (size_t i = 0; i < n_series; i++) {
			chart_num(s, series[i].y[k]);
			if (errbars) {
				chart_num(s, series[i].lo[k]);
				chart_num(s, series[i].hi[k]);
			}
		}
		sbuf_addc(s, '\n');
	}
	sbuf_add(s, "EOD\nplot ");
	for (size_t i = 0; i < n_series; i++) {
		size_t col = 2 + i * (errbars ? 3 : 1);

		if (errbars)
			sbuf_addf(s, "%s$mc%zu using %zu:%zu:%zu%s title ", i ? ", " : "", id,
				  col, col + 1, col + 2, i ? "" : ":xtic(1)");
		else
			sbuf_addf(s, "%s$mc%zu using %zu%s title ", i ? ", " : "", id, col,
				  i ? "" : ":xtic(1)");
		chart_quote(s, series[i].label);
	}
	sbuf_addc(s, '\n');
	return chart_finish(b, err, n_err);
}

int chart_add_lines(struct chart_batch *b, const char *path, const struct chart_axes *ax,
		    const struct chart_series *series, size_t n_series,
		    char *err, size_t n_err)
{
	struct sbuf *s = &b->script;
	size_t id = b->n_charts;
	int time_x = n_series > 0 && series[0].xtime != NULL, logx, logy;

	if (!n_series || !chart_has_value(series, n_series))
		return err_set(err, n_err, MC_EINVAL, "chart %s has no value to draw.", path);
	/* Parameters (sizes, ranks) grow geometrically: log x from a factor 16. */
	logx = time_x ? 0 : ax->logx < 0 ? chart_wants_log(series, n_series, 1, 15.9) : ax->logx;
	logy = ax->logy < 0 ? chart_wants_log(series, n_series, 0, 100) : ax->logy;
	chart_head(s, path, 800, n_series, ax);
	if (time_x)
		sbuf_add(s, "set xdata time\nset timefmt '%Y-%m-%dT%H:%M:%S'\n"
			 "set format x '%Y-%m-%d %H:%M'\nset xtics rotate by 30 right\nset bmargin 8\n");
	if (logx)
		sbuf_add(s, "set logscale x 2\n");
	if (logy)
		sbuf_add(s, "set logscale y 10\n");
	for (size_t i = 0; i < n_series; i++) {
		sbuf_addf(s, "$mc%zu_%zu << EOD\n", id, i);
		for (size_t k = 0; k < series[i].n; k++) {
			if (time_x)
				sbuf_addf(s, "%.19s", series[i].xtime[k]);
			else
				sbuf_addf(s, "%.6g", series[i].x[k]);
			chart_num(s, series[i].y[k]);
			if (series[i].lo && series[i].hi) {
				chart_num(s, series[i].lo[k]);
				chart_num(s, series[i].hi[k]);
			}
			sbuf_addc(s, '\n');
		}
		sbuf_add(s, "EOD\n");
	}
	sbuf_add(s, "plot ");
	for (size_t i = 0; i < n_series; i++) {
		if (series[i].lo && series[i].hi)
			sbuf_addf(s, "%s$mc%zu_%zu using 1:2:3:4 with yerrorlines pt 7 ps 0.6 title ",
				  i ? ", " : "", id, i);
		else
			sbuf_addf(s, "%s$mc%zu_%zu using 1:2 with linespoints pt 7 ps 0.6 title ",
				  i ? ", " : "", id, i);
		chart_quote(s, series[i].label);
	}
	sbuf_addc(s, '\n');
	return chart_finish(b, err, n_err);
}

/* First line of the file at path, for an error message. */
static void chart_first_line(const char *path, char *out, size_t n_out)
{
	FILE *f = fopen(path, "r");

	out[0] = '\0';
	if (!f)
		return;
	while (fgets(out, (int)n_out, f)) {
		out[strcspn(out, "\n")] = '\0';
		if (out[0] && strncmp(out, "Warning", 7) != 0)
			break;
		out[0] = '\0';
	}
	fclose(f);
}

int chart_batch_draw(struct chart_batch *b, const char *program, char *err, size_t n_err)
{
	char errpath[] = "/tmp/mcreport-gnuplot-XXXXXX", line[256];
	struct sbuf cmd = SBUF_INIT;
	void (*old_pipe)(int);
	FILE *p = NULL;
	int fd, status, rc = 0;
	size_t len = b->script.len;

	if (!b->n_charts)
		return 0;
	if (sbuf_failed(&b->script))
		return err_set(err, n_err, MC_ENOMEM, "out of memory for charts.");
	if (!program)
		program = getenv("MCREPORT_GNUPLOT");
	if (!program || !*program)
		program = "gnuplot";
	fd = mkstemp(errpath);
	if (fd < 0)
		return err_set(err, n_err, MC_EIO, "cannot create a temporary file for gnuplot: %s.",
			       strerror(errno));
	close(fd);
	sbuf_addf(&cmd, "exec %s 2>'%s'", program, errpath);
	if (sbuf_failed(&cmd)) {
		rc = err_set(err, n_err, MC_ENOMEM, "out of memory for charts.");
		goto out;
	}
	/* A gnuplot that dies early must not kill us with SIGPIPE. */
	old_pipe = signal(SIGPIPE, SIG_IGN);
	fflush(NULL);
	p = popen(sbuf_str(&cmd), "w");
	if (!p) {
		signal(SIGPIPE, old_pipe);
		rc = err_set(err, n_err, MC_EIO, "cannot start gnuplot (%s): %s.", program,
			     strerror(errno));
		goto out;
	}
	if (fwrite(b->script.buf, 1, len, p) != len || fflush(p) != 0)
		rc = MC_EIO;
	status = pclose(p);
	signal(SIGPIPE, old_pipe);
	if (rc || status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		chart_first_line(errpath, line, sizeof(line));
		if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
			rc = err_set(err, n_err, MC_EIO,
				     "cannot run gnuplot ('%s' not found); install gnuplot or render with --no-charts.",
				     program);
		else
			rc = err_set(err, n_err, MC_EIO, "gnuplot failed while drawing charts%s%s.",
				     line[0] ? ": " : "", line);
	}
out:
	unlink(errpath);
	sbuf_release(&cmd);
	return rc;
}
