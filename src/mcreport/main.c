/*
 * main.c - mcreport: renders BENCHMARKS.md from the mcbench db through a
 * template, verifies a committed copy, and exports or analyses runs.
 *
 * A table of subcommands; the common option --db is taken out here, once,
 * before dispatch, and --help is generated from the table. With no
 * subcommand (or options only) mcreport renders, as `mcreport render`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliargs.h"
#include "cmd.h"

#define DEFAULT_DB "db/benchmarks.sqlite"

struct command {
	const char *name;
	const char *summary;
	int (*fn)(int argc, char **argv, struct cmd_ctx *ctx);
	const char *usage;
};

static const struct command commands[] = {
	{ "render", "render the template to stdout (the default command)", cmd_render,
	  "render [--db PATH] [--template FILE] [--charts DIR] [--no-charts]\n\n"
	  "Without --template, renders the built-in template: every machine, suite and\n"
	  "backend of the db, naming no machine and making no claim.\n"
	  "Writes the Markdown to stdout and the charts (SVG) under DIR (default reports),\n"
	  "linked by relative path. A claim that does not hold or lacks data prints nothing\n"
	  "to stdout, names FILE:LINE:COL on stderr and exits 3; a bad template exits 2." },
	{ "check", "exit 1 and show a diff when FILE differs from a fresh render", cmd_check,
	  "check FILE [--db PATH] [--template FILE] [--charts DIR] [--no-charts]\n\n"
	  "Renders as `render` would (charts into a temporary directory, compared with\n"
	  "those under DIR) and compares. Exits 0 when FILE and the charts match, 1 with a\n"
	  "short unified diff when they drifted; --no-charts skips the charts. Options not\n"
	  "given are read from FILE's header; a missing db it names is rebuilt from the\n"
	  "db/runs/*.json beside FILE, as make doc does." },
	{ "export", "print runs as JSON (for mcbench import)", cmd_export,
	  "export [--run REF | --all] [--incomplete] [--db PATH]\n\n"
	  "--all (the default) prints every complete run, --incomplete adds the others;\n"
	  "--run prints one run, whatever its status: REF is a numeric id, a uuid, a\n"
	  "unique uuid prefix (4 characters or more), or a git commit (prefix)." },
	{ "history", "a benchmark's complete runs over time", cmd_history,
	  "history BENCH [--backend NAME] [--machine HOST] [--clock wall|device] [--json]\n"
	  "        [--chart FILE.svg] [--db PATH]" },
	{ "compare", "compare two runs result by result (exit 1 when slower)", cmd_compare,
	  "compare [A B] [--threshold PCT] [--alpha P] [--json] [--db PATH]" },
	{ "regressions", "level shifts across the runs of every series", cmd_regressions,
	  "regressions [--since DATE|COMMIT] [--backend NAME] [--machine HOST]\n"
	  "            [--threshold PCT] [--json] [--db PATH]" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: mcreport [--db PATH] [COMMAND] [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nWithout a command, mcreport renders: mcreport [--db PATH] "
		"[--template FILE] [--charts DIR]\n(the built-in template when no --template "
		"is given).\n"
		"Every command takes --db PATH (default %s) and --help.\n"
		"Exit status: 0 ok; 1 drift, db or i/o error; 2 usage or template error; "
		"3 a claim does not hold.\n"
		"The template language: docs/templates.md.\n", DEFAULT_DB);
}

static int is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = { DEFAULT_DB, 0 };
	const char *default_db;
	const struct command *c = NULL;
	char **args;
	int n, first, rc = 2;

	if (getenv("MCBENCH_DB"))
		ctx.db_path = getenv("MCBENCH_DB");
	args = calloc((size_t)argc + 2, sizeof(char *));
	if (!args) {
		fprintf(stderr, "mcreport: out of memory\n");
		return 2;
	}
	/* args[0] is left free for an implied "render". */
	memcpy(args + 1, argv, (size_t)argc * sizeof(char *));
	default_db = ctx.db_path;
	n = cliargs_take_db(argc, args + 1, &ctx.db_path);
	ctx.db_given = getenv("MCBENCH_DB") != NULL || ctx.db_path != default_db;
	if (n < 0) {
		fprintf(stderr, "mcreport: --db needs a PATH\n");
		goto out;
	}
	if (n >= 2 && (is_help(args[2]) || strcmp(args[2], "help") == 0)) {
		usage(stdout);
		rc = 0;
		goto out;
	}
	first = 2;
	if (n >= 2 && args[2][0] != '-') {
		for (size_t i = 0; i < N_COMMANDS && !c; i++)
			if (strcmp(args[2], commands[i].name) == 0)
				c = &commands[i];
		if (!c) {
			fprintf(stderr, "mcreport: unknown command '%s' (see mcreport --help)\n",
				args[2]);
			goto out;
		}
	} else {
		c = &commands[0];
		first = 1;
		args[1] = (char *)"render";   /* replaces argv[0] */
	}
	for (int k = first + 1; k <= n; k++) {
		if (is_help(args[k])) {
			printf("mcreport %s: %s.\n\nusage: mcreport %s\n", c->name, c->summary,
			       c->usage);
			rc = 0;
			goto out;
		}
	}
	rc = c->fn(n + 1 - first, args + first, &ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mcreport %s: error writing standard output\n", c->name);
		rc = rc ? rc : 1;
	}
out:
	free(args);
	return rc;
}
