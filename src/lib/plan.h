/*
 * plan.h - the plan of a run: which measurements, in which order.
 *
 * A measurement is one benchmark x backend x variant. The plan lists them
 * in suite order: the suites as given, each suite's benchmarks in its
 * order, for each benchmark the backends as given, and for each backend
 * its variants as it lists them. A backend has no measurement of a
 * benchmark whose "backends" leave out its family, nor of a kernel it does
 * not support. The rounds of a run (session.h) pass over the plan in this
 * order, once per round; the plan itself measures nothing and holds no
 * state beyond the list.
 */
#ifndef MC_PLAN_H
#define MC_PLAN_H
#include <stddef.h>
#include "backend.h"
#include "suite.h"

/* One measurement of the plan. Every pointer is borrowed from what
 * plan_build was given (the variant from the backend's own list). */
struct plan_item {
	const struct suite *suite;
	const struct suite_bench *bench;
	size_t bench_index;       /* the benchmark's place in the plan, from 0
				     (plan_n_benches counts them): the items of
				     one benchmark share its inputs */
	struct backend *backend;
	size_t backend_index;     /* its index in the backends given */
	const char *variant;      /* "" for none */
};

struct plan;

/* Plans every benchmark of suites[0..n_suites) on every backend of
 * bes[0..n_bes) that can run it, to be measured in rounds rounds (the
 * rounds of a measurement are at most its samples). suites, the suites'
 * benchmarks and bes are borrowed and must outlive the plan.
 * Errors: MC_ENOMEM. Release with plan_free(). */
int plan_build(struct suite *const *suites, size_t n_suites,
	       struct backend *const *bes, size_t n_bes, int rounds,
	       struct plan **out, char *err, size_t n_err);
void plan_free(struct plan *p);   /* accepts NULL */

/* The measurements, in order; plan_item(p, i) for i < plan_n_items(p),
 * owned by p. */
size_t plan_n_items(const struct plan *p);
const struct plan_item *plan_item(const struct plan *p, size_t i);

/* Benchmarks planned, whether or not any backend runs them. */
size_t plan_n_benches(const struct plan *p);

/* The backends given to plan_build, in order (k < plan_n_backends(p)). */
size_t plan_n_backends(const struct plan *p);
struct backend *plan_backend(const struct plan *p, size_t k);

/* Rounds asked for, and the rounds the whole plan takes (the sum over its
 * measurements of min(rounds, samples)): the steps of its progress. */
int plan_rounds(const struct plan *p);
size_t plan_n_steps(const struct plan *p);

/* Nonzero when backend be may and can run b. */
int plan_runnable(const struct suite_bench *b, struct backend *be);

/* The variants be measures of kernel: its own NULL-terminated list, or
 * {"", NULL} when it has none. Static or be's storage. */
const char *const *plan_variants(struct backend *be, const char *kernel);

/* The measurement's name as progress and notes show it:
 * "suite/benchmark backend[ variant]", truncated to fit n. */
void plan_item_label(const struct plan_item *it, char *out, size_t n);

#endif
