/*
 * fuzz_tmpl.c - libFuzzer target for the template language: any bytes as
 * a template, parsed and rendered (render.c, every directive) against the
 * report fixture db (tests/fixtures/report/basic.sql, or $FUZZ_TMPL_SQL),
 * charts linked but not drawn. A template error must be one
 * "FILE:LINE:COL: message" line; a rendered document must exist.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "fuzz_util.h"
#include "render.h"
#include "store.h"
#include "store_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *st;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *sql_path = getenv("FUZZ_TMPL_SQL");
	char err[MC_ERRLEN], db[128], *sql = NULL;
	size_t len = 0;
	FILE *f;
	(void)argc;
	(void)argv;

	if (!sql_path)
		sql_path = "tests/fixtures/report/basic.sql";
	snprintf(db, sizeof(db), "%s/report.sqlite", fuzz_dir());
	if (store_open(db, STORE_WRITE, &st, err, sizeof(err)))
		fuzz_die("%s", err);
	f = fopen(sql_path, "rb");
	if (!f)
		fuzz_die("cannot read %s (run from the repository root)", sql_path);
	sql = malloc(1 << 22);
	if (!sql)
		fuzz_die("out of memory");
	len = fread(sql, 1, (1 << 22) - 1, f);
	fclose(f);
	sql[len] = '\0';
	if (sqlite3_exec(store_db(st), sql, NULL, NULL, NULL) != SQLITE_OK)
		fuzz_die("%s: %s", sql_path, sqlite3_errmsg(store_db(st)));
	free(sql);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_input("t.md.in", data, size);
	struct render_opts o = { .template_path = path, .db_label = "fuzz.sqlite",
				 .charts_link = "reports", .no_charts = 1 };
	struct render_out out = { 0 };
	char err[MC_ERRLEN] = "";
	int rc = render_document(st, &o, &out, err, sizeof(err));

	if (rc == 0 && !out.doc)
		fuzz_die("render succeeded without a document");
	if (rc && rc != MC_ECLAIM && (!err[0] || strchr(err, '\n')))
		fuzz_die("render failed (%d) without a one-line error: '%s'", rc, err);
	if (rc == MC_EINVAL && !strstr(err, "t.md.in"))
		fuzz_die("template error does not name the file: '%s'", err);
	render_out_free(&out);
	return 0;
}
