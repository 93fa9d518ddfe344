/*
 * fmt.c - text pieces of the history commands' tables (fmt.h).
 */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

void fmt_pct(double pct, char *out, size_t n_out)
{
	char num[UNITS_LEN];

	if (!isfinite(pct)) {
		snprintf(out, n_out, "-");
		return;
	}
	units_pct(fabs(pct), num, sizeof(num));
	/* "+0%" and "-0%" read as a change; a zero is unsigned. */
	snprintf(out, n_out, "%s%s%%", strcmp(num, "0") == 0 ? "" : pct < 0 ? "-" : "+",
		 num);
}

void fmt_commit(const char *commit, int dirty, char *out, size_t n_out)
{
	if (!commit || !*commit)
		snprintf(out, n_out, "-");
	else
		snprintf(out, n_out, "%.7s%s", commit, dirty == 1 ? "+" : "");
}

void fmt_date(const char *iso, char *out, size_t n_out)
{
	size_t len = iso ? strlen(iso) : 0;

	if (len < 16) {
		snprintf(out, n_out, "%s", iso ? iso : "");
		return;
	}
	snprintf(out, n_out, "%.10s %.5s", iso, iso + 11);
}

/* Width of s on a terminal: UTF-8 characters, not bytes. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void fmt_table(struct sbuf *out, const char *const *cells, size_t n_rows,
	       size_t n_cols, const char *align)
{
	size_t *width = calloc(n_cols ? n_cols : 1, sizeof(*width));

	if (!width) {
		out->failed = 1;
		return;
	}
	for (size_t r = 0; r < n_rows; r++)
		for (size_t c = 0; c < n_cols; c++) {
			size_t w = text_width(cells[r * n_cols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < n_rows; r++) {
		size_t line_start = out->len, len;

		for (size_t c = 0; c < n_cols; c++) {
			const char *s = cells[r * n_cols + c] ? cells[r * n_cols + c] : "";
			size_t pad = width[c] - text_width(s);
			int right = align && align[c] == 'r';

			if (c)
				sbuf_add(out, "  ");
			for (size_t k = 0; right && k < pad; k++)
				sbuf_addc(out, ' ');
			sbuf_add(out, s);
			for (size_t k = 0; !right && k < pad; k++)
				sbuf_addc(out, ' ');
		}
		/* No trailing blanks: golden files and diffs stay clean. */
		len = out->len;
		while (!out->failed && len > line_start && out->buf[len - 1] == ' ')
			len--;
		sbuf_truncate(out, len);
		sbuf_addc(out, '\n');
	}
	free(width);
}

struct fmt_grid {
	size_t n_cols, n_rows;
	char (*text)[FMT_CELL_LEN];   /* n_rows * n_cols cells, row-major */
	const char **cells;           /* (n_rows + 1) * n_cols, for fmt_table */
};

struct fmt_grid *fmt_grid_new(const char *const *head, size_t n_cols, size_t n_rows)
{
	struct fmt_grid *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->n_cols = n_cols;
	g->n_rows = n_rows;
	g->text = calloc((n_rows ? n_rows : 1) * n_cols, sizeof(*g->text));
	g->cells = calloc((n_rows + 1) * n_cols, sizeof(*g->cells));
	if (!g->text || !g->cells) {
		fmt_grid_free(g);
		return NULL;
	}
	memcpy(g->cells, head, n_cols * sizeof(*g->cells));
	for (size_t i = 0; i < n_rows * n_cols; i++)
		g->cells[n_cols + i] = g->text[i];
	return g;
}

char (*fmt_grid_row(struct fmt_grid *g, size_t i))[FMT_CELL_LEN]
{
	return &g->text[i * g->n_cols];
}

void fmt_grid_emit(const struct fmt_grid *g, struct sbuf *out, const char *align)
{
	fmt_table(out, g->cells, g->n_rows + 1, g->n_cols, align);
}

void fmt_grid_free(struct fmt_grid *g)
{
	if (!g)
		return;
	free(g->text);
	free(g->cells);
	free(g);
}
