/*
 * cmd_export.c - `mcreport export`: runs as JSON on stdout, in the format
 * `mcbench import` reads (store_export.h, docs/export-format.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "store_export.h"
#include "store.h"

int cmd_export(int argc, char **argv, struct cmd_ctx *ctx)
{
	const char *select = NULL;
	unsigned flags = 0;
	struct store *st = NULL;
	cJSON *doc = NULL;
	char err[MC_ERRLEN], *text = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--run") == 0 && i + 1 < argc && !select) {
			select = argv[++i];
		} else if (strcmp(a, "--all") == 0 && !select) {
			select = "all";
		} else if (strcmp(a, "--incomplete") == 0) {
			flags |= STORE_EXPORT_INCOMPLETE;
		} else {
			fprintf(stderr, "mcreport export: %s '%s' (see mcreport export --help)\n",
				a[0] == '-' ? "unknown, repeated or incomplete option" :
				"unexpected argument", a);
			return 2;
		}
	}
	if (!select)
		select = "all";
	rc = store_open(ctx->db_path, STORE_READ, &st, err, sizeof(err));
	if (rc == 0)
		rc = store_export_runs(st, select, flags, &doc, err, sizeof(err));
	if (rc == 0 && !(text = cJSON_Print(doc)))
		rc = err_set(err, sizeof(err), MC_ENOMEM, "out of memory while printing JSON.");
	if (rc == 0 && (fputs(text, stdout) == EOF || putchar('\n') == EOF ||
			fflush(stdout) != 0 || ferror(stdout)))
		rc = err_set(err, sizeof(err), MC_EIO, "error writing standard output.");
	if (rc)
		fprintf(stderr, "mcreport export: %s\n", err);
	free(text);
	cJSON_Delete(doc);
	store_close(st);
	/* A run that does not exist is a runtime error here, not a usage one. */
	return rc ? 1 : 0;
}
