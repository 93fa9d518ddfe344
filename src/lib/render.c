/*
 * render.c - the template engine: the table of directives (name, argument
 * spec, parser, handler), the walk over a parsed template that dispatches
 * through it, and the assembly of the document: engine-written header,
 * body, sections written last ({{provenance}}, {{rejected}}) and
 * footnotes. The directives are in the files render_dir.h lists; the
 * helpers they share in render_util.c and render_cols.c. Nothing below
 * calls back into this file.
 */
#include "render_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "embed.h"
#include "err.h"
#include "rundigest.h"

/* ---------------------------------------------------------------- vocabulary */

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* One directive: its syntax for the parser (tmpl.h), the parser of its
 * arguments, and exactly one handler: run (writes in place), emit
 * (written once the body is done, where the directive stood) or enter (a
 * block rendered once per scope it returns). */
struct render_directive {
	struct tmpl_spec spec;
	render_parse_fn *parse;
	render_run_fn *run;
	render_emit_fn *emit;
	render_enter_fn *enter;
};

static const struct render_directive render_directives[] = {
	{ { "select", TMPL_BLOCK, NULL,
	    L("machine", "run", "commit", "cpu", "cores", "device"), NULL },
	  render_select_parse, NULL, NULL, render_select_enter },
	{ { "each", TMPL_BLOCK, L("machine", "suite"), NULL, NULL },
	  render_each_parse, NULL, NULL, render_each_enter },
	{ { "this", TMPL_INLINE, L("machine", "suite"), NULL, NULL },
	  render_this_parse, render_this_run, NULL, NULL },
	{ { "table", TMPL_OWN_LINE, NULL,
	    L("suite", "cols", "bench", "metric", "throughput", "peak", "spread", "ratio",
	      "clock", "variant", "per", "vs", "vs_suite", "match"), L("suite") },
	  render_table_parse, render_table_run, NULL, NULL },
	{ { "value", TMPL_INLINE, NULL,
	    L("suite", "bench", "backend", "metric", "clock", "variant", "spread"),
	    L("suite", "bench", "backend") },
	  render_value_parse, render_value_run, NULL, NULL },
	{ { "ratio", TMPL_INLINE, NULL,
	    L("suite", "bench", "a", "b", "clock", "variant", "vs", "vs_suite", "match"),
	    L("suite", "a") },
	  render_ratio_parse, render_ratio_run, NULL, NULL },
	{ { "claim", TMPL_INLINE, L("faster", "within", "atleast", "share"),
	    L("suite", "bench", "a", "b", "by", "pct", "backend", "metric", "value", "clock",
	      "variant", "runs", "vs", "vs_suite", "match"), L("suite") },
	  render_claim_parse, render_claim_run, NULL, NULL },
	{ { "chart", TMPL_OWN_LINE, L("bars", "scaling", "history"),
	    L("suite", "cols", "bench", "metric", "x", "last", "clock", "variant", "name",
	      "log"), L("suite") },
	  render_chart_parse, render_chart_run, NULL, NULL },
	{ { "provenance", TMPL_OWN_LINE, NULL, L("heading", "names"), NULL },
	  render_provenance_parse, NULL, render_provenance_emit, NULL },
	{ { "rejected", TMPL_OWN_LINE, NULL, L("suite"), NULL },
	  render_rejected_parse, NULL, render_rejected_emit, NULL },
	{ { "suspicious", TMPL_OWN_LINE, NULL, L("suite"), NULL },
	  render_suspicious_parse, render_suspicious_run, NULL, NULL },
	{ { "regressions", TMPL_OWN_LINE, NULL, L("backend", "since", "threshold"), NULL },
	  render_regressions_parse, render_regressions_run, NULL, NULL },
	{ { "settings", TMPL_OWN_LINE, NULL, L("suite", "cols"), L("suite") },
	  render_settings_parse, render_settings_run, NULL, NULL },
	{ { "checks", TMPL_OWN_LINE, NULL, L("suite", "cols"), L("suite") },
	  render_checks_parse, render_checks_run, NULL, NULL },
	{ { "memory", TMPL_OWN_LINE, NULL, L("suite", "cols", "bench"), L("suite") },
	  render_memory_parse, render_memory_run, NULL, NULL },
};

