/*
 * main.c - mcbench: runs benchmark suites and records them in SQLite.
 *
 * A table of subcommands; the common options (--db, --help) are parsed
 * here, once, before dispatch. `--help` output is generated from the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliargs.h"
#include "cmd.h"
#include "prov.h"

#define DEFAULT_DB "db/benchmarks.sqlite"

struct command {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv, struct cmd_ctx *ctx);
	const char *usage;
};

static const struct command commands[] = {
	{ "run", "run suites on every backend present and record them", cmd_run,
	  "run [--suite NAME]... [--backend NAME]... [--quick] [--rounds N] [--budget SECONDS] [--db PATH]" },
	{ "list", "list suites, their benchmarks and the backends that can run them",
	  cmd_list, "list [--suite NAME]... [--db PATH]" },
	{ "import", "load exported runs, or other tools' results, into the db",
	  cmd_import, "import [--format gbench|criterion|hyperfine|pytest-benchmark|nvbench]\n"
	  "              [--started-at TIME] PATH... [--db PATH]" },
	{ "inject", "copy a run with some results' samples scaled (A/A harness; scratch db)",
	  cmd_inject, "inject --run REF --factor F [--bench GLOB] [--every K [--offset R]] --db PATH" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: mcbench [--db PATH] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nEvery command takes --db PATH (default %s) and --help.\n",
		DEFAULT_DB);
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = { DEFAULT_DB, 0, NULL, argc };
	char **args = NULL;
	int n, rc = 2;

	/* Before OpenBLAS does any work: pick its better kernels where safe
	 * (may re-exec this program with OPENBLAS_CORETYPE set). */
	prov_openblas_coretype(argv);
	if (getenv("MCBENCH_DB"))
		ctx.db_path = getenv("MCBENCH_DB");
	ctx.db_explicit = getenv("MCBENCH_DB") != NULL;
	ctx.orig_argv = argv;
	args = calloc((size_t)argc + 1, sizeof(char *));
	if (!args) {
		fprintf(stderr, "mcbench: out of memory\n");
		return 2;
	}
	memcpy(args, argv, (size_t)argc * sizeof(char *));
	{
		const char *before = ctx.db_path;

		n = cliargs_take_db(argc, args, &ctx.db_path);
		ctx.db_explicit |= ctx.db_path != before;
	}
	if (n < 0) {
		fprintf(stderr, "mcbench: --db needs a PATH\n");
		goto out;
	}
	if (n < 2 || strcmp(args[1], "--help") == 0 || strcmp(args[1], "-h") == 0 ||
	    strcmp(args[1], "help") == 0) {
		usage(n < 2 ? stderr : stdout);
		rc = n < 2 ? 2 : 0;
		goto out;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (strcmp(args[1], c->name) != 0)
			continue;
		for (int k = 2; k < n; k++) {
			if (strcmp(args[k], "--help") == 0 || strcmp(args[k], "-h") == 0) {
				printf("usage: mcbench %s\n\n%s\n", c->usage, c->summary);
				rc = 0;
				goto out;
			}
		}
		rc = c->fn(n - 1, args + 1, &ctx);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "mcbench %s: error writing standard output\n",
				c->name);
			rc = rc ? rc : 1;
		}
		goto out;
	}
	fprintf(stderr, "mcbench: unknown command '%s' (see mcbench --help)\n", args[1]);
out:
	free(args);
	return rc;
}
