/*
 * plan.c - the list of a run's measurements, in order (plan.h).
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct plan {
	struct plan_item *items;
	size_t n_items;
	size_t n_benches;
	struct backend *const *bes;
	size_t n_bes;
	int rounds;
	size_t n_steps;
};

static const char *const no_variant[] = { "", NULL };

const char *const *plan_variants(struct backend *be, const char *kernel)
{
	const char *const *v = be->ops->variants ? be->ops->variants(be, kernel) : NULL;

	return v ? v : no_variant;
}

int plan_runnable(const struct suite_bench *b, struct backend *be)
{
	/* the family, or the instance by a device prefix ("mlx:cuda") */
	return (suite_bench_allows(b, be->family) || suite_bench_allows(b, be->name)) &&
	       be->ops->supports(be, b->spec->name);
}

/* Walks the plan in order; counts when items is NULL, fills it otherwise. */
static void plan_walk(struct plan *p, struct suite *const *suites, size_t n_suites,
		      struct plan_item *items)
{
	p->n_items = p->n_benches = p->n_steps = 0;
	for (size_t s = 0; s < n_suites; s++) {
		for (size_t i = 0; i < suites[s]->n_benches; i++, p->n_benches++) {
			const struct suite_bench *b = &suites[s]->benches[i];

			for (size_t k = 0; k < p->n_bes; k++) {
				if (!plan_runnable(b, p->bes[k]))
					continue;
				for (const char *const *v = plan_variants(p->bes[k], b->spec->name);
				     *v; v++, p->n_items++) {
					if (items)
						items[p->n_items] = (struct plan_item){
							suites[s], b, p->n_benches, p->bes[k], k, *v };
					p->n_steps += (size_t)(p->rounds < b->samples ?
							       p->rounds : b->samples);
				}
			}
		}
	}
}

int plan_build(struct suite *const *suites, size_t n_suites,
	       struct backend *const *bes, size_t n_bes, int rounds,
	       struct plan **out, char *err, size_t n_err)
{
	struct plan *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return err_set(err, n_err, MC_ENOMEM, "out of memory planning the run");
	p->bes = bes;
	p->n_bes = n_bes;
	p->rounds = rounds;
	/* Two walks, one to count and one to fill: a backend's supports and
	 * variants are cheap and give the same answer twice. */
	plan_walk(p, suites, n_suites, NULL);
	p->items = calloc(p->n_items ? p->n_items : 1, sizeof(*p->items));
	if (!p->items) {
		plan_free(p);
		return err_set(err, n_err, MC_ENOMEM, "out of memory planning the run");
	}
	plan_walk(p, suites, n_suites, p->items);
	*out = p;
	return 0;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	free(p->items);
	free(p);
}

size_t plan_n_items(const struct plan *p)
{
	return p->n_items;
}

const struct plan_item *plan_item(const struct plan *p, size_t i)
{
	return i < p->n_items ? &p->items[i] : NULL;
}

size_t plan_n_benches(const struct plan *p)
{
	return p->n_benches;
}

size_t plan_n_backends(const struct plan *p)
{
	return p->n_bes;
}

struct backend *plan_backend(const struct plan *p, size_t k)
{
	return k < p->n_bes ? p->bes[k] : NULL;
}

int plan_rounds(const struct plan *p)
{
	return p->rounds;
}

size_t plan_n_steps(const struct plan *p)
{
	return p->n_steps;
}

void plan_item_label(const struct plan_item *it, char *out, size_t n)
{
	snprintf(out, n, "%s/%s %s%s%s", it->suite->name, it->bench->name,
		 it->backend->name, *it->variant ? " " : "", it->variant);
}
