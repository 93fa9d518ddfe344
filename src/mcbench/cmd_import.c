/*
 * cmd_import.c - `mcbench import [--format F] [--started-at TIME] PATH...`:
 * merge exported runs, or other tools' result files (import.h), into the
 * db.
 *
 * Each file is one transaction, validated whole before anything is
 * written: a malformed one is refused (one line naming the file and the
 * JSON path or CSV line) and loses nothing stored; the others still go in.
 * Idempotent: exported runs by run uuid, other files by their SHA-256.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "import.h"
#include "store.h"

/* The value of option name at argv[*i] ("--name V" or "--name=V"), moving
 * *i past it; NULL when argv[*i] is not that option. *out_missing is set
 * when the value is missing. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
			     int *out_missing)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n])
		return NULL;
	if (*i + 1 >= argc) {
		*out_missing = 1;
		return NULL;
	}
	return argv[++*i];
}

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct import_opts opts = { 0 };
	struct store *st = NULL;
	char err[MC_ERRLEN];
	int rc = 0, n_files = 0, missing = 0;
	const char *v;

	for (int i = 1; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--format", &missing))) {
			if (!import_format_known(v)) {
				fprintf(stderr, "mcbench import: unknown --format '%s' (gbench, "
					"criterion, hyperfine, pytest-benchmark, nvbench)\n", v);
				return 2;
			}
			opts.format = v;
		} else if ((v = opt_value(argc, argv, &i, "--started-at", &missing))) {
			opts.started_at = v;
		} else if (missing) {
			fprintf(stderr, "mcbench import: %s needs a value\n", argv[i]);
			return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "mcbench import: unknown option '%s'\n", argv[i]);
			return 2;
		} else {
			n_files++;
		}
	}
	if (!n_files) {
		fprintf(stderr, "mcbench import: no FILE given (see mcbench import --help)\n");
		return 2;
	}
	if (store_open(ctx->db_path, STORE_WRITE, &st, err, sizeof(err))) {
		fprintf(stderr, "mcbench import: %s\n", err);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int imported = 0, skipped = 0;
		const char *fmt = NULL;

		if (!strncmp(argv[i], "--format", 8) || !strncmp(argv[i], "--started-at", 12)) {
			i += !strchr(argv[i], '=');
			continue;
		}
		if (import_path(st, argv[i], &opts, &imported, &skipped, &fmt, err,
				sizeof(err))) {
			fprintf(stderr, "mcbench import: %s\n", err);
			rc = 1;
			continue;
		}
		if (!strcmp(fmt, "mcbench"))
			printf("%s: %d run(s) imported, %d already present\n", argv[i],
			       imported, skipped);
		else
			printf("%s: %s, %s\n", argv[i], fmt,
			       imported ? "1 run imported" : "already present");
	}
	store_close(st);
	return rc;
}
