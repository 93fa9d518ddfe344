/*
 * fixture.h - the scratch db with one run begun that the tests of what
 * writes into a run share (test_peer.c, test_runner.c, test_session.c):
 * linked into every unit test, so a test that needs it only includes it.
 */
#ifndef MC_TEST_FIXTURE_H
#define MC_TEST_FIXTURE_H
#include <stddef.h>
#include <stdint.h>

struct store;

struct fixture_run {
	char dir[64];        /* the scratch directory */
	char db[128];        /* dir/t.sqlite */
	struct store *st;    /* open for writing */
	int64_t run_id;      /* the run begun in it */
};

/* Makes a scratch directory /tmp/mcbench-NAME-XXXXXX, opens dir/t.sqlite
 * for writing and begins a run with uuid on a made-up machine. Fails the
 * running test on any error. */
void fixture_run_open(struct fixture_run *f, const char *name, const char *uuid);

/* Closes the db and removes the directory with all it holds. */
void fixture_run_close(struct fixture_run *f);

struct backend;
struct backend_family;
struct workload;

/* Runs w on b for 2 iterations (no variant) and checks the output against
 * the reference with the spec's tolerances; fails the running test on any
 * error, on a variant list, or on a mismatch. */
void fixture_check_workload(struct backend *b, const struct workload *w);

/* Discovers the instances of family f and calls check(b, sizes[i]) for
 * every size on each, destroying them after. No instance skips the running
 * test when may_be_absent (an OpenCL-less machine), and fails it otherwise. */
void fixture_each_instance(const struct backend_family *f, int may_be_absent,
			   const long *sizes, size_t n_sizes,
			   void (*check)(struct backend *b, long n));

#endif
