/*
 * cmd_list.c - `mcbench list`: suites, their benchmarks, and which of the
 * backends present on this machine can run each one (by the rule the plan
 * of a run uses, plan.h).
 */
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

int cmd_list(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct backend **bes = NULL;
	size_t n_bes = 0;
	char **paths = NULL, err[MC_ERRLEN], notes[2048] = "";
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
	if (suite_list(suite_dir(), &paths, err, sizeof(err))) {
		fprintf(stderr, "mcbench list: %s\n", err);
		backend_free_all(bes, n_bes);
		return 1;
	}
	for (size_t i = 0; paths[i]; i++) {
		struct suite *s = NULL;
		const char *base = strrchr(paths[i], '/');
		int wanted = argc <= 1;

		base = base ? base + 1 : paths[i];
		for (int a = 1; a + 1 < argc; a++)
			if (!strcmp(argv[a], "--suite") &&
			    !strncmp(base, argv[a + 1], strlen(argv[a + 1])) &&
			    !strcmp(base + strlen(argv[a + 1]), ".json"))
				wanted = 1;
		if (!wanted)
			continue;
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