#define RENDER_N_DIRECTIVES (sizeof(render_directives) / sizeof(render_directives[0]))

/* The directive of node, or NULL for {{end}} (which the parser adds). */
static const struct render_directive *render_directive_of(const struct render *r,
							  const struct tmpl_node *node)
{
	size_t i = (size_t)(node->spec - r->specs);

	return node->spec >= r->specs && i < RENDER_N_DIRECTIVES ? &render_directives[i] : NULL;
}

/* ---------------------------------------------------------------- engine */

/* A section written last, with its arguments parsed where it stood. */
struct render_deferred {
	size_t id;               /* index in render_directives */
	union render_args args;
	size_t at;               /* offset in the body where its output goes */
};

static int render_defer(struct render *r, size_t id, const union render_args *args)
{
	struct render_deferred *nd = realloc(r->deferred, (r->n_deferred + 1) * sizeof(*nd));

	if (!nd)
		return render_oom(r);
	r->deferred = nd;
	nd[r->n_deferred].id = id;
	nd[r->n_deferred].args = *args;
	nd[r->n_deferred].at = r->body.len;
	r->n_deferred++;
	return 0;
}

static int render_range(struct render *r, size_t from, size_t to,
			const struct render_scope *sc);

/* One directive node: parse its arguments once, then dispatch. Sets *next
 * to the index after what it consumed (a block's {{end}}). */
static int render_node(struct render *r, size_t i, const struct render_scope *sc,
		       size_t *next)
{
	const struct tmpl_node *node = &r->t->nodes[i];
	const struct render_directive *d = render_directive_of(r, node);
	struct render_scope *scopes = NULL;
	union render_args args;
	size_t n_scopes = 0;
	int rc, any_claim = 0;

	*next = i + 1;
	if (!d)
		return 0;   /* {{end}}: its block was handled at the opening */
	memset(&args, 0, sizeof(args));
	if (d->spec.flags & TMPL_BLOCK)
		*next = node->end + 1;
	if ((rc = d->parse(r, node, sc, &args)) != 0)
		return rc;
	if (d->run)
		return d->run(r, &args, sc);
	if (d->emit)
		return render_defer(r, (size_t)(d - render_directives), &args);
	if ((rc = d->enter(r, &args, sc, &scopes, &n_scopes)) != 0)
		return rc;
	for (size_t k = 0; k < n_scopes; k++) {
		rc = render_range(r, i + 1, node->end, &scopes[k]);
		if (rc == MC_ECLAIM)
			any_claim = 1;
		else if (rc)
			break;
		rc = 0;
	}
	free(scopes);
	return rc ? rc : any_claim ? MC_ECLAIM : 0;
}

static int render_range(struct render *r, size_t from, size_t to,
			const struct render_scope *sc)
{
	int rc = 0;

	for (size_t i = from; i < to;) {
		const struct tmpl_node *node = &r->t->nodes[i];
		int step;

		if (node->kind == TMPL_TEXT) {
			sbuf_addn(&r->body, node->text, node->len);
			i++;
			continue;
		}
		step = render_node(r, i, sc, &i);
		if (step == MC_ECLAIM) {
			rc = MC_ECLAIM;    /* keep going: report every claim at once */
			continue;
		}
		if (step)
			return step;
	}
	return rc;
}

/* The template named by o, or the built-in one (embedded from
 * templates/default.md.in) when o names none. */
static int render_load(const struct render_opts *o, const struct tmpl_spec *specs,
		       struct tmpl **out, char *err, size_t n_err)
{
	if (o->template_path)
		return tmpl_load(o->template_path, specs, out, err, n_err);
	for (size_t i = 0; i < templates_count; i++)
		if (strcmp(templates[i].name, RENDER_BUILTIN_TEMPLATE) == 0)
			return tmpl_parse(RENDER_BUILTIN_TEMPLATE " (built-in)", templates[i].text,
					  strlen(templates[i].text), specs, out, err, n_err);
	return err_set(err, n_err, MC_EIO, "this mcreport was built without its default template.");
}

