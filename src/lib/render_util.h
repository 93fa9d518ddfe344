/*
 * render_util.h - the helpers every directive of the render module uses:
 * errors at a template position, the bookkeeping of what the document
 * shows, argument checks, column and row resolution, number wording and
 * footnotes (render_util.c, render_cols.c). They sit below the directive
 * files (render_dir.h) and never call into them or into the engine
 * (render.c), so the module has no cycle: engine -> directives -> helpers.
 * Not for use outside src/lib/render*.c.
 */
#ifndef MC_RENDER_UTIL_H
#define MC_RENDER_UTIL_H
#include <stddef.h>
#include <stdint.h>

#include "chart.h"
#include "render.h"
#include "store_report.h"
#include "sbuf.h"
#include "stats_boot.h"
#include "tmpl.h"

#define RENDER_MAX_MACHINES 16

/* What the enclosing {{select}} and {{each}} blocks chose; the outermost
 * scope is all zeros (the machine of the latest complete run, latest
 * runs, any commit, no current suite). */
struct render_scope {
	int64_t machines[RENDER_MAX_MACHINES];
	size_t n_machines;          /* 0: the default machine */
	int64_t pin_run;            /* 0: none */
	const char *commit;         /* prefix or NULL; owned by the template */
	const char *suite;          /* {{each suite}}'s current one (suite=*), or NULL;
				     * owned by the report */
};

/* One column of data: a backend of a machine, read from one run. */
struct render_col {
	const char *backend, *variant, *clock;   /* owned by the report / template */
	int64_t machine_id;
	const struct store_run *run;
	const struct store_device *dev;         /* NULL: no device row */
	const struct store_result **by_bench;   /* sorted by benchmark name */
	size_t n;
	char label[192];                         /* for display, not escaped */
};

/* The *_PCT metrics are a share of the device's measured peak at the
 * median time; the *_BEST_PCT ones at the best (minimum) time, like for
 * like with the peaks, which are themselves the best of many probes. */
enum render_metric {
	RENDER_TIME, RENDER_GBPS, RENDER_GFLOPS, RENDER_GBPS_PCT, RENDER_GFLOPS_PCT,
	RENDER_SAMPLES, RENDER_GBPS_BEST_PCT, RENDER_GFLOPS_BEST_PCT,
	RENDER_N_METRICS
};

/* Metric kinds (any share of peak; a share at the best sample; a
 * bandwidth share). */
int render_metric_is_pct(enum render_metric m);
int render_metric_is_best(enum render_metric m);
int render_metric_is_gbps_pct(enum render_metric m);

struct render_deferred;   /* the engine's (render.c) */

struct render {
	const struct render_opts *o;
	struct store *st;             /* read only */
	struct tmpl *t;
	const struct tmpl_spec *specs; /* the vocabulary t was parsed with (render.c) */
	struct store_report *rp;
	struct chart_batch *charts;
	struct sbuf body, notes, problems;
	size_t n_notes, n_problems;
	int64_t *used;                /* ids of the runs whose data is shown */
	size_t n_used, cap_used;
	char **chart_files;
	size_t n_chart_files;
	struct render_deferred *deferred;
	size_t n_deferred;
	int64_t default_machine;
	/* Over every cell shown, for the methodology summary. */
	int64_t min_samples, max_samples, min_iters, max_iters;
	unsigned clocks;              /* 1: wall, 2: device */
	char *err;
	size_t n_err;
};

/* Template error at key's argument of node (at the directive when key is
 * NULL or absent): "FILE:LINE:COL: message". Returns MC_EINVAL. */
