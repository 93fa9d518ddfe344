/*
 * render_memory.c - the {{memory}} directive: what each result's
 * measurement held in memory, from the figures stored with it (migration
 * 0005, src/lib/memstat.h): the worker's resident high-water mark over its
 * samples, how far that rose above its resident memory before the
 * workload (the workload's own share: inputs, scratch, caches), and the
 * device buffers it held. A reader sees measured bytes beside a formula,
 * not a formula in place of a measurement (the plan's "KV-cache ~173 MB").
 *
 * One row per benchmark of the suite (bench= filters), one cell per column
 * (cols= as in {{table}}): "+51.2 MB (peak 412 MB); device 50.3 MB", each
 * part only where it was recorded; a result that is not ok shows its
 * status, a benchmark the column did not run a dash.
 */
#include "render_dir.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdesc.h"
#include "units.h"

static void mb(struct sbuf *s, int64_t bytes)
{
	char num[UNITS_LEN];

	units_sig((double)bytes / 1e6, 3, num, sizeof(num));
	sbuf_addf(s, "%s MB", num);
}

/* The cell of res: the parts recorded, or "not recorded". */
static void memory_cell(struct sbuf *s, const struct store_result *res)
{
	int any = 0;

	if (!res) {
		sbuf_add(s, "\xe2\x80\x94");
		return;
	}
	if (strcmp(res->status, "ok") != 0) {
		sbuf_add(s, res->status);
		return;
	}
	if (res->peak_rss_bytes > 0 && res->base_rss_bytes > 0) {
		int64_t grow = res->peak_rss_bytes - res->base_rss_bytes;

		sbuf_add(s, grow >= 0 ? "+" : "\xe2\x88\x92");
		mb(s, grow >= 0 ? grow : -grow);
		sbuf_add(s, " (peak ");
		mb(s, res->peak_rss_bytes);
		sbuf_add(s, ")");
		any = 1;
	} else if (res->peak_rss_bytes > 0) {
		sbuf_add(s, "peak ");
		mb(s, res->peak_rss_bytes);
		any = 1;
	}
	if (res->device_bytes > 0) {
		sbuf_add(s, any ? "; device " : "device ");
		mb(s, res->device_bytes);
		any = 1;
	}
	if (!any)
		sbuf_add(s, "not recorded");
}

int render_memory_parse(struct render *r, const struct tmpl_node *node,
			const struct render_scope *sc, union render_args *out)
{
	struct render_memory_args *a = &out->memory;

	a->node = node;
	a->cols = tmpl_get(node, "cols", NULL);
	a->bench = tmpl_get(node, "bench", NULL);
	return render_suite(r, node, sc, &a->suite);
}

int render_memory_run(struct render *r, const union render_args *args,
		      const struct render_scope *sc)
{
	const struct render_memory_args *a = &args->memory;
	struct render_col *cols = NULL;
	const char **rows = NULL;
	size_t n_cols = 0, n_rows = 0;
	struct sbuf *s = &r->body;
	int rc;

	if ((rc = render_cols(r, a->node, "cols", a->cols, sc, a->suite, NULL, "wall",
			      &cols, &n_cols)) != 0 ||
	    (rc = render_rows(r, a->node, a->bench, cols, n_cols, &rows, &n_rows)) != 0)
		goto out;
	sbuf_add(s, "| benchmark |");
	for (size_t c = 0; c < n_cols; c++) {
		sbuf_add(s, " ");
		mdesc_text(s, cols[c].label);
		sbuf_add(s, " |");
	}
	sbuf_add(s, "\n|:--|");
	for (size_t c = 0; c < n_cols; c++)
		sbuf_add(s, "--:|");
	sbuf_add(s, "\n");
	for (size_t i = 0; i < n_rows; i++) {
		sbuf_add(s, "| ");
		render_code(s, rows[i]);
		sbuf_add(s, " |");
		for (size_t c = 0; c < n_cols; c++) {
			const struct store_result *res = render_find(&cols[c], rows[i]);

			if (res && (rc = render_use_cell(r, &cols[c], res)) != 0)
				goto out;
			sbuf_add(s, " ");
			memory_cell(s, res);
			sbuf_add(s, " |");
		}
		sbuf_add(s, "\n");
	}
	sbuf_add(s, "\nGrowth of the resident memory of the process that measured (mcbench, "
		 "or the peer's own) over its level before the workload, and in brackets "
		 "its peak, over the samples of the result; device: the buffers the "
		 "result held on its device. MB are 10^6 bytes. ");
	render_sources(s, cols, n_cols, rows, n_rows);
	sbuf_add(s, "\n");
	if (sbuf_failed(s))
		rc = render_oom(r);
out:
	free(rows);
	render_cols_free(cols, n_cols);
	return rc;
}
