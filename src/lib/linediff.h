/*
 * linediff.h - a small unified diff of two texts, line by line (LCS), for
 * showing what drifted between a document and a fresh render.
 */
#ifndef MC_LINEDIFF_H
#define MC_LINEDIFF_H
#include <stddef.h>
#include "sbuf.h"

/* Appends to out a unified diff from a[0..n_a) to b[0..n_b) labelled
 * label_a / label_b, with `context` lines around each change, and stops
 * after max_lines lines of hunks with a line saying how many more changed.
 * Returns the number of lines removed plus added (0: same lines). Texts
 * with more than about 4 million line pairs left after trimming their
 * common start and end are shown as one replaced block. */
size_t linediff_unified(const char *a, size_t n_a, const char *b, size_t n_b,
			const char *label_a, const char *label_b, int context,
			size_t max_lines, struct sbuf *out);

#endif
