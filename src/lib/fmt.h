/*
 * fmt.h - the small text pieces of the history, compare and regressions
 * output (and of the {{regressions}} directive): signed percentages, short
 * commits, dates, and plain-text tables aligned in UTF-8 characters.
 *
 * The fmt_* functions write at most n_out bytes (NUL included) into a
 * caller-owned buffer; fmt_table appends to a caller-owned sbuf. Nothing
 * here allocates beyond fmt_table's scratch, freed before return, and the
 * fmt_grid that fills a table's cells.
 */
#ifndef MC_FMT_H
#define MC_FMT_H
#include <stddef.h>

#include "sbuf.h"

/* Signed percentage for tables: "+5.7%", "-12%", "0%"; "-" for NaN. */
void fmt_pct(double pct, char *out, size_t n_out);

/* A commit for tables: the first 7 characters, "+" appended when dirty
 * (dirty == 1), "-" when commit is NULL or empty. */
void fmt_commit(const char *commit, int dirty, char *out, size_t n_out);

/* "YYYY-MM-DD HH:MM" from a stored ISO 8601 time (copied as is when shorter). */
void fmt_date(const char *iso, char *out, size_t n_out);

/* Appends a plain-text table to out: cells is n_rows * n_cols strings (row
 * 0 the header; NULL reads as ""), each column padded to its widest cell in
 * UTF-8 characters, two spaces between columns, no trailing blanks. align
 * has n_cols characters, 'l' or 'r'. Out of memory marks out failed. */
void fmt_table(struct sbuf *out, const char *const *cells, size_t n_rows,
	       size_t n_cols, const char *align);

/* A table being filled for fmt_table(): a header row and n_rows rows of
 * n_cols cells, each a FMT_CELL_LEN-byte buffer that starts empty. */
#define FMT_CELL_LEN 256
struct fmt_grid;

/* A grid with head[0..n_cols) as its header (the strings are not copied:
 * they must outlive the grid). NULL when out of memory. Free with
 * fmt_grid_free(). */
struct fmt_grid *fmt_grid_new(const char *const *head, size_t n_cols, size_t n_rows);

/* Row i (0 = the first below the header) as an array of n_cols cells,
 * owned by g. */
char (*fmt_grid_row(struct fmt_grid *g, size_t i))[FMT_CELL_LEN];

/* Appends g laid out by fmt_table() with align to out. */
void fmt_grid_emit(const struct fmt_grid *g, struct sbuf *out, const char *align);

void fmt_grid_free(struct fmt_grid *g);   /* accepts NULL */

#endif
