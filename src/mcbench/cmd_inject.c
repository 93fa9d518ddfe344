/*
 * cmd_inject.c - `mcbench inject --run REF --factor F [--bench GLOB]
 * [--every K [--offset R]]`: a
 * synthetic copy of a stored run with some results' samples scaled, for
 * the A/A harness's detection rates (scripts/aa-harness.sh; store_inject.h says
 * why scaling stored samples is the honest way). It writes a run that is
 * not a measurement, so it refuses the default db: a scratch --db only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "cmd.h"
#include "err.h"
#include "store_inject.h"
#include "sbuf.h"
#include "store.h"

int cmd_inject(int argc, char **argv, struct cmd_ctx *ctx)
{
	const char *ref = NULL, *bench = NULL, *factor_text = NULL, *every_text = NULL;
	const char *offset_text = NULL;
	struct store_inject_pick pick = { NULL, 0, 0 };
	struct sbuf scaled = SBUF_INIT;
	struct store *st = NULL;
	char err[MC_ERRLEN], uuid_text[37], *end = NULL;
	uuid_t uu;
	int64_t run_id = 0;
	double factor;
	int n_scaled = 0, rc = 1;

	for (int i = 1; i < argc; i++) {
		const char **slot = !strcmp(argv[i], "--run") ? &ref :
			!strcmp(argv[i], "--factor") ? &factor_text :
			!strcmp(argv[i], "--bench") ? &bench :
			!strcmp(argv[i], "--every") ? &every_text :
			!strcmp(argv[i], "--offset") ? &offset_text : NULL;

		if (!slot || i + 1 >= argc) {
			fprintf(stderr, slot ? "mcbench inject: %s needs a value\n" :
				"mcbench inject: unknown argument '%s' (see mcbench inject "
				"--help)\n", argv[i]);
			return 2;
		}
		*slot = argv[++i];
	}
	if (!ref || !factor_text) {
		fprintf(stderr, "mcbench inject: --run REF and --factor F are required\n");
		return 2;
	}
	factor = strtod(factor_text, &end);
	if (end == factor_text || *end || !(factor > 0) || !isfinite(factor)) {
		fprintf(stderr, "mcbench inject: --factor '%s' is not a positive number\n",
			factor_text);
		return 2;
	}
	pick.bench = bench;
	if (every_text || offset_text) {
		char *e1 = NULL, *e2 = NULL;
		long k = every_text ? strtol(every_text, &e1, 10) : 0;
		long o = offset_text ? strtol(offset_text, &e2, 10) : 0;

		if (!every_text || !*every_text || *e1 || k < 1 || k > 1000000 ||
		    (offset_text && (!*offset_text || *e2)) || o < 0 || o >= k) {
			fprintf(stderr, "mcbench inject: --every K wants an integer from 1, "
				"--offset R one from 0 to K - 1 (got '%s', '%s')\n",
				every_text ? every_text : "", offset_text ? offset_text : "0");
			return 2;
		}
		pick.every = (unsigned)k;
		pick.offset = (unsigned)o;
	}
	if (!ctx->db_explicit) {
		fprintf(stderr, "mcbench inject: it writes a synthetic run; name a scratch "
			"db with --db (never the default %s)\n", ctx->db_path);
		return 2;
	}
	if (store_open(ctx->db_path, STORE_WRITE, &st, err, sizeof(err)) ||
	    store_run_resolve(st, ref, 0, &run_id, err, sizeof(err)))
		goto out;
	uuid_generate_random(uu);
	uuid_unparse_lower(uu, uuid_text);
	if (store_inject_scaled(st, run_id, factor, &pick, uuid_text, &n_scaled, &scaled,
			       err, sizeof(err)))
		goto out;
	printf("run %s: a copy of %s with %d result(s) scaled by %g\n", uuid_text, ref,
	       n_scaled, factor);
	/* which: the harness counts detections among these alone */
	fputs(sbuf_str(&scaled), stdout);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "mcbench inject: %s\n", err);
	sbuf_release(&scaled);
	store_close(st);
	return rc;
}
