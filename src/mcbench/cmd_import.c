/*
 * cmd_import.c - `mcbench import FILE...`: merge exported runs into the db.
 *
 * Idempotent by run uuid, each run in one transaction: a malformed file is
 * rejected whole (naming the file and JSON path) and loses nothing stored.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "store_import.h"
#include "store.h"

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct store *st = NULL;
	char err[MC_ERRLEN];
	int rc = 0, n_files = 0;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "mcbench import: unknown option '%s'\n", argv[i]);
			return 2;
		}
		n_files++;
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

		if (store_import_file(st, argv[i], &imported, &skipped, err, sizeof(err))) {
			fprintf(stderr, "mcbench import: %s\n", err);
			rc = 1;
			continue;
		}
		printf("%s: %d run(s) imported, %d already present\n", argv[i],
		       imported, skipped);
	}
	store_close(st);
	return rc;
}
