/*
 * render.h - renders a template (tmpl.h) against the db into Markdown, with
 * verified claims, traceable numbers and gnuplot charts.
 *
 * The engine, not the template, writes the document's header: that it is
 * generated, by which command, from which db and run uuids, the digest of
 * those runs' data (rundigest.h), and that it must not be edited by hand. Every table says which runs and how many samples its
 * numbers come from; every inline number and claim gets a footnote saying
 * the same. The output depends only on the db and the template (and the
 * options shown in the header): no clock, no locale, no host names beyond
 * the data.
 *
 * The template language is documented in docs/templates.md.
 */
#ifndef MC_RENDER_H
#define MC_RENDER_H
#include <stddef.h>
#include "store.h"

struct render_opts {
	const char *template_path;  /* template file to read; NULL: the built-in one */
	const char *db_label;       /* db path as written in the header */
	const char *charts_link;    /* directory charts are linked under, relative to the document */
	const char *charts_out;     /* directory SVG files are written to; NULL: charts_link */
	int no_charts;              /* link charts, but neither draw nor write them */
	const char *gnuplot;        /* program; NULL: $MCREPORT_GNUPLOT or "gnuplot" */
};

struct render_out {
	char *doc;                  /* the Markdown document (malloc'd, NUL-terminated) */
	size_t len;
	char **charts;              /* file names (no directory) of the charts drawn */
	size_t n_charts;
	char *problems;             /* claims that do not hold or lack data: one
				     * "FILE:LINE:COL: ..." line each; NULL if none */
};

/* The built-in template (templates/default.md.in, compiled in): shows
 * whatever the db holds, per machine and suite, naming no machine. */
#define RENDER_BUILTIN_TEMPLATE "default.md.in"

/* The directory charts are linked under when none is given. */
#define RENDER_DEFAULT_CHARTS "reports"

/* The header line naming the data rendered opens with this, then the
 * digest's RUNDIGEST_HEX_LEN hex digits and a backquote; absent when the
 * document shows no run's data. */
#define RENDER_DIGEST_MARK "> Data: SHA-256 `"

/* The command line that reproduces a render with o, as the header shows it. */
void render_command(const struct render_opts *o, char *out, size_t n_out);

/* Renders o->template_path (the built-in template when NULL) against db (read only; not owned). On success
 * *out owns the document and chart names (render_out_free), and the charts
 * are written under o->charts_out (created when missing) unless
 * o->no_charts. Errors:
 *   MC_EINVAL  template error: "FILE:LINE:COL: message" (syntax, unknown
 *              directive, argument, suite, backend, benchmark, machine, run)
 *   MC_ECLAIM  a claim does not hold or lacks data: out->problems lists
 *              them all, out->doc is NULL (a contradicted document is
 *              never produced)
 *   MC_EIO     template unreadable, gnuplot failed, charts not writable
 *   MC_EDB, MC_ENOMEM
 * On error out->doc is NULL; release *out with render_out_free in every
 * case. */
int render_document(struct store *st, const struct render_opts *o, struct render_out *out,
		    char *err, size_t n_err);

void render_out_free(struct render_out *out);   /* accepts a zeroed struct */

#endif
