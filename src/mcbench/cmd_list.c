/*
 * cmd_list.c - `mcbench list`: suites, their benchmarks, and which of the
 * backends present on this machine can run each one (by the rule the plan
 * of a run uses, plan.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cmd.h"
#include "err.h"
#include "plan.h"
#include "suite.h"

static void print_suite(const struct suite *s, struct backend **bes, size_t n_bes)
{
	printf("%s (%s): %zu benchmark(s)\n  %s\n", s->name, s->path, s->n_benches,
	       s->description ? s->description : "");
	for (size_t i = 0; i < s->n_benches; i++) {
		const struct suite_bench *b = &s->benches[i];
		int any = 0;

		printf("    %-44s", b->name);
		for (size_t k = 0; k < n_bes; k++) {
			if (!plan_runnable(b, bes[k]))
				continue;
			printf("%s%s", any ? ", " : " ", bes[k]->name);
			any = 1;
		}
		printf("%s\n", any ? "" : " (no backend here)");
	}
}

/* The files of the n --suite arguments of argv, NULL-terminated (free
 * with suite_list_free), or NULL with err set. */
static char **named_paths(int argc, char **argv, size_t n, char *err,
			  size_t n_err)
{
	char **paths = calloc(n + 1, sizeof(*paths));
	size_t i = 0;

	for (int a = 1; paths && a + 1 < argc; a++) {
		if (strcmp(argv[a], "--suite"))
			continue;
		if (!(paths[i] = malloc(PATH_MAX))) {
			suite_list_free(paths);
			paths = NULL;
			break;
		}
		suite_path(argv[++a], paths[i++], PATH_MAX);
	}
	if (!paths)
		err_set(err, n_err, MC_ENOMEM, "out of memory");
	return paths;
}

int cmd_list(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct backend **bes = NULL;
	size_t n_bes = 0;
	char **paths = NULL, err[MC_ERRLEN], notes[2048] = "";
	size_t n_named = 0;
	int rc = 0;

	(void)ctx;
	if (backend_discover_all(NULL, 0, &bes, &n_bes, notes, sizeof(notes), err,
				 sizeof(err))) {
		fprintf(stderr, "mcbench list: %s\n", err);
		return 1;
	}
	printf("backends on this machine:");
	for (size_t k = 0; k < n_bes; k++)
		printf(" %s", bes[k]->name);
	printf("\n");
	if (notes[0])
		printf("  (%s)\n", notes);
	/* the suites named (as `run` finds them: an unknown one is an error),
	 * else every suite of the suite directory */
	for (int a = 1; a + 1 < argc; a++)
		if (!strcmp(argv[a], "--suite"))
			n_named++;
	if (n_named)
		paths = named_paths(argc, argv, n_named, err, sizeof(err));
	else
		suite_list(suite_dir(), &paths, err, sizeof(err));
	if (!paths) {
		fprintf(stderr, "mcbench list: %s\n", err);
		backend_free_all(bes, n_bes);
		return 1;
	}
	for (size_t i = 0; paths[i]; i++) {
		struct suite *s = NULL;

		if (suite_load(paths[i], 0, &s, err, sizeof(err))) {
			fprintf(stderr, "mcbench list: %s\n", err);
			rc = 1;
			continue;
		}
		printf("\n");
		print_suite(s, bes, n_bes);
		suite_free(s);
	}
	suite_list_free(paths);
	backend_free_all(bes, n_bes);
	return rc;
}