int render_error(struct render *r, const struct tmpl_node *node, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Records a claim that does not hold or lacks data. Returns MC_ECLAIM. */
int render_problem(struct render *r, const struct tmpl_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets the error buffer to "out of memory while rendering."; returns MC_ENOMEM. */
int render_oom(struct render *r);

/* Marks a run as used (listed in the header and provenance). */
int render_use_run(struct render *r, int64_t run_id);
/* The runs used, oldest first (free the array, not the runs). */
int render_used_runs(struct render *r, const struct store_run ***out);
/* Marks a column's cell as shown: its run, sample counts and clock. */
int render_use_cell(struct render *r, const struct render_col *c,
		    const struct store_result *res);

/* The suite argument, checked against the db; "*" is the suite of the
 * enclosing {{each suite}} (an error outside one). */
int render_suite(struct render *r, const struct tmpl_node *node,
		 const struct render_scope *sc, const char **out);
/* clock= (wall by default) and variant= ("" by default), checked. */
int render_clock(struct render *r, const struct tmpl_node *node, const char **out);
const char *render_variant(const struct tmpl_node *node);
/* metric= (dflt when absent), checked; allowed is a mask of 1 << metric. */
int render_metric(struct render *r, const struct tmpl_node *node, enum render_metric dflt,
		  unsigned allowed, enum render_metric *out);

/* The name of a metric as metric= spells it ("gbps_peak"). */
const char *render_metric_name(enum render_metric m);

/* Checks that suite has a benchmark named bench (error at bench=). */
int render_known_bench(struct render *r, const struct tmpl_node *node, const char *suite,
		       const char *bench);

/* Whether a bench= pattern is a glob rather than one name. */
int render_has_glob(const char *s);

/* Appends up to max items of a NULL-terminated list, ", "-separated
 * (", ..." when there are more; "none" when empty). */
void render_join(struct sbuf *s, const char *const *list, size_t max);

/* The argument key as an index in the NULL-terminated names (dflt when
 * absent); an error listing them otherwise. */
int render_choice(struct render *r, const struct tmpl_node *node, const char *key,
		  const char *const *names, int dflt, int *out);

/* A positive number argument key; dflt when absent. */
int render_number(struct render *r, const struct tmpl_node *node, const char *key,
		  double dflt, double *out);

/* Resolves a list of column items "family[@machine],..." (all backends of
 * the suite when spec is NULL) under scope into columns, errors pointing at
 * key. Free with render_cols_free. */
int render_cols(struct render *r, const struct tmpl_node *node, const char *key,
		const char *spec, const struct render_scope *sc, const char *suite,
		const char *variant, const char *clock, struct render_col **out,
		size_t *out_n);
void render_cols_free(struct render_col *cols, size_t n);

/* The column of the argument key: exactly one backend must match. Free
 * with render_cols_free(*out, 1). */
int render_one_col(struct render *r, const struct tmpl_node *node, const char *key,
		   const struct render_scope *sc, const char *suite, const char *variant,
		   const char *clock, struct render_col **out);

/* The column of c's machine and backend read for suite under scope sc (its
 * latest run of suite, or the pinned one), in c's variant when that run
 * has it, else in its only one; errors at key. Free with
 * render_cols_free(*out, 1). */
int render_col_like(struct render *r, const struct tmpl_node *node, const char *key,
		    const struct render_col *c, const struct render_scope *sc,
		    const char *suite, struct render_col **out);

/* Resolves one machine name (hostname, fingerprint prefix or "*") and
 * appends its ids to ids[*n_ids] (at most RENDER_MAX_MACHINES), errors at
 * key. */
int render_machine(struct render *r, const struct tmpl_node *node, const char *key,
		   const char *name, int64_t *ids, size_t *n_ids);

/* Two columns compared with each other: names their machines when they
 * differ, so "cpu / cpu" reads "cpu @ a / cpu @ b". */
void render_label_pair(struct render *r, struct render_col *a, struct render_col *b);

/* The result of a column for a benchmark, or NULL. */
const struct store_result *render_find(const struct render_col *c, const char *bench);

/* Benchmarks of the columns (union) matching the glob pattern (NULL: all),
 * in natural order ("rows=64" before "rows=1024"). Free the array (not the
 * strings) with free(). Error when none. */
int render_rows(struct render *r, const struct tmpl_node *node, const char *pattern,
		const struct render_col *cols, size_t n_cols, const char ***out,
		size_t *out_n);

/* Natural order of benchmark names: digit runs compare as numbers. */
int render_natural_cmp(const char *a, const char *b);

/* The metric's value for a result ('ok' only; NaN when it has none). */
double render_value(const struct store_result *res, const struct store_device *dev,
		    enum render_metric m);
/* Appends a value of metric m with its unit: "1.23 ms", "45.1 GB/s",
 * "62% of peak", "10 samples". */
void render_value_text(struct sbuf *s, double v, enum render_metric m);
/* Appends the time ratio ta / tb, worded so its direction cannot be
 * misread: "0.10x (cpu 9.6x faster)", "1.00x (same speed)". */
void render_ratio_text(struct sbuf *s, double ta, double tb, const char *a_label,
		       const char *b_label);
/* Appends the "Source:" line of a table or chart: runs, dates, samples. */
void render_sources(struct sbuf *s, const struct render_col *cols, size_t n_cols,
		    const char *const *rows, size_t n_rows);
/* Starts a footnote: appends its reference to the body and opens its
 * definition in r->notes (the caller writes the text and the newline). */
void render_note_open(struct render *r);
/* "cpu from run `1a2b3c4d` (date, median of 10 samples, wall clock)" for a
 * footnote; "best of" when the value came from the fastest sample (m a
 * *_BEST_PCT). */
void render_note_cell(struct sbuf *s, const struct render_col *c,
		      const struct store_result *res, enum render_metric m);

/* Appends text escaped for the document (mdesc_text), or as is for a
 * message (sbuf_add). */
typedef void render_put_fn(struct sbuf *s, const char *text);

/* ---- pairs of columns (render_pair.c) */

/* One benchmark both columns ran, with each side's result; with vs=, a's
 * benchmark (bench) and its partner (b->benchmark). */
struct render_pair {
	const char *bench;
	const struct store_result *a, *b;
};

/* vs=GLOB vs_suite=SUITE match=P,...: each benchmark of a set against its
 * partner, another benchmark (of b's column, read for SUITE): the one
 * matching GLOB whose parameters named in match (all those both have when
 * match is NULL) equal a's. */
struct render_vs {
	const char *glob;    /* NULL: no vs=, each benchmark against itself */
	const char *suite;   /* vs_suite=, else the directive's suite */
	const char *match;   /* match=, or NULL; owned by the template */
};

/* Parses vs=, vs_suite= and match= of node (suite: the directive's),
 * checking vs_suite against the db; match= or vs_suite= without vs= is
 * an error. out->glob NULL when vs= is absent. */
int render_vs_parse(struct render *r, const struct tmpl_node *node, const char *suite,
		    struct render_vs *out);

/* The partner of ra among cb's results (never ra itself): *out NULL when
 * there is none or more than one, and why appended to *why ("X has no
 * partner: no benchmark of S matching 'G' on cpu in run 1a2b3c4d has the
 * same vocab", "X has 2 partners, Y and Z (...)"). */
void render_vs_partner(const struct render_vs *vs, const struct store_result *ra,
		       const struct render_col *cb, const struct store_result **out,
		       struct sbuf *why);

/* The kernel every pair's side (0: a, 1: b) has, or NULL when they differ
 * or n is 0. */
const char *render_vs_kernel(const struct render_pair *pairs, size_t n, int side);

/* How partners are chosen, for a sentence: "decode_recompute with the same
 * parameters", "decode_step/ctx=128,* in decoding with the same vocab"
 * (the kernel alone when GLOB is the kernel, a slash and a star). */
void render_vs_what(struct sbuf *s, render_put_fn *put, const struct render_vs *vs,
		    const char *suite);

/* The benchmarks both columns ran (a row on each side; a single column
 * when cb == ca), filtered by pattern, each marked as shown; with vs (not
 * NULL, vs->glob set) each benchmark of ca matching pattern and its
 * partner in cb. A benchmark without an ok result on either side is
 * missing data: the first one goes in *out_missing (NULL when all are
 * there). With vs, a benchmark without exactly one partner stops the
 * walk and says why in *out_unpaired (left empty otherwise; it may be NULL
 * without vs). Free *out. */
int render_pairs(struct render *r, const struct tmpl_node *node, const char *pattern,
		 struct render_col *ca, struct render_col *cb, const struct render_vs *vs,
		 struct render_pair **out, size_t *out_n,
		 const struct render_pair **out_missing, struct sbuf *out_unpaired);
/* "cpu has no ok result for X in run 1a2b3c4d (invalid: message)" */
void render_missing_text(struct sbuf *s, const struct render_pair *p,
			 const struct render_col *ca, const struct render_col *cb);
/* The footnote of a comparison of ca and cb over `what` of suite; with vs
 * (NULL: none), cb is named as the partners' column. */
void render_pair_note(struct render *r, const char *suite, const char *what,
		      const struct render_col *ca, const struct render_col *cb,
		      const struct render_vs *vs);

/* ---- intervals (render_ci.c) */

/* The raw samples of a column's result and the rounds of its run, read
 * into the report's arena (out->n 0 when it has none or is not ok). */
int render_boot_set(struct render *r, const struct render_col *c,
		    const struct store_result *res, struct stats_boot_set *out);
/* The ratio of the medians of ra over rb (both ok) and its 95% interval
 * (stats_ratio_ci over their samples and rounds); lo and hi NaN when a
 * side has no samples. Errors: a db error or MC_ENOMEM, set in r. */
int render_ratio_interval(struct render *r, const struct render_col *ca,
			  const struct store_result *ra, const struct render_col *cb,
			  const struct store_result *rb, struct stats_interval *out);
/* Appends " [lo–hi]" as factors (nothing when either is NaN). */
void render_interval_text(struct sbuf *s, double lo, double hi);
/* render_ratio_text with the interval after the ratio:
 * "0.652x [0.601–0.712] (cpu 1.53x faster)". */
void render_ratio_ci_text(struct sbuf *s, const struct stats_interval *iv,
			  const char *a_label, const char *b_label);

/* Appends s as `code` when it can be, else as escaped text. */
void render_code(struct sbuf *s, const char *text);

#endif
