/*
 * cmd_render.c - `mcreport [render]`: the template rendered against the db
 * to stdout, charts under --charts. Also the option parsing that check
 * shares, the mapping of library errors to exit statuses, and the JSON
 * printer of the history commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "render.h"
#include "store.h"

int cmd_exit_status(int mc_err)
{
	switch (mc_err) {
	case MC_OK: return 0;
	case MC_EINVAL: return 2;
	case MC_ECLAIM: return 3;
	default: return 1;
	}
}

int cmd_print_json(cJSON *doc)
{
	char *text = doc ? cJSON_Print(doc) : NULL;

	cJSON_Delete(doc);
	if (!text)
		return MC_ENOMEM;
	printf("%s\n", text);
	free(text);
	return 0;
}

int cmd_print_sbuf(struct sbuf *out, int rc)
{
	if (!rc && !sbuf_failed(out))
		fputs(sbuf_str(out), stdout);
	else
		rc = MC_ENOMEM;
	sbuf_release(out);
	return rc;
}

int cmd_render_parse(const char *name, int argc, char **argv, const struct cmd_ctx *ctx,
		     int want_file, struct cmd_render_opts *out)
{
	memset(out, 0, sizeof(*out));
	out->r.db_label = ctx->db_path;
	out->r.charts_link = RENDER_DEFAULT_CHARTS;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--template") == 0 && i + 1 < argc) {
			out->r.template_path = argv[++i];
		} else if (strcmp(a, "--charts") == 0 && i + 1 < argc) {
			out->r.charts_link = argv[++i];
		} else if (strcmp(a, "--no-charts") == 0) {
			out->r.no_charts = 1;
		} else if (want_file && a[0] != '-' && !out->file) {
			out->file = a;
		} else {
			fprintf(stderr, "mcreport %s: %s '%s' (see mcreport %s --help)\n", name,
				a[0] == '-' ? "unknown or incomplete option" : "unexpected argument",
				a, name);
			return -1;
		}
	}
	if (want_file && !out->file) {
		fprintf(stderr, "mcreport %s: no FILE given (see mcreport %s --help)\n", name, name);
		return -1;
	}
	if (!*out->r.charts_link) {
		fprintf(stderr, "mcreport %s: --charts needs a directory\n", name);
		return -1;
	}
	/* No --template: the built-in one (render.h), so any db renders. */
	return 0;
}

int cmd_render(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct cmd_render_opts o;
	struct render_out out = { 0 };
	struct store *st = NULL;
	char err[MC_ERRLEN];
	int rc;

	if (cmd_render_parse("render", argc, argv, ctx, 0, &o))
		return 2;
	rc = store_open(ctx->db_path, STORE_READ, &st, err, sizeof(err));
	if (rc == 0)
		rc = render_document(st, &o.r, &out, err, sizeof(err));
	if (rc == MC_ECLAIM && out.problems)
		fputs(out.problems, stderr);
	if (rc) {
		fprintf(stderr, "mcreport: %s\n", err);
	} else if (fwrite(out.doc, 1, out.len, stdout) != out.len) {
		fprintf(stderr, "mcreport: error writing standard output\n");
		rc = MC_EIO;
	}
	render_out_free(&out);
	store_close(st);
	return cmd_exit_status(rc);
}