static void render_shell_word(struct sbuf *s, const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-/=:+,@%") == strlen(w)) {
		sbuf_add(s, w);
		return;
	}
	sbuf_addc(s, '\'');
	for (; *w; w++) {
		if (*w == '\'')
			sbuf_add(s, "'\\''");
		else
			sbuf_addc(s, *w);
	}
	sbuf_addc(s, '\'');
}

void render_command(const struct render_opts *o, char *out, size_t n_out)
{
	struct sbuf s = SBUF_INIT;

	sbuf_add(&s, "mcreport --db ");
	render_shell_word(&s, o->db_label);
	if (o->template_path) {
		sbuf_add(&s, " --template ");
		render_shell_word(&s, o->template_path);
	}
	sbuf_add(&s, " --charts ");
	render_shell_word(&s, o->charts_link ? o->charts_link : RENDER_DEFAULT_CHARTS);
	snprintf(out, n_out, "%s", sbuf_failed(&s) ? "mcreport" : sbuf_str(&s));
	sbuf_release(&s);
}

static void render_header(struct render *r, struct sbuf *s, const struct store_run **runs,
			  const char *digest)
{
	char cmd[1024];

	render_command(r->o, cmd, sizeof(cmd));
	sbuf_add(s, "> **Generated file: do not edit by hand.** Rendered by ");
	render_code(s, cmd);
	if (r->o->template_path) {
		sbuf_add(s, " from the template ");
		render_code(s, r->o->template_path);
	} else {
		sbuf_add(s, " from the built-in template ");
		render_code(s, RENDER_BUILTIN_TEMPLATE);
	}
	sbuf_add(s, " and the db ");
	render_code(s, r->o->db_label);
	if (r->n_used) {
		sbuf_addf(s, ", run%s", r->n_used == 1 ? "" : "s");
		for (size_t i = 0; i < r->n_used; i++) {
			sbuf_add(s, i ? ", " : " ");
			render_code(s, runs[i]->uuid);
		}
	} else {
		sbuf_add(s, " (no run's data is shown)");
	}
	sbuf_add(s, ".\n");
	if (r->n_used) {
		/* RENDER_DIGEST_MARK opens this line; cmd_check reads it */
		sbuf_add(s, RENDER_DIGEST_MARK);
		sbuf_add(s, digest);
		sbuf_add(s, "` over the exports of those runs, in that order "
			 "(`mcreport export --run UUID` of each).\n");
	}
	sbuf_add(s, "> Every number below comes from those runs; change the template and "
		 "re-render. `mcreport check` fails when this file and the data disagree.\n\n");
}

/* The digest of the runs the document uses (rundigest.h), in header order. */
static int render_digest(struct render *r, const struct store_run **runs, char *out_hex)
{
	int64_t *ids = malloc((r->n_used ? r->n_used : 1) * sizeof(*ids));
	int rc;

	if (!ids)
		return render_oom(r);
	for (size_t i = 0; i < r->n_used; i++)
		ids[i] = runs[i]->id;
	rc = rundigest_runs(r->st, ids, r->n_used, out_hex, r->err, r->n_err);
	free(ids);
	return rc;
}

/* Provenance and rejected sections need every run the document uses, so
 * they are rendered last and spliced in where their directive stood. */
static int render_assemble(struct render *r, struct sbuf *doc)
{
	const struct store_run **runs = NULL;
	char digest[RUNDIGEST_HEX_LEN + 1];
	size_t from = 0;
	int rc;

	if ((rc = render_used_runs(r, &runs)) != 0)
		return rc;
	if ((rc = render_digest(r, runs, digest)) != 0) {
		free(runs);
		return rc;
	}
	render_header(r, doc, runs, digest);
	free(runs);
	for (size_t i = 0; i < r->n_deferred; i++) {
		/* sbuf_str: the body is still NULL when a deferred directive
		 * opens the template (found by tests/fuzz, fuzz_tmpl). */
		sbuf_addn(doc, sbuf_str(&r->body) + from, r->deferred[i].at - from);
		from = r->deferred[i].at;
		if ((rc = render_directives[r->deferred[i].id].emit(r, &r->deferred[i].args, doc)))
			return rc;
	}
	sbuf_addn(doc, sbuf_str(&r->body) + from, r->body.len - from);
	if (r->n_notes) {
		while (doc->len && doc->buf[doc->len - 1] == '\n')
			sbuf_truncate(doc, doc->len - 1);
		sbuf_add(doc, "\n\n");
		sbuf_add(doc, sbuf_str(&r->notes));
	}
	return sbuf_failed(doc) || sbuf_failed(&r->body) || sbuf_failed(&r->notes) ?
		render_oom(r) : 0;
}

