/*
 * cmd_check.c - `mcreport check FILE`: verifies that a committed document
 * (and its charts) equals a fresh render of the same template and db, and
 * shows a short unified diff of what drifted. Charts are rendered into a
 * temporary directory and compared there; nothing is written to the repo.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "linediff.h"
#include "render.h"
#include "sbuf.h"
#include "store.h"

#define CHECK_MAX_DIFF_LINES 40

/* The whole file at path into out; -1 (errno set) when unreadable. */
static int check_read(const char *path, struct sbuf *out)
{
	char chunk[8192];
	size_t got;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sbuf_addn(out, chunk, got);
	if (ferror(f) || sbuf_failed(out)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	return 0;
}

/* Compares a fresh chart with the committed one; 1 when they differ. */
static int check_chart(const char *tmpdir, const char *dir, const char *file)
{
	struct sbuf fresh = SBUF_INIT, kept = SBUF_INIT;
	char a[4200], b[4200];
	int differs;

	snprintf(a, sizeof(a), "%s/%s", tmpdir, file);
	snprintf(b, sizeof(b), "%s/%s", dir, file);
	if (check_read(a, &fresh) != 0) {
		fprintf(stderr, "mcreport check: cannot read the fresh chart %s: %s\n", a,
			strerror(errno));
		differs = 1;
	} else if (check_read(b, &kept) != 0) {
		fprintf(stderr, "mcreport check: chart %s is missing (%s)\n", b, strerror(errno));
		differs = 1;
	} else {
		differs = fresh.len != kept.len || memcmp(fresh.buf, kept.buf, fresh.len) != 0;
		if (differs)
			fprintf(stderr, "mcreport check: chart %s differs from a fresh render\n", b);
	}
	sbuf_release(&fresh);
	sbuf_release(&kept);
	unlink(a);
	return differs;
}

int cmd_check(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct cmd_render_opts o;
	struct render_out out = { 0 };
	struct sbuf doc = SBUF_INIT, diff = SBUF_INIT;
	struct store *st = NULL;
	char err[MC_ERRLEN], tmpdir[] = "/tmp/mcreport-check-XXXXXX", cmd[1024];
	int rc, drift = 0, have_tmp = 0;

	if (cmd_render_parse("check", argc, argv, ctx, 1, &o))
		return 2;
	if (check_read(o.file, &doc) != 0) {
		fprintf(stderr, "mcreport check: cannot read %s: %s\n", o.file, strerror(errno));
		return 1;
	}
	if (!o.r.no_charts) {
		if (!mkdtemp(tmpdir)) {
			fprintf(stderr, "mcreport check: cannot create a temporary directory: %s\n",
				strerror(errno));
			sbuf_release(&doc);
			return 1;
		}
		have_tmp = 1;
		o.r.charts_out = tmpdir;
	}
	rc = store_open(ctx->db_path, STORE_READ, &st, err, sizeof(err));
	if (rc == 0)
		rc = render_document(store_db(st), &o.r, &out, err, sizeof(err));
	if (rc) {
		if (rc == MC_ECLAIM && out.problems)
			fputs(out.problems, stderr);
		fprintf(stderr, "mcreport check: %s\n", err);
		goto out;
	}
	if (linediff_unified(doc.buf ? doc.buf : "", doc.len, out.doc, out.len, o.file,
			     "fresh render", 3, CHECK_MAX_DIFF_LINES, &diff)) {
		fputs(sbuf_str(&diff), stdout);
		render_command(&o.r, cmd, sizeof(cmd));
		fprintf(stderr, "mcreport check: %s differs from a fresh render of %s; do not "
			"edit it by hand, re-render it: %s > %s\n", o.file, o.r.template_path,
			cmd, o.file);
		drift = 1;
	} else if (doc.len != out.len) {
		/* Same lines, different bytes: only the final newline can differ. */
		fprintf(stderr, "mcreport check: %s differs from a fresh render in its final "
			"newline\n", o.file);
		drift = 1;
	}
	for (size_t i = 0; i < out.n_charts; i++)
		drift |= check_chart(tmpdir, o.r.charts_link, out.charts[i]);
out:
	if (have_tmp && rmdir(tmpdir) != 0)
		fprintf(stderr, "mcreport check: cannot remove %s: %s\n", tmpdir, strerror(errno));
	render_out_free(&out);
	store_close(st);
	sbuf_release(&doc);
	sbuf_release(&diff);
	if (rc)
		return cmd_exit_status(rc);
	return drift ? 1 : 0;
}
