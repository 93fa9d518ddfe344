/*
 * fuzz_import.c - libFuzzer target for `mcbench import` (store_import.c,
 * jpath.c): any bytes as an export file, imported into a fresh in-memory
 * store. A refusal must be one line naming the file and leave the store
 * empty (one file, one transaction); an accepted file must round-trip:
 * export it, import that into another store, export again, same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "fuzz_util.h"
#include "store.h"
#include "store_export.h"
#include "store_import.h"
#include "store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_runs(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(store_db(st), "SELECT count(*) FROM run", -1, &s, NULL) ==
	    SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

static char *export_all(struct store *st)
{
	cJSON *doc = NULL;
	char err[MC_ERRLEN], *text;

	if (store_export_runs(st, "all", STORE_EXPORT_INCOMPLETE, &doc, err, sizeof(err)))
		fuzz_die("export of an imported store failed: %s", err);
	text = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (!text)
		fuzz_die("out of memory printing an export");
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_input("x.json", data, size);
	struct store *a = NULL, *b = NULL;
	char err[MC_ERRLEN] = "", *t1 = NULL, *t2 = NULL;
	int imported = 0, skipped = 0, rc;
	cJSON *doc;

	if (store_open(":memory:", STORE_WRITE, &a, err, sizeof(err)))
		fuzz_die("%s", err);
	rc = store_import_file(a, path, &imported, &skipped, err, sizeof(err));
	if (rc) {
		if (!err[0] || strchr(err, '\n') || !strstr(err, "x.json"))
			fuzz_die("import failed without a one-line error naming the "
				 "file: '%s'", err);
		if (count_runs(a) != 0)
			fuzz_die("a refused file left %d run(s) behind", count_runs(a));
		goto out;
	}
	if (count_runs(a) != imported)
		fuzz_die("%d imported (%d skipped), %d stored", imported, skipped,
			 count_runs(a));
	t1 = export_all(a);
	doc = cJSON_Parse(t1);
	if (!doc)
		fuzz_die("an export does not parse");
	if (store_open(":memory:", STORE_WRITE, &b, err, sizeof(err)))
		fuzz_die("%s", err);
	if (store_import(b, doc, "round-trip", &imported, &skipped, err, sizeof(err)))
		fuzz_die("the export of an accepted import is refused: %s", err);
	cJSON_Delete(doc);
	t2 = export_all(b);
	if (strcmp(t1, t2))
		fuzz_die("export -> import -> export changed the bytes");
out:
	cJSON_free(t1);
	cJSON_free(t2);
	store_close(b);
	store_close(a);
	return 0;
}
