/*
 * cmd_query.c - what the three questions of the history store (history,
 * compare, regressions) share besides their JSON builders (cmd_json.c):
 * the options they have in common, their usage errors, and opening the db
 * for them (cmd.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "store.h"
#include "store_history.h"

int cmd_query_num(const char *text, double lo, double hi, double *out)
{
	char *end = NULL;
	double v = strtod(text, &end);

	if (end == text || *end || !isfinite(v) || v <= lo || v >= hi)
		return -1;
	*out = v;
	return 0;
}

/* Takes argv[*i] (with its value, advancing *i) when it is one of the
 * options o accepts: 1 when taken, 0 when not one of them, -1 after a
 * usage error. */
static int common_opt(const char *name, int argc, char **argv, int *i,
		      const struct cmd_query_opts *o)
{
	const char *a = argv[*i];
	int has_value = *i + 1 < argc;

	if (o->json && strcmp(a, "--json") == 0) {
		*o->json = 1;
	} else if (o->backend && strcmp(a, "--backend") == 0 && has_value) {
		*o->backend = argv[++*i];
	} else if (o->machine && strcmp(a, "--machine") == 0 && has_value) {
		*o->machine = argv[++*i];
	} else if (o->threshold_pct && strcmp(a, "--threshold") == 0 && has_value) {
		if (cmd_query_num(argv[++*i], 0, 1e6, o->threshold_pct)) {
			fprintf(stderr, "mcreport %s: --threshold takes a percentage above 0, "
				"not '%s'\n", name, argv[*i]);
			return -1;
		}
	} else {
		return 0;
	}
	return 1;
}

static int bad_arg(const char *name, const char *a)
{
	fprintf(stderr, "mcreport %s: %s '%s' (see mcreport %s --help)\n", name,
		a[0] == '-' ? "unknown or incomplete option" : "unexpected argument", a,
		name);
	return -1;
}

int cmd_query_open(const struct cmd_ctx *ctx, struct store **out_st,
		   struct store_history **out_h, char *err, size_t n_err)
{
	*out_h = NULL;
	if (store_open(ctx->db_path, STORE_READ, out_st, err, n_err))
		return -1;
	return store_history_open(*out_st, out_h, err, n_err) ? -1 : 0;
}

int cmd_query_parse(const char *name, int argc, char **argv,
		    const struct cmd_query_opts *o)
{
	for (int i = 1; i < argc; i++) {
		int taken = common_opt(name, argc, argv, &i, o);

		if (!taken && o->own)
			taken = o->own(argc, argv, &i, o->arg);
		if (taken < 0)
			return -1;
		if (!taken)
			return bad_arg(name, argv[i]);
	}
	return 0;
}
