/*
 * progress.h - progress of a suite run on stderr.
 *
 * On a terminal: one live line "[k/N] suite/benchmark backend  elapsed  ETA"
 * rewritten in place. Otherwise (CI logs, pipes): one plain line per step.
 */
#ifndef MC_PROGRESS_H
#define MC_PROGRESS_H
#include <stdint.h>
#include <stdio.h>

struct progress;

/* Starts tracking n_total steps written to out (not owned). Returns NULL
 * only when out of memory; every function accepts NULL. */
struct progress *progress_new(FILE *out, size_t n_total);
/* A run with a time budget ends by end_ns (clock_now_ns's clock) however
 * much is left, what does not fit being skipped: from now on the ETA is
 * never past it, and says so when the budget is what bounds it. */
void progress_set_end(struct progress *p, uint64_t end_ns);
/* Announces step k (1-based) as label, e.g. "layer_ops/softmax/... cpu". */
void progress_step(struct progress *p, const char *label);
/* Prints a message line (keeps the live line intact). */
void progress_note(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Ends the live line; frees p. */
void progress_done(struct progress *p);

#endif
