/*
 * fmt.h - the small text pieces of the history, compare and regressions
 * output (and of the {{regressions}} directive): signed percentages, short
 * commits, dates, and plain-text tables aligned in UTF-8 characters.
 *
 * The fmt_* functions write at most n_out bytes (NUL included) into a
 * caller-owned buffer; fmt_table appends to a caller-owned sbuf. Nothing
 * here allocates beyond fmt_table's scratch, freed before return.
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

#endif