static int render_mkdirs(const char *dir, char *err, size_t n_err)
{
	char path[4096];

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return err_set(err, n_err, MC_EIO, "chart directory name too long.");
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0777) != 0 && errno != EEXIST)
				return err_set(err, n_err, MC_EIO, "cannot create %s: %s.", path,
					       strerror(errno));
			*p = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int render_document(struct store *st, const struct render_opts *o, struct render_out *out,
		    char *err, size_t n_err)
{
	struct tmpl_spec specs[RENDER_N_DIRECTIVES + 1];
	struct render r;
	struct render_scope top;
	struct sbuf doc = SBUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	memset(&top, 0, sizeof(top));
	for (size_t i = 0; i < RENDER_N_DIRECTIVES; i++)
		specs[i] = render_directives[i].spec;
	memset(&specs[RENDER_N_DIRECTIVES], 0, sizeof(specs[0]));
	r.specs = specs;
	r.o = o;
	r.st = st;
	r.err = err;
	r.n_err = n_err;
	if ((rc = render_load(o, specs, &r.t, err, n_err)) ||
	    (rc = store_report_open(st, &r.rp, err, n_err)) ||
	    (rc = chart_batch_new(&r.charts, err, n_err)) ||
	    (rc = store_report_default_machine(r.rp, &r.default_machine, err, n_err)))
		goto out;
	rc = render_range(&r, 0, r.t->n_nodes, &top);
	if (rc == MC_ECLAIM) {
		out->problems = sbuf_detach(&r.problems);
		err_set(err, n_err, MC_ECLAIM, "%zu claim%s in %s do%s not hold or lack%s data.",
			r.n_problems, r.n_problems == 1 ? "" : "s", r.t->path,
			r.n_problems == 1 ? "es" : "", r.n_problems == 1 ? "s" : "");
		goto out;
	}
	if (rc || (rc = render_assemble(&r, &doc)))
		goto out;
	if (!o->no_charts && chart_batch_count(r.charts)) {
		const char *dir = o->charts_out ? o->charts_out :
			o->charts_link ? o->charts_link : RENDER_DEFAULT_CHARTS;

		if ((rc = render_mkdirs(dir, err, n_err)) ||
		    (rc = chart_batch_draw(r.charts, o->gnuplot, err, n_err)))
			goto out;
	}
	out->len = doc.len;
	out->doc = sbuf_detach(&doc);
	if (!out->doc) {
		rc = render_oom(&r);
		goto out;
	}
	if (!o->no_charts) {   /* the names go to the caller; freed below otherwise */
		out->charts = r.chart_files;
		out->n_charts = r.n_chart_files;
		r.chart_files = NULL;
		r.n_chart_files = 0;
	}
out:
	if (rc) {
		free(out->doc);
		out->doc = NULL;
		out->len = 0;
	}
	for (size_t i = 0; i < r.n_chart_files; i++)
		free(r.chart_files[i]);
	free(r.chart_files);
	sbuf_release(&doc);
	sbuf_release(&r.body);
	sbuf_release(&r.notes);
	sbuf_release(&r.problems);
	free(r.used);
	free(r.deferred);
	chart_batch_free(r.charts);
	store_report_close(r.rp);
	tmpl_free(r.t);
	return rc;
}

void render_out_free(struct render_out *out)
{
	free(out->doc);
	for (size_t i = 0; i < out->n_charts; i++)
		free(out->charts[i]);
	free(out->charts);
	free(out->problems);
	memset(out, 0, sizeof(*out));
}
