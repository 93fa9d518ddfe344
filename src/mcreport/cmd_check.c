/*
 * cmd_check.c - `mcreport check FILE`: verifies that a committed document
 * (and its charts) equals a fresh render of the same template and db, and
 * shows a short unified diff of what drifted, saying whether the document
 * was rendered from other data (the digest its header names, rundigest.h,
 * is not that of the runs in the db) or its text was edited. Charts are rendered into a
 * temporary directory and compared there; nothing is written to the repo.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "store_import.h"
#include "linediff.h"
#include "render.h"
#include "rundigest.h"
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

/*
 * The data digest a document's header names (the line opening with
 * RENDER_DIGEST_MARK, before the header's closing blank line), copied into
 * out (RUNDIGEST_HEX_LEN + 1 bytes); "" when the header names none (a
 * document showing no run, or rendered before headers named their data).
 */
static void check_digest(const char *doc, char *out)
{
	static const char mark[] = "\n" RENDER_DIGEST_MARK;
	const char *end = doc ? strstr(doc, "\n\n") : NULL;
	const char *p = doc ? strstr(doc, mark) : NULL;
	size_t n = 0;

	out[0] = '\0';
	if (!p || (end && p > end))
		return;
	p += sizeof(mark) - 1;
	while (n < RUNDIGEST_HEX_LEN && strchr("0123456789abcdef", p[n]) && p[n])
		n++;
	if (n == RUNDIGEST_HEX_LEN && p[n] == '`') {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

/* Nonzero when argv[1..) names option opt. */
static int check_has_opt(int argc, char **argv, const char *opt)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], opt) == 0)
			return 1;
	return 0;
}

/*
 * The document says how it was rendered ("Rendered by `mcreport --db D
 * --template T --charts C`"); check re-renders the same way, so a bare
 * `mcreport check FILE` verifies a document made with other paths (make doc
 * renders from build/doc.sqlite). Options given on the command line win.
 * The words are copied into buf (n_buf bytes); a header whose paths needed
 * shell quoting is ignored, and the defaults apply.
 */
static void check_header_opts(const struct sbuf *doc, char *buf, size_t n_buf,
			      const char **out_db, const char **out_template,
			      const char **out_charts)
{
	static const char mark[] = "Rendered by `mcreport ";
	const char *p = doc->buf ? strstr(doc->buf, mark) : NULL;
	const char *end;
	char *w, *save = NULL;

	if (!p || (size_t)(p - doc->buf) > 4096)
		return;
	p += sizeof(mark) - 1;
	end = strchr(p, '`');
	if (!end || (size_t)(end - p) >= n_buf || memchr(p, '\'', (size_t)(end - p)) ||
	    memchr(p, '"', (size_t)(end - p)))
		return;
	memcpy(buf, p, (size_t)(end - p));
	buf[end - p] = '\0';
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const char **slot = strcmp(w, "--db") == 0 ? out_db :
			strcmp(w, "--template") == 0 ? out_template :
			strcmp(w, "--charts") == 0 ? out_charts : NULL;
		char *v = slot ? strtok_r(NULL, " ", &save) : NULL;

		if (slot && v)
			*slot = v;
	}
}

/*
 * The db a document names is a build product (make doc imports db/runs/
 * into build/doc.sqlite), so a fresh clone lacks it. Rebuilds it the same
 * way from the runs published beside the document (DIR/db/runs/NAME.json for
 * DIR/FILE); when there are none, says in one line what to run. Returns 0
 * when db_path now exists.
 */
