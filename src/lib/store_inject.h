/*
 * store_inject.h - synthetic slowdowns for measuring a verdict's detection rate
 * (scripts/aa-harness.sh): a copy of a stored run with the samples of some
 * benchmarks multiplied by a factor.
 *
 * The measurement path never changes: the copy is made from what a run
 * stored, through the export and the import (so it is checked as any
 * import is), under a new uuid and with a note that says it is synthetic,
 * what was scaled and by how much. Scaling every sample of a result keeps
 * that result's own noise (its spread, its drift from round to round) and
 * shifts its level by exactly the factor: the question answered is "would
 * a verdict see a slowdown of this size, given noise as the machine really
 * made it", not whether a real regression would look the same (a slower
 * kernel may also be noisier). The copy's statistics are recomputed from
 * the scaled samples.
 */
#ifndef MC_STORE_INJECT_H
#define MC_STORE_INJECT_H
#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"
#include "store.h"

/* Which results to scale: those with samples whose benchmark matches the
 * glob bench (fnmatch; NULL: every one) and, when every > 0, whose
 * measurement (suite, benchmark, backend, variant: both clocks of it
 * together) is the k-th of the run's, in its export order, with k %
 * every == offset. A rotation over offset 0 .. every-1 slows each
 * measurement once, a few at a time: as a code change does, and unlike a
 * factor on every result, which compare reads as the machine's move
 * (compare.h, shift_pct). */
struct store_inject_pick {
	const char *bench;
	unsigned every, offset;
};

/* Stores a copy of run run_id of st as a new complete run with uuid
 * new_uuid, whose results picked (above) have each sample multiplied by
 * factor (> 0); *out_n_scaled gets how many results were, and, when
 * scaled is not NULL, their keys ("suite/benchmark backend variant
 * clock", one a line) are appended to it. Errors: MC_EINVAL (no such run,
 * a factor that is not positive and finite, offset >= every, no result
 * picked), MC_ENOMEM, else as store_export_run and store_import. */
int store_inject_scaled(struct store *st, int64_t run_id, double factor,
		       const struct store_inject_pick *pick, const char *new_uuid,
		       int *out_n_scaled, struct sbuf *scaled, char *err, size_t n_err);

#endif
