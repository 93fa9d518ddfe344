/*
 * fixture.c - the shared scratch db of the unit tests (see fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "err.h"
#include "workload.h"
#include "fixture.h"
#include "store.h"

void fixture_run_open(struct fixture_run *f, const char *name, const char *uuid)
{
	struct store_run run = { 0 };
	char err[MC_ERRLEN];

	snprintf(f->dir, sizeof(f->dir), "/tmp/mcbench-%s-XXXXXX", name);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/t.sqlite", f->dir);
	assert_int_equal(store_open(f->db, STORE_WRITE, &f->st, err, sizeof(err)), 0);
	run.uuid = uuid;
	run.started_at = "2026-01-01T00:00:00Z";
	run.argv = "test";
	run.git_dirty = -1;
	run.compiler = "cc";
	run.cflags = "";
	run.timer_name = "CLOCK_MONOTONIC";
	run.provenance = "{}";
	run.machine = (struct store_machine){ .fingerprint = "fp", .hostname = "host",
		.cpu_model = "cpu", .os = "os", .kernel = "k", .cores = 1, .threads = 1,
		.mem_bytes = 1 };
	assert_int_equal(store_run_begin(f->st, &run, &f->run_id, err, sizeof(err)), 0);
}

void fixture_run_close(struct fixture_run *f)
{
	char cmd[160];

	store_close(f->st);
	f->st = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
}

void fixture_each_instance(const struct backend_family *f, int may_be_absent,
			   const long *sizes, size_t n_sizes,
			   void (*check)(struct backend *b, long n))
{
	struct backend *bs[16];
	char note[MC_ERRLEN] = "";
	size_t n = 0;

	if (f->discover(bs, sizeof(bs) / sizeof(bs[0]), &n, note, sizeof(note)) < 0)
		fail_msg("%s discover: %s", f->name, note);
	if (n == 0) {
		if (!may_be_absent)
			fail_msg("%s: no instance (%s)", f->name, note);
		print_message("skip: no %s device (%s)\n", f->name, note);
		skip();
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < n_sizes; s++)
			check(bs[i], sizes[s]);
		bs[i]->ops->destroy(bs[i]);
	}
}

void fixture_check_workload(struct backend *b, const struct workload *w)
{
	size_t n = w->plan.output_len;
	const char *name = w->spec->name;
	float *ref = malloc(n * sizeof(float));
	float *got = calloc(n, sizeof(float));
	char err[MC_ERRLEN] = "";
	double dev_ns, max_abs, max_rel;
	void *st = NULL;

	assert_non_null(ref);
	assert_non_null(got);
	assert_true(b->ops->supports(b, name));
	assert_null(b->ops->variants(b, name));
	workload_reference(w, ref);
	if (b->ops->prepare(b, w, NULL, &st, err, sizeof(err)) < 0 ||
	    b->ops->run(b, st, 2, &dev_ns, err, sizeof(err)) < 0 ||
	    b->ops->output(b, st, got, err, sizeof(err)) < 0)
		fail_msg("%s n=%zu on %s: %s", name, n, b->name, err);
	if (workload_check(ref, got, n, w->spec->rtol, w->spec->atol,
			   &max_abs, &max_rel, err, sizeof(err)) < 0)
		fail_msg("%s n=%zu on %s: %s", name, n, b->name, err);
	print_message("%s n=%-8zu %-40s max_abs %.2e max_rel %.2e\n", name, n,
		      b->name, max_abs, max_rel);
	b->ops->release(b, st);
	free(got);
	free(ref);
}