static int check_rebuild_db(const char *db_path, const char *doc_file)
{
	char pattern[4200], err[MC_ERRLEN];
	const char *slash = strrchr(doc_file, '/');
	struct store *st = NULL;
	glob_t g;
	int rc = 0, total = 0;

	snprintf(pattern, sizeof(pattern), "%.*sdb/runs/*.json",
		 slash ? (int)(slash - doc_file + 1) : 0, doc_file);
	if (glob(pattern, 0, NULL, &g) != 0) {
		fprintf(stderr, "mcreport check: %s does not exist and there is no %s to rebuild "
			"it from: run `make doc` where %s was published, or name a db with --db\n",
			db_path, pattern, doc_file);
		return 1;
	}
	if (store_open(db_path, STORE_WRITE, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "mcreport check: cannot rebuild %s: %s\n", db_path, err);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < g.gl_pathc && !rc; i++) {
		int imported = 0;

		if (store_import_file(st, g.gl_pathv[i], &imported, NULL, err, sizeof(err)) != 0) {
			fprintf(stderr, "mcreport check: cannot rebuild %s: %s\n", db_path, err);
			rc = 1;
		}
		total += imported;
	}
	if (!rc)
		fprintf(stderr, "mcreport check: %s was missing; rebuilt it from the %d run(s) in "
			"%s, as `make doc` does\n", db_path, total, pattern);
out:
	store_close(st);
	globfree(&g);
	if (rc)
		unlink(db_path);   /* never leave a half-built db to be trusted later */
	return rc;
}

int cmd_check(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct cmd_render_opts o;
	struct render_out out = { 0 };
	struct sbuf doc = SBUF_INIT, diff = SBUF_INIT;
	struct store *st = NULL;
	char err[MC_ERRLEN], tmpdir[] = "/tmp/mcreport-check-XXXXXX", cmd[1024];
	char hdr[2048], kept_digest[RUNDIGEST_HEX_LEN + 1], fresh_digest[RUNDIGEST_HEX_LEN + 1];
	const char *h_db = NULL, *h_template = NULL, *h_charts = NULL, *db_path;
	int rc, drift = 0, have_tmp = 0;

	if (cmd_render_parse("check", argc, argv, ctx, 1, &o))
		return 2;
	if (check_read(o.file, &doc) != 0) {
		fprintf(stderr, "mcreport check: cannot read %s: %s\n", o.file, strerror(errno));
		return 1;
	}
	check_header_opts(&doc, hdr, sizeof(hdr), &h_db, &h_template, &h_charts);
	db_path = ctx->db_path;
	if (h_db && !ctx->db_given)
		o.r.db_label = db_path = h_db;
	if (h_template && !check_has_opt(argc, argv, "--template"))
		o.r.template_path = h_template;
	if (h_charts && !check_has_opt(argc, argv, "--charts"))
		o.r.charts_link = h_charts;
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
	if (h_db && !ctx->db_given && access(db_path, F_OK) != 0 &&
	    check_rebuild_db(db_path, o.file) != 0) {
		rc = MC_EIO;   /* check_rebuild_db said why, in one line */
		goto out;
	}
	rc = store_open(db_path, STORE_READ, &st, err, sizeof(err));
	if (rc == 0)
		rc = render_document(st, &o.r, &out, err, sizeof(err));
	if (rc) {
		if (rc == MC_ECLAIM && out.problems)
			fputs(out.problems, stderr);
		fprintf(stderr, "mcreport check: %s\n", err);
		goto out;
	}
	check_digest(doc.buf, kept_digest);
	check_digest(out.doc, fresh_digest);
	render_command(&o.r, cmd, sizeof(cmd));
	if (linediff_unified(doc.buf ? doc.buf : "", doc.len, out.doc, out.len, o.file,
			     "fresh render", 3, CHECK_MAX_DIFF_LINES, &diff)) {
		fputs(sbuf_str(&diff), stdout);
		/* Other data is not a hand edit: say which, so that nobody
		 * "fixes" a document whose runs were changed under it. */
		if (kept_digest[0] && strcmp(kept_digest, fresh_digest) != 0)
			fprintf(stderr, "mcreport check: %s was rendered from different data: "
				"its header names runs whose exports hash to SHA-256 %.12s..., "
				"those runs in %s now hash to %s%.12s%s (a run added, dropped or "
				"changed since it was rendered); re-render it from the data you "
				"mean to publish: %s > %s\n", o.file, kept_digest, db_path,
				fresh_digest[0] ? "" : "nothing (no run's data is shown)",
				fresh_digest, fresh_digest[0] ? "..." : "", cmd, o.file);
		else
			fprintf(stderr, "mcreport check: %s differs from a fresh render of %s "
				"from the same data; do not edit it by hand, re-render it: "
				"%s > %s\n", o.file, o.r.template_path ? o.r.template_path :
				RENDER_BUILTIN_TEMPLATE " (built-in)", cmd, o.file);
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
